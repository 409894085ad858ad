/* cli_check: `vigil check-config`, which builds the configuration exactly as `serve` would
 * and prints it, or the first error with its file, line and key; non-zero on error. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static const char usage[] =
    "Checks the configuration (file, environment and flags) as `vigil serve` would read it,\n"
    "and prints the result. Exits 0 when it is valid, 2 otherwise.";

int cli_check_config(int argc, char **argv)
{
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "vigil: out of memory\n");
        return 1;
    }
    int rc = cli_load_config("check-config", usage, argc, argv, cfg, NULL);
    if (rc == 0) {
        config_print(cfg, stdout);
        if (cfg->config_path[0])
            fprintf(stderr, "vigil: configuration OK (%s)\n", cfg->config_path);
        else
            fprintf(stderr, "vigil: configuration OK (defaults, environment and flags)\n");
    }
    free(cfg);
    return rc < 0 ? 0 : rc;
}
