/*
 * config: the option table and what reads it, except INI text (ini.c): defaults, variables,
 * flags, validation, --help and check-config output. Each option is one row of its
 * section's table; a loader finds the row, parses the text by the row's type and stores it
 * at the row's offset. A failed load leaves the caller's struct config as it was.
 */
#include "config/config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/agent_sections.h"
#include "config/alert_sections.h"
#include "config/node_sections.h"
#include "config/option.h"
#include "config/target_sections.h"
#include "core/err.h"

#define COUNT(a) CONFIG_COUNT(a)
#define KIB      1024LL
#define MIB      (1024LL * 1024)
#define GIB      (1024LL * 1024 * 1024)
#define SECOND   1000LL
#define HOUR     (3600 * SECOND)
#define DAY      (24 * HOUR)

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct opt server_opts[] = {
    {"listen", "VIGIL_LISTEN", "listen", OPT_LISTEN, FIELD(listen_host),
     offsetof(struct config, listen_port), 0, 0, "127.0.0.1:9400",
     "address to listen on: HOST:PORT, [IPV6]:PORT or :PORT"},
    {"token", "VIGIL_TOKEN", "token", OPT_STRING, FIELD(token), 0, 0, 0, "",
     "bearer token for every endpoint but /health", NULL, true},
    {"allow_public", "VIGIL_ALLOW_PUBLIC", "allow-public", OPT_BOOL, FIELD(allow_public), 0, 0, 0,
     "false", "listen on a public address without a token"},
    {"max_connections", "VIGIL_MAX_CONNECTIONS", "max-connections", OPT_UINT,
     FIELD(max_connections), 0, 1, 65536, "256", "open connections; more are refused"},
    {"max_header_bytes", "VIGIL_MAX_HEADER_BYTES", "max-header-bytes", OPT_SIZE,
     FIELD(max_header_bytes), 0, KIB, MIB, "8KiB", "largest request line plus headers"},
    {"max_body_bytes", "VIGIL_MAX_BODY_BYTES", "max-body-bytes", OPT_SIZE, FIELD(max_body_bytes), 0,
     KIB, GIB, "1MiB", "largest request body"},
    {"log_level", "VIGIL_LOG_LEVEL", "log-level", OPT_LOG_LEVEL, FIELD(log_level), 0, 0, 0, "info",
     "debug, info, warn or error"},
    {"data_dir", "VIGIL_DATA_DIR", "data-dir", OPT_PATH, FIELD(data_dir), 0, 0, 0, NULL,
     "directory for persistent state", "$XDG_STATE_HOME/vigil or ~/.local/state/vigil"},
};

static const struct opt collect_opts[] = {
    {"interval", "VIGIL_INTERVAL", "interval", OPT_DURATION, FIELD(interval_ms), 0, 100, HOUR, "2s",
     "time between two collections"},
    {"procfs", "VIGIL_PROCFS", "procfs", OPT_PATH, FIELD(procfs), 0, 0, 0, "/proc",
     "the /proc to read (a container can read the host's)"},
    {"sysfs", "VIGIL_SYSFS", "sysfs", OPT_PATH, FIELD(sysfs), 0, 0, 0, "/sys", "the /sys to read"},
    {"nvml_path", "VIGIL_NVML_PATH", "nvml-path", OPT_STRING, FIELD(nvml_path), 0, 0, 0, "",
     "the NVML library to load; empty: libnvidia-ml.so.1 through the library search path"},
};

