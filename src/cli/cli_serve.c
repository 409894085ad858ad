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

#include "agents/live.h"
#include "alert/evaluator.h"
#include "alert/notifier.h"
#include "api/api.h"
#include "api/http.h"
#include "cli/cli.h"
#include "cli/serve_hub.h"
#include "cli/serve_history.h"
#include "collect/gpu_pids.h"
#include "collect/gpu_sampler.h"
#include "collect/logtail.h"
#include "collect/run_usage.h"
#include "collect/sampler.h"
#include "collect/scraper.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "persist/restore.h"
#include "store/board.h"
#include "store/store.h"
#include "stream/streams.h"

static const char usage[] =
    "Runs the vigil daemon: collects metrics every interval and serves them over HTTP\n"
    "(GET /health, /api/v1/system, /api/v1/gpus, /api/v1/history, /api/v1/series,\n"
    "/api/v1/alerts, /api/v1/inference, /api/v1/cluster, /api/v1/agents, /api/v1/events,\n"
    "/api/v1/requests, /metrics), takes agent events (POST /api/v1/ingest, [logfile]\n"
    "sections) and raises alerts.\n"
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
            .save = ctx->persist ? persist_alert_save : NULL, /* history on disk */
            .save_arg = ctx->persist,
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

/* Agent telemetry: the figures on the loop, the runs measured by their own thread, the log
 * files followed by theirs. */
struct agents_side {
    struct gpu_pids *gpu_pids; /* written by the GPU thread, read by run_usage */
    struct run_usage *usage;
    struct logtail *tail;
    struct agents_live *live;
};

static void agents_second(void *arg)
{
    agents_live_tick(arg, clock_real_ms());
}

static void agents_wake(void *arg)
{
    agents_live_drain(arg, clock_real_ms());
}

static int agents_side_new(struct agents_side *as, const struct config *cfg, struct api_ctx *ctx,
                           struct http_server *srv)
{
    struct run_usage_opts uo = {
        .procfs = cfg->procfs,
        .period_ms = 1000,
        .max_runs = cfg->agents.max_projects,
        .gpus = as->gpu_pids,
    };
    as->usage = run_usage_new(&uo);
    struct logtail_file_opts files[LOGTAIL_MAX_FILES];
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->logfiles.n && n < LOGTAIL_MAX_FILES; i++) {
        const struct logfile_conf *lc = &cfg->logfiles.files[i];
        if (lc->enabled)
            files[n++] = (struct logtail_file_opts){lc->name, lc->path, lc->max_line_bytes};
    }
    struct logtail_opts to = {files, n, 100, 0, http_server_wake, srv};
    as->tail = n ? logtail_new(&to) : NULL;
    struct agents_live_opts lo = {cfg, ctx->store, ctx->streams, as->usage, as->tail};
    as->live = as->usage && (as->tail || !n) ? agents_live_new(&lo, clock_real_ms()) : NULL;
    if (!as->live)
        return -VIGIL_ENOMEM;
    ctx->agents = as->live;
    http_server_every_second(srv, agents_second, as->live);
    http_server_on_wake(srv, agents_wake, as->live);
    return 0;
}

static int agents_side_start(struct agents_side *as)
{
    int rc = run_usage_start(as->usage);
    return rc || !as->tail ? rc : logtail_start(as->tail);
}

/* The threads first (they wake the loop and read the GPU table); the loop's part once the
 * server is gone. */
static void agents_side_stop(struct agents_side *as)
{
    logtail_free(as->tail);
    run_usage_free(as->usage);
    as->tail = NULL;
    as->usage = NULL;
}

/* [agents] limits of one body apply at once; table sizes, times and [logfile] sections
 * need a restart. */
