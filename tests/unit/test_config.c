/* test_config: defaults, value parsers, the INI/variable/flag loaders with their messages,
 * validation and printing. INI cases live in tests/fixtures/config; each file under bad/
 * names the error it must give on its first line. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/err.h"
#include "core/fault.h"

static const char *fixture_root(void)
{
    const char *r = getenv("VIGIL_FIXTURES");
    return r != NULL && r[0] != '\0' ? r : "tests/fixtures";
}

static void fixture(char *out, size_t n, const char *rel)
{
    int w = snprintf(out, n, "%s/config/%s", fixture_root(), rel);
    cr_assert(w > 0 && (size_t)w < n);
}

/* Loads a fixture into defaults; returns the loader's code, the message in err. */
static int load_fixture(struct config *c, const char *rel, char *path, char *err)
{
    fixture(path, CONFIG_PATH_MAX, rel);
    config_defaults(c);
    err[0] = '\0';
    return config_load_file(c, path, err, CONFIG_ERR_MAX);
}

/* Field by field: memcmp would also compare padding, which struct copies need not keep. */
static bool config_same(const struct config *a, const struct config *b)
{
    return strcmp(a->listen_host, b->listen_host) == 0 && a->listen_port == b->listen_port &&
           strcmp(a->token, b->token) == 0 && a->allow_public == b->allow_public &&
           a->max_connections == b->max_connections && a->max_header_bytes == b->max_header_bytes &&
           a->max_body_bytes == b->max_body_bytes && a->log_level == b->log_level &&
           strcmp(a->data_dir, b->data_dir) == 0 && a->interval_ms == b->interval_ms &&
           strcmp(a->procfs, b->procfs) == 0 && strcmp(a->sysfs, b->sysfs) == 0 &&
           a->history_ms == b->history_ms && a->max_series == b->max_series &&
           strcmp(a->config_path, b->config_path) == 0;
}

/* config_print's output as a string; free() it. */
static char *print_to_string(const struct config *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    config_print(c, f);
    fclose(f);
    return text;
}

/* --- defaults ------------------------------------------------------------------------- */

Test(config, defaults)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_str_eq(c.listen_host, "127.0.0.1");
    cr_assert_eq(c.listen_port, 9400);
    cr_assert_str_eq(c.token, "");
    cr_assert_not(c.allow_public);
    cr_assert_eq(c.max_connections, 256);
    cr_assert_eq(c.max_header_bytes, 8192);
    cr_assert_eq(c.max_body_bytes, (size_t)1024 * 1024);
    cr_assert_eq(c.log_level, LOG_INFO);
    cr_assert_eq(c.interval_ms, 2000);
    cr_assert_str_eq(c.procfs, "/proc");
    cr_assert_str_eq(c.sysfs, "/sys");
    cr_assert_eq(c.history_ms, 3600 * 1000LL);
    cr_assert_eq(c.max_series, 4096);
    cr_assert_str_eq(c.config_path, "");
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

/* Each test runs in its own process, so changing the environment here touches no other. */
Test(config, data_dir_follows_xdg_then_home)
{
    struct config c;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    setenv("HOME", "/home/u", 1);
    config_defaults(&c);
    cr_assert_str_eq(c.data_dir, "/x/state/vigil");

    setenv("XDG_STATE_HOME", "relative/ignored", 1);
    config_defaults(&c);
    cr_assert_str_eq(c.data_dir, "/home/u/.local/state/vigil");

    unsetenv("XDG_STATE_HOME");
    config_defaults(&c);
    cr_assert_str_eq(c.data_dir, "/home/u/.local/state/vigil");

    unsetenv("HOME");
    config_defaults(&c);
    cr_assert_str_eq(c.data_dir, "/var/lib/vigil");
}

/* --- value parsers -------------------------------------------------------------------- */

Test(config_parse, duration_good)
{
    static const struct {
        const char *s;
        int64_t ms;
    } cases[] = {
        {"500ms", 500},  {"2s", 2000},      {"1m", 60000},
        {"1h", 3600000}, {"1d", 86400000},  {"1h30m", 5400000},
        {"0s", 0},       {"1m30s", 90000},  {"1d2h3m4s5ms", 93784005},
        {"0100ms", 100}, {"7d", 604800000}, {"106751991167d", 106751991167LL * 86400000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms = -1;
        cr_assert_eq(config_parse_duration_ms(cases[i].s, &ms), 0, "'%s'", cases[i].s);
        cr_assert_eq(ms, cases[i].ms, "'%s' gave %lld", cases[i].s, (long long)ms);
    }
}

Test(config_parse, duration_bad)
{
    static const char *const bad[] = {
        "",      "2",    "2x",   "s",      "-1s",   "+1s", " 1s", "1s ", "1.5s", "1S",
        "30m1h", "1m1m", "1mss", "1h 30m", "0x10s", "ms",  "1sm", "1 s", "2s\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        cr_assert_eq(config_parse_duration_ms(bad[i], &ms), -VIGIL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(ms, 42, "'%s' wrote the output", bad[i]);
    }
    static const char *const huge[] = {
        "106751991167301d",
        "9223372036854775808ms",
        "99999999999999999999999s",
        "106751991167d23h59m59s999ms",
    };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        int64_t ms = 42;
        cr_assert_eq(config_parse_duration_ms(huge[i], &ms), -VIGIL_ERANGE, "'%s'", huge[i]);
        cr_assert_eq(ms, 42);
    }
}

Test(config_parse, size_good)
{
    static const struct {
        const char *s;
        size_t bytes;
    } cases[] = {
        {"1024", 1024},
        {"0", 0},
        {"64K", (size_t)64 << 10},
        {"64k", (size_t)64 << 10},
        {"16KB", (size_t)16 << 10},
        {"16KiB", (size_t)16 << 10},
        {"16M", 16 << 20},
        {"16MiB", 16 << 20},
        {"16mb", 16 << 20},
        {"1G", (size_t)1 << 30},
        {"2GiB", (size_t)2 << 30},
        {"1T", (size_t)1 << 40},
        {"512B", 512},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t b = 1;
        cr_assert_eq(config_parse_size(cases[i].s, &b), 0, "'%s'", cases[i].s);
        cr_assert_eq(b, cases[i].bytes, "'%s' gave %zu", cases[i].s, b);
    }
}

