/* store.c - the SQLite store, the only file in e2e that holds SQL.
 *
 * Samples are packed per append call into "chunks" of at most CHUNK_MAX
 * samples: one BLOB per chunk, laid out column by column, each column with
 * the fixed number of bytes per value (0-8) that its largest value needs
 * in this chunk:
 *
 *   u8 format (1), u16 n (little-endian), u8 width[9], then per column
 *   n little-endian values of width[c] bytes, in this order:
 *   start_ns    zigzag delta from the previous sample (first from 0; samples
 *               arrive in completion order, so deltas may be negative)
 *   path_id, status, error, total_us   as is
 *   ttfb_us     zigzag of (total_us - ttfb_us)
 *   proxy_us, req_bytes, resp_bytes    as is
 *   test_id     format 2 only (SPEC section 11): 0 for 0, else
 *               test_id - base + 1, base (u32 after the widths) the
 *               chunk's smallest nonzero test id
 *
 * Format 1 has the first nine columns; format 2 (schema v6) adds test_id
 * and the base, and is written only when a chunk has a request attributed
 * to a test or unattributed, so a run without tests costs what it did. A
 * serial suite's chunk spans a few tests: 1 byte per request, 2 past 255
 * tests in one chunk (tools/store-size N TESTS).
 * Fixed widths cost a few bytes per request more than LEB128 varints (22.5
 * against 17.4 bytes on disk in tools/store-size) but decode without a
 * data-dependent branch per value, about 3x faster (25 against 68 ms per
 * million samples on the 2-core CI machine), and the report's load time is
 * mostly decoding. An all-zero column (error, mostly) takes no space. The
 * format is part of the schema: change it only with a migration. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cpu_report.h"
#include "error.h"
#include "fsutil.h"

#include "banned.h"

#define STORE_APP_ID 0x65326550 /* "e2eP", PRAGMA application_id */
#define STORE_BUSY_MS 10000
#define CHUNK_FORMAT 1 /* COLS_V1 columns */
#define CHUNK_FORMAT_TESTS 2 /* COLS columns */
#define CHUNK_MAX 4096

enum chunk_column {
	COL_START,
	COL_PATH,
	COL_STATUS,
	COL_ERROR,
	COL_TOTAL,
	COL_TTFB,
	COL_PROXY,
	COL_REQ,
	COL_RESP,
	COL_TEST,
	COLS
};
#define COLS_V1 COL_TEST
/* Widest a column may be: what its field (or the zigzag of its
 * difference) can need. Checking widths checks every value's range. */
static const uint8_t column_max_width[COLS] = { 8, 4, 2, 1, 4, 5, 4, 8, 8, 4 };
#define CHUNK_HEADER (3 + COLS + 4) /* the longest: format 2's */

/* Migrations (see migrations[] below) each end by setting user_version;
 * a fresh or old file runs all it needs in one transaction. */
static const char *const schema_v1[] = {
	"PRAGMA application_id = 1697801552",
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" service TEXT NOT NULL,"
	" started_ms INTEGER NOT NULL,"
	" ended_ms INTEGER NOT NULL DEFAULT 0,"
	" duration_ns INTEGER NOT NULL DEFAULT 0,"
	" command TEXT NOT NULL DEFAULT '',"
	" exit_status INTEGER NOT NULL DEFAULT -1,"
	" git_commit TEXT NOT NULL DEFAULT '',"
	" git_branch TEXT NOT NULL DEFAULT '',"
	" host_cpu TEXT NOT NULL DEFAULT '',"
	" host_cores INTEGER NOT NULL DEFAULT 0,"
	" host_os TEXT NOT NULL DEFAULT '',"
	" tool_version TEXT NOT NULL DEFAULT '',"
	" max_concurrency INTEGER NOT NULL DEFAULT 0,"
	" recorded INTEGER NOT NULL DEFAULT 0,"
	" dropped INTEGER NOT NULL DEFAULT 0,"
	" complete INTEGER NOT NULL DEFAULT 0)",
	"CREATE TABLE paths ("
	" id INTEGER PRIMARY KEY,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" endpoint TEXT NOT NULL,"
	" UNIQUE (method, path))",
	"CREATE TABLE chunks ("
	" run_id INTEGER NOT NULL,"
	" seq INTEGER NOT NULL,"
	" n INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" PRIMARY KEY (run_id, seq))",
	"PRAGMA user_version = 1",
	NULL,
};

/* v2: where a run came from (proxy or HAR import) and its upstream, and an
 * index for listing a service's runs. */
static const char *const schema_v2[] = {
	"ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE runs ADD COLUMN target TEXT NOT NULL DEFAULT ''",
	"CREATE INDEX runs_by_service ON runs (service, started_ms, id)",
	"PRAGMA user_version = 2",
	NULL,
};

/* v3: the endpoint a raw path counts under belongs to the run (SPEC
 * section 10). Raw paths stay shared, (method, path) -> id; each run keeps
 * the endpoint it gave every path it used (run_paths, endpoint keys stored
 * once in endpoints) and how it templated: the automatic rules' version
 * (0: unknown, a run carried over from v2) and its routes file (name in
 * the run, text once per SHA-256 in routes). carry_endpoints() gives every
 * v2 run the endpoints its samples were recorded under; then paths loses
 * its endpoint column (rebuilt: DROP COLUMN needs SQLite 3.35). */
static const char *const schema_v3[] = {
	"CREATE TABLE endpoints (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
	"CREATE TABLE run_paths ("
	" run_id INTEGER NOT NULL,"
	" path_id INTEGER NOT NULL,"
	" endpoint_id INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, path_id)) WITHOUT ROWID",
	"CREATE TABLE routes (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, text BLOB NOT NULL)",
	"ALTER TABLE runs ADD COLUMN rules_version INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE runs ADD COLUMN routes_id INTEGER",
	"ALTER TABLE runs ADD COLUMN routes_name TEXT NOT NULL DEFAULT ''",
	"INSERT INTO endpoints (key) SELECT endpoint FROM paths GROUP BY endpoint ORDER BY min(id)",
	NULL,
};

static const char *const schema_v3_end[] = {
	"DELETE FROM endpoints WHERE id NOT IN (SELECT endpoint_id FROM run_paths)",
	"CREATE TABLE paths_v3 ("
	" id INTEGER PRIMARY KEY,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" UNIQUE (method, path))",
	"INSERT INTO paths_v3 (id, method, path) SELECT id, method, path FROM paths",
	"DROP TABLE paths",
	"ALTER TABLE paths_v3 RENAME TO paths",
	"PRAGMA user_version = 3",
	NULL,
};

/* v4: how many of a run's requests the store failed to write, and why
 * (e2e_loss_key(); see e2e_store_run_loss). */
static const char *const schema_v4[] = {
	"ALTER TABLE runs ADD COLUMN lost INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE runs ADD COLUMN lost_cause TEXT NOT NULL DEFAULT ''",
	"PRAGMA user_version = 4",
	NULL,
};

/* v5: what a run's capture counted but did not record as requests
 * (struct e2e_run_note: a HAR import's cache hits, other hosts, hosts). */
static const char *const schema_v5[] = {
	"CREATE TABLE run_notes ("
	" run_id INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, kind, name)) WITHOUT ROWID",
	"PRAGMA user_version = 5",
	NULL,
};

/* v6: the service's own cost (SPEC section 12): a run's resource samples
 * and what they are of; removed with their run. */
static const char *const schema_v6[] = {
	"CREATE TABLE resource_samples ("
	" run_id INTEGER NOT NULL,"
	" t_ns INTEGER NOT NULL,"
	" cpu_user_ns INTEGER NOT NULL, cpu_sys_ns INTEGER NOT NULL,"
	" rss_bytes INTEGER NOT NULL, threads INTEGER NOT NULL, fds INTEGER NOT NULL,"
	" procs INTEGER NOT NULL, ctx_vol INTEGER NOT NULL, ctx_invol INTEGER NOT NULL,"
	" runq_wait_ns INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, t_ns)) WITHOUT ROWID",
	"CREATE TABLE run_resources ("
	" run_id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL DEFAULT '', have INTEGER NOT NULL DEFAULT 0,"
	" hz INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,"
	" peak_rss_bytes INTEGER NOT NULL DEFAULT 0, sampler_cpu_ns INTEGER NOT NULL DEFAULT 0,"
	" serve_log TEXT NOT NULL DEFAULT '', serve_end TEXT NOT NULL DEFAULT '')",
	"CREATE TRIGGER runs_resources_gone AFTER DELETE ON runs BEGIN"
	" DELETE FROM resource_samples WHERE run_id = old.id;"
	" DELETE FROM run_resources WHERE run_id = old.id; END",
	"PRAGMA user_version = 6",
	NULL,
};

/* v7: how disturbed the runner was during each run (disturb.h), in its
 * own table so the runs columns stay as they are; gone with its run. */
static const char *const schema_v7[] = {
	"CREATE TABLE run_disturbance ("
	" run_id INTEGER PRIMARY KEY,"
	" ratio REAL NOT NULL,"
	" probes INTEGER NOT NULL)",
	"CREATE TRIGGER run_disturbance_gone AFTER DELETE ON runs"
	" BEGIN DELETE FROM run_disturbance WHERE run_id = old.id; END",
	"PRAGMA user_version = 7",
	NULL,
};

/* v8: --confirm re-runs: the run whose regressions a re-run was made to
 * confirm (0: not a re-run; see e2e_store_run_confirms). */
static const char *const schema_v8[] = {
	"ALTER TABLE runs ADD COLUMN confirms INTEGER NOT NULL DEFAULT 0",
	"PRAGMA user_version = 8",
	NULL,
};

/* v9: the runs of one perf-ab comparison (comparison: the id of its first
 * run), each with its side ('A' or 'B') and round (from 1). */
static const char *const schema_v9[] = {
	"CREATE TABLE ab_runs ("
	" run_id INTEGER PRIMARY KEY,"
	" comparison INTEGER NOT NULL,"
	" side TEXT NOT NULL,"
	" round INTEGER NOT NULL)",
	"CREATE INDEX ab_runs_by_comparison ON ab_runs (comparison, round)",
	"CREATE TRIGGER ab_runs_gone AFTER DELETE ON runs"
	" BEGIN DELETE FROM ab_runs WHERE run_id = old.id; END",
	"PRAGMA user_version = 9",
	NULL,
};

/* v10: which test issued each request (SPEC section 11): the run's tests,
 * their ids the samples' test_id (chunk format 2). */
static const char *const schema_v10[] = {
	"CREATE TABLE run_tests ("
	" run_id INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" status TEXT NOT NULL DEFAULT '',"
	" started_ns INTEGER NOT NULL DEFAULT 0,"
	" ended_ns INTEGER NOT NULL DEFAULT 0,"
	" duration_ns INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, id)) WITHOUT ROWID",
	"PRAGMA user_version = 10",
	NULL,
};

/* v11: what --junit read for each test (SPEC section 11): its classname
 * and the JUnit file's own duration of it. */
static const char *const schema_v11[] = {
	"ALTER TABLE run_tests ADD COLUMN classname TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE run_tests ADD COLUMN junit_ns INTEGER NOT NULL DEFAULT 0",
	"PRAGMA user_version = 11",
	NULL,
};

/* v12: the run's UUID (SPEC section 13), its identity in a team store:
 * given when first asked for (e2e_store_run_uuid), kept by copies. */
static const char *const schema_v12[] = {
	"ALTER TABLE runs ADD COLUMN uuid TEXT NOT NULL DEFAULT ''",
	"CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid) WHERE uuid <> ''",
	"PRAGMA user_version = 12",
	NULL,
};

/* v13: the gate's verdicts on a run judged when it was recorded
 * (perf-profile --compare-baseline), kept so that 'e2e push' carries them
 * to the team store's e2e.verdicts; gone with their run. */
static const char *const schema_v13[] = {
	"CREATE TABLE run_verdicts ("
	" run_id INTEGER NOT NULL,"
	" endpoint TEXT NOT NULL,"
	" metric TEXT NOT NULL,"
	" verdict TEXT NOT NULL,"
	" severity TEXT NOT NULL DEFAULT '',"
	" baseline REAL, current REAL, change_pct REAL,"
	" PRIMARY KEY (run_id, endpoint, metric)) WITHOUT ROWID",
	"CREATE TRIGGER run_verdicts_gone AFTER DELETE ON runs"
	" BEGIN DELETE FROM run_verdicts WHERE run_id = old.id; END",
	"PRAGMA user_version = 13",
	NULL,
};

/* v14: a run's CPU profile (SPEC section 12): the files --profile-cpu
 * wrote for it (kind 'file': label the file's kind, endpoint for a
 * per-endpoint graph) and the frames whose self time grew most against
 * the baseline's profile (kind 'grown': label the frame, rank from 0,
 * shares of all samples). Gone with its run. */
static const char *const schema_v14[] = {
	"CREATE TABLE run_cpu ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" kind TEXT NOT NULL,"
	" rank INTEGER NOT NULL,"
	" label TEXT NOT NULL,"
	" endpoint TEXT NOT NULL DEFAULT '',"
	" path TEXT NOT NULL DEFAULT '',"
	" base_share REAL NOT NULL DEFAULT 0,"
	" share REAL NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, kind, rank))",
	"CREATE TRIGGER runs_cpu_gone AFTER DELETE ON runs BEGIN"
	" DELETE FROM run_cpu WHERE run_id = old.id; END",
	"PRAGMA user_version = 14",
	NULL,
};

static int carry_endpoints(struct e2e_store *st);

/* migrations[v] turns schema v-1 into v: its statements, then its carry
 * step (data the statements cannot move), then its closing statements. */