static void agents_reload(const struct config *live, const struct config *next,
                          struct agents_live *al)
{
    const struct agents_conf *a = &live->agents, *b = &next->agents;
    if (a->max_sessions != b->max_sessions || a->max_requests != b->max_requests ||
        a->max_projects != b->max_projects || a->max_tools != b->max_tools ||
        a->idle_ms != b->idle_ms || a->stale_ms != b->stale_ms)
        log_warn("config", "[agents] table sizes, idle_expiry and stale change only on restart; "
                           "keeping the running values");
    if (!logfile_conf_same(&live->logfiles, &next->logfiles))
        log_warn("config", "[logfile] sections change only on restart; keeping the running "
                           "files");
    if (al)
        agents_live_reconfigure(al, next);
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

static void reload(int argc, char **argv, struct config *live, struct http_server *srv,
                   struct agents_live *al)
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
        {"data_dir", offsetof(struct config, data_dir), sizeof next.data_dir},
        {"persist", offsetof(struct config, persist), sizeof next.persist},
        {"rollup_interval", offsetof(struct config, rollup_ms), sizeof next.rollup_ms},
        {"retention", offsetof(struct config, retention_ms), sizeof next.retention_ms},
        {"events_retention", offsetof(struct config, events_retention_ms),
         sizeof next.events_retention_ms},
        {"tasks_retention", offsetof(struct config, tasks_retention_ms),
         sizeof next.tasks_retention_ms},
    };
    for (size_t i = 0; i < sizeof restart_only / sizeof restart_only[0]; i++) {
        if (memcmp((char *)live + restart_only[i].off, (char *)&next + restart_only[i].off,
                   restart_only[i].size) != 0)
            log_warn("config", "'%s' changes only on restart; keeping the running value",
                     restart_only[i].name);
    }
    serve_hub_reload(live, &next);
    if (!target_conf_same(&live->targets, &next.targets))
        log_warn("config", "[inference] and [cluster] sections change only on restart; keeping "
                           "the running targets");
    if (alerts_differ(live, &next))
        log_warn("config", "[alert] and [notify] sections change only on restart; keeping the "
                           "running rules");
    agents_reload(live, &next, al);
    live->agents.max_events = next.agents.max_events;
    live->agents.max_depth = next.agents.max_depth;
    live->agents.max_id_bytes = next.agents.max_id_bytes;
    live->agents.max_text_bytes = next.agents.max_text_bytes;
    live->agents.max_context_bytes = next.agents.max_context_bytes;
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
    struct agents_side agents = {.gpu_pids = gpu_pids_new()};
    go.pids = agents.gpu_pids;
    struct gpu_sampler *gpu =
        store && models && agents.gpu_pids ? gpu_sampler_new(&go, store, &board) : NULL;
    /* before any thread starts: it initialises libcurl */
    struct scraper *scraper = store ? scraper_new(cfg, store, &board) : NULL;
    if (scraper)
        scraper_set_models(scraper, models);
    struct api_ctx ctx = {.cfg = cfg, .store = store, .board = &board};
    struct http_server *srv = NULL;
    struct alerting alerting = {0};
    struct serve_hub hub = {0};
    struct serve_history history = {0};
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
    /* before the alerts and the agents: they save to it, and get back what it saved */
    if (serve_history_start(&history, cfg, store, &ctx) < 0) {
        log_error("serve", "cannot start the history writer");
        goto out;
    }
    if (alerting_new(&alerting, cfg, &ctx) < 0) {
        log_error("serve", "cannot set up alerts");
        goto out;
    }
    if (agents_side_new(&agents, cfg, &ctx, srv) < 0) {
        log_error("serve", "out of memory at start-up");
        goto out;
    }
    if (serve_hub_new(&hub, cfg, &ctx, srv) < 0) {
        log_error("serve", "cannot set up the hub");
        goto out;
    }
    serve_history_restore(&history, agents.live, alerting.ev);
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
    int agents_rc = rc || gpu_rc || scrape_rc || alert_rc ? 0 : agents_side_start(&agents);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc || gpu_rc || scrape_rc || alert_rc || agents_rc) {
        log_error("serve", "cannot start the %s thread",
                  rc          ? "sampler"
                  : gpu_rc    ? "GPU"
                  : scrape_rc ? "scraper"
                  : alert_rc  ? "alert"
                              : "agent runs or log file");
        goto out;
    }
    if (serve_hub_start(&hub) < 0) {
        log_error("serve", "cannot start the hub thread");
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
            reload(argc, argv, cfg, srv, agents.live);
        }
    }
    log_info("serve", "stopping");
    status = 0;
out:
    /* the evaluator first: it reads the store and posts to the streams of the server; then
     * the notifier, which drops and counts what is still queued */
    alert_evaluator_free(alerting.ev);
    notifier_free(alerting.nt);
    agents_side_stop(&agents); /* they wake the loop and read the GPU table */
    sampler_free(sampler); /* stops and joins the thread first */
    gpu_sampler_free(gpu); /* the same; then closes the GPU libraries */
    /* cancels the transfers in flight, then joins */
    scraper_free(scraper);
    target_models_free(models); /* both its users are joined */
    gpu_pids_free(agents.gpu_pids); /* the same */
    serve_hub_stop(&hub, &ctx); /* the thread wakes the server, whose loop relays to it */
    atomic_store(&signal_server, NULL);
    http_server_free(srv);
    serve_hub_free(&hub);
    ctx.agents = NULL;
    agents_live_free(agents.live);
    /* every producer is gone: the writer writes what is queued, then the store may go */
    serve_history_stop(&history, &ctx);
    board_release(&board);
    store_free(store);
    free(cfg);
    return status;
}
