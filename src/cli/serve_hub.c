/* serve_hub: the hub's thread and loop side in `vigil serve` (see serve_hub.h). */
#include "cli/serve_hub.h"

#include <pthread.h>
#include <signal.h>

#include "core/err.h"
#include "core/log.h"
#include "hub/hub.h"
#include "hub/hub_loop.h"

int serve_hub_new(struct serve_hub *sh, const struct config *cfg, struct api_ctx *ctx,
                  struct http_server *srv)
{
    sh->hub = NULL;
    sh->loop = NULL;
    unsigned enabled = 0;
    for (unsigned i = 0; i < cfg->nodes.n; i++)
        enabled += cfg->nodes.nodes[i].enabled;
    if (!enabled)
        return 0;
    struct hub_opts ho = {&cfg->nodes, cfg->interval_ms, http_server_wake, srv};
    sh->hub = hub_new(&ho);
    if (!sh->hub)
        return -VIGIL_ENOMEM;
    struct hub_loop_opts lo = {
        .hub = sh->hub,
        .nodes = &cfg->nodes,
        .lws = http_server_context(srv),
        .vhost = http_server_vhost(srv),
        .streams = ctx->streams,
        .complete = http_server_complete,
        .complete_arg = srv,
    };
    sh->loop = hub_loop_new(&lo);
    if (!sh->loop) {
        hub_free(sh->hub);
        sh->hub = NULL;
        return -VIGIL_ENOMEM;
    }
    ctx->hub = sh->loop;
    log_info("hub", "watching %u node%s", enabled, enabled == 1 ? "" : "s");
    return 0;
}

int serve_hub_start(struct serve_hub *sh)
{
    if (!sh->hub)
        return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = hub_start(sh->hub);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void serve_hub_stop(struct serve_hub *sh, struct api_ctx *ctx)
{
    hub_loop_stop(sh->loop);
    hub_free(sh->hub); /* joins the thread; replies not taken go with it */
    sh->hub = NULL;
    ctx->hub = NULL;
}

void serve_hub_free(struct serve_hub *sh)
{
    hub_loop_free(sh->loop);
    sh->loop = NULL;
}

void serve_hub_reload(const struct config *live, const struct config *next)
{
    if (!node_conf_same(&live->nodes, &next->nodes))
        log_warn("config", "[node] sections change only on restart; keeping the running nodes");
}
