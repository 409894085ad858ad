/*
 * target_sections: [inference "NAME"] and [cluster "NAME"] on the config's option table.
 * The loader stores each key as for plain sections; these callbacks find or add the entry a
 * header names, drop the built-in target when the file names its own, and remember lines
 * so that the checks needing a whole value (a URL, a header list) can name file and line.
 */
#include "config/target_sections.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define KIB    1024LL
#define MIB    (1024 * KIB)
#define GIB    (1024 * MIB)

#define INF(f) offsetof(struct inference_conf, f), sizeof(((struct inference_conf *)0)->f)
#define CLU(f) offsetof(struct cluster_conf, f), sizeof(((struct cluster_conf *)0)->f)

const struct opt inference_opts[IK_NKEYS] = {
    [IK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, INF(enabled), 0, 0, 0, "true",
                    "false stops scraping this target"},
    [IK_URL] = {"url", NULL, NULL, OPT_STRING, INF(url), 0, 0, 0, TARGET_DEFAULT_INFERENCE_URL,
                "the Prometheus text endpoint, http:// or https://"},
    [IK_INTERVAL] = {"interval", NULL, NULL, OPT_DURATION, INF(interval_ms), 0, 100, HOUR, NULL,
                     "time between two scrapes", "the [collect] interval"},
    [IK_TIMEOUT] = {"timeout", NULL, NULL, OPT_DURATION, INF(timeout_ms), 0, 100, 5 * MINUTE, "2s",
                    "a scrape's time limit, connection included"},
    [IK_HEADERS] = {"headers", NULL, NULL, OPT_STRING, INF(headers), 0, 0, 0, "",
                    "request headers: 'Name: value | Name: value'", NULL, true},
    [IK_MAX_BYTES] = {"max_bytes", NULL, NULL, OPT_SIZE, INF(max_bytes), 0, KIB, GIB, "16MiB",
                      "largest response read; a larger one is cut off and an error"},
};

const struct opt cluster_opts[CK_NKEYS] = {
    [CK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, CLU(enabled), 0, 0, 0, "true",
                    "false stops polling this endpoint"},
    [CK_URL] = {"url", NULL, NULL, OPT_STRING, CLU(url), 0, 0, 0, TARGET_DEFAULT_CLUSTER_URL,
                "the JSON status endpoint, http:// or https://"},
    [CK_INTERVAL] = {"interval", NULL, NULL, OPT_DURATION, CLU(interval_ms), 0, 100, HOUR, NULL,
                     "time between two polls", "the [collect] interval"},
    [CK_TIMEOUT] = {"timeout", NULL, NULL, OPT_DURATION, CLU(timeout_ms), 0, 100, 5 * MINUTE, "2s",
                    "a poll's time limit, connection included"},
    [CK_MAX_BYTES] = {"max_bytes", NULL, NULL, OPT_SIZE, CLU(max_bytes), 0, KIB, 64 * MIB, "1MiB",
                      "largest document read; a larger one is cut off and an error"},
};

static bool name_valid(const char *id)
{
    if (id[0] == '\0' || strlen(id) >= TARGET_CONF_NAME_MAX)
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

/* Fills an entry from its table's defaults, parsed like user input. */
static void entry_init(void *entry, const struct opt *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* a default that does not parse is a bug in the table */
        if (opts[i].def != NULL && config_opt_set(entry, &opts[i], opts[i].def, NULL) < 0)
            abort();
    }
}

static void inference_init(struct inference_conf *e, const char *name)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    entry_init(e, inference_opts, IK_NKEYS);
}

static void cluster_init(struct cluster_conf *e, const char *name)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    entry_init(e, cluster_opts, CK_NKEYS);
}

void target_conf_defaults(struct target_conf *t)
{
    memset(t, 0, sizeof *t);
    inference_init(&t->inference[0], "default");
    t->inference[0].builtin = true;
    t->n_inference = 1;
    cluster_init(&t->clusters[0], "default");
    t->clusters[0].builtin = true;
    t->n_clusters = 1;
}

static bool bad_name(const char *kind, const char *id, char *err, size_t errlen)
{
    char shown[48];
    if (name_valid(id))
        return false;
    config_err_set(err, errlen, "bad %s name '%s' (use letters, digits, '_' and '-')", kind,
                   config_echo(shown, sizeof shown, id));
    return true;
}