static const struct migration {
	const char *const *sql;
	int (*carry)(struct e2e_store *st);
	const char *const *sql_end;
} migrations[] = {
	{ NULL, NULL, NULL },	    { schema_v1, NULL, NULL },
	{ schema_v2, NULL, NULL },  { schema_v3, carry_endpoints, schema_v3_end },
	{ schema_v4, NULL, NULL },  { schema_v5, NULL, NULL },
	{ schema_v6, NULL, NULL },  { schema_v7, NULL, NULL },
	{ schema_v8, NULL, NULL },  { schema_v9, NULL, NULL },
	{ schema_v10, NULL, NULL }, { schema_v11, NULL, NULL },
	{ schema_v12, NULL, NULL }, { schema_v13, NULL, NULL },
	{ schema_v14, NULL, NULL },
};
#define STORE_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])) - 1)
/* The oldest schema a read-only open can read as it is (see
 * migrate_for_reader). */
#define STORE_READABLE_VERSION 2

#define RUN_COLUMNS_V3                                                                                       \
	"id, service, started_ms, ended_ms, duration_ns, command, exit_status, git_commit, git_branch,"      \
	" host_cpu, host_cores, host_os, tool_version, source, target, max_concurrency, recorded,"           \
	" dropped, complete"
#define RUN_COLUMNS RUN_COLUMNS_V3 ", lost, lost_cause"
/* What a schema older than v4 (read as it is: migrate_for_reader) has. */
#define RUN_COLUMNS_OLD RUN_COLUMNS_V3 ", 0, ''"

/* A run in progress is never pruned: e2e_run_live() (see leases below)
 * keeps every incomplete run whose recorder is still at work. */
#define PRUNE_NOT_LIVE "CASE WHEN complete THEN 1 ELSE NOT e2e_run_live(id) END"
/* Runs of ?1 (all when NULL) beyond the newest ?2 of their service. */
#define PRUNE_KEEP_IDS                                                                                       \
	"SELECT id FROM (SELECT id, complete, row_number() OVER (PARTITION BY service"                       \
	" ORDER BY started_ms DESC, id DESC) AS rn FROM runs WHERE ?1 IS NULL OR service = ?1)"              \
	" WHERE rn > ?2 AND " PRUNE_NOT_LIVE
#define PRUNE_OLDER_IDS                                                                                      \
	"SELECT id FROM runs WHERE (?1 IS NULL OR service = ?1) AND started_ms < ?2 AND " PRUNE_NOT_LIVE

enum stmt_id {
	S_BEGIN,
	S_BEGIN_IMMEDIATE,
	S_COMMIT,
	S_ROLLBACK,
	S_RUN_INSERT,
	S_RUN_UUID_GET,
	S_RUN_UUID_SET,
	S_RUN_PROGRESS,
	S_RUN_END,
	S_RUN_LOSS,
	S_RUN_CONFIRMS,
	S_RUN_GET,
	S_RUN_GET_OLD,
	S_RUN_EXISTS,
	S_RUNS_LIST,
	S_RUNS_LIST_OLD,
	S_PATH_INSERT,
	S_PATH_SELECT,
	S_ENDPOINT_INSERT,
	S_ENDPOINT_SELECT,
	S_RUN_PATH_INSERT,
	S_RUN_PATH_SELECT,
	S_RUN_PATHS_LOAD,
	S_RUN_PATHS_LOAD_V2,
	S_ROUTES_INSERT,
	S_ROUTES_SELECT,
	S_TEMPLATING_SET,
	S_TEMPLATING_GET,
	S_NOTE_INSERT,
	S_NOTES_LOAD,
	S_TEST_BEGIN,
	S_TEST_END,
	S_TESTS_LOAD,
	S_TEST_JUNIT,
	S_TESTS_JUNIT_LOAD,
	S_CHUNK_NEXT_SEQ,
	S_CHUNK_INSERT,
	S_CHUNK_TOTAL,
	S_CHUNKS_LOAD,
	S_PRUNE_KEEP_CHUNKS,
	S_PRUNE_KEEP_TESTS,
	S_PRUNE_KEEP_RUN_PATHS,
	S_PRUNE_KEEP_NOTES,
	S_PRUNE_KEEP_RUNS,
	S_PRUNE_OLDER_CHUNKS,
	S_PRUNE_OLDER_TESTS,
	S_PRUNE_OLDER_RUN_PATHS,
	S_PRUNE_OLDER_NOTES,
	S_PRUNE_OLDER_RUNS,
	S_PRUNE_ROUTES,
	S_INCREMENTAL_VACUUM,
	S_CHECKPOINT,
	S_DISTURB_SET,
	S_DISTURB_GET,
	S_AB_LINK,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
	[S_DISTURB_SET] = "INSERT OR REPLACE INTO run_disturbance (run_id, ratio, probes)"
			  " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
	[S_DISTURB_GET] = "SELECT ratio, probes FROM run_disturbance WHERE run_id = ?",
	[S_BEGIN] = "BEGIN",
	[S_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_RUN_INSERT] =
		"INSERT INTO runs (service, started_ms, duration_ns, command, exit_status, git_commit,"
		" git_branch, host_cpu, host_cores, host_os, tool_version, source, target, id)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_RUN_UUID_GET] = "SELECT uuid FROM runs WHERE id = ?",
	[S_RUN_UUID_SET] = "UPDATE runs SET uuid = ?2 WHERE id = ?1 AND (uuid = '' OR ?3)",
	[S_RUN_PROGRESS] = "UPDATE runs SET recorded = ?2, dropped = ?3, max_concurrency = ?4 WHERE id = ?1",
	[S_RUN_END] =
		"UPDATE runs SET ended_ms = ?2, duration_ns = ?3, exit_status = ?4, max_concurrency = ?5,"
		" recorded = ?6, dropped = ?7, complete = ?8, lost = ?9, lost_cause = ?10 WHERE id = ?1",
	[S_RUN_LOSS] = "UPDATE runs SET dropped = ?2, lost = ?3, lost_cause = ?4 WHERE id = ?1",
	[S_RUN_CONFIRMS] = "UPDATE runs SET confirms = ?2 WHERE id = ?1",
	[S_RUN_GET] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?",
	[S_RUN_GET_OLD] = "SELECT " RUN_COLUMNS_OLD " FROM runs WHERE id = ?",
	[S_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?",
	[S_RUNS_LIST_OLD] = "SELECT " RUN_COLUMNS_OLD " FROM runs WHERE ?1 IS NULL OR service = ?1"
			    " ORDER BY started_ms DESC, id DESC",
	[S_RUNS_LIST] = "SELECT " RUN_COLUMNS " FROM runs WHERE ?1 IS NULL OR service = ?1"
			" ORDER BY started_ms DESC, id DESC",
	[S_PATH_INSERT] = "INSERT OR IGNORE INTO paths (method, path) VALUES (?, ?)",
	[S_PATH_SELECT] = "SELECT id FROM paths WHERE method = ? AND path = ?",
	[S_ENDPOINT_INSERT] = "INSERT OR IGNORE INTO endpoints (key) VALUES (?)",
	[S_ENDPOINT_SELECT] = "SELECT id FROM endpoints WHERE key = ?",
	[S_RUN_PATH_INSERT] =
		"INSERT OR IGNORE INTO run_paths (run_id, path_id, endpoint_id) VALUES (?, ?, ?)",
	[S_RUN_PATH_SELECT] = "SELECT endpoint_id FROM run_paths WHERE run_id = ? AND path_id = ?",
	[S_RUN_PATHS_LOAD] = "SELECT p.id, p.method, p.path, e.key FROM run_paths r"
			     " JOIN paths p ON p.id = r.path_id JOIN endpoints e ON e.id = r.endpoint_id"
			     " WHERE r.run_id = ? ORDER BY r.path_id",
	[S_RUN_PATHS_LOAD_V2] = "SELECT id, method, path, endpoint FROM paths ORDER BY id",
	[S_ROUTES_INSERT] = "INSERT OR IGNORE INTO routes (sha256, text) VALUES (?, ?)",
	[S_ROUTES_SELECT] = "SELECT id FROM routes WHERE sha256 = ?",
	[S_TEMPLATING_SET] =
		"UPDATE runs SET rules_version = ?2, routes_id = ?3, routes_name = ?4 WHERE id = ?1",
	[S_TEMPLATING_GET] = "SELECT r.rules_version, r.routes_name, t.sha256, t.text FROM runs r"
			     " LEFT JOIN routes t ON t.id = r.routes_id WHERE r.id = ?",
	[S_NOTE_INSERT] = "INSERT INTO run_notes (run_id, kind, name, count) VALUES (?, ?, ?, ?)"
			  " ON CONFLICT (run_id, kind, name) DO UPDATE SET count = count + excluded.count",
	[S_NOTES_LOAD] = "SELECT kind, name, count FROM run_notes WHERE run_id = ? ORDER BY kind, name",
	[S_TEST_BEGIN] = "INSERT OR IGNORE INTO run_tests (run_id, id, name, started_ns) VALUES (?, ?, ?, ?)",
	[S_TEST_END] = "UPDATE run_tests SET status = ?3, ended_ns = ?4, duration_ns = duration_ns + ?5"
		       " WHERE run_id = ?1 AND id = ?2",
	[S_TESTS_LOAD] = "SELECT id, name, status, started_ns, ended_ns, duration_ns FROM run_tests"
			 " WHERE run_id = ? ORDER BY id",
	[S_TEST_JUNIT] = "INSERT INTO run_tests (run_id, id, name, status, classname, junit_ns) VALUES (?, "
			 "?, ?, ?, ?, ?)"
			 " ON CONFLICT (run_id, id) DO UPDATE SET classname = excluded.classname,"
			 " junit_ns = excluded.junit_ns,"
			 " status = CASE WHEN status = '' THEN excluded.status ELSE status END",
	[S_TESTS_JUNIT_LOAD] = "SELECT classname, junit_ns FROM run_tests WHERE run_id = ? ORDER BY id",
	[S_CHUNK_NEXT_SEQ] = "SELECT coalesce(max(seq) + 1, 0) FROM chunks WHERE run_id = ?",
	[S_CHUNK_INSERT] = "INSERT INTO chunks (run_id, seq, n, data) VALUES (?, ?, ?, ?)",
	[S_CHUNK_TOTAL] = "SELECT coalesce(sum(n), 0) FROM chunks WHERE run_id = ?1 AND n BETWEEN 1 AND ?2",
	[S_CHUNKS_LOAD] = "SELECT seq, n, data FROM chunks WHERE run_id = ? ORDER BY seq",
	[S_PRUNE_KEEP_CHUNKS] = "DELETE FROM chunks WHERE run_id IN (" PRUNE_KEEP_IDS ")",
	[S_PRUNE_KEEP_TESTS] = "DELETE FROM run_tests WHERE run_id IN (" PRUNE_KEEP_IDS ")",
	[S_PRUNE_KEEP_RUN_PATHS] = "DELETE FROM run_paths WHERE run_id IN (" PRUNE_KEEP_IDS ")",
	[S_PRUNE_KEEP_NOTES] = "DELETE FROM run_notes WHERE run_id IN (" PRUNE_KEEP_IDS ")",
	[S_PRUNE_KEEP_RUNS] = "DELETE FROM runs WHERE id IN (" PRUNE_KEEP_IDS ")",
	[S_PRUNE_OLDER_CHUNKS] = "DELETE FROM chunks WHERE run_id IN (" PRUNE_OLDER_IDS ")",
	[S_PRUNE_OLDER_TESTS] = "DELETE FROM run_tests WHERE run_id IN (" PRUNE_OLDER_IDS ")",
	[S_PRUNE_OLDER_RUN_PATHS] = "DELETE FROM run_paths WHERE run_id IN (" PRUNE_OLDER_IDS ")",
	[S_PRUNE_OLDER_NOTES] = "DELETE FROM run_notes WHERE run_id IN (" PRUNE_OLDER_IDS ")",
	[S_PRUNE_OLDER_RUNS] = "DELETE FROM runs WHERE id IN (" PRUNE_OLDER_IDS ")",
	[S_PRUNE_ROUTES] = "DELETE FROM routes WHERE id NOT IN"
			   " (SELECT routes_id FROM runs WHERE routes_id IS NOT NULL)",
	[S_INCREMENTAL_VACUUM] = "PRAGMA incremental_vacuum",
	[S_CHECKPOINT] = "PRAGMA wal_checkpoint(PASSIVE)",
	[S_AB_LINK] =
		"INSERT OR REPLACE INTO ab_runs (run_id, comparison, side, round) VALUES (?1, ?2, ?3, ?4)",
};

struct e2e_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	int version; /* the schema read: STORE_VERSION, or an older one read-only */
	bool in_txn;
	enum e2e_loss fault; /* why the last call failed (e2e_store_fault) */
	sqlite3_stmt *stmt[S__COUNT];
	uint64_t *columns; /* chunk encoding: COLS x CHUNK_MAX values */
	uint8_t *scratch; /* chunk encoding: the blob */
	char *lease_path; /* see leases below; NULL until first needed */
	int lease_fd; /* the leases of runs begun here; -1 when none taken yet */
	int probe_fd; /* prune's view of others' leases; -1: no lease file */
	bool probe_unknown; /* a lease file prune cannot read: assume live */
	struct probed *probed; /* what this prune found, run by run */
	size_t nprobed, probed_cap;
	bool live_fn; /* e2e_run_live() is registered on db */
};

/* ---- errors and statements ---- */

/* Whether path (or its WAL) is within 1 MiB of the file size limit, or
 * its file system has less than 1 MiB left for us. */
static bool no_room(const char *path)
{
	const off_t margin = 1 << 20;
	struct rlimit rl;
	struct statvfs vfs;
	struct stat sb;
	struct e2e_buf wal = E2E_BUF_INIT;
	bool full = false;

	e2e_buf_printf(&wal, "%s-wal", path);
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		const char *files[] = { path, wal.data };

		for (int i = 0; i < 2 && !full; i++)
			full = stat(files[i], &sb) == 0 && (rlim_t)(sb.st_size + margin) >= rl.rlim_cur;
	}
	if (!full && statvfs(path, &vfs) == 0)
		full = (uint64_t)vfs.f_bavail * vfs.f_frsize < (uint64_t)margin;
	e2e_buf_finish(&wal);
	return full;
}

