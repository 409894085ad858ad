/* Which process serves an inference target: listening sockets read from /proc/net/tcp and
 * tcp6 (tests/fixtures/listen/proc/net), the process holding one (the fixture's
 * /proc/<pid>/fd links), and the table through which the GPU thread names that process's
 * model on its GPUs, ahead of the command line (on the gpu/procs fixture). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/gpu_procs.h"
#include "collect/listen_owner.h"
#include "collect/target_models.h"
#include "parse/proc_net_tcp.h"

static void fixture(char *out, size_t n, const char *rel)
{
    const char *r = getenv("VIGIL_FIXTURES");
    snprintf(out, n, "%s/%s", r && *r ? r : "tests/fixtures", rel);
}

static char *slurp(const char *rel, size_t *len)
{
    char path[1024];
    fixture(path, sizeof path, rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char text[65536];
    *len = fread(text, 1, sizeof text, f);
    fclose(f);
    return text;
}

Test(proc_net_tcp, listeners_on_a_port_and_nothing_else)
{
    size_t len;
    const char *tcp = slurp("listen/proc/net/tcp", &len);
    uint64_t in[8];
    /* 8000: the LISTEN line, and one with only the ten fields that matter; not the
     * established or closing ones, not one without an inode, not a 3-digit port, not the
     * last line, which has no newline (cut short) */
    cr_assert_eq(proc_net_tcp_listeners(tcp, len, 8000, in, 8), 2);
    cr_expect_eq(in[0], 41001);
    cr_expect_eq(in[1], 41098);
    cr_assert_eq(proc_net_tcp_listeners(tcp, len, 9199, in, 8), 1);
    cr_expect_eq(in[0], 41002);
    cr_expect_eq(proc_net_tcp_listeners(tcp, len, 53924, in, 8), 0, "a client port");
    cr_expect_eq(proc_net_tcp_listeners(tcp, len, 8000, in, 1), 2, "counted beyond max");
    cr_expect_eq(in[0], 41001);
    const char *tcp6 = slurp("listen/proc/net/tcp6", &len);
    cr_assert_eq(proc_net_tcp_listeners(tcp6, len, 30000, in, 8), 1);
    cr_expect_eq(in[0], 42001);
    cr_assert_eq(proc_net_tcp_listeners(tcp6, len, 8000, in, 8), 1, "31 hex digits: skipped");
    cr_expect_eq(in[0], 41003);
    cr_expect_eq(proc_net_tcp_listeners("", 0, 8000, in, 8), 0);
    cr_expect_eq(proc_net_tcp_listeners("header only\n", 12, 8000, in, 8), 0);
}

Test(listen_owner, the_lowest_pid_holding_the_socket_or_the_hint)
{
    char procfs[1024];
    fixture(procfs, sizeof procfs, "listen/proc");
    cr_expect_eq(listen_owner_find(procfs, 8000, 0), 100, "100 and its worker 101 share it");
    cr_expect_eq(listen_owner_find(procfs, 8000, 101), 101, "a hint still holding it stands");
    cr_expect_eq(listen_owner_find(procfs, 8000, 300), 100, "a wrong hint is walked past");
    cr_expect_eq(listen_owner_find(procfs, 30000, 0), 200, "over IPv6");
    cr_expect_eq(listen_owner_find(procfs, 9199, 0), 0, "nobody visible holds it");
    cr_expect_eq(listen_owner_find(procfs, 1, 0), 0, "nothing listens there");
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/nope", procfs);
    cr_expect_eq(listen_owner_find(missing, 8000, 0), 0);
}

Test(target_models, set_find_and_clear)
{
    struct target_models *tm = target_models_new();
    cr_assert_not_null(tm);
    char model[160];
    cr_expect_not(target_models_find(tm, 100, model, sizeof model));
    target_models_set(tm, 0, 100, "meta-llama/Llama-3.1-8B-Instruct");
    target_models_set(tm, 3, 200, "Qwen/Qwen2.5-7B");
    cr_assert(target_models_find(tm, 200, model, sizeof model));
    cr_expect_str_eq(model, "Qwen/Qwen2.5-7B");
    target_models_set(tm, 0, 100, ""); /* the target went down or names no model */
    cr_expect_not(target_models_find(tm, 100, model, sizeof model));
    target_models_set(tm, TARGET_MODELS_MAX, 5, "ignored");
    cr_expect_not(target_models_find(tm, 5, model, sizeof model));
    cr_expect_not(target_models_find(NULL, 200, model, sizeof model));
    target_models_free(tm);
}

/* The GPU side: a vLLM worker (1002) whose parent (1000) the scraper found listening gets
 * the served model's name from the target, not the path-derived one from the command line. */
Test(target_models, the_gpu_thread_prefers_the_served_model)
{
    char procfs[1024];
    fixture(procfs, sizeof procfs, "gpu/procs/proc");
    struct gpu_procs *p = gpu_procs_new(procfs);
    struct target_models *tm = target_models_new();
    cr_assert(p && tm);
    gpu_procs_set_models(p, tm);
    struct gpu_process proc = {.pid = 1002};
    cr_assert_eq(gpu_procs_read(p, 1002, &proc), 0);
    cr_expect_str_eq(proc.model, "Qwen/Qwen2.5-32B-Instruct-AWQ", "from the command line");
    target_models_set(tm, 0, 1000, "qwen-32b-awq-prod");
    cr_assert_eq(gpu_procs_read(p, 1002, &proc), 0);
    cr_expect_str_eq(proc.model, "qwen-32b-awq-prod", "from the target on the parent's port");
    cr_assert_eq(gpu_procs_read(p, 6100, &proc), 0);
    cr_expect_str_eq(proc.model, "deep/chain-model", "other processes keep theirs");
    gpu_procs_free(p);
    target_models_free(tm);
}
