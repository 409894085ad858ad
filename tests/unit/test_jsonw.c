/* jsonw and buf: well-formed output, escaping, UTF-8 repair, caps latched as errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"

Test(jsonw, nests_and_separates)
{
    struct buf b;
    buf_init(&b, 1024);
    struct jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kint(&w, "a", -3);
    jw_key(&w, "b");
    jw_arr_begin(&w);
    jw_uint(&w, 18446744073709551615ull);
    jw_double(&w, 0.1 + 0.2);
    jw_double(&w, NAN);
    jw_bool(&w, true);
    jw_null(&w);
    jw_arr_end(&w);
    jw_kstr(&w, "c", NULL);
    jw_key(&w, "d");
    jw_raw(&w, "{\"x\":1}", 7);
    jw_obj_end(&w);
    cr_assert_eq(w.err, 0);
    cr_assert_str_eq(b.data, "{\"a\":-3,\"b\":[18446744073709551615,0.3,null,true,null],\"c\":null,"
                             "\"d\":{\"x\":1}}");
    buf_release(&b);
}

Test(jsonw, escapes_and_repairs_strings)
{
    struct buf b;
    buf_init(&b, 1024);
    struct jsonw w;
    jw_init(&w, &b);
    jw_str(&w, "q\"b\\n\n\t\x01 caf\xc3\xa9 bad\xff\xfe end \xe2\x82");
    cr_assert_eq(w.err, 0);
    cr_assert_str_eq(b.data, "\"q\\\"b\\\\n\\n\\t\\u0001 caf\xc3\xa9 bad\xef\xbf\xbd\xef\xbf\xbd"
                             " end \xef\xbf\xbd\xef\xbf\xbd\"");
    buf_release(&b);
}

Test(jsonw, rejects_overlong_utf8_and_surrogates)
{
    struct buf b;
    buf_init(&b, 64);
    cr_assert_eq(json_escape(&b, "\xc0\xaf\xed\xa0\x80", 5), 0);
    /* 2 bytes of overlong '/', then a 3-byte surrogate: each byte replaced */
    cr_assert_eq(b.len, 5 * 3);
    buf_release(&b);
}

Test(jsonw, a_full_buffer_is_latched)
{
    struct buf b;
    buf_init(&b, 10);
    struct jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "key", "a value that does not fit");
    jw_obj_end(&w);
    cr_assert_eq(w.err, -VIGIL_E2BIG);
    cr_assert_leq(b.len, 10);
    buf_release(&b);
}

Test(buf, caps_and_printf)
{
    struct buf b;
    buf_init(&b, 8);
    cr_assert_eq(buf_adds(&b, "12345678"), 0);
    cr_assert_eq(buf_addc(&b, 'x'), -VIGIL_E2BIG);
    cr_assert_str_eq(b.data, "12345678");
    buf_reset(&b);
    cr_assert_eq(buf_printf(&b, "%d-%s", 42, "ab"), 0);
    cr_assert_str_eq(b.data, "42-ab");
    cr_assert_eq(buf_printf(&b, "%s", "toolong"), -VIGIL_E2BIG);
    cr_assert_str_eq(b.data, "42-ab");
    size_t len;
    char *p = buf_detach(&b, &len);
    cr_assert_eq(len, 5);
    free(p);
    cr_assert_null(b.data);
    struct buf big;
    buf_init(&big, 1 << 20);
    char chunk[300];
    memset(chunk, 'z', sizeof chunk - 1);
    chunk[sizeof chunk - 1] = '\0';
    for (int i = 0; i < 100; i++)
        cr_assert_eq(buf_printf(&big, "%s", chunk), 0);
    cr_assert_eq(big.len, 29900);
    buf_release(&big);
}

/* Integers and whole doubles skip printf; what they print must not change. */
Test(jsonw, numbers_print_as_printf_would)
{
    const double d[] = {0,   -0.0,  1,     -1,    9999999999.0, 1e10, -9999999999.0, 12345678901.0,
                        0.5, -3.25, 1e-12, 1e300, 123456.0};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        struct buf b;
        buf_init(&b, 64);
        struct jsonw w;
        jw_init(&w, &b);
        jw_double(&w, d[i]);
        char want[64];
        snprintf(want, sizeof want, "%.10g", d[i] == 0 ? 0.0 : d[i]);
        cr_assert_str_eq(b.data, want, "%.17g", d[i]);
        buf_release(&b);
    }
    const int64_t n[] = {0, -1, 7, INT64_MIN, INT64_MAX, -1000000};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        struct buf b;
        buf_init(&b, 64);
        struct jsonw w;
        jw_init(&w, &b);
        jw_int(&w, n[i]);
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)n[i]);
        cr_assert_str_eq(b.data, want);
        buf_release(&b);
    }
}
