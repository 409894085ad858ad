/*
 * clock: the two clocks vigil uses. The monotonic one paces collection and measures
 * elapsed time (rates); the real one stamps samples for people and the API. Both in
 * milliseconds or nanoseconds as int64.
 */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_mono_ns(void);
int64_t clock_real_ms(void);

/* Writes t (unix ms) as ISO-8601 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z.
 * out must hold at least 25 bytes. Returns out. */
char *clock_iso8601(int64_t unix_ms, char *out, size_t n);

/* Parses ISO-8601 UTC ("2026-01-02T03:04:05Z", optional fraction, "Z" or +hh:mm offset).
 * 0 on success with *unix_ms set, -VIGIL_EINVAL otherwise. */
int clock_parse_iso8601(const char *s, int64_t *unix_ms);

#endif
