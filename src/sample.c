#include "sample.h"

#include <string.h>

#include "banned.h"

static const char *const kind_names[E2E_EK__COUNT] = {
	[E2E_EK_NONE] = "",
	[E2E_EK_REFUSED] = "refused",
	[E2E_EK_RESET] = "reset",
	[E2E_EK_TIMEOUT] = "timeout",
	[E2E_EK_PROTOCOL] = "protocol",
	[E2E_EK_TLS] = "tls",
	[E2E_EK_RESOLVE] = "resolve",
	[E2E_EK_CLIENT_ABORT] = "client_abort",
	[E2E_EK_INTERNAL] = "internal",
	[E2E_EK_UPSTREAM_OTHER] = "upstream",
	[E2E_EK_REJECTED] = "rejected",
	[E2E_EK_HEAD_TOO_LARGE] = "head_too_large",
};

const char *e2e_error_kind_name(int kind)
{
	if (kind < 0 || kind >= E2E_EK__COUNT)
		return "unknown";
	return kind_names[kind];
}

int e2e_error_kind_parse(const char *name)
{
	for (int k = 1; k < E2E_EK__COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

bool e2e_sample_is_error(const struct e2e_sample *s, bool count_4xx)
{
	if (s->error != E2E_EK_NONE)
		return true;
	if (s->status >= 500)
		return true;
	return count_4xx && s->status >= 400 && s->status < 500;
}

size_t e2e_sample_path_keep(const char *path, size_t len, bool *cut)
{
	size_t keep = E2E_PATH_MAX;

	*cut = len > E2E_PATH_MAX;
	if (!*cut)
		return len;
	/* back off over the continuation bytes of a sequence the cut would split */
	for (int i = 0; i < 3 && ((unsigned char)path[keep] & 0xc0) == 0x80; i++)
		keep--;
	return keep;
}

bool e2e_sample_path_was_cut(const char *path, size_t len)
{
	return len > E2E_PATH_MAX && len - E2E_PATH_CUT_MARK_LEN <= E2E_PATH_MAX &&
	       memcmp(path + len - E2E_PATH_CUT_MARK_LEN, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN) == 0;
}
