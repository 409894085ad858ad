/*
 * scraper: the polling thread (see scraper.h). Each target owns one curl easy handle for its
 * life, so connections to it are kept alive between polls; a poll adds the handle to the
 * multi handle and the handle leaves it when the transfer ends. The body goes into a
 * buffer capped at the target's size limit: the write callback refuses the byte past the
 * cap, which ends that transfer alone. The thread sleeps in curl_multi_poll() until a
 * socket is ready, curl has a timeout due, the next poll is due, or scraper_stop() wakes it.
 */
#include "collect/scraper.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "collect/listen_owner.h"
#include "core/log.h"
#include "encode/target_encode.h"

/* The snap's documents: the cluster document copies dominate (up to 1 MiB each by
 * default); the cap only guards against a bug growing a snap without bound. */
#define DOC_MAX        (16u << 20)
#define CLUSTER_SERIES 5
#define N_SERIES       (INFER_NFIGS + 2) /* the figures, up, scrape_duration_ms */

/* How often a built-in target that was down is tried again (a configured one keeps its
 * interval). */
#define BUILTIN_DOWN_RETRY_NS (10 * 1000000000LL)

struct target {
    struct target_result res;
    char url[TARGET_CONF_URL_MAX];
    int64_t interval_ns;
    int64_t timeout_ms;
    size_t max_bytes;
    struct curl_slist *headers;

    CURL *easy;
    struct buf body;
    char errbuf[CURL_ERROR_SIZE];
    bool in_flight, too_big, out_of_memory;
    int64_t next_ns;

    struct infer *infer;           /* inference targets */
    struct cluster_status *status; /* clusters */
    struct buf document;
    struct log_latch latch;

    bool registered;
    int ids[N_SERIES];

    uint32_t owner;           /* the local process found listening on the target's port */
    int64_t owner_checked_ns; /* when it was looked for; 0: look at the next good poll */
    char owner_model[INFER_MODEL_MAX];
};

struct scraper {
    struct store *store;          /* borrowed, may be NULL */
    struct board *board;          /* borrowed, may be NULL */
    struct target_models *models; /* borrowed, may be NULL */
    char procfs[CONFIG_PATH_MAX];
    int64_t history_ms;
    CURLM *multi;
    struct target *t;
    unsigned n, n_inference;
    const struct target_result **inference, **clusters; /* for the encoders */
    uint64_t seq;
    bool store_full_said;
    _Atomic uint64_t polls;
    _Atomic bool stop;
    pthread_t thread;
    bool started;
};

/* ---- set-up --------------------------------------------------------------------------- */

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
    struct target *t = arg;
    size_t n = size * nmemb;
    if (n > t->max_bytes - t->body.len) {
        t->too_big = true;
        return 0; /* less than given: curl ends this transfer with CURLE_WRITE_ERROR */
    }
    int rc = buf_add(&t->body, p, n);
    if (rc == -VIGIL_E2BIG)
        t->too_big = true;
    else if (rc < 0)
        t->out_of_memory = true;
    return rc < 0 ? 0 : n;
}

/* "Name: value | Name: value" into a header list, after the Accept header. */
static struct curl_slist *header_list(const char *accept, const char *configured)
{
    struct curl_slist *list = curl_slist_append(NULL, accept);
    const char *p = configured ? configured : "";
    while (list && *p) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        char one[TARGET_CONF_HEADERS_MAX];
        if (len > 0 && len < sizeof one) {
            memcpy(one, p, len);
            one[len] = '\0';
            struct curl_slist *next = curl_slist_append(list, one);
            if (!next) {
                curl_slist_free_all(list);
                return NULL;
            }
            list = next;
        }
        p = end ? end + 1 : p + strlen(p);
    }
    return list;
}

static bool easy_setup(struct target *t)
{
    CURL *e = curl_easy_init();
    if (!e)
        return false;
    t->easy = e;
    bool ok =
        curl_easy_setopt(e, CURLOPT_URL, t->url) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PRIVATE, t) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEDATA, t) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)t->timeout_ms) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        /* any encoding curl can decode; the cap applies to the decoded bytes */
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_bytes) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_USERAGENT, "vigil/" VIGIL_VERSION) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) == CURLE_OK;
    return ok;
}

