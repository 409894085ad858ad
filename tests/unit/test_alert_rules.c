/* test_alert_rules: [alert] and [notify] sections to rules: the built-in rules and how a
 * section changes or disables one, every key of a rule and a notifier, the messages for
 * bad ones with file and line (cases in tests/fixtures/config/alerts/bad, one per file),
 * check-config's output reading back as the same rules, patterns and ratio names. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/rules.h"
#include "core/err.h"

static void fixture(char *out, size_t n, const char *rel)
{
    const char *r = getenv("VIGIL_FIXTURES");
    int w = snprintf(out, n, "%s/config/alerts/%s", r && r[0] ? r : "tests/fixtures", rel);
    cr_assert(w > 0 && (size_t)w < n);
}

static struct config *cfg_new(void)
{
    struct config *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    config_defaults(c);
    return c;
}

static struct alert_rules *rules_new(void)
{
    struct alert_rules *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    return r;
}

static const struct alert_rule *rule(const struct alert_rules *r, const char *name)
{
    for (unsigned i = 0; i < r->n_rules; i++)
        if (strcmp(r->rules[i].name, name) == 0)
            return &r->rules[i];
    return NULL;
}

Test(alert_rules, built_in_rules)
{
    struct config *c = cfg_new();
    struct alert_rules *r = rules_new();
    char err[CONFIG_ERR_MAX];
    cr_assert_eq(alert_rules_build(c, r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(r->n_rules, 5);
    cr_assert_eq(r->n_notifiers, 0);

    const struct alert_rule *hot = rule(r, "gpu_hot");
    cr_assert_not_null(hot);
    cr_assert_str_eq(hot->series, "gpu.*.temperature");
    cr_assert(hot->wildcard);
    cr_assert_eq(hot->cmp, ALERT_ABOVE);
    cr_assert_eq(hot->threshold, 85);
    cr_assert(hot->has_clear);
    cr_assert_eq(hot->clear, 80);
    cr_assert_eq(hot->for_ms, 60000);
    cr_assert_eq(hot->severity, ALERT_SEV_WARNING);
    cr_assert_eq(hot->notify, 0u);

    const struct alert_rule *vram = rule(r, "gpu_memory_full");
    cr_assert_str_eq(vram->ratio_of, "gpu.*.memory_total");
    cr_assert_eq(vram->threshold, 95);
    cr_assert_eq(vram->for_ms, 300000);

    const struct alert_rule *errs = rule(r, "agent_errors");
    cr_assert_str_eq(errs->series, "agents.error_rate");
    cr_assert_not(errs->wildcard);
    cr_assert_float_eq(errs->threshold, 0.1, 1e-12);
    cr_assert_eq(errs->severity, ALERT_SEV_CRITICAL);

    const struct alert_rule *down = rule(r, "inference_down");
    cr_assert_eq(down->cmp, ALERT_BELOW);
    cr_assert_eq(down->threshold, 1);
    cr_assert_eq(down->nodata, ALERT_NODATA_ALERT);
    cr_assert_eq(down->for_ms, 30000);

    const struct alert_rule *q = rule(r, "queue_growing");
    cr_assert_eq(q->agg, ALERT_AGG_DELTA);
    cr_assert_eq(q->over_ms, 60000);
    cr_assert_eq(q->threshold, 0);
    cr_assert_eq(q->for_ms, 300000);
    free(r);
    free(c);
}

Test(alert_rules, good_file)
{
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    fixture(path, sizeof path, "good.ini");
    struct config *c = cfg_new();
    cr_assert_eq(config_load_file(c, path, err, sizeof err), 0, "%s", err);
    struct alert_rules *r = rules_new();
    cr_assert_eq(alert_rules_build(c, r, err, sizeof err), 0, "%s", err);

    cr_assert_eq(r->n_notifiers, 2, "chat is disabled");
    const struct alert_notifier *ops = &r->notifiers[0], *oncall = &r->notifiers[1];
    cr_assert_str_eq(ops->name, "ops");
    cr_assert_eq(ops->kind, NOTIFY_DISCORD);
    cr_assert_eq(ops->repeat_ms, 3600000);
    cr_assert_eq(ops->timeout_ms, 10000, "default");
    cr_assert_eq(ops->retries, 5, "default");
    cr_assert_eq(ops->backoff_ms, 1000, "default");
    cr_assert_str_eq(oncall->name, "oncall");
    cr_assert_eq(oncall->kind, NOTIFY_WEBHOOK);
    cr_assert_str_eq(oncall->url, "http://127.0.0.1:8080/hook");
    cr_assert_eq(oncall->n_headers, 2);
    cr_assert_str_eq(oncall->headers[0], "Authorization: Bearer t0ken");
    cr_assert_str_eq(oncall->headers[1], "X-Team: gpu");
    cr_assert_eq(oncall->timeout_ms, 3000);
    cr_assert_eq(oncall->retries, 2);
    cr_assert_eq(oncall->backoff_ms, 500);

    cr_assert_eq(r->n_rules, 7, "5 built in, one disabled, 3 more");
    cr_assert_null(rule(r, "queue_growing"));
    const struct alert_rule *hot = rule(r, "gpu_hot");
    cr_assert_eq(hot->threshold, 88);
    cr_assert_eq(hot->clear, 82);
    cr_assert_eq(hot->for_ms, 60000, "what the section left alone stays built in");
    cr_assert_eq(hot->notify, 0x2u, "oncall only");
    cr_assert_eq(rule(r, "agent_errors")->notify, 0x3u, "no notify key: every notifier");

    const struct alert_rule *disk = rule(r, "disk_full");
    cr_assert_eq(disk->notify, 0x3u);
    cr_assert_eq(disk->severity, ALERT_SEV_CRITICAL);
    cr_assert_str_eq(disk->summary, "a disk is nearly full");
    cr_assert_eq(disk->for_ms, 300000);

    const struct alert_rule *vram = rule(r, "vram");
    cr_assert_eq(vram->agg, ALERT_AGG_AVG);
    cr_assert_eq(vram->over_ms, 60000);
    cr_assert_eq(vram->nodata, ALERT_NODATA_OK);
    cr_assert_eq(vram->stale_ms, 30000);
    cr_assert_eq(vram->notify, 0u, "none");
    cr_assert_not(vram->has_clear);

    const struct alert_rule *node = rule(r, "node_b_down");
    cr_assert_eq(node->cmp, ALERT_ABSENT);
    cr_assert_eq(node->severity, ALERT_SEV_INFO);
    free(r);
    free(c);
}

Test(alert_rules, bad_cases)
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

        struct config *c = cfg_new();
        struct alert_rules *r = rules_new();
        char err[CONFIG_ERR_MAX], want[CONFIG_PATH_MAX + CONFIG_ERR_MAX];
        cr_assert_eq(config_load_file(c, path, err, sizeof err), 0, "%s: %s", path, err);
        cr_assert_eq(alert_rules_build(c, r, err, sizeof err), -VIGIL_EINVAL, "%s built", path);
        snprintf(want, sizeof want, "%s:%s", path, head + 10);
        cr_assert_str_eq(err, want);
        free(r);
        free(c);
        n++;
    }
    closedir(d);
    cr_assert_gt(n, 15, "only %d cases found in %s", n, dir);
}

Test(alert_rules, section_names_and_limits)
{
    struct config *c = cfg_new();
    char err[CONFIG_ERR_MAX];
    cr_assert_lt(config_load_string(c, "[alert \"a b\"]\n", "t.ini", err, sizeof err), 0);
    cr_assert_str_eq(err, "t.ini:1: bad alert name 'a b' (use letters, digits, '_', '-', '.')");
    cr_assert_lt(config_load_string(c, "\n[notify \"none\"]\n", "t.ini", err, sizeof err), 0);
    cr_assert_str_eq(err, "t.ini:2: bad notifier name 'none' (use letters, digits, '_', '-', "
                          "'.'; not 'none')");
    cr_assert_lt(config_load_string(c, "[alert \"x\"]\nfor = 8d\n", "t.ini", err, sizeof err), 0);
    cr_assert_str_eq(err, "t.ini:2: '8d' out of range for key 'for' (from 0ms to 7d)");

    /* 64 sections in all, built-in ones included */
    char *text = calloc(1, 64 * 64);
    cr_assert_not_null(text);
    size_t len = 0;
    for (int i = 0; i < 60; i++)
        len += (size_t)snprintf(text + len, 64 * 64 - len, "[alert \"r%d\"]\nabove = 1\n", i);
    cr_assert_lt(config_load_string(c, text, "t.ini", err, sizeof err), 0);
    cr_assert_str_eq(err, "t.ini:119: too many [alert] sections (at most 64)");
    free(text);
    free(c);
}

