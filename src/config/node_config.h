/*
 * node_config: the [node "NAME"] sections, the other vigil daemons a hub watches. Each has
 * the node's base URL and the token to send it; a token goes to the node it is configured
 * for and to no other. With no section vigil is not a hub: /api/v1/nodes lists only the
 * daemon itself, as "local". Part of struct config: plain data, copied with it.
 */
#ifndef VIGIL_NODE_CONFIG_H
#define VIGIL_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NODE_CONF_MAX       64
#define NODE_CONF_NAME_MAX  32 /* NUL included; letters, digits, '_' and '-' */
#define NODE_CONF_URL_MAX   256
#define NODE_CONF_TOKEN_MAX 256
/* The hub's own host among the nodes; no section may take the name. */
#define NODE_LOCAL_NAME "local"

/* The keys of [node "NAME"], in the order of node_opts. */
enum node_key { NDK_ENABLED, NDK_URL, NDK_TOKEN, NDK_INTERVAL, NDK_TIMEOUT, NDK_NKEYS };

struct node_conf {
    char name[NODE_CONF_NAME_MAX];
    bool enabled;
    char url[NODE_CONF_URL_MAX];     /* http[s]://HOST[:PORT][/PREFIX], no user:password */
    char token[NODE_CONF_TOKEN_MAX]; /* "": none is sent */
    int64_t interval_ms;             /* 0: the [collect] interval */
    int64_t timeout_ms;              /* one poll's limit; at most the interval is used */
    int header_line;                 /* where the section and each key were, for messages */
    int line[NDK_NKEYS];
};

struct node_confs {
    unsigned n;
    struct node_conf nodes[NODE_CONF_MAX];
};

/* Checks what needs the whole section: a URL is given, http:// or https:// with a host and
 * no user:password, query or fragment; a token is printable without blanks. Messages name
 * file:line when the section came from file. 0 or -VIGIL_EINVAL. */
int node_conf_validate(const struct node_confs *n, const char *file, char *err, size_t errlen);
/* Writes every node as INI sections, for check-config; tokens as ***. */
void node_conf_print(const struct node_confs *n, FILE *out);
/* True when a and b watch the same nodes the same way (the lines they came from aside). */
bool node_conf_same(const struct node_confs *a, const struct node_confs *b);

#endif