static int64_t interval_ns(int64_t target_ms, int64_t default_ms)
{
    int64_t ms = target_ms > 0 ? target_ms : default_ms;
    return (ms > 0 ? ms : 1000) * 1000000;
}

static bool target_init(struct target *t, const char *name, const char *url, bool builtin,
                        bool cluster, int64_t every_ns, int64_t timeout_ms, size_t max_bytes,
                        const char *headers)
{
    snprintf(t->res.name, sizeof t->res.name, "%s", name);
    target_url_display(url, t->res.url, sizeof t->res.url);
    snprintf(t->url, sizeof t->url, "%s", url);
    t->res.builtin = builtin;
    t->res.cluster = cluster;
    t->res.state = TARGET_STARTING;
    t->interval_ns = every_ns;
    t->timeout_ms = timeout_ms;
    t->max_bytes = max_bytes;
    buf_init(&t->body, max_bytes);
    /* the copy of a cluster's document: escapes can make it longer than what was read */
    buf_init(&t->document, cluster ? 2 * max_bytes : 0);
    for (int i = 0; i < N_SERIES; i++)
        t->ids[i] = -1;
    t->headers = header_list(cluster ? "Accept: application/json"
                                     : "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1",
                             headers);
    if (!t->headers || !easy_setup(t))
        return false;
    if (cluster) {
        t->status = vigil_calloc(1, sizeof *t->status);
        t->res.status = t->status;
        t->res.document = &t->document;
        return t->status != NULL;
    }
    t->infer = infer_new();
    t->res.infer = t->infer;
    return t->infer != NULL;
}

static void target_release(struct target *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    buf_release(&t->body);
    buf_release(&t->document);
    infer_free(t->infer);
    free(t->status);
}

struct scraper *scraper_new(const struct config *cfg, struct store *store, struct board *board)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct scraper *s = vigil_calloc(1, sizeof *s);
    if (!s) {
        curl_global_cleanup();
        return NULL;
    }
    s->store = store;
    s->board = board;
    s->history_ms = cfg->history_ms;
    snprintf(s->procfs, sizeof s->procfs, "%s", cfg->procfs);
    atomic_init(&s->polls, 0);
    atomic_init(&s->stop, false);
    const struct target_conf *tc = &cfg->targets;
    unsigned total = tc->n_inference + tc->n_clusters;
    s->t = vigil_calloc(total ? total : 1, sizeof *s->t);
    s->inference = vigil_calloc(total ? total : 1, sizeof(const struct target_result *));
    s->clusters = vigil_calloc(total ? total : 1, sizeof(const struct target_result *));
    s->multi = curl_multi_init();
    bool ok = s->t && s->inference && s->clusters && s->multi;
    for (unsigned i = 0; ok && i < tc->n_inference; i++) {
        const struct inference_conf *c = &tc->inference[i];
        if (!c->enabled)
            continue;
        struct target *t = &s->t[s->n];
        ok = target_init(t, c->name, c->url, c->builtin, false,
                         interval_ns(c->interval_ms, cfg->interval_ms), c->timeout_ms, c->max_bytes,
                         c->headers);
        s->inference[s->n_inference++] = &t->res;
        s->n++;
    }
    unsigned n_clusters = 0;
    for (unsigned i = 0; ok && i < tc->n_clusters; i++) {
        const struct cluster_conf *c = &tc->clusters[i];
        if (!c->enabled)
            continue;
        struct target *t = &s->t[s->n];
        ok = target_init(t, c->name, c->url, c->builtin, true,
                         interval_ns(c->interval_ms, cfg->interval_ms), c->timeout_ms, c->max_bytes,
                         NULL);
        s->clusters[n_clusters++] = &t->res;
        s->n++;
    }
    if (!ok) {
        scraper_free(s);
        return NULL;
    }
    return s;
}

