/*
 * bench_ingest: agent-event ingest through the real daemon on loopback. Starts `vigil serve`
 * on 127.0.0.1:0, then posts NDJSON batches of 1,000 events (every event type, ids that keep
 * changing so the session and request tables keep evicting) on two keep-alive connections,
 * and single-event posts on sixteen; prints events per second for each and the daemon's
 * resident memory after 1 million, 5 million and all the events, which must not grow with
 * the count. The client is one thread with poll(); it shares the machine with the daemon.
 *   usage: bench_ingest [events] [vigil binary]   (default 10000000 build/vigil)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH       1000
#define BODIES      64 /* distinct batch bodies, cycled */
#define SINGLES     200000
#define SINGLE_CONN 16
#define BATCH_CONN  2

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_ingest: %s\n", what);
    exit(1);
}

/* --- the daemon ------------------------------------------------------------------------ */

static pid_t daemon_pid;
static int daemon_port;
static char data_dir[] = "/tmp/vigil-bench-ingest-data-XXXXXX";

static void start_daemon(const char *bin)
{
    char log[] = "/tmp/vigil-bench-ingest-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0 || !mkdtemp(data_dir))
        die("cannot make a log file and a data directory");
    daemon_pid = fork();
    if (daemon_pid == 0) {
        dup2(fd, 2);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        /* as shipped, history on disk included, in a directory of its own */
        execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--log-level", "info",
              "--max-connections", "64", "--data-dir", data_dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300 && !daemon_port; i++) {
        usleep(50000);
        char buf[8192] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        const char *p = n > 0 ? strstr(buf, "listening on http://127.0.0.1:") : NULL;
        if (p)
            daemon_port = atoi(p + strlen("listening on http://127.0.0.1:"));
    }
    close(fd);
    unlink(log);
    if (!daemon_port)
        die("the daemon did not start");
}

static long rss_kib(void)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)daemon_pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(buf, sizeof buf, f))
        if (sscanf(buf, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static double cpu_s(void)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)daemon_pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        if (f)
            fclose(f);
        return 0;
    }
    fclose(f);
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* --- bodies ---------------------------------------------------------------------------- */

struct body {
    char *data;
    size_t len;
};

/* One event of every kind in turn, numbered n. */
static int event(char *out, size_t cap, unsigned long n)
{
    switch (n % 10) {
    case 0:
        return snprintf(out, cap,
                        "{\"type\":\"session_start\",\"session_id\":\"s%lu\",\"agent\":\"planner\","
                        "\"project\":\"p%lu\"}\n",
                        n, n % 8);
    case 1:
        return snprintf(
            out, cap,
            "{\"type\":\"request_start\",\"request_id\":\"r%lu\",\"session_id\":\"s%lu\","
            "\"channel\":\"ws\"}\n",
            n, n - 1);
    case 2:
        return snprintf(out, cap,
                        "{\"type\":\"model_call\",\"provider\":\"vllm\",\"model\":\"Qwen-32B\","
                        "\"latency_ms\":%lu,\"input_tokens\":1200,\"output_tokens\":300,"
                        "\"error\":null,\"session_id\":\"s%lu\"}\n",
                        200 + n % 700, n - 2);
    case 3:
        return snprintf(out, cap,
                        "{\"type\":\"tool_call\",\"tool\":\"tool%lu\",\"session_id\":\"s%lu\","
                        "\"duration_ms\":420,\"status\":\"%s\"}\n",
                        n % 12, n - 3, n % 7 ? "ok" : "error");
    case 4:
        return snprintf(out, cap,
                        "{\"type\":\"request_end\",\"request_id\":\"r%lu\",\"status\":\"ok\"}\n",
                        n - 3);
    case 5:
        return snprintf(out, cap,
                        "{\"type\":\"task_end\",\"task_id\":\"t%lu\",\"project\":\"p%lu\","
                        "\"status\":\"success\",\"duration_ms\":3200}\n",
                        n, n % 8);
    case 6:
        return snprintf(out, cap,
                        "{\"type\":\"event\",\"level\":\"info\",\"source\":\"agent.send\","
                        "\"message\":\"step %lu done\",\"context\":{\"step\":%lu}}\n",
                        n, n);
    case 7:
        return snprintf(out, cap, "{\"type\":\"queue\",\"depth\":%lu}\n", n % 13);
    case 8:
        return snprintf(out, cap, "{\"type\":\"session_end\",\"session_id\":\"s%lu\"}\n", n - 8);
    default:
        return snprintf(out, cap,
                        "{\"type\":\"model_call\",\"model\":\"m\",\"latency_ms\":90,"
                        "\"output_tokens\":20,\"session_id\":\"s%lu\"}\n",
                        n - 9);
    }
}