void *inference_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    struct target_conf *t = &c->targets;
    if (bad_name("inference target", id, err, errlen))
        return NULL;
    for (unsigned i = 0; i < t->n_inference; i++) {
        if (strcmp(t->inference[i].name, id) == 0) {
            t->inference[i].builtin = false;
            return &t->inference[i];
        }
    }
    if (t->n_inference == 1 && t->inference[0].builtin)
        t->n_inference = 0; /* the file names its own targets */
    if (t->n_inference == TARGET_CONF_MAX_INFERENCE) {
        config_err_set(err, errlen, "too many [inference] sections (at most %d)",
                       TARGET_CONF_MAX_INFERENCE);
        return NULL;
    }
    struct inference_conf *e = &t->inference[t->n_inference++];
    inference_init(e, id);
    return e;
}

void *cluster_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    struct target_conf *t = &c->targets;
    if (bad_name("cluster", id, err, errlen))
        return NULL;
    for (unsigned i = 0; i < t->n_clusters; i++) {
        if (strcmp(t->clusters[i].name, id) == 0) {
            t->clusters[i].builtin = false;
            return &t->clusters[i];
        }
    }
    if (t->n_clusters == 1 && t->clusters[0].builtin)
        t->n_clusters = 0;
    if (t->n_clusters == TARGET_CONF_MAX_CLUSTERS) {
        config_err_set(err, errlen, "too many [cluster] sections (at most %d)",
                       TARGET_CONF_MAX_CLUSTERS);
        return NULL;
    }
    struct cluster_conf *e = &t->clusters[t->n_clusters++];
    cluster_init(e, id);
    return e;
}

void inference_at_line(void *entry, const struct opt *o, int line)
{
    struct inference_conf *e = entry;
    if (o == NULL)
        e->header_line = line;
    else
        e->line[o - inference_opts] = line;
}

void cluster_at_line(void *entry, const struct opt *o, int line)
{
    struct cluster_conf *e = entry;
    if (o == NULL)
        e->header_line = line;
    else
        e->line[o - cluster_opts] = line;
}

/* ---- checks after the file is read ---------------------------------------------------- */

/* http:// or https://, then a host that is not empty. */
static bool url_valid(const char *url)
{
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    if (rest == NULL)
        return false;
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    if (at != NULL && (slash == NULL || at < slash))
        rest = at + 1;
    return rest[0] != '\0' && rest[0] != '/' && rest[0] != ':';
}

/* "Name: value | Name: value": each name a token, each pair with a colon. */
static bool headers_valid(const char *h, char *bad, size_t n)
{
    const char *p = h;
    while (*p) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        const char *name = p;
        while (*name == ' ')
            name++;
        bool ok = colon != NULL && colon > name;
        for (const char *c = name; ok && c < colon; c++) {
            unsigned char ch = (unsigned char)*c;
            ok = ch > ' ' && ch < 0x7f && strchr("()<>@,;:\\\"/[]?={}", ch) == NULL;
        }
        if (!ok) {
            size_t shown = len - (size_t)(name - p);
            while (shown > 0 && name[shown - 1] == ' ')
                shown--;
            snprintf(bad, n, "%.*s", (int)(shown < 40 ? shown : 40), name);
            return false;
        }
        p = end ? end + 1 : p + len;
    }
    return true;
}

static void where(char *out, size_t n, const char *file, int line)
{
    if (file && file[0] && line > 0)
        snprintf(out, n, "%s:%d: ", file, line);
    else
        out[0] = '\0';
}

static int check(const char *kind, const char *name, const char *url, const char *headers,
                 int url_line, int headers_line, const char *file, char *err, size_t errlen)
{
    char at[CONFIG_PATH_MAX + 16], shown[48];
    if (!url_valid(url)) {
        where(at, sizeof at, file, url_line);
        config_err_set(err, errlen,
                       "%sbad url '%s' in section [%s \"%s\"] (use http://HOST[:PORT]/PATH)", at,
                       config_echo(shown, sizeof shown, url), kind, name);
        return -VIGIL_EINVAL;
    }
    char bad[48];
    if (headers && !headers_valid(headers, bad, sizeof bad)) {
        where(at, sizeof at, file, headers_line);
        config_err_set(err, errlen,
                       "%sbad header '%s' in section [%s \"%s\"] (use 'Name: value | Name: value')",
                       at, config_echo(shown, sizeof shown, bad), kind, name);
        return -VIGIL_EINVAL;
    }
    return 0;
}