/* ---- one poll ------------------------------------------------------------------------- */

static void start(struct scraper *s, struct target *t)
{
    buf_reset(&t->body);
    t->too_big = t->out_of_memory = false;
    t->errbuf[0] = '\0';
    CURLMcode rc = curl_multi_add_handle(s->multi, t->easy);
    if (rc != CURLM_OK) {
        log_warn("scraper", "cannot start polling '%s': %s", t->res.name, curl_multi_strerror(rc));
        return;
    }
    t->in_flight = true;
}

static void size_text(size_t bytes, char *out, size_t n)
{
    if (bytes % (1u << 20) == 0)
        snprintf(out, n, "%zu MiB", bytes >> 20);
    else if (bytes % 1024 == 0)
        snprintf(out, n, "%zu KiB", bytes >> 10);
    else
        snprintf(out, n, "%zu bytes", bytes);
}

/* curl's message, or the system's for a failed connection, in git's lower case. */
static void transfer_error(struct target *t, CURLcode rc, char *out, size_t n)
{
    long os_errno = 0;
    curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(out, n, "timed out after %lld ms", (long long)t->timeout_ms);
        return;
    case CURLE_COULDNT_CONNECT:
        if (os_errno > 0) {
            int w = snprintf(out, n, "cannot connect: %s", strerror((int)os_errno));
            /* strerror's words start with a capital; messages here do not */
            if (w > 16 && (size_t)w < n && out[16] >= 'A' && out[16] <= 'Z')
                out[16] = (char)(out[16] - 'A' + 'a');
            return;
        }
        /* fall back on curl's words */
        snprintf(out, n, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(out, n, "cannot resolve the host name");
        return;
    case CURLE_GOT_NOTHING:
        snprintf(out, n, "the server closed the connection without answering");
        return;
    default:
        snprintf(out, n, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
        break;
    }
    if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
        out[0] = (char)(out[0] - 'A' + 'a');
}

static void read_body(struct target *t, int64_t now_ns)
{
    struct target_result *r = &t->res;
    int rc;
    if (r->cluster) {
        rc = cluster_read(t->body.data ? t->body.data : "", t->body.len, t->status, &t->document);
        snprintf(r->error, sizeof r->error, "%s", rc < 0 ? t->status->error : "");
    } else {
        rc = infer_update(t->infer, t->body.data ? t->body.data : "", t->body.len, now_ns);
        if (rc < 0)
            snprintf(r->error, sizeof r->error, "not a Prometheus exposition: %s", t->infer->error);
        else if (t->infer->bad_lines)
            snprintf(r->error, sizeof r->error, "%u bad lines, the first %s", t->infer->bad_lines,
                     t->infer->error);
        else
            r->error[0] = '\0';
    }
    r->state = rc < 0 ? TARGET_ERROR : TARGET_UP;
}

/* ---- series --------------------------------------------------------------------------- */

static const struct {
    const char *unit, *help;
} fig_meta[INFER_NFIGS] = {
    [INFER_GEN_TPS] = {"tokens/s", "generation tokens per second"},
    [INFER_PROMPT_TPS] = {"tokens/s", "prompt (prefill) tokens per second"},
    [INFER_RUNNING] = {"requests", "requests running"},
    [INFER_WAITING] = {"requests", "requests waiting (queue depth)"},
    [INFER_KV] = {"ratio", "KV-cache usage, 0 to 1"},
    [INFER_SUCCESS_PS] = {"requests/s", "requests finished well per second"},
    [INFER_ERROR_PS] = {"requests/s", "requests aborted or failed per second"},
    [INFER_TTFT_P50] = {"s", "time to first token, median over the last minute"},
    [INFER_TTFT_P90] = {"s", "time to first token, 90th percentile over the last minute"},
    [INFER_TTFT_P99] = {"s", "time to first token, 99th percentile over the last minute"},
    [INFER_E2E_P50] = {"s", "request latency, median over the last minute"},
    [INFER_E2E_P90] = {"s", "request latency, 90th percentile over the last minute"},
    [INFER_E2E_P99] = {"s", "request latency, 99th percentile over the last minute"},
    [INFER_ITL_P50] = {"s", "inter-token latency, median over the last minute"},
    [INFER_ITL_P90] = {"s", "inter-token latency, 90th percentile over the last minute"},
    [INFER_ITL_P99] = {"s", "inter-token latency, 99th percentile over the last minute"},
};

static const struct {
    const char *name, *unit, *help;
} cluster_meta[CLUSTER_SERIES] = {
    {"up", "", "1 when the status endpoint answered with JSON"},
    {"nodes_up", "nodes", "nodes the status says are up"},
    {"nodes_total", "nodes", "nodes the status lists"},
    {"gpus_active", "GPUs", "GPUs active, by the status"},
    {"failover_ready", "", "1 when the status says failover is ready"},
};

static int series(struct scraper *s, struct target *t, const char *figure, const char *unit,
                  const char *help)
{
    char name[STORE_NAME_MAX];
    snprintf(name, sizeof name, "%s.%s.%s", t->res.cluster ? "cluster" : "inference", t->res.name,
             figure);
    size_t slots = (size_t)(s->history_ms / (t->interval_ns / 1000000)) + 1;
    int id = store_series(s->store, name, unit, help, slots);
    if (id == -VIGIL_EFULL && !s->store_full_said) {
        s->store_full_said = true;
        log_warn("scraper",
                 "history is full at its series limit: '%s' and later series are "
                 "shown live but not kept",
                 name);
    }
    return id;
}

/* A configured target's series exist from its first poll, so that a target down from the
 * start reads 0 in inference.<name>.up; the built-in one's only once it has been up. */
static void register_series(struct scraper *s, struct target *t)
{
    t->registered = true;
    if (t->res.cluster) {
        for (int i = 0; i < CLUSTER_SERIES; i++)
            t->ids[i] =
                series(s, t, cluster_meta[i].name, cluster_meta[i].unit, cluster_meta[i].help);
        return;
    }
    for (int f = 0; f < INFER_NFIGS; f++)
        t->ids[f] = series(s, t, infer_fig_name(f), fig_meta[f].unit, fig_meta[f].help);
    t->ids[INFER_NFIGS] = series(s, t, "up", "", "1 when the last scrape was read, else 0");
    t->ids[INFER_NFIGS + 1] = series(s, t, "scrape_duration_ms", "ms", "how long the scrape took");
}

static void push(struct scraper *s, int id, int64_t ts, double v)
{
    if (id >= 0 && !isnan(v))
        store_push(s->store, id, ts, v);
}

static void store_target(struct scraper *s, struct target *t)
{
    const struct target_result *r = &t->res;
    bool up = r->state == TARGET_UP;
    if (!s->store)
        return;
    if (!t->registered && (up || !r->builtin))
        register_series(s, t);
    if (!t->registered)
        return;
    if (r->cluster) {
        const struct cluster_status *st = t->status;
        push(s, t->ids[0], r->last_ms, up ? 1 : 0);
        if (!up)
            return;
        push(s, t->ids[1], r->last_ms, st->proxy && st->health_known ? st->nodes_up : NAN);
        push(s, t->ids[2], r->last_ms, st->proxy ? st->nodes_total : NAN);
        push(s, t->ids[3], r->last_ms, st->gpus_active);
        push(s, t->ids[4], r->last_ms, st->failover_ready >= 0 ? st->failover_ready : NAN);
        return;
    }
    push(s, t->ids[INFER_NFIGS], r->last_ms, up ? 1 : 0);
    push(s, t->ids[INFER_NFIGS + 1], r->last_ms, r->duration_ms);
    for (int f = 0; up && f < INFER_NFIGS; f++)
        push(s, t->ids[f], r->last_ms, t->infer->fig[f]);
}

/* ---- which local process serves the target ------------------------------------------- */

#define OWNER_RECHECK_NS (60LL * 1000000000)

static bool loopback(const char *ip)
{
    return ip && (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
                  strncmp(ip, "::ffff:127.", 11) == 0);
}

/* After a poll of an inference target: when it is up on a loopback address, the process
 * listening on its port serves the model its metrics name. The walk over /proc is done
 * when the target comes up, when its model changes, and once a minute; otherwise the last
 * answer stands. */
static void find_owner(struct scraper *s, struct target *t, int64_t now_ns)
{
    unsigned slot = (unsigned)(t - s->t);
    const char *model = t->infer->model;
    if (t->res.state != TARGET_UP || !model[0]) {
        if (t->owner)
            target_models_set(s->models, slot, 0, NULL);
        t->owner = 0;
        t->owner_checked_ns = 0;
        return;
    }
    bool changed = strcmp(model, t->owner_model) != 0;
    if (!changed && t->owner_checked_ns && now_ns - t->owner_checked_ns < OWNER_RECHECK_NS)
        return;
    char *ip = NULL;
    long port = 0;
    curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_PORT, &port);
    t->owner_checked_ns = now_ns;
    snprintf(t->owner_model, sizeof t->owner_model, "%s", model);
    if (!loopback(ip) || port <= 0 || port > 65535)
        return;
    uint32_t pid = listen_owner_find(s->procfs, (uint16_t)port, t->owner);
    if (pid != t->owner)
        log_debug("scraper", "inference target '%s' is served by pid %u", t->res.name, pid);
    t->owner = pid;
    target_models_set(s->models, slot, pid, model);
}