/* What a failing SQLite call means for the samples it was to store.
 * SQLite keeps the errno of a failed write only as SQLITE_FULL (ENOSPC): one
 * that failed for the file size limit (EFBIG) or a quota is a plain write
 * error, told apart here by the room left. In this file an SQLITE_ERROR
 * comes from statements of a fixed schema: a table or column that is not
 * there (DROP TABLE) is a damaged schema. */
static enum e2e_loss fault_of(struct e2e_store *st)
{
	int sys = sqlite3_system_errno(st->db);

	switch (sqlite3_errcode(st->db)) {
	case SQLITE_FULL:
		return E2E_LOSS_DISK_FULL;
	case SQLITE_IOERR:
		if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT ||
		    (sqlite3_extended_errcode(st->db) == SQLITE_IOERR_WRITE && no_room(st->path)))
			return E2E_LOSS_DISK_FULL;
		return E2E_LOSS_IO;
	case SQLITE_CANTOPEN:
		return E2E_LOSS_IO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return E2E_LOSS_LOCKED;
	case SQLITE_READONLY:
		return E2E_LOSS_READONLY;
	case SQLITE_ERROR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_SCHEMA:
		return E2E_LOSS_DAMAGED;
	default:
		return E2E_LOSS_OTHER;
	}
}

static int db_error(struct e2e_store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);

	st->fault = fault_of(st);
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return e2e_error(E2E_ERR_INPUT, "'%s': corrupt database: %s: %s", st->path, what,
				 sqlite3_errmsg(st->db));
	return e2e_error(E2E_ERR_RUNTIME, "'%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* The cached statement id, reset and unbound, ready to bind. */
static int stmt(struct e2e_store *st, enum stmt_id id, sqlite3_stmt **out)
{
	sqlite3_stmt *s = st->stmt[id];

	if (!s) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
		    SQLITE_OK)
			return db_error(st, "cannot prepare statement");
		st->stmt[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	*out = s;
	return 0;
}

/* Steps a statement that returns no row (or whose rows are not needed),
 * then resets it so it holds no lock. */
static int step_done(struct e2e_store *st, sqlite3_stmt *s, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : db_error(st, what);
}

static int run_simple(struct e2e_store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s;
	int rc = stmt(st, id, &s);

	return rc ? rc : step_done(st, s, what);
}

/* Runs one constant statement without caching it (schema work). */
static int exec_once(struct e2e_store *st, const char *sql, const char *what)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_error(st, what);
	rc = step_done(st, s, what);
	sqlite3_finalize(s);
	return rc;
}

/* Reads the application id, schema version and number of schema objects
 * in one statement, hence from one snapshot (another process may be
 * creating the schema right now). *code gets SQLite's result code
 * (SQLITE_NOTADB for a file that is not a database). */
static int read_header(struct e2e_store *st, int64_t *app, int64_t *ver, int64_t *objects, int *code)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	*code = sqlite3_prepare_v2(st->db,
				   "SELECT (SELECT application_id FROM pragma_application_id),"
				   " (SELECT user_version FROM pragma_user_version),"
				   " (SELECT count(*) FROM sqlite_master)",
				   -1, &s, NULL);
	if (*code == SQLITE_OK && (*code = sqlite3_step(s)) == SQLITE_ROW) {
		*app = sqlite3_column_int64(s, 0);
		*ver = sqlite3_column_int64(s, 1);
		*objects = sqlite3_column_int64(s, 2);
		*code = SQLITE_OK;
	}
	if (*code != SQLITE_OK)
		rc = db_error(st, "cannot read the schema");
	sqlite3_finalize(s);
	return rc;
}

static const char *col_text(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? (const char *)t : "";
}

static void bind_text(sqlite3_stmt *s, int col, const char *text)
{
	sqlite3_bind_text(s, col, text ? text : "", -1, SQLITE_STATIC);
}

static void bind_service(sqlite3_stmt *s, int col, const char *service)
{
	if (service)
		sqlite3_bind_text(s, col, service, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, col);
}

static int no_run(struct e2e_store *st, int64_t id)
{
	st->fault = E2E_LOSS_GONE;
	return e2e_error(E2E_ERR_INPUT, "no run %lld in '%s'", (long long)id, st->path);
}

/* ---- transactions ---- */

int e2e_store_begin(struct e2e_store *st)
{
	int rc;

	st->fault = st->readonly ? E2E_LOSS_READONLY : E2E_LOSS_NONE;
	if (st->readonly)
		return e2e_error(E2E_ERR_RUNTIME, "'%s': database opened read-only", st->path);
	if (st->in_txn)
		return e2e_error(E2E_ERR_RUNTIME, "'%s': a transaction is already open", st->path);
	rc = run_simple(st, S_BEGIN_IMMEDIATE, "cannot start a write transaction");
	if (rc == 0)
		st->in_txn = true;
	return rc;
}

void e2e_store_rollback(struct e2e_store *st)
{
	sqlite3_stmt *s;

	if (!st || !st->in_txn)
		return;
	st->in_txn = false;
	/* Some errors (SQLITE_FULL, SQLITE_IOERR...) end the transaction
	 * themselves. */
	if (!sqlite3_get_autocommit(st->db) && stmt(st, S_ROLLBACK, &s) == 0)
		step_done(st, s, "cannot roll back");
}

int e2e_store_commit(struct e2e_store *st)
{
	int rc;

	if (!st->in_txn)
		return e2e_error(E2E_ERR_RUNTIME, "'%s': no transaction to commit", st->path);
	rc = run_simple(st, S_COMMIT, "cannot commit");
	if (rc == 0)
		st->in_txn = false;
	else
		e2e_store_rollback(st);
	return rc;
}

/* Opens a write transaction unless the caller has one; *own says which. */
static int write_enter(struct e2e_store *st, bool *own)
{
	*own = !st->in_txn;
	return *own ? e2e_store_begin(st) : 0;
}

static int write_leave(struct e2e_store *st, bool own, int rc)
{
	if (!own)
		return rc;
	if (rc == 0)
		return e2e_store_commit(st);
	e2e_store_rollback(st);
	return rc;
}

/* A read transaction, so that multi-statement reads see one snapshot. */
static int read_enter(struct e2e_store *st, bool *own)
{
	int rc = 0;

	*own = !st->in_txn;
	if (*own) {
		rc = run_simple(st, S_BEGIN, "cannot start a read transaction");
		st->in_txn = rc == 0;
	}
	return rc;
}

static int read_leave(struct e2e_store *st, bool own, int rc)
{
	if (own) {
		int crc = run_simple(st, S_COMMIT, "cannot end a read transaction");

		if (crc)
			e2e_store_rollback(st);
		st->in_txn = false;
		if (rc == 0)
			rc = crc;
	}
	return rc;
}

/* ---- open, schema, migration ---- */

enum schema_state { SCHEMA_CURRENT, SCHEMA_FRESH, SCHEMA_OLD };

/* Classifies the file without writing to it. */
static int schema_check(struct e2e_store *st, enum schema_state *state, int64_t *version)
{
	int64_t app = 0, ver = 0, objects = 0;
	int rc, code;

	rc = read_header(st, &app, &ver, &objects, &code);
	if (rc) {
		if (code == SQLITE_NOTADB)
			return e2e_error(E2E_ERR_INPUT, "'%s': not an e2e database", st->path);
		return rc;
	}
	if (app == 0 && ver == 0 && objects == 0) {
		*state = SCHEMA_FRESH;
	} else if (app != STORE_APP_ID) {
		return e2e_error(E2E_ERR_INPUT, "'%s': not an e2e database", st->path);
	} else if (ver > STORE_VERSION) {
		return e2e_error(
			E2E_ERR_INPUT,
			"'%s': schema version %lld is newer than this e2e supports (%d); upgrade e2e",
			st->path, (long long)ver, STORE_VERSION);
	} else if (ver < 1) {
		return e2e_error(E2E_ERR_INPUT, "'%s': damaged e2e database (schema version %lld)", st->path,
				 (long long)ver);
	} else {
		*state = ver == STORE_VERSION ? SCHEMA_CURRENT : SCHEMA_OLD;
	}
	*version = ver;
	return 0;
}

/* Switching to WAL needs the file to itself, and SQLite does not wait for
 * that under the busy timeout (another process may be creating the schema
 * right now), so retry here within the same bound. */
static int set_wal(struct e2e_store *st)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };

	for (int waited_ms = 0;; waited_ms += 5) {
		sqlite3_stmt *s = NULL;
		int rc = 0, code = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);

		if (code == SQLITE_OK)
			code = sqlite3_step(s);
		if (code == SQLITE_ROW && strcmp(col_text(s, 0), "wal") != 0)
			rc = e2e_error(E2E_ERR_RUNTIME,
				       "'%s': cannot switch to WAL mode (journal mode stays '%s')", st->path,
				       col_text(s, 0));
		else if (code != SQLITE_ROW && (code != SQLITE_BUSY || waited_ms >= STORE_BUSY_MS))
			rc = db_error(st, "cannot switch to WAL mode");
		sqlite3_finalize(s);
		if (code == SQLITE_ROW || rc)
			return rc;
		nanosleep(&pause, NULL);
	}
}

static int exec_all(struct e2e_store *st, const char *const *sql)
{
	int rc = 0;

	for (; rc == 0 && sql && *sql; sql++)
		rc = exec_once(st, *sql, "cannot migrate the schema");
	return rc;
}

static int schema_migrate(struct e2e_store *st, enum schema_state state)
{
	enum schema_state now = SCHEMA_FRESH;
	int64_t ver = 0;
	int rc = 0;

	/* Both settings live in the file; auto_vacuum only takes before the
	 * first table exists (it lets prune give space back). */
	if (state == SCHEMA_FRESH)
		rc = exec_once(st, "PRAGMA auto_vacuum = INCREMENTAL", "cannot initialise the database");
	if (rc == 0)
		rc = set_wal(st);
	if (rc)
		return rc;
	rc = e2e_store_begin(st);
	if (rc)
		return rc;
	/* Another process may have migrated it while we waited. */
	rc = schema_check(st, &now, &ver);
	for (int64_t v = now == SCHEMA_FRESH ? 0 : ver; rc == 0 && v < STORE_VERSION; v++) {
		const struct migration *m = &migrations[v + 1];

		rc = exec_all(st, m->sql);
		if (rc == 0 && m->carry)
			rc = m->carry(st);
		if (rc == 0)
			rc = exec_all(st, m->sql_end);
	}
	return write_leave(st, true, rc);
}

static int create_file(const char *path)
{
	int rc = e2e_fsutil_mkdir_parents(path);
	int fd;

	if (rc)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot create database '%s': %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* immutable: read the file as it is, without the WAL index (see
 * open_unwritable). */
static int db_connect(struct e2e_store *st, bool immutable)
{
	int oflags = st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	struct e2e_buf uri = E2E_BUF_INIT;
	int rc = 0;

	if (immutable) {
		/* a file: URI; an absolute path gets an empty authority */
		e2e_buf_add(&uri, "file:", 5);
		if (st->path[0] == '/')
			e2e_buf_add(&uri, "//", 2);
		for (const char *p = st->path; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				e2e_buf_printf(&uri, "%%%02X", (unsigned)(unsigned char)*p);
			else
				e2e_buf_putc(&uri, *p);
		}
		e2e_buf_add(&uri, "?immutable=1", 12);
		oflags |= SQLITE_OPEN_URI;
	}
	if (sqlite3_open_v2(immutable ? uri.data : st->path, &st->db, oflags, NULL) != SQLITE_OK) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot open database '%s': %s", st->path,
			       st->db ? sqlite3_errmsg(st->db) : "out of memory");
		sqlite3_close(st->db);
		st->db = NULL;
	} else {
		sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	}
	e2e_buf_finish(&uri);
	return rc;
}

/* A read-only open of a WAL file needs its WAL index (the -shm file next
 * to it); one that cannot create it (a directory it may not write) fails
 * with READONLY_CANTINIT or _DIRECTORY, and on a read-only file system, or
 * when the index is there but not readable, with CANTOPEN. */
static bool no_wal_index(struct e2e_store *st)
{
	int code = sqlite3_extended_errcode(st->db);

	return code == SQLITE_READONLY_CANTINIT || code == SQLITE_READONLY_DIRECTORY ||
	       (code & 0xff) == SQLITE_CANTOPEN;
}

/* A file to read without its WAL index: when there is no WAL with content
 * either, every commit is in the file itself and no writer is at work (a
 * writer keeps the index next to the file), so it is read as immutable
 * (no lock, no side file). A WAL with content cannot be read without the
 * index, and reading the file alone would silently miss its newest runs:
 * one clear error instead. */
static int open_unwritable(struct e2e_store *st, enum schema_state *state, int64_t *version)
{
	struct e2e_buf wal = E2E_BUF_INIT;
	struct stat sb;
	bool empty_wal;
	int rc;

	e2e_buf_printf(&wal, "%s-wal", st->path);
	empty_wal = stat(wal.data, &sb) != 0 ? errno == ENOENT : sb.st_size == 0;
	e2e_buf_finish(&wal);
	if (!empty_wal)
		return e2e_error(
			E2E_ERR_RUNTIME,
			"cannot read '%s' in place: its write-ahead log '%s-wal' holds changes not "
			"yet in the file, and their index ('-shm') cannot be created or opened there "
			"(a read-only file system or directory); run e2e once with write access "
			"there, or copy both files to a writable directory",
			st->path, st->path);
	sqlite3_close(st->db);
	st->db = NULL;
	rc = db_connect(st, true);
	return rc ? rc : schema_check(st, state, version);
}

/* A read-only open of an older schema migrates through a short read-write
 * open when the file is writable. One it may not write is read as it is
 * from STORE_READABLE_VERSION on (a v2 file: every run through the one
 * endpoint per path the file holds, which is what the e2e that wrote it
 * reported); older ones cannot be read. */