int target_conf_validate(const struct target_conf *t, const char *file, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->n_inference; i++) {
        const struct inference_conf *e = &t->inference[i];
        int line = e->line[IK_URL] ? e->line[IK_URL] : e->header_line;
        int rc = check("inference", e->name, e->url, e->headers, line, e->line[IK_HEADERS], file,
                       err, errlen);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < t->n_clusters; i++) {
        const struct cluster_conf *e = &t->clusters[i];
        int line = e->line[CK_URL] ? e->line[CK_URL] : e->header_line;
        int rc = check("cluster", e->name, e->url, NULL, line, 0, file, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

bool target_conf_same(const struct target_conf *a, const struct target_conf *b)
{
    if (a->n_inference != b->n_inference || a->n_clusters != b->n_clusters)
        return false;
    for (unsigned i = 0; i < a->n_inference; i++) {
        const struct inference_conf *x = &a->inference[i], *y = &b->inference[i];
        if (strcmp(x->name, y->name) != 0 || x->enabled != y->enabled ||
            strcmp(x->url, y->url) != 0 || x->interval_ms != y->interval_ms ||
            x->timeout_ms != y->timeout_ms || strcmp(x->headers, y->headers) != 0 ||
            x->max_bytes != y->max_bytes)
            return false;
    }
    for (unsigned i = 0; i < a->n_clusters; i++) {
        const struct cluster_conf *x = &a->clusters[i], *y = &b->clusters[i];
        if (strcmp(x->name, y->name) != 0 || x->enabled != y->enabled ||
            strcmp(x->url, y->url) != 0 || x->interval_ms != y->interval_ms ||
            x->timeout_ms != y->timeout_ms || x->max_bytes != y->max_bytes)
            return false;
    }
    return true;
}

char *target_url_display(const char *url, char *out, size_t n)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (at != NULL && (slash == NULL || at < slash))
        snprintf(out, n, "%.*s%s", (int)(host - url), url, at + 1);
    else
        snprintf(out, n, "%s", url);
    return out;
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

static void print_size(FILE *out, size_t bytes)
{
    if (bytes % MIB == 0)
        fprintf(out, "max_bytes = %zuMiB\n", bytes / (size_t)MIB);
    else if (bytes % KIB == 0)
        fprintf(out, "max_bytes = %zuKiB\n", bytes / (size_t)KIB);
    else
        fprintf(out, "max_bytes = %zu\n", bytes);
}

void target_conf_print(const struct target_conf *t, FILE *out)
{
    char url[TARGET_CONF_URL_MAX];
    for (unsigned i = 0; i < t->n_inference; i++) {
        const struct inference_conf *e = &t->inference[i];
        fprintf(out, "\n[inference \"%s\"]%s\n", e->name, e->builtin ? " ; built in" : "");
        fprintf(out, "enabled = %s\nurl = %s\n", e->enabled ? "true" : "false",
                target_url_display(e->url, url, sizeof url));
        print_duration(out, "interval", e->interval_ms);
        print_duration(out, "timeout", e->timeout_ms);
        fprintf(out, "headers = %s\n", e->headers[0] ? "***" : "");
        print_size(out, e->max_bytes);
    }
    for (unsigned i = 0; i < t->n_clusters; i++) {
        const struct cluster_conf *e = &t->clusters[i];
        fprintf(out, "\n[cluster \"%s\"]%s\n", e->name, e->builtin ? " ; built in" : "");
        fprintf(out, "enabled = %s\nurl = %s\n", e->enabled ? "true" : "false",
                target_url_display(e->url, url, sizeof url));
        print_duration(out, "interval", e->interval_ms);
        print_duration(out, "timeout", e->timeout_ms);
        print_size(out, e->max_bytes);
    }
}
