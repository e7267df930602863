#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

void e2e_run_finish(struct e2e_run *r)
{
	if (!r)
		return;
	free(r->service);
	free(r->command);
	free(r->git_commit);
	free(r->git_branch);
	free(r->host_cpu);
	free(r->host_os);
	free(r->tool_version);
	free(r->source);
	free(r->target);
	memset(r, 0, sizeof(*r));
}

void e2e_templating_finish(struct e2e_templating *t)
{
	if (!t)
		return;
	free(t->routes_name);
	free(t->routes_sha256);
	free(t->routes_text);
	memset(t, 0, sizeof(*t));
}