/* ---- the end of a poll ---------------------------------------------------------------- */

static void say(const struct scraper *s, struct target *t)
{
    const struct target_result *r = &t->res;
    const char *what = r->cluster ? "cluster" : "inference target";
    char text[1024]; /* the latch compares its first bytes; the log has all of it */
    if (r->state == TARGET_UP) {
        snprintf(text, sizeof text, "%s '%s' is up", what, r->name);
        log_latch_clear(&t->latch, "scraper", text);
        return;
    }
    snprintf(text, sizeof text, "%s '%s' (%s) is %s: %s", what, r->name, r->url,
             target_state_name(r->state), r->error);
    /* The built-in target is a guess at where a server might be; its absence is news to
     * nobody, so it is said at debug level; so is everything when there is no board, since
     * the one-shot caller (snapshot) shows the states itself. */
    log_latch_set(&t->latch, r->builtin || !s->board ? LOG_DEBUG : LOG_WARN, "scraper", text);
}

static void finish(struct scraper *s, struct target *t, CURLcode rc, int64_t now_ns)
{
    struct target_result *r = &t->res;
    long http = 0;
    curl_off_t took_us = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &took_us);
    curl_multi_remove_handle(s->multi, t->easy);
    t->in_flight = false;
    r->last_ms = clock_real_ms();
    r->duration_ms = (double)took_us / 1000.0;
    char size[32];
    if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        size_text(t->max_bytes, size, sizeof size);
        r->state = TARGET_ERROR;
        snprintf(r->error, sizeof r->error, "response larger than %s (max_bytes)", size);
    } else if (t->out_of_memory) {
        r->state = TARGET_ERROR;
        snprintf(r->error, sizeof r->error, "out of memory reading the response");
    } else if (rc != CURLE_OK) {
        r->state = TARGET_DOWN;
        transfer_error(t, rc, r->error, sizeof r->error);
    } else if (http < 200 || http > 299) {
        r->state = TARGET_ERROR;
        snprintf(r->error, sizeof r->error, "HTTP status %ld", http);
    } else {
        read_body(t, now_ns);
    }
    if (r->state != TARGET_UP) {
        if (t->infer)
            infer_forget(t->infer);
        buf_reset(&t->document);
    }
    /* A body that filled the cap, or came with a failure, gives its memory back; a good
     * one keeps it for the next poll. */
    if (r->state != TARGET_UP || t->body.alloc > 2 * t->body.len + 65536)
        buf_release(&t->body);
    say(s, t);
    store_target(s, t);
    if (s->models && !r->cluster && (unsigned)(t - s->t) < TARGET_MODELS_MAX)
        find_owner(s, t, now_ns);
    atomic_fetch_add_explicit(&s->polls, 1, memory_order_relaxed);
}

