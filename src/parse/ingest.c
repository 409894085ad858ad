/*
 * ingest: the ingest decoder. Each event (an NDJSON line or an array element) goes through
 * three checks before jansson sees it: UTF-8, then a string-aware bracket scan that finds
 * where the value ends and how deep it nests (jansson has no depth limit and parses
 * recursively, so a hostile body must never reach it too deep), then jansson itself. The
 * decoded object is then read field by field by its type's decoder.
 */
#include "parse/ingest.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"

/* --- names ---------------------------------------------------------------------------- */

static const char *const kind_names[INGEST_NKINDS] = {
    [INGEST_SESSION_START] = "session_start",
    [INGEST_SESSION_END] = "session_end",
    [INGEST_REQUEST_START] = "request_start",
    [INGEST_REQUEST_END] = "request_end",
    [INGEST_MODEL_CALL] = "model_call",
    [INGEST_TASK_END] = "task_end",
    [INGEST_TOOL_CALL] = "tool_call",
    [INGEST_EVENT] = "event",
    [INGEST_QUEUE] = "queue",
    [INGEST_RUN] = "run",
};
static const char *const outcome_names[] = {"ok", "error", "timeout"};
static const char *const task_names[] = {"success", "failure", "timeout"};
static const char *const level_names[] = {"info", "warn", "error"};
static const char *const run_names[] = {"running", "paused", "stopped"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : "unknown";
}

const char *ingest_kind_name(enum ingest_kind k)
{
    return name_of(kind_names, COUNT(kind_names), k);
}

const char *ingest_outcome_name(enum ingest_outcome o)
{
    return name_of(outcome_names, COUNT(outcome_names), o);
}

const char *ingest_task_status_name(enum ingest_task_status s)
{
    return name_of(task_names, COUNT(task_names), s);
}

const char *ingest_level_name(enum ingest_level l)
{
    return name_of(level_names, COUNT(level_names), l);
}

const char *ingest_run_status_name(enum ingest_run_status s)
{
    return name_of(run_names, COUNT(run_names), s);
}

int ingest_level_parse(const char *s, enum ingest_level *out)
{
    for (unsigned i = 0; i < COUNT(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum ingest_level)i;
            return 0;
        }
    }
    return -VIGIL_EINVAL;
}

/* --- limits --------------------------------------------------------------------------- */

void ingest_limits_default(struct ingest_limits *l)
{
    l->max_body = 4u << 20;
    l->max_events = 5000;
    l->max_depth = 16;
    l->max_id = INGEST_ID_CEIL;
    l->max_text = INGEST_TEXT_CEIL;
    l->max_context = INGEST_CONTEXT_CEIL;
}

static void limits_effective(const struct ingest_limits *in, struct ingest_limits *out)
{
    struct ingest_limits d;
    ingest_limits_default(&d);
    *out = in ? *in : d;
    if (!out->max_body)
        out->max_body = d.max_body;
    if (!out->max_events)
        out->max_events = d.max_events;
    if (!out->max_depth)
        out->max_depth = d.max_depth;
    if (!out->max_id || out->max_id > INGEST_ID_CEIL)
        out->max_id = INGEST_ID_CEIL;
    if (!out->max_text || out->max_text > INGEST_TEXT_CEIL)
        out->max_text = INGEST_TEXT_CEIL;
    if (!out->max_context || out->max_context > INGEST_CONTEXT_CEIL)
        out->max_context = INGEST_CONTEXT_CEIL;
}

/* --- the batch and its arena ---------------------------------------------------------- */

/* Strings of a batch live in blocks that never move, so pointers handed out stay valid
 * until the batch is reset. */
struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t cap;
    char data[];
};

#define ARENA_BLOCK 16384

void ingest_batch_init(struct ingest_batch *b)
{
    memset(b, 0, sizeof *b);
}

void ingest_batch_reset(struct ingest_batch *b)
{
    b->format = INGEST_FORMAT_NONE;
    b->nevents = 0;
    b->nrejects = 0;
    b->error[0] = '\0';
    /* Keep one block for the next body; a big body's extra blocks are given back. */
    struct arena_block *keep = b->arena;
    if (keep) {
        struct arena_block *x = keep->next;
        while (x) {
            struct arena_block *next = x->next;
            free(x);
            x = next;
        }
        keep->next = NULL;
        keep->used = 0;
    }
}

