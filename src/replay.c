#include "replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "error.h"
#include "hist.h"
#include "parse.h"
#include "sample.h"
#include "upstream.h"
#include "banned.h"

#define NS 1000000000.0
#define EV_TIMER 1u
#define FLUSH_NS 100000000u /* hand a partial batch to the writer after 100 ms */

/* ---- profiles and the schedule (pure) ---- */

static bool parse_rate(const char *s, size_t len, bool zero_ok, double *out)
{
	char buf[64];
	double v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!e2e_parse_double(buf, 0, 1e9, "/s", &v) || (!zero_ok && v <= 0))
		return false;
	*out = v;
	return true;
}

static bool parse_dur(const char *s, size_t len, uint64_t *out)
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return e2e_parse_duration(buf, out);
}

int e2e_replay_profile_parse(const char *s, struct e2e_replay_profile *out)
{
	struct e2e_replay_profile p = { 0 };

	if (!strcmp(s, "constant")) {
		p.shape = E2E_REPLAY_CONSTANT;
	} else if (!strcmp(s, "soak")) {
		p.shape = E2E_REPLAY_SOAK;
	} else if (!strncmp(s, "ramp:", 5)) {
		const char *a = s + 5, *dash = strchr(a, '-');
		p.shape = E2E_REPLAY_RAMP;
		if (!dash || !parse_rate(a, (size_t)(dash - a), true, &p.from) ||
		    !parse_rate(dash + 1, strlen(dash + 1), true, &p.to))
			return e2e_error(
				E2E_ERR_INPUT,
				"profile '%s': ramp:FROM-TO takes two rates per second (e.g. ramp:10-200)",
				s);
		if (p.from <= 0 && p.to <= 0)
			return e2e_error(E2E_ERR_INPUT,
					 "profile '%s': a ramp needs a rate above 0 at one end", s);
	} else if (!strncmp(s, "spike:", 6)) {
		const char *f[4], *c = s + 6;
		size_t len[4], n = 0;
		p.shape = E2E_REPLAY_SPIKE;
		for (; n < 4; n++) {
			const char *comma = strchr(c, ',');
			f[n] = c;
			len[n] = comma ? (size_t)(comma - c) : strlen(c);
			if (!comma) {
				n++;
				break;
			}
			c = comma + 1;
		}
		if (n != 4 || strchr(f[3], ',') || !parse_rate(f[0], len[0], false, &p.base) ||
		    !parse_rate(f[1], len[1], false, &p.peak) || !parse_dur(f[2], len[2], &p.at_ns) ||
		    !parse_dur(f[3], len[3], &p.for_ns) || p.for_ns == 0)
			return e2e_error(
				E2E_ERR_INPUT,
				"profile '%s': spike:BASE,PEAK,AT,FOR takes two rates above 0 per second "
				"and two durations (e.g. spike:50,500,10s,5s)",
				s);
	} else {
		return e2e_error(
			E2E_ERR_INPUT,
			"unknown profile '%s' (constant, ramp:FROM-TO, spike:BASE,PEAK,AT,FOR or soak)", s);
	}
	*out = p;
	return 0;
}

bool e2e_replay_profile_needs_rate(const struct e2e_replay_profile *p)
{
	return p->shape == E2E_REPLAY_CONSTANT || p->shape == E2E_REPLAY_SOAK;
}

static void add_seg(struct e2e_replay_sched *s, double t0, double t1, double r0, double r1)
{
	struct e2e_replay_seg *g;
	double n0 = 0;

	if (t1 <= t0)
		return;
	if (s->nseg) {
		const struct e2e_replay_seg *p = &s->seg[s->nseg - 1];
		n0 = p->n0 + (p->r0 + p->r1) / 2 * (p->t1 - p->t0);
	}
	g = &s->seg[s->nseg++];
	*g = (struct e2e_replay_seg){ t0, t1, r0, r1, n0 };
}

void e2e_replay_sched_init(struct e2e_replay_sched *s, const struct e2e_replay_profile *p,
			   uint64_t duration_ns)
{
	double d = (double)duration_ns / NS;

	memset(s, 0, sizeof(*s));
	s->end = d;
	switch (p->shape) {
	case E2E_REPLAY_RAMP:
		add_seg(s, 0, d, p->from, p->to);
		break;
	case E2E_REPLAY_SPIKE: {
		double at = fmin((double)p->at_ns / NS, d), to = fmin(at + (double)p->for_ns / NS, d);
		add_seg(s, 0, at, p->base, p->base);
		add_seg(s, at, to, p->peak, p->peak);
		add_seg(s, to, d, p->base, p->base);
		break;
	}
	default:
		add_seg(s, 0, d, p->rate, p->rate);
		break;
	}
}

