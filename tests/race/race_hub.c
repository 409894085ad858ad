/* The hub thread polling loopback nodes (one answering like a vigil, one that never
 * answers, one refusing the token) while this thread does what the event loop does: reads
 * the nodes' views, asks for fetches, pokes a node, and takes the replies the thread hands
 * back; then a stop with polls and fetches in flight. The nodes are served by a small HTTP
 * thread of this program, on three ports. */
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

#include "core/err.h"
#include "hub/hub.h"
#include "race.h"

enum { GOOD, HUNG, REFUSING, N_PORTS };

struct server {
    int fd[N_PORTS];
    int port[N_PORTS];
    _Atomic bool stop;
    _Atomic int requests;
    pthread_t thread;
};

static const char *doc_for(const char *req)
{
    if (strstr(req, "GET /health"))
        return "{\"status\":\"ok\",\"version\":\"race\"}";
    if (strstr(req, "GET /api/v1/gpus"))
        return "{\"gpus\":[{\"gpu_index\":0,\"name\":\"G\",\"utilization\":40,\"temperature\":60}]"
               "}";
    if (strstr(req, "GET /api/v1/inference"))
        return "{\"targets\":[{\"state\":\"up\",\"generation_tokens_per_sec\":100}]}";
    if (strstr(req, "GET /api/v1/agents"))
        return "{\"active_sessions\":3}";
    if (strstr(req, "GET /api/v1/alerts"))
        return "{\"counts\":{\"firing\":1}}";
    return "{\"answer\":\"fetched\"}";
}

static void answer(int c, int which)
{
    char req[2048];
    ssize_t got = 0, r;
    while (got < (ssize_t)sizeof req - 1 &&
           (r = recv(c, req + got, sizeof req - 1 - (size_t)got, 0)) > 0) {
        got += r;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    if (got <= 0)
        return;
    const char *body = doc_for(req);
    const char *status =
        which == REFUSING && !strstr(req, "GET /health") ? "401 Unauthorized" : "200 OK";
    char head[256];
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
                     "%zu\r\nConnection: close\r\n\r\n",
                     status, strlen(body));
    RACE_CHECK(send(c, head, (size_t)h, MSG_NOSIGNAL) == h);
    RACE_CHECK(send(c, body, strlen(body), MSG_NOSIGNAL) == (ssize_t)strlen(body));
}

static void *serve(void *arg)
{
    struct server *s = arg;
    int hung[256];
    int n_hung = 0;
    while (!atomic_load(&s->stop)) {
        struct pollfd p[N_PORTS];
        for (int i = 0; i < N_PORTS; i++)
            p[i] = (struct pollfd){.fd = s->fd[i], .events = POLLIN};
        if (poll(p, N_PORTS, 20) <= 0)
            continue;
        for (int i = 0; i < N_PORTS; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            int c = accept(s->fd[i], NULL, NULL);
            if (c < 0)
                continue;
            atomic_fetch_add(&s->requests, 1);
            if (i == HUNG && n_hung < 256) {
                hung[n_hung++] = c; /* read nothing, answer nothing */
                continue;
            }
            answer(c, i);
            close(c);
        }
    }
    for (int i = 0; i < n_hung; i++)
        close(hung[i]);
    return NULL;
}

static void server_start(struct server *s)
{
    for (int i = 0; i < N_PORTS; i++) {
        s->fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        RACE_CHECK(s->fd[i] >= 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        RACE_CHECK(bind(s->fd[i], (struct sockaddr *)&a, sizeof a) == 0);
        RACE_CHECK(listen(s->fd[i], 256) == 0);
        RACE_CHECK(getsockname(s->fd[i], (struct sockaddr *)&a, &len) == 0);
        s->port[i] = ntohs(a.sin_port);
    }
    atomic_init(&s->stop, false);
    atomic_init(&s->requests, 0);
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
    static struct node_confs nodes; /* large: not for the stack */
    static const char *const names[N_PORTS] = {"good", "hung", "refusing"};
    for (int i = 0; i < N_PORTS; i++) {
        struct node_conf *c = &nodes.nodes[nodes.n++];
        snprintf(c->name, sizeof c->name, "%s", names[i]);
        snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d/", srv.port[i]);
        snprintf(c->token, sizeof c->token, "t-%d", i);
        c->enabled = true;
        c->interval_ms = 30;
        c->timeout_ms = 200;
    }
    _Atomic int wakes = 0;
    struct hub_opts o = {&nodes, 1000, woke, (void *)&wakes};
    struct hub *h = hub_new(&o);
    RACE_CHECK(h && hub_count(h) == 3);
    RACE_CHECK(hub_find(h, "hung") == HUNG && hub_find(h, "nope") == -1);
    RACE_CHECK(hub_start(h) == 0);

    unsigned asked = 0, replies = 0, full = 0;
    bool saw_up = false, saw_down = false, saw_unauth = false;
    for (int round = 0; round < 3000 && !(saw_up && saw_down && saw_unauth && replies >= 100);
         round++) {
        struct hub_node_view v;
        hub_view(h, GOOD, &v);
        if (v.state == NODE_UP) {
            saw_up = true;
            RACE_CHECK(v.summary.has_gpus && v.summary.gpus == 1);
            RACE_CHECK(v.summary.has_sessions && v.summary.active_sessions == 3);
            RACE_CHECK(strcmp(v.summary.version, "race") == 0 && v.addr[0]);
        }
        hub_view(h, HUNG, &v);
        saw_down |= v.state == NODE_DOWN;
        hub_view(h, REFUSING, &v);
        saw_unauth |= v.state == NODE_UNAUTHORISED;
        uint64_t id;
        int node = round % 4 == 3 ? HUNG : round % 2 ? GOOD : REFUSING;
        int rc = hub_fetch(h, (unsigned)node, "/api/v1/history", "series=a&step=10s", true, &id);
        RACE_CHECK(rc == 0 || rc == -VIGIL_EFULL);
        asked += rc == 0;
        full += rc == -VIGIL_EFULL;
        if (round % 50 == 0)
            hub_poll_now(h, GOOD);
        for (struct hub_reply *r = hub_take_replies(h), *next; r; r = next) {
            next = r->next;
            RACE_CHECK(r->id > 0 && r->body.len > 0);
            RACE_CHECK(r->status == 200 || r->status == 502 || r->status == 504);
            replies++;
            hub_reply_free(r);
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    RACE_CHECK(saw_up && saw_down && saw_unauth);
    RACE_CHECK(replies >= 100);
    /* polls of the hung node and fetches from it are in flight: stopping must not wait */
    hub_free(h);
    RACE_CHECK(atomic_load(&wakes) >= 10);
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    for (int i = 0; i < N_PORTS; i++)
        close(srv.fd[i]);
    printf("race_hub: ok (%u fetches asked, %u answered, %u refused as full)\n", asked, replies,
           full);
    return 0;
}