static const struct opt history_opts[] = {
    {"window", "VIGIL_HISTORY", "history", OPT_DURATION, FIELD(history_ms), 0, 100, 7 * DAY, "1h",
     "history kept in memory, at least one interval"},
    {"max_series", "VIGIL_MAX_SERIES", "max-series", OPT_UINT, FIELD(max_series), 0, 1, 1 << 20,
     "4096", "most series kept in memory"},
    {"persist", "VIGIL_PERSIST", "persist", OPT_BOOL, FIELD(persist), 0, 0, 0, "true",
     "keep history on disk, in data_dir/vigil.db (--persist=false: memory only)"},
    {"rollup_interval", "VIGIL_ROLLUP_INTERVAL", "rollup-interval", OPT_DURATION,
     FIELD(rollup_ms), 0, SECOND, HOUR, "60s",
     "period of the rollups on disk (min, avg, max, count of every series), whole seconds"},
    {"retention", "VIGIL_RETENTION", "retention", OPT_DURATION, FIELD(retention_ms), 0, HOUR,
     3660 * DAY, "7d", "how long rollups stay on disk"},
    {"events_retention", "VIGIL_EVENTS_RETENTION", "events-retention", OPT_DURATION,
     FIELD(events_retention_ms), 0, HOUR, 3660 * DAY, "7d",
     "how long agent events, model calls and alert history stay on disk"},
    {"tasks_retention", "VIGIL_TASKS_RETENTION", "tasks-retention", OPT_DURATION,
     FIELD(tasks_retention_ms), 0, DAY, 3660 * DAY, "7d",
     "how long task outcomes stay on disk (at least the 24 h of the task figures)"},
};

static const struct opt stream_opts[] = {
    {"ping_interval", "VIGIL_PING_INTERVAL", "ping-interval", OPT_DURATION,
     FIELD(ping_interval_ms), 0, SECOND, HOUR, "30s",
     "WebSocket ping period; a client silent for two periods is closed"},
    {"allowed_origins", "VIGIL_ALLOWED_ORIGINS", "allowed-origins", OPT_STRING,
     FIELD(allowed_origins), 0, 0, 0, "",
     "Origins allowed to open /ws, comma-separated (empty: the same host only)"},
    {"queue_frames", "VIGIL_QUEUE_FRAMES", "queue-frames", OPT_UINT, FIELD(queue_frames), 0, 4,
     65536, "64", "frames waiting per stream client"},
    {"stuck_timeout", "VIGIL_STUCK_TIMEOUT", "stuck-timeout", OPT_DURATION,
     FIELD(stuck_timeout_ms), 0, 100, HOUR, "10s",
     "a stream client whose queue stays full this long is disconnected"},
    {"max_message_bytes", "VIGIL_MAX_MESSAGE_BYTES", "max-message-bytes", OPT_SIZE,
     FIELD(max_message_bytes), 0, KIB, 16 * MIB, "64KiB", "largest WebSocket message accepted"},
};

const struct section_kind config_kinds[] = {
    {"server", false, server_opts, COUNT(server_opts), NULL},
    {"collect", false, collect_opts, COUNT(collect_opts), NULL},
    {"history", false, history_opts, COUNT(history_opts), NULL},
    {"stream", false, stream_opts, COUNT(stream_opts), NULL},
    {"agents", false, agents_opts, AGENTS_NOPTS, NULL},
    {"alert", true, alert_rule_opts, ARK_NKEYS, alert_rule_entry, alert_rule_at_line},
    {"notify", true, notify_opts, NK_NKEYS, notify_entry, notify_at_line},
    {"inference", true, inference_opts, IK_NKEYS, inference_entry, inference_at_line},
    {"cluster", true, cluster_opts, CK_NKEYS, cluster_entry, cluster_at_line},
    {"logfile", true, logfile_opts, LK_NKEYS, logfile_entry, logfile_at_line},
    {"node", true, node_opts, NDK_NKEYS, node_entry, node_at_line},
};
const size_t config_nkinds = COUNT(config_kinds);

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* --- errors ---------------------------------------------------------------------------- */

void config_err_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Copies s for a message: at most 40 characters, anything unprintable as '?', so that a
 * binary file or a huge value cannot make the message unreadable. */
