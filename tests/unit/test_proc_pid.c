/* proc_pid: /proc/<pid>/stat lines as the kernel writes them, command names that hold
 * spaces and parentheses, signed tick counts, and truncated or hostile lines. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/err.h"
#include "parse/proc_pid.h"

static int parse(const char *s, struct proc_pid_stat *st)
{
    return proc_pid_stat_parse(s, strlen(s), st);
}

Test(proc_pid, a_kernel_line)
{
    static const char line[] =
        "4242 (python3) S 4200 4242 4200 34816 4242 4194304 31000 0 12 0 1234 567 89 10 20 0 "
        "41 0 987654 3000000000 51200 18446744073709551615 1 1 0 0 0 0 0 16781312 17642 0 0 "
        "0 17 3 0 0 0 0 0\n";
    struct proc_pid_stat st;
    cr_assert_eq(parse(line, &st), 0);
    cr_expect_eq(st.pid, 4242);
    cr_expect_eq(st.state, 'S');
    cr_expect_eq(st.ppid, 4200);
    cr_expect_eq(st.utime, 1234);
    cr_expect_eq(st.stime, 567);
    cr_expect_eq(st.cutime, 89);
    cr_expect_eq(st.cstime, 10);
    cr_expect_eq(st.starttime, 987654);
    cr_expect_eq(st.rss_pages, 51200);
}

Test(proc_pid, command_names_with_spaces_and_parentheses)
{
    static const char line[] = "7 (a) b (c) d) R 1 7 7 0 -1 0 0 0 0 0 5 6 -3 -4 20 0 1 0 99 0 12";
    struct proc_pid_stat st;
    cr_assert_eq(parse(line, &st), 0);
    cr_expect_eq(st.state, 'R');
    cr_expect_eq(st.ppid, 1);
    cr_expect_eq(st.utime, 5);
    cr_expect_eq(st.stime, 6);
    cr_expect_eq(st.cutime, 0, "a negative count reads as 0");
    cr_expect_eq(st.cstime, 0);
    cr_expect_eq(st.starttime, 99);
    cr_expect_eq(st.rss_pages, 12);
}

Test(proc_pid, bad_lines)
{
    static const char *const bad[] = {
        "",
        "x (a) S 1",
        "0 (a) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 0 12",
        "7 a S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 0 12",
        "7 (a) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 0", /* cut before rss */
        "7 (a) S 1 1 1 0 -1 0 0 0 0 0 x 6 0 0 20 0 1 0 99 0 12",
        "7 (a) S 99999999999 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 0 12",
        "7 (a) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999 6 0 0 20 0 1 0 99 0 12",
        "7 (a)",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct proc_pid_stat st;
        cr_expect_eq(parse(bad[i], &st), -VIGIL_EINVAL, "case %zu: %s", i, bad[i]);
    }
}

Test(proc_pid, never_reads_past_len)
{
    static const char line[] = "7 (a) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 99 0 12345";
    struct proc_pid_stat st;
    /* cut inside the last number: what is there parses, as the file would at that length */
    cr_assert_eq(proc_pid_stat_parse(line, sizeof line - 3, &st), 0);
    cr_expect_eq(st.rss_pages, 123);
    for (size_t n = 0; n < sizeof line - 6; n++)
        cr_expect_eq(proc_pid_stat_parse(line, n, &st), -VIGIL_EINVAL, "cut at %zu", n);
}
