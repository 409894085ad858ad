/*
 * collector_network: upload (transmitted) and download (received) rates per interface and
 * in total from /proc/net/dev, loopback left out. An interface gets a rate from its second
 * reading on; one that goes away is forgotten, so if it comes back it starts afresh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "collect/procfile.h"
#include "collect/rate.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_net_dev.h"

#define NET_BUF_SIZE ((size_t)256 * 1024) /* about 1,700 interfaces of 150 bytes */

struct net_slot {
    char name[HOST_NAME_LEN];
    bool seen; /* present in this cycle's file */
    struct rate rx, tx;
};

struct net_state {
    struct procfile file;
    bool primed; /* a reading exists, so totals can have a rate */
    unsigned n_slots;
    unsigned hint; /* where the next line is expected: the file keeps its order */
    /* One slot per reported interface: past HOST_MAX_IFACES, later ones are left out. */
    struct net_slot slots[HOST_MAX_IFACES];
};

static void net_destroy(void *state)
{
    struct net_state *s = state;
    if (!s)
        return;
    procfile_release(&s->file);
    free(s);
}

static void *net_create(const struct collector_env *env)
{
    struct net_state *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (procfile_init(&s->file, env->procfs, "net/dev", NET_BUF_SIZE) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static struct net_slot *find_slot(struct net_state *s, const char *name)
{
    if (s->hint < s->n_slots && strcmp(s->slots[s->hint].name, name) == 0)
        return &s->slots[s->hint++];
    for (unsigned i = 0; i < s->n_slots; i++) {
        if (strcmp(s->slots[i].name, name) == 0) {
            s->hint = i + 1;
            return &s->slots[i];
        }
    }
    if (s->n_slots == HOST_MAX_IFACES)
        return NULL;
    struct net_slot *slot = &s->slots[s->n_slots++];
    memcpy(slot->name, name, sizeof slot->name);
    slot->seen = false;
    rate_init(&slot->rx);
    rate_init(&slot->tx);
    return slot;
}

/* Forgets interfaces that have gone, keeping the order of the rest. */
static void drop_unseen(struct net_state *s)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < s->n_slots; i++) {
        if (!s->slots[i].seen)
            continue;
        if (kept != i)
            s->slots[kept] = s->slots[i];
        kept++;
    }
    s->n_slots = kept;
}

static void take_iface(struct net_sample *n, struct net_slot *slot,
                       const struct proc_net_dev_iface *in, int64_t mono_ns)
{
    struct net_iface *out = &n->ifaces[n->n_ifaces++];
    double rx = 0, tx = 0;
    memcpy(out->name, slot->name, sizeof out->name);
    out->rx_bytes = in->rx_bytes;
    out->tx_bytes = in->tx_bytes;
    bool rx_ok = rate_update(&slot->rx, in->rx_bytes, mono_ns, &rx);
    bool tx_ok = rate_update(&slot->tx, in->tx_bytes, mono_ns, &tx);
    out->rate_valid = rx_ok && tx_ok;
    out->download_rate_mbps = out->rate_valid ? rx / HOST_MIB : 0;
    out->upload_rate_mbps = out->rate_valid ? tx / HOST_MIB : 0;
    if (out->rate_valid) {
        n->download_rate_mbps += out->download_rate_mbps;
        n->upload_rate_mbps += out->upload_rate_mbps;
    }
}

static int net_collect(void *state, int64_t mono_ns, struct host_sample *out, char *err,
                       size_t errlen)
{
    struct net_state *s = state;
    struct net_sample *n = &out->net;
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface in;
    size_t len;

    n->valid = n->rate_valid = false;
    n->upload_rate_mbps = n->download_rate_mbps = 0;
    n->n_ifaces = 0;
    int rc = procfile_read(&s->file, &len, err, errlen);
    if (rc != 0)
        return rc;

    for (unsigned i = 0; i < s->n_slots; i++)
        s->slots[i].seen = false;
    s->hint = 0;
    proc_net_dev_begin(&it, s->file.buf, len);
    while (proc_net_dev_next(&it, &in)) {
        if (strcmp(in.name, "lo") == 0)
            continue;
        struct net_slot *slot = find_slot(s, in.name);
        if (!slot || slot->seen)
            continue; /* table full, or the name came twice */
        slot->seen = true;
        take_iface(n, slot, &in, mono_ns);
    }
    drop_unseen(s);
    n->valid = true;
    n->rate_valid = s->primed;
    s->primed = true;
    return 0;
}

const struct collector_ops collector_network = {
    .version = COLLECTOR_OPS_VERSION,
    .name = "network",
    .create = net_create,
    .destroy = net_destroy,
    .collect = net_collect,
};