const char *config_echo(char *buf, size_t n, const char *s)
{
    size_t max = n > 44 ? 40 : n - 4;
    size_t i = 0;
    for (; s[i] != '\0' && i < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (s[i] != '\0')
        memcpy(buf + i, "...", 4);
    else
        buf[i] = '\0';
    return buf;
}

static void value_err_set(struct value_err *ve, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void value_err_set(struct value_err *ve, const char *hint, const char *fmt, ...)
{
    if (ve == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ve->what, sizeof ve->what, fmt, ap);
    va_end(ap);
    snprintf(ve->hint, sizeof ve->hint, "%s", hint);
}

/* --- formatting values ----------------------------------------------------------------- */

/* 5400000 -> "1h30m": the largest units first, as the parser wants them. */
static void duration_format(int64_t ms, char *buf, size_t n)
{
    static const struct {
        const char *name;
        int64_t ms;
    } units[] = {{"d", DAY}, {"h", HOUR}, {"m", 60 * SECOND}, {"s", SECOND}, {"ms", 1}};
    size_t len = 0;
    buf[0] = '\0';
    if (ms <= 0) {
        snprintf(buf, n, "%" PRId64 "ms", ms);
        return;
    }
    for (size_t i = 0; i < COUNT(units) && len < n; i++) {
        if (ms < units[i].ms)
            continue;
        int w = snprintf(buf + len, n - len, "%" PRId64 "%s", ms / units[i].ms, units[i].name);
        if (w < 0)
            return;
        len += (size_t)w;
        ms %= units[i].ms;
    }
}

/* 1048576 -> "1MiB"; a size that is no whole number of KiB stays in bytes. */
static void size_format(uint64_t bytes, char *buf, size_t n)
{
    static const char *const names[] = {"TiB", "GiB", "MiB", "KiB"};
    static const unsigned shifts[] = {40, 30, 20, 10};
    for (size_t i = 0; i < COUNT(names); i++) {
        uint64_t unit = (uint64_t)1 << shifts[i];
        if (bytes != 0 && bytes % unit == 0) {
            snprintf(buf, n, "%" PRIu64 "%s", bytes / unit, names[i]);
            return;
        }
    }
    snprintf(buf, n, "%" PRIu64, bytes);
}

static void listen_format(const char *host, int port, char *buf, size_t n)
{
    if (strchr(host, ':') != NULL)
        snprintf(buf, n, "[%s]:%d", host, port);
    else
        snprintf(buf, n, "%s:%d", host, port);
}

/* --- reading and writing one option ---------------------------------------------------- */

/* Integers are stored at the width of their field, so one row type serves unsigned and
 * size_t fields alike. */
static uint64_t uint_get(const void *base, const struct opt *o)
{
    const char *p = (const char *)base + o->off;
    if (o->size == sizeof(unsigned)) {
        unsigned v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    size_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void uint_put(void *base, const struct opt *o, uint64_t v)
{
    char *p = (char *)base + o->off;
    if (o->size == sizeof(unsigned)) {
        unsigned u = (unsigned)v;
        memcpy(p, &u, sizeof u);
    } else {
        size_t s = (size_t)v;
        memcpy(p, &s, sizeof s);
    }
}

static int64_t duration_get(const void *base, const struct opt *o)
{
    int64_t v;
    memcpy(&v, (const char *)base + o->off, sizeof v);
    return v;
}

static bool has_range(const struct opt *o)
{
    return o->min != 0 || o->max != 0;
}

static void range_format(const struct opt *o, int64_t v, char *buf, size_t n)
{
    if (o->type == OPT_DURATION)
        duration_format(v, buf, n);
    else if (o->type == OPT_SIZE)
        size_format((uint64_t)v, buf, n);
    else
        snprintf(buf, n, "%" PRId64, v);
}

static void range_hint(const struct opt *o, char *buf, size_t n)
{
    char lo[32], hi[32];
    range_format(o, o->min, lo, sizeof lo);
    range_format(o, o->max, hi, sizeof hi);
    snprintf(buf, n, "from %s to %s", lo, hi);
}

static int range_check(const struct opt *o, int64_t v, const char *text, struct value_err *ve)
{
    if (!has_range(o) || (v >= o->min && v <= o->max))
        return 0;
    char shown[48], hint[80];
    range_hint(o, hint, sizeof hint);
    value_err_set(ve, hint, "'%s' out of range", config_echo(shown, sizeof shown, text));
    return -VIGIL_ERANGE;
}

static int string_set(void *base, const struct opt *o, const char *v, struct value_err *ve)
{
    size_t n = strlen(v);
    char hint[48];
    if (n >= o->size) {
        snprintf(hint, sizeof hint, "at most %zu bytes", o->size - 1);
        value_err_set(ve, hint, "value too long (%zu bytes)", n);
        return -VIGIL_E2BIG;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        /* a newline or escape would break check-config's output and the log */
        if (ch < 0x20 || ch == 0x7f) {
            value_err_set(ve, "", "value has a control character");
            return -VIGIL_EINVAL;
        }
    }
    /* What check-config prints must read back as the same value: the INI reader trims blanks
     * around a value and takes ';' at its start or after a blank for a comment. */
    if (n > 0 && (v[0] == ' ' || v[n - 1] == ' ')) {
        value_err_set(ve, "", "value starts or ends with a blank");
        return -VIGIL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ';' && (i == 0 || v[i - 1] == ' ')) {
            value_err_set(ve, "a config file reads it as a comment",
                          "value has ';' at its start or after a blank");
            return -VIGIL_EINVAL;
        }
    }
    if (o->type == OPT_PATH && n == 0) {
        value_err_set(ve, "", "empty path");
        return -VIGIL_EINVAL;
    }
    memcpy((char *)base + o->off, v, n + 1);
    return 0;
}

static int number_set(void *base, const struct opt *o, const char *v, struct value_err *ve)
{
    char shown[48];
    int64_t n = 0;
    int rc;
    if (o->type == OPT_DURATION) {
        rc = config_parse_duration_ms(v, &n);
        if (rc == -VIGIL_EINVAL)
            value_err_set(ve, "use e.g. 500ms, 2s, 1m, 1h", "bad duration '%s'",
                          config_echo(shown, sizeof shown, v));
    } else if (o->type == OPT_SIZE) {
        size_t s = 0;
        rc = config_parse_size(v, &s);
        n = s > INT64_MAX ? INT64_MAX : (int64_t)s;
        if (rc == -VIGIL_EINVAL)
            value_err_set(ve, "use e.g. 1024, 64K, 16M, 1G", "bad size '%s'",
                          config_echo(shown, sizeof shown, v));
    } else {
        unsigned u = 0;
        rc = config_parse_uint(v, &u);
        n = u;
        if (rc == -VIGIL_EINVAL)
            value_err_set(ve, "use a whole number", "bad number '%s'",
                          config_echo(shown, sizeof shown, v));
    }
    if (rc == -VIGIL_ERANGE) {
        char hint[80];
        range_hint(o, hint, sizeof hint);
        value_err_set(ve, hint, "'%s' out of range", config_echo(shown, sizeof shown, v));
    }
    if (rc == 0)
        rc = range_check(o, n, v, ve);
    if (rc < 0)
        return rc;
    if (o->type == OPT_DURATION)
        memcpy((char *)base + o->off, &n, sizeof n);
    else
        uint_put(base, o, (uint64_t)n);
    return 0;
}

/* Parses v by o's type and stores it in base; base is untouched on error, with ve saying
 * what was wrong (ve may be NULL). */
int config_opt_set(void *base, const struct opt *o, const char *v, struct value_err *ve)
{
    char shown[48];
    char *field = (char *)base + o->off;
    value_err_set(ve, "", "bad value");
    switch (o->type) {
    case OPT_STRING:
    case OPT_PATH:
        return string_set(base, o, v, ve);
    case OPT_DURATION:
    case OPT_SIZE:
    case OPT_UINT:
        return number_set(base, o, v, ve);
    case OPT_BOOL: {
        bool b;
        if (config_parse_bool(v, &b) < 0) {
            value_err_set(ve, "use true or false", "bad boolean '%s'",
                          config_echo(shown, sizeof shown, v));
            return -VIGIL_EINVAL;
        }
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case OPT_LISTEN: {
        char host[sizeof(((struct config *)0)->listen_host)];
        int port;
        if (config_parse_listen(v, host, sizeof host, &port) < 0) {
            value_err_set(ve, "use HOST:PORT", "bad address '%s'",
                          config_echo(shown, sizeof shown, v));
            return -VIGIL_EINVAL;
        }
        memcpy(field, host, strlen(host) + 1);
        memcpy((char *)base + o->port_off, &port, sizeof port);
        return 0;
    }
    case OPT_LOG_LEVEL: {
        enum log_level l;
        if (log_level_parse(v, &l) < 0) {
            value_err_set(ve, "use debug, info, warn or error", "bad log level '%s'",
                          config_echo(shown, sizeof shown, v));
            return -VIGIL_EINVAL;
        }
        memcpy(field, &l, sizeof l);
        return 0;
    }
    }
    return -VIGIL_EINVAL;
}

static void opt_format(const void *base, const struct opt *o, char *buf, size_t n)
{
    const char *field = (const char *)base + o->off;
    switch (o->type) {
    case OPT_STRING:
    case OPT_PATH:
        snprintf(buf, n, "%s", o->secret && field[0] != '\0' ? "***" : field);
        return;
    case OPT_DURATION:
        duration_format(duration_get(base, o), buf, n);
        return;
    case OPT_SIZE:
        size_format(uint_get(base, o), buf, n);
        return;
    case OPT_UINT:
        snprintf(buf, n, "%" PRIu64, uint_get(base, o));
        return;
    case OPT_BOOL: {
        bool b;
        memcpy(&b, field, sizeof b);
        snprintf(buf, n, "%s", b ? "true" : "false");
        return;
    }
    case OPT_LISTEN: {
        int port;
        memcpy(&port, (const char *)base + o->port_off, sizeof port);
        listen_format(field, port, buf, n);
        return;
    }
    case OPT_LOG_LEVEL: {
        enum log_level l;
        memcpy(&l, field, sizeof l);
        snprintf(buf, n, "%s", (unsigned)l < COUNT(level_names) ? level_names[l] : "?");
        return;
    }
    }
    buf[0] = '\0';
}

/* The command-line word for a value in --help. */
static const char *opt_metavar(const struct opt *o)
{
    switch (o->type) {
    case OPT_STRING:
        return "TEXT";
    case OPT_PATH:
        return "DIR";
    case OPT_DURATION:
        return "DURATION";
    case OPT_SIZE:
        return "SIZE";
    case OPT_UINT:
        return "N";
    case OPT_LISTEN:
        return "HOST:PORT";
    case OPT_LOG_LEVEL:
        return "LEVEL";
    case OPT_BOOL:
        return "";
    }
    return "";
}

static const struct opt *opt_by_flag(const char *flag)
{
    for (size_t k = 0; k < config_nkinds; k++) {
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            const struct opt *o = &config_kinds[k].opts[i];
            if (!config_kinds[k].named && o->flag != NULL && strcmp(o->flag, flag) == 0)
                return o;
        }
    }
    return NULL;
}

const struct opt *config_opt_find(const struct section_kind *k, const char *key)
{
    for (size_t i = 0; i < k->nopts; i++) {
        if (strcmp(k->opts[i].key, key) == 0)
            return &k->opts[i];
    }
    return NULL;
}

/* --- defaults -------------------------------------------------------------------------- */

/* The XDG base directory rules: $XDG_STATE_HOME if set and absolute, else ~/.local/state;
 * /var/lib/vigil for a service with no home. */
static void data_dir_default(char *dir, size_t n)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int w = -1;
    if (xdg != NULL && xdg[0] == '/')
        w = snprintf(dir, n, "%s/vigil", xdg);
    else if (home != NULL && home[0] == '/')
        w = snprintf(dir, n, "%s/.local/state/vigil", home);
    if (w < 0 || (size_t)w >= n)
        snprintf(dir, n, "/var/lib/vigil");
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_kinds[k].named)
            continue;
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            const struct opt *o = &config_kinds[k].opts[i];
            /* the table's defaults are parsed like user input; one that fails is a bug */
            if (o->def != NULL && config_opt_set(c, o, o->def, NULL) < 0)
                abort();
        }
    }
    data_dir_default(c->data_dir, sizeof c->data_dir);
    alert_conf_defaults(&c->alerts);
    target_conf_defaults(&c->targets);
}