bool e2e_replay_sched_next(struct e2e_replay_sched *s, uint64_t *at_ns)
{
	for (; s->cur < s->nseg; s->cur++) {
		const struct e2e_replay_seg *g = &s->seg[s->cur];
		double len = g->t1 - g->t0, c = (double)s->k - g->n0, b = (g->r1 - g->r0) / len, t;

		if (c >= (g->r0 + g->r1) / 2 * len - 1e-9)
			continue; /* the k-th arrival lies in a later segment */
		if (fabs(b) < 1e-12) {
			t = c / g->r0;
		} else {
			double disc = g->r0 * g->r0 + 2 * b * c;
			t = (-g->r0 + sqrt(disc > 0 ? disc : 0)) / b;
		}
		t += g->t0;
		if (t >= s->end)
			return false;
		s->k++;
		*at_ns = (uint64_t)llround(t * NS);
		return true;
	}
	return false;
}

/* ---- the loop ---- */

struct slot {
	struct replay *rp;
	struct e2e_upstream_xfer *x;
	const struct e2e_replay_req *req;
	uint64_t intended, sent; /* ns from start */
	uint64_t resp_bytes;
	size_t body_off;
	int status;
	int kind;
	struct slot *next; /* free list, or the done list */
};

struct replay {
	const struct e2e_replay_config *cfg;
	struct e2e_replay_result *res;
	struct e2e_upstream *up;
	struct e2e_hist *sched;
	struct slot *slots, *free_slots, *done;
	uint32_t in_flight;
	struct e2e_capture_batch *batch;
	uint64_t batch_t0;
	size_t next_req;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t clamp_us(uint64_t ns)
{
	uint64_t us = ns / 1000u;
	return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void flush(struct replay *rp)
{
	if (rp->batch && rp->batch->n) {
		e2e_capture_queue_submit(rp->cfg->queue, rp->batch);
		rp->batch = NULL;
	}
}

static void record(struct replay *rp, const struct e2e_sample *s, const struct e2e_replay_req *q)
{
	for (int tries = 0; tries < 2; tries++) {
		if (!rp->batch) {
			rp->batch = e2e_capture_queue_take(rp->cfg->queue);
			rp->batch_t0 = mono_ns();
		}
		if (!rp->batch)
			break;
		if (e2e_capture_batch_add(rp->batch, s, q->method, strlen(q->method), q->path, q->path_len))
			return;
		flush(rp);
	}
	e2e_capture_queue_drop(rp->cfg->queue, 1);
	rp->res->dropped++;
}

/* The transfer ended (or is abandoned): its sample, and the slot freed
 * once the loop is out of upstream's callbacks. */
static void complete(struct slot *sl, int kind)
{
	struct replay *rp = sl->rp;
	struct e2e_sample s = { 0 };
	uint32_t ttfb = 0, total = 0;
	uint64_t delay = sl->sent - sl->intended;

	e2e_upstream_times(sl->x, &ttfb, &total);
	s.start_ns = sl->sent;
	s.status = (uint16_t)sl->status;
	s.error = (uint8_t)kind;
	s.ttfb_us = ttfb ? clamp_us(delay + (uint64_t)ttfb * 1000u) : 0;
	s.total_us = clamp_us(delay + (uint64_t)total * 1000u);
	s.proxy_us = clamp_us(delay);
	s.req_bytes = sl->req->body_len > 0 ? (uint64_t)sl->req->body_len : 0;
	s.resp_bytes = sl->resp_bytes;
	record(rp, &s, sl->req);
	rp->res->completed++;
	if (e2e_sample_is_error(&s, false))
		rp->res->errors++;
	sl->kind = kind;
	sl->next = rp->done;
	rp->done = sl;
}

static void on_head(void *ctx, int status)
{
	((struct slot *)ctx)->status = status;
}

static bool on_body(void *ctx, const char *data, size_t len)
{
	(void)data;
	((struct slot *)ctx)->resp_bytes += len;
	return true;
}

static size_t on_read(void *ctx, char *buf, size_t max)
{
	struct slot *sl = ctx;
	size_t left = (size_t)sl->req->body_len - sl->body_off;

	if (left > max)
		left = max;
	memcpy(buf, sl->req->body + sl->body_off, left);
	sl->body_off += left;
	return left;
}

static void on_done(void *ctx, int kind)
{
	complete(ctx, kind);
}

static const struct e2e_upstream_cbs cbs = {
	.on_head = on_head,
	.on_body = on_body,
	.on_read = on_read,
	.on_done = on_done,
};

static void reap(struct replay *rp)
{
	while (rp->done) {
		struct slot *sl = rp->done;
		rp->done = sl->next;
		e2e_upstream_release(sl->x);
		sl->x = NULL;
		sl->next = rp->free_slots;
		rp->free_slots = sl;
		rp->in_flight--;
	}
}

static void send_one(struct replay *rp, uint64_t intended, uint64_t now)
{
	struct slot *sl = rp->free_slots;
	const struct e2e_replay_req *q = &rp->cfg->reqs[rp->next_req];

	rp->free_slots = sl->next;
	rp->next_req = (rp->next_req + 1) % rp->cfg->nreqs;
	*sl = (struct slot){ .rp = rp, .req = q, .intended = intended, .sent = now };
	if (++rp->in_flight > rp->res->peak_in_flight)
		rp->res->peak_in_flight = rp->in_flight;
	sl->x = e2e_upstream_xfer(rp->up, sl);
	for (size_t i = 0; i < q->nheaders; i++)
		e2e_upstream_add_header(sl->x, q->headers[i].name, q->headers[i].name_len,
					q->headers[i].value, q->headers[i].value_len);
	e2e_upstream_start(sl->x, q->method, q->target, q->target_len, q->body ? q->body_len : -1);
}

static size_t sec_of(uint64_t ns, size_t nsec)
{
	size_t i = (size_t)(ns / 1000000000u);
	return i < nsec ? i : nsec - 1;
}

/* Sends everything due by now; returns the next intended time, or
 * UINT64_MAX when the schedule is over. */
static uint64_t send_due(struct replay *rp, struct e2e_replay_sched *sc, uint64_t *next)
{
	struct e2e_replay_result *r = rp->res;
	uint64_t now = mono_ns() - rp->cfg->start_ns;

	while (*next != UINT64_MAX && *next <= now) {
		size_t si = sec_of(*next, r->nsec);
		r->requested[si]++;
		r->total_requested++;
		if (rp->in_flight >= rp->cfg->max_in_flight) {
			r->skipped[si]++;
			r->total_skipped++;
		} else {
			uint64_t delay = now - *next;
			size_t ai = sec_of(now, r->nsec);
			if (!r->total_sent)
				r->sent_first_ns = now;
			r->sent_last_ns = now;
			r->sent[ai]++;
			r->total_sent++;
			if (delay > E2E_REPLAY_LATE_NS) {
				r->late[ai]++;
				r->total_late++;
			}
			e2e_hist_add(rp->sched, (double)delay / 1000.0);
			send_one(rp, *next, now);
			reap(rp); /* a transfer can fail at once (refused) */
		}
		if (!e2e_replay_sched_next(sc, next))
			*next = UINT64_MAX;
		now = mono_ns() - rp->cfg->start_ns;
	}
	return *next;
}

static void arm(int tfd, uint64_t abs_ns)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(abs_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(abs_ns % 1000000000u);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* What is still in flight at the end: a sample of error kind each. */
static void abort_all(struct replay *rp, int kind)
{
	for (uint32_t i = 0; i < rp->cfg->max_in_flight; i++) {
		struct slot *sl = &rp->slots[i];
		if (sl->x) {
			complete(sl, kind);
			rp->res->aborted++;
		}
	}
	reap(rp);
}

static int loop(struct replay *rp, int epfd, int tfd)
{
	const struct e2e_replay_config *cfg = rp->cfg;
	struct e2e_replay_sched sc;
	struct epoll_event evs[64];
	uint64_t next = 0, armed = UINT64_MAX, drain_until = UINT64_MAX;

	e2e_replay_sched_init(&sc, &cfg->profile, cfg->duration_ns);
	if (!e2e_replay_sched_next(&sc, &next))
		next = UINT64_MAX;
	for (;;) {
		uint64_t now;
		int wait = -1, uw, n;

		send_due(rp, &sc, &next);
		if (next != UINT64_MAX && cfg->stop && cfg->stop(cfg->stop_ctx)) {
			struct e2e_replay_result *r = rp->res;
			uint64_t at = mono_ns() - cfg->start_ns;
			next = UINT64_MAX;
			r->stopped = true;
			/* the schedule ended here: rates over the part that ran */
			if (at < r->duration_ns) {
				r->duration_ns = at ? at : 1;
				r->nsec = (size_t)(at / 1000000000u) + 1;
			}
		}
		now = mono_ns();
		if (next == UINT64_MAX) {
			if (!rp->in_flight)
				break;
			if (drain_until == UINT64_MAX)
				drain_until = now + cfg->timeout_ns;
			if (cfg->stop && cfg->stop(cfg->stop_ctx)) { /* a second signal */
				abort_all(rp, E2E_EK_CLIENT_ABORT);
				break;
			}
			if (now >= drain_until) {
				abort_all(rp, E2E_EK_TIMEOUT);
				break;
			}
			wait = (int)((drain_until - now + 999999) / 1000000);
		} else if (cfg->start_ns + next != armed) {
			armed = cfg->start_ns + next;
			arm(tfd, armed);
		}
		if (rp->batch && rp->batch->n) {
			uint64_t at = rp->batch_t0 + FLUSH_NS;
			int bw = at > now ? (int)((at - now + 999999) / 1000000) : 0;
			if (wait < 0 || bw < wait)
				wait = bw;
		}
		uw = e2e_upstream_wait_ms(rp->up, now);
		if (uw >= 0 && (wait < 0 || uw < wait))
			wait = uw;
		if (cfg->stop && (wait < 0 || wait > 100))
			wait = 100;
		n = epoll_wait(epfd, evs, 64, wait);
		if (n < 0 && errno != EINTR)
			return e2e_error(E2E_ERR_RUNTIME, "epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			if (d & E2E_UPSTREAM_EV_TAG) {
				e2e_upstream_event(rp->up, d, evs[i].events);
			} else {
				uint64_t v;
				ssize_t rr = read(tfd, &v, sizeof(v));
				(void)rr;
				armed = UINT64_MAX;
			}
		}
		e2e_upstream_run(rp->up, mono_ns());
		reap(rp);
		if (rp->batch && rp->batch->n && mono_ns() - rp->batch_t0 >= FLUSH_NS)
			flush(rp);
	}
	flush(rp);
	return 0;
}

int e2e_replay_run(const struct e2e_replay_config *cfg, struct e2e_replay_result *out)
{
	struct e2e_replay_result res = { 0 };
	struct replay rp = { .cfg = cfg, .res = &res };
	struct e2e_replay_config local;
	struct e2e_upstream_config ucfg = { .target = cfg->target,
					    .timeout_ns = cfg->timeout_ns,
					    .insecure = cfg->insecure };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_TIMER };
	int epfd = -1, tfd = -1, rc, slack = -1;

	res.duration_ns = cfg->duration_ns;
	if (!cfg->start_ns) {
		local = *cfg;
		local.start_ns = mono_ns();
		cfg = &local;
		rp.cfg = cfg;
	}
	res.nsec = (size_t)((cfg->duration_ns + 999999999u) / 1000000000u);
	if (!res.nsec)
		res.nsec = 1;
	res.requested = e2e_xcalloc(res.nsec, sizeof(uint64_t));
	res.sent = e2e_xcalloc(res.nsec, sizeof(uint64_t));
	res.skipped = e2e_xcalloc(res.nsec, sizeof(uint64_t));
	res.late = e2e_xcalloc(res.nsec, sizeof(uint64_t));
	rp.sched = e2e_hist_create();
	rp.slots = e2e_xcalloc(cfg->max_in_flight, sizeof(*rp.slots));
	for (uint32_t i = cfg->max_in_flight; i-- > 0;) {
		rp.slots[i].next = rp.free_slots;
		rp.free_slots = &rp.slots[i];
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (epfd < 0 || tfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot set up the replay's event loop: %s", strerror(errno));
		goto out;
	}
	ucfg.epfd = epfd;
	/* the timer's wake-up as close to the intended time as the kernel can:
	 * the default 50 us slack would be most of a 200 us gap at 5,000/s */
	slack = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	rc = e2e_upstream_create(&ucfg, &cbs, &rp.up);
	if (rc < 0)
		goto out;
	rc = loop(&rp, epfd, tfd);
	if (rc < 0)
		goto out;
	res.elapsed_ns = mono_ns() - cfg->start_ns;
	if (e2e_hist_count(rp.sched)) {
		res.sched_p50_us = e2e_hist_quantile(rp.sched, 0.50);
		res.sched_p99_us = e2e_hist_quantile(rp.sched, 0.99);
		res.sched_max_us = e2e_hist_max(rp.sched);
	}
	*out = res;
	memset(&res, 0, sizeof(res));
out:
	if (slack > 0)
		prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0UL, 0UL, 0UL);
	if (rp.batch)
		e2e_capture_queue_submit(cfg->queue, rp.batch);
	e2e_upstream_destroy(rp.up);
	if (tfd >= 0)
		close(tfd);
	if (epfd >= 0)
		close(epfd);
	free(rp.slots);
	e2e_hist_destroy(rp.sched);
	e2e_replay_result_finish(&res);
	return rc;
}

void e2e_replay_result_finish(struct e2e_replay_result *r)
{
	if (!r)
		return;
	free(r->requested);
	free(r->sent);
	free(r->skipped);
	free(r->late);
	memset(r, 0, sizeof(*r));
}

double e2e_replay_achieved_rate(const struct e2e_replay_result *r)
{
	double span = (double)r->duration_ns / NS;

	if (r->total_sent && (double)r->sent_last_ns / NS > span)
		span = (double)r->sent_last_ns / NS;
	return span > 0 ? (double)r->total_sent / span : 0;
}
