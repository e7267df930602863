/* fsutil.h - the file-system helpers every module shares, with one policy:
 * files and directories are created as any program creates them (mode
 * 0666 or 0777 less the umask), whole-file writes are atomic and durable
 * (temporary file in the same directory, fsync, rename, fsync of the
 * directory), and input files are read under a size limit.
 *
 * Errors are E2E_ERR_* codes with an e2e_error() message naming the file;
 * `what` says what the file is ("baseline" -> "cannot write baseline
 * 'PATH': ..."), NULL for a bare "cannot write 'PATH': ...". */
#ifndef E2E_FSUTIL_H
#define E2E_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Refuses an input file larger than max bytes (regular files only; pipes
 * are not measured): 0, or E2E_ERR_INPUT "'PATH': WHAT larger than N MiB". */
int e2e_fsutil_check_size(int fd, const char *path, const char *what, uint64_t max);

/* Reads the rest of fd, at most max bytes, whatever the file is (a pipe
 * too). On success *out gets the bytes NUL-terminated (caller frees) and
 * *len their number (the NUL not counted). More than max bytes:
 * E2E_ERR_INPUT "'PATH': WHAT larger than LIMIT" (LIMIT "4 MiB", or "N
 * bytes" when not whole MiB); a read error: E2E_ERR_INPUT "cannot read
 * WHAT 'PATH': REASON". fd stays open. */
int e2e_fsutil_read_fd(int fd, const char *path, const char *what, uint64_t max, char **out, size_t *len);

/* e2e_fsutil_read_fd() of path; failing to open it is E2E_ERR_INPUT
 * "cannot read WHAT 'PATH': REASON". */
int e2e_fsutil_read_file(const char *path, const char *what, uint64_t max, char **out, size_t *len);

/* Replaces path with exactly data[0..len-1], or leaves it as it was: a
 * temporary file in the same directory (mode 0666 less the umask), write,
 * fsync, rename over path, fsync of the directory. No temporary file is
 * left behind, on success or failure. Missing directories are not
 * created. E2E_ERR_RUNTIME "cannot write WHAT 'PATH': REASON". */
int e2e_fsutil_write_atomic(const char *path, const char *what, const void *data, size_t len);

/* mkdir -p: creates dir and the directories above it (mode 0777 less the
 * umask); directories that exist are fine. E2E_ERR_RUNTIME "cannot create
 * directory 'PREFIX': REASON" naming the first one that fails (something
 * that exists and is not a directory fails with ENOTDIR). */
int e2e_fsutil_mkdir_p(const char *dir);

/* e2e_fsutil_mkdir_p() of the directory part of path ("a/b/c.json" makes
 * a/b); nothing for a bare name. */
int e2e_fsutil_mkdir_parents(const char *path);

#endif
