#include "fsutil.h"

#include <sys/stat.h>

#include "error.h"
#include "banned.h"

int e2e_fsutil_check_size(int fd, const char *path, const char *what, uint64_t max)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return e2e_error(E2E_ERR_INPUT, "'%s': %s larger than %llu MiB", path, what,
				 (unsigned long long)(max >> 20));
	return 0;
}