void ingest_batch_release(struct ingest_batch *b)
{
    ingest_batch_reset(b);
    free(b->arena);
    free(b->events);
    free(b->rejects);
    memset(b, 0, sizeof *b);
}

static char *arena_alloc(struct ingest_batch *b, size_t n)
{
    struct arena_block *a = b->arena;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        struct arena_block *nb = vigil_malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = a;
        nb->used = 0;
        nb->cap = cap;
        b->arena = nb;
        a = nb;
    }
    char *p = a->data + a->used;
    a->used += n;
    return p;
}

/* Gives back the end of the most recent allocation p, keeping its first n bytes. */
static void arena_trim(struct ingest_batch *b, const char *p, size_t n)
{
    struct arena_block *a = b->arena;
    a->used = (size_t)(p - a->data) + n;
}

static const char *arena_strdup(struct ingest_batch *b, const char *s, size_t len)
{
    char *p = arena_alloc(b, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static int grow(void **arr, size_t *alloc, size_t need, size_t elem)
{
    if (need <= *alloc)
        return 0;
    size_t n = *alloc ? *alloc : 16;
    while (n < need)
        n *= 2;
    void *p = vigil_realloc(*arr, n * elem);
    if (!p)
        return -VIGIL_ENOMEM;
    *arr = p;
    *alloc = n;
    return 0;
}

/* --- text helpers --------------------------------------------------------------------- */

/* Cuts s (NUL-terminated, of length len) so that it ends on a whole UTF-8 character. */
static void cut_whole(char *s, size_t len)
{
    size_t i = len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i > 0) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (need > back + 1)
            s[i - 1] = '\0';
    }
}

