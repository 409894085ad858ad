/*
 * ingest: decodes the body of POST /api/v1/ingest (and the lines of a tailed log file)
 * into agent events. Bytes in, values out, no I/O and no clock of its own.
 *
 * A body is one JSON object, a JSON array of objects, or NDJSON (one object per line). A
 * problem with the body as a whole (too large, too many events, not JSON of those shapes,
 * a truncated array) refuses the whole body; a problem with one line or one array element
 * (bad JSON, bad UTF-8, too deep, unknown type, bad field) rejects that event alone, named
 * by its line or index, and the others are kept. Errors read like git's:
 * "line 3: unknown type 'sesion_start'", "index 2: 'latency_ms' must be a number".
 *
 * Unknown fields are ignored, so agents may send more than vigil reads. A field that is
 * null is taken as absent.
 */
#ifndef VIGIL_INGEST_H
#define VIGIL_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw;

/* Ceilings of the string limits: records that keep decoded strings (src/agents) size their
 * fields from these, so a limit set above its ceiling acts as the ceiling. */
#define INGEST_ID_CEIL      128  /* ids and names */
#define INGEST_TEXT_CEIL    1024 /* message and error texts */
#define INGEST_CONTEXT_CEIL 2048 /* a log event's context, as compact JSON */

/* The longest reason text, including the "line N: " prefix and the NUL. */
#define INGEST_REASON_MAX 192

/* A limit of 0 stands for its default. */
struct ingest_limits {
    size_t max_body;     /* bytes in a body; default 4 MiB */
    unsigned max_events; /* events (lines or elements) in one body; default 5000 */
    unsigned max_depth;  /* nesting of one event, the event object being level 1; default 16 */
    size_t max_id;       /* bytes in an id or name (session_id, tool, model, source...);
                          * default 128, ceiling INGEST_ID_CEIL */
    size_t max_text;     /* bytes in "message" and "error"; default 1024, ceiling 1024 */
    size_t max_context;  /* bytes of "context" as compact JSON; default 2048, ceiling 2048 */
};

/* Fills l with the defaults above. */
void ingest_limits_default(struct ingest_limits *l);

enum ingest_kind {
    INGEST_SESSION_START,
    INGEST_SESSION_END,
    INGEST_REQUEST_START,
    INGEST_REQUEST_END,
    INGEST_MODEL_CALL,
    INGEST_TASK_END,
    INGEST_TOOL_CALL,
    INGEST_EVENT,
    INGEST_QUEUE,
    INGEST_RUN,
    INGEST_NKINDS
};

/* request_end and tool_call: "ok", "error", "timeout". When "status" is absent, a non-empty
 * "error" makes it INGEST_ERROR and its absence INGEST_OK. */
enum ingest_outcome { INGEST_OK, INGEST_ERROR, INGEST_TIMEOUT };

/* task_end: "success", "failure", "timeout" (required). */
enum ingest_task_status { INGEST_TASK_SUCCESS, INGEST_TASK_FAILURE, INGEST_TASK_TIMEOUT };

/* event: "info", "warn", "error" (default info); ordered by severity. */
enum ingest_level { INGEST_INFO, INGEST_WARN, INGEST_ERROR_LEVEL };

/* run: "running", "paused", "stopped" (required). */
enum ingest_run_status { INGEST_RUNNING, INGEST_PAUSED, INGEST_STOPPED };

/* Every string below is NUL-terminated and valid UTF-8, owned by the batch that decoded it
 * (it lives until ingest_batch_reset() or ingest_batch_release()), and NULL when absent. */

struct ingest_session_start {
    const char *session_id; /* required */
    const char *agent;
    const char *project;
};

struct ingest_session_end {
    const char *session_id; /* required */
};

struct ingest_request_start {
    const char *request_id; /* required */
    const char *session_id;
    const char *channel;
};

struct ingest_request_end {
    const char *request_id; /* required */
    enum ingest_outcome status;
    const char *error;
};

struct ingest_model_call {
    const char *provider;
    const char *model;
    const char *session_id;
    const char *error; /* a model call failed when this is set and not empty */
    double latency_ms; /* >= 0, meaningful when has_latency */
    bool has_latency;
    uint64_t input_tokens; /* 0 when absent */
    uint64_t output_tokens;
};

struct ingest_task_end {
    const char *task_id;
    const char *project;
    enum ingest_task_status status;
    double duration_ms; /* >= 0, meaningful when has_duration */
    bool has_duration;
};

struct ingest_tool_call {
    const char *tool; /* required */
    const char *session_id;
    const char *error;
    enum ingest_outcome status;
    double duration_ms; /* >= 0, meaningful when has_duration */
    bool has_duration;
};

struct ingest_log {
    enum ingest_level level;
    const char *source;
    const char *message; /* required */
    const char *context; /* an object (or null, taken as absent) kept as compact JSON text */
};

struct ingest_queue {
    uint64_t depth; /* required, a whole number >= 0 */
};