/* Reads the transfers that ended; returns a mask: 1 an inference target ended, 2 a cluster. */
static unsigned drain(struct scraper *s)
{
    unsigned ended = 0;
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        struct target *t = (struct target *)(void *)priv;
        if (!t)
            continue;
        CURLcode rc = m->data.result; /* m is gone once the handle leaves the multi */
        finish(s, t, rc, clock_mono_ns());
        ended |= t->res.cluster ? 2u : 1u;
    }
    return ended;
}

/* ---- publishing ----------------------------------------------------------------------- */

static const char *status_of(const struct target_result *const *ts, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!ts[i]->builtin && (ts[i]->state == TARGET_DOWN || ts[i]->state == TARGET_ERROR))
            return "degraded";
    return "ok";
}

/* The live channels: inference/<name> for each inference target (its object, as in the
 * list), and cluster with the whole list (status endpoints are few). */
static int add_channels(struct snap *snap, const struct target_result *const *ts, unsigned n,
                        bool cluster)
{
    if (cluster) {
        const struct buf *list = &snap->doc[INFERENCE_DOC_TARGETS];
        struct buf *b = snap_add_channel(snap, "cluster");
        return b ? buf_add(b, list->data, list->len) : -VIGIL_ENOMEM;
    }
    for (unsigned i = 0; i < n; i++) {
        char name[SNAP_CHANNEL_NAME];
        if (snprintf(name, sizeof name, "inference/%s", ts[i]->name) >= (int)sizeof name)
            continue; /* a name too long for a channel: in the list only */
        struct buf *b = snap_add_channel(snap, name);
        if (!b)
            return -VIGIL_ENOMEM;
        struct jsonw w;
        jw_init(&w, b);
        target_encode_inference(ts[i], &w);
        if (w.err)
            return w.err;
    }
    return 0;
}

