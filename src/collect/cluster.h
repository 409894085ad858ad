/*
 * cluster: what a cluster's JSON status endpoint says (the seed's smart proxy on :9199,
 * or anything else that answers JSON). Pure: bytes in, a summary and a re-encoded copy of
 * the document out; no I/O, no threads.
 *
 * The proxy shape, recognised loosely since proxies differ in the words they use: a
 * top-level object with a list of nodes under "nodes" (or "backends", "servers",
 * "workers", "upstreams"), as an array of objects or an object keyed by node name. A
 * node's health is a boolean ("healthy", "up", "alive", "online", "ok", "available") or a
 * word under "status", "state" or "health" (up, ok, healthy, online, ready, active,
 * running, alive, available, serving, green count as up). Its GPUs are "gpus" (a number or
 * a list), "gpu_count" or "num_gpus". Failover readiness is "failover_ready", or
 * "failover" as a boolean, a word, or an object with "ready" or a "status". GPUs active
 * are "gpus_active"/"active_gpus" when given, else the GPUs of the nodes that are up.
 * Any other JSON is kept and shown as it is ("shape": "raw"), never rejected.
 */
#ifndef VIGIL_CLUSTER_H
#define VIGIL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define CLUSTER_MAX_NODES 64 /* nodes listed; more are counted but not listed */
#define CLUSTER_MAX_DEPTH 16 /* deeper documents are refused (jansson recurses) */
#define CLUSTER_NAME_MAX  64 /* a node's name, NUL included */
#define CLUSTER_ERR_MAX   192

struct cluster_node {
    char name[CLUSTER_NAME_MAX];
    int up;   /* 1, 0, or -1 when the node says nothing about its health */
    int gpus; /* -1 when unknown */
};

struct cluster_status {
    bool proxy; /* the document has the proxy shape */
    unsigned nodes_total;
    unsigned nodes_up;
    bool health_known;  /* at least one node says whether it is up */
    double gpus_active; /* NaN when unknown */
    int failover_ready; /* 1, 0, or -1 when unknown */
    unsigned n_nodes;   /* listed in nodes[] */
    struct cluster_node nodes[CLUSTER_MAX_NODES];
    char error[CLUSTER_ERR_MAX];
};

/* Reads len bytes of JSON (borrowed). On success returns 0, fills *st, and writes the
 * document re-encoded as compact JSON into raw (the caller's, emptied first; a document
 * larger than raw's cap leaves raw empty, which callers show as null). Returns
 * -VIGIL_EINVAL with st->error set for text that is not JSON or nests deeper than
 * CLUSTER_MAX_DEPTH, -VIGIL_ENOMEM when jansson runs out of memory. */
int cluster_read(const char *body, size_t len, struct cluster_status *st, struct buf *raw);

#endif
