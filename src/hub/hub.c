/*
 * hub: the node-watching thread (see hub.h). Each node owns one curl easy handle per
 * snapshot document for its life, so connections to it stay open between polls; a poll
 * adds the node's handles to the multi handle and the node's state is decided when the
 * last of them ends. Fetches for the loop get a handle each, made when the thread picks
 * the fetch up and freed with its reply. The thread sleeps in curl_multi_poll() until a
 * socket is ready, a poll is due, a fetch is queued, or hub_free() wakes it.
 */
#include "hub/hub.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"
#include "core/log.h"

enum { DOC_HEALTH, DOC_GPUS, DOC_INFERENCE, DOC_AGENTS, DOC_ALERTS, N_DOCS };

static const char *const doc_paths[N_DOCS] = {
    "/health", "/api/v1/gpus", "/api/v1/inference", "/api/v1/agents", "/api/v1/alerts",
};

struct node;

struct poll {
    struct node *node;
    CURL *easy;
    struct buf body;
    char err[CURL_ERROR_SIZE];
    bool in_flight;
    CURLcode code;
    long status;
};

struct node {
    char name[NODE_CONF_NAME_MAX];
    char base[NODE_CONF_URL_MAX]; /* the URL without a trailing '/' */
    char token[NODE_CONF_TOKEN_MAX];
    struct curl_slist *headers; /* Accept, and the node's token when it has one */
    int64_t interval_ns, timeout_ms;
    int64_t next_ns;
    struct poll polls[N_DOCS];
    unsigned in_flight;
    _Atomic bool poke;
    struct log_latch latch;
    uint64_t polls_done;
};

struct fetch {
    uint64_t id;
    struct node *node;
    CURL *easy;
    char *url;
    struct curl_slist *headers;
    struct buf body;
    char err[CURL_ERROR_SIZE];
    bool token; /* send the node's token (not for /health, which needs none) */
    bool too_big;
    struct fetch *next;
};

struct hub {
    CURLM *multi;
    struct node *nodes;
    unsigned n;
    void (*wake)(void *);
    void *wake_arg;

    pthread_mutex_t lock;       /* guards what follows */
    struct hub_node_view *view; /* per node */
    struct fetch *queued;       /* asked for, not started; newest first */
    struct hub_reply *replies, **replies_tail;
    unsigned outstanding; /* fetches queued, running or with a reply not taken */
    uint64_t next_id;

    struct fetch *running; /* thread only */
    _Atomic bool stop;
    pthread_t thread;
    bool started;
};

const char *node_state_name(enum node_state s)
{
    switch (s) {
    case NODE_STARTING:
        return "starting";
    case NODE_UP:
        return "up";
    case NODE_DOWN:
        return "down";
    case NODE_UNAUTHORISED:
        return "unauthorised";
    }
    return "?";
}

/* ---- set-up --------------------------------------------------------------------------- */

static size_t on_poll_data(char *p, size_t size, size_t nmemb, void *arg)
{
    struct poll *pl = arg;
    size_t n = size * nmemb;
    return buf_add(&pl->body, p, n) ? 0 : n; /* short: curl ends this transfer */
}

static size_t on_fetch_data(char *p, size_t size, size_t nmemb, void *arg)
{
    struct fetch *f = arg;
    size_t n = size * nmemb;
    int rc = buf_add(&f->body, p, n);
    if (rc == -VIGIL_E2BIG)
        f->too_big = true;
    return rc ? 0 : n;
}

static bool easy_common(CURL *e, const char *url, struct curl_slist *headers, char *errbuf,
                        long timeout_ms)
{
    return curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) == CURLE_OK &&
           /* a redirect could carry the token to another host */
           curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_USERAGENT, "vigil-hub/" VIGIL_VERSION) == CURLE_OK &&
           curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
}

static struct curl_slist *headers_for(const char *token)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json, text/plain");
    if (h && token && token[0]) {
        char auth[NODE_CONF_TOKEN_MAX + 32];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        struct curl_slist *next = curl_slist_append(h, auth);
        if (!next) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = next;
    }
    return h;
}

