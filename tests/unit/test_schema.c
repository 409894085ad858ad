/* schema: migrations from nothing and from each older version, a database newer than the
 * binary refused untouched, another program's database refused. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "persist/schema.h"

static sqlite3 *mem(void)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    return db;
}

static bool has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                    -1, &st, NULL),
                 SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

Test(schema, a_new_database_gets_every_table)
{
    sqlite3 *db = mem();
    cr_assert_eq(schema_version(db), 0);
    char err[256] = "";
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(schema_version(db), SCHEMA_VERSION);
    const char *tables[] = {"meta",        "series", "rollups",     "rollups_coarse", "events",
                            "model_calls", "tasks",  "alert_state", "alert_events"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        cr_assert(has_table(db, tables[i]), "no table %s", tables[i]);
    /* again: nothing to do */
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, err, sizeof err), 0);
    sqlite3_close(db);
}

Test(schema, each_older_version_migrates_and_keeps_its_rows)
{
    for (int from = 1; from < SCHEMA_VERSION; from++) {
        sqlite3 *db = mem();
        cr_assert_eq(schema_migrate(db, from, NULL, NULL, 0), 0);
        cr_assert_eq(schema_version(db), from);
        cr_assert_eq(sqlite3_exec(db,
                                  "INSERT INTO series(name, unit) VALUES('cpu.overall_utilization',"
                                  " 'percent'); INSERT INTO rollups VALUES(1, 100, 1, 2, 3, 4)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
        cr_assert(!has_table(db, "alert_state"));
        char err[256] = "";
        cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, err, sizeof err), 0, "%s", err);
        cr_assert_eq(schema_version(db), SCHEMA_VERSION);
        cr_assert(has_table(db, "alert_state"));
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT avg, n FROM rollups WHERE series = 1 AND ts = 100", -1, &st,
                           NULL);
        cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
        cr_assert_eq(sqlite3_column_double(st, 0), 2);
        cr_assert_eq(sqlite3_column_int(st, 1), 4);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
}

Test(schema, a_newer_database_is_refused_and_left_alone)
{
    sqlite3 *db = mem();
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, NULL, 0), 0);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", SCHEMA_VERSION + 1);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_exec(db, "CREATE TABLE from_the_future(x)", NULL, NULL, NULL);
    char err[256] = "";
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, err, sizeof err), -VIGIL_ERANGE);
    cr_assert(strstr(err, "newer than this vigil knows"), "%s", err);
    char want[32];
    snprintf(want, sizeof want, "version %d", SCHEMA_VERSION + 1);
    cr_assert(strstr(err, want), "%s", err);
    cr_assert_eq(schema_version(db), SCHEMA_VERSION + 1);
    cr_assert(has_table(db, "from_the_future"));
    /* no transaction left open */
    cr_assert(sqlite3_get_autocommit(db));
    sqlite3_close(db);
}

Test(schema, another_programs_database_is_refused)
{
    sqlite3 *db = mem();
    sqlite3_exec(db, "PRAGMA application_id=1234; CREATE TABLE theirs(x)", NULL, NULL, NULL);
    char err[256] = "";
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, err, sizeof err), -VIGIL_EINVAL);
    cr_assert(strstr(err, "not a vigil database"), "%s", err);
    cr_assert_eq(schema_version(db), 0);
    cr_assert(!has_table(db, "series"));
    sqlite3_close(db);
}

Test(schema, a_failing_migration_leaves_the_old_version)
{
    sqlite3 *db = mem();
    cr_assert_eq(schema_migrate(db, 1, NULL, NULL, 0), 0);
    /* a table in the way of migration 2 */
    sqlite3_exec(db, "CREATE TABLE events(x)", NULL, NULL, NULL);
    int src = 0;
    char err[256] = "";
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, &src, err, sizeof err), -VIGIL_EIO);
    cr_assert_neq(src, SQLITE_OK);
    cr_assert(strstr(err, "cannot migrate"), "%s", err);
    cr_assert_eq(schema_version(db), 1);
    cr_assert(!has_table(db, "alert_state"));
    cr_assert(sqlite3_get_autocommit(db));
    sqlite3_close(db);
}
