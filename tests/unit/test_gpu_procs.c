/* test_gpu_procs: a GPU process's short name and model, from its own command line or an
 * ancestor's, on the fixture tree gpu/procs/proc; and the cache on a scratch tree. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/gpu_procs.h"
#include "core/err.h"
#include "core/fault.h"

static char procfs[1024];
static struct gpu_procs *P;

static void setup(void)
{
    const char *r = getenv("VIGIL_FIXTURES");
    snprintf(procfs, sizeof procfs, "%s/gpu/procs/proc", r && *r ? r : "tests/fixtures");
    P = gpu_procs_new(procfs);
    cr_assert(P);
}

static void teardown(void)
{
    gpu_procs_free(P);
}

static struct gpu_process look(uint32_t pid)
{
    struct gpu_process p = {.pid = pid};
    int rc = gpu_procs_read(P, pid, &p);
    cr_assert(rc == 0 || rc == -VIGIL_ENOENT);
    return p;
}

TestSuite(gpu_procs, .init = setup, .fini = teardown);

Test(gpu_procs, vllm_server_names_its_model)
{
    struct gpu_process p = look(1000);
    cr_assert_str_eq(p.comm, "vllm");
    cr_assert_str_eq(p.model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
}

Test(gpu_procs, vllm_workers_take_the_model_from_their_parent)
{
    struct gpu_process p = look(1001);
    cr_assert_str_eq(p.comm, "VLLM::Worker_TP"); /* comm is cut at 15 by the kernel */
    cr_assert_str_eq(p.model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
    p = look(1002); /* a title set with setproctitle */
    cr_assert_str_eq(p.model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
}

Test(gpu_procs, sglang_llamacpp_tgi)
{
    struct gpu_process p = look(2000);
    cr_assert_str_eq(p.comm, "python3");
    cr_assert_str_eq(p.model, "meta-llama/Llama-3.1-8B-Instruct");
    p = look(3000);
    cr_assert_str_eq(p.comm, "llama-server");
    cr_assert_str_eq(p.model, "qwen2.5-7b-instruct-q4_k_m.gguf");
    p = look(5000);
    cr_assert_str_eq(p.model, "bigscience/bloom-560m");
    p = look(7100);
    cr_assert_str_eq(p.model, "mistralai/Mixtral-8x7B-v0.1");
}

Test(gpu_procs, local_paths_keep_only_their_name)
{
    struct gpu_process p = look(6000);
    cr_assert_str_eq(p.model, "Mistral-7B-Instruct-v0.3");
}

Test(gpu_procs, process_without_a_model)
{
    struct gpu_process p = look(4000);
    cr_assert_str_eq(p.comm, "python3");
    cr_assert_str_eq(p.model, "");
}

Test(gpu_procs, ancestors_are_followed_eight_levels_up)
{
    cr_assert_str_eq(look(6108).model, "deep/chain-model"); /* 8 levels below the server */
    cr_assert_str_eq(look(6109).model, "");                 /* 9: beyond the bound */
    cr_assert_str_eq(look(6110).model, "");
    cr_assert_str_eq(look(6110).comm, "worker");
}

Test(gpu_procs, comm_with_parentheses_and_spaces)
{
    struct gpu_process p = look(7000);
    cr_assert_str_eq(p.comm, "my (odd) proc");
    cr_assert_str_eq(p.model, "meta-llama/Llama-3.1-8B-Instruct"); /* its parent, SGLang */
}

Test(gpu_procs, missing_process_and_pid_zero)
{
    struct gpu_process p = {.pid = 99999, .comm = "stale"};
    cr_assert_eq(gpu_procs_read(P, 99999, &p), -VIGIL_ENOENT);
    cr_assert_str_eq(p.comm, "");
    cr_assert_str_eq(p.model, "");
    cr_assert_eq(gpu_procs_read(P, 0, &p), -VIGIL_ENOENT);
    p.pid = 0;
    gpu_procs_fill(P, &p);
    cr_assert_str_eq(p.comm, "");
}

Test(gpu_procs, fill_uses_the_fixture_too)
{
    gpu_procs_begin(P, 1000);
    struct gpu_process p = {.pid = 1001};
    gpu_procs_fill(P, &p);
    cr_assert_str_eq(p.model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
    struct gpu_process q = {.pid = 1001}; /* the same pid on a second GPU, same cycle */
    gpu_procs_fill(P, &q);
    cr_assert_str_eq(q.model, p.model);
    cr_assert_str_eq(q.comm, p.comm);
}

/* --- the cache, on a scratch tree whose files the test rewrites ------------------------- */

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write '%s'", path);
    fwrite(data, 1, len, f);
    fclose(f);
}

static void make_proc(const char *root, unsigned pid, const char *comm, const char *cmdline,
                      size_t len)
{
    char dir[1100], stat[128];
    snprintf(dir, sizeof dir, "%s/%u", root, pid);
    mkdir(dir, 0755);
    write_file(dir, "comm", comm, strlen(comm));
    write_file(dir, "cmdline", cmdline, len);
    int n = snprintf(stat, sizeof stat, "%u (%s) S 1 0 0 0\n", pid, comm);
    write_file(dir, "stat", stat, (size_t)n);
}

static char root[64];
static struct gpu_procs *C;

static void cache_setup(void)
{
    snprintf(root, sizeof root, "/tmp/vigil-gpu-procs-XXXXXX");
    cr_assert(mkdtemp(root));
    make_proc(root, 42, "srv\n", "vllm\0serve\0first/model\0", 23);
    C = gpu_procs_new(root);
    cr_assert(C);
}

static void cache_teardown(void)
{
    gpu_procs_free(C);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

static const int64_t S = 1000000000LL;

static struct gpu_process fill(uint32_t pid)
{
    struct gpu_process p = {.pid = pid};
    gpu_procs_fill(C, &p);
    return p;
}

static void rename_model(void)
{
    make_proc(root, 42, "srv2\n", "vllm\0serve\0second/model\0", 24);
}

TestSuite(gpu_procs_cache, .init = cache_setup, .fini = cache_teardown);

Test(gpu_procs_cache, kept_while_seen_every_cycle)
{
    gpu_procs_begin(C, 1 * S);
    cr_assert_str_eq(fill(42).model, "first/model");
    rename_model();
    for (int i = 2; i < 10; i++) {
        gpu_procs_begin(C, i * S);
        struct gpu_process p = fill(42);
        cr_assert_str_eq(p.model, "first/model");
        cr_assert_str_eq(p.comm, "srv");
    }
    struct gpu_process fresh = {.pid = 42};
    cr_assert_eq(gpu_procs_read(C, 42, &fresh), 0);
    cr_assert_str_eq(fresh.model, "second/model");
}

Test(gpu_procs_cache, read_again_after_the_ttl)
{
    gpu_procs_begin(C, 1 * S);
    fill(42);
    rename_model();
    gpu_procs_begin(C, 1 * S + GPU_PROCS_TTL_NS + 1);
    struct gpu_process p = fill(42);
    cr_assert_str_eq(p.model, "second/model");
    cr_assert_str_eq(p.comm, "srv2");
}

Test(gpu_procs_cache, forgotten_when_a_cycle_skips_it)
{
    gpu_procs_begin(C, 1 * S);
    fill(42);
    rename_model();
    gpu_procs_begin(C, 2 * S); /* 42 not on any GPU this cycle */
    gpu_procs_begin(C, 3 * S);
    cr_assert_str_eq(fill(42).model, "second/model");
}

Test(gpu_procs_cache, gone_process_is_cached_empty)
{
    gpu_procs_begin(C, 1 * S);
    cr_assert_str_eq(fill(77).comm, "");
    make_proc(root, 77, "late\n", "x\0", 2);
    gpu_procs_begin(C, 2 * S);
    cr_assert_str_eq(fill(77).comm, ""); /* the same pid, still the same process */
}

Test(gpu_procs_cache, more_pids_than_slots_are_looked_up_uncached)
{
    for (int cycle = 1; cycle <= 3; cycle++) {
        gpu_procs_begin(C, cycle * S);
        for (uint32_t pid = 100000; pid < 100000 + GPU_PROCS_SLOTS + 50; pid++)
            cr_assert_str_eq(fill(pid).comm, "");
        struct gpu_process p = fill(42);
        cr_assert_str_eq(p.model, "first/model");
    }
}

Test(gpu_procs_cache, out_of_memory_at_creation)
{
    for (long n = 0; n < 4; n++) {
        fault_fail_alloc_after(n);
        struct gpu_procs *c = gpu_procs_new(root);
        fault_fail_alloc_after(-1);
        gpu_procs_free(c); /* NULL or a working cache: either is fine, no leak */
    }
}
