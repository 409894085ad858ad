/*
 * api_assets: the dashboard (GET / and GET /assets/<name>), served from the table compiled
 * into the binary. Each file has a strong ETag from its content and is revalidated on every
 * use (Cache-Control: no-cache): a request with a matching If-None-Match gets 304 and no
 * body. Clients that accept gzip get the copy compressed at build time.
 */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/web_assets.h"

/* The page runs only its own files and talks only to its own origin ('self' covers ws: to
 * the same host and port in current browsers); no inline script or style, no plugin, no
 * framing. uPlot styles its elements through the CSSOM (element.style), which a
 * style-src without 'unsafe-inline' allows. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                          "object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

const struct web_asset *web_asset_find(const char *path)
{
    for (size_t i = 0; i < web_assets_count; i++)
        if (strcmp(web_assets[i].path, path) == 0)
            return &web_assets[i];
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* True when a weight ("0", "0.000", "1", "0.5") is zero. */
static bool weight_zero(const char *q, size_t n)
{
    if (n == 0 || q[0] != '0')
        return false;
    size_t i = 1;
    if (i < n && q[i] == '.')
        for (i++; i < n && q[i] == '0'; i++)
            ;
    return i == n;
}

/* One element of a list such as "gzip;q=0.5": its coding and whether its weight is 0. */
static void coding_of(const char *s, size_t n, const char **name, size_t *name_len, bool *zero)
{
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    const char *semi = memchr(s, ';', n);
    size_t len = semi ? (size_t)(semi - s) : n;
    *name = s;
    *name_len = len;
    while (*name_len && is_space((*name)[*name_len - 1]))
        (*name_len)--;
    *zero = false;
    if (!semi)
        return;
    const char *p = semi + 1, *end = s + n;
    while (p < end && is_space(*p))
        p++;
    if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
        const char *v = p + 2;
        size_t vn = (size_t)(end - v);
        while (vn && is_space(v[vn - 1]))
            vn--;
        *zero = weight_zero(v, vn);
    }
}

static bool name_is(const char *name, size_t n, const char *want)
{
    return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

bool web_accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    int gzip = -1, star = -1; /* -1 not named, 0 refused (q=0), 1 accepted */
    for (const char *p = ae; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *name;
        size_t len;
        bool zero;
        coding_of(p, n, &name, &len, &zero);
        if (name_is(name, len, "gzip") || name_is(name, len, "x-gzip"))
            gzip = !zero;
        else if (name_is(name, len, "*"))
            star = !zero;
        p = comma ? comma + 1 : p + n;
    }
    return gzip == 1 || (gzip == -1 && star == 1);
}

bool web_etag_matches(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return false;
    size_t elen = strlen(etag);
    for (const char *p = inm; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *t = p;
        while (n && is_space(*t)) {
            t++;
            n--;
        }
        while (n && is_space(t[n - 1]))
            n--;
        if (n == 1 && *t == '*')
            return true;
        if (n > 2 && t[0] == 'W' && t[1] == '/') {
            t += 2;
            n -= 2;
        }
        if (n == elen && memcmp(t, etag, n) == 0)
            return true;
        p = comma ? comma + 1 : p + strlen(p);
    }
    return false;
}

void api_asset(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)ctx;
    const struct web_asset *a = web_asset_find(req->path);
    if (!a) {
        api_error(resp, 404, "no such file '%s'", req->path);
        return;
    }
    bool gz = a->gzip && web_accepts_gzip(req->accept_encoding);
    const char *etag = gz ? a->etag_gzip : a->etag;
    resp->cache_control = "no-cache";
    api_resp_header(resp, "etag:", etag);
    api_resp_header(resp, "vary:", "accept-encoding");
    if (strncmp(a->content_type, "text/html", 9) == 0) {
        api_resp_header(resp, "content-security-policy:", csp);
        api_resp_header(resp, "referrer-policy:", "no-referrer");
    }
    resp->content_type = a->content_type;
    if (web_etag_matches(req->if_none_match, etag)) {
        resp->status = 304;
        return;
    }
    if (gz)
        api_resp_header(resp, "content-encoding:", "gzip");
    if (buf_add(&resp->body, gz ? a->gzip : a->data, gz ? a->gzip_len : a->len)) {
        resp->n_headers = 0;
        resp->cache_control = NULL;
        api_error(resp, 500, "cannot write '%s'", req->path);
        return;
    }
    resp->status = 200;
}
