#include "replay_mix.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "har.h"
#include "model.h"
#include "sample.h"
#include "store.h"
#include "banned.h"

struct e2e_replay_mix {
	struct e2e_replay_req *reqs;
	size_t n;
	struct e2e_replay_header *headers;
	char (*methods)[65]; /* a HAR's, NUL-terminated */
	char *service;
	char *note;
	uint64_t left_out;
	/* what the requests point into */
	struct e2e_path *paths;
	size_t npaths;
	struct e2e_har *har;
};

void e2e_replay_mix_destroy(struct e2e_replay_mix *m)
{
	if (!m)
		return;
	free(m->reqs);
	free(m->headers);
	free(m->methods);
	free(m->service);
	free(m->note);
	e2e_store_paths_free(m->paths, m->npaths);
	e2e_har_destroy(m->har);
	free(m);
}

int e2e_replay_mix_from_run(struct e2e_store *st, int64_t id, struct e2e_replay_mix **out)
{
	struct e2e_replay_mix *m = e2e_xcalloc(1, sizeof(*m));
	struct e2e_run run = { 0 };
	struct e2e_sample *s = NULL;
	struct e2e_path **by_id = NULL;
	size_t ns = 0;
	uint32_t max_id = 0;
	int rc;

	if ((rc = e2e_store_run_get(st, id, &run)) < 0)
		goto out;
	m->service = e2e_xstrdup(run.service);
	if ((rc = e2e_store_run_paths_load(st, id, &m->paths, &m->npaths)) < 0 ||
	    (rc = e2e_store_samples_load(st, id, &s, &ns)) < 0)
		goto out;
	for (size_t i = 0; i < m->npaths; i++)
		if (m->paths[i].id > max_id)
			max_id = m->paths[i].id;
	by_id = e2e_xcalloc((size_t)max_id + 1, sizeof(*by_id));
	for (size_t i = 0; i < m->npaths; i++)
		by_id[m->paths[i].id] = &m->paths[i];
	m->reqs = e2e_xcalloc(ns ? ns : 1, sizeof(*m->reqs));
	for (size_t i = 0; i < ns; i++) {
		const struct e2e_path *p = s[i].path_id <= max_id ? by_id[s[i].path_id] : NULL;
		if (!p || s[i].req_bytes) {
			m->left_out++;
			continue;
		}
		m->reqs[m->n++] = (struct e2e_replay_req){
			.method = p->method,
			.target = p->path,
			.target_len = strlen(p->path),
			.path = p->path,
			.path_len = strlen(p->path),
			.body_len = -1,
		};
	}
	if (!ns) {
		rc = e2e_error(E2E_ERR_INPUT, "run %lld has no requests to replay", (long long)id);
		goto out;
	}
	if (!m->n) {
		rc = e2e_error(
			E2E_ERR_INPUT,
			"run %lld has no replayable requests: all %zu had a body, and bodies are never "
			"stored (replay a HAR file with --import to send bodies)",
			(long long)id, ns);
		goto out;
	}
	if (m->left_out) {
		struct e2e_buf x = E2E_BUF_INIT;
		e2e_buf_printf(&x,
			       "%llu of the run's %zu requests had a body and are not replayed (bodies are "
			       "never stored)",
			       (unsigned long long)m->left_out, ns);
		m->note = e2e_buf_detach(&x, NULL);
	}
	*out = m;
	m = NULL;
out:
	free(by_id);
	free(s);
	e2e_run_finish(&run);
	e2e_replay_mix_destroy(m);
	return rc;
}

/* Not sent as recorded: hop-by-hop, re-framed or the target's own. */
static bool drop_header(const char *name, size_t len, bool keep_cookies)
{
	static const char *const drop[] = {
		"connection",
		"keep-alive",
		"proxy-connection",
		"proxy-authorization",
		"te",
		"trailer",
		"upgrade",
		"transfer-encoding",
		"host",
		"content-length",
		"proxy-authenticate",
	};

	if (!keep_cookies && len == 6 && !strncasecmp(name, "cookie", 6))
		return true;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (strlen(drop[i]) == len && !strncasecmp(name, drop[i], len))
			return true;
	return false;
}

int e2e_replay_mix_from_har(const char *path, bool keep_cookies, struct e2e_replay_mix **out)
{
	struct e2e_replay_mix *m = e2e_xcalloc(1, sizeof(*m));
	size_t n, nh = 0, cap = 0;
	int rc;

	if ((rc = e2e_har_load_replay(path, &m->har)) < 0)
		goto out;
	n = e2e_har_count(m->har);
	if (!n) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': no HTTP requests to replay", path);
		goto out;
	}
	m->service = e2e_xstrdup("unknown");
	m->reqs = e2e_xcalloc(n, sizeof(*m->reqs));
	m->methods = e2e_xcalloc(n, sizeof(*m->methods));
	/* first the headers of every request, then the requests point into them */
	size_t *first = e2e_xcalloc(n + 1, sizeof(*first));
	for (size_t i = 0; i < n; i++) {
		struct e2e_har_request hq;
		e2e_har_request(m->har, i, &hq);
		first[i] = nh;
		for (const char *l = hq.headers, *end = hq.headers + hq.headers_len; l < end;) {
			const char *nl = memchr(l, '\n', (size_t)(end - l)),
				   *colon = memchr(l, ':', (size_t)(nl - l));
			size_t nlen = (size_t)(colon - l);
			if (!drop_header(l, nlen, keep_cookies)) {
				if (nh == cap) {
					cap = cap ? cap * 2 : 64;
					m->headers = e2e_xrealloc(m->headers, cap * sizeof(*m->headers));
				}
				m->headers[nh++] = (struct e2e_replay_header){ l, colon + 2, nlen,
									       (size_t)(nl - colon - 2) };
			}
			l = nl + 1;
		}
	}
	first[n] = nh;
	for (size_t i = 0; i < n; i++) {
		struct e2e_capture c;
		struct e2e_har_request hq;
		e2e_har_capture(m->har, i, &c);
		e2e_har_request(m->har, i, &hq);
		memcpy(m->methods[i], c.method, c.method_len); /* at most 64 bytes (har.h) */
		m->reqs[i] = (struct e2e_replay_req){
			.method = m->methods[i],
			.target = hq.target,
			.target_len = hq.target_len,
			.path = c.path,
			.path_len = c.path_len,
			.headers = m->headers ? m->headers + first[i] : NULL,
			.nheaders = first[i + 1] - first[i],
			.body = hq.body,
			.body_len = hq.body ? (int64_t)hq.body_len : -1,
		};
	}
	free(first);
	m->n = n;
	*out = m;
	m = NULL;
out:
	e2e_replay_mix_destroy(m);
	return rc;
}

const struct e2e_replay_req *e2e_replay_mix_reqs(const struct e2e_replay_mix *m)
{
	return m->reqs;
}

size_t e2e_replay_mix_count(const struct e2e_replay_mix *m)
{
	return m->n;
}

const char *e2e_replay_mix_service(const struct e2e_replay_mix *m)
{
	return m->service;
}

uint64_t e2e_replay_mix_left_out(const struct e2e_replay_mix *m)
{
	return m->left_out;
}

const char *e2e_replay_mix_note(const struct e2e_replay_mix *m)
{
	return m->note ? m->note : "";
}