static int migrate_for_reader(struct e2e_store *st, int64_t version)
{
	struct e2e_store *rw = NULL;
	int rc;

	if (access(st->path, W_OK) != 0) {
		if (version >= STORE_READABLE_VERSION) {
			st->version = (int)version;
			return 0;
		}
		return e2e_error(
			E2E_ERR_RUNTIME,
			"'%s': schema version %lld must be upgraded to %d but the file is not writable",
			st->path, (long long)version, STORE_VERSION);
	}
	sqlite3_close(st->db);
	st->db = NULL;
	rc = e2e_store_open(st->path, 0, &rw);
	e2e_store_close(rw);
	return rc ? rc : db_connect(st, false);
}

int e2e_store_open(const char *path, int flags, struct e2e_store **out)
{
	struct e2e_store *st;
	enum schema_state state;
	int64_t version;
	struct stat sb;
	int rc;

	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return e2e_error(E2E_ERR_RUNTIME, "cannot open database '%s': %s", path,
					 strerror(errno));
		if ((flags & E2E_STORE_READONLY) || !(flags & E2E_STORE_CREATE))
			return e2e_error(E2E_ERR_RUNTIME, "no database at '%s'", path);
		rc = create_file(path);
		if (rc)
			return rc;
	} else if (S_ISDIR(sb.st_mode)) {
		return e2e_error(E2E_ERR_RUNTIME, "cannot open database '%s': is a directory", path);
	} else if (access(path, R_OK) != 0) { /* SQLite would only say "unable to open" */
		return e2e_error(E2E_ERR_RUNTIME, "cannot open database '%s': %s", path, strerror(errno));
	}

	st = e2e_xcalloc(1, sizeof(*st));
	st->path = e2e_xstrdup(path);
	st->readonly = flags & E2E_STORE_READONLY;
	st->version = STORE_VERSION;
	st->lease_fd = st->probe_fd = -1;
	rc = db_connect(st, false);
	if (rc == 0 && (flags & E2E_STORE_SCRATCH)) /* before the migrations' commits */
		rc = exec_once(st, "PRAGMA synchronous = OFF", "cannot configure the database");
	if (rc == 0)
		rc = schema_check(st, &state, &version);
	if (rc && st->readonly && st->db && no_wal_index(st))
		rc = open_unwritable(st, &state, &version);
	if (rc == 0 && state != SCHEMA_CURRENT) {
		if (!st->readonly)
			rc = schema_migrate(st, state);
		else if (state == SCHEMA_FRESH)
			rc = e2e_error(E2E_ERR_RUNTIME, "'%s': empty database, nothing recorded yet", path);
		else
			rc = migrate_for_reader(st, version);
	}
	if (rc == 0 && !st->readonly && !(flags & E2E_STORE_SCRATCH))
		rc = exec_once(st, "PRAGMA synchronous = NORMAL", "cannot configure the database");
	if (rc) {
		e2e_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void e2e_store_close(struct e2e_store *st)
{
	if (!st)
		return;
	if (st->db) {
		e2e_store_rollback(st);
		for (int i = 0; i < S__COUNT; i++)
			sqlite3_finalize(st->stmt[i]);
		sqlite3_close(st->db);
	}
	if (st->lease_fd >= 0)
		close(st->lease_fd); /* releases every lease this handle holds */
	free(st->lease_path);
	free(st->columns);
	free(st->scratch);
	free(st->path);
	free(st);
}

const char *e2e_store_path(const struct e2e_store *st)
{
	return st->path;
}

/* ---- leases: a run in progress is never pruned ----
 *
 * A run begun through a handle holds a lease until it ends: a lock on byte
 * <run id> of the file DB-lease next to the database, taken inside the
 * transaction that creates the run (so no prune ever sees the run without
 * it). The lock belongs to the open file description (OFD lock), so the
 * kernel drops it when the recording process ends, however it ends: an
 * incomplete run whose lease is free was killed, and prune removes it like
 * any other; one whose lease is held is being recorded, and prune keeps
 * it. A bound on the age of the run's last progress would not do: an idle
 * session writes no progress, and a stopped or suspended one outlives any
 * bound. */

static const char *lease_file(struct e2e_store *st)
{
	if (!st->lease_path) {
		struct e2e_buf b = E2E_BUF_INIT;
		char *real = realpath(st->path, NULL); /* the same file whichever way it is named */

		e2e_buf_printf(&b, "%s-lease", real ? real : st->path);
		free(real);
		st->lease_path = e2e_buf_detach(&b, NULL);
	}
	return st->lease_path;
}

static int lease_lock(int fd, int cmd, short type, int64_t run_id, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)run_id;
	fl->l_len = 1;
	return fcntl(fd, cmd, fl);
}

static int lease_take(struct e2e_store *st, int64_t run_id)
{
	struct flock fl;

	if (st->lease_fd < 0)
		st->lease_fd = open(lease_file(st), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lease_fd < 0 || lease_lock(st->lease_fd, F_OFD_SETLK, F_WRLCK, run_id, &fl) != 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot take the lease of run %lld in '%s': %s",
				 (long long)run_id, lease_file(st), strerror(errno));
	return 0;
}

static void lease_release(struct e2e_store *st, int64_t run_id)
{
	struct flock fl;

	if (st->lease_fd >= 0)
		lease_lock(st->lease_fd, F_OFD_SETLK, F_UNLCK, run_id, &fl);
}

/* 1 when another open file description holds the lease of run_id (one
 * of this process too: a handle sees its own runs as live), 0 when it is
 * free, -1 with errno when that cannot be told. */
static int lease_held(int fd, int64_t run_id)
{
	struct flock fl;

	if (lease_lock(fd, F_OFD_GETLK, F_WRLCK, run_id, &fl) != 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

struct probed {
	int64_t run_id;
	bool live;
};

/* e2e_run_live(id) for prune's statements: whatever cannot be told is
 * live. Each run is probed once per prune, so that a recorder that ends
 * between the statements (chunks, path mappings, runs) cannot leave half
 * a run behind. */
static void run_live_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct e2e_store *st = sqlite3_user_data(ctx);
	int64_t id = sqlite3_value_int64(argv[0]);
	bool live = true;

	(void)argc;
	for (size_t i = 0; i < st->nprobed; i++) {
		if (st->probed[i].run_id == id) {
			sqlite3_result_int(ctx, st->probed[i].live);
			return;
		}
	}
	if (!st->probe_unknown)
		live = st->probe_fd < 0 ? false : lease_held(st->probe_fd, id) != 0;
	if (st->nprobed == st->probed_cap) {
		st->probed_cap = st->probed_cap ? 2 * st->probed_cap : 8;
		st->probed = e2e_xrealloc(st->probed, st->probed_cap * sizeof(*st->probed));
	}
	st->probed[st->nprobed++] = (struct probed){ id, live };
	sqlite3_result_int(ctx, live);
}

/* Opens prune's view of the leases (and registers e2e_run_live on the
 * connection the first time); probe_close ends it. */
static int probe_open(struct e2e_store *st)
{
	if (!st->live_fn) {
		if (sqlite3_create_function_v2(st->db, "e2e_run_live", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, st,
					       run_live_fn, NULL, NULL, NULL) != SQLITE_OK)
			return db_error(st, "cannot prepare pruning");
		st->live_fn = true;
	}
	st->probe_fd = open(lease_file(st), O_RDONLY | O_CLOEXEC);
	st->probe_unknown = st->probe_fd < 0 && errno != ENOENT;
	return 0;
}

static void probe_close(struct e2e_store *st)
{
	if (st->probe_fd >= 0)
		close(st->probe_fd);
	st->probe_fd = -1;
	st->probe_unknown = false;
	free(st->probed);
	st->probed = NULL;
	st->nprobed = st->probed_cap = 0;
}

int e2e_store_run_live(struct e2e_store *st, int64_t run_id, bool *live)
{
	int fd = open(lease_file(st), O_RDONLY | O_CLOEXEC);
	int held = fd < 0 ? -1 : lease_held(fd, run_id);
	int rc = 0;

	if (fd < 0 && errno == ENOENT)
		held = 0; /* no run ever took a lease here */
	else if (held < 0)
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot read the leases in '%s': %s", lease_file(st),
			       strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc == 0)
		*live = held;
	return rc;
}

/* ---- runs ---- */

/* Runs which, a statement selecting the row of run ?1, for run id:
 * fill(s, out) reads the row (NULL: only whether it exists); "no run N"
 * when there is none. */
static int run_row(struct e2e_store *st, enum stmt_id which, int64_t id, void (*fill)(sqlite3_stmt *, void *),
		   void *out)
{
	sqlite3_stmt *s;
	int rc = stmt(st, which, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		if (fill)
			fill(s, out);
		break;
	case SQLITE_DONE:
		rc = no_run(st, id);
		break;
	default:
		rc = db_error(st, "cannot read the run");
	}
	sqlite3_reset(s);
	return rc;
}

/* Reads a row of RUN_COLUMNS into out (a struct e2e_run). */
static void run_from_row(sqlite3_stmt *s, void *out)
{
	struct e2e_run *r = out;

	r->id = sqlite3_column_int64(s, 0);
	r->service = e2e_xstrdup(col_text(s, 1));
	r->started_ms = sqlite3_column_int64(s, 2);
	r->ended_ms = sqlite3_column_int64(s, 3);
	r->duration_ns = (uint64_t)sqlite3_column_int64(s, 4);
	r->command = e2e_xstrdup(col_text(s, 5));
	r->exit_status = sqlite3_column_int(s, 6);
	r->git_commit = e2e_xstrdup(col_text(s, 7));
	r->git_branch = e2e_xstrdup(col_text(s, 8));
	r->host_cpu = e2e_xstrdup(col_text(s, 9));
	r->host_cores = sqlite3_column_int(s, 10);
	r->host_os = e2e_xstrdup(col_text(s, 11));
	r->tool_version = e2e_xstrdup(col_text(s, 12));
	r->source = e2e_xstrdup(col_text(s, 13));
	r->target = e2e_xstrdup(col_text(s, 14));
	r->max_concurrency = (uint32_t)sqlite3_column_int64(s, 15);
	r->recorded = (uint64_t)sqlite3_column_int64(s, 16);
	r->dropped = (uint64_t)sqlite3_column_int64(s, 17);
	r->complete = sqlite3_column_int(s, 18) != 0;
	r->lost = (uint64_t)sqlite3_column_int64(s, 19);
	r->lost_cause = e2e_loss_from_key(col_text(s, 20));
	r->disturbance = 0; /* disturbance_get() fills it when measured */
	r->disturbance_probes = 0;
}

static int run_insert(struct e2e_store *st, const struct e2e_run *r, int64_t as, int64_t *out_id);

int e2e_store_run_begin(struct e2e_store *st, const struct e2e_run *r, int64_t *out_id)
{
	return run_insert(st, r, 0, out_id);
}

int e2e_store_run_begin_as(struct e2e_store *st, const struct e2e_run *r, int64_t *out_id)
{
	if (r->id <= 0)
		return e2e_error(E2E_ERR_INPUT, "no run id to record a copy under");
	return run_insert(st, r, r->id, out_id);
}

static int run_insert(struct e2e_store *st, const struct e2e_run *r, int64_t as, int64_t *out_id)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = stmt(st, S_RUN_INSERT, &s);
	if (rc == 0) {
		bind_text(s, 1, r->service);
		sqlite3_bind_int64(s, 2, r->started_ms);
		sqlite3_bind_int64(s, 3, (int64_t)r->duration_ns);
		bind_text(s, 4, r->command);
		sqlite3_bind_int(s, 5, r->exit_status);
		bind_text(s, 6, r->git_commit);
		bind_text(s, 7, r->git_branch);
		bind_text(s, 8, r->host_cpu);
		sqlite3_bind_int(s, 9, r->host_cores);
		bind_text(s, 10, r->host_os);
		bind_text(s, 11, r->tool_version);
		bind_text(s, 12, r->source);
		bind_text(s, 13, r->target);
		if (as > 0)
			sqlite3_bind_int64(s, 14, as);
		rc = step_done(st, s, "cannot record the run");
		id = sqlite3_last_insert_rowid(st->db);
	}
	if (rc == 0)
		rc = lease_take(st, id); /* before the run is visible to anyone */
	rc = write_leave(st, own, rc);
	if (rc == 0)
		*out_id = id;
	else if (id)
		lease_release(st, id);
	return rc;
}

static int run_exists(struct e2e_store *st, int64_t run_id);

static void uuid_from_row(sqlite3_stmt *s, void *out)
{
	const char *t = col_text(s, 0);
	size_t n = strnlen(t, E2E_STORE_UUID_LEN);

	memcpy(out, t, n);
	((char *)out)[n] = '\0';
}

/* A version 4 UUID from the kernel's random source. */
static int uuid_make(char out[E2E_STORE_UUID_LEN + 1])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return e2e_error(E2E_ERR_RUNTIME, "cannot make a run uuid: %s", strerror(errno));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (size_t i = 0, o = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = "0123456789abcdef"[b[i] >> 4];
		out[o++] = "0123456789abcdef"[b[i] & 15];
	}
	out[E2E_STORE_UUID_LEN] = '\0';
	return 0;
}

static int uuid_write(struct e2e_store *st, int64_t run_id, const char *uuid, bool replace)
{
	sqlite3_stmt *s;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = run_exists(st, run_id);
	if (rc == 0)
		rc = stmt(st, S_RUN_UUID_SET, &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, run_id);
		bind_text(s, 2, uuid);
		sqlite3_bind_int(s, 3, replace);
		rc = step_done(st, s, "cannot record the run's uuid");
	}
	return write_leave(st, own, rc);
}

int e2e_store_run_uuid(struct e2e_store *st, int64_t run_id, char out[E2E_STORE_UUID_LEN + 1])
{
	char made[E2E_STORE_UUID_LEN + 1], got[E2E_STORE_UUID_LEN + 1] = "";
	int rc = run_row(st, S_RUN_UUID_GET, run_id, uuid_from_row, got);

	if (rc == 0 && !got[0]) {
		rc = uuid_make(made);
		if (rc == 0)
			rc = uuid_write(st, run_id, made, false);
		if (rc == 0) /* another process may have given it one first */
			rc = run_row(st, S_RUN_UUID_GET, run_id, uuid_from_row, got);
	}
	if (rc == 0)
		memcpy(out, got, sizeof(got));
	return rc;
}

