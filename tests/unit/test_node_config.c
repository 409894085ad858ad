/* [node "NAME"]: defaults, every key, the checks with file and line, the reserved name, the
 * section limit, masking the token in check-config's output, comparison for reload. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"

static struct config *load(const char *text, int want_rc)
{
    struct config *c = calloc(1, sizeof *c);
    char err[CONFIG_ERR_MAX] = "";
    config_defaults(c);
    int rc = config_load_string(c, text, "t.ini", err, sizeof err);
    cr_assert_eq(rc < 0, want_rc < 0, "load: %d %s", rc, err);
    snprintf(c->config_path, sizeof c->config_path, "t.ini");
    return c;
}

static void expect_invalid(const char *text, const char *want)
{
    struct config *c = calloc(1, sizeof *c);
    char err[CONFIG_ERR_MAX] = "";
    config_defaults(c);
    int rc = config_load_string(c, text, "t.ini", err, sizeof err);
    if (rc == 0) {
        snprintf(c->config_path, sizeof c->config_path, "t.ini");
        rc = config_validate(c, err, sizeof err);
    }
    cr_expect_lt(rc, 0, "%s: accepted", text);
    cr_expect_str_eq(err, want, "%s", text);
    free(c);
}

Test(node_config, none_by_default)
{
    struct config *c = load("", 0);
    cr_expect_eq(c->nodes.n, 0);
    free(c);
}

Test(node_config, every_key)
{
    struct config *c = load("[node \"gpu-122\"]\n"
                            "url = http://192.168.0.122:9400\n"
                            "token = s3cret\n"
                            "interval = 5s\n"
                            "timeout = 1500ms\n"
                            "\n"
                            "[node \"gpu_143\"]\n"
                            "url = https://gpu-143.example:9400/vigil/\n"
                            "enabled = false\n",
                            0);
    char err[CONFIG_ERR_MAX];
    cr_assert_eq(config_validate(c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c->nodes.n, 2);
    const struct node_conf *a = &c->nodes.nodes[0], *b = &c->nodes.nodes[1];
    cr_expect_str_eq(a->name, "gpu-122");
    cr_expect_str_eq(a->url, "http://192.168.0.122:9400");
    cr_expect_str_eq(a->token, "s3cret");
    cr_expect_eq(a->interval_ms, 5000);
    cr_expect_eq(a->timeout_ms, 1500);
    cr_expect(a->enabled);
    cr_expect_eq(a->header_line, 1);
    cr_expect_eq(a->line[NDK_URL], 2);
    cr_expect_str_eq(b->url, "https://gpu-143.example:9400/vigil/");
    cr_expect_eq(b->interval_ms, 0, "the [collect] interval");
    cr_expect_eq(b->timeout_ms, 2000);
    cr_expect_str_eq(b->token, "");
    cr_expect(!b->enabled);
    free(c);
}

Test(node_config, checks_name_file_and_line)
{
    expect_invalid("[node \"a\"]\ntoken = x\n", "t.ini:1: section [node \"a\"] needs a url");
    expect_invalid("[node \"a\"]\n\nurl = ftp://h:9400\n",
                   "t.ini:3: bad url 'ftp://h:9400' in section [node \"a\"] (use "
                   "http://HOST:PORT)");
    expect_invalid("[node \"a\"]\nurl = http://:9400\n",
                   "t.ini:2: bad url 'http://:9400' in section [node \"a\"] (no host)");
    expect_invalid("[node \"a\"]\nurl = http://u:p@h:9400\n",
                   "t.ini:2: bad url 'http://u:p@h:9400' in section [node \"a\"] (put "
                   "credentials in 'token', not in the URL)");
    expect_invalid("[node \"a\"]\nurl = http://h:9400/?x=1\n",
                   "t.ini:2: bad url 'http://h:9400/?x=1' in section [node \"a\"] (no query, "
                   "fragment or blank)");
    expect_invalid("[node \"a\"]\nurl = http://h\ntoken = two words\n",
                   "t.ini:3: bad token in section [node \"a\"] (printable, no blanks)");
    expect_invalid("[node \"local\"]\nurl = http://h\n",
                   "t.ini:1: node name 'local' is the hub's own host");
    expect_invalid("[node \"a.b\"]\nurl = http://h\n",
                   "t.ini:1: bad node name 'a.b' (use letters, digits, '_' and '-', at most 31)");
    expect_invalid("[node \"a\"]\nurl = http://h\nport = 1\n",
                   "t.ini:3: unknown key 'port' in section [node \"a\"]");
}

Test(node_config, at_most_64_nodes)
{
    char *text = malloc(65 * 64);
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)sprintf(text + n, "[node \"n%d\"]\nurl = http://h%d\n", i, i);
    struct config *c = calloc(1, sizeof *c);
    char err[CONFIG_ERR_MAX];
    config_defaults(c);
    cr_expect_lt(config_load_string(c, text, "t.ini", err, sizeof err), 0);
    cr_expect(strstr(err, "too many [node] sections (at most 64)") != NULL, "%s", err);
    free(c);
    free(text);
}

Test(node_config, the_token_is_masked_when_printed)
{
    struct config *c = load("[node \"a\"]\nurl = http://h:9400\ntoken = s3cret\n", 0);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    config_print(c, f);
    fclose(f);
    cr_expect(strstr(out, "[node \"a\"]\nenabled = true\nurl = http://h:9400\ntoken = ***\n") !=
                  NULL,
              "%s", out);
    cr_expect(strstr(out, "s3cret") == NULL);
    free(out);
    free(c);
}

Test(node_config, same_for_reload)
{
    struct config *a = load("[node \"a\"]\nurl = http://h:1\ntoken = t\n", 0);
    struct config *b = load("\n[node \"a\"]\nurl = http://h:1\ntoken = t\n", 0);
    cr_expect(node_conf_same(&a->nodes, &b->nodes), "lines do not count");
    snprintf(b->nodes.nodes[0].token, sizeof b->nodes.nodes[0].token, "u");
    cr_expect(!node_conf_same(&a->nodes, &b->nodes), "a new token is a change");
    free(a);
    free(b);
}
