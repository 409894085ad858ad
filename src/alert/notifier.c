/*
 * notifier: the delivery thread (see notifier.h). Jobs live in one table allocated at
 * start; a job is FREE, WAITING (for its time) or ACTIVE (a transfer in flight). Senders
 * only turn FREE jobs into WAITING ones, under the lock; everything after that is the
 * thread's, which takes the lock only to change a job's state, never during I/O. The
 * thread sleeps in curl_multi_poll() until a transfer moves, a retry is due, or a sender
 * calls curl_multi_wakeup().
 */
#include "alert/notifier.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

#define BODY_MAX ((size_t)64 * 1024)

enum job_state { JOB_FREE, JOB_WAITING, JOB_ACTIVE };

struct job {
    enum job_state state; /* under the lock */
    unsigned notifier;
    uint64_t seq; /* queueing order */
    struct alert_message msg;
    unsigned attempt;   /* attempts made so far */
    int64_t next_ms;    /* monotonic ms before which it is not tried */
    CURL *easy;         /* while ACTIVE */
    struct curl_slist *headers;
    struct buf body;
    char errbuf[CURL_ERROR_SIZE];
};

struct counters {
    uint64_t sent, failed, dropped, retries;
    unsigned queued;
    char last_error[160];
};

struct notifier {
    struct alert_notifier defs[ALERT_MAX_NOTIFIERS];
    unsigned n;
    char user_agent[64];
    unsigned max_transfers;

    pthread_mutex_t lock; /* jobs' states, counters, seq */
    struct job *jobs;
    unsigned n_jobs;
    uint64_t seq;
    struct counters count[ALERT_MAX_NOTIFIERS];

    CURLM *multi;
    unsigned active; /* thread only */
    struct log_latch latch[ALERT_MAX_NOTIFIERS]; /* thread only */
    pthread_t thread;
    bool started;
    atomic_bool stop;
};

/* --- pure parts ------------------------------------------------------------------------ */

