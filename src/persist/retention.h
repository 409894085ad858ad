/*
 * retention: how long each kind of record is kept, enforced in small deletes. One step
 * removes at most `budget` rows, oldest first within each table, in one short transaction,
 * so a week of backlog (a retention shortened, a machine that was off) drains over many
 * steps and never holds the writer for long. Rollups are deleted series by series through
 * their primary key (series, ts), with a cursor that carries on where the last step ended.
 */
#ifndef VIGIL_PERSIST_RETENTION_H
#define VIGIL_PERSIST_RETENTION_H

#include <stdint.h>

struct sqlite3;

enum retain_kind {
    RETAIN_ROLLUPS, /* rollups, coarse rollups */
    RETAIN_EVENTS,  /* agent events, model calls, alert history and settled alert states */
    RETAIN_TASKS,   /* task outcomes */
    RETAIN_NKINDS
};

struct retention {
    int64_t keep_ms[RETAIN_NKINDS]; /* > 0 */
    int64_t series_cursor;          /* the next series id whose rollups are looked at */
};

/* The oldest time kept of kind k at now_ms: rows before it are due for deletion. */
int64_t retention_cutoff(const struct retention *r, enum retain_kind k, int64_t now_ms);

/*
 * Deletes at most budget rows that are older than their kind's cutoff at now_ms. Returns
 * the rows deleted (fewer than budget: nothing more is due right now, once every series has
 * been looked at), or a negative code with *sqlite_rc set (the transaction is rolled back).
 */
int retention_step(struct retention *r, struct sqlite3 *db, int64_t now_ms, int budget,
                   int *sqlite_rc);

#endif
