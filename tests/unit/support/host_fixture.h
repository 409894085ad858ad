/*
 * host_fixture: fixture trees for the host collector tests. A multi-step case keeps one
 * folder per reading (t0/, t1/, ...); host_fixture_stage() makes a scratch tree match
 * one of them, rewriting files in place (same inode), because collectors keep their
 * files open and read them again from offset 0.
 */
#ifndef VIGIL_TEST_HOST_FIXTURE_H
#define VIGIL_TEST_HOST_FIXTURE_H

#include <stddef.h>

#include "collect/collector.h"

#define HOST_FIXTURE_PATH 1024

/* $VIGIL_FIXTURES, or "tests/fixtures" when it is not set. */
const char *host_fixture_root(void);
/* Writes "<root>/host/<rel>" into out (HOST_FIXTURE_PATH bytes). */
void host_fixture_path(char *out, const char *rel);
/* Reads a whole fixture file ("two_core/t0/proc/stat") into a new buffer of exactly its
 * size, with no NUL after it, so that an over-read trips ASan; free() it. */
char *host_fixture_load(const char *rel, size_t *len);
/* Copies n bytes of s into a new buffer of exactly n bytes; free() it. */
char *host_fixture_exact(const char *s, size_t n);

/* Creates an empty scratch folder under /tmp into out (HOST_FIXTURE_PATH bytes). */
void host_fixture_mkdtemp(char *out);
/* Makes dir mirror host/<name> of the fixtures: files rewritten in place, folders and
 * links created, anything the fixture lacks removed. */
void host_fixture_stage(const char *dir, const char *name);
/* Writes text to dir/rel in place, creating the folders on the way. */
void host_fixture_write(const char *dir, const char *rel, const char *text);
/* Removes dir/rel. */
void host_fixture_remove(const char *dir, const char *rel);
/* Removes a scratch tree. */
void host_fixture_rmtree(const char *dir);

/* Fills env with dir/proc and dir/sys; the strings live in the caller's buffers. */
void host_fixture_env(struct collector_env *env, const char *dir, char *procfs, char *sysfs);

#endif
