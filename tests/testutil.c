#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&path, "%s/e2e-test.XXXXXX", base) < 0 || !mkdtemp(path))
		abort();
	return path;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void tu_rmtree(const char *path)
{
	if (path && strstr(path, "e2e-test."))
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

void tu_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		abort();
	if (len == (size_t)-1)
		len = strlen(data);
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static char *slurp_fd(int fd)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return buf;
}

int tu_run(char *const argv[], char **out, char **err)
{
	char outp[] = "/tmp/e2e-tu-out.XXXXXX", errp[] = "/tmp/e2e-tu-err.XXXXXX";
	int ofd = mkstemp(outp), efd = mkstemp(errp), status;
	pid_t pid;

	if (ofd < 0 || efd < 0)
		abort();
	unlink(outp);
	unlink(errp);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			abort();
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	if (out)
		*out = slurp_fd(ofd);
	if (err)
		*err = slurp_fd(efd);
	close(ofd);
	close(efd);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

const char *tu_e2e_bin(void)
{
	const char *b = getenv("E2E_BIN");

	return b && *b ? b : "e2e";
}

char *tu_source_path(const char *rel)
{
	const char *root = getenv("E2E_SOURCE_ROOT");

	return tu_path(root && *root ? root : ".", rel);
}

int tu_run_suite(Suite *(*make_suite)(void), void (*before)(void), void (*after)(void))
{
	SRunner *sr;
	int failed;

	if (before)
		before();
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (after)
		after();
	return failed ? 1 : 0;
}