int e2e_store_run_uuid_set(struct e2e_store *st, int64_t run_id, const char *uuid)
{
	return uuid_write(st, run_id, uuid, true);
}

/* Starts an UPDATE of one run: a write transaction unless the caller has
 * one (*own), the statement with run_id bound as ?1; the caller binds the
 * rest and ends with run_update(). */
static int update_enter(struct e2e_store *st, enum stmt_id which, int64_t run_id, sqlite3_stmt **s, bool *own)
{
	int rc = write_enter(st, own);

	if (rc == 0)
		rc = stmt(st, which, s);
	if (rc)
		return write_leave(st, *own, rc);
	sqlite3_bind_int64(*s, 1, run_id);
	return 0;
}

/* Runs an UPDATE of one run whose parameters are bound; "no run" if none
 * matched. */
static int run_update(struct e2e_store *st, sqlite3_stmt *s, int64_t run_id, bool own)
{
	int rc = step_done(st, s, "cannot update the run");

	if (rc == 0 && sqlite3_changes(st->db) != 1)
		rc = no_run(st, run_id);
	return write_leave(st, own, rc);
}

int e2e_store_run_progress(struct e2e_store *st, int64_t run_id, uint64_t recorded, uint64_t dropped,
			   uint32_t max_concurrency)
{
	sqlite3_stmt *s;
	bool own;
	int rc = update_enter(st, S_RUN_PROGRESS, run_id, &s, &own);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 2, (int64_t)recorded);
	sqlite3_bind_int64(s, 3, (int64_t)dropped);
	sqlite3_bind_int64(s, 4, max_concurrency);
	return run_update(st, s, run_id, own);
}

int e2e_store_run_loss(struct e2e_store *st, int64_t run_id, uint64_t dropped, uint64_t lost,
		       enum e2e_loss cause)
{
	sqlite3_stmt *s;
	bool own;
	int rc = update_enter(st, S_RUN_LOSS, run_id, &s, &own);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 2, (int64_t)dropped);
	sqlite3_bind_int64(s, 3, (int64_t)lost);
	bind_text(s, 4, e2e_loss_key(cause));
	return run_update(st, s, run_id, own);
}

int e2e_store_run_confirms(struct e2e_store *st, int64_t run_id, int64_t first_id)
{
	sqlite3_stmt *s;
	bool own;
	int rc = update_enter(st, S_RUN_CONFIRMS, run_id, &s, &own);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 2, first_id);
	return run_update(st, s, run_id, own);
}

int e2e_store_ab_link(struct e2e_store *st, int64_t run_id, int64_t comparison, char side, uint32_t round)
{
	char sd[2] = { side, 0 };
	sqlite3_stmt *s;
	bool own;
	int rc = update_enter(st, S_AB_LINK, run_id, &s, &own);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 2, comparison);
	bind_text(s, 3, sd);
	sqlite3_bind_int64(s, 4, round);
	return write_leave(st, own, step_done(st, s, "cannot link the run to its comparison"));
}

/* ---- a run's links, as the team store carries them: uncached ---- */

static int res_prepare(struct e2e_store *st, const char *sql, sqlite3_stmt **out);

int e2e_store_run_links_get(struct e2e_store *st, int64_t run_id, struct e2e_run_links *out)
{
	struct e2e_run_links l = { 0 };
	sqlite3_stmt *s = NULL;
	int rc = run_exists(st, run_id);

	if (rc || st->version < 9) /* before v9 no run had links */
		goto out;
	rc = res_prepare(st,
			 "SELECT coalesce(c.id, 0), coalesce(f.id, 0), coalesce(a.side, ''),"
			 " coalesce(a.round, 0) FROM runs r LEFT JOIN runs c ON c.id = r.confirms"
			 " LEFT JOIN ab_runs a ON a.run_id = r.id LEFT JOIN runs f ON f.id = a.comparison"
			 " WHERE r.id = ?",
			 &s);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_error(st, "cannot read the run's links");
		goto out;
	}
	l.confirms = sqlite3_column_int64(s, 0);
	l.comparison = sqlite3_column_int64(s, 1);
	l.side = col_text(s, 2)[0];
	l.round = (uint32_t)sqlite3_column_int64(s, 3);
out:
	sqlite3_finalize(s);
	if (rc == 0)
		*out = l;
	return rc;
}

int e2e_store_run_by_uuid(struct e2e_store *st, const char *uuid, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	if (st->version < 12) { /* before v12 no run had a UUID */
		*id = 0;
		return 0;
	}
	rc = res_prepare(st, "SELECT id FROM runs WHERE uuid = ? AND uuid <> ''", &s);
	if (rc)
		return rc;
	bind_text(s, 1, uuid);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW || step == SQLITE_DONE)
		*id = step == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	else
		rc = db_error(st, "cannot find the run");
	sqlite3_finalize(s);
	return rc;
}

int e2e_store_make_room(struct e2e_store *st)
{
	if (st->in_txn)
		return e2e_error(E2E_ERR_RUNTIME, "'%s': a transaction is open", st->path);
	return run_simple(st, S_CHECKPOINT, "cannot checkpoint");
}

enum e2e_loss e2e_store_fault(const struct e2e_store *st)
{
	return st->fault ? st->fault : E2E_LOSS_OTHER;
}

/* The run's disturbance row, when it was measured (in the caller's
 * transaction). */
static int disturbance_set(struct e2e_store *st, const struct e2e_run *r)
{
	sqlite3_stmt *s;
	int rc;

	if (!r->disturbance_probes)
		return 0;
	rc = stmt(st, S_DISTURB_SET, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, r->id);
	sqlite3_bind_double(s, 2, r->disturbance);
	sqlite3_bind_int64(s, 3, (int64_t)r->disturbance_probes);
	return step_done(st, s, "cannot record the runner disturbance");
}

/* Fills r's disturbance from its row, if any (a schema before v7 has none). */
static int disturbance_get(struct e2e_store *st, struct e2e_run *r)
{
	sqlite3_stmt *s;
	int rc, step;

	if (st->version < 7)
		return 0;
	rc = stmt(st, S_DISTURB_GET, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, r->id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		r->disturbance = sqlite3_column_double(s, 0);
		r->disturbance_probes = (uint64_t)sqlite3_column_int64(s, 1);
	} else if (step != SQLITE_DONE) {
		rc = db_error(st, "cannot read the runner disturbance");
	}
	sqlite3_reset(s);
	return rc;
}

int e2e_store_run_end(struct e2e_store *st, const struct e2e_run *r)
{
	sqlite3_stmt *s;
	bool own;
	int rc = update_enter(st, S_RUN_END, r->id, &s, &own);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 2, r->ended_ms);
	sqlite3_bind_int64(s, 3, (int64_t)r->duration_ns);
	sqlite3_bind_int(s, 4, r->exit_status);
	sqlite3_bind_int64(s, 5, r->max_concurrency);
	sqlite3_bind_int64(s, 6, (int64_t)r->recorded);
	sqlite3_bind_int64(s, 7, (int64_t)r->dropped);
	sqlite3_bind_int(s, 8, r->complete);
	sqlite3_bind_int64(s, 9, (int64_t)r->lost);
	bind_text(s, 10, e2e_loss_key(r->lost_cause));
	rc = disturbance_set(st, r);
	if (rc)
		return write_leave(st, own, rc);
	rc = run_update(st, s, r->id, own);
	if (rc == 0 && r->complete)
		lease_release(st, r->id);
	return rc;
}

int e2e_store_run_get(struct e2e_store *st, int64_t id, struct e2e_run *out)
{
	int rc = run_row(st, st->version < 4 ? S_RUN_GET_OLD : S_RUN_GET, id, run_from_row, out);

	if (rc == 0 && (rc = disturbance_get(st, out)) < 0)
		e2e_run_finish(out);
	return rc;
}

int e2e_store_runs_list(struct e2e_store *st, const char *service, struct e2e_run **out, size_t *n)
{
	struct e2e_run *runs = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc = stmt(st, st->version < 4 ? S_RUNS_LIST_OLD : S_RUNS_LIST, &s);
	int step;

	if (rc)
		return rc;
	bind_service(s, 1, service);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			runs = e2e_xrealloc(runs, cap * sizeof(*runs));
		}
		run_from_row(s, &runs[len++]);
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, "cannot list runs");
	sqlite3_reset(s);
	for (size_t i = 0; rc == 0 && i < len; i++)
		rc = disturbance_get(st, &runs[i]);
	if (rc) {
		e2e_store_runs_free(runs, len);
	} else {
		*out = runs;
		*n = len;
	}
	return rc;
}

void e2e_store_runs_free(struct e2e_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++)
		e2e_run_finish(&runs[i]);
	free(runs);
}

static int run_exists(struct e2e_store *st, int64_t run_id)
{
	return run_row(st, S_RUN_EXISTS, run_id, NULL, NULL);
}

/* ---- paths and templating ---- */

/* Steps a SELECT of one integer (a row id); E2E_ERR_RUNTIME when no row. */
static int select_id(struct e2e_store *st, sqlite3_stmt *s, const char *what, int64_t *id)
{
	int rc = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	else
		rc = db_error(st, what);
	sqlite3_reset(s);
	return rc;
}

/* The id of a row made unique by one or two text columns, inserting it
 * when new: ins and sel bind the same texts. */
static int intern_text(struct e2e_store *st, enum stmt_id ins, enum stmt_id sel, const char *a, const char *b,
		       const char *what, int64_t *id)
{
	enum stmt_id ids[2] = { ins, sel };
	sqlite3_stmt *s;
	int rc = 0;

	for (int i = 0; rc == 0 && i < 2; i++) {
		rc = stmt(st, ids[i], &s);
		if (rc)
			break;
		bind_text(s, 1, a);
		if (b)
			bind_text(s, 2, b);
		rc = i == 0 ? step_done(st, s, what) : select_id(st, s, what, id);
	}
	return rc;
}

/* Records that run_id maps path_id to endpoint_id; a run maps a path once. */
static int map_run_path(struct e2e_store *st, int64_t run_id, int64_t path_id, int64_t endpoint_id,
			const char *method, const char *path, const char *endpoint)
{
	sqlite3_stmt *s;
	int64_t had = 0;
	int rc = run_exists(st, run_id);

	if (rc == 0)
		rc = stmt(st, S_RUN_PATH_INSERT, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, path_id);
	sqlite3_bind_int64(s, 3, endpoint_id);
	rc = step_done(st, s, "cannot record a path");
	if (rc || sqlite3_changes(st->db) == 1)
		return rc;
	rc = stmt(st, S_RUN_PATH_SELECT, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, path_id);
	rc = select_id(st, s, "cannot read a path", &had);
	if (rc == 0 && had != endpoint_id)
		rc = e2e_error(E2E_ERR_INPUT,
			       "'%s': run %lld already counts %s %s under another endpoint than '%s'",
			       st->path, (long long)run_id, method, path, endpoint);
	return rc;
}

int e2e_store_path_intern(struct e2e_store *st, int64_t run_id, const char *method, const char *path,
			  const char *endpoint, uint32_t *out_id)
{
	int64_t id = 0, endpoint_id = 0;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = intern_text(st, S_PATH_INSERT, S_PATH_SELECT, method, path, "cannot record a path", &id);
	if (rc == 0 && (id < 1 || id > UINT32_MAX))
		rc = e2e_error(E2E_ERR_INPUT, "'%s': path id %lld out of range", st->path, (long long)id);
	if (rc == 0)
		rc = intern_text(st, S_ENDPOINT_INSERT, S_ENDPOINT_SELECT, endpoint, NULL,
				 "cannot record an endpoint", &endpoint_id);
	if (rc == 0)
		rc = map_run_path(st, run_id, id, endpoint_id, method, path, endpoint);
	rc = write_leave(st, own, rc);
	if (rc == 0)
		*out_id = (uint32_t)id;
	return rc;
}

/* The paths and their strings in one block: a report over many runs loads
 * one table per run, and three allocations per path were most of the
 * load's cost. Offsets into the strings while reading, pointers after. */
int e2e_store_run_paths_load(struct e2e_store *st, int64_t run_id, struct e2e_path **out, size_t *n)
{
	struct e2e_path *paths = NULL;
	struct e2e_buf text = E2E_BUF_INIT;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	bool v2 = st->version < 3;
	int rc = stmt(st, v2 ? S_RUN_PATHS_LOAD_V2 : S_RUN_PATHS_LOAD, &s);
	int step;

	if (rc)
		return rc;
	if (!v2)
		sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			paths = e2e_xrealloc(paths, cap * sizeof(*paths));
		}
		paths[len].id = (uint32_t)sqlite3_column_int64(s, 0);
		for (int c = 1; c <= 3; c++) {
			const char *t = col_text(s, c);
			uintptr_t at = text.len;

			e2e_buf_add(&text, t, strlen(t) + 1);
			if (c == 1)
				paths[len].method = (char *)at;
			else if (c == 2)
				paths[len].path = (char *)at;
			else
				paths[len].endpoint = (char *)at;
		}
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_error(st, "cannot read paths");
		free(paths);
	} else {
		size_t head = len * sizeof(*paths);
		char *block = e2e_xmalloc(head + text.len + 1), *strings = block + head;

		if (len)
			memcpy(block, paths, head);
		if (text.len)
			memcpy(strings, text.data, text.len);
		free(paths);
		paths = (struct e2e_path *)(void *)block;
		for (size_t i = 0; i < len; i++) {
			paths[i].method = strings + (uintptr_t)paths[i].method;
			paths[i].path = strings + (uintptr_t)paths[i].path;
			paths[i].endpoint = strings + (uintptr_t)paths[i].endpoint;
		}
		*out = len ? paths : NULL;
		*n = len;
		if (!len)
			free(block);
	}
	e2e_buf_finish(&text);
	sqlite3_reset(s);
	return rc;
}

void e2e_store_paths_free(struct e2e_path *paths, size_t n)
{
	(void)n;
	free(paths); /* the strings live in the same block */
}