static int node_init(struct node *nd, const struct node_conf *c, int64_t default_interval_ms)
{
    snprintf(nd->name, sizeof nd->name, "%s", c->name);
    snprintf(nd->base, sizeof nd->base, "%s", c->url);
    size_t n = strlen(nd->base);
    while (n > 0 && nd->base[n - 1] == '/')
        nd->base[--n] = '\0';
    snprintf(nd->token, sizeof nd->token, "%s", c->token);
    int64_t interval_ms = c->interval_ms ? c->interval_ms : default_interval_ms;
    nd->interval_ns = interval_ms * 1000000;
    nd->timeout_ms = c->timeout_ms < interval_ms ? c->timeout_ms : interval_ms;
    atomic_init(&nd->poke, false);
    nd->headers = headers_for(nd->token);
    if (!nd->headers)
        return -VIGIL_ENOMEM;
    for (int d = 0; d < N_DOCS; d++) {
        struct poll *pl = &nd->polls[d];
        pl->node = nd;
        buf_init(&pl->body, HUB_DOC_MAX);
        char url[NODE_CONF_URL_MAX + 32];
        snprintf(url, sizeof url, "%s%s", nd->base, doc_paths[d]);
        pl->easy = curl_easy_init();
        if (!pl->easy || !easy_common(pl->easy, url, nd->headers, pl->err, (long)nd->timeout_ms) ||
            curl_easy_setopt(pl->easy, CURLOPT_PRIVATE, pl) != CURLE_OK ||
            curl_easy_setopt(pl->easy, CURLOPT_WRITEFUNCTION, on_poll_data) != CURLE_OK ||
            curl_easy_setopt(pl->easy, CURLOPT_WRITEDATA, pl) != CURLE_OK)
            return -VIGIL_ENOMEM;
    }
    return 0;
}

static void node_release(struct node *nd)
{
    for (int d = 0; d < N_DOCS; d++) {
        if (nd->polls[d].easy)
            curl_easy_cleanup(nd->polls[d].easy);
        buf_release(&nd->polls[d].body);
    }
    curl_slist_free_all(nd->headers);
}

struct hub *hub_new(const struct hub_opts *o)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct hub *h = vigil_calloc(1, sizeof *h);
    if (!h) {
        curl_global_cleanup();
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    h->replies_tail = &h->replies;
    h->next_id = 1;
    h->wake = o->wake;
    h->wake_arg = o->wake_arg;
    atomic_init(&h->stop, false);
    unsigned n = 0;
    for (unsigned i = 0; i < o->nodes->n; i++)
        n += o->nodes->nodes[i].enabled;
    h->multi = curl_multi_init();
    h->nodes = n ? vigil_calloc(n, sizeof *h->nodes) : NULL;
    h->view = n ? vigil_calloc(n, sizeof *h->view) : NULL;
    if (!h->multi || (n && (!h->nodes || !h->view))) {
        hub_free(h);
        return NULL;
    }
    for (unsigned i = 0; i < o->nodes->n && h->n < n; i++) {
        const struct node_conf *c = &o->nodes->nodes[i];
        if (!c->enabled)
            continue;
        struct node *nd = &h->nodes[h->n];
        struct hub_node_view *v = &h->view[h->n];
        h->n++;
        if (node_init(nd, c, o->interval_ms) < 0) {
            hub_free(h);
            return NULL;
        }
        snprintf(v->name, sizeof v->name, "%s", c->name);
        snprintf(v->url, sizeof v->url, "%s", nd->base);
        v->state = NODE_STARTING;
        summary_clear(&v->summary);
    }
    return h;
}

unsigned hub_count(const struct hub *h)
{
    return h ? h->n : 0;
}

int hub_find(const struct hub *h, const char *name)
{
    for (unsigned i = 0; h && i < h->n; i++)
        if (strcmp(h->nodes[i].name, name) == 0)
            return (int)i;
    return -1;
}

void hub_view(struct hub *h, unsigned i, struct hub_node_view *out)
{
    pthread_mutex_lock(&h->lock);
    *out = h->view[i];
    pthread_mutex_unlock(&h->lock);
}

void hub_poll_now(struct hub *h, unsigned i)
{
    if (!h || i >= h->n)
        return;
    atomic_store(&h->nodes[i].poke, true);
    curl_multi_wakeup(h->multi);
}

/* ---- polls ---------------------------------------------------------------------------- */

