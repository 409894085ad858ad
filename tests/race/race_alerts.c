/* The alert threads on real threads: a writer thread appends to series (and registers new
 * ones that a wildcard rule must pick up) while the evaluator thread reads the store every
 * 5 ms, posts changes from its thread and queues notifications; the notifier thread
 * delivers them to a loopback HTTP server (one endpoint answers, one answers 500, one
 * hangs); this thread collects the board as the event loop does and queues notifications
 * of its own. Then a clean stop of everything, in the daemon's order. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alert/evaluator.h"
#include "alert/notifier.h"
#include "core/clock.h"
#include "core/log.h"
#include "race.h"

static _Atomic bool writer_stop;
static _Atomic int posts;
static _Atomic int requests;
static int listen_fd;

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void *serve_one(void *arg)
{
    int c = (int)(intptr_t)arg;
    char buf[16384];
    size_t len = 0;
    ssize_t got;
    /* read until the headers and a body of Content-Length bytes are in */
    while ((got = read(c, buf + len, sizeof buf - 1 - len)) > 0) {
        len += (size_t)got;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strcasestr(buf, "content-length:");
        if (end && cl && len - (size_t)(end + 4 - buf) >= strtoul(cl + 15, NULL, 10))
            break;
    }
    atomic_fetch_add(&requests, 1);
    if (strncmp(buf, "POST /hang", 10) == 0) {
        while (read(c, buf, sizeof buf) > 0)
            ;
    } else {
        const char *resp = strncmp(buf, "POST /fail", 10) == 0
                               ? "HTTP/1.1 500 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!write(c, resp, strlen(resp));
    }
    close(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(listen_fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_t t;
        pthread_create(&t, NULL, serve_one, (void *)(intptr_t)c);
        pthread_detach(t);
    }
}

static int server_start(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    RACE_CHECK(bind(listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
    RACE_CHECK(listen(listen_fd, 64) == 0);
    socklen_t al = sizeof a;
    getsockname(listen_fd, (struct sockaddr *)&a, &al);
    pthread_t t;
    pthread_create(&t, NULL, accept_loop, NULL);
    pthread_detach(t);
    return ntohs(a.sin_port);
}

/* The one writer of every series: values swing across the thresholds, and a new GPU
 * appears every few rounds. */
static void *writer(void *arg)
{
    struct store *st = arg;
    int ids[16];
    int n = 0;
    for (int round = 0; !atomic_load(&writer_stop); round++) {
        if (n < 16 && round % 5 == 0) {
            char name[64];
            snprintf(name, sizeof name, "gpu.%d.temperature", n);
            ids[n] = store_series(st, name, "celsius", "race", 512);
            RACE_CHECK(ids[n] >= 0);
            n++;
        }
        int64_t now = clock_real_ms();
        for (int i = 0; i < n; i++)
            store_push(st, ids[i], now, (round / 3 + i) % 2 ? 95 : 60);
        nap_ms(2);
    }
    return NULL;
}

static int post(void *arg, const char *channel, const char *method, const char *data,
                size_t len)
{
    (void)arg;
    RACE_CHECK(strcmp(channel, "alerts") == 0 && strcmp(method, "alert") == 0);
    RACE_CHECK(len > 0 && data[0] == '{' && data[len - 1] == '}');
    atomic_fetch_add(&posts, 1);
    return 0;
}

int main(void)
{
    log_set_level(LOG_ERROR);
    int port = server_start();
    struct store *st = store_new(64);
    struct board board;
    board_init(&board);

    struct alert_notifier defs[3];
    const char *paths[3] = {"/ok", "/fail", "/hang"};
    for (int i = 0; i < 3; i++) {
        memset(&defs[i], 0, sizeof defs[i]);
        snprintf(defs[i].name, sizeof defs[i].name, "n%d", i);
        defs[i].kind = (enum notify_kind)i;
        snprintf(defs[i].url, sizeof defs[i].url, "http://127.0.0.1:%d%s", port, paths[i]);
        defs[i].timeout_ms = 200;
        defs[i].retries = 2;
        defs[i].backoff_ms = 10;
        defs[i].repeat_ms = 20;
    }
    struct notifier_opts no = {.queue = 64};
    struct notifier *nt = notifier_new(defs, 3, &no);
    RACE_CHECK(nt);

    struct alert_rule r;
    alert_rule_init(&r, "gpu_hot", "gpu.*.temperature");
    r.threshold = 85;
    r.clear = 80;
    r.has_clear = true;
    r.notify = 0x7;
    r.flap_starts = 0; /* swinging values: keep notifying */
    struct alert_evaluator_opts eo = {
        .interval_ms = 5, .stale_ms = 1000, .hostname = "race", .post = post};
    struct alert_evaluator *ev = alert_evaluator_new(&r, 1, st, &board, nt, &eo);
    RACE_CHECK(ev);

    pthread_t w;
    RACE_CHECK(pthread_create(&w, NULL, writer, st) == 0);
    RACE_CHECK(notifier_start(nt) == 0);
    RACE_CHECK(alert_evaluator_start(ev) == 0);

    struct alert_message m;
    memset(&m, 0, sizeof m);
    snprintf(m.rule, sizeof m.rule, "manual");
    snprintf(m.series, sizeof m.series, "x.y");
    m.msg = ALERT_MSG_FIRING;
    uint64_t last = 0;
    int64_t deadline = clock_mono_ns() + 10 * 1000000000LL;
    while (alert_evaluator_cycles(ev) < 100 || atomic_load(&posts) < 10 ||
           atomic_load(&requests) < 20) {
        RACE_CHECK(clock_mono_ns() < deadline);
        board_collect(&board);
        struct snap *s = board_get(&board, BOARD_ALERTS);
        if (s) {
            RACE_CHECK(s->seq >= last);
            last = s->seq;
            RACE_CHECK(s->doc[ALERT_DOC_API].len > 0 && s->doc[ALERT_DOC_API].data[0] == '{');
            RACE_CHECK(s->n_chan == 1 && s->chan[0].data.data[0] == '[');
        }
        notifier_send(nt, 0, &m);
        struct notifier_stats stats;
        notifier_stats(nt, 2, &stats);
        nap_ms(1);
    }
    /* the daemon's order: the evaluator, then the notifier, then the board and store */
    alert_evaluator_free(ev);
    notifier_free(nt);
    atomic_store(&writer_stop, true);
    pthread_join(w, NULL);
    board_release(&board);
    store_free(st);
    close(listen_fd);
    printf("race_alerts: ok\n");
    return 0;
}
