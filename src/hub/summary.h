/*
 * summary: what a hub shows of a node at a glance, read from the documents the node
 * serves (/health, /api/v1/gpus, /api/v1/inference, /api/v1/agents, /api/v1/alerts).
 * Pure: bytes in, figures out, no I/O, so it is tested and fuzzed alone. The documents
 * come from another machine: each is depth-checked before jansson parses it, and a
 * document that is not what it should be leaves its figures unknown (never zero).
 */
#ifndef VIGIL_HUB_SUMMARY_H
#define VIGIL_HUB_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

struct jsonw;

#define SUMMARY_GPUS     16 /* GPUs listed one by one; the count goes on beyond */
#define SUMMARY_TEXT_MAX 64

struct summary_gpu {
    unsigned index;
    char name[SUMMARY_TEXT_MAX];
    bool has_utilization, has_temperature, has_memory;
    double utilization;               /* percent */
    double temperature;               /* celsius */
    double memory_used, memory_total; /* bytes */
};

struct node_summary {
    char version[SUMMARY_TEXT_MAX]; /* "" unknown */
    char health[16];                /* /health's status: "ok", "degraded"; "" unknown */
    bool has_gpus;
    unsigned gpus; /* count */
    unsigned n_gpu;
    struct summary_gpu gpu[SUMMARY_GPUS];
    bool has_gpu_utilization, has_gpu_temperature;
    double gpu_utilization;     /* mean over the GPUs that give it, percent */
    double gpu_temperature_max; /* celsius */
    bool has_tokens, has_waiting;
    double tokens_per_sec;   /* generation, summed over the inference targets up */
    double requests_waiting; /* the inference queues, summed */
    bool has_sessions;
    unsigned active_sessions;
    bool has_alerts;
    unsigned firing_alerts;
};

/* Empties s: every figure unknown. */
void summary_clear(struct node_summary *s);

/* Each reads one document (doc, len: the body as received) into its part of s. 0, or
 * -VIGIL_EINVAL when the document is not the JSON it should be (that part stays unknown). */
int summary_read_health(struct node_summary *s, const char *doc, size_t len);
int summary_read_gpus(struct node_summary *s, const char *doc, size_t len);
int summary_read_inference(struct node_summary *s, const char *doc, size_t len);
int summary_read_agents(struct node_summary *s, const char *doc, size_t len);
int summary_read_alerts(struct node_summary *s, const char *doc, size_t len);

/* {"gpus", "gpu_utilization", "gpu_temperature_max", "gpu_list": [{"index", "name",
 * "utilization", "temperature", "memory_used", "memory_total"}], "tokens_per_sec",
 * "requests_waiting", "active_sessions", "firing_alerts", "health"}; null where unknown. */
void summary_encode(const struct node_summary *s, struct jsonw *w);

#endif
