/*
 * alert_encode: the alert documents clients read, from the engine's instances and the
 * notifier's counters: one alert as JSON, the active list (the `alerts` stream channel),
 * the GET /api/v1/alerts document, the /health part and the /metrics families. Called by
 * the evaluator thread, which owns the engine; the notifier is read through its locked
 * counters.
 */
#ifndef VIGIL_ALERT_ENCODE_H
#define VIGIL_ALERT_ENCODE_H

#include <stdint.h>

#include "alert/engine.h"
#include "alert/notifier.h"
#include "core/buf.h"
#include "core/jsonw.h"

/* {"name","series","severity","state","value","unit","condition","threshold","clear",
 *  "for_s","summary","flapping","active_since","fired_at","resolved_at","changed_at" (each
 *  time also as *_ms)} */
void alert_encode_instance(struct jsonw *w, const struct alert_engine *e, unsigned i);
/* The pending and firing instances: firing first, then by severity, critical first. */
void alert_encode_active(struct jsonw *w, const struct alert_engine *e);
/* The rules as a JSON array: [{"name","series","ratio_of","condition","threshold","clear",
 *  "for_s","aggregate","over_s","severity","notify":[names]}]. They never change, so the
 *  evaluator encodes them once. nt may be NULL. */
void alert_encode_rules(struct jsonw *w, const struct alert_engine *e, struct notifier *nt);
/* {"active":[...],"recent":[...],"counts":{...},"rules":[...],"notifiers":[...],
 *  "timestamp","timestamp_ms"}; nt may be NULL. active and rules are the texts of
 *  alert_encode_active() and alert_encode_rules() when the caller has them already, or NULL
 *  to encode them here. */
void alert_encode_api(struct jsonw *w, const struct alert_engine *e, struct notifier *nt,
                      const struct buf *active, const struct buf *rules, int64_t now_ms);
/* {"rules","firing","pending","notifications_dropped","notifications_failed"} */
void alert_encode_health(struct jsonw *w, const struct alert_engine *e, struct notifier *nt);
/* vigil_alerts{alertname,series,severity,state} 1 for each pending or firing instance, the
 * notification counters and the last evaluation's duration. */
int alert_encode_prom(struct buf *b, const struct alert_engine *e, struct notifier *nt,
                      double eval_seconds);

#endif