Test(config_parse, size_bad)
{
    static const char *const bad[] = {"",    "K",   "1X",   "1.5M", "-1",    " 1",
                                      "1 K", "1KK", "0x10", "1Ki",  "1MiBs", "+5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t b = 7;
        cr_assert_eq(config_parse_size(bad[i], &b), -VIGIL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(b, 7);
    }
    size_t b = 7;
    cr_assert_eq(config_parse_size("99999999999999999999999", &b), -VIGIL_ERANGE);
    cr_assert_eq(config_parse_size("17179869184G", &b), -VIGIL_ERANGE);
    cr_assert_eq(b, 7);
}

Test(config_parse, bool_good_and_bad)
{
    static const char *const yes[] = {"true", "yes", "on", "1", "TRUE", "Yes"};
    static const char *const no[] = {"false", "no", "off", "0", "False", "OFF"};
    static const char *const bad[] = {"", "2", "y", "n", "truee", " true", "enabled"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool v = false;
        cr_assert_eq(config_parse_bool(yes[i], &v), 0, "'%s'", yes[i]);
        cr_assert(v, "'%s'", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool v = true;
        cr_assert_eq(config_parse_bool(no[i], &v), 0, "'%s'", no[i]);
        cr_assert_not(v, "'%s'", no[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool v = true;
        cr_assert_eq(config_parse_bool(bad[i], &v), -VIGIL_EINVAL, "'%s'", bad[i]);
        cr_assert(v);
    }
}

Test(config_parse, uint_good_and_bad)
{
    unsigned v = 0;
    cr_assert_eq(config_parse_uint("0", &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(config_parse_uint("4096", &v), 0);
    cr_assert_eq(v, 4096);
    cr_assert_eq(config_parse_uint("4294967295", &v), 0);
    cr_assert_eq(v, 4294967295u);
    static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e3", "one"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 9;
        cr_assert_eq(config_parse_uint(bad[i], &v), -VIGIL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(v, 9);
    }
    cr_assert_eq(config_parse_uint("4294967296", &v), -VIGIL_ERANGE);
    cr_assert_eq(config_parse_uint("99999999999999999999999", &v), -VIGIL_ERANGE);
    cr_assert_eq(v, 9);
}

Test(config_parse, listen_good)
{
    static const struct {
        const char *s, *host;
        int port;
    } cases[] = {
        {"127.0.0.1:9400", "127.0.0.1", 9400},
        {"0.0.0.0:80", "0.0.0.0", 80},
        {"[::1]:9400", "::1", 9400},
        {"[::]:1", "::", 1},
        {"localhost:9400", "localhost", 9400},
        {":9400", "127.0.0.1", 9400},
        {"gpu-01.lab:0", "gpu-01.lab", 0},
        {"host:65535", "host", 65535},
        {"[fe80::1%eth0]:80", "fe80::1%eth0", 80},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[256] = "";
        int port = -1;
        cr_assert_eq(config_parse_listen(cases[i].s, host, sizeof host, &port), 0, "'%s'",
                     cases[i].s);
        cr_assert_str_eq(host, cases[i].host, "'%s'", cases[i].s);
        cr_assert_eq(port, cases[i].port, "'%s'", cases[i].s);
    }
}

Test(config_parse, listen_bad)
{
    static const char *const bad[] = {
        "",         "9400",        "host",     "host:",     ":",        "host:port", "host:-1",
        "host:+80", "host: 80",    "::1:9400", "[::1]9400", "[::1]",    "[]:80",     "[1.2.3.4]:80",
        "a b:80",   "host:123456", "[::1:80",  "ho/st:80",  "host:80 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char host[256] = "unchanged";
        int port = 7;
        int rc = config_parse_listen(bad[i], host, sizeof host, &port);
        cr_assert(rc == -VIGIL_EINVAL || rc == -VIGIL_ERANGE, "'%s' gave %d", bad[i], rc);
        cr_assert_str_eq(host, "unchanged", "'%s'", bad[i]);
        cr_assert_eq(port, 7);
    }
    char host[256];
    int port;
    cr_assert_eq(config_parse_listen("host:65536", host, sizeof host, &port), -VIGIL_ERANGE);
    char tiny[4];
    cr_assert_eq(config_parse_listen("abcd:80", tiny, sizeof tiny, &port), -VIGIL_EINVAL,
                 "a host longer than the buffer is an error, not a truncation");
}

Test(config_parse, loopback)
{
    static const char *const yes[] = {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1",
                                      "localhost", "LocalHost", "::ffff:127.0.0.1"};
    static const char *const no[] = {"0.0.0.0",   "::",          "10.0.0.1",       "128.0.0.1",
                                     "126.0.0.1", "example.com", "localhost.evil", "",
                                     "127.1",     "::2",         "::ffff:10.0.0.1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_assert(config_host_is_loopback(yes[i]), "'%s'", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_assert_not(config_host_is_loopback(no[i]), "'%s'", no[i]);
}

/* --- INI files ------------------------------------------------------------------------ */

Test(config_ini, good_file)
{
    struct config c;
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    cr_assert_eq(load_fixture(&c, "good.ini", path, err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "0.0.0.0");
    cr_assert_eq(c.listen_port, 9500);
    cr_assert_str_eq(c.token, "s3cret-token");
    cr_assert_not(c.allow_public);
    cr_assert_eq(c.max_connections, 64);
    cr_assert_eq(c.max_header_bytes, 16 * 1024);
    cr_assert_eq(c.max_body_bytes, (size_t)2 << 20);
    cr_assert_eq(c.log_level, LOG_DEBUG);
    cr_assert_str_eq(c.data_dir, "/var/lib/vigil-test");
    cr_assert_eq(c.interval_ms, 500);
    cr_assert_str_eq(c.procfs, "/host/proc");
    cr_assert_str_eq(c.sysfs, "/host/sys");
    cr_assert_eq(c.history_ms, 90LL * 60 * 1000);
    cr_assert_eq(c.max_series, 1000);
    cr_assert_str_eq(c.config_path, path);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

/* Wants the load of a fixture to fail with exactly "PATH:<tail>". */
static void expect_file_error(const char *rel, int code, const char *tail)
{
    struct config c, before;
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX], want[CONFIG_PATH_MAX + CONFIG_ERR_MAX];
    int rc = load_fixture(&c, rel, path, err);
    cr_assert_eq(rc, code, "%s: got %d (%s)", rel, rc, err);
    snprintf(want, sizeof want, "%s:%s", path, tail);
    cr_assert_str_eq(err, want);
    config_defaults(&before);
    cr_assert(config_same(&c, &before), "%s: a failed load changed the config", rel);
}

Test(config_ini, unknown_key)
{
    expect_file_error("unknown_key.ini", -VIGIL_ENOENT,
                      "5: unknown key 'intervl' in section [collect]");
}

Test(config_ini, unknown_section)
{
    expect_file_error("unknown_section.ini", -VIGIL_EINVAL, "4: unknown section [colect]");
}

Test(config_ini, bad_value)
{
    expect_file_error("bad_value.ini", -VIGIL_EINVAL,
                      "4: bad duration '2x' for key 'interval' (use e.g. 500ms, 2s, 1m, 1h)");
}

Test(config_ini, duplicate_key)
{
    expect_file_error("duplicate_key.ini", -VIGIL_EEXIST,
                      "6: duplicate key 'token' in section [server] (first set on line 3)");
}

/* Every file under bad/ says on its first line "; expect: LINE: MESSAGE". */
Test(config_ini, bad_cases)
{
    char dir[CONFIG_PATH_MAX];
    fixture(dir, sizeof dir, "bad");
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open '%s': %s", dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        char rel[300], path[CONFIG_PATH_MAX], head[CONFIG_ERR_MAX] = "";
        snprintf(rel, sizeof rel, "bad/%s", e->d_name);
        fixture(path, sizeof path, rel);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        cr_assert_not_null(fgets(head, sizeof head, f), "%s is empty", path);
        fclose(f);
        head[strcspn(head, "\n")] = '\0';
        cr_assert(strncmp(head, "; expect: ", 10) == 0, "%s: no '; expect: ' line", path);

        struct config c;
        char err[CONFIG_ERR_MAX], want[CONFIG_PATH_MAX + CONFIG_ERR_MAX];
        config_defaults(&c);
        cr_assert_lt(config_load_file(&c, path, err, sizeof err), 0, "%s loaded", path);
        snprintf(want, sizeof want, "%s:%s", path, head + 10);
        cr_assert_str_eq(err, want);
        n++;
    }
    closedir(d);
    cr_assert_gt(n, 10, "only %d cases found in %s", n, dir);
}

Test(config_ini, unreadable_file)
{
    struct config c;
    char err[CONFIG_ERR_MAX], want[CONFIG_PATH_MAX + CONFIG_ERR_MAX], path[CONFIG_PATH_MAX];
    config_defaults(&c);
    fixture(path, sizeof path, "no-such-file.ini");
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), vigil_errno(ENOENT));
    snprintf(want, sizeof want, "cannot read config '%s': %s", path, strerror(ENOENT));
    cr_assert_str_eq(err, want);

    fixture(path, sizeof path, "bad");
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), vigil_errno(EISDIR));
    snprintf(want, sizeof want, "cannot read config '%s': %s", path, strerror(EISDIR));
    cr_assert_str_eq(err, want);
}

Test(config_ini, allocation_failure_and_huge_file)
{
    struct config c, before;
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX], want[CONFIG_PATH_MAX + CONFIG_ERR_MAX];
    config_defaults(&c);
    before = c;
    fixture(path, sizeof path, "good.ini");
    fault_fail_alloc_after(0);
    cr_assert_eq(config_load_file(&c, path, err, sizeof err), -VIGIL_ENOMEM);
    fault_fail_alloc_after(-1);
    snprintf(want, sizeof want, "cannot read config '%s': out of memory", path);
    cr_assert_str_eq(err, want);
    cr_assert(config_same(&c, &before));

    char tmp[] = "/tmp/vigil-test-config-XXXXXX";
    int fd = mkstemp(tmp);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 1024 * 1024 + 1; i++)
        fputc('\n', f);
    fclose(f);
    cr_assert_eq(config_load_file(&c, tmp, err, sizeof err), -VIGIL_E2BIG);
    snprintf(want, sizeof want, "cannot read config '%s': larger than 1048576 bytes", tmp);
    cr_assert_str_eq(err, want);
    unlink(tmp);
}

Test(config_ini, longest_line)
{
    struct config c;
    char err[CONFIG_ERR_MAX], text[300];
    config_defaults(&c);
    /* inih reads lines into 200 bytes; 198 of text is the most that fits */
    int n = snprintf(text, sizeof text, "[collect]\nprocfs = /%0188d\n", 0);
    cr_assert_eq(n, 10 + 198 + 1);
    cr_assert_eq(config_load_string(&c, text, "f", err, sizeof err), 0, "%s", err);
    cr_assert_eq(strlen(c.procfs), 189);
    snprintf(text, sizeof text, "[collect]\nprocfs = /%0189d\n", 0);
    cr_assert_eq(config_load_string(&c, text, "f", err, sizeof err), -VIGIL_E2BIG);
    cr_assert_str_eq(err, "f:2: line too long (at most 198 bytes)");
}

Test(config_ini, strings_in_memory)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    /* a byte order mark, CRLF line ends, "key: value" and an empty known section */
    const char *text = "\xEF\xBB\xBF[server]\r\nlisten: [::1]:9401\r\n\r\n[history]\n[collect]\n"
                       "interval=1s";
    cr_assert_eq(config_load_string(&c, text, "<test>", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "::1");
    cr_assert_eq(c.listen_port, 9401);
    cr_assert_eq(c.interval_ms, 1000);
    cr_assert_str_eq(c.config_path, "", "a string is not a file");

    cr_assert_eq(config_load_string(&c, "", "<empty>", err, sizeof err), 0);
    cr_assert_eq(config_load_string(&c, "[collect]\ninterval = 3s\n", "x", NULL, 0), 0,
                 "a NULL error buffer is allowed");
    cr_assert_eq(c.interval_ms, 3000);
    cr_assert_lt(config_load_string(&c, "[nope]\n", "x", NULL, 0), 0);
    cr_assert_eq(config_load_string(&c, "[nope]\n", "x", err, 8), -VIGIL_EINVAL);
    cr_assert_eq(strlen(err), 7, "the message is cut to the buffer");
}

Test(config_ini, first_error_wins)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    /* line 2 cannot be read by inih, line 3 has an unknown key: line 2 is the one to report */
    cr_assert_lt(config_load_string(&c, "[server]\nnonsense\nbogus = 1\n", "f", err, sizeof err),
                 0);
    cr_assert_str_eq(err, "f:2: syntax error (expected [section] or key = value)");
    cr_assert_lt(config_load_string(&c, "[server]\nbogus = 1\nnonsense\n", "f", err, sizeof err),
                 0);
    cr_assert_str_eq(err, "f:2: unknown key 'bogus' in section [server]");
}

