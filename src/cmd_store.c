/* cmd_store.c - the team store on PostgreSQL (SPEC section 13): `e2e
 * store init`, `e2e push`, and the push and fetch that perf-profile
 * --store and perf-report --store do. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "buf.h"
#include "cmd_pipeline.h"
#include "e2e-config.h"
#include "report.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "exitcode.h"
#include "fmt.h"
#include "parse.h"
#include "store.h"
#include "store_pg.h"
#include "team.h"
#include "banned.h"

const char *e2e_cmd_store_url(const char *given)
{
	const char *env = getenv("E2E_STORE");

	return given ? given : env && *env ? env : NULL;
}

static int no_url(void)
{
	return e2e_error(E2E_ERR_INPUT, "no store: give '--store URL' or set E2E_STORE (postgresql://...)");
}

/* One line per run pushed (or already there) on stderr unless quiet. */
static void say_pushed(const char *cmd, const struct e2e_run *r, enum e2e_team_pushed how, int64_t pg_id)
{
	struct e2e_buf n = E2E_BUF_INIT;

	e2e_fmt_count(&n, r->recorded);
	e2e_cmd_fail(cmd, "run %lld (%s, %s requests): %s store run %lld%s", (long long)r->id, r->service,
		     n.data, how == E2E_TEAM_PUSHED ? "pushed as" : "already there as", (long long)pg_id,
		     how == E2E_TEAM_VERDICTS ? ", its verdicts updated" : "");
	e2e_buf_finish(&n);
}

/* ---- perf-profile --store ---- */

int e2e_cmd_store_check(const char *cmd, const char *url, const char *db, bool *down)
{
	struct e2e_pg *pg = NULL;
	int rc = e2e_pg_open(url, 0, &pg);

	*down = rc == E2E_ERR_RUNTIME;
	if (*down) {
		e2e_cmd_fail(cmd, "warning: %s; the run is spooled in '%s' ('e2e push' uploads it)",
			     e2e_error_message(), db);
		rc = 0;
	}
	e2e_pg_close(pg);
	return rc;
}

void e2e_cmd_store_push(const char *cmd, const char *url, struct e2e_store *st, const int64_t *ids, size_t n,
			bool quiet, bool warned)
{
	struct e2e_pg *pg = NULL;
	int rc = e2e_pg_open(url, 0, &pg);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		enum e2e_team_pushed how = E2E_TEAM_THERE;
		int64_t pg_id = 0;
		struct e2e_run r;

		rc = e2e_team_push_run(pg, st, ids[i], &how, &pg_id);
		if (rc == 0 && !quiet && e2e_store_run_get(st, ids[i], &r) == 0) {
			say_pushed(cmd, &r, how, pg_id);
			e2e_run_finish(&r);
		}
	}
	if (rc < 0 && !warned)
		e2e_cmd_fail(cmd, "warning: %s; the run is spooled in '%s' ('e2e push' uploads it)",
			     e2e_error_message(), e2e_store_path(st));
	e2e_pg_close(pg);
}

/* ---- perf-report --store ---- */

struct e2e_cmd_store_copy {
	char dir[64];
	char db[80];
};

int e2e_cmd_store_fetch(const char *url, const struct e2e_team_select *want, struct e2e_cmd_store_copy **out,
			struct e2e_store **st)
{
	struct e2e_cmd_store_copy *c = e2e_xcalloc(1, sizeof(*c));
	struct e2e_team_select sel = *want;
	struct e2e_pg *pg = NULL;
	char *service = NULL;
	const char *tmp = getenv("TMPDIR");
	size_t n = 0;
	int rc = e2e_pg_open(url, 0, &pg);

