/* listen_owner: the process behind a listening port (see the header). */
#include "collect/listen_owner.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "parse/proc_net_tcp.h"

#define MAX_INODES 16
/* A busy host has tens of thousands of connections at ~150 bytes a line. */
#define TABLE_MAX ((size_t)32 << 20)

static unsigned table_inodes(const char *procfs, const char *name, uint16_t port, uint64_t *inodes,
                             unsigned have)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/net/%s", procfs, name) >= (int)sizeof path)
        return have;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return have;
    struct buf b;
    buf_init(&b, TABLE_MAX);
    char chunk[16384];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (buf_add(&b, chunk, (size_t)n) < 0)
            break;
    close(fd);
    if (b.len)
        have += proc_net_tcp_listeners(b.data, b.len, port, inodes + have, MAX_INODES - have);
    buf_release(&b);
    return have > MAX_INODES ? MAX_INODES : have;
}

/* True when pid has a descriptor on one of the n sockets. */
static bool holds(const char *procfs, uint32_t pid, const uint64_t *inodes, unsigned n)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%u/fd", procfs, pid) >= (int)sizeof path)
        return false;
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char link[PATH_MAX], target[64];
        if (snprintf(link, sizeof link, "%s/%s", path, e->d_name) >= (int)sizeof link)
            continue;
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len < 9 || memcmp(target, "socket:[", 8) != 0)
            continue;
        target[len] = '\0';
        char *end = NULL;
        unsigned long long inode = strtoull(target + 8, &end, 10);
        if (end == target + 8 || *end != ']')
            continue;
        for (unsigned i = 0; i < n && !found; i++)
            found = inodes[i] == inode;
    }
    closedir(d);
    return found;
}

static bool pid_name(const char *s, uint32_t *pid)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > UINT32_MAX / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *pid = (uint32_t)v;
    return v > 0;
}

uint32_t listen_owner_find(const char *procfs, uint16_t port, uint32_t hint)
{
    uint64_t inodes[MAX_INODES];
    unsigned n = table_inodes(procfs, "tcp", port, inodes, 0);
    n = table_inodes(procfs, "tcp6", port, inodes, n);
    if (n == 0)
        return 0;
    /* A server keeps its pid: the last answer, still holding the socket, stands. */
    if (hint && holds(procfs, hint, inodes, n))
        return hint;
    DIR *d = opendir(procfs);
    if (!d)
        return 0;
    uint32_t best = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint32_t pid;
        if (!pid_name(e->d_name, &pid) || (best && pid >= best))
            continue;
        if (holds(procfs, pid, inodes, n))
            best = pid;
    }
    closedir(d);
    return best;
}