static void fmt_cut(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fmt_cut(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (r < 0)
        dst[0] = '\0';
    else if ((size_t)r >= n)
        cut_whole(dst, n - 1);
}

/* A user's value quoted in an error: at most 32 bytes, whole characters, "..." if cut. */
static const char *quote(const char *s, char *out, size_t n)
{
    size_t len = strlen(s);
    if (len <= 32 && len < n) {
        memcpy(out, s, len + 1);
        return out;
    }
    size_t keep = 32 < n - 4 ? 32 : n - 4;
    memcpy(out, s, keep);
    out[keep] = '\0';
    cut_whole(out, keep);
    size_t l = strlen(out);
    memcpy(out + l, "...", 4);
    return out;
}

/* Offset of the first byte that is not part of valid UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF), or len when all of p[0..len) is valid. */
static size_t utf8_check(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *p, size_t len, size_t i)
{
    while (i < len && is_ws(p[i]))
        i++;
    return i;
}

/* --- the bracket scanner -------------------------------------------------------------- */

/*
 * Finds the end of the JSON value that starts at p[i] (not whitespace) and the deepest
 * nesting inside it, without decoding it. Brackets are counted, not matched: a mismatch is
 * left for jansson to report, and the count is still an upper bound on how deep jansson
 * will recurse. Returns false when the input ends inside the value (truncated).
 */
static bool scan_value(const char *p, size_t len, size_t i, size_t *end, size_t *depth_max)
{
    size_t depth = 0, max = 0;
    bool in_str = false;
    *depth_max = 0;
    if (p[i] != '{' && p[i] != '[' && p[i] != '"') {
        while (i < len && !is_ws(p[i]) && p[i] != ',' && p[i] != ']' && p[i] != '}')
            i++;
        *end = i;
        return true;
    }
    for (; i < len; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            if (!in_str && depth == 0) {
                *end = i + 1;
                return true;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
        } else if ((c == '}' || c == ']') && depth > 0 && --depth == 0) {
            *end = i + 1;
            *depth_max = max;
            return true;
        }
    }
    return false;
}

/* --- decoding one event ---------------------------------------------------------------- */

/* Field checks return 0 (fine), 1 (the event is rejected; d->why says why) or a negative
 * code (the whole body fails: out of memory). */
struct dec {
    struct ingest_batch *b;
    const struct ingest_limits *lim;
    json_t *obj;
    size_t first_line; /* the number of the body's first line (1, or a file's line) */
    char why[INGEST_REASON_MAX];
};

static int bad(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct dec *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(d->why, sizeof d->why, fmt, ap);
    va_end(ap);
    if (r < 0)
        d->why[0] = '\0';
    else if ((size_t)r >= sizeof d->why)
        cut_whole(d->why, sizeof d->why - 1);
    return 1;
}

/* The field, or NULL when it is absent or null. */
static json_t *field(struct dec *d, const char *key)
{
    json_t *v = json_object_get(d->obj, key);
    return json_is_null(v) ? NULL : v;
}

static int get_str(struct dec *d, const char *key, size_t max, bool required, const char **out)
{
    json_t *v = field(d, key);
    *out = NULL;
    if (!v)
        return required ? bad(d, "missing '%s'", key) : 0;
    if (!json_is_string(v))
        return bad(d, "'%s' must be a string", key);
    size_t len = json_string_length(v);
    if (len > max)
        return bad(d, "'%s' is longer than %zu bytes", key, max);
    if (required && len == 0)
        return bad(d, "'%s' must not be empty", key);
    *out = arena_strdup(d->b, json_string_value(v), len);
    return *out ? 0 : -VIGIL_ENOMEM;
}

static int get_id(struct dec *d, const char *key, bool required, const char **out)
{
    return get_str(d, key, d->lim->max_id, required, out);
}

static int get_text(struct dec *d, const char *key, bool required, const char **out)
{
    return get_str(d, key, d->lim->max_text, required, out);
}

/* One of names[], given as a string; *out keeps its default when the field is absent. */
static int get_enum(struct dec *d, const char *key, const char *const *names, size_t n,
                    bool required, unsigned *out)
{
    json_t *v = field(d, key);
    if (!v)
        return required ? bad(d, "missing '%s'", key) : 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(s, names[i]) == 0) {
                *out = (unsigned)i;
                return 0;
            }
        }
    }
    char list[64] = "", q[48];
    for (size_t i = 0; i < n; i++)
        fmt_cut(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    if (!json_is_string(v))
        return bad(d, "'%s' must be one of %s", key, list);
    return bad(d, "'%s' must be one of %s (got '%s')", key, list,
               quote(json_string_value(v), q, sizeof q));
}

/* A number >= 0: duration, latency. */
static int get_num(struct dec *d, const char *key, double *out, bool *has)
{
    json_t *v = field(d, key);
    *has = false;
    if (!v)
        return 0;
    if (!json_is_number(v))
        return bad(d, "'%s' must be a number", key);
    double x = json_number_value(v);
    if (!(x >= 0) || !isfinite(x))
        return bad(d, "'%s' must be a number >= 0", key);
    *out = x;
    *has = true;
    return 0;
}

/* A whole number in [lo, hi]; a real with no fraction (1200.0) counts as whole. */
static int get_whole(struct dec *d, const char *key, int64_t lo, int64_t hi, bool required,
                     int64_t *out, bool *has)
{
    json_t *v = field(d, key);
    *has = false;
    if (!v)
        return required ? bad(d, "missing '%s'", key) : 0;
    int64_t x;
    if (json_is_integer(v)) {
        x = (int64_t)json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
               fabs(json_real_value(v)) < 9007199254740992.0) {
        x = (int64_t)json_real_value(v);
    } else {
        return bad(d, "'%s' must be a whole number", key);
    }
    if (x < lo)
        return bad(d, "'%s' must be a whole number >= %lld", key, (long long)lo);
    if (x > hi)
        return bad(d, "'%s' must be at most %lld", key, (long long)hi);
    *out = x;
    *has = true;
    return 0;
}

/* Token and queue counts: whole numbers up to 2^53, beyond which a double cannot count. */
#define COUNT_MAX 9007199254740992LL

