/* logtail: following files in a directory made by the test, one cycle at a time on this
 * thread: from the end of a file that is there at start, lines in pieces, a line too long,
 * rotation (with a line written to the old file after the rename), truncation, a file that
 * appears later, and a full buffer that holds the file back rather than losing lines. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/logtail.h"

static char dir[256], file[300];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigil-logtail-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/a.ndjson", dir);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(logtail, .init = setup, .fini = teardown);

static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static struct logtail *make(size_t max_line, size_t buffer)
{
    struct logtail_file_opts fo = {"a", file, max_line};
    struct logtail_opts o = {&fo, 1, 100, buffer, NULL, NULL};
    struct logtail *t = logtail_new(&o);
    cr_assert_not_null(t);
    return t;
}

/* One cycle, then every record taken, as "line:text" joined with '|' ("line:!" for a line
 * too long). */
static void cycle(struct logtail *t, char *out, size_t n)
{
    logtail_cycle(t);
    out[0] = '\0';
    struct logtail_chunk c;
    if (!logtail_take(t, &c))
        return;
    struct logtail_rec r;
    while (logtail_next(&c, &r)) {
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%llu:%s|", (unsigned long long)r.line,
                 r.too_long ? "!" : r.text);
    }
}

Test(logtail, from_the_end_of_a_file_there_at_start)
{
    append(file, "{\"a\":1}\n{\"a\":2}\nhalf a li");
    struct logtail *t = make(64, 0);
    char got[4096];
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "");
    struct logtail_stats st;
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.state, LOGTAIL_OK);
    cr_expect_eq(st.line, 3, "the half line is line 3");
    append(file, "ne\nfour\nfi");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "4:four|", "the rest of line 3 is not a line of ours");
    append(file, "ve\r\n\nseven\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "5:five\r|6:|7:seven|");
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.lines, 4);
    logtail_free(t);
}

Test(logtail, a_line_too_long_is_skipped_and_said)
{
    struct logtail *t = make(16, 0);
    char got[4096];
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "", "an empty file");
    append(file, "short\n0123456789abcdef\n0123456789");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "1:short|2:0123456789abcdef|", "16 bytes fit");
    append(file, "0123456789");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "");
    append(file, "more\nafter\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "3:!|4:after|");
    struct logtail_stats st;
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.too_long, 1);
    logtail_free(t);
}

Test(logtail, rotation_reads_the_old_file_to_its_end)
{
    append(file, "");
    struct logtail *t = make(64, 0);
    char got[4096], old[320];
    cycle(t, got, sizeof got);
    append(file, "one\ntwo\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "1:one|2:two|");
    int fd = open(file, O_WRONLY | O_APPEND);
    cr_assert_geq(fd, 0);
    snprintf(old, sizeof old, "%s.1", file);
    cr_assert_eq(rename(file, old), 0);
    cr_assert_eq(write(fd, "three\nlast without newline", 26), 26);
    close(fd);
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "3:three|", "the path is gone: the open file is followed");
    struct logtail_stats st;
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.state, LOGTAIL_MISSING);
    cr_expect_str_eq(st.error, "removed; following the open file");
    append(file, "new one\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "4:last without newline|1:new one|");
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.rotations, 1);
    cr_expect_eq(st.state, LOGTAIL_OK);
    logtail_free(t);
}

Test(logtail, truncation_starts_again_at_line_one)
{
    append(file, "");
    struct logtail *t = make(64, 0);
    char got[4096];
    cycle(t, got, sizeof got);
    append(file, "a\nb\nc\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "1:a|2:b|3:c|");
    cr_assert_eq(truncate(file, 0), 0);
    append(file, "x\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "1:x|");
    struct logtail_stats st;
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.truncations, 1);
    logtail_free(t);
}

Test(logtail, a_file_that_appears_later_is_read_from_its_start)
{
    struct logtail *t = make(64, 0);
    char got[4096];
    cycle(t, got, sizeof got);
    struct logtail_stats st;
    logtail_stats(t, 0, &st);
    cr_expect_eq(st.state, LOGTAIL_MISSING);
    cr_expect_str_eq(st.error, "the file does not exist");
    append(file, "first\n");
    cycle(t, got, sizeof got);
    cr_expect_str_eq(got, "1:first|");
    logtail_free(t);
}

Test(logtail, a_full_buffer_holds_the_file_back)
{
    append(file, "");
    struct logtail *t = make(64, 256);
    char got[4096];
    cycle(t, got, sizeof got);
    char text[4096] = "";
    for (int i = 1; i <= 60; i++) {
        char line[32];
        snprintf(line, sizeof line, "line %02d\n", i);
        strcat(text, line);
    }
    append(file, text);
    /* each cycle fills the buffer; what did not fit waits in the file */
    int next = 1, cycles = 0;
    while (next <= 60 && cycles++ < 100) {
        cycle(t, got, sizeof got);
        for (char *p = got; *p;) {
            unsigned n;
            char want[32];
            cr_assert_eq(sscanf(p, "%u:", &n), 1);
            snprintf(want, sizeof want, "%u:line %02u|", n, n);
            cr_assert_eq(n, (unsigned)next, "in order, each once");
            cr_assert_eq(strncmp(p, want, strlen(want)), 0, "%s", p);
            p += strlen(want);
            next++;
        }
    }
    cr_expect_eq(next, 61);
    cr_expect_gt(cycles, 3, "the buffer filled up on the way");
    logtail_free(t);
}

Test(logtail, bad_options)
{
    struct logtail_opts o = {NULL, 1, 100, 0, NULL, NULL};
    cr_expect_null(logtail_new(&o));
    o.n_files = LOGTAIL_MAX_FILES + 1;
    cr_expect_null(logtail_new(&o));
    cr_expect_null(logtail_new(NULL));
}