static void poll_start(struct hub *h, struct node *nd)
{
    for (int d = 0; d < N_DOCS; d++) {
        struct poll *pl = &nd->polls[d];
        buf_reset(&pl->body);
        pl->err[0] = '\0';
        pl->status = 0;
        pl->code = CURLE_OK;
        if (curl_multi_add_handle(h->multi, pl->easy) == CURLM_OK) {
            pl->in_flight = true;
            nd->in_flight++;
        } else {
            pl->code = CURLE_OUT_OF_MEMORY;
        }
    }
}

static const char *poll_error(const struct poll *pl)
{
    return pl->err[0] ? pl->err : curl_easy_strerror(pl->code);
}

/* Every document of a poll is in: the node's state and summary, under the lock. */
static void poll_end(struct hub *h, unsigned i)
{
    struct node *nd = &h->nodes[i];
    const struct poll *health = &nd->polls[DOC_HEALTH];
    enum node_state state = NODE_UP;
    char error[HUB_ERROR_MAX] = "";
    for (int d = 0; d < N_DOCS && state != NODE_UNAUTHORISED; d++) {
        const struct poll *pl = &nd->polls[d];
        if (pl->code == CURLE_OK && (pl->status == 401 || pl->status == 403)) {
            state = NODE_UNAUTHORISED;
            snprintf(error, sizeof error, "the node answered %ld: %s", pl->status,
                     nd->token[0] ? "it refused the token" : "it needs a token ([node] token)");
        }
    }
    if (state == NODE_UP && health->code != CURLE_OK) {
        state = NODE_DOWN;
        snprintf(error, sizeof error, "%s", poll_error(health));
    } else if (state == NODE_UP && health->status != 200) {
        state = NODE_DOWN;
        snprintf(error, sizeof error, "/health answered %ld", health->status);
    }
    struct node_summary sum;
    summary_clear(&sum);
    if (state == NODE_UP) {
        static int (*const readers[N_DOCS])(struct node_summary *, const char *, size_t) = {
            summary_read_health, summary_read_gpus,   summary_read_inference,
            summary_read_agents, summary_read_alerts,
        };
        for (int d = 0; d < N_DOCS; d++) {
            const struct poll *pl = &nd->polls[d];
            if (pl->code == CURLE_OK && pl->status == 200)
                readers[d](&sum, pl->body.data, pl->body.len);
        }
    }
    char addr[64] = "";
    long port = 0;
    char *ip = NULL;
    if (state == NODE_UP && curl_easy_getinfo(health->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
        ip)
        snprintf(addr, sizeof addr, "%s", ip);
    if (state == NODE_UP)
        curl_easy_getinfo(health->easy, CURLINFO_PRIMARY_PORT, &port);
    nd->polls_done++;
    int64_t now = clock_real_ms();

    pthread_mutex_lock(&h->lock);
    struct hub_node_view *v = &h->view[i];
    v->state = state;
    snprintf(v->error, sizeof v->error, "%s", error);
    v->last_poll_ms = now;
    v->polls = nd->polls_done;
    if (state == NODE_UP) {
        v->last_seen_ms = now;
        v->summary = sum;
        snprintf(v->addr, sizeof v->addr, "%s", addr);
        v->port = port;
    }
    pthread_mutex_unlock(&h->lock);

    char line[HUB_ERROR_MAX + 96];
    if (state == NODE_UP) {
        snprintf(line, sizeof line, "node '%s' is up again", nd->name);
        log_latch_clear(&nd->latch, "hub", line);
    } else {
        snprintf(line, sizeof line, "node '%s' is %s: %s", nd->name, node_state_name(state), error);
        log_latch_set(&nd->latch, LOG_WARN, "hub", line);
    }
}

/* ---- fetches -------------------------------------------------------------------------- */

static void fetch_free(struct fetch *f)
{
    if (!f)
        return;
    if (f->easy)
        curl_easy_cleanup(f->easy);
    curl_slist_free_all(f->headers);
    buf_release(&f->body);
    free(f->url);
    free(f);
}

static void reply_error(struct hub_reply *r, int status, const char *fmt, const char *name,
                        const char *why)
{
    char msg[HUB_ERROR_MAX + 128];
    snprintf(msg, sizeof msg, fmt, name, why);
    buf_reset(&r->body);
    struct jsonw w;
    jw_init(&w, &r->body);
    jw_obj_begin(&w);
    jw_kstr(&w, "error", msg);
    jw_kint(&w, "status", status);
    jw_obj_end(&w);
    buf_addc(&r->body, '\n');
    r->status = status;
    r->text = false;
}

/* The fetch ended: its reply, queued for the loop (the fetch is freed here). */
static void fetch_end(struct hub *h, struct fetch *f, CURLcode code)
{
    struct hub_reply *r = vigil_calloc(1, sizeof *r);
    if (!r) {
        /* the loop's request times out rather than the daemon failing */
        fetch_free(f);
        return;
    }
    r->id = f->id;
    buf_init(&r->body, HUB_FETCH_MAX + 1024);
    long status = 0;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
    const char *why = f->err[0] ? f->err : curl_easy_strerror(code);
    if (f->too_big) {
        reply_error(r, 502, "node '%s' answered more than %s", f->node->name, "64 MiB");
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        reply_error(r, 504, "node '%s' did not answer in time: %s", f->node->name, why);
    } else if (code != CURLE_OK) {
        reply_error(r, 502, "node '%s' cannot be reached: %s", f->node->name, why);
    } else if (status == 401 || status == 403) {
        reply_error(r, 502, "node '%s' %s", f->node->name,
                    f->node->token[0] ? "refused the hub's token for it"
                                      : "needs a token ([node] token)");
    } else {
        char *ct = NULL;
        curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
        r->status = (int)status;
        r->text = ct && strncmp(ct, "text/plain", 10) == 0;
        r->body = f->body; /* moved */
        buf_init(&f->body, 0);
    }
    fetch_free(f);
    pthread_mutex_lock(&h->lock);
    *h->replies_tail = r;
    h->replies_tail = &r->next;
    pthread_mutex_unlock(&h->lock);
    if (h->wake)
        h->wake(h->wake_arg);
}

static void fetches_start(struct hub *h)
{
    pthread_mutex_lock(&h->lock);
    struct fetch *list = h->queued;
    h->queued = NULL;
    pthread_mutex_unlock(&h->lock);
    while (list) {
        struct fetch *f = list;
        list = f->next;
        f->easy = curl_easy_init();
        f->headers = curl_slist_append(NULL, "Accept: application/json, text/plain");
        if (f->headers && f->token && f->node->token[0] && f->url) {
            char auth[NODE_CONF_TOKEN_MAX + 32];
            snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->node->token);
            struct curl_slist *next = curl_slist_append(f->headers, auth);
            if (next)
                f->headers = next;
            else
                f->url = (free(f->url), NULL);
        }
        bool ok = f->easy && f->headers && f->url &&
                  easy_common(f->easy, f->url, f->headers, f->err, HUB_FETCH_TIMEOUT) &&
                  curl_easy_setopt(f->easy, CURLOPT_PRIVATE, NULL) == CURLE_OK &&
                  curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_fetch_data) == CURLE_OK &&
                  curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f) == CURLE_OK &&
                  curl_multi_add_handle(h->multi, f->easy) == CURLM_OK;
        if (!ok) {
            fetch_end(h, f, CURLE_OUT_OF_MEMORY);
            continue;
        }
        f->next = h->running;
        h->running = f;
    }
}