static int get_count(struct dec *d, const char *key, bool required, uint64_t *out, bool *has)
{
    int64_t x = 0;
    int rc = get_whole(d, key, 0, COUNT_MAX, required, &x, has);
    *out = (uint64_t)x;
    return rc;
}

/* Unix seconds (with a fraction) or an ISO-8601 string, to unix ms. Years 1970..9999. */
static int get_time(struct dec *d, const char *key, int64_t *out_ms, bool *has)
{
    json_t *v = field(d, key);
    *has = false;
    if (!v)
        return 0;
    char q[48];
    if (json_is_number(v)) {
        double s = json_number_value(v);
        if (!(s >= 0 && s < 253402300800.0))
            return bad(d, "'%s' is out of range (unix seconds from 1970 to 9999)", key);
        *out_ms = (int64_t)llround(s * 1000.0);
    } else if (json_is_string(v)) {
        int64_t ms;
        if (clock_parse_iso8601(json_string_value(v), &ms))
            return bad(d, "'%s' must be unix seconds or an ISO-8601 time (got '%s')", key,
                       quote(json_string_value(v), q, sizeof q));
        if (ms < 0)
            return bad(d, "'%s' is out of range (before 1970)", key);
        *out_ms = ms;
    } else {
        return bad(d, "'%s' must be unix seconds or an ISO-8601 time", key);
    }
    *has = true;
    return 0;
}

/* --- one decoder per type --------------------------------------------------------------- */

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static int dec_session_start(struct dec *d, struct ingest_event *ev)
{
    struct ingest_session_start *s = &ev->session_start;
    TRY(get_id(d, "session_id", true, &s->session_id));
    TRY(get_id(d, "agent", false, &s->agent));
    TRY(get_id(d, "project", false, &s->project));
    return 0;
}

static int dec_session_end(struct dec *d, struct ingest_event *ev)
{
    return get_id(d, "session_id", true, &ev->session_end.session_id);
}

static int dec_request_start(struct dec *d, struct ingest_event *ev)
{
    struct ingest_request_start *r = &ev->request_start;
    TRY(get_id(d, "request_id", true, &r->request_id));
    TRY(get_id(d, "session_id", false, &r->session_id));
    TRY(get_id(d, "channel", false, &r->channel));
    return 0;
}

/* "status" of request_end and tool_call; without one, an error message means it failed. */
static int get_outcome(struct dec *d, const char *error, enum ingest_outcome *out)
{
    unsigned o = error && error[0] ? INGEST_ERROR : INGEST_OK;
    TRY(get_enum(d, "status", outcome_names, COUNT(outcome_names), false, &o));
    *out = (enum ingest_outcome)o;
    return 0;
}

static int dec_request_end(struct dec *d, struct ingest_event *ev)
{
    struct ingest_request_end *r = &ev->request_end;
    TRY(get_id(d, "request_id", true, &r->request_id));
    TRY(get_text(d, "error", false, &r->error));
    return get_outcome(d, r->error, &r->status);
}

static int dec_model_call(struct dec *d, struct ingest_event *ev)
{
    struct ingest_model_call *m = &ev->model_call;
    bool has;
    TRY(get_id(d, "provider", false, &m->provider));
    TRY(get_id(d, "model", false, &m->model));
    TRY(get_id(d, "session_id", false, &m->session_id));
    TRY(get_text(d, "error", false, &m->error));
    TRY(get_num(d, "latency_ms", &m->latency_ms, &m->has_latency));
    TRY(get_count(d, "input_tokens", false, &m->input_tokens, &has));
    TRY(get_count(d, "output_tokens", false, &m->output_tokens, &has));
    return 0;
}

static int dec_task_end(struct dec *d, struct ingest_event *ev)
{
    struct ingest_task_end *t = &ev->task_end;
    unsigned st = 0;
    TRY(get_id(d, "task_id", false, &t->task_id));
    TRY(get_id(d, "project", false, &t->project));
    TRY(get_enum(d, "status", task_names, COUNT(task_names), true, &st));
    t->status = (enum ingest_task_status)st;
    TRY(get_num(d, "duration_ms", &t->duration_ms, &t->has_duration));
    return 0;
}

