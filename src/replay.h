/* replay.h - recorded traffic sent again as load (perf-replay, SPEC
 * section 15): open-model arrivals on a schedule the responses never
 * change, each latency measured from the request's intended send time.
 *
 * One thread runs one epoll loop: a timerfd armed at the next intended
 * send time (absolute, CLOCK_MONOTONIC, so the wake-up is not rounded to
 * epoll's milliseconds) and upstream.c's pooled keep-alive connections to
 * the target (libcurl connects, upstream.c frames the requests and
 * http1.c parses the responses: the proxy's own client, the faster path
 * than a curl easy handle per request). Every request due is sent when the
 * loop wakes; one sent more than E2E_REPLAY_LATE_NS after its intended
 * time is counted late, one due while --max-in-flight requests are
 * outstanding is not sent and counted skipped. The samples go to the
 * caller's capture queue (capture.h), so SQLite never runs on the loop.
 *
 * A sample of a replayed request: start_ns the actual send time from the
 * run's start; proxy_us the scheduling delay (actual minus intended send
 * time: the load generator's own cost); ttfb_us and total_us from the
 * intended send time (no coordinated omission); status, error, bytes as
 * the proxy records them; method and path the recorded ones. */
#ifndef E2E_REPLAY_H
#define E2E_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_capture_queue;

/* Sent more than this after its intended time: late. */
#define E2E_REPLAY_LATE_NS 1000000u

struct e2e_replay_header {
	const char *name, *value;
	size_t name_len, value_len;
};

/* One request of the mix, replayed in this order, round and round. All
 * pointers are the caller's and must outlive the replay. */
struct e2e_replay_req {
	const char *method; /* NUL-terminated */
	const char *target; /* the request target sent: path and query */
	size_t target_len;
	const char *path; /* the recorded path (no query), what the sample stores */
	size_t path_len;
	const struct e2e_replay_header *headers; /* sent as they are */
	size_t nheaders;
	const char *body; /* NULL with body_len -1: no body */
	int64_t body_len;
};

enum e2e_replay_shape {
	E2E_REPLAY_CONSTANT, /* rate for the whole duration */
	E2E_REPLAY_RAMP, /* from -> to, linearly over the duration */
	E2E_REPLAY_SPIKE, /* base, peak during [at, at + for), base again */
	E2E_REPLAY_SOAK, /* constant, long (the command's default duration differs) */
};

/* The rate over time. Rates are requests per second, > 0 except a ramp's
 * ends (one of them may be 0). */
struct e2e_replay_profile {
	enum e2e_replay_shape shape;
	double rate; /* constant, soak (--rate) */
	double from, to; /* ramp */
	double base, peak; /* spike */
	uint64_t at_ns, for_ns; /* spike */
};

/* Parses "constant", "soak", "ramp:FROM-TO", "spike:BASE,PEAK,AT,FOR"
 * (AT and FOR durations such as 10s). Pure. Returns 0, or E2E_ERR_INPUT
 * with a message saying what is wrong with s. */
int e2e_replay_profile_parse(const char *s, struct e2e_replay_profile *out);

/* Does the profile take its rate from --rate (constant, soak)? */
bool e2e_replay_profile_needs_rate(const struct e2e_replay_profile *p);

/* The intended send times of a profile, in order: from 0, the k-th
 * arrival where the integral of the rate reaches k. Pure. */
struct e2e_replay_sched {
	struct e2e_replay_seg {
		double t0, t1; /* seconds from the start */
		double r0, r1; /* rate at t0 and at t1, linear between */
		double n0; /* arrivals before t0 (the integral) */
	} seg[3];
	size_t nseg, cur;
	uint64_t k; /* next arrival's index */
	double end; /* seconds */
};
void e2e_replay_sched_init(struct e2e_replay_sched *s, const struct e2e_replay_profile *p,
			   uint64_t duration_ns);
/* The next intended send time (ns from the start); false past the end. */
bool e2e_replay_sched_next(struct e2e_replay_sched *s, uint64_t *at_ns);

struct e2e_replay_config {
	const char *target; /* base URL: http[s]://host[:port][/prefix] */
	const struct e2e_replay_req *reqs;
	size_t nreqs; /* > 0 */
	struct e2e_replay_profile profile;
	uint64_t duration_ns; /* > 0 */
	uint32_t max_in_flight; /* > 0 */
	uint64_t timeout_ns; /* no progress for this long: a timeout error */
	bool insecure;
	uint64_t start_ns; /* CLOCK_MONOTONIC origin of the run's offsets; 0: the call's start */
	struct e2e_capture_queue *queue; /* where the samples go */
	/* Polled once per loop turn: true ends the schedule early (SIGINT);
	 * NULL: never. */
	bool (*stop)(void *ctx);
	void *stop_ctx;
};

/* What the replay did, per second of the schedule and in total. */
struct e2e_replay_result {
	size_t nsec; /* entries in the arrays below (seconds of the schedule that ran) */
	uint64_t *requested; /* arrivals due in second i */
	uint64_t *sent; /* requests actually sent in second i */
	uint64_t *skipped; /* arrivals due in second i, not sent (--max-in-flight) */
	uint64_t *late; /* sent in second i, more than E2E_REPLAY_LATE_NS late */
	uint64_t total_requested, total_sent, total_skipped, total_late;
	uint64_t completed; /* sent and answered or failed (stored as samples) */
	uint64_t errors; /* of completed: transport errors and 5xx */
	/* sent, still running when the replay ended: samples of error timeout
	 * (--timeout after the schedule), client_abort (a second signal) */
	uint64_t aborted;
	uint64_t dropped; /* samples the capture queue could not take */
	uint32_t peak_in_flight;
	double sched_p50_us, sched_p99_us, sched_max_us; /* actual minus intended send */
	uint64_t sent_first_ns, sent_last_ns; /* first and last actual send, from start_ns */
	uint64_t duration_ns; /* the schedule's (up to the stop when stopped) */
	uint64_t elapsed_ns; /* start_ns to the last request's end */
	bool stopped; /* the stop callback ended it early */
};

/* Runs the replay to the end of the schedule, then waits up to
 * cfg->timeout_ns for what is still in flight. Returns 0 and *out (caller
 * finishes it with e2e_replay_result_finish), E2E_ERR_INPUT for a bad
 * target URL, E2E_ERR_RUNTIME when the loop cannot be set up. */
int e2e_replay_run(const struct e2e_replay_config *cfg, struct e2e_replay_result *out);
/* Frees the arrays; accepts NULL. */
void e2e_replay_result_finish(struct e2e_replay_result *r);

/* Achieved rate: requests sent per second between the first and the last
 * send (the schedule's own span when it is known). */
double e2e_replay_achieved_rate(const struct e2e_replay_result *r);

#endif
