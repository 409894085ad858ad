/* The scraper thread polling loopback targets (one answering, one that never answers) while
 * this thread reads the store and the board, as the event loop does; then a stop with a
 * transfer in flight. The targets are served by a small HTTP thread of this program. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/scraper.h"
#include "race.h"

struct server {
    int listen_fd;
    int port;
    _Atomic bool stop;
    pthread_t thread;
};

static const char exposition[] =
    "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 4\n"
    "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total 1000\n"
    "# TYPE vllm:time_to_first_token_seconds histogram\n"
    "vllm:time_to_first_token_seconds_bucket{le=\"0.1\"} 1\n"
    "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\"} 2\n";
static const char status_doc[] = "{\"nodes\":[{\"name\":\"a\",\"up\":true,\"gpus\":2}]}";

/* Answers GET /metrics and GET /status; a request for /hang is read and never answered. */
static void *serve(void *arg)
{
    struct server *s = arg;
    int hung[64];
    int n_hung = 0;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int c = accept(s->listen_fd, NULL, NULL);
        if (c < 0)
            continue;
        char req[2048];
        ssize_t got = 0, r;
        while (got < (ssize_t)sizeof req - 1 &&
               (r = recv(c, req + got, sizeof req - 1 - (size_t)got, 0)) > 0) {
            got += r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        if (strstr(req, "GET /hang") && n_hung < 64) {
            hung[n_hung++] = c;
            continue;
        }
        const char *body = strstr(req, "GET /status") ? status_doc : exposition;
        char head[256];
        int h = snprintf(head, sizeof head,
                         "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                         strlen(body));
        RACE_CHECK(send(c, head, (size_t)h, MSG_NOSIGNAL) == h);
        RACE_CHECK(send(c, body, strlen(body), MSG_NOSIGNAL) == (ssize_t)strlen(body));
        close(c);
    }
    for (int i = 0; i < n_hung; i++)
        close(hung[i]);
    return NULL;
}

static void server_start(struct server *s)
{
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    RACE_CHECK(s->listen_fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    RACE_CHECK(bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
    RACE_CHECK(listen(s->listen_fd, 64) == 0);
    RACE_CHECK(getsockname(s->listen_fd, (struct sockaddr *)&a, &len) == 0);
    s->port = ntohs(a.sin_port);
    atomic_init(&s->stop, false);
    RACE_CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static void woke(void *arg)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
}

int main(void)
{
    struct server srv;
    server_start(&srv);
    static struct config cfg; /* large: not for the stack */
    config_defaults(&cfg);
    cfg.interval_ms = 20;
    cfg.history_ms = 1000;
    struct target_conf *t = &cfg.targets;
    snprintf(t->inference[0].name, sizeof t->inference[0].name, "good");
    snprintf(t->inference[0].url, sizeof t->inference[0].url, "http://127.0.0.1:%d/metrics",
             srv.port);
    t->inference[0].builtin = false;
    t->inference[1] = t->inference[0];
    snprintf(t->inference[1].name, sizeof t->inference[1].name, "hung");
    snprintf(t->inference[1].url, sizeof t->inference[1].url, "http://127.0.0.1:%d/hang", srv.port);
    t->inference[1].timeout_ms = 300;
    t->n_inference = 2;
    snprintf(t->clusters[0].url, sizeof t->clusters[0].url, "http://127.0.0.1:%d/status", srv.port);
    t->clusters[0].builtin = false;

    _Atomic int wakes = 0;
    struct store *store = store_new(512);
    struct board board;
    board_init(&board);
    board_set_wake(&board, woke, (void *)&wakes);
    struct scraper *s = scraper_new(&cfg, store, &board);
    RACE_CHECK(s && store);
    RACE_CHECK(scraper_start(s) == 0);
    struct sample out[128];
    uint64_t last = 0;
    bool saw_up = false, saw_cluster = false;
    while (scraper_polls(s) < 80 || !saw_up || !saw_cluster) {
        board_collect(&board);
        struct snap *snap = board_get(&board, BOARD_INFERENCE);
        if (snap) {
            RACE_CHECK(snap->seq >= last);
            last = snap->seq;
            const struct buf *list = &snap->doc[INFERENCE_DOC_TARGETS];
            RACE_CHECK(list->len > 0 && list->data[0] == '[');
            saw_up |= strstr(list->data, "\"requests_running\":4") != NULL;
        }
        struct snap *c = board_get(&board, BOARD_CLUSTER);
        if (c && c->doc[CLUSTER_DOC_LIST].data)
            saw_cluster |= strstr(c->doc[CLUSTER_DOC_LIST].data, "\"gpus_active\":2") != NULL;
        int id = store_find(store, "inference.good.requests_running");
        if (id >= 0)
            store_read(store, id, 0, INT64_MAX, out, 128);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    /* the hung target has a transfer in flight now, most likely: stopping must not wait */
    scraper_stop(s);
    scraper_free(s);
    RACE_CHECK(atomic_load(&wakes) >= 10);
    board_release(&board);
    store_free(store);
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    close(srv.listen_fd);
    printf("race_scraper: ok\n");
    return 0;
}