Test(alert_rules, a_failed_load_keeps_the_rules)
{
    struct config *c = cfg_new();
    char err[CONFIG_ERR_MAX];
    cr_assert_eq(config_load_string(c, "[alert \"x\"]\nseries = a.b\nabove = 1\n", "t.ini", err,
                                    sizeof err),
                 0, "%s", err);
    cr_assert_eq(c->alerts.n_rules, 6);
    cr_assert_lt(config_load_string(c, "[alert \"y\"]\nseries = a.c\nabove = x\nfoo = 1\n",
                                    "t.ini", err, sizeof err),
                 0);
    cr_assert_eq(c->alerts.n_rules, 6);
    cr_assert_null(alert_conf_rule(&c->alerts, "y"));
    free(c);
}

static char *print(const struct config *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    config_print(c, f);
    fclose(f);
    return text;
}

Test(alert_rules, printed_rules_read_back_the_same)
{
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    fixture(path, sizeof path, "good.ini");
    struct config *c = cfg_new(), *back = cfg_new();
    cr_assert_eq(config_load_file(c, path, err, sizeof err), 0, "%s", err);
    char *text = print(c);
    cr_assert_null(strstr(text, "s3cret-path"), "a webhook path is a secret:\n%s", text);
    cr_assert_null(strstr(text, "t0ken"), "a header value is a secret:\n%s", text);
    cr_assert_not_null(strstr(text, "\nurl = https://discord.com/***\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nheaders = Authorization: *** | X-Team: ***\n"), "%s", text);
    cr_assert_not_null(strstr(text, "[alert \"gpu_hot\"] ; built in\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nover = 1m\n"), "%s", text);
    cr_assert_not_null(strstr(text, "\nbackoff = 500ms\n"), "%s", text);

    cr_assert_eq(config_load_string(back, text, "<printed>", err, sizeof err), 0, "%s\n%s", err,
                 text);
    struct alert_rules *a = rules_new(), *b = rules_new();
    cr_assert_eq(alert_rules_build(c, a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(alert_rules_build(back, b, err, sizeof err), 0, "%s", err);
    cr_assert_eq(a->n_rules, b->n_rules);
    cr_assert_eq(memcmp(a->rules, b->rules, sizeof a->rules), 0, "rules differ:\n%s", text);
    cr_assert_eq(a->n_notifiers, b->n_notifiers);
    for (unsigned i = 0; i < a->n_notifiers; i++) {
        cr_assert_str_eq(a->notifiers[i].name, b->notifiers[i].name);
        cr_assert_eq(a->notifiers[i].kind, b->notifiers[i].kind);
        cr_assert_eq(a->notifiers[i].n_headers, b->notifiers[i].n_headers);
        cr_assert_eq(a->notifiers[i].timeout_ms, b->notifiers[i].timeout_ms);
        cr_assert_eq(a->notifiers[i].repeat_ms, b->notifiers[i].repeat_ms);
        cr_assert_eq(a->notifiers[i].retries, b->notifiers[i].retries);
        cr_assert_eq(a->notifiers[i].backoff_ms, b->notifiers[i].backoff_ms);
    }
    free(a);
    free(b);
    free(text);
    free(back);
    free(c);
}

Test(alert_rules, patterns)
{
    cr_assert(alert_pattern_valid("gpu.*.temperature"));
    cr_assert(alert_pattern_valid("*"));
    cr_assert(alert_pattern_valid("inference.vllm-a:8000.up"));
    cr_assert(alert_pattern_valid("a"));
    cr_assert_not(alert_pattern_valid(""));
    cr_assert_not(alert_pattern_valid("a..b"));
    cr_assert_not(alert_pattern_valid(".a"));
    cr_assert_not(alert_pattern_valid("a."));
    cr_assert_not(alert_pattern_valid("a.b*"));
    cr_assert_not(alert_pattern_valid("a.b c"));

    char out[128];
    cr_assert_eq(alert_ratio_name("gpu.*.memory_used", "gpu.*.memory_total",
                                  "gpu.3.memory_used", out, sizeof out),
                 0);
    cr_assert_str_eq(out, "gpu.3.memory_total");
    cr_assert_eq(alert_ratio_name("node.*.gpu.*.used", "node.*.gpu.*.total", "node.b.gpu.7.used",
                                  out, sizeof out),
                 0);
    cr_assert_str_eq(out, "node.b.gpu.7.total");
    cr_assert_eq(alert_ratio_name("memory.ram_used", "memory.ram_total", "memory.ram_used", out,
                                  sizeof out),
                 0);
    cr_assert_str_eq(out, "memory.ram_total");
    cr_assert_eq(alert_ratio_name("a.b", "a.*", "a.b", out, sizeof out), -VIGIL_EINVAL);
    cr_assert_eq(alert_ratio_name("a.*", "a.*.total", "a.verylongpart", out, 8), -VIGIL_E2BIG);
}

Test(alert_rules, equal)
{
    char path[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
    fixture(path, sizeof path, "good.ini");
    struct config *c = cfg_new();
    cr_assert_eq(config_load_file(c, path, err, sizeof err), 0, "%s", err);
    struct alert_rules *a = rules_new(), *b = rules_new();
    cr_assert_eq(alert_rules_build(c, a, err, sizeof err), 0, "%s", err);
    cr_assert_eq(alert_rules_build(c, b, err, sizeof err), 0, "%s", err);
    cr_assert(alert_rules_equal(a, b));
    b->notifiers[1].headers[1][0] = 'Y';
    cr_assert_not(alert_rules_equal(a, b), "a header differs");
    cr_assert_eq(alert_rules_build(c, b, err, sizeof err), 0, "%s", err);
    b->rules[3].clear += 1;
    cr_assert_not(alert_rules_equal(a, b), "a clear level differs");
    free(a);
    free(b);
    free(c);
}