Test(config_ini, messages_do_not_echo_garbage)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_lt(
        config_load_string(&c, "[server]\nlisten = \x1b[31mred\x7f:x\n", "f", err, sizeof err), 0);
    cr_assert_str_eq(err, "f:2: bad address '?[31mred?:x' for key 'listen' (use HOST:PORT)");
    char text[160];
    snprintf(text, sizeof text, "[collect]\ninterval = %s\n",
             "2sxxxxxxxxxyyyyyyyyyyzzzzzzzzzzxxxxxxxxxxyyyyyyyyyyzzzzzzzzzz");
    cr_assert_lt(config_load_string(&c, text, "f", err, sizeof err), 0);
    cr_assert_str_eq(err, "f:2: bad duration '2sxxxxxxxxxyyyyyyyyyyzzzzzzzzzzxxxxxxxxx...' for "
                          "key 'interval' (use e.g. 500ms, 2s, 1m, 1h)");
}

/* --- environment and flags ------------------------------------------------------------ */

static const char *fake_env(const char *name)
{
    static const char *const vars[][2] = {
        {"VIGIL_LISTEN", "0.0.0.0:9600"}, {"VIGIL_TOKEN", "from-env"},
        {"VIGIL_INTERVAL", "5s"},         {"VIGIL_HISTORY", ""},
        {"VIGIL_DATA_DIR", "/env/data"},  {"VIGIL_NOT_AN_OPTION", "x"},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        if (strcmp(vars[i][0], name) == 0)
            return vars[i][1];
    }
    return NULL;
}