int64_t notify_backoff_ms(int64_t base_ms, unsigned attempt, int64_t max_ms,
                          int64_t retry_after_ms)
{
    int64_t d = base_ms > 0 ? base_ms : 1;
    for (unsigned i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    if (retry_after_ms > d)
        d = retry_after_ms < max_ms ? retry_after_ms : max_ms;
    return d;
}

enum notify_verdict notify_classify(bool transport_ok, long status)
{
    if (!transport_ok)
        return NOTIFY_RETRY;
    if (status >= 200 && status < 300)
        return NOTIFY_SENT;
    if (status == 408 || status == 425 || status == 429 || status >= 500)
        return NOTIFY_RETRY;
    return NOTIFY_GIVE_UP;
}

/* --- life ------------------------------------------------------------------------------ */

static int64_t mono_ms(void)
{
    return clock_mono_ns() / 1000000;
}

struct notifier *notifier_new(const struct alert_notifier *defs, unsigned n,
                              const struct notifier_opts *opts)
{
    if (n > ALERT_MAX_NOTIFIERS)
        n = ALERT_MAX_NOTIFIERS;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct notifier *nt = vigil_calloc(1, sizeof *nt);
    if (!nt) {
        curl_global_cleanup();
        return NULL;
    }
    if (n)
        memcpy(nt->defs, defs, n * sizeof *defs);
    nt->n = n;
    nt->n_jobs = opts && opts->queue ? opts->queue : 256;
    nt->max_transfers = opts && opts->max_transfers ? opts->max_transfers : 16;
    snprintf(nt->user_agent, sizeof nt->user_agent, "%s",
             opts && opts->user_agent ? opts->user_agent : "vigil/" VIGIL_VERSION);
    nt->jobs = vigil_calloc(nt->n_jobs, sizeof *nt->jobs);
    nt->multi = curl_multi_init();
    if (!nt->jobs || !nt->multi) {
        free(nt->jobs);
        if (nt->multi)
            curl_multi_cleanup(nt->multi);
        free(nt);
        curl_global_cleanup();
        return NULL;
    }
    for (unsigned i = 0; i < nt->n_jobs; i++)
        buf_init(&nt->jobs[i].body, BODY_MAX);
    pthread_mutex_init(&nt->lock, NULL);
    atomic_init(&nt->stop, false);
    return nt;
}

static void transfer_end(struct notifier *nt, struct job *j)
{
    if (j->easy) {
        curl_multi_remove_handle(nt->multi, j->easy);
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        nt->active--;
    }
    curl_slist_free_all(j->headers);
    j->headers = NULL;
}

static void *notifier_main(void *arg);

int notifier_start(struct notifier *nt)
{
    if (pthread_create(&nt->thread, NULL, notifier_main, nt) != 0)
        return -VIGIL_ENOMEM;
    nt->started = true;
    return 0;
}

void notifier_stop(struct notifier *nt)
{
    if (!nt || !nt->started)
        return;
    atomic_store(&nt->stop, true);
    curl_multi_wakeup(nt->multi);
    pthread_join(nt->thread, NULL);
    nt->started = false;
    unsigned left = 0;
    pthread_mutex_lock(&nt->lock);
    for (unsigned i = 0; i < nt->n_jobs; i++) {
        struct job *j = &nt->jobs[i];
        if (j->state == JOB_FREE)
            continue;
        transfer_end(nt, j);
        nt->count[j->notifier].dropped++;
        nt->count[j->notifier].queued--;
        j->state = JOB_FREE;
        left++;
    }
    pthread_mutex_unlock(&nt->lock);
    if (left)
        log_info("notify", "%u notification%s left unsent at shutdown", left,
                 left == 1 ? "" : "s");
}

void notifier_free(struct notifier *nt)
{
    if (!nt)
        return;
    notifier_stop(nt);
    for (unsigned i = 0; i < nt->n_jobs; i++) {
        transfer_end(nt, &nt->jobs[i]);
        buf_release(&nt->jobs[i].body);
    }
    curl_multi_cleanup(nt->multi);
    pthread_mutex_destroy(&nt->lock);
    free(nt->jobs);
    free(nt);
    curl_global_cleanup();
}

/* --- senders --------------------------------------------------------------------------- */

int notifier_send(struct notifier *nt, unsigned idx, const struct alert_message *m)
{
    if (idx >= nt->n)
        return -VIGIL_EINVAL;
    struct job *j = NULL;
    pthread_mutex_lock(&nt->lock);
    for (unsigned i = 0; i < nt->n_jobs && !j; i++)
        if (nt->jobs[i].state == JOB_FREE)
            j = &nt->jobs[i];
    if (!j) {
        nt->count[idx].dropped++;
        pthread_mutex_unlock(&nt->lock);
        return -VIGIL_EFULL;
    }
    j->notifier = idx;
    j->seq = ++nt->seq;
    j->msg = *m;
    j->attempt = 0;
    j->next_ms = 0;
    buf_reset(&j->body);
    j->state = JOB_WAITING;
    nt->count[idx].queued++;
    pthread_mutex_unlock(&nt->lock);
    curl_multi_wakeup(nt->multi);
    return 0;
}

void notifier_stats(struct notifier *nt, unsigned idx, struct notifier_stats *out)
{
    memset(out, 0, sizeof *out);
    if (idx >= nt->n)
        return;
    pthread_mutex_lock(&nt->lock);
    const struct counters *c = &nt->count[idx];
    out->sent = c->sent;
    out->failed = c->failed;
    out->dropped = c->dropped;
    out->retries = c->retries;
    out->queued = c->queued;
    memcpy(out->last_error, c->last_error, sizeof out->last_error);
    pthread_mutex_unlock(&nt->lock);
}

unsigned notifier_count(const struct notifier *nt)
{
    return nt->n;
}

const struct alert_notifier *notifier_def(const struct notifier *nt, unsigned idx)
{
    return idx < nt->n ? &nt->defs[idx] : NULL;
}

/* --- the thread ------------------------------------------------------------------------ */

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * nmemb;
}

/* True when an older job about the same alert for the same notifier is still queued. */
static bool waits_for_older(const struct notifier *nt, const struct job *j)
{
    for (unsigned i = 0; i < nt->n_jobs; i++) {
        const struct job *o = &nt->jobs[i];
        if (o != j && o->state != JOB_FREE && o->notifier == j->notifier && o->seq < j->seq &&
            strcmp(o->msg.rule, j->msg.rule) == 0 && strcmp(o->msg.series, j->msg.series) == 0)
            return true;
    }
    return false;
}

static int transfer_start(struct notifier *nt, struct job *j)
{
    const struct alert_notifier *d = &nt->defs[j->notifier];
    if (j->body.len == 0 && notify_format(d->kind, &j->msg, &j->body) < 0)
        return -VIGIL_E2BIG;
    CURL *e = curl_easy_init();
    if (!e)
        return -VIGIL_ENOMEM;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    for (unsigned i = 0; h && i < d->n_headers; i++) {
        struct curl_slist *more = curl_slist_append(h, d->headers[i]);
        if (!more) {
            curl_slist_free_all(h);
            h = NULL;
        }
        h = more;
    }
    if (!h) {
        curl_easy_cleanup(e);
        return -VIGIL_ENOMEM;
    }
    j->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, d->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_USERAGENT, nt->user_agent);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body.data);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)j->body.len);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(d->timeout_ms < 10000 ? d->timeout_ms : 10000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)j);
    if (curl_multi_add_handle(nt->multi, e) != CURLM_OK) {
        curl_slist_free_all(h);
        curl_easy_cleanup(e);
        return -VIGIL_ENOMEM;
    }
    j->easy = e;
    j->headers = h;
    nt->active++;
    return 0;
}

