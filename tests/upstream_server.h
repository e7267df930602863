/* upstream_server.h - a small real HTTP/1.1 server on 127.0.0.1 (port 0)
 * for integration tests: one thread accepts, one thread per connection,
 * keep-alive, Content-Length and chunked request bodies.
 *
 * Routes (the path is matched without the query; HEAD is answered like GET
 * without the body):
 *   /target            200, body = the raw request target ("/target?a=1")
 *   /close10           HTTP/1.0 200 without a length, body "until close\n",
 *                      then the connection closes
 *   /oneshot           200 "oneshot\n" with a length, then the server closes
 *                      the (seemingly keep-alive) connection
 *   /garbage           an invalid status line
 *   /big?bytes=N       N bytes of "abc...z" repeated, generated on the fly;
 *                      &chunked=1 sends them chunked
 *   /chunked           200 chunked: "hello " "chunked " "world\n"
 *   /echo              200, body = the request body; headers X-Echo-Length
 *                      and X-Echo-Sum (tus_checksum of the body)
 *   /sum               200, body "LEN SUM\n" of the request body (streamed,
 *                      nothing held)
 *   /stall             reads the request, never answers
 *   /reset?after=N     Content-Length 10*N, sends N body bytes, waits 100 ms,
 *                      then resets the connection (RST)
 *   /status/NNN        status NNN; no body for 1xx/204/304 (304 has an ETag),
 *                      "status NNN\n" otherwise
 *   /hop               200 "hop\n" with hop-by-hop response headers
 *                      (Connection: X-Drop, X-Drop, Keep-Alive, Upgrade,
 *                      Proxy-Authenticate) and X-Keep: yes
 *   anything else      200 "ok\n" (Content-Type text/plain)
 * Any route can be delayed with tus_set_delay(). */
#ifndef E2E_UPSTREAM_SERVER_H
#define E2E_UPSTREAM_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct tus;

/* Starts listening on 127.0.0.1 with an ephemeral port; aborts on failure. */
struct tus *tus_start(void);
/* Closes every connection, joins every thread, frees. Accepts NULL. */
void tus_stop(struct tus *s);
uint16_t tus_port(const struct tus *s);
/* "http://127.0.0.1:PORT" (static per server). */
const char *tus_url(const struct tus *s);

/* Every request to path (exact, without query) waits delay_ms before the
 * response is sent; 0 removes the delay. Up to 16 routes. */
void tus_set_delay(struct tus *s, const char *path, unsigned delay_ms);

/* The raw header block (request line and headers, CRLF-separated) of the
 * most recent request; caller frees. "" before any request. */
char *tus_last_headers(struct tus *s);
/* The value of header name (case-insensitive) in the most recent request,
 * or NULL when absent; caller frees. */
char *tus_last_header(struct tus *s, const char *name);
/* Requests answered (or stalled on) and connections accepted so far. */
unsigned long tus_requests(struct tus *s);
unsigned long tus_connections(struct tus *s);

/* The checksum /echo and /sum report: FNV-1a 32 over the bytes. */
uint32_t tus_checksum(uint32_t h, const void *data, size_t len);
#define TUS_CHECKSUM_INIT 2166136261u

#endif