static int dec_tool_call(struct dec *d, struct ingest_event *ev)
{
    struct ingest_tool_call *t = &ev->tool_call;
    TRY(get_id(d, "tool", true, &t->tool));
    TRY(get_id(d, "session_id", false, &t->session_id));
    TRY(get_text(d, "error", false, &t->error));
    TRY(get_outcome(d, t->error, &t->status));
    TRY(get_num(d, "duration_ms", &t->duration_ms, &t->has_duration));
    return 0;
}

/* "context" is kept as compact JSON text, so the event ring needs no JSON values. */
static int get_context(struct dec *d, const char **out)
{
    json_t *v = field(d, "context");
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_object(v))
        return bad(d, "'context' must be an object");
    size_t max = d->lim->max_context;
    char *p = arena_alloc(d->b, max + 1);
    if (!p)
        return -VIGIL_ENOMEM;
    /* An object dumps to at least "{}", so 0 means jansson failed, and only allocation
     * can make it fail here. */
    size_t n = json_dumpb(v, p, max, JSON_COMPACT);
    if (n == 0 || n > max) {
        arena_trim(d->b, p, 0);
        return n ? bad(d, "'context' is longer than %zu bytes as JSON", max) : -VIGIL_ENOMEM;
    }
    p[n] = '\0';
    arena_trim(d->b, p, n + 1);
    *out = p;
    return 0;
}

static int dec_event(struct dec *d, struct ingest_event *ev)
{
    struct ingest_log *l = &ev->log;
    unsigned lv = INGEST_INFO;
    TRY(get_enum(d, "level", level_names, COUNT(level_names), false, &lv));
    l->level = (enum ingest_level)lv;
    TRY(get_id(d, "source", false, &l->source));
    TRY(get_text(d, "message", true, &l->message));
    TRY(get_context(d, &l->context));
    return 0;
}

static int dec_queue(struct dec *d, struct ingest_event *ev)
{
    bool has;
    return get_count(d, "depth", true, &ev->queue.depth, &has);
}

static int dec_run(struct dec *d, struct ingest_event *ev)
{
    struct ingest_run *r = &ev->run;
    unsigned st = 0;
    TRY(get_id(d, "project", true, &r->project));
    TRY(get_enum(d, "status", run_names, COUNT(run_names), true, &st));
    r->status = (enum ingest_run_status)st;
    TRY(get_id(d, "run_id", false, &r->run_id));
    TRY(get_whole(d, "pid", 1, 2147483647, false, &r->pid, &r->has_pid));
    TRY(get_time(d, "started_at", &r->started_at_ms, &r->has_started_at));
    json_t *tok = field(d, "tokens");
    if (!tok)
        return 0;
    if (!json_is_object(tok))
        return bad(d, "'tokens' must be an object");
    r->has_tokens = true;
    json_t *outer = d->obj;
    d->obj = tok;
    int rc = get_count(d, "current_run", false, &r->tokens_current_run, &r->has_current_run);
    if (!rc)
        rc = get_count(d, "total_session", false, &r->tokens_total_session, &r->has_total_session);
    d->obj = outer;
    if (rc == 1) {
        /* Name the nested field as the agent wrote it. */
        char inner[INGEST_REASON_MAX];
        memcpy(inner, d->why, sizeof inner);
        bad(d, "'tokens.%s", inner + 1);
        return 1;
    }
    return rc;
}

typedef int (*decode_fn)(struct dec *d, struct ingest_event *ev);

static const decode_fn decoders[INGEST_NKINDS] = {
    [INGEST_SESSION_START] = dec_session_start,
    [INGEST_SESSION_END] = dec_session_end,
    [INGEST_REQUEST_START] = dec_request_start,
    [INGEST_REQUEST_END] = dec_request_end,
    [INGEST_MODEL_CALL] = dec_model_call,
    [INGEST_TASK_END] = dec_task_end,
    [INGEST_TOOL_CALL] = dec_tool_call,
    [INGEST_EVENT] = dec_event,
    [INGEST_QUEUE] = dec_queue,
    [INGEST_RUN] = dec_run,
};

