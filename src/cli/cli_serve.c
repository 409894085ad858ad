/*
 * cli_serve: `vigil serve`, the daemon. Threads: this one runs the libwebsockets loop and
 * owns every socket and the API state; the sampler thread collects host metrics and the GPU
 * thread GPU metrics, and both hand them over through the board. The alert evaluator reads
 * the store and publishes alert state the same way, and the notifier thread delivers what
 * it queues. Signals are taken on this thread only (the others block them): SIGTERM/SIGINT
 * stop, SIGHUP reloads what can change without a restart.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/evaluator.h"
#include "alert/notifier.h"
#include "api/api.h"
#include "api/http.h"
#include "cli/cli.h"
#include "collect/gpu_sampler.h"
#include "collect/sampler.h"
#include "collect/scraper.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "store/board.h"
#include "store/store.h"
#include "stream/streams.h"

static const char usage[] =
    "Runs the vigil daemon: collects metrics every interval and serves them over HTTP\n"
    "(GET /health, /api/v1/system, /api/v1/gpus, /api/v1/history, /api/v1/series,\n"
    "/api/v1/alerts, /api/v1/inference, /api/v1/cluster, /metrics) and raises alerts.\n"
    "SIGHUP reloads the configuration; the token, limits and log level apply at once.";

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static _Atomic(struct http_server *) signal_server;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
    http_server_wake(atomic_load(&signal_server));
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Threads started while these are blocked inherit the mask, so signals reach this one. */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

/* The alert threads: the evaluator reads the store every interval and queues what the
 * notifier thread delivers. */
struct alerting {
    struct notifier *nt; /* NULL when no notifier is configured */
    struct alert_evaluator *ev;
};

static int post_alert(void *arg, const char *channel, const char *method, const char *data,
                      size_t len)
{
    return streams_post(arg, channel, method, data, len);
}

/* Rules and notifiers were checked by cli_load_config; this builds and wires them. */
static int alerting_new(struct alerting *a, const struct config *cfg, struct api_ctx *ctx)
{
    char err[CONFIG_ERR_MAX];
    struct alert_rules *rules = malloc(sizeof *rules);
    int rc = rules ? alert_rules_build(cfg, rules, err, sizeof err) : -VIGIL_ENOMEM;
    if (rc == -VIGIL_EINVAL)
        log_error("alert", "%s", err);
    if (!rc && rules->n_notifiers)
        a->nt = notifier_new(rules->notifiers, rules->n_notifiers, NULL);
    if (!rc && (a->nt || !rules->n_notifiers)) {
        struct alert_evaluator_opts eo = {
            .interval_ms = cfg->interval_ms,
            .hostname = ctx->hostname,
            .post = ctx->streams ? post_alert : NULL,
            .post_arg = ctx->streams,
        };
        a->ev =
            alert_evaluator_new(rules->rules, rules->n_rules, ctx->store, ctx->board, a->nt, &eo);
    }
    if (!rc && !a->ev)
        rc = -VIGIL_ENOMEM;
    if (!rc)
        log_info("alert", "%u rule%s, %u notifier%s", rules->n_rules,
                 rules->n_rules == 1 ? "" : "s", rules->n_notifiers,
                 rules->n_notifiers == 1 ? "" : "s");
    free(rules);
    return rc;
}

/* Rules and notifiers are built once: a reload that changes them says so. */
static bool alerts_differ(const struct config *a, const struct config *b)
{
    struct alert_rules *ra = calloc(1, sizeof *ra), *rb = calloc(1, sizeof *rb);
    bool differ = ra && rb &&
                  (alert_rules_build(a, ra, NULL, 0) < 0 || alert_rules_build(b, rb, NULL, 0) < 0 ||
                   !alert_rules_equal(ra, rb));
    free(ra);
    free(rb);
    return differ;
}

static void reload(int argc, char **argv, struct config *live, struct http_server *srv)
{
    struct config next;
    if (cli_load_config("serve", usage, argc, argv, &next, NULL) != 0) {
        log_error("config", "reload failed; keeping the running configuration");
        return;
    }
    static const struct {
        const char *name;
        size_t off, size;
    } restart_only[] = {
        {"listen", offsetof(struct config, listen_host), sizeof next.listen_host},
        {"interval", offsetof(struct config, interval_ms), sizeof next.interval_ms},
        {"history", offsetof(struct config, history_ms), sizeof next.history_ms},
        {"procfs", offsetof(struct config, procfs), sizeof next.procfs},
        {"sysfs", offsetof(struct config, sysfs), sizeof next.sysfs},
        {"nvml_path", offsetof(struct config, nvml_path), sizeof next.nvml_path},
        {"max_series", offsetof(struct config, max_series), sizeof next.max_series},
        {"max_header_bytes", offsetof(struct config, max_header_bytes),
         sizeof next.max_header_bytes},
    };
    for (size_t i = 0; i < sizeof restart_only / sizeof restart_only[0]; i++) {
        if (memcmp((char *)live + restart_only[i].off, (char *)&next + restart_only[i].off,
                   restart_only[i].size) != 0)
            log_warn("config", "'%s' changes only on restart; keeping the running value",
                     restart_only[i].name);
    }
    if (!target_conf_same(&live->targets, &next.targets))
        log_warn("config", "[inference] and [cluster] sections change only on restart; keeping "
                           "the running targets");
    if (alerts_differ(live, &next))
        log_warn("config", "[alert] and [notify] sections change only on restart; keeping the "
                           "running rules");
    memcpy(live->token, next.token, sizeof live->token);
    live->allow_public = next.allow_public;
    live->max_connections = next.max_connections;
    live->max_body_bytes = next.max_body_bytes;
    live->log_level = next.log_level;
    log_set_level(live->log_level);
    http_server_reconfigure(srv, live);
    log_info("config", "reloaded");
}