int hub_fetch(struct hub *h, unsigned i, const char *path, const char *query, bool with_token,
              uint64_t *id)
{
    if (!h || i >= h->n)
        return -VIGIL_EINVAL;
    struct fetch *f = vigil_calloc(1, sizeof *f);
    size_t len = strlen(h->nodes[i].base) + strlen(path) + strlen(query) + 2;
    char *url = vigil_malloc(len);
    if (!f || !url) {
        free(f);
        free(url);
        return -VIGIL_ENOMEM;
    }
    snprintf(url, len, "%s%s%s%s", h->nodes[i].base, path, query[0] ? "?" : "", query);
    f->url = url;
    f->node = &h->nodes[i]; /* read-only after hub_new(): the thread reads it too */
    f->token = with_token;
    buf_init(&f->body, HUB_FETCH_MAX);
    pthread_mutex_lock(&h->lock);
    if (h->outstanding >= HUB_MAX_FETCHES) {
        pthread_mutex_unlock(&h->lock);
        fetch_free(f);
        return -VIGIL_EFULL;
    }
    h->outstanding++;
    f->id = h->next_id++;
    *id = f->id;
    f->next = h->queued;
    h->queued = f;
    pthread_mutex_unlock(&h->lock);
    curl_multi_wakeup(h->multi);
    return 0;
}

