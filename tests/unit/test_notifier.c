/* test_notifier: the back-off schedule and what is retried, the bounded queue, and real
 * deliveries to a small HTTP server on 127.0.0.1 in this process: a good endpoint receives
 * at once while one answering 500 and one that hangs are retried with growing delays, a
 * final answer (400) is not retried, and a resolve never overtakes its firing. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alert/notifier.h"
#include "core/clock.h"
#include "core/err.h"

Test(notifier, backoff_schedule)
{
    const int64_t max = NOTIFY_BACKOFF_MAX_MS;
    const int64_t want[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, max};
    for (unsigned a = 1; a <= 10; a++)
        cr_assert_eq(notify_backoff_ms(1000, a, max, 0), want[a - 1], "attempt %u", a);
    cr_assert_eq(notify_backoff_ms(1000, 30, max, 0), max, "no overflow");
    cr_assert_eq(notify_backoff_ms(100, 1, max, 0), 100);
    cr_assert_eq(notify_backoff_ms(100, 3, max, 0), 400);
    cr_assert_eq(notify_backoff_ms(1000, 1, max, 30000), 30000, "Retry-After wins");
    cr_assert_eq(notify_backoff_ms(1000, 1, max, 3600000), max, "but not past the cap");
    cr_assert_eq(notify_backoff_ms(8000, 1, max, 2000), 8000, "never sooner than planned");
}

Test(notifier, what_is_retried)
{
    cr_assert_eq(notify_classify(true, 200), NOTIFY_SENT);
    cr_assert_eq(notify_classify(true, 204), NOTIFY_SENT);
    cr_assert_eq(notify_classify(false, 0), NOTIFY_RETRY, "network error or timeout");
    cr_assert_eq(notify_classify(true, 500), NOTIFY_RETRY);
    cr_assert_eq(notify_classify(true, 503), NOTIFY_RETRY);
    cr_assert_eq(notify_classify(true, 429), NOTIFY_RETRY);
    cr_assert_eq(notify_classify(true, 408), NOTIFY_RETRY);
    cr_assert_eq(notify_classify(true, 400), NOTIFY_GIVE_UP);
    cr_assert_eq(notify_classify(true, 404), NOTIFY_GIVE_UP);
    cr_assert_eq(notify_classify(true, 301), NOTIFY_GIVE_UP);
}

static struct alert_notifier def(const char *name, enum notify_kind kind, const char *url)
{
    struct alert_notifier d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    d.kind = kind;
    snprintf(d.url, sizeof d.url, "%s", url);
    d.timeout_ms = 2000;
    d.retries = 3;
    d.backoff_ms = 100;
    return d;
}

static struct alert_message message(enum alert_msg msg, const char *series)
{
    struct alert_message m;
    memset(&m, 0, sizeof m);
    m.msg = msg;
    snprintf(m.rule, sizeof m.rule, "gpu_hot");
    snprintf(m.series, sizeof m.series, "%s", series);
    snprintf(m.host, sizeof m.host, "box");
    m.state = msg == ALERT_MSG_RESOLVED ? ALERT_RESOLVED : ALERT_FIRING;
    m.has_value = true;
    m.value = 90;
    m.threshold = m.clear = 85;
    m.at_ms = m.fired_at_ms = 1800000000000LL;
    return m;
}

Test(notifier, the_queue_is_bounded_and_drops_are_counted)
{
    struct alert_notifier d = def("a", NOTIFY_WEBHOOK, "http://127.0.0.1:9/x");
    struct notifier_opts o = {.queue = 2};
    struct notifier *nt = notifier_new(&d, 1, &o);
    cr_assert_not_null(nt);
    struct alert_message m = message(ALERT_MSG_FIRING, "gpu.0.temperature");
    cr_assert_eq(notifier_send(nt, 0, &m), 0);
    cr_assert_eq(notifier_send(nt, 0, &m), 0);
    cr_assert_eq(notifier_send(nt, 0, &m), -VIGIL_EFULL);
    cr_assert_eq(notifier_send(nt, 1, &m), -VIGIL_EINVAL);
    struct notifier_stats st;
    notifier_stats(nt, 0, &st);
    cr_assert_eq(st.dropped, 1);
    cr_assert_eq(st.queued, 2);
    notifier_free(nt);
}

/* --- a small HTTP server ---------------------------------------------------------------- */

#define MAX_SEEN 64

struct seen {
    char path[64];
    char headers[2048];
    char body[8192];
    int64_t at_ms;
};