	if (rc == 0 && !sel.service && !sel.run_id && sel.samples) {
		rc = e2e_team_latest_service(pg, &service); /* its runs only, as from a file */
		sel.service = service;
	}
	if (rc == 0) {
		snprintf(c->dir, sizeof(c->dir), "%s/e2e-store.XXXXXX",
			 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
		if (!mkdtemp(c->dir)) {
			c->dir[0] = '\0';
			rc = e2e_error(E2E_ERR_RUNTIME, "cannot make a temporary directory: %s",
				       strerror(errno));
		}
	}
	if (rc == 0) {
		snprintf(c->db, sizeof(c->db), "%s/perf.db", c->dir);
		rc = e2e_store_open(c->db, E2E_STORE_CREATE | E2E_STORE_SCRATCH, st);
	}
	if (rc == 0)
		rc = e2e_team_fetch(pg, &sel, *st, &n);
	if (rc == 0 && sel.run_id && n == 0)
		rc = e2e_error(E2E_ERR_INPUT, "no run %lld in %s", (long long)sel.run_id, e2e_pg_name(pg));
	free(service);
	e2e_pg_close(pg);
	if (rc < 0) {
		e2e_store_close(*st);
		*st = NULL;
		e2e_cmd_store_done(c);
		return rc;
	}
	*out = c;
	return 0;
}

void e2e_cmd_store_done(struct e2e_cmd_store_copy *c)
{
	static const char *const tails[] = { "", "-wal", "-shm", "-journal" };
	char path[96];

	if (!c)
		return;
	for (size_t i = 0; c->db[0] && i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", c->db, tails[i]);
		unlink(path);
	}
	if (c->dir[0])
		rmdir(c->dir);
	free(c);
}

/* ---- --baseline-from ---- */

int e2e_cmd_store_baseline_spec(const char *spec, char **branch, size_t *last)
{
	char *copy = e2e_xstrdup(spec), *p = copy, *item;
	int rc = 0;

	*branch = NULL;
	*last = 10;
	while (rc == 0 && (item = strsep(&p, ",")) != NULL) {
		uint64_t n = 0;

		if (strncmp(item, "branch=", 7) == 0 && item[7]) {
			free(*branch);
			*branch = e2e_xstrdup(item + 7);
		} else if (strncmp(item, "last=", 5) == 0 && e2e_parse_u64(item + 5, 1, 1000, &n)) {
			*last = (size_t)n;
		} else {
			rc = e2e_error(E2E_ERR_INPUT,
				       "option '--baseline-from': '%s' is not 'branch=B' or 'last=N' (N from "
				       "1 to 1000)",
				       item);
		}
	}
	if (rc == 0 && !*branch)
		rc = e2e_error(E2E_ERR_INPUT, "option '--baseline-from': no 'branch=B' in '%s'", spec);
	free(copy);
	if (rc < 0) {
		free(*branch);
		*branch = NULL;
	}
	return rc;
}

int e2e_cmd_store_baseline(const char *cmd, const char *url, const char *service, const char *branch,
			   size_t last, const int64_t *skip, size_t nskip, const struct e2e_common_opts *o,
			   struct e2e_cmd_store_copy **out, char **path)
{
	struct e2e_team_select want = {
		.service = service, .branch = branch, .limit = last + nskip, .samples = true
	};
	struct e2e_store *st = NULL;
	struct e2e_run *runs = NULL;
	struct e2e_report *rep = NULL;
	struct e2e_baseline *b = NULL;
	struct e2e_buf names = E2E_BUF_INIT, file = E2E_BUF_INIT;
	int64_t *ids = NULL;
	size_t n = 0, take = 0;
	int rc = e2e_cmd_store_fetch(url, &want, out, &st);

