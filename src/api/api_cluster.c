/* api_cluster: GET /api/v1/cluster, one object per cluster status endpoint: up or down,
 * nodes up of the total, GPUs active, failover readiness, and the document itself (see
 * src/collect/cluster.h for the shapes recognised). Encoded by the scraper thread. */
#include "api/api.h"

void api_cluster(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    api_target_list(ctx, BOARD_CLUSTER, "clusters", resp);
}