int e2e_store_run_templating_set(struct e2e_store *st, int64_t run_id, const struct e2e_templating *t)
{
	sqlite3_stmt *s;
	int64_t routes_id = 0;
	bool own, routes = t->routes_text != NULL;
	int rc = write_enter(st, &own);

	if (rc == 0 && routes)
		rc = stmt(st, S_ROUTES_INSERT, &s);
	if (rc == 0 && routes) {
		bind_text(s, 1, t->routes_sha256);
		sqlite3_bind_blob64(s, 2, t->routes_len ? t->routes_text : "", t->routes_len, SQLITE_STATIC);
		rc = step_done(st, s, "cannot record the routes file");
		if (rc == 0)
			rc = stmt(st, S_ROUTES_SELECT, &s);
		if (rc == 0) {
			bind_text(s, 1, t->routes_sha256);
			rc = select_id(st, s, "cannot read the routes file", &routes_id);
		}
	}
	if (rc == 0)
		rc = stmt(st, S_TEMPLATING_SET, &s);
	if (rc)
		return write_leave(st, own, rc);
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int(s, 2, t->rules_version);
	if (routes)
		sqlite3_bind_int64(s, 3, routes_id);
	else
		sqlite3_bind_null(s, 3);
	bind_text(s, 4, routes ? t->routes_name : "");
	return run_update(st, s, run_id, own);
}

/* Reads a row of S_TEMPLATING_GET into out (a struct e2e_templating). */
static void templating_from_row(sqlite3_stmt *s, void *out)
{
	struct e2e_templating *t = out;
	const void *text = sqlite3_column_blob(s, 3);
	size_t len = (size_t)sqlite3_column_bytes(s, 3);

	t->rules_version = sqlite3_column_int(s, 0);
	t->routes_name = e2e_xstrdup(col_text(s, 1));
	t->routes_sha256 = e2e_xstrdup(col_text(s, 2));
	t->routes_text = NULL;
	t->routes_len = 0;
	if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
		t->routes_text = e2e_xmalloc(len + 1);
		if (len)
			memcpy(t->routes_text, text, len);
		t->routes_text[len] = '\0';
		t->routes_len = len;
	}
}

int e2e_store_run_templating_get(struct e2e_store *st, int64_t run_id, struct e2e_templating *out)
{
	int rc;

	if (st->version < 3) { /* before v3 a run kept no templating of its own */
		rc = run_exists(st, run_id);
		if (rc == 0)
			*out = (struct e2e_templating){ 0, e2e_xstrdup(""), e2e_xstrdup(""), NULL, 0 };
		return rc;
	}
	return run_row(st, S_TEMPLATING_GET, run_id, templating_from_row, out);
}

int e2e_store_run_notes_add(struct e2e_store *st, int64_t run_id, const struct e2e_run_note *notes, size_t n)
{
	sqlite3_stmt *s;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = run_exists(st, run_id);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = stmt(st, S_NOTE_INSERT, &s);
		if (rc)
			break;
		sqlite3_bind_int64(s, 1, run_id);
		bind_text(s, 2, e2e_note_key(notes[i].kind));
		bind_text(s, 3, notes[i].name ? notes[i].name : "");
		sqlite3_bind_int64(s, 4, notes[i].count > INT64_MAX ? INT64_MAX : (int64_t)notes[i].count);
		rc = step_done(st, s, "cannot record the run's notes");
	}
	return write_leave(st, own, rc);
}

int e2e_store_run_notes_load(struct e2e_store *st, int64_t run_id, struct e2e_run_note **out, size_t *n)
{
	struct e2e_run_note *notes = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc, step;

	*out = NULL;
	*n = 0;
	rc = run_exists(st, run_id);
	if (rc || st->version < 5) /* before v5 a run kept no notes */
		return rc;
	rc = stmt(st, S_NOTES_LOAD, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		enum e2e_note_kind kind;
		int64_t count = sqlite3_column_int64(s, 2);

		if (e2e_note_parse(col_text(s, 0), &kind) < 0 || count <= 0)
			continue; /* a newer tool's kind, or nothing to say */
		if (len == cap) {
			cap = cap ? 2 * cap : 8;
			notes = e2e_xrealloc(notes, cap * sizeof(*notes));
		}
		notes[len].kind = kind;
		notes[len].name = e2e_xstrdup(col_text(s, 1));
		notes[len].count = (uint64_t)count;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_error(st, "cannot read the run's notes");
		e2e_run_notes_free(notes, len);
	} else {
		*out = notes;
		*n = len;
	}
	sqlite3_reset(s);
	return rc;
}

/* ---- sample chunks ---- */

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint64_t le64(uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(x);
#else
	return x;
#endif
}

/* Bytes needed by every value whose bits are all in mask. */
static unsigned width_of(uint64_t mask)
{
	return mask ? (unsigned)(71 - __builtin_clzll(mask)) / 8 : 0;
}

static void scratch_ensure(struct e2e_store *st)
{
	if (!st->columns) {
		st->columns = e2e_xmalloc(COLS * CHUNK_MAX * sizeof(*st->columns));
		/* + 8: each value is stored with one 8-byte write */
		st->scratch = e2e_xmalloc(CHUNK_HEADER + CHUNK_MAX * COLS * 8 + 8);
	}
}

/* Encodes n <= CHUNK_MAX samples into st->scratch; returns the length. */
static size_t chunk_encode(struct e2e_store *st, const struct e2e_sample *s, size_t n)
{
	uint64_t *v[COLS], prev = 0, tests = 0;
	uint32_t base = UINT32_MAX;
	uint8_t *p;
	int cols;

	scratch_ensure(st);
	for (int c = 0; c < COLS; c++)
		v[c] = st->columns + (size_t)c * CHUNK_MAX;
	for (size_t i = 0; i < n; i++) {
		v[COL_START][i] = zigzag((int64_t)(s[i].start_ns - prev));
		prev = s[i].start_ns;
		v[COL_PATH][i] = s[i].path_id;
		v[COL_STATUS][i] = s[i].status;
		v[COL_ERROR][i] = s[i].error;
		v[COL_TOTAL][i] = s[i].total_us;
		v[COL_TTFB][i] = zigzag((int64_t)s[i].total_us - (int64_t)s[i].ttfb_us);
		v[COL_PROXY][i] = s[i].proxy_us;
		v[COL_REQ][i] = s[i].req_bytes;
		v[COL_RESP][i] = s[i].resp_bytes;
		tests |= s[i].test_id;
		if (s[i].test_id && s[i].test_id < base)
			base = s[i].test_id;
	}
	for (size_t i = 0; tests && i < n; i++)
		v[COL_TEST][i] = s[i].test_id ? (uint64_t)s[i].test_id - base + 1 : 0;
	cols = tests ? COLS : COLS_V1;
	p = st->scratch;
	p[0] = tests ? CHUNK_FORMAT_TESTS : CHUNK_FORMAT;
	p[1] = (uint8_t)n;
	p[2] = (uint8_t)(n >> 8);
	p += 3 + cols;
	if (tests) {
		for (int b = 0; b < 4; b++)
			*p++ = (uint8_t)(base >> (8 * b));
	}
	for (int c = 0; c < cols; c++) {
		uint64_t bits = 0;
		unsigned w;

		for (size_t i = 0; i < n; i++)
			bits |= v[c][i];
		w = width_of(bits);
		st->scratch[3 + c] = (uint8_t)w;
		for (size_t i = 0; w && i < n; i++, p += w) {
			uint64_t x = le64(v[c][i]);

			memcpy(p, &x, 8);
		}
	}
	return (size_t)(p - st->scratch);
}

/* Reads n values of w bytes from col (which has end - col bytes). */
static void column_read(const uint8_t *col, const uint8_t *end, unsigned w, size_t n, uint64_t *vals)
{
	uint64_t mask = w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
	size_t avail = (size_t)(end - col), fast, i;

	if (w == 0) {
		memset(vals, 0, n * sizeof(*vals));
		return;
	}
	/* one 8-byte load per value while 8 bytes are there to read */
	fast = avail >= 8 ? (avail - 8) / w + 1 : 0;
	if (fast > n)
		fast = n;
	for (i = 0; i < fast; i++) {
		uint64_t x;

		memcpy(&x, col + i * w, 8);
		vals[i] = le64(x) & mask;
	}
	for (; i < n; i++) {
		uint64_t x = 0;

		for (unsigned b = 0; b < w; b++)
			x |= (uint64_t)col[i * w + b] << (8 * b);
		vals[i] = x;
	}
}

/* Decodes one chunk of exactly n samples into out, using vals
 * (CHUNK_MAX values) as scratch; false if the blob is malformed in any way
 * (it never reads outside [data, data + len)). */
/* Reads the column widths of a chunk of n samples into w; false if its
 * header or length is not that of such a chunk. */
/* Where a chunk's first column starts (data[0] read). */
static size_t chunk_header_len(const uint8_t *data)
{
	return data[0] == CHUNK_FORMAT_TESTS ? 3 + COLS + 4 : 3 + COLS_V1;
}

static bool chunk_layout(const uint8_t *data, size_t len, size_t n, unsigned w[COLS])
{
	size_t row = 0;
	int cols = len ? (data[0] == CHUNK_FORMAT ? COLS_V1 : data[0] == CHUNK_FORMAT_TESTS ? COLS : 0) : 0;

	if (!cols || len < chunk_header_len(data) || (data[1] | (size_t)data[2] << 8) != n)
		return false;
	for (int c = 0; c < COLS; c++) {
		w[c] = c < cols ? data[3 + c] : 0;
		if (w[c] > column_max_width[c])
			return false;
		row += w[c];
	}
	return len == chunk_header_len(data) + n * row;
}