	if (rc == 0)
		rc = e2e_store_runs_list(st, service, &runs, &n);
	if (rc == 0) {
		ids = e2e_xcalloc(n + 1, sizeof(*ids));
		for (size_t i = n; i-- > 0;) { /* oldest first, the newest last of them */
			bool skipped = false;

			for (size_t j = 0; j < nskip; j++)
				skipped |= runs[i].id == skip[j];
			if (!skipped)
				ids[take++] = runs[i].id;
		}
		if (take > last) {
			memmove(ids, ids + (take - last), last * sizeof(*ids));
			take = last;
		}
		if (take == 0)
			rc = e2e_error(E2E_ERR_EMPTY,
				       "no runs of service '%s' on branch '%s' in the store to compare with",
				       service, branch);
	}
	if (rc == 0)
		rc = e2e_pipeline_compute(st, ids, take, o, &rep);
	if (rc == 0)
		rc = e2e_baseline_from_report(rep, rep->ended_ms, E2E_VERSION, &b);
	if (rc == 0) {
		e2e_buf_printf(&file, "%s/baseline.json", (*out)->dir);
		rc = e2e_baseline_write(b, file.data);
	}
	if (rc == 0 && !o->quiet) {
		for (size_t i = 0; i < take; i++)
			e2e_buf_printf(&names, "%s%lld", i ? ", " : "", (long long)ids[i]);
		e2e_cmd_fail(cmd, "baseline from the store: %zu run%s of branch '%s' (%s)", take,
			     take == 1 ? "" : "s", branch, names.data);
	}
	e2e_baseline_destroy(b);
	e2e_report_destroy(rep);
	e2e_store_runs_free(runs, n);
	e2e_store_close(st);
	free(ids);
	e2e_buf_finish(&names);
	if (rc < 0) {
		e2e_buf_finish(&file);
		e2e_cmd_store_done(*out);
		*out = NULL;
		return rc;
	}
	*path = e2e_buf_detach(&file, NULL);
	return 0;
}

/* ---- e2e push ---- */

struct push_opts {
	const char *store;
	const char *service;
	const char *output_dir;
	const char *db;
	bool quiet;
	bool help;
};

#define P struct push_opts

static const struct e2e_option push_options[] = {
	{ E2E_OPT_STRING(0, "store", P, store, "URL",
			 "the team store (default: $E2E_STORE): postgresql://...") },
	{ E2E_OPT_TEXT('s', "service", P, service, "NAME", "only the runs of this service") },
	{ E2E_OPT_FILE('o', "output", P, output_dir, "DIR", "data directory (default: .e2e/performance)") },
	{ E2E_OPT_FILE(0, "db", P, db, "FILE", "database file (default: DIR/perf.db)") },
	{ E2E_OPT_FLAG('q', "quiet", P, quiet, "no line per run on stderr") },
	{ E2E_OPT_FLAG('h', "help", P, help, "show this help") },
	{ E2E_OPT_END() },
};

#undef P

static int usage_stop(const char *cmd, const char *usage, const char *summary, const struct e2e_option *opts,
		      int rc)
{
	struct e2e_buf b = E2E_BUF_INIT;

	if (rc < 0) {
		e2e_cmd_fail(cmd, "%s", e2e_error_message());
		if (rc == E2E_ERR_INPUT)
			fprintf(stderr, "Try 'e2e %s --help' for more information.\n", cmd);
		return e2e_error_exit(rc);
	}
	e2e_cli_help(&b, usage, summary, opts);
	fputs(b.data, stdout);
	e2e_buf_finish(&b);
	return E2E_EXIT_OK;
}

int cmd_push(int argc, char **argv)
{
	static const char usage[] = "e2e push [--store URL] [options]";
	static const char summary[] = "Uploads the local runs the team store does not have yet, each in one\n"
				      "transaction keyed by its UUID: pushing twice writes nothing twice.";
	struct push_opts o = { .output_dir = ".e2e/performance" };
	struct e2e_store *st = NULL;
	struct e2e_pg *pg = NULL;
	struct e2e_run *runs = NULL;
	size_t n = 0, pushed = 0, there = 0, skipped = 0;
	struct e2e_buf db = E2E_BUF_INIT;
	const char *url;
	int rc = e2e_cli_parse(push_options, argc, argv, &o, NULL);

	if (rc < 0 || o.help)
		return usage_stop("push", usage, summary, push_options, rc);
	url = e2e_cmd_store_url(o.store);
	if (!url) {
		rc = no_url();
		goto out;
	}
	if (o.db)
		e2e_buf_puts(&db, o.db);
	else
		e2e_buf_printf(&db, "%s/perf.db", o.output_dir);
	rc = e2e_pg_open(url, 0, &pg);
	if (rc == 0)
		rc = e2e_store_open(db.data, 0, &st);
	if (rc == 0)
		rc = e2e_store_runs_list(st, o.service, &runs, &n);
	for (size_t i = n; rc == 0 && i-- > 0;) { /* oldest first */
		bool live = false;
		enum e2e_team_pushed how = E2E_TEAM_THERE;
		int64_t pg_id = 0;

		if (!runs[i].complete && e2e_store_run_live(st, runs[i].id, &live) == 0 && live) {
			if (!o.quiet)
				e2e_cmd_fail("push", "run %lld (%s) is being recorded: left for a later push",
					     (long long)runs[i].id, runs[i].service);
			skipped++;
			continue;
		}
		rc = e2e_team_push_run(pg, st, runs[i].id, &how, &pg_id);
		if (rc < 0)
			break;
		if (!o.quiet)
			say_pushed("push", &runs[i], how, pg_id);
		if (how == E2E_TEAM_PUSHED)
			pushed++;
		else
			there++;
	}
	if (rc == 0 && !o.quiet)
		e2e_cmd_fail("push", "pushed %zu run%s, %zu already there, %zu being recorded", pushed,
			     pushed == 1 ? "" : "s", there, skipped);
out:
	e2e_store_runs_free(runs, n);
	e2e_store_close(st);
	e2e_pg_close(pg);
	e2e_buf_finish(&db);
	if (rc < 0) {
		e2e_cmd_fail("push", "%s", e2e_error_message());
		return e2e_error_exit(rc);
	}
	return E2E_EXIT_OK;
}

/* ---- e2e store init ---- */

struct store_opts {
	const char *store;
	const char *writer;
	const char *reader;
	bool quiet;
	bool help;
};

#define S struct store_opts

static const struct e2e_option store_options[] = {
	{ E2E_OPT_STRING(0, "store", S, store, "URL",
			 "the team store (default: $E2E_STORE): postgresql://...") },
	{ E2E_OPT_TEXT(0, "writer-role", S, writer, "NAME",
		       "role that may only insert and read: CI (default: e2e_writer)") },
	{ E2E_OPT_TEXT(0, "reader-role", S, reader, "NAME",
		       "role that may only read: dashboards (default: e2e_reader)") },
	{ E2E_OPT_FLAG('q', "quiet", S, quiet, "nothing on stderr when it worked") },
	{ E2E_OPT_FLAG('h', "help", S, help, "show this help") },
	{ E2E_OPT_END() },
};

#undef S

int cmd_store(int argc, char **argv)
{
	static const char usage[] = "e2e store init [--store URL] [options]";
	static const char summary[] =
		"Creates or migrates the team store's schema in a PostgreSQL database and\n"
		"its writer and reader roles. Run it as the database's owner.";
	struct store_opts o = { .writer = "e2e_writer", .reader = "e2e_reader" };
	struct e2e_pg *pg = NULL;
	const char *url;
	bool created = false;
	int from = 0, rc;

	if (argc >= 2 && strcmp(argv[1], "init") == 0) {
		rc = e2e_cli_parse(store_options, argc - 1, argv + 1, &o, NULL);
	} else if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		o.help = true;
		rc = 0;
	} else {
		rc = argc < 2
			     ? e2e_error(E2E_ERR_INPUT, "missing subcommand: 'init'")
			     : e2e_error(E2E_ERR_INPUT, "unknown subcommand '%s' (there is 'init')", argv[1]);
	}
	if (rc < 0 || o.help)
		return usage_stop("store", usage, summary, store_options, rc);
	url = e2e_cmd_store_url(o.store);
	rc = url ? e2e_pg_open(url, E2E_PG_INIT, &pg) : no_url();
	if (rc == 0)
		rc = e2e_pg_init(pg, o.writer, o.reader, &created, &from);
	if (rc == 0 && !o.quiet) {
		if (created)
			e2e_cmd_fail("store", "created the store (schema version %d) in %s", E2E_PG_VERSION,
				     e2e_pg_name(pg));
		else if (from < E2E_PG_VERSION)
			e2e_cmd_fail("store", "migrated %s from schema version %d to %d", e2e_pg_name(pg),
				     from, E2E_PG_VERSION);
		else
			e2e_cmd_fail("store", "%s is up to date (schema version %d)", e2e_pg_name(pg),
				     E2E_PG_VERSION);
		e2e_cmd_fail("store", "roles: '%s' inserts and reads, '%s' reads", o.writer, o.reader);
	}
	e2e_pg_close(pg);
	if (rc < 0) {
		e2e_cmd_fail("store", "%s", e2e_error_message());
		return e2e_error_exit(rc);
	}
	return E2E_EXIT_OK;
}
