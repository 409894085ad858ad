/*
 * cli_config: the command line shared by every command: "--name value", "--name=value",
 * config options from the table in config.c, and each command's own flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/rules.h"
#include "cli/cli.h"
#include "core/err.h"

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

static void print_usage(const char *command, const char *usage, const struct cli_flag *extra)
{
    fprintf(stdout, "usage: vigil %s [options]\n\n%s\n", command, usage);
    if (extra && extra[0].name) {
        fprintf(stdout, "\n%s options:\n", command);
        for (int i = 0; extra[i].name; i++)
            fprintf(stdout, "  --%-22s %s\n", extra[i].name, extra[i].help);
    }
    fprintf(stdout, "\nconfiguration (flag, environment variable, default):\n");
    fprintf(stdout, "  --%-22s %s\n", "config FILE", "INI file to read (VIGIL_CONFIG)");
    config_print_options(stdout);
}

static struct cli_flag *find_extra(struct cli_flag *extra, const char *name, size_t len)
{
    for (int i = 0; extra && extra[i].name; i++)
        if (strlen(extra[i].name) == len && strncmp(extra[i].name, name, len) == 0)
            return &extra[i];
    return NULL;
}

/* Splits argv[*i] into a flag name and value; advances *i past a separate value. */
static int next_flag(int argc, char **argv, int *i, char *name, size_t namelen, const char **value,
                     bool (*takes)(const char *, void *), void *arg)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
        fprintf(stderr, "vigil: unexpected argument '%s'\n", a);
        return -1;
    }
    const char *eq = strchr(a + 2, '=');
    size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (len >= namelen) {
        fprintf(stderr, "vigil: unknown option '%s'\n", a);
        return -1;
    }
    memcpy(name, a + 2, len);
    name[len] = '\0';
    *value = NULL;
    if (eq) {
        *value = eq + 1;
    } else if (takes(name, arg)) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "vigil: option '--%s' needs a value\n", name);
            return -1;
        }
        *value = argv[++*i];
    }
    return 0;
}

static bool flag_takes_value(const char *name, void *arg)
{
    struct cli_flag *extra = arg;
    struct cli_flag *f = find_extra(extra, name, strlen(name));
    if (f)
        return f->takes_value;
    if (strcmp(name, "config") == 0)
        return true;
    return config_flag_takes_value(name) == 1;
}

/* [alert] and [notify] sections are checked once the whole file is read, since a rule may
 * name a notifier defined below it. */
static int check_alerts(const struct config *cfg)
{
    char err[CONFIG_ERR_MAX] = "";
    struct alert_rules *rules = malloc(sizeof *rules);
    if (!rules) {
        fprintf(stderr, "vigil: out of memory\n");
        return 1;
    }
    int rc = alert_rules_build(cfg, rules, err, sizeof err);
    free(rules);
    if (rc < 0) {
        fprintf(stderr, "vigil: %s\n", err);
        return 2;
    }
    return 0;
}

int cli_load_config(const char *command, const char *usage, int argc, char **argv,
                    struct config *cfg, struct cli_flag *extra)
{
    char err[CONFIG_ERR_MAX] = "";
    char name[64];
    const char *value;
    const char *config_file = getenv("VIGIL_CONFIG");

    /* First pass: --help and --config, which decide what the others apply on top of. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(command, usage, extra);
            return -1;
        }
        if (next_flag(argc, argv, &i, name, sizeof name, &value, flag_takes_value, extra))
            return 2;
        if (strcmp(name, "config") == 0)
            config_file = value;
    }

    config_defaults(cfg);
    if (config_file && *config_file && config_load_file(cfg, config_file, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: %s\n", err);
        return 2;
    }
    if (config_load_env(cfg, env_lookup, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: %s\n", err);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        next_flag(argc, argv, &i, name, sizeof name, &value, flag_takes_value, extra);
        if (strcmp(name, "config") == 0)
            continue;
        struct cli_flag *f = find_extra(extra, name, strlen(name));
        if (f) {
            f->value = value ? value : "";
            continue;
        }
        int rc = config_apply_flag(cfg, name, value, err, sizeof err);
        if (rc == -VIGIL_ENOENT) {
            fprintf(stderr, "vigil: unknown option '--%s' (see vigil %s --help)\n", name, command);
            return 2;
        }
        if (rc < 0) {
            fprintf(stderr, "vigil: %s\n", err);
            return 2;
        }
    }
    if (config_validate(cfg, err, sizeof err) < 0) {
        fprintf(stderr, "vigil: %s\n", err);
        return 2;
    }
    return check_alerts(cfg);
}
