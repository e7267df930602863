/* cmd_mark.c - `e2e mark start|end NAME`: a shell suite's test markers
 * (SPEC section 11). Posts "test NAME started" or "ended with STATUS" to
 * the control endpoint perf-profile names in E2E_CONTROL_URL. A marker
 * must never break the suite it is in: outside perf-profile, and when the
 * proxy refuses a marker or does not answer, it warns and exits 0; only a
 * wrong command line (a usage error) exits 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "exitcode.h"
#include "testmark.h"
#include "upstream.h"
#include "banned.h"

#define CMD "mark"
#define MARK_TIMEOUT_MS 10000L

struct mark_opts {
	bool help;
	int status;
};

static const struct e2e_option_name statuses[] = {
	{ "passed", 0 },  { "failed", 1 },  { "skipped", 2 }, { "error", 3 },
	{ "xfailed", 4 }, { "xpassed", 5 }, { NULL, 0 },
};

#define M struct mark_opts

static const struct e2e_option options[] = {
	{ E2E_OPT_FLAG('h', "help", M, help, "show this help and exit") },
	{ E2E_OPT_ENUM(
		0, "status", M, status, "STATUS",
		"the test's outcome, for end: passed (default), failed, skipped, error, xfailed, xpassed",
		statuses) },
	{ E2E_OPT_END() },
};

#undef M

static const char usage[] = "e2e mark start|end NAME [--status STATUS]";
static const char summary[] =
	"Tells the proxy of the perf-profile this runs under that test NAME started or ended, so the\n"
	"requests in between are the test's. Outside perf-profile (no E2E_CONTROL_URL) it warns once\n"
	"and exits 0; a marker the proxy refuses is a warning too: a marker never breaks a suite.";

/* Appends s percent-encoded (all but RFC 3986 unreserved bytes). */
static void add_escaped(struct e2e_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p)) {
			e2e_buf_add(b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			e2e_buf_add(b, e, 3);
		}
	}
}

/* True the first time in the calling shell: a stamp file per parent
 * process (its pid and start time, so a reused pid warns again). */
static bool first_warning(void)
{
	char path[256], stat[1024], *p;
	const char *dir = getenv("TMPDIR");
	unsigned long long start = 0;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)getppid());
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(stat, 1, sizeof(stat) - 1, f);
		stat[n] = '\0';
		fclose(f);
		/* field 22 (starttime), counted after the ')' that ends field 2 */
		p = strrchr(stat, ')');
		for (int field = 2; p && field < 22; field++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/e2e-mark-%ld-%ld-%llu", dir, (long)getuid(), (long)getppid(), start);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno != EEXIST;
	close(fd);
	return true;
}

static int parse_args(int argc, char **argv, struct mark_opts *o, const char **verb, const char **name)
{
	int rc;

	memset(o, 0, sizeof(*o));
	*verb = *name = NULL;
	if (argc >= 2 && argv[1][0] != '-') {
		*verb = argv[1];
		if (strcmp(*verb, "start") != 0 && strcmp(*verb, "end") != 0)
			return e2e_error(E2E_ERR_INPUT, "unknown marker '%s': use start or end", *verb);
		if (argc < 3)
			return e2e_error(E2E_ERR_INPUT, "missing the test's NAME after '%s'", *verb);
		*name = argv[2];
		if (!**name)
			return e2e_error(E2E_ERR_INPUT, "the test's NAME is empty");
		/* options after the operands: argv[2] stands in for argv[0] */
		rc = e2e_cli_parse(options, argc - 2, argv + 2, o, NULL);
	} else {
		rc = e2e_cli_parse(options, argc, argv, o, NULL);
		if (rc == 0 && !o->help)
			rc = e2e_error(E2E_ERR_INPUT, "missing 'start' or 'end' and the test's NAME");
	}
	if (rc < 0 || o->help)
		return rc;
	if (strcmp(*verb, "start") == 0 && o->status)
		return e2e_error(E2E_ERR_INPUT, "'--status' is for 'end', not 'start'");
	return 0;
}

int cmd_mark(int argc, char **argv)
{
	struct mark_opts o;
	const char *verb, *name, *url = getenv("E2E_CONTROL_URL");
	struct e2e_buf b = E2E_BUF_INIT, reply = E2E_BUF_INIT;
	long status = 0;
	int rc = parse_args(argc, argv, &o, &verb, &name);

	if (rc < 0) {
		e2e_cmd_fail(CMD, "%s", e2e_error_message());
		fprintf(stderr, "Try 'e2e mark --help' for more information.\n");
		return e2e_error_exit(rc);
	}
	if (o.help) {
		e2e_cli_help(&b, usage, summary, options);
		fputs(b.data, stdout);
		e2e_buf_finish(&b);
		return E2E_EXIT_OK;
	}
	if (!url || !*url) {
		if (first_warning())
			e2e_cmd_fail(CMD,
				     "warning: not under 'e2e perf-profile' (E2E_CONTROL_URL is not set): "
				     "test markers are ignored");
		return E2E_EXIT_OK;
	}
	e2e_buf_printf(&b, "%s/%s?name=", url, verb);
	add_escaped(&b, name);
	if (strcmp(verb, "end") == 0)
		e2e_buf_printf(&b, "&status=%s", statuses[o.status].name);
	rc = e2e_upstream_post_once(b.data, MARK_TIMEOUT_MS, &status, &reply);
	if (rc < 0)
		e2e_cmd_fail(CMD, "warning: test marker not sent: %s", e2e_error_message());
	else if (status < 200 || status > 299) {
		while (reply.len && (reply.data[reply.len - 1] == '\n' || reply.data[reply.len - 1] == '\r'))
			reply.data[--reply.len] = '\0';
		if (reply.len)
			e2e_cmd_fail(CMD, "warning: test marker refused: %s", reply.data);
		else
			e2e_cmd_fail(CMD, "warning: test marker refused: %ld", status);
	}
	e2e_buf_finish(&b);
	e2e_buf_finish(&reply);
	return E2E_EXIT_OK;
}
