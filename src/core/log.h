/*
 * log: one line per message on stderr, "2026-01-02T03:04:05.678Z warn  cpu: text".
 * Safe from any thread (each line is written with a single write()). A log_latch says a
 * repeating condition once, when it starts or changes, and once more when it clears, so
 * a missing GPU or a dead target does not fill the log every cycle.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "debug", "info", "warn" or "error"; 0, or -VIGIL_EINVAL for anything else. */
int log_level_parse(const char *s, enum log_level *out);

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)

/* Remembers the last condition reported. Owned by whoever reports; not shared by threads. */
struct log_latch {
    char last[192];
    bool active;
};

/* Logs at level when text differs from the condition last reported; returns true if it
 * logged. */
bool log_latch_set(struct log_latch *l, enum log_level level, const char *module, const char *text);
/* Logs "text" at info once if a condition was active, and clears it. */
bool log_latch_clear(struct log_latch *l, const char *module, const char *text);

#endif
