/*
 * cmdline_model: recognise the serving program from argv[0] (or the script or module python
 * runs), then look for the option that program takes its model from. Arguments are slices
 * of the caller's bytes; nothing is allocated.
 */
#include "parse/cmdline_model.h"

#include <stdbool.h>
#include <string.h>

struct arg {
    const char *p;
    size_t len;
};

struct argv {
    struct arg a[CMDLINE_MAX_ARGS];
    size_t n;
};

enum server {
    SERVER_OTHER,
    SERVER_VLLM,
    SERVER_SGLANG,
    SERVER_LLAMACPP,
    SERVER_TGI_LAUNCHER,
    SERVER_TGI_SHARD
};

static void split(const char *s, size_t len, char sep, struct argv *v)
{
    size_t i = 0;
    while (i < len && v->n < CMDLINE_MAX_ARGS) {
        size_t j = i;
        while (j < len && s[j] != sep && s[j] != '\0')
            j++;
        if (j > i || sep == '\0')
            v->a[v->n++] = (struct arg){s + i, j - i};
        i = j + 1;
    }
}

/* A trailing NUL ends the last argument rather than starting an empty one. */
static void tokenize(const char *s, size_t len, struct argv *v)
{
    v->n = 0;
    while (len > 0 && s[len - 1] == '\0')
        len--;
    if (len == 0)
        return;
    split(s, len, '\0', v);
    /* setproctitle() and friends leave one argument holding the whole line. */
    if (v->n == 1 && memchr(v->a[0].p, ' ', v->a[0].len)) {
        struct arg whole = v->a[0];
        v->n = 0;
        split(whole.p, whole.len, ' ', v);
    }
}

static bool arg_is(const struct arg *a, const char *s)
{
    size_t n = strlen(s);
    return a->len == n && memcmp(a->p, s, n) == 0;
}

static bool arg_starts(const struct arg *a, const char *s)
{
    size_t n = strlen(s);
    return a->len >= n && memcmp(a->p, s, n) == 0;
}

/* The last path component, trailing slashes ignored. */
static struct arg base_name(struct arg a)
{
    while (a.len > 1 && a.p[a.len - 1] == '/')
        a.len--;
    if (a.len == 1 && a.p[0] == '/')
        return (struct arg){a.p, 0};
    size_t i = a.len;
    while (i > 0 && a.p[i - 1] != '/')
        i--;
    return (struct arg){a.p + i, a.len - i};
}

static bool is_python(struct arg prog)
{
    struct arg b = base_name(prog);
    return arg_starts(&b, "python") || arg_starts(&b, "pypy");
}

static enum server server_of_name(struct arg name)
{
    struct arg b = base_name(name);
    if (arg_is(&b, "vllm") || arg_starts(&b, "vllm."))
        return SERVER_VLLM;
    if (arg_starts(&b, "sglang"))
        return SERVER_SGLANG;
    if (arg_is(&b, "text-generation-launcher"))
        return SERVER_TGI_LAUNCHER;
    if (arg_is(&b, "text-generation-server"))
        return SERVER_TGI_SHARD;
    if (arg_starts(&b, "llama-") || arg_is(&b, "llama-server") || arg_is(&b, "server"))
        return SERVER_LLAMACPP;
    return SERVER_OTHER;
}

/* Which program this is, and where its own arguments start (after the interpreter and the
 * script or module, for python). */
static enum server identify(const struct argv *v, size_t *first)
{
    *first = 1;
    if (v->n == 0)
        return SERVER_OTHER;
    if (!is_python(v->a[0]))
        return server_of_name(v->a[0]);
    for (size_t i = 1; i < v->n; i++) {
        const struct arg *a = &v->a[i];
        if (arg_is(a, "-m") && i + 1 < v->n) {
            *first = i + 2;
            return server_of_name(v->a[i + 1]);
        }
        if (arg_is(a, "-c"))
            return SERVER_OTHER;
        if ((arg_is(a, "-X") || arg_is(a, "-W")) && i + 1 < v->n) {
            i++; /* an interpreter option with a value */
            continue;
        }
        if (a->len > 0 && a->p[0] != '-') {
            *first = i + 1;
            return server_of_name(*a); /* a script: /usr/local/bin/vllm */
        }
    }
    return SERVER_OTHER;
}