/* Decodes an object into *ev: 0, 1 (rejected, d->why) or a negative code. */
static int decode_object(struct dec *d, struct ingest_event *ev, int64_t now_ms)
{
    memset(ev, 0, sizeof *ev);
    json_t *t = json_object_get(d->obj, "type");
    if (!t || json_is_null(t))
        return bad(d, "missing 'type'");
    if (!json_is_string(t))
        return bad(d, "'type' must be a string");
    const char *type = json_string_value(t);
    unsigned k = 0;
    while (k < INGEST_NKINDS && strcmp(type, kind_names[k]) != 0)
        k++;
    if (k == INGEST_NKINDS) {
        char q[48];
        return bad(d, "unknown type '%s'", quote(type, q, sizeof q));
    }
    ev->kind = (enum ingest_kind)k;
    TRY(get_time(d, "ts", &ev->ts_ms, &ev->ts_given));
    if (!ev->ts_given)
        ev->ts_ms = now_ms;
    return decoders[k](d, ev);
}

/* --- one unit: a line, an element or the whole body ------------------------------------ */

/* Where a unit sits, for its messages. */
struct unit {
    const char *p; /* the unit's bytes */
    size_t len;
    size_t base;  /* offset of p in the body */
    bool is_line; /* positions as "column N" of the line, else "byte N" of the body */
};

static const char *json_kind_of(char c)
{
    switch (c) {
    case '[':
        return "an array";
    case '"':
        return "a string";
    case 't':
    case 'f':
        return "a boolean";
    case 'n':
        return "null";
    default:
        return (c == '-' || (c >= '0' && c <= '9')) ? "a number" : NULL;
    }
}

static int unit_pos(const struct unit *u, size_t off, char *out, size_t n)
{
    if (u->is_line)
        return snprintf(out, n, "column %zu", off + 1);
    return snprintf(out, n, "byte %zu", u->base + off + 1);
}

/* Decodes one unit into a new event: 0 (added), 1 (rejected, d->why) or negative. */
static int decode_unit(struct dec *d, const struct unit *u, int64_t now_ms)
{
    char pos[48];
    size_t bad_at = utf8_check((const unsigned char *)u->p, u->len);
    if (bad_at < u->len) {
        unit_pos(u, bad_at, pos, sizeof pos);
        return bad(d, "invalid UTF-8 at %s", pos);
    }
    size_t i = skip_ws(u->p, u->len, 0);
    if (i == u->len)
        return bad(d, "expected a JSON object, got nothing");
    if (u->p[i] != '{') {
        const char *what = json_kind_of(u->p[i]);
        unit_pos(u, i, pos, sizeof pos);
        return what ? bad(d, "expected a JSON object, got %s", what)
                    : bad(d, "invalid JSON at %s: expected an object", pos);
    }
    size_t end, depth;
    if (!scan_value(u->p, u->len, i, &end, &depth))
        return bad(d, "truncated JSON: the object is not closed");
    if (depth > d->lim->max_depth)
        return bad(d, "nesting deeper than %u levels", d->lim->max_depth);

    json_error_t jerr;
    json_t *obj = json_loadb(u->p, u->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        /* jansson reports most allocation failures so, but returns some (its lexer's
         * buffer, a new object) with the error text still empty. */
        if (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0])
            return -VIGIL_ENOMEM;
        unit_pos(u, jerr.position > 0 ? (size_t)jerr.position - 1 : 0, pos, sizeof pos);
        return bad(d, "invalid JSON at %s: %s", pos, jerr.text);
    }
    int rc =
        grow((void **)&d->b->events, &d->b->events_alloc, d->b->nevents + 1, sizeof *d->b->events);
    if (!rc) {
        d->obj = obj;
        rc = decode_object(d, &d->b->events[d->b->nevents], now_ms);
        if (rc == 0)
            d->b->nevents++;
    }
    json_decref(obj);
    return rc;
}

/* --- the body ---------------------------------------------------------------------------- */

