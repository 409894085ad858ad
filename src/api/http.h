/*
 * http: the daemon's HTTP server on libwebsockets' event loop. The loop thread owns every
 * socket and every api_ctx field; nothing here may be called from another thread except
 * http_server_wake(), which is how producers (through the board) and signal handlers get
 * the loop's attention (lws_cancel_service is the one libwebsockets call that is safe off
 * the loop thread).
 *
 * The server enforces what the API promises: the bearer token (compared in constant time)
 * on every path but /health, a cap on request headers (max_header_bytes) and bodies
 * (max_body_bytes, 413), and a connection limit (max_connections: further connections are
 * closed at accept and counted).
 */
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "config/config.h"

struct http_server;
struct lws_context;
struct lws_vhost;

/* Creates the server and starts listening as cfg says. ctx is borrowed (it must outlive
 * the server). NULL with a message in err on failure (address in use, bad address...). */
struct http_server *http_server_new(struct api_ctx *ctx, const struct config *cfg, char *err,
                                    size_t errlen);
void http_server_free(struct http_server *srv);

/* The port actually listened on (useful with port 0). */
int http_server_port(const struct http_server *srv);

/* Runs the loop once: waits for and handles events. Returns < 0 when the loop failed. */
int http_server_service(struct http_server *srv);

/* Any thread, and signal handlers: makes http_server_service() return soon. Called by the
 * board after each publish. */
void http_server_wake(void *srv);

/* Loop thread: fn(arg) runs on the loop once a second from now on (the agents' figures,
 * series and channels). */
void http_server_every_second(struct http_server *srv, void (*fn)(void *arg), void *arg);
/* Loop thread: fn(arg) runs on the loop after each http_server_wake(), once the board is
 * collected and before the posted notifications go out (the tailed log lines). */
void http_server_on_wake(struct http_server *srv, void (*fn)(void *arg), void *arg);

/* Loop thread: finishes the request deferred under id (struct api_resp's deferred) with
 * the given status and body (copied; JSON, or Prometheus text when text). A request whose
 * client has gone is forgotten. server is the struct http_server, as a hub_complete_fn. */
void http_server_complete(void *server, uint64_t id, int status, bool text, const char *body,
                          size_t len);
/* The loop's libwebsockets context and vhost, for client connections on the same loop
 * (src/hub/hub_loop.c). */
struct lws_context *http_server_context(struct http_server *srv);
struct lws_vhost *http_server_vhost(struct http_server *srv);

/* Loop thread: applies settings that can change without a restart (the token, limits). */
void http_server_reconfigure(struct http_server *srv, const struct config *cfg);

/* Constant-time comparison of a presented secret with the expected one. */
int http_token_equal(const char *given, size_t given_len, const char *want, size_t want_len);

#endif