int cli_serve(int argc, char **argv)
{
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "vigil: out of memory\n");
        return 1;
    }
    int rc = cli_load_config("serve", usage, argc, argv, cfg, NULL);
    if (rc) {
        free(cfg);
        return rc < 0 ? 0 : rc;
    }
    log_set_level(cfg->log_level);

    int status = 1;
    struct board board;
    board_init(&board);
    struct store *store = store_new(cfg->max_series);
    struct sampler_opts so = {
        .env = {.procfs = cfg->procfs, .sysfs = cfg->sysfs},
        .interval_ms = cfg->interval_ms,
        .history_ms = cfg->history_ms,
    };
    struct sampler *sampler = store ? sampler_new(&so, store, &board) : NULL;
    struct gpu_sampler_opts go = {
        .env = so.env,
        .nvml_path = cfg->nvml_path[0] ? cfg->nvml_path : NULL,
        .interval_ms = cfg->interval_ms,
        .history_ms = cfg->history_ms,
    };
    /* which local process serves which model: the scraper finds out, the GPU thread reads */
    struct target_models *models = target_models_new();
    go.models = models;
    struct gpu_sampler *gpu = store && models ? gpu_sampler_new(&go, store, &board) : NULL;
    /* before any thread starts: it initialises libcurl */
    struct scraper *scraper = store ? scraper_new(cfg, store, &board) : NULL;
    if (scraper)
        scraper_set_models(scraper, models);
    struct api_ctx ctx = {.cfg = cfg, .store = store, .board = &board};
    struct http_server *srv = NULL;
    struct alerting alerting = {0};
    if (!sampler || !gpu || !scraper) {
        log_error("serve", "out of memory at start-up");
        goto out;
    }
    /* One cycle before serving, so the first request already has a snapshot. */
    sampler_cycle(sampler);
    board_collect(&board);

    ctx.start_ms = clock_real_ms();
    ctx.start_mono_ns = clock_mono_ns();
    if (gethostname(ctx.hostname, sizeof ctx.hostname - 1) != 0)
        snprintf(ctx.hostname, sizeof ctx.hostname, "localhost");
    char err[512];
    srv = http_server_new(&ctx, cfg, err, sizeof err);
    if (!srv) {
        log_error("serve", "%s", err);
        goto out;
    }
    board_set_wake(&board, http_server_wake, srv);
    atomic_store(&signal_server, srv);
    install_signals();
    if (alerting_new(&alerting, cfg, &ctx) < 0) {
        log_error("serve", "cannot set up alerts");
        goto out;
    }
    /* One evaluation before serving, so /api/v1/alerts answers from the first request. */
    alert_evaluator_cycle(alerting.ev, clock_real_ms());
    board_collect(&board);

    sigset_t old;
    block_signals(&old);
    rc = sampler_start(sampler);
    /* The GPU thread's first cycle opens the GPU libraries and runs at once: the first
     * requests may see the GPUs as "starting", never wait for a driver. */
    int gpu_rc = rc ? 0 : gpu_sampler_start(gpu);
    /* the scraper's first polls start at once; until they end, targets read "starting" */
    int scrape_rc = rc || gpu_rc ? 0 : scraper_start(scraper);
    int alert_rc = rc || gpu_rc || scrape_rc ? 0 : alert_evaluator_start(alerting.ev);
    if (!alert_rc && alerting.nt && !rc && !gpu_rc && !scrape_rc)
        alert_rc = notifier_start(alerting.nt);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc || gpu_rc || scrape_rc || alert_rc) {
        log_error("serve", "cannot start the %s thread",
                  rc          ? "sampler"
                  : gpu_rc    ? "GPU"
                  : scrape_rc ? "scraper"
                              : "alert");
        goto out;
    }
    log_info("serve", "vigil %s listening on http://%s%s%s:%d/ (interval %lldms, history %llds%s)",
             VIGIL_VERSION, strchr(cfg->listen_host, ':') ? "[" : "", cfg->listen_host,
             strchr(cfg->listen_host, ':') ? "]" : "", http_server_port(srv),
             (long long)cfg->interval_ms, (long long)(cfg->history_ms / 1000),
             cfg->token[0] ? ", token required" : "");

    while (!stop_requested) {
        if (http_server_service(srv) < 0) {
            log_error("serve", "event loop failed");
            goto out;
        }
        if (reload_requested) {
            reload_requested = 0;
            reload(argc, argv, cfg, srv);
        }
    }
    log_info("serve", "stopping");
    status = 0;
out:
    /* the evaluator first: it reads the store and posts to the streams of the server; then
     * the notifier, which drops and counts what is still queued */
    alert_evaluator_free(alerting.ev);
    notifier_free(alerting.nt);
    sampler_free(sampler); /* stops and joins the thread first */
    gpu_sampler_free(gpu); /* the same; then closes the GPU libraries */
    /* cancels the transfers in flight, then joins */
    scraper_free(scraper);
    target_models_free(models); /* both its users are joined */
    atomic_store(&signal_server, NULL);
    http_server_free(srv);
    board_release(&board);
    store_free(store);
    free(cfg);
    return status;
}
