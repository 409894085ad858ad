/*
 * prom: writing the Prometheus text exposition format (version 0.0.4). A family is opened
 * with its HELP and TYPE once, then its samples follow; label values are escaped as the
 * format requires (backslash, double quote, newline). Non-finite values are written as
 * NaN/+Inf/-Inf, which the format allows.
 */
#ifndef VIGIL_PROM_H
#define VIGIL_PROM_H

#include <stdint.h>

#include "core/buf.h"

/* "# HELP name help\n# TYPE name type\n". type: "gauge", "counter", ... */
int prom_family(struct buf *b, const char *name, const char *type, const char *help);

/* One sample: name{k1="v1",k2="v2"} value. labels is a NULL-terminated list of key, value
 * pairs (NULL itself for none). */
int prom_sample(struct buf *b, const char *name, const char *const *labels, double value);
/* The same for integer values, written exactly. */
int prom_sample_u64(struct buf *b, const char *name, const char *const *labels, uint64_t value);

/* Appends a label value escaped for the exposition format. */
int prom_escape_label(struct buf *b, const char *value);

#endif