static const char *bad_env(const char *name)
{
    return strcmp(name, "VIGIL_INTERVAL") == 0 ? "2x" : NULL;
}

static const char *long_token_env(const char *name)
{
    static char token[301];
    memset(token, 't', 300);
    return strcmp(name, "VIGIL_TOKEN") == 0 ? token : NULL;
}

Test(config_env, env_overrides_file_and_flags_override_env)
{
    struct config c;
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    cr_assert_eq(load_fixture(&c, "good.ini", path, err), 0, "%s", err);
    cr_assert_eq(config_load_env(&c, fake_env, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "0.0.0.0");
    cr_assert_eq(c.listen_port, 9600);
    cr_assert_str_eq(c.token, "from-env");
    cr_assert_eq(c.interval_ms, 5000);
    cr_assert_eq(c.history_ms, 90LL * 60 * 1000, "an empty variable counts as unset");
    cr_assert_str_eq(c.data_dir, "/env/data");
    cr_assert_str_eq(c.procfs, "/host/proc", "what the environment does not set stays");

    cr_assert_eq(config_apply_flag(&c, "listen", "127.0.0.2:9700", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "interval", "250ms", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "allow-public", NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "procfs", "/flag/proc", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.listen_host, "127.0.0.2");
    cr_assert_eq(c.listen_port, 9700);
    cr_assert_eq(c.interval_ms, 250);
    cr_assert(c.allow_public);
    cr_assert_str_eq(c.procfs, "/flag/proc");
    cr_assert_str_eq(c.token, "from-env");
    cr_assert_eq(config_apply_flag(&c, "allow-public", "no", err, sizeof err), 0, "%s", err);
    cr_assert_not(c.allow_public);
    cr_assert_eq(config_apply_flag(&c, "token", "a;b c", err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.token, "a;b c");
}

Test(config_env, bad_variable_names_itself)
{
    struct config c, before;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    before = c;
    cr_assert_eq(config_load_env(&c, bad_env, err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "VIGIL_INTERVAL: bad duration '2x' (use e.g. 500ms, 2s, 1m, 1h)");
    cr_assert_eq(config_load_env(&c, long_token_env, err, sizeof err), -VIGIL_E2BIG);
    cr_assert_str_eq(err, "VIGIL_TOKEN: value too long (300 bytes) (at most 255 bytes)");
    cr_assert(config_same(&c, &before), "a failed load changed the config");
}

Test(config_flags, errors_and_kinds)
{
    struct config c, before;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    before = c;
    cr_assert_eq(config_apply_flag(&c, "listen", "x", err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "--listen: bad address 'x' (use HOST:PORT)");
    cr_assert_eq(config_apply_flag(&c, "listen", NULL, err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "--listen: missing value");
    cr_assert_eq(config_apply_flag(&c, "history", "8d", err, sizeof err), -VIGIL_ERANGE);
    cr_assert_str_eq(err, "--history: '8d' out of range (from 100ms to 7d)");
    cr_assert_eq(config_apply_flag(&c, "max-body-bytes", "2G", err, sizeof err), -VIGIL_ERANGE);
    cr_assert_str_eq(err, "--max-body-bytes: '2G' out of range (from 1KiB to 1GiB)");
    cr_assert_eq(config_apply_flag(&c, "token", "a\nb", err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "--token: value has a control character");
    /* values a config file could not hold: check-config's output must read back */
    cr_assert_eq(config_apply_flag(&c, "procfs", " /proc", err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "--procfs: value starts or ends with a blank");
    cr_assert_eq(config_apply_flag(&c, "token", ";abc", err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "--token: value has ';' at its start or after a blank (a config file "
                          "reads it as a comment)");
    cr_assert_eq(config_apply_flag(&c, "token", "ab ;c", err, sizeof err), -VIGIL_EINVAL);
    cr_assert_eq(config_apply_flag(&c, "config", "x.ini", err, sizeof err), -VIGIL_ENOENT);
    cr_assert_eq(config_apply_flag(&c, "data_dir", "/x", err, sizeof err), -VIGIL_ENOENT,
                 "flags are spelled with dashes");
    cr_assert(config_same(&c, &before), "a failed flag changed the config");

    static const char *const with_value[] = {
        "listen",         "token",     "max-connections", "max-header-bytes",
        "max-body-bytes", "log-level", "data-dir",        "interval",
        "procfs",         "sysfs",     "history",         "max-series",
    };
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        cr_assert_eq(config_flag_takes_value(with_value[i]), 1, "%s", with_value[i]);
    cr_assert_eq(config_flag_takes_value("allow-public"), 0);
    cr_assert_eq(config_flag_takes_value("config"), -1);
    cr_assert_eq(config_flag_takes_value("help"), -1);
}

/* --- validation ----------------------------------------------------------------------- */

Test(config_validate, public_address_needs_token_or_allow_public)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_apply_flag(&c, "listen", "0.0.0.0:9400", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "refusing to listen on '0.0.0.0:9400' without a token (set --token, "
                          "or --allow-public to accept this)");

    cr_assert_eq(config_apply_flag(&c, "token", "t0ken", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);

    cr_assert_eq(config_apply_flag(&c, "token", "", err, sizeof err), 0);
    cr_assert_eq(config_apply_flag(&c, "allow-public", NULL, err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);

    config_defaults(&c);
    cr_assert_eq(config_apply_flag(&c, "listen", "[::]:9400", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "refusing to listen on '[::]:9400' without a token (set --token, "
                          "or --allow-public to accept this)");
    cr_assert_eq(config_apply_flag(&c, "listen", "[::1]:9400", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "listen", "localhost:0", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

Test(config_validate, history_and_ranges)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_apply_flag(&c, "interval", "1m", err, sizeof err), 0);
    cr_assert_eq(config_apply_flag(&c, "history", "30s", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_ERANGE);
    cr_assert_str_eq(err, "history window 30s is shorter than the interval 1m");
    cr_assert_eq(config_apply_flag(&c, "history", "1m", err, sizeof err), 0);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);

    /* a struct filled in by code, not by a loader, is checked too */
    config_defaults(&c);
    c.max_connections = 0;
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_ERANGE);
    cr_assert_str_eq(err, "max_connections 0 out of range (from 1 to 65536)");
    config_defaults(&c);
    c.interval_ms = 10;
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_ERANGE);
    cr_assert_str_eq(err, "interval 10ms out of range (from 100ms to 1h)");
    config_defaults(&c);
    c.procfs[0] = '\0';
    cr_assert_eq(config_validate(&c, err, sizeof err), -VIGIL_EINVAL);
    cr_assert_str_eq(err, "procfs: empty path");
}

/* --- printing ------------------------------------------------------------------------- */

Test(config_print, masks_token_and_reads_back)
{
    struct config c, back;
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    cr_assert_eq(load_fixture(&c, "good.ini", path, err), 0, "%s", err);
    char *text = print_to_string(&c);
    cr_assert_null(strstr(text, "s3cret-token"), "the token leaked:\n%s", text);
    cr_assert_not_null(strstr(text, "\ntoken = ***\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nlisten = 0.0.0.0:9500\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\ninterval = 500ms\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nwindow = 1h30m\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nmax_body_bytes = 2MiB\n"), "%s", text);
    cr_assert_not_null(strstr(text, path), "the file read is named:\n%s", text);

    /* what check-config prints is itself a config file that gives the same values */
    config_defaults(&back);
    cr_assert_eq(config_load_string(&back, text, "<printed>", err, sizeof err), 0, "%s\n%s", err,
                 text);
    cr_assert_str_eq(back.token, "***");
    snprintf(back.token, sizeof back.token, "%s", c.token);
    snprintf(back.config_path, sizeof back.config_path, "%s", c.config_path);
    cr_assert(config_same(&c, &back), "printed config reads back differently:\n%s", text);
    free(text);

    config_defaults(&c);
    text = print_to_string(&c);
    cr_assert_not_null(strstr(text, "\ntoken = \n"), "an empty token shows as empty:\n%s", text);
    cr_assert_not_null(strstr(text, "\nmax_header_bytes = 8KiB\n"), "%s", text);
    free(text);
}

Test(config_print, options_list_every_flag_and_variable)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    config_print_options(f);
    fclose(f);
    static const char *const want[] = {
        "--listen HOST:PORT",
        "VIGIL_LISTEN",
        "default 127.0.0.1:9400",
        "--token TEXT",
        "VIGIL_TOKEN",
        "--allow-public ",
        "VIGIL_ALLOW_PUBLIC",
        "--data-dir DIR",
        "VIGIL_DATA_DIR",
        "--interval DURATION",
        "VIGIL_INTERVAL",
        "default 2s",
        "--history DURATION",
        "VIGIL_HISTORY",
        "default 1h",
        "--procfs DIR",
        "default /proc",
        "--sysfs DIR",
        "default /sys",
        "--max-connections N",
        "default 256",
        "--max-body-bytes SIZE",
        "default 1MiB",
        "--log-level LEVEL",
        "[server]\n",
        "[collect]\n",
        "[history]\n",
        "$XDG_STATE_HOME/vigil",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(strstr(text, want[i]), "'%s' missing from:\n%s", want[i], text);
    free(text);
}

Test(config, history_samples_per_series_are_bounded)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_apply_flag(&c, "history", "7d", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "interval", "100ms", err, sizeof err), 0, "%s", err);
    cr_assert_lt(config_validate(&c, err, sizeof err), 0);
    cr_assert(strstr(err, "keeps 6048000 samples per series"), "%s", err);
    cr_assert_eq(config_apply_flag(&c, "history", "1d", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "interval", "1s", err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

static const char *nvml_env(const char *name)
{
    return strcmp(name, "VIGIL_NVML_PATH") == 0 ? "/env/libnvidia-ml.so.1" : NULL;
}

/* The NVML library: empty by default (the dynamic linker's search), from each source. */
Test(config, nvml_path_from_every_source)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_str_eq(c.nvml_path, "");
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_load_string(&c, "[collect]\nnvml_path = /opt/nvidia/libnvidia-ml.so.1\n",
                                    "t.ini", err, sizeof err),
                 0, "%s", err);
    cr_assert_str_eq(c.nvml_path, "/opt/nvidia/libnvidia-ml.so.1");
    cr_assert_eq(config_load_env(&c, nvml_env, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.nvml_path, "/env/libnvidia-ml.so.1");
    cr_assert_eq(config_apply_flag(&c, "nvml-path", "/flag/libnvidia-ml.so", err, sizeof err), 0,
                 "%s", err);
    cr_assert_str_eq(c.nvml_path, "/flag/libnvidia-ml.so");
    cr_assert_eq(config_flag_takes_value("nvml-path"), 1);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);

    char *text = print_to_string(&c);
    cr_assert_not_null(strstr(text, "\nnvml_path = /flag/libnvidia-ml.so\n"), "%s", text);
    free(text);
    text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    config_print_options(f);
    fclose(f);
    cr_assert_not_null(strstr(text, "--nvml-path"), "%s", text);
    cr_assert_not_null(strstr(text, "VIGIL_NVML_PATH"), "%s", text);
    free(text);
}

/* --- [inference "NAME"] and [cluster "NAME"] ------------------------------------------- */

Test(config_targets, one_builtin_target_of_each_kind_by_default)
{
    struct config c;
    config_defaults(&c);
    cr_assert_eq(c.targets.n_inference, 1);
    const struct inference_conf *i = &c.targets.inference[0];
    cr_expect_str_eq(i->name, "default");
    cr_expect(i->builtin && i->enabled);
    cr_expect_str_eq(i->url, "http://127.0.0.1:8000/metrics");
    cr_expect_eq(i->interval_ms, 0, "0: the [collect] interval");
    cr_expect_eq(i->timeout_ms, 2000);
    cr_expect_eq(i->max_bytes, 16u << 20);
    cr_expect_str_eq(i->headers, "");
    cr_assert_eq(c.targets.n_clusters, 1);
    cr_expect_str_eq(c.targets.clusters[0].url, "http://127.0.0.1:9199/status");
    cr_expect(c.targets.clusters[0].builtin);
    char err[CONFIG_ERR_MAX];
    cr_expect_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

Test(config_targets, sections_replace_the_builtin_targets)
{
    static const char text[] = "[inference \"vllm-a\"]\n"
                               "url = http://127.0.0.1:8001/metrics\n"
                               "interval = 5s\n"
                               "timeout = 500ms\n"
                               "headers = Authorization: Bearer abc | X-Team: ml\n"
                               "max_bytes = 4MiB\n"
                               "\n"
                               "[inference \"sglang_b\"]\n"
                               "url = https://10.0.0.2:30000/metrics\n"
                               "enabled = false\n"
                               "\n"
                               "[cluster \"default\"]\n"
                               "url = http://127.0.0.1:9200/status\n";
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_load_string(&c, text, "t.ini", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.targets.n_inference, 2, "the built-in target gave way to the file's");
    const struct inference_conf *a = &c.targets.inference[0], *b = &c.targets.inference[1];
    cr_expect_str_eq(a->name, "vllm-a");
    cr_expect_not(a->builtin);
    cr_expect_eq(a->interval_ms, 5000);
    cr_expect_eq(a->timeout_ms, 500);
    cr_expect_eq(a->max_bytes, 4u << 20);
    cr_expect_str_eq(a->headers, "Authorization: Bearer abc | X-Team: ml");
    cr_expect_eq(a->line[IK_URL], 2);
    cr_expect_eq(a->header_line, 1);
    cr_expect_str_eq(b->name, "sglang_b");
    cr_expect_not(b->enabled);
    cr_expect_eq(b->timeout_ms, 2000, "defaults fill what a section leaves out");
    cr_assert_eq(c.targets.n_clusters, 1, "a section named default changes the built-in one");
    cr_expect_str_eq(c.targets.clusters[0].url, "http://127.0.0.1:9200/status");
    cr_expect_not(c.targets.clusters[0].builtin);
    cr_expect_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
}

/* URLs and header lists are checked whole, once the file is read; messages still name the
 * file and line. */
Test(config_targets, bad_urls_and_headers_name_file_and_line)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[inference \"a\"]\nurl = ftp://x/metrics\n",
         "t.ini:2: bad url 'ftp://x/metrics' in section [inference \"a\"] (use "
         "http://HOST[:PORT]/PATH)"},
        {"[inference \"a\"]\nurl = http:///metrics\n",
         "t.ini:2: bad url 'http:///metrics' in section [inference \"a\"] (use "
         "http://HOST[:PORT]/PATH)"},
        {"[cluster \"c\"]\n\nurl = 127.0.0.1:9199\n",
         "t.ini:3: bad url '127.0.0.1:9199' in section [cluster \"c\"] (use "
         "http://HOST[:PORT]/PATH)"},
        {"[inference \"a\"]\nurl = http://h/m\nheaders = X-Ok: 1 | NoColon\n",
         "t.ini:3: bad header 'NoColon' in section [inference \"a\"] (use 'Name: value | Name: "
         "value')"},
        {"[inference \"a\"]\nheaders = Bad Name: 1\n",
         "t.ini:2: bad header 'Bad Name: 1' in section [inference \"a\"] (use 'Name: value | "
         "Name: value')"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        char err[CONFIG_ERR_MAX];
        config_defaults(&c);
        cr_assert_eq(config_load_string(&c, cases[i].text, "t.ini", err, sizeof err), 0, "%s",
                     err);
        snprintf(c.config_path, sizeof c.config_path, "t.ini");
        cr_expect_eq(config_validate(&c, err, sizeof err), -VIGIL_EINVAL, "case %zu", i);
        cr_expect_str_eq(err, cases[i].want, "case %zu", i);
    }
}

Test(config_targets, at_most_32_inference_targets)
{
    char text[8192];
    size_t k = 0;
    for (int i = 0; i < 33; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "[inference \"t%d\"]\n", i);
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_expect_eq(config_load_string(&c, text, "t.ini", err, sizeof err), -VIGIL_EFULL);
    cr_expect_str_eq(err, "t.ini:33: too many [inference] sections (at most 32)");
    cr_expect_eq(c.targets.n_inference, 1, "a failed load leaves the config as it was");
}

Test(config_targets, printed_with_secrets_masked_and_compared_without_lines)
{
    static const char text[] = "[inference \"a\"]\n"
                               "url = http://user:pw@127.0.0.1:8001/metrics\n"
                               "headers = Authorization: Bearer s3cret\n";
    struct config c, d;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_load_string(&c, text, "t.ini", err, sizeof err), 0, "%s", err);
    char *out = print_to_string(&c);
    cr_expect_null(strstr(out, "s3cret"), "a header value leaked:\n%s", out);
    cr_expect_null(strstr(out, "user:pw"), "URL credentials leaked:\n%s", out);
    cr_expect_not_null(strstr(out, "\n[inference \"a\"]\nenabled = true\n"
                                   "url = http://127.0.0.1:8001/metrics\n"),
                       "%s", out);
    cr_expect_not_null(strstr(out, "\n[cluster \"default\"] ; built in\n"), "%s", out);
    free(out);
    /* the same targets a few lines further down are the same targets */
    static const char moved[] = "\n\n[inference \"a\"]\n"
                                "headers = Authorization: Bearer s3cret\n"
                                "url = http://user:pw@127.0.0.1:8001/metrics\n";
    config_defaults(&d);
    cr_assert_eq(config_load_string(&d, moved, "t.ini", err, sizeof err), 0, "%s", err);
    cr_expect(target_conf_same(&c.targets, &d.targets));
    d.targets.inference[0].timeout_ms = 3000;
    cr_expect_not(target_conf_same(&c.targets, &d.targets));
    char shown[TARGET_CONF_URL_MAX];
    cr_expect_str_eq(target_url_display("https://a:b@h:1/p?x=@", shown, sizeof shown),
                     "https://h:1/p?x=@");
    cr_expect_str_eq(target_url_display("http://h/p@q", shown, sizeof shown), "http://h/p@q");
}

/* --- [agents] and [logfile "NAME"] ----------------------------------------------------- */

Test(config_agents, defaults_file_variables_and_flags)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_expect_eq(c.agents.max_events, 5000);
    cr_expect_eq(c.agents.max_depth, 16);
    cr_expect_eq(c.agents.max_id_bytes, 128);
    cr_expect_eq(c.agents.max_text_bytes, 1024);
    cr_expect_eq(c.agents.max_context_bytes, 2048);
    cr_expect_eq(c.agents.max_sessions, 4096);
    cr_expect_eq(c.agents.max_requests, 4096);
    cr_expect_eq(c.agents.max_projects, 64);
    cr_expect_eq(c.agents.max_tools, 256);
    cr_expect_eq(c.agents.idle_ms, 30 * 60 * 1000);
    cr_expect_eq(c.agents.stale_ms, 10000);
    cr_expect_eq(c.logfiles.n, 0);
    static const char text[] = "[agents]\nmax_events = 100\nmax_sessions = 32\n"
                               "idle_expiry = 90s\nmax_text_bytes = 512\n";
    cr_assert_eq(config_load_string(&c, text, "t.ini", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.agents.max_events, 100);
    cr_expect_eq(c.agents.max_sessions, 32);
    cr_expect_eq(c.agents.idle_ms, 90000);
    cr_expect_eq(c.agents.max_text_bytes, 512);
    cr_assert_eq(config_apply_flag(&c, "agents-max-depth", "8", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.agents.max_depth, 8);
    cr_assert_eq(config_apply_flag(&c, "agents-stale", "30s", err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.agents.stale_ms, 30000);
    cr_expect_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
    char *out = print_to_string(&c);
    cr_expect_not_null(strstr(out, "\n[agents]\nmax_events = 100\nmax_depth = 8\n"), "%s", out);
    cr_expect_not_null(strstr(out, "idle_expiry = 1m30s\nstale = 30s\n"), "%s", out);
    free(out);
}

Test(config_agents, limits_out_of_range_are_refused)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[agents]\nmax_id_bytes = 129\n", "t.ini:2: "},
        {"[agents]\nmax_text_bytes = 2KiB\n", "t.ini:2: "},
        {"[agents]\nmax_context_bytes = 4KiB\n", "t.ini:2: "},
        {"[agents]\nmax_events = 0\n", "t.ini:2: "},
        {"[agents]\nmax_depth = 65\n", "t.ini:2: "},
        {"[agents]\nmax_sessions = 8\n", "t.ini:2: "},
        {"[agents]\nidle_expiry = 10ms\n", "t.ini:2: "},
        {"[agents]\nmax_lines = 3\n", "t.ini:2: unknown key 'max_lines' in section [agents]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c;
        char err[CONFIG_ERR_MAX];
        config_defaults(&c);
        cr_expect_lt(config_load_string(&c, cases[i].text, "t.ini", err, sizeof err), 0,
                     "case %zu", i);
        cr_expect(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0, "case %zu: %s", i,
                  err);
        cr_expect_eq(c.agents.max_events, 5000, "a failed load leaves the config as it was");
    }
}

Test(config_logfile, sections_paths_lines_and_printing)
{
    static const char text[] = "[logfile \"proxy\"]\npath = /var/log/proxy.ndjson\n"
                               "max_line_bytes = 1MiB\n\n"
                               "[logfile \"agent-2\"]\npath = /tmp/a.ndjson\nenabled = false\n";
    struct config c, d;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_load_string(&c, text, "t.ini", err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.logfiles.n, 2);
    cr_expect_str_eq(c.logfiles.files[0].name, "proxy");
    cr_expect_str_eq(c.logfiles.files[0].path, "/var/log/proxy.ndjson");
    cr_expect_eq(c.logfiles.files[0].max_line_bytes, 1u << 20);
    cr_expect(c.logfiles.files[0].enabled);
    cr_expect_eq(c.logfiles.files[1].max_line_bytes, 64u << 10, "the default");
    cr_expect_not(c.logfiles.files[1].enabled);
    snprintf(c.config_path, sizeof c.config_path, "t.ini");
    cr_expect_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
    char *out = print_to_string(&c);
    cr_expect_not_null(strstr(out, "\n[logfile \"proxy\"]\nenabled = true\n"
                                   "path = /var/log/proxy.ndjson\nmax_line_bytes = 1MiB\n"),
                       "%s", out);
    free(out);
    config_defaults(&d);
    cr_assert_eq(config_load_string(&d, text, "t.ini", err, sizeof err), 0, "%s", err);
    cr_expect(logfile_conf_same(&c.logfiles, &d.logfiles));
    d.logfiles.files[1].enabled = true;
    cr_expect_not(logfile_conf_same(&c.logfiles, &d.logfiles));
}

Test(config_logfile, a_path_is_required_and_names_are_checked)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert_eq(config_load_string(&c, "\n[logfile \"a\"]\nenabled = true\n", "t.ini", err,
                                     sizeof err),
                 0, "%s", err);
    snprintf(c.config_path, sizeof c.config_path, "t.ini");
    cr_expect_eq(config_validate(&c, err, sizeof err), -VIGIL_EINVAL);
    cr_expect_str_eq(err, "t.ini:2: section [logfile \"a\"] has no 'path'");
    config_defaults(&c);
    cr_expect_lt(config_load_string(&c, "[logfile \"a b\"]\npath = /x\n", "t.ini", err, sizeof err),
                 0);
    cr_expect(strstr(err, "bad logfile name 'a b'") != NULL, "%s", err);
    char text[4096];
    size_t k = 0;
    for (int i = 0; i < 17; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "[logfile \"f%d\"]\npath = /x\n", i);
    config_defaults(&c);
    cr_expect_lt(config_load_string(&c, text, "t.ini", err, sizeof err), 0);
    cr_expect_str_eq(err, "t.ini:33: too many [logfile] sections (at most 16)");
    cr_expect_eq(c.logfiles.n, 0);
}

/* [history]: what goes to disk and for how long. */
Test(config, history_on_disk)
{
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    cr_assert(c.persist);
    cr_assert_eq(c.rollup_ms, 60 * 1000LL);
    cr_assert_eq(c.retention_ms, 7 * 24 * 3600 * 1000LL);
    cr_assert_eq(c.events_retention_ms, 7 * 24 * 3600 * 1000LL);
    cr_assert_eq(c.tasks_retention_ms, 7 * 24 * 3600 * 1000LL);
    const char *text = "[history]\npersist = false\nrollup_interval = 2s\nretention = 30d\n"
                       "events_retention = 2d\ntasks_retention = 1d\n";
    cr_assert_eq(config_load_string(&c, text, "f", err, sizeof err), 0, "%s", err);
    cr_assert_not(c.persist);
    cr_assert_eq(c.rollup_ms, 2000);
    cr_assert_eq(c.retention_ms, 30 * 24 * 3600 * 1000LL);
    cr_assert_eq(c.events_retention_ms, 2 * 24 * 3600 * 1000LL);
    cr_assert_eq(c.tasks_retention_ms, 24 * 3600 * 1000LL);
    cr_assert_eq(config_validate(&c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(config_apply_flag(&c, "persist", "true", err, sizeof err), 0, "%s", err);
    cr_assert(c.persist);
    /* the task figures look back 24 h: less is refused */
    cr_assert_lt(config_load_string(&c, "[history]\ntasks_retention = 2h\n", "f", err, sizeof err),
                 0);
    cr_assert_lt(config_load_string(&c, "[history]\nrollup_interval = 500ms\n", "f", err,
                                    sizeof err),
                 0);
    cr_assert_eq(config_load_string(&c, "[history]\nrollup_interval = 1500ms\n", "f", err,
                                    sizeof err),
                 0);
    cr_assert_lt(config_validate(&c, err, sizeof err), 0);
    cr_assert(strstr(err, "whole seconds"), "%s", err);
}
