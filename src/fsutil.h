/* fsutil.h - small file-system helpers shared by the file readers. */
#ifndef E2E_FSUTIL_H
#define E2E_FSUTIL_H

#include <stdint.h>

/* Refuses an input file larger than max bytes (regular files only; pipes
 * are not measured): 0, or E2E_ERR_INPUT "'path': WHAT larger than N MiB". */
int e2e_fsutil_check_size(int fd, const char *path, const char *what, uint64_t max);

#endif
