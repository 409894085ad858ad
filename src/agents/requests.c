/* requests: a table of in-flight requests keyed by request id. Nothing touches a request
 * after its start, so the activity order is the order of arrival. */
#include "agents/requests.h"

#include <string.h>

#include "agents/text.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"

int requests_init(struct requests *r, unsigned max)
{
    memset(r, 0, sizeof *r);
    return table_init(&r->t, max, sizeof(struct request), REQUEST_KEY_SIZE);
}

void requests_release(struct requests *r)
{
    table_release(&r->t);
}

int requests_start(struct requests *r, const char *id, const char *session_id, const char *channel,
                   int64_t started_ms, int64_t now_ms)
{
    struct request *rq = table_find(&r->t, id);
    if (rq) {
        table_touch(&r->t, rq, now_ms);
    } else {
        if (strlen(id) >= REQUEST_KEY_SIZE)
            return -VIGIL_E2BIG;
        if (table_full(&r->t)) {
            table_remove(&r->t, table_oldest(&r->t));
            r->evicted++;
        }
        void *rec;
        int rc = table_insert(&r->t, id, now_ms, &rec);
        if (rc)
            return rc;
        rq = rec;
        r->started++;
    }
    rq->started_ms = started_ms;
    text_copy(rq->session_id, sizeof rq->session_id, session_id);
    text_copy(rq->channel, sizeof rq->channel, channel);
    return 0;
}

int requests_end(struct requests *r, const char *id, struct request *out)
{
    struct request *rq = table_find(&r->t, id);
    if (!rq)
        return -VIGIL_ENOENT;
    if (out)
        *out = *rq;
    table_remove(&r->t, rq);
    r->ended++;
    return 0;
}

unsigned requests_expire(struct requests *r, int64_t now_ms, int64_t idle_ms)
{
    unsigned n = 0;
    void *rec;
    while ((rec = table_oldest(&r->t)) && now_ms - table_seen(&r->t, rec) >= idle_ms) {
        table_remove(&r->t, rec);
        n++;
    }
    r->expired += n;
    return n;
}

static void str_or_null(struct jsonw *w, const char *key, const char *s)
{
    if (s[0])
        jw_kstr(w, key, s);
    else
        jw_knull(w, key);
}

void requests_encode(const struct requests *r, int64_t now_ms, struct jsonw *w)
{
    char iso[32];
    jw_arr_begin(w);
    for (const struct request *rq = table_oldest(&r->t); rq; rq = table_newer(&r->t, rq)) {
        jw_obj_begin(w);
        jw_kstr(w, "id", rq->id);
        str_or_null(w, "session_id", rq->session_id);
        str_or_null(w, "channel", rq->channel);
        jw_kstr(w, "started_at", clock_iso8601(rq->started_ms, iso, sizeof iso));
        jw_kint(w, "started_at_ms", rq->started_ms);
        int64_t d = now_ms - rq->started_ms;
        jw_kint(w, "duration_ms", d > 0 ? d : 0);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}
