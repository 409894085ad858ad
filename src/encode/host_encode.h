/*
 * host_encode: a host_sample as the documents clients read. JSON parts use the seed's
 * field names (overall_utilization, per_core_utilization, ram_used, read_rate_mbps, ...);
 * each part is one JSON object, so /api/v1/system and the stream channels share the same
 * encoded bytes. A figure that is not valid is written as null, never as 0.
 *
 * Units: utilisation in percent (0-100), memory in bytes, *_rate_mbps in MiB/s (bytes per
 * second / 1048576), load as the kernel's load average. In /metrics the same figures are in
 * Prometheus base units: ratios (0-1), bytes, bytes per second, with counters for the
 * cumulative byte counts.
 */
#ifndef VIGIL_HOST_ENCODE_H
#define VIGIL_HOST_ENCODE_H

#include "collect/host.h"
#include "core/buf.h"
#include "core/jsonw.h"

void host_encode_cpu(const struct host_sample *h, struct jsonw *w);
void host_encode_memory(const struct host_sample *h, struct jsonw *w);
void host_encode_disk(const struct host_sample *h, struct jsonw *w);
void host_encode_network(const struct host_sample *h, struct jsonw *w);
void host_encode_load(const struct host_sample *h, struct jsonw *w);

/* Appends the host families of /metrics. 0 or a negative error (buffer cap). */
int host_encode_prom(const struct host_sample *h, struct buf *b);

#endif