struct hub_reply *hub_take_replies(struct hub *h)
{
    if (!h)
        return NULL;
    pthread_mutex_lock(&h->lock);
    struct hub_reply *list = h->replies;
    for (struct hub_reply *r = list; r; r = r->next)
        h->outstanding--;
    h->replies = NULL;
    h->replies_tail = &h->replies;
    pthread_mutex_unlock(&h->lock);
    return list;
}

void hub_reply_free(struct hub_reply *r)
{
    if (!r)
        return;
    buf_release(&r->body);
    free(r);
}

/* ---- the thread ----------------------------------------------------------------------- */

/* Reads what curl finished: poll documents (a node's poll ends with its last one) and
 * fetches. */
static void drain(struct hub *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode code = m->data.result;
        curl_multi_remove_handle(h->multi, e);
        struct poll *pl = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&pl);
        if (pl) {
            pl->in_flight = false;
            pl->code = code;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &pl->status);
            struct node *nd = pl->node;
            if (--nd->in_flight == 0)
                poll_end(h, (unsigned)(nd - h->nodes));
            continue;
        }
        for (struct fetch **fp = &h->running; *fp; fp = &(*fp)->next) {
            if ((*fp)->easy == e) {
                struct fetch *f = *fp;
                *fp = f->next;
                fetch_end(h, f, code);
                break;
            }
        }
    }
}

static void *run(void *arg)
{
    struct hub *h = arg;
    int64_t now = clock_mono_ns();
    for (unsigned i = 0; i < h->n; i++)
        h->nodes[i].next_ns = now;
    while (!atomic_load_explicit(&h->stop, memory_order_acquire)) {
        now = clock_mono_ns();
        int64_t wait_ns = 1000000000;
        for (unsigned i = 0; i < h->n; i++) {
            struct node *nd = &h->nodes[i];
            bool poked = atomic_exchange(&nd->poke, false);
            if (now >= nd->next_ns || poked) {
                /* a poll still running when the next is due skips that round */
                if (!nd->in_flight) {
                    poll_start(h, nd);
                    if (!nd->in_flight) /* no handle could be added: down, not silent */
                        poll_end(h, i);
                }
                nd->next_ns = now + nd->interval_ns;
            }
            if (nd->next_ns - now < wait_ns)
                wait_ns = nd->next_ns - now;
        }
        fetches_start(h);
        int running = 0;
        curl_multi_perform(h->multi, &running);
        drain(h);
        int wait_ms = (int)((wait_ns + 999999) / 1000000);
        curl_multi_poll(h->multi, NULL, 0, wait_ms > 0 ? wait_ms : 0, NULL);
    }
    return NULL;
}

int hub_start(struct hub *h)
{
    atomic_store(&h->stop, false);
    int rc = pthread_create(&h->thread, NULL, run, h);
    if (rc)
        return vigil_errno(rc);
    h->started = true;
    return 0;
}

void hub_free(struct hub *h)
{
    if (!h)
        return;
    if (h->started) {
        atomic_store_explicit(&h->stop, true, memory_order_release);
        curl_multi_wakeup(h->multi);
        pthread_join(h->thread, NULL);
    }
    for (unsigned i = 0; h->nodes && i < h->n; i++) {
        for (int d = 0; d < N_DOCS; d++)
            if (h->nodes[i].polls[d].in_flight)
                curl_multi_remove_handle(h->multi, h->nodes[i].polls[d].easy);
        node_release(&h->nodes[i]);
    }
    while (h->running) {
        struct fetch *f = h->running;
        h->running = f->next;
        curl_multi_remove_handle(h->multi, f->easy);
        fetch_free(f);
    }
    while (h->queued) {
        struct fetch *f = h->queued;
        h->queued = f->next;
        fetch_free(f);
    }
    while (h->replies) {
        struct hub_reply *r = h->replies;
        h->replies = r->next;
        hub_reply_free(r);
    }
    if (h->multi)
        curl_multi_cleanup(h->multi);
    pthread_mutex_destroy(&h->lock);
    free(h->nodes);
    free(h->view);
    free(h);
    curl_global_cleanup();
}