static bool chunk_decode(const uint8_t *data, size_t len, size_t n, struct e2e_sample *out, uint64_t *vals)
{
	const uint8_t *col, *end = data + len;
	unsigned w[COLS];
	uint64_t start = 0;

	if (!chunk_layout(data, len, n, w))
		return false;
	col = data + chunk_header_len(data);
#define NEXT_COLUMN(c) (column_read(col, end, w[c], n, vals), col += n * w[c])
	NEXT_COLUMN(COL_START);
	for (size_t i = 0; i < n; i++) {
		start += (uint64_t)unzigzag(vals[i]);
		out[i].start_ns = start;
	}
	NEXT_COLUMN(COL_PATH);
	for (size_t i = 0; i < n; i++)
		out[i].path_id = (uint32_t)vals[i];
	NEXT_COLUMN(COL_STATUS);
	for (size_t i = 0; i < n; i++)
		out[i].status = (uint16_t)vals[i];
	NEXT_COLUMN(COL_ERROR);
	for (size_t i = 0; i < n; i++)
		out[i].error = (uint8_t)vals[i];
	NEXT_COLUMN(COL_TOTAL);
	for (size_t i = 0; i < n; i++)
		out[i].total_us = (uint32_t)vals[i];
	NEXT_COLUMN(COL_TTFB);
	for (size_t i = 0; i < n; i++) {
		int64_t ttfb = (int64_t)out[i].total_us - unzigzag(vals[i]);

		if (ttfb < 0 || ttfb > UINT32_MAX)
			return false;
		out[i].ttfb_us = (uint32_t)ttfb;
	}
	NEXT_COLUMN(COL_PROXY);
	for (size_t i = 0; i < n; i++)
		out[i].proxy_us = (uint32_t)vals[i];
	NEXT_COLUMN(COL_REQ);
	for (size_t i = 0; i < n; i++)
		out[i].req_bytes = vals[i];
	NEXT_COLUMN(COL_RESP);
	for (size_t i = 0; i < n; i++)
		out[i].resp_bytes = vals[i];
	NEXT_COLUMN(COL_TEST);
	if (data[0] == CHUNK_FORMAT_TESTS) {
		const uint8_t *b = data + 3 + COLS;
		uint64_t base = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;

		for (size_t i = 0; i < n; i++) {
			uint64_t id = vals[i] ? vals[i] - 1 + base : 0;

			if (id > UINT32_MAX)
				return false;
			out[i].test_id = (uint32_t)id;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			out[i].test_id = 0;
	}
#undef NEXT_COLUMN
	return true;
}

/* The path ids of a chunk of n samples into vals; false if malformed. */
static bool chunk_paths(const uint8_t *data, size_t len, size_t n, uint64_t *vals)
{
	unsigned w[COLS];

	if (!chunk_layout(data, len, n, w))
		return false;
	column_read(data + chunk_header_len(data) + n * w[COL_START], data + len, w[COL_PATH], n, vals);
	return true;
}

/* Migration to v3: every run gets, for each path id its samples use, the
 * endpoint the v2 file holds for that path (what its reports showed). A
 * chunk that does not decode is left out here and still reported as
 * corrupt when its run is read. */
static int carry_endpoints(struct e2e_store *st)
{
	sqlite3_stmt *chunks = NULL, *map = NULL;
	uint64_t *vals = e2e_xmalloc(CHUNK_MAX * sizeof(*vals));
	int64_t *seen = NULL, run = 0, max_id = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(max(id), 0) FROM paths", -1, &chunks, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(chunks) != SQLITE_ROW) {
		rc = db_error(st, "cannot migrate the schema");
		goto out;
	}
	max_id = sqlite3_column_int64(chunks, 0);
	sqlite3_finalize(chunks);
	chunks = NULL;
	if (max_id < 0 || max_id > UINT32_MAX) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': path id %lld out of range", st->path, (long long)max_id);
		goto out;
	}
	/* seen[id]: the last run that mapped path id */
	seen = e2e_xcalloc((size_t)max_id + 1, sizeof(*seen));
	if (sqlite3_prepare_v2(st->db,
			       "SELECT c.run_id, c.n, c.data FROM chunks c JOIN runs r ON r.id = c.run_id"
			       " ORDER BY c.run_id, c.seq",
			       -1, &chunks, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db,
			       "INSERT OR IGNORE INTO run_paths (run_id, path_id, endpoint_id)"
			       " SELECT ?1, p.id, e.id FROM paths p JOIN endpoints e ON e.key = p.endpoint"
			       " WHERE p.id = ?2",
			       -1, &map, NULL) != SQLITE_OK) {
		rc = db_error(st, "cannot migrate the schema");
		goto out;
	}
	while (rc == 0 && (step = sqlite3_step(chunks)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(chunks, 1);
		const uint8_t *data = sqlite3_column_blob(chunks, 2);
		size_t bytes = (size_t)sqlite3_column_bytes(chunks, 2);

		run = sqlite3_column_int64(chunks, 0);
		if (run < 1 || n < 1 || n > CHUNK_MAX || !data || !chunk_paths(data, bytes, (size_t)n, vals))
			continue;
		for (int64_t i = 0; rc == 0 && i < n; i++) {
			if (vals[i] > (uint64_t)max_id || seen[vals[i]] == run)
				continue;
			seen[vals[i]] = run;
			sqlite3_bind_int64(map, 1, run);
			sqlite3_bind_int64(map, 2, (int64_t)vals[i]);
			rc = step_done(st, map, "cannot migrate the schema");
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_error(st, "cannot migrate the schema");
out:
	sqlite3_finalize(chunks);
	sqlite3_finalize(map);
	free(seen);
	free(vals);
	return rc;
}

static int next_seq(struct e2e_store *st, int64_t run_id, int64_t *seq)
{
	sqlite3_stmt *s;
	int rc = stmt(st, S_CHUNK_NEXT_SEQ, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		*seq = sqlite3_column_int64(s, 0);
	else
		rc = db_error(st, "cannot read sample chunks");
	sqlite3_reset(s);
	return rc;
}

static int chunk_insert(struct e2e_store *st, int64_t run_id, int64_t seq, size_t n, const uint8_t *data,
			size_t len)
{
	sqlite3_stmt *s;
	int rc = stmt(st, S_CHUNK_INSERT, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int64(s, 3, (int64_t)n);
	sqlite3_bind_blob(s, 4, data, (int)len, SQLITE_STATIC);
	return step_done(st, s, "cannot store samples");
}

/* Opens the write (see write_enter) of chunks after run_id's last. */
static int append_enter(struct e2e_store *st, int64_t run_id, bool *own, int64_t *seq)
{
	int rc = write_enter(st, own);

	if (rc == 0)
		rc = run_exists(st, run_id);
	if (rc == 0)
		rc = next_seq(st, run_id, seq);
	return rc;
}

int e2e_store_append(struct e2e_store *st, int64_t run_id, const struct e2e_sample *samples, size_t n)
{
	int64_t seq = 0;
	bool own;
	int rc;

	if (n == 0)
		return 0;
	rc = append_enter(st, run_id, &own, &seq);
	for (size_t at = 0; rc == 0 && at < n; at += CHUNK_MAX, seq++) {
		size_t k = n - at < CHUNK_MAX ? n - at : CHUNK_MAX;
		size_t len = chunk_encode(st, samples + at, k);

		rc = chunk_insert(st, run_id, seq, k, st->scratch, len);
	}
	return write_leave(st, own, rc);
}

int e2e_store_tests_add(struct e2e_store *st, int64_t run_id, const struct e2e_test_event *ev, size_t n)
{
	sqlite3_stmt *s;
	bool own;
	int rc;

	if (n == 0)
		return 0;
	rc = write_enter(st, &own);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool begin = ev[i].kind == E2E_TEST_EV_BEGIN;

		if (!begin && ev[i].kind != E2E_TEST_EV_END)
			continue;
		rc = stmt(st, begin ? S_TEST_BEGIN : S_TEST_END, &s);
		if (rc)
			break;
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int64(s, 2, ev[i].id);
		sqlite3_bind_text(s, 3, ev[i].text ? ev[i].text : "", (int)ev[i].text_len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, (int64_t)ev[i].at_ns);
		if (!begin)
			sqlite3_bind_int64(s, 5, (int64_t)ev[i].duration_ns);
		rc = step_done(st, s, "cannot store tests");
	}
	return write_leave(st, own, rc);
}

static int tests_junit_load(struct e2e_store *st, int64_t run_id, struct e2e_test *t, size_t n);

int e2e_store_tests_load(struct e2e_store *st, int64_t run_id, struct e2e_test **out, size_t *n)
{
	struct e2e_test *t = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc, step;

	if (st->version < 10) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	rc = stmt(st, S_TESTS_LOAD, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			t = e2e_xrealloc(t, cap * sizeof(*t));
		}
		t[len].id = (uint32_t)sqlite3_column_int64(s, 0);
		t[len].name = e2e_xstrdup(col_text(s, 1));
		t[len].status = e2e_xstrdup(col_text(s, 2));
		t[len].started_ns = (uint64_t)sqlite3_column_int64(s, 3);
		t[len].ended_ns = (uint64_t)sqlite3_column_int64(s, 4);
		t[len].duration_ns = (uint64_t)sqlite3_column_int64(s, 5);
		t[len].classname = NULL;
		t[len].junit_ns = 0;
		len++;
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, "cannot read tests");
	sqlite3_reset(s);
	if (rc == 0)
		rc = tests_junit_load(st, run_id, t, len);
	if (rc) {
		e2e_store_tests_free(t, len);
	} else {
		*out = t;
		*n = len;
	}
	return rc;
}

static int test_junit_row(struct e2e_store *st, int64_t run_id, const struct e2e_test *t)
{
	sqlite3_stmt *s;
	int rc = stmt(st, S_TEST_JUNIT, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, t->id);
	sqlite3_bind_text(s, 3, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, t->status ? t->status : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->classname ? t->classname : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (int64_t)t->junit_ns);
	return step_done(st, s, "cannot store JUnit results");
}

int e2e_store_tests_junit(struct e2e_store *st, int64_t run_id, const struct e2e_test *t, size_t n)
{
	bool own;
	int rc = write_enter(st, &own);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = test_junit_row(st, run_id, &t[i]);
	return write_leave(st, own, rc);
}

/* Adds v11's classname and junit_ns to the n tests t loaded in id order. */
static int tests_junit_load(struct e2e_store *st, int64_t run_id, struct e2e_test *t, size_t n)
{
	sqlite3_stmt *s;
	size_t i = 0;
	int rc, step;

	if (st->version < 11)
		return 0;
	rc = stmt(st, S_TESTS_JUNIT_LOAD, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW && i < n) {
		t[i].classname = e2e_xstrdup(col_text(s, 0));
		t[i].junit_ns = (uint64_t)sqlite3_column_int64(s, 1);
		i++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = db_error(st, "cannot read tests");
	sqlite3_reset(s);
	return rc;
}

void e2e_store_tests_free(struct e2e_test *tests, size_t n)
{
	for (size_t i = 0; tests && i < n; i++) {
		free(tests[i].name);
		free(tests[i].status);
		free(tests[i].classname);
	}
	free(tests);
}

static int corrupt_chunk(struct e2e_store *st, int64_t run_id, int64_t seq)
{
	return e2e_error(E2E_ERR_INPUT, "'%s': run %lld: corrupt sample chunk %lld", st->path,
			 (long long)run_id, (long long)seq);
}

/* Sizes the sample array; chunks with an impossible n are left out and
 * caught by the chunk loop. */
static int samples_total(struct e2e_store *st, int64_t run_id, size_t *total)
{
	sqlite3_stmt *s;
	int rc = stmt(st, S_CHUNK_TOTAL, &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_int64(s, 2, CHUNK_MAX);
	if (sqlite3_step(s) == SQLITE_ROW)
		*total = (size_t)sqlite3_column_int64(s, 0);
	else
		rc = db_error(st, "cannot read sample chunks");
	sqlite3_reset(s);
	return rc;
}

static int load_chunks(struct e2e_store *st, int64_t run_id, struct e2e_sample **out, size_t *out_n)
{
	struct e2e_sample *samples = NULL;
	uint64_t *vals;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s;
	int rc, step;

	rc = run_exists(st, run_id);
	if (rc == 0)
		rc = samples_total(st, run_id, &cap);
	if (rc == 0)
		rc = stmt(st, S_CHUNKS_LOAD, &s);
	if (rc)
		return rc;
	samples = e2e_xmalloc_big(cap * sizeof(*samples));
	vals = e2e_xmalloc(CHUNK_MAX * sizeof(*vals));
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0), n = sqlite3_column_int64(s, 1);
		const uint8_t *data = sqlite3_column_blob(s, 2);
		size_t bytes = (size_t)sqlite3_column_bytes(s, 2);

		if (n < 1 || n > CHUNK_MAX || (size_t)n > cap - len || !data ||
		    !chunk_decode(data, bytes, (size_t)n, samples + len, vals)) {
			rc = corrupt_chunk(st, run_id, seq);
			break;
		}
		len += (size_t)n;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_error(st, "cannot read sample chunks");
	sqlite3_reset(s);
	free(vals);
	if (rc) {
		free(samples);
		return rc;
	}
	*out = samples;
	*out_n = len;
	return 0;
}

int e2e_store_samples_load(struct e2e_store *st, int64_t run_id, struct e2e_sample **out, size_t *n)
{
	bool own;
	int rc = read_enter(st, &own);

	if (rc == 0)
		rc = load_chunks(st, run_id, out, n);
	return read_leave(st, own, rc);
}

/* ---- chunks as stored: the team store copies them without decoding ---- */

void e2e_store_chunks_free(struct e2e_store_chunks *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->storage);
	memset(c, 0, sizeof(*c));
}

static int load_raw_chunks(struct e2e_store *st, int64_t run_id, struct e2e_store_chunks *out)
{
	struct e2e_buf b = E2E_BUF_INIT;
	struct e2e_sample_chunk *v = NULL;
	size_t n = 0, cap = 0, total = 0, *at = NULL;
	sqlite3_stmt *s;
	unsigned w[COLS];
	int rc = run_exists(st, run_id), step;

	if (rc == 0)
		rc = stmt(st, S_CHUNKS_LOAD, &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0), k = sqlite3_column_int64(s, 1);
		const uint8_t *data = sqlite3_column_blob(s, 2);
		size_t bytes = (size_t)sqlite3_column_bytes(s, 2);

		if (k < 1 || k > CHUNK_MAX || !data || !chunk_layout(data, bytes, (size_t)k, w)) {
			rc = corrupt_chunk(st, run_id, seq);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = e2e_xrealloc(v, cap * sizeof(*v));
			at = e2e_xrealloc(at, cap * sizeof(*at));
		}
		at[n] = b.len;
		v[n++] = (struct e2e_sample_chunk){ NULL, bytes, (uint32_t)k };
		e2e_buf_add(&b, data, bytes);
		total += (size_t)k;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_error(st, "cannot read sample chunks");
	sqlite3_reset(s);
	if (rc == 0) {
		out->storage = (uint8_t *)e2e_buf_detach(&b, NULL);
		for (size_t i = 0; i < n; i++)
			v[i].data = out->storage + at[i];
		out->v = v;
		out->n = n;
		out->nsamples = total;
		v = NULL;
	}
	e2e_buf_finish(&b);
	free(v);
	free(at);
	return rc;
}

int e2e_store_chunks_load(struct e2e_store *st, int64_t run_id, struct e2e_store_chunks *out)
{
	bool own;
	int rc = read_enter(st, &own);

	memset(out, 0, sizeof(*out));
	if (rc == 0)
		rc = load_raw_chunks(st, run_id, out);
	return read_leave(st, own, rc);
}

int e2e_store_chunks_decode(const struct e2e_sample_chunk *c, size_t n, struct e2e_sample *out)
{
	uint64_t *vals = e2e_xmalloc(CHUNK_MAX * sizeof(*vals));
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; out += c[i].n, i++)
		if (c[i].n < 1 || c[i].n > CHUNK_MAX || !chunk_decode(c[i].data, c[i].len, c[i].n, out, vals))
			rc = e2e_error(E2E_ERR_INPUT, "sample chunk %zu of %zu: corrupt", i + 1, n);
	free(vals);
	return rc;
}

/* The chunk c with its path ids replaced by map[id] into st->scratch;
 * false if it is malformed or names a path outside the map. */
static bool chunk_remap(struct e2e_store *st, const struct e2e_sample_chunk *c, const uint32_t *map,
			size_t nmap, size_t *len)
{
	unsigned w[COLS], nw;
	uint64_t bits = 0;
	size_t head, start_len, rest;
	uint8_t *p;

	if (c->n < 1 || c->n > CHUNK_MAX || !chunk_layout(c->data, c->len, c->n, w))
		return false;
	scratch_ensure(st);
	column_read(c->data + chunk_header_len(c->data) + c->n * w[COL_START], c->data + c->len, w[COL_PATH],
		    c->n, st->columns);
	for (size_t i = 0; i < c->n; i++) {
		uint64_t id = st->columns[i];

		if (id >= nmap || (!map[id] && id))
			return false;
		st->columns[i] = map[id];
		bits |= map[id];
	}
	nw = width_of(bits);
	head = chunk_header_len(c->data);
	start_len = c->n * w[COL_START];
	rest = c->len - head - start_len - c->n * w[COL_PATH];
	memcpy(st->scratch, c->data, head + start_len);
	st->scratch[3 + COL_PATH] = (uint8_t)nw;
	p = st->scratch + head + start_len;
	for (size_t i = 0; nw && i < c->n; i++, p += nw) {
		uint64_t x = le64(st->columns[i]);

		memcpy(p, &x, 8);
	}
	memcpy(p, c->data + c->len - rest, rest);
	*len = (size_t)(p - st->scratch) + rest;
	return true;
}

int e2e_store_append_chunks(struct e2e_store *st, int64_t run_id, const struct e2e_sample_chunk *c, size_t n,
			    const uint32_t *map, size_t nmap)
{
	int64_t seq = 0;
	bool own;
	int rc = append_enter(st, run_id, &own, &seq);

	for (size_t i = 0; rc == 0 && i < n; i++, seq++) {
		size_t len;

		if (!chunk_remap(st, &c[i], map, nmap, &len))
			rc = e2e_error(E2E_ERR_INPUT, "run %lld: sample chunk %zu of %zu: corrupt",
				       (long long)run_id, i + 1, n);
		else
			rc = chunk_insert(st, run_id, seq, c[i].n, st->scratch, len);
	}
	return write_leave(st, own, rc);
}

/* ---- pruning ---- */

/* ids: the run's chunks, its path mappings, then the runs themselves (the
 * last one's count is the number of runs removed). */
/* ids: the per-run tables' deletes, then the runs' own last (its count
 * is the number removed); PRUNE_STEPS of them. */
#define PRUNE_STEPS 5
static int prune(struct e2e_store *st, const enum stmt_id ids[PRUNE_STEPS], const char *service, int64_t arg,
		 size_t *removed)
{
	size_t count = 0;
	sqlite3_stmt *s;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = probe_open(st);
	for (int i = 0; rc == 0 && i < PRUNE_STEPS; i++) {
		rc = stmt(st, ids[i], &s);
		if (rc)
			break;
		bind_service(s, 1, service);
		sqlite3_bind_int64(s, 2, arg);
		rc = step_done(st, s, "cannot prune runs");
		count = (size_t)sqlite3_changes(st->db);
	}
	/* A routes file no run refers to any more goes with its last run. */
	if (rc == 0 && count > 0)
		rc = run_simple(st, S_PRUNE_ROUTES, "cannot prune runs");
	/* Give the freed pages back to the file system (auto_vacuum). */
	if (rc == 0 && count > 0)
		rc = run_simple(st, S_INCREMENTAL_VACUUM, "cannot free space");
	probe_close(st);
	rc = write_leave(st, own, rc);
	if (rc == 0)
		*removed = count;
	return rc;
}

int e2e_store_prune_keep(struct e2e_store *st, const char *service, size_t keep, size_t *removed)
{
	int64_t k = keep > INT64_MAX ? INT64_MAX : (int64_t)keep;

	static const enum stmt_id ids[PRUNE_STEPS] = { S_PRUNE_KEEP_CHUNKS, S_PRUNE_KEEP_TESTS,
						       S_PRUNE_KEEP_RUN_PATHS, S_PRUNE_KEEP_NOTES,
						       S_PRUNE_KEEP_RUNS };

	return prune(st, ids, service, k, removed);
}

int e2e_store_prune_older(struct e2e_store *st, const char *service, int64_t before_ms, size_t *removed)
{
	static const enum stmt_id ids[PRUNE_STEPS] = { S_PRUNE_OLDER_CHUNKS, S_PRUNE_OLDER_TESTS,
						       S_PRUNE_OLDER_RUN_PATHS, S_PRUNE_OLDER_NOTES,
						       S_PRUNE_OLDER_RUNS };

	return prune(st, ids, service, before_ms, removed);
}

/* ---- resources (SPEC section 12): uncached statements, one per call ---- */

static int res_prepare(struct e2e_store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
		return db_error(st, "cannot prepare statement");
	return 0;
}

int e2e_store_resources_save(struct e2e_store *st, int64_t run_id, const struct e2e_res_sample *r, size_t n,
			     const struct e2e_res_info *info)
{
	sqlite3_stmt *s = NULL;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = run_exists(st, run_id);
	if (rc == 0)
		rc = res_prepare(st,
				 "INSERT OR REPLACE INTO run_resources (run_id, source, have, hz, errors,"
				 " peak_rss_bytes, sampler_cpu_ns, serve_log, serve_end)"
				 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_text(s, 2, info->source ? info->source : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, info->have);
		sqlite3_bind_int64(s, 4, info->hz);
		sqlite3_bind_int64(s, 5, (int64_t)info->errors);
		sqlite3_bind_int64(s, 6, (int64_t)info->peak_rss_bytes);
		sqlite3_bind_int64(s, 7, (int64_t)info->sampler_cpu_ns);
		sqlite3_bind_text(s, 8, info->serve_log ? info->serve_log : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, info->serve_end ? info->serve_end : "", -1, SQLITE_STATIC);
		rc = step_done(st, s, "cannot store resources");
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc == 0)
		rc = res_prepare(
			st,
			"INSERT OR REPLACE INTO resource_samples (run_id, t_ns, cpu_user_ns, cpu_sys_ns,"
			" rss_bytes, threads, fds, procs, ctx_vol, ctx_invol, runq_wait_ns)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&s);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_bind_int64(s, 1, run_id);
		sqlite3_bind_int64(s, 2, (int64_t)r[i].t_ns);
		sqlite3_bind_int64(s, 3, (int64_t)r[i].cpu_user_ns);
		sqlite3_bind_int64(s, 4, (int64_t)r[i].cpu_sys_ns);
		sqlite3_bind_int64(s, 5, (int64_t)r[i].rss_bytes);
		sqlite3_bind_int64(s, 6, r[i].threads);
		sqlite3_bind_int64(s, 7, r[i].fds);
		sqlite3_bind_int64(s, 8, r[i].procs);
		sqlite3_bind_int64(s, 9, (int64_t)r[i].ctx_vol);
		sqlite3_bind_int64(s, 10, (int64_t)r[i].ctx_invol);
		sqlite3_bind_int64(s, 11, (int64_t)r[i].runq_wait_ns);
		rc = step_done(st, s, "cannot store resource samples");
	}
	sqlite3_finalize(s);
	return write_leave(st, own, rc);
}

static char *column_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return e2e_xstrdup(t ? (const char *)t : "");
}