struct ingest_run {
    const char *project; /* required */
    enum ingest_run_status status;
    const char *run_id;
    int64_t pid; /* 1..2^31-1, meaningful when has_pid */
    bool has_pid;
    int64_t started_at_ms; /* unix ms, meaningful when has_started_at */
    bool has_started_at;
    bool has_tokens; /* the report carried a "tokens" object */
    bool has_current_run;
    bool has_total_session;
    uint64_t tokens_current_run;
    uint64_t tokens_total_session;
};

struct ingest_event {
    enum ingest_kind kind;
    int64_t ts_ms; /* unix ms: "ts" when given, else the now_ms passed to the decoder */
    bool ts_given;
    union {
        struct ingest_session_start session_start;
        struct ingest_session_end session_end;
        struct ingest_request_start request_start;
        struct ingest_request_end request_end;
        struct ingest_model_call model_call;
        struct ingest_task_end task_end;
        struct ingest_tool_call tool_call;
        struct ingest_log log;
        struct ingest_queue queue;
        struct ingest_run run;
    };
};

enum ingest_format {
    INGEST_FORMAT_NONE, /* not decided: the body was refused before its shape was known */
    INGEST_FORMAT_OBJECT,
    INGEST_FORMAT_ARRAY,
    INGEST_FORMAT_NDJSON
};

struct ingest_reject {
    size_t line;  /* NDJSON: 1-based line number in the body (blank lines count); else 0 */
    size_t index; /* array: 0-based element index; else 0 */
    char reason[INGEST_REASON_MAX]; /* "line 3: ..." or "index 2: ..." */
};

struct arena_block;

/* The result of decoding one body. Owns its events, rejects and strings. */
struct ingest_batch {
    enum ingest_format format;
    struct ingest_event *events;
    size_t nevents;
    struct ingest_reject *rejects;
    size_t nrejects;
    char error[INGEST_REASON_MAX]; /* the whole-body error, "" when none */

    /* private */
    size_t events_alloc;
    size_t rejects_alloc;
    struct arena_block *arena;
};

void ingest_batch_init(struct ingest_batch *b);
/* Empties the batch but keeps its storage, for the next body. */
void ingest_batch_reset(struct ingest_batch *b);
/* Frees everything the batch owns; it can be used again after ingest_batch_init(). */
void ingest_batch_release(struct ingest_batch *b);

/*
 * Decodes body[0..len) (not NUL-terminated; borrowed for the call only) into b, which is
 * reset first. content_type may be NULL or "" (the shape is then taken from the body: '['
 * an array; '{' one object, or NDJSON when more follows the first object); one starting
 * with "application/x-ndjson" makes it NDJSON whatever the body looks like. A leading UTF-8
 * byte-order mark is skipped; NDJSON lines may end in CRLF, and blank lines are skipped but
 * still numbered. now_ms stands for "ts" when an event has none.
 *
 * Returns 0 when the body was read: b->events holds what decoded and b->rejects the events
 * refused, each with its reason. Returns a negative code when the whole body is refused,
 * with b->error saying why and no events: -VIGIL_E2BIG for a body or batch over its limit
 * (HTTP 413), -VIGIL_EINVAL for a body that is not JSON of an accepted shape (HTTP 400;
 * a single-object body that does not decode is refused this way too), -VIGIL_ENOMEM.
 */
int ingest_decode(struct ingest_batch *b, const struct ingest_limits *lim, const char *body,
                  size_t len, const char *content_type, int64_t now_ms);

/*
 * The same for NDJSON lines that are part of a longer text (a tailed log file): text holds
 * whole lines, the first of which is numbered first_line, so rejects name the file's own
 * line numbers. Never refused for its shape; -VIGIL_E2BIG when text is longer than
 * max_body or holds more than max_events events, -VIGIL_ENOMEM.
 */
int ingest_decode_lines(struct ingest_batch *b, const struct ingest_limits *lim, const char *text,
                        size_t len, size_t first_line, int64_t now_ms);

/* The type names as the wire spells them ("session_start"...). */
const char *ingest_kind_name(enum ingest_kind k);
const char *ingest_outcome_name(enum ingest_outcome o);
const char *ingest_task_status_name(enum ingest_task_status s);
const char *ingest_level_name(enum ingest_level l);
const char *ingest_run_status_name(enum ingest_run_status s);
/* Parses "info", "warn" or "error" (for ?level=); 0 or -VIGIL_EINVAL. */
int ingest_level_parse(const char *s, enum ingest_level *out);

/*
 * Writes the ingest response: {"accepted":N,"rejected":M,"errors":[{"line":3,"error":
 * "line 3: ..."}...]} ("index" instead of "line" for an array), or, when the body was
 * refused, {"accepted":0,"rejected":0,"error":"..."}.
 */
void ingest_encode_result(const struct ingest_batch *b, struct jsonw *w);
/* The same as the HTTP answer of status (0: none): "status" is added, and when every event
 * was rejected, an "error" saying so. */
void ingest_encode_response(const struct ingest_batch *b, int status, struct jsonw *w);

#endif
