/* log: timestamped lines on stderr; the level is a relaxed atomic so SIGHUP can change it. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"

static _Atomic int current_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    atomic_store_explicit(&current_level, (int)level, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load_explicit(&current_level, memory_order_relaxed);
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = LOG_WARN;
        return 0;
    }
    return -VIGIL_EINVAL;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    if ((int)level < atomic_load_explicit(&current_level, memory_order_relaxed))
        return;
    char line[1024];
    char ts[32];
    clock_iso8601(clock_real_ms(), ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s %-5s %s: ", ts, level_names[level], module);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

bool log_latch_set(struct log_latch *l, enum log_level level, const char *module, const char *text)
{
    if (l->active && strncmp(l->last, text, sizeof l->last - 1) == 0)
        return false;
    snprintf(l->last, sizeof l->last, "%s", text);
    l->active = true;
    log_msg(level, module, "%s", text);
    return true;
}

bool log_latch_clear(struct log_latch *l, const char *module, const char *text)
{
    if (!l->active)
        return false;
    l->active = false;
    l->last[0] = '\0';
    log_msg(LOG_INFO, module, "%s", text);
    return true;
}
