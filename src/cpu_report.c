/* cpu_report.c - a run's CPU profile files and grown frames (cpu_report.h). */
#include "cpu_report.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "banned.h"

struct e2e_cpu_profile *e2e_cpu_profile_create(int64_t run_id)
{
	struct e2e_cpu_profile *p = e2e_xcalloc(1, sizeof(*p));

	p->run_id = run_id;
	return p;
}

void e2e_cpu_profile_destroy(struct e2e_cpu_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].kind);
		free(p->files[i].endpoint);
		free(p->files[i].path);
	}
	free(p->files);
	for (size_t i = 0; i < p->ngrown; i++)
		free(p->grown[i].frame);
	free(p->grown);
	free(p);
}

void e2e_cpu_profile_add_file(struct e2e_cpu_profile *p, const char *kind, const char *endpoint,
			      const char *path)
{
	p->files = e2e_xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] =
		(struct e2e_cpu_file){ e2e_xstrdup(kind), e2e_xstrdup(endpoint ? endpoint : ""),
				       e2e_xstrdup(path) };
}

void e2e_cpu_profile_add_grown(struct e2e_cpu_profile *p, const char *frame, double base_share, double share)
{
	p->grown = e2e_xrealloc(p->grown, (p->ngrown + 1) * sizeof(*p->grown));
	p->grown[p->ngrown++] = (struct e2e_cpu_grown){ e2e_xstrdup(frame), base_share, share };
}

void e2e_cpu_grown_text(struct e2e_buf *b, const struct e2e_cpu_grown *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		e2e_buf_printf(b, "%s%s ", i ? ", " : "", g[i].frame);
		e2e_fmt_pp(b, 100.0 * (g[i].share - g[i].base_share));
		e2e_buf_puts(b, " of samples (");
		e2e_fmt_pct(b, g[i].base_share);
		e2e_buf_puts(b, " -> ");
		e2e_fmt_pct(b, g[i].share);
		e2e_buf_putc(b, ')');
	}
}

void e2e_cpu_file_label(struct e2e_buf *b, const struct e2e_cpu_file *f)
{
	if (strcmp(f->kind, E2E_CPU_FILE_FLAME) == 0)
		e2e_buf_puts(b, "flame graph");
	else if (strcmp(f->kind, E2E_CPU_FILE_SPEEDSCOPE) == 0)
		e2e_buf_puts(b, "speedscope profile");
	else if (strcmp(f->kind, E2E_CPU_FILE_FOLDED) == 0)
		e2e_buf_puts(b, "folded stacks");
	else if (strcmp(f->kind, E2E_CPU_FILE_DIFF) == 0)
		e2e_buf_puts(b, "differential flame graph (against the baseline)");
	else if (strcmp(f->kind, E2E_CPU_FILE_ENDPOINT) == 0)
		e2e_buf_printf(b, "flame graph of %s", f->endpoint);
	else
		e2e_buf_puts(b, f->kind);
}
