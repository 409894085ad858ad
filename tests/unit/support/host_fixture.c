/* host_fixture: scratch copies of fixture trees (see host_fixture.h). Failures abort the
 * test through Criterion, so callers need not check. */
#include "host_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *host_fixture_root(void)
{
    const char *r = getenv("VIGIL_FIXTURES");
    return r && *r ? r : "tests/fixtures";
}

void host_fixture_path(char *out, const char *rel)
{
    int n = snprintf(out, HOST_FIXTURE_PATH, "%s/host/%s", host_fixture_root(), rel);
    cr_assert(n > 0 && n < HOST_FIXTURE_PATH, "fixture path too long");
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    size_t got;
    while ((got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            data = realloc(data, cap *= 2);
        cr_assert(data);
    }
    fclose(f);
    /* Shrink to exactly n bytes so ASan sees a read one past the end. */
    char *exact = host_fixture_exact(data, n);
    free(data);
    *len = n;
    return exact;
}

char *host_fixture_load(const char *rel, size_t *len)
{
    char path[HOST_FIXTURE_PATH];
    host_fixture_path(path, rel);
    return read_all(path, len);
}

char *host_fixture_exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    cr_assert(p);
    if (n)
        memcpy(p, s, n);
    return p;
}

void host_fixture_mkdtemp(char *out)
{
    snprintf(out, HOST_FIXTURE_PATH, "/tmp/vigil-host-XXXXXX");
    cr_assert(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

static void join(char *out, const char *a, const char *b)
{
    int n = snprintf(out, HOST_FIXTURE_PATH, "%s/%s", a, b);
    cr_assert(n > 0 && n < HOST_FIXTURE_PATH, "path too long");
}

/* In place: fopen "w" truncates the existing inode rather than replacing it. */
static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write '%s': %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void host_fixture_rmtree(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return;
    cr_assert_eq(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0, "cannot remove '%s'", dir);
}

static void copy_in(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    cr_assert(d, "cannot open '%s': %s", src, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char s[HOST_FIXTURE_PATH], t[HOST_FIXTURE_PATH];
        struct stat st, tst;
        join(s, src, e->d_name);
        join(t, dst, e->d_name);
        cr_assert_eq(lstat(s, &st), 0);
        bool exists = lstat(t, &tst) == 0;
        if (S_ISDIR(st.st_mode)) {
            if (exists && !S_ISDIR(tst.st_mode))
                host_fixture_rmtree(t);
            if (!exists || !S_ISDIR(tst.st_mode))
                cr_assert_eq(mkdir(t, 0755), 0);
            copy_in(s, t);
        } else if (S_ISLNK(st.st_mode)) {
            char target[HOST_FIXTURE_PATH];
            ssize_t n = readlink(s, target, sizeof target - 1);
            cr_assert(n > 0);
            target[n] = '\0';
            if (exists)
                host_fixture_rmtree(t);
            cr_assert_eq(symlink(target, t), 0);
        } else {
            if (exists && !S_ISREG(tst.st_mode))
                host_fixture_rmtree(t);
            size_t n;
            char *data = read_all(s, &n);
            write_file(t, data, n);
            free(data);
        }
    }
    closedir(d);
}

/* Removes from dst whatever src does not have. */
static void prune(const char *src, const char *dst)
{
    DIR *d = opendir(dst);
    cr_assert(d, "cannot open '%s': %s", dst, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char s[HOST_FIXTURE_PATH], t[HOST_FIXTURE_PATH];
        struct stat st, tst;
        join(s, src, e->d_name);
        join(t, dst, e->d_name);
        if (lstat(s, &st) != 0)
            host_fixture_rmtree(t);
        else if (S_ISDIR(st.st_mode) && lstat(t, &tst) == 0 && S_ISDIR(tst.st_mode))
            prune(s, t);
    }
    closedir(d);
}

void host_fixture_stage(const char *dir, const char *name)
{
    char src[HOST_FIXTURE_PATH];
    host_fixture_path(src, name);
    copy_in(src, dir);
    prune(src, dir);
}

static void make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0755) != 0)
            cr_assert_eq(errno, EEXIST, "cannot create '%s': %s", path, strerror(errno));
        *p = '/';
    }
}

void host_fixture_write(const char *dir, const char *rel, const char *text)
{
    char path[HOST_FIXTURE_PATH];
    join(path, dir, rel);
    make_parents(path);
    write_file(path, text, strlen(text));
}

void host_fixture_remove(const char *dir, const char *rel)
{
    char path[HOST_FIXTURE_PATH];
    join(path, dir, rel);
    host_fixture_rmtree(path);
}

void host_fixture_env(struct collector_env *env, const char *dir, char *procfs, char *sysfs)
{
    join(procfs, dir, "proc");
    join(sysfs, dir, "sys");
    env->procfs = procfs;
    env->sysfs = sysfs;
}
