/*
 * bench_scrape: the CPU cost of one scrape cycle for 16 inference targets, as the scraper
 * thread spends it: the 16 transfers through libcurl's multi interface (connections kept
 * alive, as vigil keeps them), reading each vLLM-shaped exposition, deriving the figures,
 * appending them to the store, encoding the documents and publishing them. The targets are
 * served on loopback by a thread of this program, whose CPU time is not counted. Prints the
 * median and 90th percentile of the calling thread's CPU time per cycle.
 *   usage: bench_scrape [cycles]   (default 300)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/scraper.h"
#include "core/buf.h"

#define TARGETS   16
#define MAX_CONNS 64

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One engine of a vLLM V1 server: its gauges, counters and three histograms, about 12 KB,
 * which is what a single-GPU vLLM serves. */
static void exposition(struct buf *b, int seq)
{
    static const char m[] = "model_name=\"meta-llama/Llama-3.1-8B-Instruct\"";
    buf_printf(b,
               "# HELP vllm:num_requests_running Running.\n# TYPE vllm:num_requests_running "
               "gauge\nvllm:num_requests_running{engine=\"0\",%s} 3.0\n",
               m);
    buf_printf(b,
               "# HELP vllm:num_requests_waiting Waiting.\n# TYPE vllm:num_requests_waiting "
               "gauge\nvllm:num_requests_waiting{engine=\"0\",%s} 1.0\n",
               m);
    buf_printf(b,
               "# HELP vllm:kv_cache_usage_perc KV.\n# TYPE vllm:kv_cache_usage_perc gauge\n"
               "vllm:kv_cache_usage_perc{engine=\"0\",%s} 0.42\n",
               m);
    static const char *const counters[] = {"prompt_tokens", "generation_tokens",
                                           "prefix_cache_queries", "prefix_cache_hits"};
    for (int i = 0; i < 4; i++)
        buf_printf(b,
                   "# HELP vllm:%s_total A counter.\n# TYPE vllm:%s_total counter\n"
                   "vllm:%s_total{engine=\"0\",%s} %d.0\n# HELP vllm:%s_created A counter.\n"
                   "# TYPE vllm:%s_created gauge\nvllm:%s_created{engine=\"0\",%s} 1.74e+09\n",
                   counters[i], counters[i], counters[i], m, 100000 + seq * (i + 1) * 100,
                   counters[i], counters[i], counters[i], m);
    buf_printf(b, "# TYPE vllm:request_success_total counter\n");
    static const char *const why[] = {"stop", "length", "abort"};
    for (int i = 0; i < 3; i++)
        buf_printf(b, "vllm:request_success_total{engine=\"0\",finished_reason=\"%s\",%s} %d.0\n",
                   why[i], m, seq * (3 - i));
    static const char *const names[] = {"time_to_first_token_seconds",
                                        "e2e_request_latency_seconds",
                                        "inter_token_latency_seconds"};
    static const char *const les[] = {"0.001", "0.005", "0.01",  "0.02",   "0.04", "0.06",
                                      "0.08",  "0.1",   "0.25",  "0.5",    "0.75", "1.0",
                                      "2.5",   "5.0",   "7.5",   "10.0",   "20.0", "40.0",
                                      "80.0",  "160.0", "640.0", "2560.0", "+Inf"};
    for (int h = 0; h < 3; h++) {
        buf_printf(b, "# HELP vllm:%s A histogram.\n# TYPE vllm:%s histogram\n", names[h],
                   names[h]);
        long c = 0;
        for (int i = 0; i < 23; i++) {
            c += (long)(seq * (i % 5 + 1));
            buf_printf(b, "vllm:%s_bucket{engine=\"0\",le=\"%s\",%s} %ld.0\n", names[h], les[i], m,
                       c);
        }
        buf_printf(b, "vllm:%s_count{engine=\"0\",%s} %ld.0\nvllm:%s_sum{engine=\"0\",%s} %.3f\n",
                   names[h], m, c, names[h], m, (double)c * 0.07);
    }
}

struct server {
    int listen_fd[TARGETS];
    int port[TARGETS];
    _Atomic bool stop;
    pthread_t thread;
};