/* --- environment and flags ------------------------------------------------------------- */

int config_load_env(struct config *c, const char *(*getenv_fn)(const char *name), char *err,
                    size_t errlen)
{
    struct config copy = *c;
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_kinds[k].named)
            continue;
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            const struct opt *o = &config_kinds[k].opts[i];
            const char *v = o->env != NULL ? getenv_fn(o->env) : NULL;
            /* an empty variable counts as unset, as ${VAR:-default} does in the shell, so
             * that VIGIL_TOKEN= in a unit file cannot quietly switch authentication off */
            if (v == NULL || v[0] == '\0')
                continue;
            struct value_err ve;
            int rc = config_opt_set(&copy, o, v, &ve);
            if (rc < 0) {
                config_err_set(err, errlen, "%s: %s%s%s%s", o->env, ve.what, ve.hint[0] ? " (" : "",
                               ve.hint, ve.hint[0] ? ")" : "");
                return rc;
            }
        }
    }
    *c = copy;
    return 0;
}

int config_apply_flag(struct config *c, const char *flag, const char *value, char *err,
                      size_t errlen)
{
    char shown[48];
    const struct opt *o = opt_by_flag(flag);
    if (o == NULL) {
        config_err_set(err, errlen, "unknown option '--%s'",
                       config_echo(shown, sizeof shown, flag));
        return -VIGIL_ENOENT;
    }
    if (value == NULL && o->type == OPT_BOOL)
        value = "true";
    if (value == NULL) {
        config_err_set(err, errlen, "--%s: missing value", flag);
        return -VIGIL_EINVAL;
    }
    struct value_err ve;
    int rc = config_opt_set(c, o, value, &ve);
    if (rc < 0)
        config_err_set(err, errlen, "--%s: %s%s%s%s", flag, ve.what, ve.hint[0] ? " (" : "",
                       ve.hint, ve.hint[0] ? ")" : "");
    return rc;
}