static struct body make_request(const char *payload, size_t plen)
{
    struct body b;
    char head[256];
    int h = snprintf(head, sizeof head,
                     "POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/x-ndjson\r\nContent-Length: %zu\r\n\r\n",
                     plen);
    b.len = (size_t)h + plen;
    b.data = malloc(b.len);
    if (!b.data)
        die("out of memory");
    memcpy(b.data, head, (size_t)h);
    memcpy(b.data + h, payload, plen);
    return b;
}

static struct body make_batch(unsigned long first)
{
    size_t cap = (size_t)BATCH * 400, len = 0;
    char *p = malloc(cap);
    if (!p)
        die("out of memory");
    for (unsigned i = 0; i < BATCH; i++)
        len += (size_t)event(p + len, cap - len, first + i);
    struct body b = make_request(p, len);
    free(p);
    return b;
}

/* --- the client ------------------------------------------------------------------------ */

struct conn {
    int fd;
    const struct body *req;
    size_t sent;
    char in[65536];
    size_t got;
    bool busy;
};

static int connect_daemon(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)daemon_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        die("cannot connect to the daemon");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* A whole response in c->in: checks it and returns its length, or 0 when incomplete. */
static size_t response(struct conn *c, unsigned expect)
{
    c->in[c->got < sizeof c->in ? c->got : sizeof c->in - 1] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    if (!end)
        return 0;
    char *cl = strcasestr(c->in, "content-length:");
    if (!cl || cl > end)
        die("a response without Content-Length");
    size_t body = (size_t)strtoul(cl + 15, NULL, 10);
    size_t total = (size_t)(end + 4 - c->in) + body;
    if (c->got < total)
        return 0;
    if (strncmp(c->in, "HTTP/1.1 200", 12) != 0) {
        fprintf(stderr, "%.*s\n", (int)total, c->in);
        die("the daemon refused a post");
    }
    char want[48];
    snprintf(want, sizeof want, "{\"accepted\":%u,\"rejected\":0", expect);
    if (!strstr(end + 4, want)) {
        fprintf(stderr, "%.*s\n", (int)total, c->in);
        die("the daemon did not accept every event");
    }
    return total;
}

/* Sends `posts` requests (cycling through reqs) over nconn connections; each carries
 * `per` events. */
static void run(const struct body *reqs, size_t nreqs, unsigned long posts, unsigned per, int nconn)
{
    struct conn *cs = calloc((size_t)nconn, sizeof *cs);
    struct pollfd *pf = calloc((size_t)nconn, sizeof *pf);
    if (!cs || !pf)
        die("out of memory");
    for (int i = 0; i < nconn; i++)
        cs[i].fd = connect_daemon();
    unsigned long started = 0, finished = 0;
    while (finished < posts) {
        for (int i = 0; i < nconn; i++) {
            struct conn *c = &cs[i];
            if (!c->busy && started < posts) {
                c->req = &reqs[started++ % nreqs];
                c->sent = 0;
                c->got = 0;
                c->busy = true;
            }
            pf[i].fd = c->fd;
            pf[i].events = c->busy ? (c->sent < c->req->len ? POLLOUT : POLLIN) : 0;
        }
        if (poll(pf, (nfds_t)nconn, 10000) <= 0)
            die("the daemon stopped answering");
        for (int i = 0; i < nconn; i++) {
            struct conn *c = &cs[i];
            if (pf[i].revents & POLLOUT) {
                ssize_t n =
                    send(c->fd, c->req->data + c->sent, c->req->len - c->sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN)
                    die("send failed");
                if (n > 0)
                    c->sent += (size_t)n;
            }
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = recv(c->fd, c->in + c->got, sizeof c->in - 1 - c->got, 0);
                if (n <= 0 && errno != EAGAIN)
                    die("the daemon closed a connection");
                if (n > 0)
                    c->got += (size_t)n;
                if (response(c, per)) {
                    c->busy = false;
                    finished++;
                }
            }
        }
    }
    for (int i = 0; i < nconn; i++)
        close(cs[i].fd);
    free(cs);
    free(pf);
}