/* The value of --name VALUE or --name=VALUE, searching from index first. */
static bool option_value(const struct argv *v, size_t first, const char *name, struct arg *out)
{
    size_t n = strlen(name);
    for (size_t i = first; i < v->n; i++) {
        const struct arg *a = &v->a[i];
        if (arg_is(a, name)) {
            if (i + 1 < v->n) {
                *out = v->a[i + 1];
                return true;
            }
            return false;
        }
        if (a->len > n && memcmp(a->p, name, n) == 0 && a->p[n] == '=') {
            *out = (struct arg){a->p + n + 1, a->len - n - 1};
            return true;
        }
    }
    return false;
}

/* The argument right after a "serve" subcommand, when it is not an option. */
static bool serve_positional(const struct argv *v, size_t first, struct arg *out)
{
    for (size_t i = first; i + 1 < v->n; i++) {
        if (arg_is(&v->a[i], "serve")) {
            const struct arg *m = &v->a[i + 1];
            if (m->len == 0 || m->p[0] == '-')
                return false;
            *out = *m;
            return true;
        }
        if (v->a[i].len > 0 && v->a[i].p[0] == '-')
            return false;
    }
    return false;
}

static bool has_suffix(struct arg a, const char *s)
{
    size_t n = strlen(s);
    return a.len >= n && memcmp(a.p + a.len - n, s, n) == 0;
}

/* A local path rather than a hub id: absolute or relative to ., .. or ~, more than one
 * slash, or a weights file. "org/name" is a hub id and stays whole. */
static bool is_local_path(struct arg a)
{
    if (a.p[0] == '/' || a.p[0] == '~' || arg_starts(&a, "./") || arg_starts(&a, "../"))
        return true;
    size_t slashes = 0;
    for (size_t i = 0; i < a.len; i++)
        slashes += a.p[i] == '/';
    if (slashes > 1)
        return true;
    static const char *const exts[] = {".gguf", ".bin", ".safetensors", ".pt", ".pth", ".onnx"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (has_suffix(a, exts[i]))
            return true;
    return false;
}

static size_t emit(struct arg a, bool file, char *out, size_t n)
{
    if (n == 0)
        return 0;
    out[0] = '\0';
    if (a.len == 0 || a.p[0] == '-')
        return 0; /* "--model" followed by another option: no value */
    if (file || is_local_path(a))
        a = base_name(a);
    if (a.len == 0 || (a.len == 1 && a.p[0] == '.') ||
        (a.len == 2 && a.p[0] == '.' && a.p[1] == '.'))
        return 0;
    size_t k = a.len;
    if (k > CMDLINE_MODEL_MAX)
        k = CMDLINE_MODEL_MAX;
    if (k > n - 1)
        k = n - 1;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)a.p[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[k] = '\0';
    return k;
}

static bool generic(const struct argv *v, size_t first, struct arg *m)
{
    return option_value(v, first, "--model", m) || option_value(v, first, "--model-path", m) ||
           option_value(v, first, "--model-id", m);
}

size_t cmdline_model(const char *cmdline, size_t len, char *out, size_t n)
{
    struct argv v; /* 4 KiB of slices, no copies */
    if (n > 0)
        out[0] = '\0';
    if (!cmdline || n == 0)
        return 0;
    tokenize(cmdline, len, &v);
    size_t first;
    enum server s = identify(&v, &first);
    struct arg m;
    switch (s) {
    case SERVER_VLLM:
        if (serve_positional(&v, first, &m) || option_value(&v, first, "--model", &m))
            return emit(m, false, out, n);
        break;
    case SERVER_SGLANG:
        if (option_value(&v, first, "--model-path", &m) || option_value(&v, first, "--model", &m))
            return emit(m, false, out, n);
        break;
    case SERVER_LLAMACPP:
        if (option_value(&v, first, "-m", &m) || option_value(&v, first, "--model", &m))
            return emit(m, true, out, n);
        if (option_value(&v, first, "-hf", &m) || option_value(&v, first, "-hfr", &m) ||
            option_value(&v, first, "--hf-repo", &m))
            return emit(m, false, out, n);
        break;
    case SERVER_TGI_LAUNCHER:
        if (option_value(&v, first, "--model-id", &m))
            return emit(m, false, out, n);
        break;
    case SERVER_TGI_SHARD:
        if (serve_positional(&v, first, &m))
            return emit(m, false, out, n);
        break;
    case SERVER_OTHER:
        break;
    }
    if (generic(&v, first, &m))
        return emit(m, false, out, n);
    return 0;
}