int config_flag_takes_value(const char *flag)
{
    const struct opt *o = opt_by_flag(flag);
    if (o == NULL)
        return -1;
    return o->type != OPT_BOOL;
}

/* --- validation ------------------------------------------------------------------------ */

static int opt_validate(const void *base, const struct opt *o, char *err, size_t errlen)
{
    char shown[48], hint[80];
    const char *field = (const char *)base + o->off;
    if (o->type == OPT_PATH && field[0] == '\0') {
        config_err_set(err, errlen, "%s: empty path", o->key);
        return -VIGIL_EINVAL;
    }
    if (o->type == OPT_LOG_LEVEL) {
        enum log_level l;
        memcpy(&l, field, sizeof l);
        if ((unsigned)l >= COUNT(level_names)) {
            config_err_set(err, errlen, "%s: unknown level %d", o->key, (int)l);
            return -VIGIL_EINVAL;
        }
    }
    if (!has_range(o))
        return 0;
    int64_t v;
    if (o->type == OPT_DURATION) {
        v = duration_get(base, o);
    } else {
        uint64_t u = uint_get(base, o);
        v = u > INT64_MAX ? INT64_MAX : (int64_t)u;
    }
    if (v >= o->min && v <= o->max)
        return 0;
    range_format(o, v, shown, sizeof shown);
    range_hint(o, hint, sizeof hint);
    config_err_set(err, errlen, "%s %s out of range (%s)", o->key, shown, hint);
    return -VIGIL_ERANGE;
}