static struct {
    pthread_mutex_t lock;
    int fd;
    int port;
    struct seen seen[MAX_SEEN];
    unsigned n;
    unsigned flaky_left; /* /flaky answers 500 this many times, then 200 */
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t now_ms(void)
{
    return clock_mono_ns() / 1000000;
}

/* Reads one request; returns its path (in seen) or -1. */
static int read_request(int c, struct seen *s)
{
    char buf[16384];
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        ssize_t got = read(c, buf + len, sizeof buf - 1 - len);
        if (got <= 0)
            return -1;
        len += (size_t)got;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t head = (size_t)(end - buf) + 4;
    const char *cl = strcasestr(buf, "content-length:");
    size_t want = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
    while (len - head < want && len < sizeof buf - 1) {
        ssize_t got = read(c, buf + len, sizeof buf - 1 - len);
        if (got <= 0)
            return -1;
        len += (size_t)got;
    }
    buf[len] = '\0';
    sscanf(buf, "POST %63s", s->path);
    snprintf(s->headers, sizeof s->headers, "%.*s", (int)(head < 2047 ? head : 2047), buf);
    snprintf(s->body, sizeof s->body, "%s", buf + head);
    s->at_ms = now_ms();
    return 0;
}

static void *serve_one(void *arg)
{
    int c = (int)(intptr_t)arg;
    struct seen s;
    memset(&s, 0, sizeof s);
    if (read_request(c, &s) == 0) {
        int status = 200;
        pthread_mutex_lock(&srv.lock);
        if (srv.n < MAX_SEEN)
            srv.seen[srv.n++] = s;
        if (strcmp(s.path, "/fail") == 0)
            status = 500;
        else if (strcmp(s.path, "/bad") == 0)
            status = 400;
        else if (strcmp(s.path, "/flaky") == 0 && srv.flaky_left > 0) {
            srv.flaky_left--;
            status = 500;
        }
        pthread_mutex_unlock(&srv.lock);
        if (strcmp(s.path, "/hang") == 0) {
            char b[64];
            while (read(c, b, sizeof b) > 0) /* until the client gives up */
                ;
        } else {
            char resp[128];
            int n = snprintf(resp, sizeof resp,
                             "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                             status);
            (void)!write(c, resp, (size_t)n);
        }
    }
    close(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_t t;
        pthread_create(&t, NULL, serve_one, (void *)(intptr_t)c);
        pthread_detach(t);
    }
}

static void server_start(void)
{
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(srv.fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(srv.fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(srv.fd, 64), 0);
    socklen_t al = sizeof a;
    getsockname(srv.fd, (struct sockaddr *)&a, &al);
    srv.port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, accept_loop, NULL);
    pthread_detach(t);
}

static void url(char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d%s", srv.port, path);
}

/* Requests seen on path so far, copied into out (up to max). */
static unsigned seen_on(const char *path, struct seen *out, unsigned max)
{
    unsigned k = 0;
    pthread_mutex_lock(&srv.lock);
    for (unsigned i = 0; i < srv.n; i++)
        if (strcmp(srv.seen[i].path, path) == 0 && k < max)
            out[k++] = srv.seen[i];
    pthread_mutex_unlock(&srv.lock);
    return k;
}

/* Waits (polling every 10 ms, up to 20 s) until cond holds for notifier idx. */
static bool wait_stats(struct notifier *nt, unsigned idx, uint64_t sent, uint64_t failed)
{
    for (int i = 0; i < 2000; i++) {
        struct notifier_stats st;
        notifier_stats(nt, idx, &st);
        if (st.sent >= sent && st.failed >= failed && st.queued == 0)
            return true;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

Test(notifier, dead_endpoints_are_retried_while_others_receive)
{
    server_start();
    struct alert_notifier d[3];
    char u[128];
    url(u, sizeof u, "/ok");
    d[0] = def("ok", NOTIFY_WEBHOOK, u);
    d[0].n_headers = 1;
    snprintf(d[0].headers[0], sizeof d[0].headers[0], "X-Token: abc");
    url(u, sizeof u, "/fail");
    d[1] = def("fail", NOTIFY_SLACK, u);
    d[1].retries = 2;
    url(u, sizeof u, "/hang");
    d[2] = def("hang", NOTIFY_DISCORD, u);
    d[2].retries = 1;
    d[2].timeout_ms = 400;
    struct notifier *nt = notifier_new(d, 3, NULL);
    cr_assert_not_null(nt);
    cr_assert_eq(notifier_start(nt), 0);

    struct alert_message m = message(ALERT_MSG_FIRING, "gpu.0.temperature");
    cr_assert_eq(notifier_send(nt, 2, &m), 0); /* the hanging one first */
    cr_assert_eq(notifier_send(nt, 1, &m), 0);
    cr_assert_eq(notifier_send(nt, 0, &m), 0);

    cr_assert(wait_stats(nt, 0, 1, 0), "the good endpoint never received");
    struct seen s[8];
    cr_assert_eq(seen_on("/ok", s, 8), 1);
    int64_t ok_at = s[0].at_ms;
    cr_assert_not_null(strcasestr(s[0].headers, "X-Token: abc"), "%s", s[0].headers);
    cr_assert_not_null(strcasestr(s[0].headers, "Content-Type: application/json"));
    json_t *j = json_loads(s[0].body, 0, NULL);
    cr_assert_not_null(j, "%s", s[0].body);
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "firing");
    json_decref(j);

    cr_assert(wait_stats(nt, 1, 0, 1), "/fail was not given up");
    unsigned n = seen_on("/fail", s, 8);
    cr_assert_eq(n, 3, "one attempt and two retries");
    cr_assert_geq(s[1].at_ms - s[0].at_ms, 100, "first retry after the back-off");
    cr_assert_geq(s[2].at_ms - s[1].at_ms, 200, "the back-off doubles");
    j = json_loads(s[0].body, 0, NULL);
    cr_assert_not_null(json_object_get(j, "blocks"), "a Slack body");
    json_decref(j);

    cr_assert(wait_stats(nt, 2, 0, 1), "/hang was not given up");
    n = seen_on("/hang", s, 8);
    cr_assert_eq(n, 2, "one attempt and one retry");
    /* Ordering, not speed: the good endpoint got its message while the hanging one's first
     * attempt was still waiting for its timeout, so deliveries do not queue behind it. */
    cr_assert_lt(ok_at, s[0].at_ms + 400, "the good endpoint waited for the hanging one");
    /* The retry came after the timeout and the back-off; both ends are seen by the same
     * server, with a little room for when the first request was read. */
    cr_assert_geq(s[1].at_ms - s[0].at_ms, 400 + 100 - 20, "a timeout, then the back-off");

    struct notifier_stats st;
    notifier_stats(nt, 1, &st);
    cr_assert_eq(st.retries, 2);
    cr_assert_eq(st.sent, 0);
    cr_assert_str_eq(st.last_error, "HTTP 500");
    notifier_stats(nt, 2, &st);
    cr_assert_neq(st.last_error[0], '\0');
    notifier_free(nt);
}

Test(notifier, a_final_answer_is_not_retried)
{
    server_start();
    char u[128];
    url(u, sizeof u, "/bad");
    struct alert_notifier d = def("bad", NOTIFY_WEBHOOK, u);
    struct notifier *nt = notifier_new(&d, 1, NULL);
    cr_assert_eq(notifier_start(nt), 0);
    struct alert_message m = message(ALERT_MSG_FIRING, "gpu.0.temperature");
    notifier_send(nt, 0, &m);
    cr_assert(wait_stats(nt, 0, 0, 1));
    struct notifier_stats st;
    notifier_stats(nt, 0, &st);
    cr_assert_eq(st.retries, 0);
    cr_assert_str_eq(st.last_error, "HTTP 400");
    notifier_free(nt);
}

Test(notifier, a_resolve_never_overtakes_its_firing)
{
    server_start();
    srv.flaky_left = 2;
    char u[128];
    url(u, sizeof u, "/flaky");
    struct alert_notifier d = def("flaky", NOTIFY_WEBHOOK, u);
    struct notifier *nt = notifier_new(&d, 1, NULL);
    cr_assert_eq(notifier_start(nt), 0);
    struct alert_message f = message(ALERT_MSG_FIRING, "gpu.0.temperature");
    struct alert_message r = message(ALERT_MSG_RESOLVED, "gpu.0.temperature");
    struct alert_message other = message(ALERT_MSG_FIRING, "gpu.1.temperature");
    notifier_send(nt, 0, &f);
    notifier_send(nt, 0, &r);
    notifier_send(nt, 0, &other);
    cr_assert(wait_stats(nt, 0, 3, 0));
    struct seen s[16];
    unsigned n = seen_on("/flaky", s, 16);
    cr_assert_eq(n, 5, "two failures, then three deliveries");
    /* the last request about gpu.0 is its resolve, and its firing came before */
    int last_firing = -1, resolve = -1;
    for (unsigned i = 0; i < n; i++) {
        if (!strstr(s[i].body, "gpu.0.temperature"))
            continue;
        if (strstr(s[i].body, "\"status\":\"resolved\""))
            resolve = (int)i;
        else
            last_firing = (int)i;
    }
    cr_assert_geq(resolve, 0);
    cr_assert_lt(last_firing, resolve, "the resolve overtook the firing");
    notifier_free(nt);
}
