/* proc_meminfo: /proc/meminfo to bytes. The kernel writes every figure we use in kB (KiB);
 * a used key without that unit is treated as a malformed file rather than guessed at. */
#include "parse/proc_meminfo.h"

#include <string.h>

#include "core/err.h"
#include "parse/proc_lex.h"

enum key {
    K_MEM_TOTAL,
    K_MEM_FREE,
    K_MEM_AVAILABLE,
    K_BUFFERS,
    K_CACHED,
    K_SWAP_TOTAL,
    K_SWAP_FREE,
    K_COUNT
};

static const char *const key_names[K_COUNT] = {
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree",
};

static int find_key(const struct proc_lex *name)
{
    for (int k = 0; k < K_COUNT; k++)
        if (proc_lex_eq(name, key_names[k]))
            return k;
    return -1;
}

/* "   16318748 kB" to bytes. */
static int parse_kib(struct proc_lex *rest, uint64_t *bytes)
{
    struct proc_lex num, unit, extra;
    uint64_t kib;
    if (!proc_lex_token(rest, &num) || !proc_lex_token(rest, &unit) ||
        proc_lex_token(rest, &extra) || !proc_lex_eq(&unit, "kB"))
        return -VIGIL_EINVAL;
    int rc = proc_lex_u64(&num, &kib);
    if (rc != 0)
        return rc;
    if (kib > UINT64_MAX / 1024)
        return -VIGIL_ERANGE;
    *bytes = kib * 1024;
    return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int proc_meminfo_parse(const char *data, size_t len, struct proc_meminfo *out)
{
    uint64_t v[K_COUNT] = {0};
    bool seen[K_COUNT] = {false};
    struct proc_lex lx, line, name;

    proc_lex_init(&lx, data, len);
    while (proc_lex_line(&lx, &line)) {
        if (!proc_lex_split(&line, ':', &name))
            continue;
        int k = find_key(&name);
        if (k < 0 || seen[k])
            continue;
        int rc = parse_kib(&line, &v[k]);
        if (rc != 0)
            return rc;
        seen[k] = true;
    }
    /* A swap total without its free figure (or the reverse) is a cut file: reporting all of
     * swap as used would be a guess. */
    if (!seen[K_MEM_TOTAL] || (!seen[K_MEM_AVAILABLE] && !seen[K_MEM_FREE]) ||
        seen[K_SWAP_TOTAL] != seen[K_SWAP_FREE])
        return -VIGIL_EINVAL;

    memset(out, 0, sizeof *out);
    out->mem_total = v[K_MEM_TOTAL];
    out->mem_free = v[K_MEM_FREE];
    out->buffers = v[K_BUFFERS];
    out->cached = v[K_CACHED];
    out->available_estimated = !seen[K_MEM_AVAILABLE];
    out->mem_available = seen[K_MEM_AVAILABLE]
                             ? v[K_MEM_AVAILABLE]
                             : sat_add(sat_add(v[K_MEM_FREE], v[K_BUFFERS]), v[K_CACHED]);
    if (out->mem_available > out->mem_total)
        out->mem_available = out->mem_total;
    out->swap_total = v[K_SWAP_TOTAL];
    out->swap_free = v[K_SWAP_FREE] > v[K_SWAP_TOTAL] ? v[K_SWAP_TOTAL] : v[K_SWAP_FREE];
    return 0;
}

uint64_t proc_meminfo_ram_used(const struct proc_meminfo *m)
{
    return m->mem_total - m->mem_available;
}

uint64_t proc_meminfo_swap_used(const struct proc_meminfo *m)
{
    return m->swap_total - m->swap_free;
}