int config_validate(const struct config *c, char *err, size_t errlen)
{
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_kinds[k].named)
            continue;
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            int rc = opt_validate(c, &config_kinds[k].opts[i], err, errlen);
            if (rc < 0)
                return rc;
        }
    }
    char addr[300];
    listen_format(c->listen_host, c->listen_port, addr, sizeof addr);
    if (c->listen_host[0] == '\0' || c->listen_port < 0 || c->listen_port > 65535) {
        config_err_set(err, errlen, "bad listen address '%s'", addr);
        return -VIGIL_EINVAL;
    }
    if (!config_host_is_loopback(c->listen_host) && c->token[0] == '\0' && !c->allow_public) {
        config_err_set(
            err, errlen,
            "refusing to listen on '%s' without a token (set --token, or --allow-public to "
            "accept this)",
            addr);
        return -VIGIL_EINVAL;
    }
    if (c->history_ms < c->interval_ms) {
        char h[32], i[32];
        duration_format(c->history_ms, h, sizeof h);
        duration_format(c->interval_ms, i, sizeof i);
        config_err_set(err, errlen, "history window %s is shorter than the interval %s", h, i);
        return -VIGIL_ERANGE;
    }
    /* Every series holds window/interval samples of 16 bytes, allocated at once: bound it
     * so that a window of 7d at 100ms cannot ask for gigabytes. */
    if (c->history_ms / c->interval_ms > CONFIG_MAX_HISTORY_SAMPLES) {
        char h[32], i[32];
        duration_format(c->history_ms, h, sizeof h);
        duration_format(c->interval_ms, i, sizeof i);
        config_err_set(err, errlen,
                       "history window %s at interval %s keeps %lld samples per series (at "
                       "most %d): use a longer interval or a shorter window",
                       h, i, (long long)(c->history_ms / c->interval_ms),
                       CONFIG_MAX_HISTORY_SAMPLES);
        return -VIGIL_ERANGE;
    }
    if (c->rollup_ms % SECOND) {
        config_err_set(err, errlen, "rollup_interval must be whole seconds");
        return -VIGIL_EINVAL;
    }
    int rc = target_conf_validate(&c->targets, c->config_path, err, errlen);
    if (!rc)
        rc = logfile_conf_validate(&c->logfiles, c->config_path, err, errlen);
    return rc ? rc : node_conf_validate(&c->nodes, c->config_path, err, errlen);
}

