/* snapshot_agents: GET /api/v1/agents from the daemon, kept as the text it answered (for
 * --json) and parsed with jansson (for the table). */
#include "cli/snapshot_agents.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/daemon_client.h"

#define ASK_TIMEOUT_MS 2000

struct snapshot_agents {
    char base[600];
    char error[700]; /* "" when the daemon answered */
    struct buf doc;
    json_t *json;
};

struct snapshot_agents *snapshot_agents_fetch(const struct config *cfg)
{
    struct snapshot_agents *sa = calloc(1, sizeof *sa);
    if (!sa)
        return NULL;
    daemon_url(cfg, NULL, sa->base, sizeof sa->base);
    if (cfg->listen_port == 0) {
        snprintf(sa->error, sizeof sa->error, "no daemon: the configuration listens on port 0");
        return sa;
    }
    struct daemon_reply r;
    char err[512];
    if (daemon_request(cfg, sa->base, "/api/v1/agents", NULL, 0, NULL, ASK_TIMEOUT_MS, &r, err,
                       sizeof err) < 0) {
        snprintf(sa->error, sizeof sa->error, "no daemon at %s", sa->base);
        buf_release(&r.body);
        return sa;
    }
    sa->json =
        r.status == 200 ? json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL) : NULL;
    if (!json_is_object(sa->json)) {
        snprintf(sa->error, sizeof sa->error, "the daemon at %s answered %ld", sa->base, r.status);
        json_decref(sa->json);
        sa->json = NULL;
        buf_release(&r.body);
        return sa;
    }
    sa->doc = r.body;
    return sa;
}

void snapshot_agents_free(struct snapshot_agents *sa)
{
    if (!sa)
        return;
    json_decref(sa->json);
    buf_release(&sa->doc);
    free(sa);
}

void snapshot_agents_json(const struct snapshot_agents *sa, struct jsonw *w)
{
    jw_key(w, "agents");
    if (sa && sa->json) {
        size_t n = sa->doc.len;
        while (n && (sa->doc.data[n - 1] == '\n' || sa->doc.data[n - 1] == ' '))
            n--;
        jw_raw(w, sa->doc.data, n);
    } else {
        jw_null(w);
        jw_kstr(w, "agents_error", sa ? sa->error : "out of memory");
    }
}

/* A number of the document as text: "n/a" when absent or null. */
static const char *num(json_t *doc, const char *key, const char *fmt, double scale, char *out,
                       size_t n)
{
    json_t *v = json_object_get(doc, key);
    if (!json_is_number(v))
        return "n/a";
    snprintf(out, n, fmt, json_number_value(v) * scale);
    return out;
}

void snapshot_agents_table(const struct snapshot_agents *sa, FILE *out)
{
    if (!sa || !sa->json) {
        fprintf(out, "\nAgents   %s (agent figures live in the daemon)\n",
                sa ? sa->error : "out of memory");
        return;
    }
    json_t *d = sa->json;
    char a[32], b[32], c[32], e[32], f[32];
    fprintf(out, "\nAgents   %s sessions (oldest %s s), %s requests in flight, queue %s\n",
            num(d, "active_sessions", "%.0f", 1, a, sizeof a),
            num(d, "oldest_session_age_s", "%.0f", 1, b, sizeof b),
            num(d, "active_requests", "%.0f", 1, c, sizeof c),
            num(d, "queue_depth", "%.0f", 1, e, sizeof e));
    fprintf(out, "         %s tokens/s, error rate %s %%, %s errors in the last hour\n",
            num(d, "tokens_per_sec", "%.1f", 1, a, sizeof a),
            num(d, "error_rate", "%.1f", 100, b, sizeof b),
            num(d, "errors_1h", "%.0f", 1, c, sizeof c));
    json_t *t = json_object_get(d, "tasks");
    fprintf(out, "Tasks    %s in 1 h, %s in 24 h, success %s %%, average %s s, %s timeouts\n",
            num(t, "completed_1h", "%.0f", 1, a, sizeof a),
            num(t, "completed_24h", "%.0f", 1, b, sizeof b),
            num(t, "success_rate", "%.1f", 100, c, sizeof c),
            num(t, "avg_completion_ms", "%.1f", 0.001, e, sizeof e),
            num(t, "timeouts", "%.0f", 1, f, sizeof f));
    json_t *m = json_object_get(d, "model_calls");
    fprintf(out, "Models   %s calls, average %s ms, error rate %s %%\n",
            num(m, "total", "%.0f", 1, a, sizeof a),
            num(m, "avg_latency_ms", "%.0f", 1, b, sizeof b),
            num(m, "error_rate", "%.1f", 100, c, sizeof c));
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(d, "projects"), name, v)
    {
        const char *status =
            json_string_value(json_object_get(json_object_get(v, "run"), "status"));
        fprintf(out, "Project  %-20s %-8s cpu %s %%, memory %s GiB, VRAM %s GiB%s\n", name,
                status ? status : "?",
                num(json_object_get(v, "cpu"), "percent", "%.1f", 1, a, sizeof a),
                num(json_object_get(v, "memory"), "used_gb", "%.2f", 1, b, sizeof b),
                num(json_object_get(v, "gpu"), "vram_used_gb", "%.2f", 1, c, sizeof c),
                json_is_true(json_object_get(v, "stale")) ? " (stale)" : "");
    }
}
