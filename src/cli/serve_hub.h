/*
 * serve_hub: what `vigil serve` adds when the configuration has [node "NAME"] sections: the
 * hub thread that polls the nodes (src/hub/hub.c) and its side on the event loop, the
 * nodes' streams and the deferred answers (src/hub/hub_loop.c). Without a [node] section
 * there is neither, and /api/v1/nodes lists the daemon itself only.
 */
#ifndef VIGIL_SERVE_HUB_H
#define VIGIL_SERVE_HUB_H

#include "api/api.h"
#include "api/http.h"
#include "config/config.h"

struct hub;
struct hub_loop;

struct serve_hub {
    struct hub *hub;
    struct hub_loop *loop;
};

/* Creates both (none without an enabled [node]) and sets ctx->hub. 0 or a negative error. */
int serve_hub_new(struct serve_hub *sh, const struct config *cfg, struct api_ctx *ctx,
                  struct http_server *srv);
/* Starts the hub thread with every signal blocked in it. 0 or a negative error. */
int serve_hub_start(struct serve_hub *sh);
/* Before the server is freed: no more stream connections, the thread joined. */
void serve_hub_stop(struct serve_hub *sh, struct api_ctx *ctx);
/* After the server is freed (the loop side's connections are closed by then). */
void serve_hub_free(struct serve_hub *sh);
/* [node] sections change only on restart: says so when a reload changes them. */
void serve_hub_reload(const struct config *live, const struct config *next);

#endif