/* --- printing -------------------------------------------------------------------------- */

void config_print_options(FILE *out)
{
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_kinds[k].named)
            continue;
        fprintf(out, "[%s]\n", config_kinds[k].name);
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            const struct opt *o = &config_kinds[k].opts[i];
            char flag[64], def[96];
            const char *meta = opt_metavar(o);
            if (o->flag != NULL)
                snprintf(flag, sizeof flag, "--%s%s%s", o->flag, meta[0] ? " " : "", meta);
            else
                flag[0] = '\0';
            const char *d = o->def != NULL ? o->def : o->shown_def;
            if (d != NULL && d[0] != '\0')
                snprintf(def, sizeof def, " (default %s)", d);
            else
                def[0] = '\0';
            fprintf(out, "  %-17s %-24s %-23s %s%s\n", o->key, flag, o->env != NULL ? o->env : "",
                    o->help, def);
        }
    }
}

void config_print(const struct config *c, FILE *out)
{
    if (c->config_path[0] != '\0')
        fprintf(out, "; effective configuration: %s, then VIGIL_* variables, then flags\n",
                c->config_path);
    else
        fprintf(out, "; effective configuration: defaults, then VIGIL_* variables, then flags\n");
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_kinds[k].named)
            continue;
        fprintf(out, "\n[%s]\n", config_kinds[k].name);
        for (size_t i = 0; i < config_kinds[k].nopts; i++) {
            char v[CONFIG_PATH_MAX + 16];
            opt_format(c, &config_kinds[k].opts[i], v, sizeof v);
            fprintf(out, "%s = %s\n", config_kinds[k].opts[i].key, v);
        }
    }
    alert_conf_print(&c->alerts, out);
    target_conf_print(&c->targets, out);
    logfile_conf_print(&c->logfiles, out);
    node_conf_print(&c->nodes, out);
}
