/*
 * target_config: the [inference "NAME"] and [cluster "NAME"] sections, the endpoints the
 * scraper polls. With none in the file there is one built-in target of each kind, named
 * "default" (http://127.0.0.1:8000/metrics and http://127.0.0.1:9199/status); it is marked
 * builtin, and a built-in target that is not there is shown as down without a warning.
 * The first section of a kind in the file replaces the built-in one (a section named
 * "default" changes it instead). Part of struct config: plain data, copied with it.
 */
#ifndef VIGIL_TARGET_CONFIG_H
#define VIGIL_TARGET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TARGET_CONF_MAX_INFERENCE 32
#define TARGET_CONF_MAX_CLUSTERS  8
#define TARGET_CONF_NAME_MAX      64 /* NUL included; letters, digits, '_' and '-' */
#define TARGET_CONF_URL_MAX       512
#define TARGET_CONF_HEADERS_MAX   1024

#define TARGET_DEFAULT_INFERENCE_URL "http://127.0.0.1:8000/metrics"
#define TARGET_DEFAULT_CLUSTER_URL   "http://127.0.0.1:9199/status"

/* The keys of [inference "NAME"], in the order of inference_opts. */
enum inference_key {
    IK_ENABLED,
    IK_URL,
    IK_INTERVAL,
    IK_TIMEOUT,
    IK_HEADERS,
    IK_MAX_BYTES,
    IK_NKEYS
};
/* The keys of [cluster "NAME"], in the order of cluster_opts. */
enum cluster_key { CK_ENABLED, CK_URL, CK_INTERVAL, CK_TIMEOUT, CK_MAX_BYTES, CK_NKEYS };

struct inference_conf {
    char name[TARGET_CONF_NAME_MAX];
    bool builtin;
    bool enabled;
    char url[TARGET_CONF_URL_MAX];
    int64_t interval_ms; /* 0: the [collect] interval */
    int64_t timeout_ms;
    char headers[TARGET_CONF_HEADERS_MAX]; /* "Name: value | Name: value" */
    size_t max_bytes;
    int header_line; /* where the section and each key were, for messages; 0 built in */
    int line[IK_NKEYS];
};

struct cluster_conf {
    char name[TARGET_CONF_NAME_MAX];
    bool builtin;
    bool enabled;
    char url[TARGET_CONF_URL_MAX];
    int64_t interval_ms; /* 0: the [collect] interval */
    int64_t timeout_ms;
    size_t max_bytes;
    int header_line;
    int line[CK_NKEYS];
};

struct target_conf {
    unsigned n_inference, n_clusters;
    struct inference_conf inference[TARGET_CONF_MAX_INFERENCE];
    struct cluster_conf clusters[TARGET_CONF_MAX_CLUSTERS];
};

/* Fills t with the two built-in targets. */
void target_conf_defaults(struct target_conf *t);
/* Checks what needs the whole section: the URL (http:// or https:// and a host) and the
 * headers ("Name: value", separated by '|'). Messages name file:line when the value came
 * from file (the config's path), as the loader's do. 0 or -VIGIL_EINVAL. */
int target_conf_validate(const struct target_conf *t, const char *file, char *err, size_t errlen);
/* Writes every target as INI sections, for check-config; user:password in a URL and header
 * values are masked. */
void target_conf_print(const struct target_conf *t, FILE *out);

/* True when a and b poll the same targets the same way (the lines they came from aside). */
bool target_conf_same(const struct target_conf *a, const struct target_conf *b);

/* Writes url without any user:password@ part into out (n bytes). Returns out. */
char *target_url_display(const char *url, char *out, size_t n);

#endif
