/* clock: ISO-8601 both ways, without the C library's time zone. */
#include <criterion/criterion.h>

#include "core/clock.h"
#include "core/err.h"

Test(clock, formats_utc_with_milliseconds)
{
    char s[32];
    cr_assert_str_eq(clock_iso8601(0, s, sizeof s), "1970-01-01T00:00:00.000Z");
    cr_assert_str_eq(clock_iso8601(1770000000123, s, sizeof s), "2026-02-02T02:40:00.123Z");
}

Test(clock, parses_what_it_formats_and_common_forms)
{
    int64_t t;
    cr_assert_eq(clock_parse_iso8601("2026-02-02T02:40:00.123Z", &t), 0);
    cr_assert_eq(t, 1770000000123);
    cr_assert_eq(clock_parse_iso8601("2026-02-02T04:40:00+02:00", &t), 0);
    cr_assert_eq(t, 1770000000000);
    cr_assert_eq(clock_parse_iso8601("2024-02-29", &t), 0);
    cr_assert_eq(t, 1709164800000);
    cr_assert_eq(clock_parse_iso8601("2026-02-08T20:15:30.5Z", &t), 0);
    cr_assert_eq(t % 1000, 500);
}

Test(clock, rejects_malformed_times)
{
    int64_t t;
    const char *bad[] = {"",
                         "2026",
                         "2026-13-01",
                         "2026-01-01T25:00",
                         "2026-01-01T10:00:00.Z",
                         "2026-01-01T10:00:00Zjunk",
                         "yesterday",
                         "2026-1-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(clock_parse_iso8601(bad[i], &t), -VIGIL_EINVAL, "%s", bad[i]);
}

Test(clock, monotonic_never_goes_back)
{
    int64_t a = clock_mono_ns(), b = clock_mono_ns();
    cr_assert_geq(b, a);
}