int e2e_store_resources_load(struct e2e_store *st, int64_t run_id, struct e2e_res_sample **out, size_t *n,
			     struct e2e_res_info *info)
{
	struct e2e_res_sample *r = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	int rc, step;

	memset(info, 0, sizeof(*info));
	*out = NULL;
	*n = 0;
	if (st->version < 6)
		return 0; /* an older file read as it is: no resources */
	rc = res_prepare(st,
			 "SELECT source, have, hz, errors, peak_rss_bytes, sampler_cpu_ns, serve_log,"
			 " serve_end FROM run_resources WHERE run_id = ?",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		info->source = column_text(s, 0);
		info->have = (unsigned)sqlite3_column_int64(s, 1);
		info->hz = (unsigned)sqlite3_column_int64(s, 2);
		info->errors = (uint64_t)sqlite3_column_int64(s, 3);
		info->peak_rss_bytes = (uint64_t)sqlite3_column_int64(s, 4);
		info->sampler_cpu_ns = (uint64_t)sqlite3_column_int64(s, 5);
		info->serve_log = column_text(s, 6);
		info->serve_end = column_text(s, 7);
	} else if (step != SQLITE_DONE) {
		rc = db_error(st, "cannot read resources");
	}
	sqlite3_finalize(s);
	if (rc || step != SQLITE_ROW)
		return rc;
	rc = res_prepare(st,
			 "SELECT t_ns, cpu_user_ns, cpu_sys_ns, rss_bytes, threads, fds, procs, ctx_vol,"
			 " ctx_invol, runq_wait_ns FROM resource_samples WHERE run_id = ? ORDER BY t_ns",
			 &s);
	if (rc) {
		e2e_res_info_finish(info);
		return rc;
	}
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			r = e2e_xrealloc(r, cap * sizeof(*r));
		}
		r[len].t_ns = (uint64_t)sqlite3_column_int64(s, 0);
		r[len].cpu_user_ns = (uint64_t)sqlite3_column_int64(s, 1);
		r[len].cpu_sys_ns = (uint64_t)sqlite3_column_int64(s, 2);
		r[len].rss_bytes = (uint64_t)sqlite3_column_int64(s, 3);
		r[len].threads = (uint32_t)sqlite3_column_int64(s, 4);
		r[len].fds = (uint32_t)sqlite3_column_int64(s, 5);
		r[len].procs = (uint32_t)sqlite3_column_int64(s, 6);
		r[len].ctx_vol = (uint64_t)sqlite3_column_int64(s, 7);
		r[len].ctx_invol = (uint64_t)sqlite3_column_int64(s, 8);
		r[len].runq_wait_ns = (uint64_t)sqlite3_column_int64(s, 9);
		len++;
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, "cannot read resource samples");
	sqlite3_finalize(s);
	if (rc) {
		free(r);
		e2e_res_info_finish(info);
		return rc;
	}
	*out = r;
	*n = len;
	return 0;
}

int e2e_store_resources_serve_end(struct e2e_store *st, int64_t run_id, const char *how)
{
	sqlite3_stmt *s = NULL;
	int rc = res_prepare(st, "UPDATE run_resources SET serve_end = ?2 WHERE run_id = ?1", &s);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	sqlite3_bind_text(s, 2, how, -1, SQLITE_STATIC);
	rc = step_done(st, s, "cannot store how the service ended");
	sqlite3_finalize(s);
	return rc;
}

/* ---- the gate's verdicts (v13) ---- */

static void bind_real(sqlite3_stmt *s, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_double(s, i, v);
}

static double col_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

int e2e_store_verdicts_save(struct e2e_store *st, int64_t run_id, const struct e2e_run_verdict *v, size_t n)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = run_exists(st, run_id);
	if (rc == 0)
		rc = res_prepare(st, "DELETE FROM run_verdicts WHERE run_id = ?", &del);
	if (rc == 0) {
		sqlite3_bind_int64(del, 1, run_id);
		rc = step_done(st, del, "cannot store the verdicts");
	}
	if (rc == 0)
		rc = res_prepare(st,
				 "INSERT INTO run_verdicts (run_id, endpoint, metric, verdict, severity,"
				 " baseline, current, change_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				 &ins);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, run_id);
		sqlite3_bind_text(ins, 2, v[i].endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, v[i].metric, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, v[i].verdict, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, v[i].severity ? v[i].severity : "", -1, SQLITE_STATIC);
		bind_real(ins, 6, v[i].baseline);
		bind_real(ins, 7, v[i].current);
		bind_real(ins, 8, v[i].change_pct);
		rc = step_done(st, ins, "cannot store the verdicts");
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return write_leave(st, own, rc);
}

int e2e_store_verdicts_load(struct e2e_store *st, int64_t run_id, struct e2e_run_verdict **out, size_t *n)
{
	struct e2e_run_verdict *v = NULL;
	size_t len = 0, cap = 0;
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	if (st->version < 13) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	rc = res_prepare(st,
			 "SELECT endpoint, metric, verdict, severity, baseline, current, change_pct"
			 " FROM run_verdicts WHERE run_id = ? ORDER BY endpoint, metric",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			v = e2e_xrealloc(v, cap * sizeof(*v));
		}
		v[len] = (struct e2e_run_verdict){ .endpoint = e2e_xstrdup(col_text(s, 0)),
						   .metric = e2e_xstrdup(col_text(s, 1)),
						   .verdict = e2e_xstrdup(col_text(s, 2)),
						   .severity = e2e_xstrdup(col_text(s, 3)),
						   .baseline = col_real(s, 4),
						   .current = col_real(s, 5),
						   .change_pct = col_real(s, 6) };
		len++;
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, "cannot read the verdicts");
	sqlite3_finalize(s);
	if (rc) {
		e2e_store_verdicts_free(v, len);
		return rc;
	}
	*out = v;
	*n = len;
	return 0;
}

void e2e_store_verdicts_free(struct e2e_run_verdict *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].endpoint);
		free(v[i].metric);
		free(v[i].verdict);
		free(v[i].severity);
	}
	free(v);
}

/* ---- a run's CPU profile (SPEC section 12): uncached statements ---- */

int e2e_store_cpu_profile_save(struct e2e_store *st, const struct e2e_cpu_profile *p)
{
	sqlite3_stmt *s = NULL;
	bool own;
	int rc = write_enter(st, &own);

	if (rc == 0)
		rc = run_exists(st, p->run_id);
	if (rc == 0)
		rc = res_prepare(st, "DELETE FROM run_cpu WHERE run_id = ?", &s);
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, p->run_id);
		rc = step_done(st, s, "cannot store the CPU profile");
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc == 0)
		rc = res_prepare(
			st,
			"INSERT INTO run_cpu (run_id, kind, rank, label, endpoint, path, base_share, share)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			&s);
	for (size_t i = 0; rc == 0 && i < p->nfiles + p->ngrown; i++) {
		bool file = i < p->nfiles;
		size_t k = file ? i : i - p->nfiles;

		sqlite3_bind_int64(s, 1, p->run_id);
		bind_text(s, 2, file ? "file" : "grown");
		sqlite3_bind_int64(s, 3, (int64_t)k);
		bind_text(s, 4, file ? p->files[k].kind : p->grown[k].frame);
		bind_text(s, 5, file ? p->files[k].endpoint : "");
		bind_text(s, 6, file ? p->files[k].path : "");
		sqlite3_bind_double(s, 7, file ? 0 : p->grown[k].base_share);
		sqlite3_bind_double(s, 8, file ? 0 : p->grown[k].share);
		rc = step_done(st, s, "cannot store the CPU profile");
	}
	sqlite3_finalize(s);
	return write_leave(st, own, rc);
}

int e2e_store_cpu_profile_load(struct e2e_store *st, int64_t run_id, struct e2e_cpu_profile **out)
{
	struct e2e_cpu_profile *p = NULL;
	sqlite3_stmt *s = NULL;
	int rc, step;

	*out = NULL;
	rc = run_exists(st, run_id);
	if (rc || st->version < 14) /* before v14 a run kept no CPU profile */
		return rc;
	rc = res_prepare(st,
			 "SELECT kind, label, endpoint, path, base_share, share FROM run_cpu"
			 " WHERE run_id = ? ORDER BY kind, rank",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = col_text(s, 0);

		if (!p)
			p = e2e_cpu_profile_create(run_id);
		if (strcmp(kind, "file") == 0)
			e2e_cpu_profile_add_file(p, col_text(s, 1), col_text(s, 2), col_text(s, 3));
		else if (strcmp(kind, "grown") == 0)
			e2e_cpu_profile_add_grown(p, col_text(s, 1), sqlite3_column_double(s, 4),
						  sqlite3_column_double(s, 5));
	}
	if (step != SQLITE_DONE) {
		rc = db_error(st, "cannot read the CPU profile");
		e2e_cpu_profile_destroy(p);
	} else {
		*out = p;
	}
	sqlite3_finalize(s);
	return rc;
}
