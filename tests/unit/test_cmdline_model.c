/* test_cmdline_model: the model name in a server's command line. The table of start-ups is
 * the data file gpu/cmdline/cases.txt; the raw-bytes edge cases are here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cmdline_model.h"

static const char *fixtures(void)
{
    const char *r = getenv("VIGIL_FIXTURES");
    return r && *r ? r : "tests/fixtures";
}

/* Runs cmdline_model on exactly len bytes in a buffer of exactly that size, so that a read
 * past the end trips ASan. */
static size_t model_of(const char *bytes, size_t len, char *out, size_t n)
{
    char *copy = malloc(len ? len : 1);
    cr_assert(copy);
    memcpy(copy, bytes, len);
    size_t r = cmdline_model(copy, len, out, n);
    free(copy);
    return r;
}

static void check_case(const char *expected, const char *argv, size_t len, int line)
{
    char out[CMDLINE_MODEL_MAX + 1];
    size_t r = model_of(argv, len, out, sizeof out);
    cr_expect_str_eq(out, expected, "case at line %d: got '%s', want '%s'", line, out, expected);
    cr_expect_eq(r, strlen(out), "case at line %d: length", line);
}

Test(cmdline_model, cases_file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/gpu/cmdline/cases.txt", fixtures());
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open '%s'", path);
    char line[1024], expected[256] = "", argv[8192];
    size_t len = 0;
    int n_cases = 0, lineno = 0, start = 0;
    bool in_case = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!in_case) {
            if (line[0] == '>') {
                const char *e = line[1] == ' ' ? line + 2 : line + 1;
                size_t el = strlen(e);
                cr_assert_lt(el, sizeof expected);
                memcpy(expected, e, el + 1);
                in_case = true;
                len = 0;
                start = lineno;
            }
            continue;
        }
        if (line[0] == '\0') {
            check_case(expected, argv, len, start);
            n_cases++;
            in_case = false;
            continue;
        }
        if (line[0] == '#')
            continue;
        size_t l = strlen(line);
        cr_assert(len + l + 1 <= sizeof argv);
        memcpy(argv + len, line, l + 1); /* with its NUL, as /proc gives it */
        len += l + 1;
    }
    if (in_case) {
        check_case(expected, argv, len, start);
        n_cases++;
    }
    fclose(f);
    cr_assert_geq(n_cases, 20, "only %d cases read", n_cases);
}

#define ARGS(s) s, sizeof(s) - 1

Test(cmdline_model, without_trailing_nul)
{
    char out[CMDLINE_MODEL_MAX + 1];
    cr_assert_eq(model_of(ARGS("vllm\0serve\0org/m"), out, sizeof out), 5);
    cr_assert_str_eq(out, "org/m");
}

Test(cmdline_model, title_rewritten_into_one_string)
{
    char out[CMDLINE_MODEL_MAX + 1];
    model_of(ARGS("python3 -m vllm.entrypoints.openai.api_server --model mistralai/Mixtral-8x7B "
                  "--port 8001\0"),
             out, sizeof out);
    cr_assert_str_eq(out, "mistralai/Mixtral-8x7B");
}

Test(cmdline_model, empty_arguments_and_empty_input)
{
    char out[CMDLINE_MODEL_MAX + 1];
    cr_assert_eq(model_of(ARGS(""), out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(model_of(ARGS("\0\0\0"), out, sizeof out), 0);
    cr_assert_eq(model_of(ARGS("x\0\0--model\0\0"), out, sizeof out), 0); /* an empty value */
    cr_assert_eq(model_of(ARGS("x\0--model=\0"), out, sizeof out), 0);
    cr_assert_eq(cmdline_model(NULL, 0, out, sizeof out), 0);
    cr_assert_str_eq(out, "");
}

Test(cmdline_model, only_the_name_leaves)
{
    char out[CMDLINE_MODEL_MAX + 1];
    model_of(ARGS("vllm\0serve\0/home/alice/secret-project/models/llama-3-8b\0--api-key\0sk-1\0"),
             out, sizeof out);
    cr_assert_str_eq(out, "llama-3-8b");
    model_of(ARGS("x\0--model\0/\0"), out, sizeof out);
    cr_assert_str_eq(out, "");
    model_of(ARGS("x\0--model\0../\0"), out, sizeof out);
    cr_assert_str_eq(out, "");
    model_of(ARGS("x\0--model\0~/models/phi-3//\0"), out, sizeof out);
    cr_assert_str_eq(out, "phi-3");
    model_of(ARGS("x\0--model\0a/b/c\0"), out, sizeof out);
    cr_assert_str_eq(out, "c");
    model_of(ARGS("x\0--model\0weights.safetensors\0"), out, sizeof out);
    cr_assert_str_eq(out, "weights.safetensors");
}

Test(cmdline_model, unprintable_bytes_are_replaced)
{
    char out[CMDLINE_MODEL_MAX + 1];
    model_of(ARGS("x\0--model\0org/m\x01\xff\x7fx\0"), out, sizeof out);
    cr_assert_str_eq(out, "org/m???x");
}

Test(cmdline_model, long_names_are_cut)
{
    char argv[600], out[CMDLINE_MODEL_MAX + 1];
    size_t len = 0;
    memcpy(argv, "x\0--model\0", 10);
    len = 10;
    memset(argv + len, 'a', 300);
    len += 300;
    cr_assert_eq(model_of(argv, len, out, sizeof out), CMDLINE_MODEL_MAX);
    cr_assert_eq(strlen(out), CMDLINE_MODEL_MAX);

    char small[5];
    cr_assert_eq(model_of(argv, len, small, sizeof small), 4);
    cr_assert_str_eq(small, "aaaa");
    char one[1] = {'z'};
    cr_assert_eq(model_of(argv, len, one, sizeof one), 0);
    cr_assert_eq(one[0], '\0');
    cr_assert_eq(model_of(argv, len, one, 0), 0);
}

Test(cmdline_model, many_arguments_are_bounded)
{
    /* More arguments than CMDLINE_MAX_ARGS: the model after them is not seen, and nothing
     * past the table is touched. */
    size_t cap = (CMDLINE_MAX_ARGS + 10) * 3 + 64;
    char *argv = malloc(cap);
    cr_assert(argv);
    size_t len = 0;
    memcpy(argv, "vllm\0", 5);
    len = 5;
    for (int i = 0; i < CMDLINE_MAX_ARGS + 5; i++) {
        memcpy(argv + len, "-x\0", 3);
        len += 3;
    }
    memcpy(argv + len, "--model\0late/model\0", 19);
    len += 19;
    char out[CMDLINE_MODEL_MAX + 1];
    cr_assert_eq(model_of(argv, len, out, sizeof out), 0);
    free(argv);
}