static int body_error(struct ingest_batch *b, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Refuses the whole body: whatever was decoded so far is dropped. */
static int body_error(struct ingest_batch *b, int code, const char *fmt, ...)
{
    b->nevents = 0;
    b->nrejects = 0;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
    if (r < 0)
        b->error[0] = '\0';
    else if ((size_t)r >= sizeof b->error)
        cut_whole(b->error, sizeof b->error - 1);
    return code;
}

static int add_reject(struct ingest_batch *b, size_t line, size_t index, const char *why)
{
    if (grow((void **)&b->rejects, &b->rejects_alloc, b->nrejects + 1, sizeof *b->rejects))
        return -VIGIL_ENOMEM;
    struct ingest_reject *r = &b->rejects[b->nrejects++];
    r->line = line;
    r->index = index;
    if (line)
        fmt_cut(r->reason, sizeof r->reason, "line %zu: %s", line, why);
    else
        fmt_cut(r->reason, sizeof r->reason, "index %zu: %s", index, why);
    return 0;
}

static bool blank(const char *p, size_t len)
{
    return skip_ws(p, len, 0) == len;
}

static int decode_ndjson(struct dec *d, const char *body, size_t len, size_t start, int64_t now_ms)
{
    struct ingest_batch *b = d->b;
    b->format = INGEST_FORMAT_NDJSON;
    /* Count first, so that an oversized batch is refused before any of it is decoded. */
    size_t events = 0;
    for (size_t i = start; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len;
        events += !blank(body + i, end - i);
        i = end + 1;
    }
    if (events > d->lim->max_events)
        return body_error(b, -VIGIL_E2BIG, "batch has %zu events; the limit is %u", events,
                          d->lim->max_events);
    /* Lines are numbered from the start of the body, whatever was skipped before start. */
    size_t line = d->first_line;
    for (size_t i = 0; i < start; i++)
        line += body[i] == '\n';
    for (size_t i = start; i < len; line++) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len;
        struct unit u = {body + i, end - i, i, true};
        i = end + 1;
        if (u.len && u.p[u.len - 1] == '\r')
            u.len--;
        if (blank(u.p, u.len))
            continue;
        int rc = decode_unit(d, &u, now_ms);
        if (rc == 1)
            rc = add_reject(b, line, 0, d->why);
        if (rc < 0)
            return body_error(b, rc, "out of memory");
    }
    return 0;
}

static int decode_array(struct dec *d, const char *body, size_t len, size_t start, int64_t now_ms)
{
    struct ingest_batch *b = d->b;
    b->format = INGEST_FORMAT_ARRAY;
    size_t i = skip_ws(body, len, start + 1);
    size_t index = 0;
    if (i < len && body[i] == ']') {
        i++;
    } else {
        for (;;) {
            i = skip_ws(body, len, i);
            if (i >= len)
                return body_error(b, -VIGIL_EINVAL, "truncated JSON: the array is not closed");
            size_t end, depth;
            if (!scan_value(body, len, i, &end, &depth))
                return body_error(b, -VIGIL_EINVAL,
                                  "truncated JSON: element %zu of the array is not closed", index);
            if (end == i)
                return body_error(b, -VIGIL_EINVAL, "invalid JSON at byte %zu: expected a value",
                                  i + 1);
            if (index >= d->lim->max_events)
                return body_error(b, -VIGIL_E2BIG, "batch has more than %u events",
                                  d->lim->max_events);
            struct unit u = {body + i, end - i, i, false};
            int rc = decode_unit(d, &u, now_ms);
            if (rc == 1)
                rc = add_reject(b, 0, index, d->why);
            if (rc < 0)
                return body_error(b, rc, "out of memory");
            index++;
            i = skip_ws(body, len, end);
            if (i >= len)
                return body_error(b, -VIGIL_EINVAL, "truncated JSON: the array is not closed");
            if (body[i] == ']') {
                i++;
                break;
            }
            if (body[i] != ',')
                return body_error(b, -VIGIL_EINVAL,
                                  "invalid JSON at byte %zu: expected ',' or ']' after element "
                                  "%zu",
                                  i + 1, index - 1);
            i++;
        }
    }
    i = skip_ws(body, len, i);
    if (i < len)
        return body_error(b, -VIGIL_EINVAL, "invalid JSON at byte %zu: data after the array",
                          i + 1);
    return 0;
}