/* Keep-alive HTTP/1.1 on every port: each GET gets a fresh exposition whose counters grew. */
static void *serve(void *arg)
{
    struct server *s = arg;
    struct pollfd fds[TARGETS + MAX_CONNS];
    int n_conns = 0, seq = 0;
    struct buf body;
    buf_init(&body, 1 << 20);
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < TARGETS; i++)
            fds[i] = (struct pollfd){.fd = s->listen_fd[i], .events = POLLIN};
        if (poll(fds, (nfds_t)(TARGETS + n_conns), 50) <= 0)
            continue;
        for (int i = TARGETS; i < TARGETS + n_conns; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char req[4096];
            ssize_t r = recv(fds[i].fd, req, sizeof req - 1, 0);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i] = fds[TARGETS + --n_conns];
                i--;
                continue;
            }
            buf_reset(&body);
            exposition(&body, ++seq);
            char head[160];
            int h = snprintf(head, sizeof head,
                             "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                             "Content-Length: %zu\r\n\r\n",
                             body.len);
            if (send(fds[i].fd, head, (size_t)h, MSG_NOSIGNAL) != h ||
                send(fds[i].fd, body.data, body.len, MSG_NOSIGNAL) != (ssize_t)body.len) {
                close(fds[i].fd);
                fds[i] = fds[TARGETS + --n_conns];
                i--;
            }
        }
        for (int i = 0; i < TARGETS; i++) {
            if (!(fds[i].revents & POLLIN) || n_conns == MAX_CONNS)
                continue;
            int c = accept(s->listen_fd[i], NULL, NULL);
            if (c >= 0)
                fds[TARGETS + n_conns++] = (struct pollfd){.fd = c, .events = POLLIN};
        }
    }
    for (int i = TARGETS; i < TARGETS + n_conns; i++)
        close(fds[i].fd);
    buf_release(&body);
    return NULL;
}

static int server_start(struct server *s)
{
    for (int i = 0; i < TARGETS; i++) {
        s->listen_fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if (s->listen_fd[i] < 0 || bind(s->listen_fd[i], (struct sockaddr *)&a, sizeof a) != 0 ||
            listen(s->listen_fd[i], 16) != 0 ||
            getsockname(s->listen_fd[i], (struct sockaddr *)&a, &len) != 0)
            return -1;
        s->port[i] = ntohs(a.sin_port);
    }
    atomic_init(&s->stop, false);
    return pthread_create(&s->thread, NULL, serve, s) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 300;
    if (cycles < 1)
        cycles = 1;
    static struct server srv;
    if (server_start(&srv) < 0) {
        perror("bench_scrape: cannot listen on loopback");
        return 1;
    }
    static struct config cfg;
    config_defaults(&cfg);
    struct target_conf *t = &cfg.targets;
    t->n_inference = TARGETS;
    t->n_clusters = 0;
    for (int i = 0; i < TARGETS; i++) {
        t->inference[i] = t->inference[0];
        t->inference[i].builtin = false;
        snprintf(t->inference[i].name, sizeof t->inference[i].name, "vllm-%d", i);
        snprintf(t->inference[i].url, sizeof t->inference[i].url, "http://127.0.0.1:%d/metrics",
                 srv.port[i]);
    }
    struct store *store = store_new(4096);
    struct board board;
    board_init(&board);
    struct scraper *s = store ? scraper_new(&cfg, store, &board) : NULL;
    if (!s) {
        fprintf(stderr, "bench_scrape: out of memory\n");
        return 1;
    }
    scraper_cycle(s); /* connects and registers the series: not what runs every interval */
    board_collect(&board);
    int64_t *ns = calloc((size_t)cycles, sizeof *ns);
    if (!ns)
        return 1;
    for (int i = 0; i < cycles; i++) {
        int64_t a = cpu_ns();
        scraper_cycle(s);
        ns[i] = cpu_ns() - a;
        board_collect(&board);
    }
    unsigned up = 0;
    for (unsigned i = 0; i < scraper_count(s); i++)
        up += scraper_result(s, i)->state == TARGET_UP;
    struct buf sample;
    buf_init(&sample, 1 << 20);
    exposition(&sample, 1);
    qsort(ns, (size_t)cycles, sizeof *ns, cmp);
    printf(
        "scrape cycle, %d vLLM-shaped targets of %.1f KB (%u up): median %.0f us CPU, p90 %.0f us "
        "(curl, parse, figures, store, encode, publish; %d cycles)\n",
        TARGETS, (double)sample.len / 1000, up, (double)ns[cycles / 2] / 1000,
        (double)ns[cycles * 9 / 10] / 1000, cycles);
    buf_release(&sample);
    scraper_free(s);
    board_release(&board);
    store_free(store);
    atomic_store(&srv.stop, true);
    pthread_join(srv.thread, NULL);
    for (int i = 0; i < TARGETS; i++)
        close(srv.listen_fd[i]);
    free(ns);
    return up == TARGETS ? 0 : 1;
}