static struct snap *encode(struct scraper *s, bool cluster)
{
    enum board_slot slot = cluster ? BOARD_CLUSTER : BOARD_INFERENCE;
    const struct target_result *const *ts = cluster ? s->clusters : s->inference;
    unsigned n = cluster ? s->n - s->n_inference : s->n_inference;
    struct snap *snap = snap_new(slot, DOC_MAX);
    if (!snap)
        return NULL;
    snap->seq = ++s->seq;
    snap->ts_ms = clock_real_ms();
    struct jsonw w;
    jw_init(&w, &snap->doc[INFERENCE_DOC_TARGETS]);
    jw_arr_begin(&w);
    for (unsigned i = 0; i < n; i++) {
        if (cluster)
            target_encode_cluster(ts[i], &w);
        else
            target_encode_inference(ts[i], &w);
    }
    jw_arr_end(&w);
    int err = w.err;
    if (!err)
        err = add_channels(snap, ts, n, cluster);
    if (!err)
        err = cluster ? target_prom_cluster(ts, n, &snap->doc[CLUSTER_DOC_PROM])
                      : target_prom_inference(ts, n, &snap->doc[INFERENCE_DOC_PROM]);
    if (!err) {
        jw_init(&w, &snap->doc[INFERENCE_DOC_HEALTH]);
        target_encode_health(ts, n, &w);
        err = w.err;
    }
    if (!err)
        err = buf_adds(&snap->doc[INFERENCE_DOC_STATUS], status_of(ts, n));
    if (err) {
        log_warn("scraper", "cannot encode the %s documents: %s", cluster ? "cluster" : "inference",
                 vigil_strerror(err));
        snap_free(snap);
        return NULL;
    }
    return snap;
}

static void publish(struct scraper *s, unsigned which)
{
    if (!s->board)
        return;
    for (int cluster = 0; cluster < 2; cluster++) {
        if (!(which & (cluster ? 2u : 1u)))
            continue;
        struct snap *snap = encode(s, cluster);
        if (snap)
            board_publish(s->board, snap);
    }
}

/* ---- running -------------------------------------------------------------------------- */