int main(int argc, char **argv)
{
    unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
    const char *bin = argc > 2 ? argv[2] : "build/vigil";
    if (total < (unsigned long)SINGLES + 2 * BATCH)
        die("at least 202000 events, please");
    signal(SIGPIPE, SIG_IGN);
    start_daemon(bin);

    struct body *batches = malloc(BODIES * sizeof *batches);
    struct body *singles = malloc(BODIES * 10 * sizeof *singles);
    if (!batches || !singles)
        die("out of memory");
    for (unsigned i = 0; i < BODIES; i++)
        batches[i] = make_batch((unsigned long)i * BATCH);
    for (unsigned i = 0; i < BODIES * 10; i++) {
        char e[512];
        int n = event(e, sizeof e, 1000000 + i);
        singles[i] = make_request(e, (size_t)n);
    }

    unsigned long batch_posts = (total - SINGLES) / BATCH;
    unsigned long first = 1000000 / BATCH < batch_posts ? 1000000 / BATCH : batch_posts;
    unsigned long second = 5000000 / BATCH < batch_posts ? 5000000 / BATCH - first : 0;
    long rss_start = rss_kib();
    double t0 = now_s(), c0 = cpu_s();
    run(batches, BODIES, first, BATCH, BATCH_CONN);
    long rss_1m = rss_kib();
    run(batches, BODIES, second, BATCH, BATCH_CONN);
    long rss_5m = rss_kib();
    run(batches, BODIES, batch_posts - first - second, BATCH, BATCH_CONN);
    double t1 = now_s(), c1 = cpu_s();
    run(singles, BODIES * 10, SINGLES, 1, SINGLE_CONN);
    double t2 = now_s(), c2 = cpu_s();
    long rss_end = rss_kib();
    unsigned long events = batch_posts * BATCH + SINGLES;

    printf("ingest, NDJSON batches of %d events on %d connections: %.0f events/s (%.2f s of "
           "daemon CPU per million events)\n",
           BATCH, BATCH_CONN, (double)(batch_posts * BATCH) / (t1 - t0),
           (c1 - c0) / ((double)(batch_posts * BATCH) / 1e6));
    printf("ingest, single-event posts on %d connections: %.0f posts/s (%.1f us of daemon CPU "
           "per post)\n",
           SINGLE_CONN, (double)SINGLES / (t2 - t1), (c2 - c1) / SINGLES * 1e6);
    printf("ingest, daemon resident memory: %.1f MiB at start, %.1f MiB after 1M events, ",
           rss_start / 1024.0, rss_1m / 1024.0);
    if (second)
        printf("%.1f MiB after 5M, ", rss_5m / 1024.0);
    printf("%.1f MiB after %.1fM\n", rss_end / 1024.0, (double)events / 1e6);
    kill(daemon_pid, SIGTERM);
    int status;
    waitpid(daemon_pid, &status, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_ingest: cannot remove %s\n", data_dir);
    for (unsigned i = 0; i < BODIES; i++)
        free(batches[i].data);
    for (unsigned i = 0; i < BODIES * 10; i++)
        free(singles[i].data);
    free(batches);
    free(singles);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
