/* persist_encode: /health members and /metrics families of history on disk. */
#include "persist/persist_encode.h"

#include "core/clock.h"
#include "core/jsonw.h"
#include "encode/prom.h"
#include "persist/persist.h"

static void kstamp_or_null(struct jsonw *w, const char *key, const char *key_ms, int64_t t)
{
    char iso[32];
    if (t > 0) {
        jw_kstr(w, key, clock_iso8601(t, iso, sizeof iso));
        jw_kint(w, key_ms, t);
    } else {
        jw_knull(w, key);
        jw_knull(w, key_ms);
    }
}

void persist_encode_health(struct persist *p, struct jsonw *w)
{
    if (!p) {
        jw_kstr(w, "state", "off");
        return;
    }
    struct persist_stats st;
    persist_stats(p, &st);
    jw_kstr(w, "state", persist_state_name(st.state));
    if (st.error[0])
        jw_kstr(w, "error", st.error);
    else
        jw_knull(w, "error");
    kstamp_or_null(w, "since", "since_ms", st.since_ms);
    jw_kint(w, "db_bytes", st.db_bytes);
    jw_kint(w, "wal_bytes", st.wal_bytes);
    kstamp_or_null(w, "last_write", "last_write_ms", st.last_write_ms);
    jw_kint(w, "rollup_interval_ms", persist_rollup_ms(p));
    if (st.rollup_end_ms > 0)
        jw_kint(w, "rollups_until_ms", st.rollup_end_ms);
    else
        jw_knull(w, "rollups_until_ms");
    jw_kuint(w, "queued", st.queued);
    jw_kuint(w, "dropped", st.dropped);
}

bool persist_degraded(struct persist *p)
{
    if (!p)
        return false;
    struct persist_stats st;
    persist_stats(p, &st);
    return st.state == PERSIST_ERROR;
}

int persist_encode_prom(struct persist *p, struct buf *b)
{
    if (!p)
        return 0;
    struct persist_stats st;
    persist_stats(p, &st);
    int rc = prom_family(b, "vigil_history_up", "gauge",
                         "1 when history is being written to disk, 0 when writes fail.");
    if (!rc)
        rc = prom_sample(b, "vigil_history_up", NULL, st.state == PERSIST_OK);
    if (!rc)
        rc = prom_family(b, "vigil_history_db_bytes", "gauge", "Size of vigil.db.");
    if (!rc)
        rc = prom_sample(b, "vigil_history_db_bytes", NULL, (double)st.db_bytes);
    if (!rc)
        rc = prom_family(b, "vigil_history_wal_bytes", "gauge",
                         "Size of vigil.db's write-ahead log.");
    if (!rc)
        rc = prom_sample(b, "vigil_history_wal_bytes", NULL, (double)st.wal_bytes);
    if (!rc)
        rc = prom_family(b, "vigil_history_records_written_total", "counter",
                         "Records written to disk, by kind.");
    for (int k = 0; k < PK_NKINDS && !rc; k++) {
        const char *labels[] = {"kind", persist_kind_name((enum persist_kind)k), NULL};
        rc = prom_sample_u64(b, "vigil_history_records_written_total", labels, st.written[k]);
    }
    if (!rc)
        rc = prom_family(b, "vigil_history_commits_total", "counter",
                         "Transactions committed to disk.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_commits_total", NULL, st.commits);
    if (!rc)
        rc = prom_family(b, "vigil_history_write_failures_total", "counter",
                         "Failed attempts to open or write vigil.db.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_write_failures_total", NULL, st.failures);
    if (!rc)
        rc = prom_family(b, "vigil_history_queued", "gauge", "Records waiting to be written.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_queued", NULL, st.queued);
    if (!rc)
        rc = prom_family(b, "vigil_history_dropped_total", "counter",
                         "Records dropped because the write queue was full.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_dropped_total", NULL, st.dropped);
    if (!rc && st.last_write_ms > 0) {
        rc = prom_family(b, "vigil_history_last_write_timestamp_seconds", "gauge",
                         "When vigil.db was last written, in seconds since the epoch.");
        if (!rc)
            rc = prom_sample(b, "vigil_history_last_write_timestamp_seconds", NULL,
                             (double)st.last_write_ms / 1000);
    }
    return rc;
}
