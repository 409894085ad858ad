/*
 * fuzz_node_summary: the documents a hub reads from a node come from another machine.
 * Feeds `size` bytes to each summary reader as its document, then checks that the
 * summary written from whatever was read is valid JSON with its figures finite.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "hub/summary.h"

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    struct node_summary s;
    summary_clear(&s);
    summary_read_health(&s, doc, size);
    summary_read_gpus(&s, doc, size);
    summary_read_inference(&s, doc, size);
    summary_read_agents(&s, doc, size);
    summary_read_alerts(&s, doc, size);
    check(s.n_gpu <= SUMMARY_GPUS && s.n_gpu <= s.gpus);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct jsonw w;
    jw_init(&w, &b);
    summary_encode(&s, &w);
    check(w.err == 0);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    check(j != NULL && json_is_object(j));
    json_decref(j);
    buf_release(&b);
    return 0;
}
