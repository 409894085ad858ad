/*
 * daemon_client: how the short-lived commands (`vigil emit`, `vigil snapshot`) reach the
 * running daemon: its URL from the [server] listen address (a wildcard address is reached
 * on loopback), the bearer token from the same configuration, one request with libcurl.
 */
#ifndef VIGIL_DAEMON_CLIENT_H
#define VIGIL_DAEMON_CLIENT_H

#include <stddef.h>

#include "config/config.h"
#include "core/buf.h"

/* Writes the daemon's base URL ("http://127.0.0.1:9400", no trailing slash) into out.
 * override (may be NULL or "") wins, with a trailing slash removed. */
void daemon_url(const struct config *cfg, const char *override, char *out, size_t n);

struct daemon_reply {
    long status;     /* the HTTP status; 0 when there was no answer */
    struct buf body; /* the answer, capped at 16 MiB; buf_release() it */
};

/*
 * Sends one request to base + path: a POST with body (len bytes, content_type) when body
 * is not NULL, else a GET; with the config's token when it has one. 0 when an answer came
 * (whatever its status), or -1 with a message in err ("cannot reach the daemon at URL:
 * connection refused").
 */
int daemon_request(const struct config *cfg, const char *base, const char *path, const char *body,
                   size_t len, const char *content_type, long timeout_ms, struct daemon_reply *out,
                   char *err, size_t errlen);

#endif