/* Starts the jobs that are due; returns the ms until the next one is (at most 1000). */
static long start_due(struct notifier *nt)
{
    int64_t now = mono_ms(), next = now + 1000;
    struct job *due[64];
    unsigned n_due = 0;
    pthread_mutex_lock(&nt->lock);
    for (unsigned i = 0; i < nt->n_jobs; i++) {
        struct job *j = &nt->jobs[i];
        if (j->state != JOB_WAITING)
            continue;
        if (j->next_ms > now) {
            next = j->next_ms < next ? j->next_ms : next;
            continue;
        }
        if (nt->active + n_due >= nt->max_transfers || n_due == 64 || waits_for_older(nt, j))
            continue;
        j->state = JOB_ACTIVE;
        due[n_due++] = j;
    }
    pthread_mutex_unlock(&nt->lock);
    for (unsigned i = 0; i < n_due; i++) {
        struct job *j = due[i];
        int rc = transfer_start(nt, j);
        if (rc == 0)
            continue;
        /* formatting or memory failed: this message can never go; say so and free it */
        log_warn("notify", "'%s': cannot send %s/%s: %s", nt->defs[j->notifier].name,
                 j->msg.rule, j->msg.series, vigil_strerror(rc));
        pthread_mutex_lock(&nt->lock);
        nt->count[j->notifier].failed++;
        nt->count[j->notifier].queued--;
        j->state = JOB_FREE;
        pthread_mutex_unlock(&nt->lock);
    }
    return (long)(next > now ? next - now : 0);
}

static void transfer_done(struct notifier *nt, struct job *j, CURLcode res)
{
    const struct alert_notifier *d = &nt->defs[j->notifier];
    long status = 0;
    curl_off_t retry_after = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
#if LIBCURL_VERSION_NUM >= 0x074200
    curl_easy_getinfo(j->easy, CURLINFO_RETRY_AFTER, &retry_after);
#endif
    char why[160];
    if (res != CURLE_OK)
        snprintf(why, sizeof why, "%.150s", j->errbuf[0] ? j->errbuf : curl_easy_strerror(res));
    else
        snprintf(why, sizeof why, "HTTP %ld", status);
    transfer_end(nt, j);
    enum notify_verdict v = notify_classify(res == CURLE_OK, status);
    j->attempt++;
    if (v == NOTIFY_RETRY && j->attempt > d->retries)
        v = NOTIFY_GIVE_UP;

    char text[256];
    if (v == NOTIFY_SENT) {
        snprintf(text, sizeof text, "'%s' delivers again", d->name);
        log_latch_clear(&nt->latch[j->notifier], "notify", text);
    } else if (v == NOTIFY_GIVE_UP) {
        snprintf(text, sizeof text, "'%s': gave up after %u attempt%s: %s", d->name, j->attempt,
                 j->attempt == 1 ? "" : "s", why);
        log_latch_set(&nt->latch[j->notifier], LOG_WARN, "notify", text);
    } else {
        log_debug("notify", "'%s': attempt %u of %s/%s failed (%s); retrying", d->name,
                  j->attempt, j->msg.rule, j->msg.series, why);
    }

    pthread_mutex_lock(&nt->lock);
    struct counters *c = &nt->count[j->notifier];
    if (v == NOTIFY_SENT) {
        c->sent++;
        c->last_error[0] = '\0';
    } else {
        snprintf(c->last_error, sizeof c->last_error, "%s", why);
    }
    if (v == NOTIFY_RETRY) {
        c->retries++;
        j->next_ms = mono_ms() + notify_backoff_ms(d->backoff_ms, j->attempt,
                                                   NOTIFY_BACKOFF_MAX_MS,
                                                   (int64_t)retry_after * 1000);
        j->state = JOB_WAITING;
    } else {
        if (v == NOTIFY_GIVE_UP)
            c->failed++;
        c->queued--;
        j->state = JOB_FREE;
    }
    pthread_mutex_unlock(&nt->lock);
}

static void *notifier_main(void *arg)
{
    struct notifier *nt = arg;
    while (!atomic_load(&nt->stop)) {
        long wait = start_due(nt);
        int running = 0;
        curl_multi_perform(nt->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(nt->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct job *j = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            CURLcode res = msg->data.result;
            if (j)
                transfer_done(nt, j, res);
        }
        if (atomic_load(&nt->stop))
            break;
        /* a finished transfer may have made a retry or a queued job due: look again soon */
        curl_multi_poll(nt->multi, NULL, 0, (int)(wait > 0 ? wait : 1), NULL);
    }
    return NULL;
}
