/*
 * fuzz_alert_rules: arbitrary bytes as an INI file with [alert] and [notify] sections. A
 * file that loads must build into rules or fail with a message naming the file and a line;
 * rules that build must print (check-config) as a file that loads and builds again into
 * the same rules (URLs and header values are masked in print, so notifiers are compared
 * without them).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/rules.h"

static void same_or_abort(const struct alert_rules *a, const struct alert_rules *b)
{
    if (a->n_rules != b->n_rules || a->n_notifiers != b->n_notifiers ||
        memcmp(a->rules, b->rules, sizeof a->rules) != 0)
        abort();
    for (unsigned i = 0; i < a->n_notifiers; i++) {
        const struct alert_notifier *x = &a->notifiers[i], *y = &b->notifiers[i];
        if (strcmp(x->name, y->name) != 0 || x->kind != y->kind || x->n_headers != y->n_headers ||
            x->timeout_ms != y->timeout_ms || x->repeat_ms != y->repeat_ms ||
            x->retries != y->retries || x->backoff_ms != y->backoff_ms)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct config *c = calloc(1, sizeof *c), *back = calloc(1, sizeof *back);
    struct alert_rules *ra = calloc(1, sizeof *ra), *rb = calloc(1, sizeof *rb);
    if (!text || !c || !back || !ra || !rb)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char err[CONFIG_ERR_MAX];
    config_defaults(c);
    if (config_load_string(c, text, "fuzz.ini", err, sizeof err) == 0) {
        snprintf(c->config_path, sizeof c->config_path, "fuzz.ini");
        if (alert_rules_build(c, ra, err, sizeof err) != 0) {
            if (strncmp(err, "fuzz.ini:", 9) != 0)
                abort(); /* every error names the file (and a line, when one was set) */
        } else {
            char *printed = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&printed, &len);
            if (!f)
                abort();
            config_print(c, f);
            fclose(f);
            config_defaults(back);
            int rc = config_load_string(back, printed, "printed.ini", err, sizeof err);
            /* a value that only just fitted inih's line may not fit once printed */
            if (rc != 0 && strstr(err, "line too long") == NULL)
                abort();
            if (rc == 0) {
                if (alert_rules_build(back, rb, err, sizeof err) != 0)
                    abort();
                same_or_abort(ra, rb);
            }
            free(printed);
        }
    }
    free(rb);
    free(ra);
    free(back);
    free(c);
    free(text);
    return 0;
}
