/* api_index: GET /, a page that names the API's endpoints. */
#include <string.h>

#include "api/api.h"

static const char index_html[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>vigil</title></head><body><h1>vigil</h1><ul>"
    "<li><a href=\"/health\">/health</a></li>"
    "<li><a href=\"/api/v1/system\">/api/v1/system</a></li>"
    "<li><a href=\"/api/v1/gpus\">/api/v1/gpus</a></li>"
    "<li><a href=\"/api/v1/series\">/api/v1/series</a></li>"
    "<li><a href=\"/api/v1/history?series=cpu.overall_utilization\">/api/v1/history</a></li>"
    "<li><a href=\"/metrics\">/metrics</a></li>"
    "</ul></body></html>\n";

void api_index(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)ctx;
    (void)req;
    if (buf_add(&resp->body, index_html, sizeof index_html - 1)) {
        api_error(resp, 500, "cannot write the page");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/html; charset=utf-8";
}
