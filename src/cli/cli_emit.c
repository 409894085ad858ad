/*
 * cli_emit: `vigil emit`, one agent event from a shell script, or JSON/NDJSON events from
 * standard input, posted to the running daemon's /api/v1/ingest.
 *
 *   vigil emit task_end --task-id t1 --status success --duration-ms 3200
 *   vigil emit event --level error --source deploy --message "rollout failed"
 *   producer | vigil emit
 *
 * A flag --some-name becomes the field some_name. Numeric fields (latency_ms, duration_ms,
 * input_tokens, ...) must be numbers and are sent as such; ids and names stay strings even
 * when they look like numbers; --context and --tokens take a JSON object, and
 * --tokens-current-run / --tokens-total-session fill the run's tokens. Any other field is
 * sent as a number, true or false when it reads as one, else as a string. The daemon's
 * answer decides the exit status: 0 when every event was accepted.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "config/config.h"
#include "core/buf.h"

static const char usage[] =
    "Sends agent events to the running daemon (POST /api/v1/ingest):\n"
    "  vigil emit TYPE [--field value ...]   one event: --task-id t1 sets \"task_id\"\n"
    "  vigil emit < events.ndjson            JSON, a JSON array, or NDJSON from standard input\n"
    "TYPE is session_start, session_end, request_start, request_end, model_call, task_end,\n"
    "tool_call, event, queue or run. The daemon's address and token come from the same\n"
    "configuration as `vigil serve` ([server] listen and token), or --url.";

static const char *const number_fields[] = {"latency_ms",  "input_tokens", "output_tokens",
                                            "duration_ms", "depth",        "pid",
                                            "current_run", "total_session"};
static const char *const string_fields[] = {
    "session_id", "request_id", "task_id", "run_id", "agent", "project", "channel", "status",
    "error",      "provider",   "model",   "tool",   "level", "source",  "message", "started_at"};

static bool listed(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], key) == 0)
            return true;
    return false;
}

/* Whether the flag belongs to the configuration (or to emit itself) rather than the event. */
static bool config_side(const char *name)
{
    return strcmp(name, "config") == 0 || strcmp(name, "url") == 0 ||
           strcmp(name, "timeout") == 0 || strcmp(name, "help") == 0 ||
           config_flag_takes_value(name) >= 0;
}

static json_t *number_of(const char *v)
{
    char *end;
    errno = 0;
    long long i = strtoll(v, &end, 10);
    if (*v && !*end && !errno)
        return json_integer(i);
    double d = strtod(v, &end);
    if (*v && !*end && !errno && d == d)
        return json_real(d);
    return NULL;
}

/* Adds --name value to ev; a message in err on a bad value. */
static int add_field(json_t *ev, const char *flag, const char *value, char *err, size_t errlen)
{
    char key[64];
    size_t n = strlen(flag);
    if (n >= sizeof key) {
        snprintf(err, errlen, "--%.40s: name too long", flag);
        return -1;
    }
    for (size_t i = 0; i <= n; i++)
        key[i] = flag[i] == '-' ? '_' : flag[i];
    json_t *v = NULL;
    json_t *into = ev;
    if (strncmp(key, "tokens_", 7) == 0) {
        into = json_object_get(ev, "tokens");
        if (!into) {
            into = json_object();
            json_object_set_new(ev, "tokens", into);
        }
        memmove(key, key + 7, strlen(key + 7) + 1);
    }
    if (strcmp(key, "context") == 0 || strcmp(key, "tokens") == 0) {
        v = json_loads(value, 0, NULL);
        if (!json_is_object(v)) {
            json_decref(v);
            snprintf(err, errlen, "--%s: not a JSON object", flag);
            return -1;
        }
    } else if (listed(key, number_fields, sizeof number_fields / sizeof *number_fields)) {
        v = number_of(value);
        if (!v) {
            snprintf(err, errlen, "--%s: not a number '%.40s'", flag, value);
            return -1;
        }
    } else if (listed(key, string_fields, sizeof string_fields / sizeof *string_fields)) {
        v = json_string(value);
    } else if (strcmp(key, "ts") != 0 &&
               (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)) {
        v = json_boolean(value[0] == 't');
    } else {
        /* ts, and any other field: a number when it reads as one */
        v = number_of(value);
        if (!v)
            v = json_string(value);
    }
    if (!v) {
        snprintf(err, errlen, "--%s: not valid UTF-8", flag);
        return -1;
    }
    json_object_set_new(into, key, v);
    return 0;
}

/* Reads standard input, at most max bytes. */
static int read_stdin(struct buf *b, size_t max, char *err, size_t errlen)
{
    buf_init(b, max);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(0, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "cannot read standard input: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        if (buf_add(b, chunk, (size_t)n)) {
            snprintf(err, errlen, "standard input is larger than max_body_bytes (%zu bytes)", max);
            return -1;
        }
    }
}