/* A single object is the whole body: anything wrong with it refuses the body. */
static int decode_single(struct dec *d, const char *body, size_t len, size_t start, int64_t now_ms)
{
    d->b->format = INGEST_FORMAT_OBJECT;
    struct unit u = {body + start, len - start, start, false};
    int rc = decode_unit(d, &u, now_ms);
    if (rc == 1)
        return body_error(d->b, -VIGIL_EINVAL, "%s", d->why);
    if (rc < 0)
        return body_error(d->b, rc, "out of memory");
    return 0;
}

static const char ndjson_type[] = "application/x-ndjson";

static bool is_ndjson_type(const char *ct)
{
    if (!ct || strncasecmp(ct, ndjson_type, sizeof ndjson_type - 1) != 0)
        return false;
    char c = ct[sizeof ndjson_type - 1];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

int ingest_decode(struct ingest_batch *b, const struct ingest_limits *lim, const char *body,
                  size_t len, const char *content_type, int64_t now_ms)
{
    struct ingest_limits l;
    limits_effective(lim, &l);
    ingest_batch_reset(b);
    struct dec d = {.b = b, .lim = &l, .first_line = 1};
    if (len > l.max_body)
        return body_error(b, -VIGIL_E2BIG, "body is %zu bytes; the limit is %zu", len, l.max_body);
    size_t i = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a byte-order mark some Windows tools write */
    size_t first = skip_ws(body, len, i);
    if (first == len)
        return body_error(b, -VIGIL_EINVAL, "empty body");
    if (is_ndjson_type(content_type))
        return decode_ndjson(&d, body, len, i, now_ms);
    if (body[first] == '[')
        return decode_array(&d, body, len, first, now_ms);
    if (body[first] != '{')
        return body_error(b, -VIGIL_EINVAL,
                          "body must be a JSON object, an array of objects or NDJSON");
    size_t end, depth;
    if (!scan_value(body, len, first, &end, &depth))
        return body_error(b, -VIGIL_EINVAL, "truncated JSON: the object is not closed");
    /* One object and nothing after it, even spread over lines, is a single event; more
     * after it makes the body NDJSON. */
    if (skip_ws(body, len, end) == len)
        return decode_single(&d, body, len, first, now_ms);
    return decode_ndjson(&d, body, len, i, now_ms);
}

int ingest_decode_lines(struct ingest_batch *b, const struct ingest_limits *lim, const char *text,
                        size_t len, size_t first_line, int64_t now_ms)
{
    struct ingest_limits l;
    limits_effective(lim, &l);
    ingest_batch_reset(b);
    struct dec d = {.b = b, .lim = &l, .first_line = first_line ? first_line : 1};
    if (len > l.max_body)
        return body_error(b, -VIGIL_E2BIG, "text is %zu bytes; the limit is %zu", len, l.max_body);
    size_t i = 0;
    if (d.first_line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    return decode_ndjson(&d, text, len, i, now_ms);
}

/* --- the response ------------------------------------------------------------------------ */

void ingest_encode_result(const struct ingest_batch *b, struct jsonw *w)
{
    ingest_encode_response(b, 0, w);
}

void ingest_encode_response(const struct ingest_batch *b, int status, struct jsonw *w)
{
    jw_obj_begin(w);
    jw_kuint(w, "accepted", b->nevents);
    jw_kuint(w, "rejected", b->nrejects);
    if (b->error[0]) {
        jw_kstr(w, "error", b->error);
    } else {
        jw_key(w, "errors");
        jw_arr_begin(w);
        for (size_t i = 0; i < b->nrejects; i++) {
            const struct ingest_reject *r = &b->rejects[i];
            jw_obj_begin(w);
            if (r->line)
                jw_kuint(w, "line", r->line);
            else
                jw_kuint(w, "index", r->index);
            jw_kstr(w, "error", r->reason);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        if (status && b->nevents == 0 && b->nrejects > 0)
            jw_kstr(w, "error", b->nrejects == 1 ? "the event was rejected"
                                                  : "every event was rejected");
    }
    if (status)
        jw_kint(w, "status", status);
    jw_obj_end(w);
}
