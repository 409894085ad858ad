/*
 * target_encode: the documents of inference targets and cluster endpoints, in JSON and in
 * the Prometheus exposition format. A figure that is not known is null in JSON and absent
 * from the exposition, never 0; a target that is not up shows no figures at all.
 */
#ifndef VIGIL_TARGET_ENCODE_H
#define VIGIL_TARGET_ENCODE_H

#include "collect/target.h"
#include "core/buf.h"
#include "core/jsonw.h"

/* One inference target as /api/v1/inference lists it:
 * {"name","url","kind","state","error","last_scrape","last_scrape_ms","scrape_duration_ms",
 *  "model","generation_tokens_per_sec","prompt_tokens_per_sec","requests_running",
 *  "requests_waiting","kv_cache_usage","request_success_per_sec","request_error_per_sec",
 *  "ttft_seconds":{"p50","p90","p99"},"e2e_latency_seconds":{...},"itl_seconds":{...},
 *  "samples","bad_lines","raw":{"gauges":{...},"counter_rates":{...}} or null} */
void target_encode_inference(const struct target_result *t, struct jsonw *w);
/* One cluster endpoint as /api/v1/cluster lists it:
 * {"name","url","state","error","last_poll","last_poll_ms","poll_duration_ms","shape",
 *  "nodes_up","nodes_total","all_up","gpus_active","failover_ready","nodes":[...],
 *  "document"} */
void target_encode_cluster(const struct target_result *t, struct jsonw *w);
/* {"NAME":{"state","error","last_scrape","builtin"},...} for /health. */
void target_encode_health(const struct target_result *const *ts, unsigned n, struct jsonw *w);

/* The vigil_inference_* families of n inference targets. 0 or a negative error. */
int target_prom_inference(const struct target_result *const *ts, unsigned n, struct buf *b);
/* The vigil_cluster_* families of n cluster endpoints. */
int target_prom_cluster(const struct target_result *const *ts, unsigned n, struct buf *b);

#endif
