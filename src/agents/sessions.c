/* sessions: a table of session records keyed by session id, ordered by activity. */
#include "agents/sessions.h"

#include <string.h>

#include "agents/text.h"
#include "core/err.h"

int sessions_init(struct sessions *s, unsigned max)
{
    memset(s, 0, sizeof *s);
    return table_init(&s->t, max, sizeof(struct session), SESSION_KEY_SIZE);
}

void sessions_release(struct sessions *s)
{
    table_release(&s->t);
}

int sessions_start(struct sessions *s, const char *id, const char *agent, const char *project,
                   int64_t started_ms, int64_t now_ms)
{
    struct session *se = table_find(&s->t, id);
    if (se) {
        table_touch(&s->t, se, now_ms);
    } else {
        if (strlen(id) >= SESSION_KEY_SIZE)
            return -VIGIL_E2BIG;
        if (table_full(&s->t)) {
            table_remove(&s->t, table_oldest(&s->t));
            s->evicted++;
        }
        void *rec;
        int rc = table_insert(&s->t, id, now_ms, &rec);
        if (rc)
            return rc;
        se = rec;
        se->started_ms = started_ms;
        s->started++;
    }
    if (agent)
        text_copy(se->agent, sizeof se->agent, agent);
    if (project)
        text_copy(se->project, sizeof se->project, project);
    return 0;
}

int sessions_end(struct sessions *s, const char *id)
{
    struct session *se = table_find(&s->t, id);
    if (!se)
        return -VIGIL_ENOENT;
    table_remove(&s->t, se);
    s->ended++;
    return 0;
}

bool sessions_touch(struct sessions *s, const char *id, int64_t now_ms)
{
    struct session *se = table_find(&s->t, id);
    if (!se)
        return false;
    table_touch(&s->t, se, now_ms);
    return true;
}

unsigned sessions_expire(struct sessions *s, int64_t now_ms, int64_t idle_ms)
{
    unsigned n = 0;
    void *rec;
    /* The list is in order of activity, so the first one still fresh ends the walk. */
    while ((rec = table_oldest(&s->t)) && now_ms - table_seen(&s->t, rec) >= idle_ms) {
        table_remove(&s->t, rec);
        n++;
    }
    s->expired += n;
    return n;
}

const struct session *sessions_find(const struct sessions *s, const char *id)
{
    return table_find(&s->t, id);
}

bool sessions_oldest_start(const struct sessions *s, int64_t *started_ms)
{
    bool any = false;
    int64_t min = 0;
    for (const struct session *se = table_oldest(&s->t); se; se = table_newer(&s->t, se)) {
        if (!any || se->started_ms < min)
            min = se->started_ms;
        any = true;
    }
    if (any)
        *started_ms = min;
    return any;
}
