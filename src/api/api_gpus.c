/* api_gpus: GET /api/v1/gpus, every GPU with its processes and the model each serves, and
 * whether GPUs are available at all. The GPU thread encoded the document once; a request
 * copies it. Before that thread's first cycle the answer says "starting". */
#include "api/api.h"
#include "collect/gpu_sampler.h"
#include "core/clock.h"
#include "core/jsonw.h"

static void starting(struct jsonw *w)
{
    int64_t now = clock_real_ms();
    char iso[32];
    jw_obj_begin(w);
    jw_kbool(w, "available", false);
    jw_kstr(w, "state", "starting");
    jw_kstr(w, "reason", "not collected yet");
    jw_knull(w, "backends");
    jw_knull(w, "driver_version");
    jw_knull(w, "nvml_version");
    jw_knull(w, "cuda_version");
    jw_kuint(w, "count", 0);
    jw_key(w, "gpus");
    jw_raw(w, "[]", 2);
    jw_kstr(w, "timestamp", clock_iso8601(now, iso, sizeof iso));
    jw_kint(w, "timestamp_ms", now);
    jw_obj_end(w);
}

void api_gpus(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    api_serve_doc(ctx, BOARD_GPU, GPU_DOC_GPUS, starting, "GPU metrics", resp);
}