/* Says what the daemon answered; returns the exit status. */
static int report(const struct daemon_reply *r, const char *base)
{
    json_t *doc = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
    const char *msg = json_string_value(json_object_get(doc, "error"));
    json_t *errors = json_object_get(doc, "errors");
    int status = 0;
    if (r->status == 401) {
        fprintf(stderr,
                "vigil: the daemon at %s wants a token (--token, VIGIL_TOKEN or [server] "
                "token)\n",
                base);
        status = 1;
    } else if (r->status != 200 && !json_array_size(errors)) {
        fprintf(stderr, "vigil: the daemon answered %ld: %s\n", r->status,
                msg ? msg : "no explanation");
        status = 1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        fprintf(stderr, "vigil: rejected: %s\n", json_string_value(json_object_get(e, "error")));
        status = 1;
    }
    if (!doc && r->status == 200) {
        fprintf(stderr, "vigil: the daemon's answer is not JSON\n");
        status = 1;
    }
    json_decref(doc);
    return status;
}

int cli_emit(int argc, char **argv)
{
    /* The event's own fields are taken out of argv; the rest is configuration. */
    char **conf = calloc((size_t)argc + 1, sizeof *conf);
    struct config *cfg = calloc(1, sizeof *cfg);
    json_t *ev = json_object();
    char err[512] = "";
    int nconf = 0, status = 2;
    struct buf input = {0};
    struct daemon_reply reply = {0};
    const char *type = NULL;
    if (!conf || !cfg || !ev) {
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (type || a[0] == '-') {
                fprintf(stderr, "vigil: unexpected argument '%s' (see vigil emit --help)\n", a);
                goto out;
            }
            type = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1),
                 a + 2);
        if (config_side(name)) {
            conf[nconf++] = argv[i];
            if (!eq && i + 1 < argc && strcmp(name, "help") != 0 &&
                config_flag_takes_value(name) != 0)
                conf[nconf++] = argv[++i];
            continue;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            fprintf(stderr, "vigil: option '--%s' needs a value\n", name);
            goto out;
        }
        if (add_field(ev, name, value, err, sizeof err) < 0) {
            fprintf(stderr, "vigil: %s\n", err);
            goto out;
        }
    }
    struct cli_flag extra[] = {
        {"url", true, "the daemon's URL (default: http://LISTEN from the configuration)", NULL},
        {"timeout", true, "how long to wait for the daemon (default 10s)", NULL},
        {NULL, false, NULL, NULL},
    };
    int rc = cli_load_config("emit", usage, nconf, conf, cfg, extra);
    if (rc) {
        status = rc < 0 ? 0 : rc;
        goto out;
    }
    int64_t timeout_ms = 10000;
    if (extra[1].value && config_parse_duration_ms(extra[1].value, &timeout_ms) < 0) {
        fprintf(stderr, "vigil: --timeout: bad duration '%s' (use e.g. 500ms, 10s)\n",
                extra[1].value);
        goto out;
    }
    char base[600];
    daemon_url(cfg, extra[0].value, base, sizeof base);
    if (!extra[0].value && cfg->listen_port == 0) {
        fprintf(stderr, "vigil: the configuration listens on port 0; say where the daemon is "
                        "with --url\n");
        goto out;
    }
    char *text = NULL;
    size_t len;
    if (type) {
        json_object_set_new(ev, "type", json_string(type));
        text = json_dumps(ev, JSON_COMPACT);
        if (!text) {
            fprintf(stderr, "vigil: out of memory\n");
            status = 1;
            goto out;
        }
        len = strlen(text);
    } else if (json_object_size(ev)) {
        fprintf(stderr, "vigil: fields need an event type: vigil emit TYPE --field value\n");
        goto out;
    } else if (isatty(0)) {
        fprintf(stderr, "vigil: no event: give a type (vigil emit task_end --task-id t1 ...) or "
                        "JSON on standard input\n");
        goto out;
    } else if (read_stdin(&input, cfg->max_body_bytes, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: %s\n", err);
        status = 1;
        goto out;
    } else {
        len = input.len;
    }
    /* The daemon tells one object, an array and NDJSON apart by the body. */
    rc = daemon_request(cfg, base, "/api/v1/ingest", text ? text : (input.data ? input.data : ""),
                        len, "application/json", (long)timeout_ms, &reply, err, sizeof err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "vigil: %s (is `vigil serve` running?)\n", err);
        status = 1;
        goto out;
    }
    status = report(&reply, base);
out:
    buf_release(&reply.body);
    buf_release(&input);
    json_decref(ev);
    free(cfg);
    free(conf);
    return status;
}
