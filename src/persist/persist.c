/*
 * persist: the writer thread (see persist.h). One connection, opened and used by the
 * writer alone; every write is a short transaction. State the loop reads (stats, the
 * rollup edges, the generation) is published under a mutex held for a copy, or in
 * atomics, so the loop never waits on SQLite.
 *
 * Failure policy, in one place (fail()): whatever SQLite or the file system refused, the
 * connection is closed and reopened after a back-off, so a fault that clears (space freed,
 * permissions fixed, a lock released, a file replaced) is recovered from the same way.
 */
#include "persist/persist.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agents/agents.h"
#include "alert/engine.h"
#include "alert/state.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "persist/queue.h"
#include "persist/rollup.h"
#include "persist/schema.h"
#include "store/store.h"

#define PATH_MAX_LEN     1024
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS   30000
#define PERIODS_PER_TICK 120 /* catch-up after an outage spreads over ticks */
#define COARSE_PER_TICK  4
#define RETENTION_ROWS   1000 /* rows one retention step may delete */
#define RETENTION_EVERY  60000
#define VACUUM_EVERY     60000
#define VACUUM_PAGES     256
#define BUSY_TIMEOUT_MS  200
#define WAL_LIMIT_BYTES  (4 << 20)

enum stmt {
    ST_SERIES_INS,
    ST_SERIES_GET,
    ST_ROLLUP,
    ST_COARSE,
    ST_META,
    ST_EVENT,
    ST_CALL,
    ST_TASK,
    ST_ASTATE,
    ST_AEVENT,
    ST_N
};

