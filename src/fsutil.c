#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

/* "4 MiB", or "1000 bytes" for a limit that is not whole MiB. */
static const char *limit_text(uint64_t max, char *s, size_t n)
{
	if (max && max % (1u << 20) == 0)
		snprintf(s, n, "%llu MiB", (unsigned long long)(max >> 20));
	else
		snprintf(s, n, "%llu bytes", (unsigned long long)max);
	return s;
}

static int too_large(const char *path, const char *what, uint64_t max)
{
	char lim[32];

	return e2e_error(E2E_ERR_INPUT, "'%s': %s larger than %s", path, what,
			 limit_text(max, lim, sizeof(lim)));
}

int e2e_fsutil_check_size(int fd, const char *path, const char *what, uint64_t max)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return too_large(path, what, max);
	return 0;
}

int e2e_fsutil_read_fd(int fd, const char *path, const char *what, uint64_t max, char **out, size_t *len)
{
	struct e2e_buf b = E2E_BUF_INIT;
	char chunk[65536];
	int rc = e2e_fsutil_check_size(fd, path, what, max);

	while (rc == 0) {
		/* one byte past the limit tells a file of exactly max bytes from a larger one */
		uint64_t room = max + 1 - b.len;
		ssize_t n = read(fd, chunk, room < sizeof(chunk) ? (size_t)room : sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = e2e_error(E2E_ERR_INPUT, "cannot read %s '%s': %s", what, path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		e2e_buf_add(&b, chunk, (size_t)n);
		if (b.len > max)
			rc = too_large(path, what, max);
	}
	if (rc == 0)
		*out = e2e_buf_detach(&b, len);
	e2e_buf_finish(&b);
	return rc;
}

int e2e_fsutil_read_file(const char *path, const char *what, uint64_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return e2e_error(E2E_ERR_INPUT, "cannot read %s '%s': %s", what, path, strerror(errno));
	rc = e2e_fsutil_read_fd(fd, path, what, max, out, len);
	close(fd);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Creates tmp (ending in "XXXXXX", replaced) with O_EXCL and mode 0666:
 * the kernel applies the umask as to any new file, which mkstemp's fixed
 * 0600 and a later fchmod could only imitate by changing the process-wide
 * umask under the other threads. */
static int create_temp(char *tmp)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static _Thread_local unsigned long long counter;
	char *x = tmp + strlen(tmp) - 6;

	for (int attempt = 0; attempt < 100; attempt++) {
		struct timespec ts;
		unsigned long long v;
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((unsigned long long)ts.tv_nsec ^ ((unsigned long long)ts.tv_sec << 30) ^
		     ((unsigned long long)getpid() << 40)) +
		    ++counter * 0x9E3779B97F4A7C15ull;
		for (int i = 0; i < 6; i++, v /= sizeof(chars) - 1)
			x[i] = chars[v % (sizeof(chars) - 1)];
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

static int write_error(const char *path, const char *what)
{
	if (what)
		return e2e_error(E2E_ERR_RUNTIME, "cannot write %s '%s': %s", what, path, strerror(errno));
	return e2e_error(E2E_ERR_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
}

int e2e_fsutil_write_atomic(const char *path, const char *what, const void *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	struct e2e_buf tmp = E2E_BUF_INIT, dir = E2E_BUF_INIT;
	int fd, dfd, saved, rc = 0;
	bool ok;

	if (slash)
		e2e_buf_add(&dir, path, dirlen ? dirlen : 1);
	else
		e2e_buf_puts(&dir, ".");
	e2e_buf_printf(&tmp, "%.*s.e2e-tmp.XXXXXX", (int)(slash ? dirlen + 1 : 0), path);
	fd = create_temp(tmp.data);
	if (fd < 0) {
		rc = write_error(path, what);
		goto out;
	}
	ok = write_all(fd, data, len) == 0 && fsync(fd) == 0;
	saved = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (ok && rename(tmp.data, path) != 0) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp.data);
		errno = saved;
		rc = write_error(path, what);
		goto out;
	}
	/* The rename reaches the disk with the directory. A failure here is
	 * not reported: path already holds the new content, and some file
	 * systems refuse fsync on a directory. */
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	e2e_buf_finish(&tmp);
	e2e_buf_finish(&dir);
	return rc;
}

/* One step of mkdir -p: dir is a directory afterwards, or -1 with errno
 * set. */
static int mkdir_one(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno != EEXIST || stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int e2e_fsutil_mkdir_p(const char *dir)
{
	char *p = e2e_xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; rc == 0 && *s; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (mkdir_one(p) != 0)
			rc = e2e_error(E2E_ERR_RUNTIME, "cannot create directory '%s': %s", p,
				       strerror(errno));
		*s = '/';
	}
	if (rc == 0 && p[0] && mkdir_one(p) != 0)
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot create directory '%s': %s", p, strerror(errno));
	free(p);
	return rc;
}

int e2e_fsutil_mkdir_parents(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	if (!slash || slash == path)
		return 0;
	dir = e2e_xstrdup(path);
	dir[slash - path] = '\0';
	rc = e2e_fsutil_mkdir_p(dir);
	free(dir);
	return rc;
}
