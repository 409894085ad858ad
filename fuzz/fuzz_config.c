/*
 * fuzz_config: arbitrary bytes as an INI file. Beyond not crashing, a file that loads must
 * print (check-config) as a file that loads again to the same values, token aside, and
 * validation must give an answer either way.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static void same_or_abort(const struct config *a, const struct config *b)
{
    if (strcmp(a->listen_host, b->listen_host) != 0 || a->listen_port != b->listen_port ||
        a->allow_public != b->allow_public || a->max_connections != b->max_connections ||
        a->max_header_bytes != b->max_header_bytes || a->max_body_bytes != b->max_body_bytes ||
        a->log_level != b->log_level || strcmp(a->data_dir, b->data_dir) != 0 ||
        a->interval_ms != b->interval_ms || strcmp(a->procfs, b->procfs) != 0 ||
        strcmp(a->sysfs, b->sysfs) != 0 || a->history_ms != b->history_ms ||
        a->max_series != b->max_series)
        abort();
    /* [agents] and [logfile]: every value */
    const struct agents_conf *x = &a->agents, *y = &b->agents;
    if (x->max_events != y->max_events || x->max_depth != y->max_depth ||
        x->max_id_bytes != y->max_id_bytes || x->max_text_bytes != y->max_text_bytes ||
        x->max_context_bytes != y->max_context_bytes || x->max_sessions != y->max_sessions ||
        x->max_requests != y->max_requests || x->max_projects != y->max_projects ||
        x->max_tools != y->max_tools || x->idle_ms != y->idle_ms || x->stale_ms != y->stale_ms ||
        !logfile_conf_same(&a->logfiles, &b->logfiles))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    if (config_load_string(&c, text, "fuzz.ini", err, sizeof err) == 0) {
        (void)config_validate(&c, err, sizeof err);
        char *printed = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&printed, &len);
        if (f != NULL) {
            config_print(&c, f);
            fclose(f);
            struct config back;
            config_defaults(&back);
            int rc = config_load_string(&back, printed, "printed.ini", err, sizeof err);
            /* "key = value" is two bytes longer than "key=value": a value that only just
             * fitted inih's line may not fit once printed */
            if (rc != 0 && strstr(err, "line too long") == NULL)
                abort();
            if (rc == 0)
                same_or_abort(&c, &back);
            free(printed);
        }
    } else if (strncmp(err, "fuzz.ini:", 9) != 0) {
        abort(); /* every error in a file names the file and line */
    }
    free(text);
    return 0;
}
