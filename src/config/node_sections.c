/*
 * node_sections: [node "NAME"] on the config's option table. The loader stores each key as
 * for plain sections; these callbacks find or add the entry a header names and remember
 * lines, so that the checks needing a whole value (the URL, the token) can name file and
 * line.
 */
#include "config/node_sections.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)

#define NODE(f) offsetof(struct node_conf, f), sizeof(((struct node_conf *)0)->f)

const struct opt node_opts[NDK_NKEYS] = {
    [NDK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, NODE(enabled), 0, 0, 0, "true",
                     "false stops watching this node"},
    [NDK_URL] = {"url", NULL, NULL, OPT_STRING, NODE(url), 0, 0, 0, "",
                 "the node's vigil, http://HOST:PORT (required)"},
    [NDK_TOKEN] = {"token", NULL, NULL, OPT_STRING, NODE(token), 0, 0, 0, "",
                   "the node's bearer token, sent to this node only", NULL, true},
    [NDK_INTERVAL] = {"interval", NULL, NULL, OPT_DURATION, NODE(interval_ms), 0, 100, HOUR, NULL,
                      "time between two polls of the node", "the [collect] interval"},
    [NDK_TIMEOUT] = {"timeout", NULL, NULL, OPT_DURATION, NODE(timeout_ms), 0, 100, 5 * MINUTE,
                     "2s", "a poll's time limit (at most the interval)"},
};

static bool name_valid(const char *id)
{
    if (id[0] == '\0' || strlen(id) >= NODE_CONF_NAME_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

void *node_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    struct node_confs *t = &c->nodes;
    char shown[48];
    if (!name_valid(id)) {
        config_err_set(err, errlen,
                       "bad node name '%s' (use letters, digits, '_' and '-', at most %d)",
                       config_echo(shown, sizeof shown, id), NODE_CONF_NAME_MAX - 1);
        return NULL;
    }
    if (strcmp(id, NODE_LOCAL_NAME) == 0) {
        config_err_set(err, errlen, "node name '%s' is the hub's own host", NODE_LOCAL_NAME);
        return NULL;
    }
    for (unsigned i = 0; i < t->n; i++)
        if (strcmp(t->nodes[i].name, id) == 0)
            return &t->nodes[i];
    if (t->n == NODE_CONF_MAX) {
        config_err_set(err, errlen, "too many [node] sections (at most %d)", NODE_CONF_MAX);
        return NULL;
    }
    struct node_conf *e = &t->nodes[t->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", id);
    for (size_t i = 0; i < NDK_NKEYS; i++) {
        /* a default that does not parse is a bug in the table */
        if (node_opts[i].def != NULL && config_opt_set(e, &node_opts[i], node_opts[i].def, NULL))
            abort();
    }
    return e;
}

void node_at_line(void *entry, const struct opt *o, int line)
{
    struct node_conf *e = entry;
    if (o == NULL)
        e->header_line = line;
    else
        e->line[o - node_opts] = line;
}

/* ---- checks after the file is read ---------------------------------------------------- */

/* http:// or https://, a host, then at most a port and a path: no user:password (the token
 * is how a node is authenticated, and a URL is shown in /api/v1/nodes), no query. */
static const char *url_problem(const char *url)
{
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    if (rest == NULL)
        return "use http://HOST:PORT";
    if (rest[0] == '\0' || rest[0] == '/' || rest[0] == ':')
        return "no host";
    size_t host_end = strcspn(rest, "/");
    if (memchr(rest, '@', host_end))
        return "put credentials in 'token', not in the URL";
    if (strpbrk(url, "?# \t"))
        return "no query, fragment or blank";
    return NULL;
}

static void where(char *out, size_t n, const char *file, int line)
{
    if (file && file[0] && line > 0)
        snprintf(out, n, "%s:%d: ", file, line);
    else
        out[0] = '\0';
}

int node_conf_validate(const struct node_confs *t, const char *file, char *err, size_t errlen)
{
    char at[CONFIG_PATH_MAX + 16], shown[48];
    for (unsigned i = 0; i < t->n; i++) {
        const struct node_conf *e = &t->nodes[i];
        int line = e->line[NDK_URL] ? e->line[NDK_URL] : e->header_line;
        where(at, sizeof at, file, line);
        if (e->url[0] == '\0') {
            config_err_set(err, errlen, "%ssection [node \"%s\"] needs a url", at, e->name);
            return -VIGIL_EINVAL;
        }
        const char *why = url_problem(e->url);
        if (why) {
            config_err_set(err, errlen, "%sbad url '%s' in section [node \"%s\"] (%s)", at,
                           config_echo(shown, sizeof shown, e->url), e->name, why);
            return -VIGIL_EINVAL;
        }
        for (const char *p = e->token; *p; p++) {
            if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
                where(at, sizeof at, file, e->line[NDK_TOKEN]);
                config_err_set(err, errlen,
                               "%sbad token in section [node \"%s\"] (printable, no blanks)", at,
                               e->name);
                return -VIGIL_EINVAL;
            }
        }
    }
    return 0;
}

bool node_conf_same(const struct node_confs *a, const struct node_confs *b)
{
    if (a->n != b->n)
        return false;
    for (unsigned i = 0; i < a->n; i++) {
        const struct node_conf *x = &a->nodes[i], *y = &b->nodes[i];
        if (strcmp(x->name, y->name) != 0 || x->enabled != y->enabled ||
            strcmp(x->url, y->url) != 0 || strcmp(x->token, y->token) != 0 ||
            x->interval_ms != y->interval_ms || x->timeout_ms != y->timeout_ms)
            return false;
    }
    return true;
}

static void print_duration(FILE *out, const char *key, int64_t ms)
{
    if (ms == 0)
        fprintf(out, "; %s = (the [collect] interval)\n", key);
    else if (ms % 1000 == 0)
        fprintf(out, "%s = %llds\n", key, (long long)(ms / 1000));
    else
        fprintf(out, "%s = %lldms\n", key, (long long)ms);
}

void node_conf_print(const struct node_confs *t, FILE *out)
{
    for (unsigned i = 0; i < t->n; i++) {
        const struct node_conf *e = &t->nodes[i];
        fprintf(out, "\n[node \"%s\"]\n", e->name);
        fprintf(out, "enabled = %s\nurl = %s\ntoken = %s\n", e->enabled ? "true" : "false", e->url,
                e->token[0] ? "***" : "");
        print_duration(out, "interval", e->interval_ms);
        print_duration(out, "timeout", e->timeout_ms);
    }
}