static const char *const stmt_sql[ST_N] = {
    [ST_SERIES_INS] = "INSERT OR IGNORE INTO series(name, unit) VALUES(?1, ?2)",
    [ST_SERIES_GET] = "SELECT id FROM series WHERE name = ?1",
    /* a period written twice (before and after a restart within it) holds both halves */
    [ST_ROLLUP] = "INSERT INTO rollups(series, ts, min, avg, max, n) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
                  " ON CONFLICT(series, ts) DO UPDATE SET min = min(min, excluded.min),"
                  " max = max(max, excluded.max),"
                  " avg = (avg * n + excluded.avg * excluded.n) / (n + excluded.n),"
                  " n = n + excluded.n",
    /* series by series through the primary key (the join's inner loop), never a scan */
    [ST_COARSE] = "INSERT OR REPLACE INTO rollups_coarse(series, ts, min, avg, max, n)"
                  " SELECT r.series, ?1, min(r.min), sum(r.avg * r.n) / sum(r.n), max(r.max),"
                  " sum(r.n) FROM series s JOIN rollups r ON r.series = s.id AND r.ts >= ?1"
                  " AND r.ts < ?2 GROUP BY r.series",
    [ST_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
    [ST_EVENT] = "INSERT INTO events(seq, ts, level, source, message, context)"
                 " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_CALL] = "INSERT INTO model_calls(ts, provider, model, session_id, latency_ms, failed,"
                " input_tokens, output_tokens, error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_TASK] = "INSERT INTO tasks(ts, task_id, project, status, duration_ms)"
                " VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_ASTATE] = "INSERT OR REPLACE INTO alert_state(rule, series, state, flapping, has_value,"
                  " value, active_since_ms, fired_at_ms, resolved_at_ms, changed_at_ms, starts,"
                  " n_starts, notified, notified_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                  " ?10, ?11, ?12, ?13, ?14)",
    [ST_AEVENT] = "INSERT INTO alert_events(at_ms, rule, series, severity, state, value,"
                  " fired_at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

struct persist {
    struct persist_opts o;
    char dir[PATH_MAX_LEN];
    char path[PATH_MAX_LEN];
    const struct store *store;
    struct pqueue q;

    /* the writer's own */
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    int64_t *dbid; /* per store series id: its id in the database, 0 unknown */
    struct sample *scratch;
    size_t scratch_n;
    struct retention ret;
    int64_t next_ms;        /* the first period not rolled up yet */
    int64_t coarse_next_ms; /* the first coarse period not written yet */
    bool next_set;
    int64_t retry_at_ms, backoff_ms;
    int64_t retention_at_ms, vacuum_at_ms;
    bool corrupt; /* the last failure said the file is corrupt: move it aside */
    struct log_latch latch;

    pthread_t thread;
    bool started;

    /* shared */
    pthread_mutex_t lock; /* guards st_pub and opened */
    pthread_cond_t opened_cond;
    bool tried; /* the first open was tried */
    struct persist_stats pub;
    _Atomic int64_t rollup_end, coarse_end;
    _Atomic unsigned generation;
};

const char *persist_state_name(enum persist_state s)
{
    static const char *const names[] = {"starting", "ok", "error"};
    return (unsigned)s < 3 ? names[s] : "?";
}

const char *persist_kind_name(enum persist_kind k)
{
    static const char *const names[PK_NKINDS] = {
        "rollup", "coarse_rollup", "event", "model_call", "task", "alert_state", "alert_event"};
    return (unsigned)k < PK_NKINDS ? names[k] : "?";
}

/* --- set-up ---------------------------------------------------------------------------- */

struct persist *persist_new(const struct persist_opts *o, const struct store *store)
{
    if (!o->data_dir || !o->data_dir[0] || o->rollup_ms < 1000 || o->rollup_ms % 1000 ||
        (o->coarse_ms && o->coarse_ms % o->rollup_ms) || o->max_series == 0)
        return NULL;
    for (int k = 0; k < RETAIN_NKINDS; k++)
        if (o->keep_ms[k] <= 0)
            return NULL;
    struct persist *p = vigil_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->o = *o;
    if (!p->o.flush_ms)
        p->o.flush_ms = 1000;
    int n = snprintf(p->dir, sizeof p->dir, "%s", o->data_dir);
    int m = snprintf(p->path, sizeof p->path, "%s/%s", o->data_dir, PERSIST_DB_NAME);
    p->o.data_dir = p->dir;
    p->store = store;
    /* the samples of one period: enough for a series sampled every 100 ms */
    p->scratch_n = (size_t)(o->rollup_ms / 100) + 16;
    if (p->scratch_n > 86400)
        p->scratch_n = 86400;
    p->scratch = vigil_calloc(p->scratch_n, sizeof *p->scratch);
    p->dbid = vigil_calloc(o->max_series, sizeof *p->dbid);
    if (n < 0 || (size_t)n >= sizeof p->dir || m < 0 || (size_t)m >= sizeof p->path ||
        !p->scratch || !p->dbid ||
        pq_init(&p->q, o->queue_records ? o->queue_records : 65536,
                o->queue_bytes ? o->queue_bytes : (64u << 20), 4096)) {
        free(p->scratch);
        free(p->dbid);
        free(p);
        return NULL;
    }
    memcpy(p->ret.keep_ms, o->keep_ms, sizeof p->ret.keep_ms);
    p->backoff_ms = BACKOFF_FIRST_MS;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->opened_cond, NULL);
    p->pub.state = PERSIST_STARTING;
    atomic_init(&p->rollup_end, 0);
    atomic_init(&p->coarse_end, 0);
    atomic_init(&p->generation, 0);
    return p;
}

const char *persist_path(const struct persist *p)
{
    return p->path;
}

unsigned persist_generation(const struct persist *p)
{
    return atomic_load(&((struct persist *)p)->generation);
}

int64_t persist_rollup_end(const struct persist *p)
{
    return atomic_load(&((struct persist *)p)->rollup_end);
}

int64_t persist_coarse_end(const struct persist *p)
{
    return atomic_load(&((struct persist *)p)->coarse_end);
}

int64_t persist_rollup_ms(const struct persist *p)
{
    return p->o.rollup_ms;
}

int64_t persist_coarse_ms(const struct persist *p)
{
    return p->o.coarse_ms;
}

/* --- state and errors ------------------------------------------------------------------- */

static void set_state(struct persist *p, enum persist_state s, const char *error, int64_t now)
{
    pthread_mutex_lock(&p->lock);
    if (p->pub.state != s || strcmp(p->pub.error, error) != 0)
        p->pub.since_ms = now;
    p->pub.state = s;
    snprintf(p->pub.error, sizeof p->pub.error, "%s", error);
    if (s == PERSIST_ERROR)
        p->pub.failures++;
    if (!p->tried) {
        p->tried = true;
        pthread_cond_broadcast(&p->opened_cond);
    }
    pthread_mutex_unlock(&p->lock);
}

static void close_db(struct persist *p)
{
    for (int i = 0; i < ST_N; i++) {
        sqlite3_finalize(p->st[i]);
        p->st[i] = NULL;
    }
    if (p->db)
        sqlite3_close_v2(p->db);
    p->db = NULL;
}

/* Describes what SQLite refused, with the system's reason when there is one. */
static void describe(sqlite3 *db, int rc, const char *what, char *out, size_t n)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int sys = db ? sqlite3_system_errno(db) : 0;
    if (sys && (rc & 0xff) != SQLITE_FULL && (rc & 0xff) != SQLITE_BUSY)
        snprintf(out, n, "cannot %s %s: %s (%s)", what, PERSIST_DB_NAME, msg, strerror(sys));
    else
        snprintf(out, n, "cannot %s %s: %s", what, PERSIST_DB_NAME, msg);
}

/* Closes the database and schedules the next attempt. Always returns false. */
static bool fail_text(struct persist *p, const char *text, int64_t now)
{
    close_db(p);
    p->retry_at_ms = now + p->backoff_ms;
    p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
    if (log_latch_set(&p->latch, LOG_ERROR, "history", text))
        log_info("history", "history keeps being served from memory; retrying");
    set_state(p, PERSIST_ERROR, text, now);
    return false;
}

static bool fail(struct persist *p, int rc, const char *what, int64_t now)
{
    char text[PERSIST_ERR_MAX];
    describe(p->db, rc, what, text, sizeof text);
    int prim = rc & 0xff;
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        p->corrupt = true;
    if (p->db && sqlite3_get_autocommit(p->db) == 0)
        sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
    return fail_text(p, text, now);
}

/* --- opening ---------------------------------------------------------------------------- */

/* mkdir -p, each directory made with mode 0700. */
static int make_dirs(const char *dir)
{
    char tmp[PATH_MAX_LEN];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *s = tmp + 1;; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return errno;
        if (end)
            break;
        *s = '/';
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return errno;
    return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

/* Moves a corrupt database and its WAL aside, so a new one can start and the old one can
 * still be looked at. */
static void move_aside(struct persist *p, int64_t now)
{
    char to[PATH_MAX_LEN + 64], from[PATH_MAX_LEN + 8];
    long long t = (long long)(now / 1000);
    snprintf(to, sizeof to, "%s.corrupt-%lld", p->path, t);
    if (rename(p->path, to) != 0 && errno != ENOENT) {
        log_error("history", "cannot move the corrupt '%s' aside: %s", p->path, strerror(errno));
        return;
    }
    snprintf(from, sizeof from, "%s-wal", p->path);
    snprintf(to, sizeof to, "%s.corrupt-%lld-wal", p->path, t);
    (void)rename(from, to);
    snprintf(from, sizeof from, "%s-shm", p->path);
    (void)unlink(from);
    log_error("history", "'%s' was corrupt: moved to '%s.corrupt-%lld'; starting a new one",
              p->path, p->path, t);
}

static int exec_text(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, n, "%s", t ? (const char *)t : "");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int64_t meta_get(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Opens, checks and migrates; 0, or an SQLite code with the message left for fail(). A
 * schema refused (newer, not ours) comes back as SQLITE_ERROR with *why set. */
static int open_checked(struct persist *p, char *why, size_t n)
{
    int rc = sqlite3_open_v2(
        p->path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_extended_result_codes(p->db, 1);
    if (sqlite3_db_readonly(p->db, "main") == 1) {
        snprintf(why, n, "cannot write %s: the file or its directory is read-only",
                 PERSIST_DB_NAME);
        return SQLITE_READONLY;
    }
    sqlite3_busy_timeout(p->db, BUSY_TIMEOUT_MS);
    char mode[16] = "", check[64] = "";
    /* auto_vacuum takes effect only in a new database, before its first table */
    rc = sqlite3_exec(p->db, "PRAGMA auto_vacuum=INCREMENTAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = exec_text(p->db, "PRAGMA journal_mode=WAL", mode, sizeof mode);
    if (rc == SQLITE_OK && strcmp(mode, "wal") != 0) {
        snprintf(why, n, "cannot use WAL mode for %s (journal mode '%s')", PERSIST_DB_NAME, mode);
        return SQLITE_CANTOPEN;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(p->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%d", WAL_LIMIT_BYTES);
        rc = sqlite3_exec(p->db, sql, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = exec_text(p->db, "PRAGMA quick_check(1)", check, sizeof check);
    if (rc == SQLITE_OK && strcmp(check, "ok") != 0) {
        p->corrupt = true;
        snprintf(why, n, "%s is corrupt (%s)", PERSIST_DB_NAME, check);
        return SQLITE_CORRUPT;
    }
    if (rc != SQLITE_OK)
        return rc;
    int src = SQLITE_OK;
    int mrc = schema_migrate(p->db, SCHEMA_VERSION, &src, why, n);
    if (mrc == -VIGIL_ERANGE || mrc == -VIGIL_EINVAL)
        return SQLITE_ERROR;
    if (mrc < 0)
        return src != SQLITE_OK ? src : SQLITE_ERROR;
    for (int i = 0; i < ST_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(p->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &p->st[i], NULL);
    return rc;
}

/* After an open: where rollups stand, and where this process starts rolling up. */
static void open_positions(struct persist *p, int64_t now)
{
    int64_t rollup_end = meta_get(p->db, "rollup_end");
    int64_t coarse_end = meta_get(p->db, "coarse_end");
    if (!p->next_set) {
        /* the rings start empty: nothing before this period is in memory */
        p->next_ms = rollup_floor(now, p->o.rollup_ms);
        p->next_set = true;
    } else if (rollup_end < p->next_ms) {
        rollup_end = p->next_ms; /* reopened after a fault: carry on */
    }
    atomic_store(&p->rollup_end, rollup_end);
    if (p->o.coarse_ms) {
        int64_t oldest = rollup_floor(now - p->o.keep_ms[RETAIN_ROLLUPS], p->o.coarse_ms);
        int64_t c =
            coarse_end ? coarse_end : rollup_floor(rollup_end ? rollup_end : now, p->o.coarse_ms);
        p->coarse_next_ms = c > oldest ? c : oldest;
        atomic_store(&p->coarse_end, coarse_end ? coarse_end : p->coarse_next_ms);
    }
}

static bool try_open(struct persist *p, int64_t now)
{
    if (now < p->retry_at_ms)
        return false;
    int err = make_dirs(p->dir);
    if (err) {
        char text[PERSIST_ERR_MAX];
        snprintf(text, sizeof text, "cannot create the data directory: %s", strerror(err));
        return fail_text(p, text, now);
    }
    char why[PERSIST_ERR_MAX] = "";
    if (p->corrupt) {
        move_aside(p, now);
        p->corrupt = false;
    }
    int rc = open_checked(p, why, sizeof why);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        p->corrupt = true;
    if (rc != SQLITE_OK && p->corrupt) {
        /* once: a new database in its place */
        close_db(p);
        move_aside(p, now);
        p->corrupt = false;
        why[0] = '\0';
        rc = open_checked(p, why, sizeof why);
    }
    if (rc != SQLITE_OK) {
        if (why[0])
            return fail_text(p, why, now);
        return fail(p, rc, "open", now);
    }
    memset(p->dbid, 0, p->o.max_series * sizeof *p->dbid);
    open_positions(p, now);
    atomic_fetch_add(&p->generation, 1);
    p->backoff_ms = BACKOFF_FIRST_MS;
    if (!log_latch_clear(&p->latch, "history", "writing history again"))
        log_info("history", "history in '%s' (rollups every %llds)", p->path,
                 (long long)(p->o.rollup_ms / 1000));
    set_state(p, PERSIST_OK, "", now);
    return true;
}

bool persist_wait_open(struct persist *p, int64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (timeout_ms % 1000) * 1000000;
    ts.tv_sec += timeout_ms / 1000 + ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    pthread_mutex_lock(&p->lock);
    int rc = 0;
    while (!p->tried && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&p->opened_cond, &p->lock, &ts);
    bool ok = p->pub.state == PERSIST_OK;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

/* --- writing ---------------------------------------------------------------------------- */

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0])
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int meta_set(struct persist *p, const char *key, int64_t v)
{
    sqlite3_stmt *st = p->st[ST_META];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    return step_reset(st);
}

static int write_alert_state(struct persist *p, const struct alert_instance *in)
{
    sqlite3_stmt *st = p->st[ST_ASTATE];
    sqlite3_bind_text(st, 1, in->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, in->series, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)in->state);
    sqlite3_bind_int(st, 4, in->flapping);
    sqlite3_bind_int(st, 5, in->has_value);
    sqlite3_bind_double(st, 6, in->value);
    sqlite3_bind_int64(st, 7, in->active_since_ms);
    sqlite3_bind_int64(st, 8, in->fired_at_ms);
    sqlite3_bind_int64(st, 9, in->resolved_at_ms);
    sqlite3_bind_int64(st, 10, in->changed_at_ms);
    /* the arrays as the machine's own int64s: written and read by this same build */
    sqlite3_bind_blob(st, 11, in->starts, sizeof in->starts, SQLITE_STATIC);
    sqlite3_bind_int(st, 12, (int)in->n_starts);
    sqlite3_bind_int(st, 13, (int)in->notified);
    sqlite3_bind_blob(st, 14, in->notified_at_ms, sizeof in->notified_at_ms, SQLITE_STATIC);
    return step_reset(st);
}

static int write_alert_event(struct persist *p, const struct alert_event *ev)
{
    sqlite3_stmt *st = p->st[ST_AEVENT];
    sqlite3_bind_int64(st, 1, ev->at_ms);
    sqlite3_bind_text(st, 2, ev->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->series, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)ev->severity);
    sqlite3_bind_int(st, 5, (int)ev->state);
    if (ev->has_value)
        sqlite3_bind_double(st, 6, ev->value);
    sqlite3_bind_int64(st, 7, ev->fired_at_ms);
    return step_reset(st);
}

static int write_item(struct persist *p, const struct pq_item *it)
{
    sqlite3_stmt *st;
    switch (it->kind) {
    case PK_EVENT:
        st = p->st[ST_EVENT];
        sqlite3_bind_int64(st, 1, it->n[0]);
        sqlite3_bind_int64(st, 2, it->n[1]);
        sqlite3_bind_int64(st, 3, it->n[2]);
        for (int i = 0; i < 3; i++)
            sqlite3_bind_text(st, 4 + i, it->s[i], -1, SQLITE_STATIC);
        return step_reset(st);
    case PK_MODEL_CALL:
        st = p->st[ST_CALL];
        sqlite3_bind_int64(st, 1, it->n[0]);
        for (int i = 0; i < 3; i++)
            sqlite3_bind_text(st, 2 + i, it->s[i], -1, SQLITE_STATIC);
        if (it->n[4])
            sqlite3_bind_double(st, 5, it->d[0]);
        sqlite3_bind_int64(st, 6, it->n[1]);
        sqlite3_bind_int64(st, 7, it->n[2]);
        sqlite3_bind_int64(st, 8, it->n[3]);
        sqlite3_bind_text(st, 9, it->s[3], -1, SQLITE_STATIC);
        return step_reset(st);
    case PK_TASK:
        st = p->st[ST_TASK];
        sqlite3_bind_int64(st, 1, it->n[0]);
        bind_text_or_null(st, 2, it->s[0]);
        bind_text_or_null(st, 3, it->s[1]);
        sqlite3_bind_int64(st, 4, it->n[1]);
        if (it->n[2])
            sqlite3_bind_double(st, 5, it->d[0]);
        return step_reset(st);
    case PK_ALERT_STATE:
        return write_alert_state(p, it->blob);
    case PK_ALERT_EVENT:
        return write_alert_event(p, it->blob);
    default:
        return SQLITE_OK;
    }
}

static void count_commit(struct persist *p, int64_t now, const uint64_t *added)
{
    pthread_mutex_lock(&p->lock);
    p->pub.commits++;
    p->pub.last_write_ms = now;
    for (int k = 0; k < PK_NKINDS; k++)
        p->pub.written[k] += added[k];
    pthread_mutex_unlock(&p->lock);
}

/* Everything queued, in one transaction; put back on failure. */
static bool write_queue(struct persist *p, int64_t now)
{
    size_t n;
    struct pq_item *list = pq_take(&p->q, &n);
    if (!list)
        return true;
    uint64_t added[PK_NKINDS] = {0};
    int rc = sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (struct pq_item *it = list; it && rc == SQLITE_OK; it = it->next) {
        rc = write_item(p, it);
        if (it->kind < PK_NKINDS)
            added[it->kind]++;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        pq_put_back(&p->q, list);
        return fail(p, rc, "write", now);
    }
    pq_item_free_list(list);
    count_commit(p, now, added);
    return true;
}

/* The database id of store series id, registering its name on first use. */
static int series_id(struct persist *p, int id, int64_t *out)
{
    if ((size_t)id >= p->o.max_series)
        return SQLITE_RANGE;
    if (p->dbid[id]) {
        *out = p->dbid[id];
        return SQLITE_OK;
    }
    const char *name = store_name(p->store, id), *unit = store_unit(p->store, id);
    sqlite3_stmt *ins = p->st[ST_SERIES_INS], *get = p->st[ST_SERIES_GET];
    sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, unit ? unit : "", -1, SQLITE_STATIC);
    int rc = step_reset(ins);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(get);
    if (rc == SQLITE_ROW)
        p->dbid[id] = *out = sqlite3_column_int64(get, 0);
    sqlite3_reset(get);
    sqlite3_clear_bindings(get);
    return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

/* One rollup per series with samples in [from, to); to may cut a period short (the partial
 * rollup at stop), from is a period start. */
static int rollup_range(struct persist *p, int64_t from, int64_t to, uint64_t *added)
{
    size_t count = store_count(p->store);
    for (size_t id = 0; id < count; id++) {
        size_t n = store_read(p->store, (int)id, from, to - 1, p->scratch, p->scratch_n);
        struct rollup r;
        rollup_init(&r, from);
        if (!rollup_add_samples(&r, p->scratch, n, from, to))
            continue;
        int64_t sid = 0;
        int rc = series_id(p, (int)id, &sid);
        if (rc != SQLITE_OK)
            return rc;
        sqlite3_stmt *st = p->st[ST_ROLLUP];
        sqlite3_bind_int64(st, 1, sid);
        sqlite3_bind_int64(st, 2, from / 1000);
        sqlite3_bind_double(st, 3, r.min);
        sqlite3_bind_double(st, 4, r.avg);
        sqlite3_bind_double(st, 5, r.max);
        sqlite3_bind_int64(st, 6, (int64_t)r.n);
        rc = step_reset(st);
        if (rc != SQLITE_OK)
            return rc;
        (*added)++;
    }
    return SQLITE_OK;
}

/* The periods due at now, in one transaction; with partial, the current period so far as
 * well (written, but not counted as done, so it is merged with the rest later). */
static bool write_rollups(struct persist *p, int64_t now, bool partial)
{
    int64_t width = p->o.rollup_ms;
    int64_t grace = partial ? 0 : (width / 2 < 2000 ? width / 2 : 2000);
    int64_t first, end;
    int64_t n = rollup_due(p->next_ms, now, width, grace, now - p->o.history_ms, &first, &end);
    if (n > PERIODS_PER_TICK) {
        n = PERIODS_PER_TICK;
        end = first + n * width;
    }
    int64_t cur = rollup_floor(now, width);
    bool part = partial && end >= cur && now > cur;
    if (n == 0 && !part)
        return true;
    uint64_t added[PK_NKINDS] = {0};
    int rc = sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (int64_t t = first; t < end && rc == SQLITE_OK; t += width)
        rc = rollup_range(p, t, t + width, &added[PK_ROLLUP]);
    if (rc == SQLITE_OK && part)
        rc = rollup_range(p, cur, now + 1, &added[PK_ROLLUP]);
    if (rc == SQLITE_OK && n > 0)
        rc = meta_set(p, "rollup_end", end);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(p, rc, "write rollups to", now);
    if (n > 0) {
        p->next_ms = end;
        atomic_store(&p->rollup_end, end);
    }
    count_commit(p, now, added);
    return true;
}

/* Coarse periods whose rollups are all written, a few per tick. */
static bool write_coarse(struct persist *p, int64_t now)
{
    int64_t c = p->o.coarse_ms;
    for (int i = 0; c && i < COARSE_PER_TICK && p->coarse_next_ms + c <= p->next_ms; i++) {
        int64_t from = p->coarse_next_ms;
        uint64_t added[PK_NKINDS] = {0};
        int rc = sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_stmt *st = p->st[ST_COARSE];
            sqlite3_bind_int64(st, 1, from / 1000);
            sqlite3_bind_int64(st, 2, (from + c) / 1000);
            rc = step_reset(st);
            added[PK_COARSE] = (uint64_t)sqlite3_changes(p->db);
        }
        if (rc == SQLITE_OK)
            rc = meta_set(p, "coarse_end", from + c);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return fail(p, rc, "write coarse rollups to", now);
        p->coarse_next_ms = from + c;
        atomic_store(&p->coarse_end, from + c);
        count_commit(p, now, added);
    }
    return true;
}

static bool housekeeping(struct persist *p, int64_t now)
{
    if (now >= p->retention_at_ms) {
        int src;
        int n = retention_step(&p->ret, p->db, now, RETENTION_ROWS, &src);
        if (n < 0)
            return fail(p, src, "delete old records from", now);
        /* more due: carry on next tick rather than now, so writes come first */
        p->retention_at_ms = now + (n >= RETENTION_ROWS ? p->o.flush_ms : RETENTION_EVERY);
    }
    if (now >= p->vacuum_at_ms) {
        char sql[48];
        snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", VACUUM_PAGES);
        int rc = sqlite3_exec(p->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return fail(p, rc, "vacuum", now);
        p->vacuum_at_ms = now + VACUUM_EVERY;
    }
    return true;
}

static int64_t file_size(const char *path, const char *suffix)
{
    char f[PATH_MAX_LEN + 8];
    snprintf(f, sizeof f, "%s%s", path, suffix);
    struct stat sb;
    return stat(f, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void update_sizes(struct persist *p)
{
    int64_t db = file_size(p->path, ""), wal = file_size(p->path, "-wal");
    pthread_mutex_lock(&p->lock);
    p->pub.db_bytes = db;
    p->pub.wal_bytes = wal;
    pthread_mutex_unlock(&p->lock);
}

void persist_tick(struct persist *p, int64_t now)
{
    if (p->db || try_open(p, now)) {
        (void)(write_queue(p, now) && write_rollups(p, now, false) && write_coarse(p, now) &&
               housekeeping(p, now));
    }
    update_sizes(p);
}

void persist_flush(struct persist *p, int64_t now)
{
    if (p->db && write_queue(p, now))
        write_rollups(p, now, true);
}

/* --- the thread ------------------------------------------------------------------------- */

static void *run(void *arg)
{
    struct persist *p = arg;
    for (;;) {
        persist_tick(p, clock_real_ms());
        bool ok = p->db != NULL;
        if (pq_wait(&p->q, clock_mono_ns() + p->o.flush_ms * 1000000, ok))
            break;
    }
    persist_flush(p, clock_real_ms());
    return NULL;
}

int persist_start(struct persist *p)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&p->thread, NULL, run, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return vigil_errno(rc);
    p->started = true;
    return 0;
}

void persist_free(struct persist *p)
{
    if (!p)
        return;
    if (p->started) {
        pq_stop(&p->q);
        pthread_join(p->thread, NULL);
    }
    close_db(p);
    pq_release(&p->q);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->opened_cond);
    free(p->scratch);
    free(p->dbid);
    free(p);
}

/* --- producers and stats ------------------------------------------------------------------ */

int persist_event(struct persist *p, const struct agent_event *e)
{
    const char *s[] = {e->source, e->message, e->context};
    struct pq_item *it = pq_item_new(PK_EVENT, s, 3, NULL, 0);
    if (!it)
        return -VIGIL_ENOMEM;
    it->n[0] = (int64_t)e->seq;
    it->n[1] = e->ts_ms;
    it->n[2] = (int64_t)e->level;
    return pq_push(&p->q, it);
}

int persist_model_call(struct persist *p, const struct agent_model_call *c)
{
    const char *s[] = {c->provider, c->model, c->session_id, c->error};
    struct pq_item *it = pq_item_new(PK_MODEL_CALL, s, 4, NULL, 0);
    if (!it)
        return -VIGIL_ENOMEM;
    it->n[0] = c->ts_ms;
    it->n[1] = c->failed;
    it->n[2] = (int64_t)c->input_tokens;
    it->n[3] = (int64_t)c->output_tokens;
    it->n[4] = c->has_latency;
    it->d[0] = c->latency_ms;
    return pq_push(&p->q, it);
}

int persist_task(struct persist *p, int64_t ts_ms, const char *task_id, const char *project,
                 int status, bool has_duration, double duration_ms)
{
    const char *s[] = {task_id, project};
    struct pq_item *it = pq_item_new(PK_TASK, s, 2, NULL, 0);
    if (!it)
        return -VIGIL_ENOMEM;
    it->n[0] = ts_ms;
    it->n[1] = status;
    it->n[2] = has_duration;
    it->d[0] = duration_ms;
    return pq_push(&p->q, it);
}

int persist_alert_state(struct persist *p, const struct alert_instance *in)
{
    struct pq_item *it = pq_item_new(PK_ALERT_STATE, NULL, 0, in, sizeof *in);
    return it ? pq_push(&p->q, it) : -VIGIL_ENOMEM;
}

int persist_alert_event(struct persist *p, const struct alert_event *ev)
{
    struct pq_item *it = pq_item_new(PK_ALERT_EVENT, NULL, 0, ev, sizeof *ev);
    return it ? pq_push(&p->q, it) : -VIGIL_ENOMEM;
}

void persist_stats(struct persist *p, struct persist_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->pub;
    pthread_mutex_unlock(&p->lock);
    pq_counts(&p->q, &out->queued, &out->dropped);
    out->rollup_end_ms = atomic_load(&p->rollup_end);
    out->coarse_end_ms = atomic_load(&p->coarse_end);
}
