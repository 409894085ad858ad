/*
 * config: vigil's settings and where they come from. Precedence, lowest first: built-in
 * defaults, the INI file (--config FILE or VIGIL_CONFIG), environment variables (VIGIL_*),
 * command-line flags. Every option is described once, in one table (config.c), which
 * gives its INI section and key, its variable, its flag, its type and its help line; the
 * parsers, the --help text and check-config all read that table.
 *
 * Errors name where the bad value came from, in git's style, no full stop:
 *   "/etc/vigil.ini:12: unknown key 'intervl' in section [collect]"
 *   "VIGIL_INTERVAL: bad duration '2x' (use e.g. 500ms, 2s, 1m, 1h)"
 *   "--listen: bad address 'x' (use HOST:PORT)"
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "config/agent_config.h"
#include "config/alert_config.h"
#include "config/node_config.h"
#include "config/target_config.h"
#include "core/log.h"

#define CONFIG_PATH_MAX 512
/* In-memory history per series: 1 day at 1 s, about 1.4 MiB. */
#define CONFIG_MAX_HISTORY_SAMPLES 86400
#define CONFIG_ERR_MAX  512

struct config {
    /* [server] */
    char listen_host[256]; /* "127.0.0.1", "::1", "0.0.0.0", a name */
    int listen_port;       /* 0 picks a free port (the log says which) */
    char token[256];       /* empty: no authentication */
    bool allow_public;     /* allow a non-loopback listen address without a token */
    unsigned max_connections;
    unsigned max_header_bytes; /* request line plus headers */
    size_t max_body_bytes;
    enum log_level log_level;
    char data_dir[CONFIG_PATH_MAX];

    /* [collect] */
    int64_t interval_ms;
    char procfs[CONFIG_PATH_MAX];
    char sysfs[CONFIG_PATH_MAX];
    char nvml_path[CONFIG_PATH_MAX]; /* the NVML library to load; "": the default names */

    /* [history] */
    int64_t history_ms; /* the in-memory window */
    unsigned max_series;
    bool persist;                /* history on disk (src/persist) */
    int64_t rollup_ms;           /* the rollup period on disk */
    int64_t retention_ms;        /* rollups */
    int64_t events_retention_ms; /* agent events, model calls, alert history */
    int64_t tasks_retention_ms;  /* task outcomes */

    /* [alert "NAME"], [notify "NAME"]: as written, checked by src/alert/rules.c */
    struct alert_conf alerts;

    /* [inference "NAME"], [cluster "NAME"]: the endpoints the scraper polls */
    struct target_conf targets;

    /* [agents]: limits of agent telemetry */
    struct agents_conf agents;

    /* [logfile "NAME"]: NDJSON files of agent events to follow */
    struct logfile_confs logfiles;

    /* [node "NAME"]: the other vigil daemons this one watches as a hub */
    struct node_confs nodes;

    /* [stream] */
    int64_t ping_interval_ms;  /* WebSocket ping; a client silent for two is closed */
    char allowed_origins[512]; /* comma-separated Origins allowed on /ws; "" same host only */
    unsigned queue_frames;     /* per stream client */
    int64_t stuck_timeout_ms;  /* a client whose queue stays full this long is dropped */
    size_t max_message_bytes;  /* largest WebSocket message from a client */

    /* where the values came from */
    char config_path[CONFIG_PATH_MAX]; /* the INI file read, or "" */
};

/* Fills c with the built-in defaults (listen 127.0.0.1:9400, interval 2s, history 1h, data
 * directory under $XDG_STATE_HOME or ~/.local/state, /proc, /sys, ...). */
void config_defaults(struct config *c);

/* Reads an INI file into c. 0, or a negative error with the message in err. Every loader
 * leaves c unchanged on error, so a failed reload keeps the values in use. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* The same from text in memory; `name` stands for the file name in messages. */
int config_load_string(struct config *c, const char *text, const char *name, char *err,
                       size_t errlen);

/* Applies VIGIL_* variables, looked up through getenv_fn (getenv in the daemon). */
int config_load_env(struct config *c, const char *(*getenv_fn)(const char *name), char *err,
                    size_t errlen);

/* Applies one long flag ("listen", without dashes) with its value (NULL for a flag without
 * one, such as --allow-public). -VIGIL_ENOENT when the flag is not a config option. */
int config_apply_flag(struct config *c, const char *flag, const char *value, char *err,
                      size_t errlen);
/* True when the config flag takes a value. -1 when it is not a config flag. */
int config_flag_takes_value(const char *flag);

/* Checks the combination: a non-loopback listen address without a token and without
 * allow_public is refused, sizes and counts in range. */
int config_validate(const struct config *c, char *err, size_t errlen);

/* Writes the option list for --help (flag, variable, default, help), one per line. */
void config_print_options(FILE *out);
/* Writes the effective configuration as INI (token masked), for check-config. */
void config_print(const struct config *c, FILE *out);

/* Value parsers, exposed for reuse and tests. Each returns 0 or -VIGIL_EINVAL/-ERANGE. */
int config_parse_duration_ms(const char *s, int64_t *ms); /* 500ms 2s 1m 1h 1d 1h30m */
int config_parse_size(const char *s, size_t *bytes);      /* 1024, 64K, 16M, 1G, 16MiB; K=KB=KiB */
int config_parse_bool(const char *s, bool *v);            /* true/false yes/no on/off 1/0 */
int config_parse_uint(const char *s, unsigned *v);
/* "127.0.0.1:9400", "[::1]:9400", "localhost:9400", ":9400" (loopback) */
int config_parse_listen(const char *s, char *host, size_t hostlen, int *port);
/* True for 127.0.0.0/8, ::1, "localhost". */
bool config_host_is_loopback(const char *host);

#endif
