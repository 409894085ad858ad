/*
 * web_assets: the dashboard's files as compiled into the binary. The table is generated at
 * build time by scripts/embed-web.sh from web/ and uPlot's distribution (node_modules, from
 * the lockfile) into $(B)/gen/web_assets.c, which is never committed: nothing is read from
 * disk at run time.
 */
#ifndef VIGIL_WEB_ASSETS_H
#define VIGIL_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct web_asset {
    const char *path;         /* "/" for index.html, "/assets/<file name>" for the rest */
    const char *content_type; /* with its charset for text */
    const char *etag;         /* quoted: "\"<16 hex digits of the file's SHA-256>\"" */
    const char *etag_gzip;    /* the gzip representation's, "\"<same>-gz\"" */
    const unsigned char *data;
    size_t len;
    const unsigned char *gzip; /* gzip -9n of data; NULL when that is not smaller */
    size_t gzip_len;
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The file served at path, or NULL. */
const struct web_asset *web_asset_find(const char *path);
/* True when an Accept-Encoding value (NULL: absent) takes gzip: "gzip" or "x-gzip", or "*",
 * with a weight above zero. */
bool web_accepts_gzip(const char *accept_encoding);
/* True when an If-None-Match value (NULL: absent) names etag, by the weak comparison
 * RFC 9110 asks for ("W/" ignored), or is "*". */
bool web_etag_matches(const char *if_none_match, const char *etag);

#endif
