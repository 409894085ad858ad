/*
 * gpu_encode: a gpu_sample as the documents clients read. One JSON object per GPU, with the
 * seed's field names (gpu_index, utilization, memory_used, memory_total, temperature,
 * power_draw) and the rest beside them, is both the payload of the stream channel
 * system/gpu/<n> and an element of the `gpus` arrays of /api/v1/system and /api/v1/gpus, so
 * it is encoded once per cycle. A figure that is not valid is null, never 0.
 *
 * Units in JSON: utilisation, memory utilisation and fan in percent (0-100), memory in
 * bytes, temperature in degrees Celsius, power in watts, clocks in MHz. In /metrics the same
 * figures are in Prometheus base units: ratios (0-1), bytes, celsius, watts, hertz.
 */
#ifndef VIGIL_GPU_ENCODE_H
#define VIGIL_GPU_ENCODE_H

#include <stdint.h>

#include "collect/gpu.h"
#include "core/buf.h"
#include "core/jsonw.h"

/* One GPU: {"gpu_index":0,"name":...,"utilization":...,"processes":[...],"models":[...],
 * "timestamp":...,"timestamp_ms":...}. The timestamp is the sample's. */
void gpu_encode_device(const struct gpu_sample *s, const struct gpu_device *d,
                       struct jsonw *w);

/* The members of /api/v1/gpus before its `gpus` array, written into an object the caller
 * opened: available, state, reason, backends, driver_version, nvml_version, cuda_version,
 * count. */
void gpu_encode_summary(const struct gpu_sample *s, struct jsonw *w);

/* The collector's state for /health: {"state":"ok","error":null,"reason":null,"last_ok":...,
 * "available":true,"devices":2,"backends":"nvml"}. "error" is set only when degraded (an
 * unavailable GPU is a normal state, with its reason); last_ok is when a cycle was last
 * in state ok (0: never, null). */
void gpu_encode_state(const struct gpu_sample *s, int64_t last_ok_ms, struct jsonw *w);

/* Appends the GPU families of /metrics: vigil_gpu_available always, the rest per GPU with
 * the labels gpu, uuid and name. 0 or a negative error (buffer cap). */
int gpu_encode_prom(const struct gpu_sample *s, struct buf *b);

#endif
