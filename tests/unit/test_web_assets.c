/* web_assets: the embedded dashboard table, Accept-Encoding and If-None-Match as the asset
 * handler reads them, and the handler's answers through api_dispatch(). */
#include <criterion/criterion.h>
#include <string.h>

#include "api/api.h"
#include "api/web_assets.h"

Test(web_assets, the_table_has_the_page_and_its_files)
{
    const struct web_asset *page = web_asset_find("/");
    cr_assert_not_null(page);
    cr_assert_str_eq(page->content_type, "text/html; charset=utf-8");
    cr_assert(page->len > 0);
    cr_assert_not_null(web_asset_find("/assets/app.js"));
    cr_assert_not_null(web_asset_find("/assets/uPlot.iife.min.js"));
    cr_assert_not_null(web_asset_find("/assets/style.css"));
    cr_assert_null(web_asset_find("/assets/"));
    cr_assert_null(web_asset_find("/index.html"));
    cr_assert_null(web_asset_find("/assets/../vigil"));
    for (size_t i = 0; i < web_assets_count; i++) {
        const struct web_asset *a = &web_assets[i];
        cr_assert_eq(strlen(a->etag), 18, "%s", a->etag); /* a quote, 16 digits, a quote */
        cr_assert(a->etag[0] == '"' && a->etag[17] == '"');
        cr_assert_eq(strncmp(a->etag, a->etag_gzip, 17), 0);
        cr_assert(!a->gzip || (a->gzip_len > 18 && a->gzip_len < a->len), "%s", a->path);
        cr_assert(!a->gzip || (a->gzip[0] == 0x1f && a->gzip[1] == 0x8b), "%s", a->path);
    }
}

Test(web_assets, accept_encoding)
{
    cr_assert(web_accepts_gzip("gzip"));
    cr_assert(web_accepts_gzip("gzip, deflate, br"));
    cr_assert(web_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    cr_assert(web_accepts_gzip("x-gzip"));
    cr_assert(web_accepts_gzip(" deflate , gzip ; q=0.001"));
    cr_assert(web_accepts_gzip("*"));
    cr_assert(web_accepts_gzip("identity, *;q=0.1"));
    cr_assert_not(web_accepts_gzip(NULL));
    cr_assert_not(web_accepts_gzip(""));
    cr_assert_not(web_accepts_gzip("identity"));
    cr_assert_not(web_accepts_gzip("br, deflate"));
    cr_assert_not(web_accepts_gzip("gzip;q=0"));
    cr_assert_not(web_accepts_gzip("gzip;q=0.000"));
    cr_assert_not(web_accepts_gzip("gzip; q=0., br"));
    cr_assert_not(web_accepts_gzip("*, gzip;q=0"));
    cr_assert_not(web_accepts_gzip("*;q=0"));
    cr_assert_not(web_accepts_gzip("gzipx, xgzip"));
}

Test(web_assets, if_none_match)
{
    const char *tag = "\"0123456789abcdef\"";
    cr_assert(web_etag_matches("\"0123456789abcdef\"", tag));
    cr_assert(web_etag_matches("W/\"0123456789abcdef\"", tag));
    cr_assert(web_etag_matches("\"x\", \"0123456789abcdef\"", tag));
    cr_assert(web_etag_matches("  \"0123456789abcdef\"  ,\"y\"", tag));
    cr_assert(web_etag_matches("*", tag));
    cr_assert_not(web_etag_matches(NULL, tag));
    cr_assert_not(web_etag_matches("", tag));
    cr_assert_not(web_etag_matches("\"0123456789abcdee\"", tag));
    cr_assert_not(web_etag_matches("0123456789abcdef", tag));
    cr_assert_not(web_etag_matches("\"0123456789abcdef-gz\"", tag));
    cr_assert_not(web_etag_matches("W/", tag));
    cr_assert_not(web_etag_matches(",,,", tag));
}

static struct api_resp resp;

static void get(const char *path, const char *inm, const char *ae)
{
    struct api_req req = {
        .method = HTTP_GET, .path = path, .if_none_match = inm, .accept_encoding = ae};
    buf_reset(&resp.body);
    resp.status = 0;
    resp.n_headers = 0;
    resp.cache_control = NULL;
    api_dispatch(NULL, &req, &resp);
}

static const char *header(const char *name)
{
    for (unsigned i = 0; i < resp.n_headers; i++)
        if (strcmp(resp.headers[i].name, name) == 0)
            return resp.headers[i].value;
    return NULL;
}

static void setup(void)
{
    buf_init(&resp.body, 1 << 24);
}

static void teardown(void)
{
    buf_release(&resp.body);
}

Test(web_assets, the_handler, .init = setup, .fini = teardown)
{
    const struct web_asset *page = web_asset_find("/");
    get("/", NULL, NULL);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.body.len, page->len);
    cr_assert_eq(memcmp(resp.body.data, page->data, page->len), 0);
    cr_assert_str_eq(resp.cache_control, "no-cache");
    cr_assert_str_eq(header("etag:"), page->etag);
    cr_assert_not_null(strstr(header("content-security-policy:"), "default-src 'self'"));
    cr_assert_null(header("content-encoding:"));

    get("/", NULL, "gzip");
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.body.len, page->gzip_len);
    cr_assert_str_eq(header("content-encoding:"), "gzip");
    cr_assert_str_eq(header("etag:"), page->etag_gzip);

    get("/", page->etag_gzip, "gzip");
    cr_assert_eq(resp.status, 304);
    cr_assert_eq(resp.body.len, 0);
    cr_assert_null(header("content-encoding:"));
    /* the identity ETag does not validate the gzip representation */
    get("/", page->etag, "gzip");
    cr_assert_eq(resp.status, 200);

    get("/assets/app.js", NULL, NULL);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.content_type, "text/javascript; charset=utf-8");
    cr_assert_null(header("content-security-policy:"));

    get("/assets/missing.js", NULL, NULL);
    cr_assert_eq(resp.status, 404);
    cr_assert_str_eq(resp.content_type, "application/json");
    cr_assert(api_path_is_public("/"));
    cr_assert(api_path_is_public("/assets/app.js"));
    cr_assert_not(api_path_is_public("/api/v1/info"));
    cr_assert_not(api_path_is_public("/assetsx"));
}