void scraper_cycle(struct scraper *s)
{
    for (unsigned i = 0; i < s->n; i++)
        if (!s->t[i].in_flight)
            start(s, &s->t[i]);
    for (;;) {
        int running = 0;
        curl_multi_perform(s->multi, &running);
        drain(s);
        bool busy = false;
        for (unsigned i = 0; i < s->n; i++)
            busy |= s->t[i].in_flight;
        if (!busy)
            break;
        curl_multi_poll(s->multi, NULL, 0, 100, NULL);
    }
    publish(s, 3u);
}

static void *run(void *arg)
{
    struct scraper *s = arg;
    int64_t now = clock_mono_ns();
    /* After a cycle run by the caller, the next poll of each target is one interval on. */
    for (unsigned i = 0; i < s->n; i++)
        s->t[i].next_ns = now + (s->t[i].res.last_ms ? s->t[i].interval_ns : 0);
    /* An empty snap at once, so that readers see the targets as starting, not missing. */
    publish(s, 3u);
    while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
        now = clock_mono_ns();
        int64_t wait_ns = 1000000000;
        for (unsigned i = 0; i < s->n; i++) {
            struct target *t = &s->t[i];
            if (now >= t->next_ns) {
                /* A poll still running when the next is due skips that round: one
                 * transfer per target at a time. */
                if (!t->in_flight)
                    start(s, t);
                t->next_ns += t->interval_ns;
                if (t->next_ns <= now) /* fell behind (a suspended machine): skip ahead */
                    t->next_ns = now + t->interval_ns - (now - t->next_ns) % t->interval_ns;
                /* A built-in target found down (no server at the default address, the
                 * usual case on a host without one) is tried again less often: a refused
                 * connection every second cost more CPU than all the host collectors. */
                if (t->res.builtin && t->res.state == TARGET_DOWN &&
                    t->next_ns - now < BUILTIN_DOWN_RETRY_NS)
                    t->next_ns = now + BUILTIN_DOWN_RETRY_NS;
            }
            if (t->next_ns - now < wait_ns)
                wait_ns = t->next_ns - now;
        }
        int running = 0;
        curl_multi_perform(s->multi, &running);
        unsigned ended = drain(s);
        if (ended)
            publish(s, ended);
        int wait_ms = (int)((wait_ns + 999999) / 1000000);
        curl_multi_poll(s->multi, NULL, 0, wait_ms > 0 ? wait_ms : 0, NULL);
    }
    return NULL;
}

int scraper_start(struct scraper *s)
{
    atomic_store(&s->stop, false);
    int rc = pthread_create(&s->thread, NULL, run, s);
    if (rc)
        return vigil_errno(rc);
    s->started = true;
    return 0;
}

void scraper_stop(struct scraper *s)
{
    if (!s || !s->started)
        return;
    atomic_store_explicit(&s->stop, true, memory_order_release);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);
    s->started = false;
    for (unsigned i = 0; s->t && i < s->n; i++) {
        if (s->t[i].in_flight) {
            curl_multi_remove_handle(s->multi, s->t[i].easy);
            s->t[i].in_flight = false;
        }
    }
}

void scraper_free(struct scraper *s)
{
    if (!s)
        return;
    scraper_stop(s);
    for (unsigned i = 0; s->t && i < s->n; i++) {
        if (s->t[i].in_flight)
            curl_multi_remove_handle(s->multi, s->t[i].easy);
        target_release(&s->t[i]);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s->t);
    free(s->inference);
    free(s->clusters);
    free(s);
    curl_global_cleanup();
}

void scraper_set_models(struct scraper *s, struct target_models *tm)
{
    s->models = tm;
}

uint64_t scraper_polls(const struct scraper *s)
{
    return atomic_load_explicit(&s->polls, memory_order_relaxed);
}

unsigned scraper_count(const struct scraper *s)
{
    return s->n;
}

const struct target_result *scraper_result(const struct scraper *s, unsigned i)
{
    return i < s->n ? &s->t[i].res : NULL;
}
