/* daemon_client: one libcurl easy transfer per call; the commands that use it make one or
 * two requests and exit, so nothing is kept between calls. */
#include "cli/daemon_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define REPLY_MAX (16u << 20)

void daemon_url(const struct config *cfg, const char *override, char *out, size_t n)
{
    if (override && override[0]) {
        snprintf(out, n, "%s", override);
        size_t len = strlen(out);
        while (len > 0 && out[len - 1] == '/')
            out[--len] = '\0';
        return;
    }
    const char *host = cfg->listen_host;
    if (!host[0] || strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    bool v6 = strchr(host, ':') != NULL;
    snprintf(out, n, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", cfg->listen_port);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t n = size * nmemb;
    return buf_add(b, p, n) == 0 ? n : 0;
}

int daemon_request(const struct config *cfg, const char *base, const char *path, const char *body,
                   size_t len, const char *content_type, long timeout_ms, struct daemon_reply *out,
                   char *err, size_t errlen)
{
    out->status = 0;
    buf_init(&out->body, REPLY_MAX);
    char url[1024], auth[300], ctype[160];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(err, errlen, "cannot start an HTTP client");
        return -1;
    }
    struct curl_slist *h = NULL;
    if (cfg->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", cfg->token);
        h = curl_slist_append(h, auth);
    }
    if (body) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ctype);
        h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "vigil/" VIGIL_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &out->body);
    CURLcode rc = curl_easy_perform(e);
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
    else
        snprintf(err, errlen, "cannot reach the daemon at %s: %s", base, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    return rc == CURLE_OK ? 0 : -1;
}
