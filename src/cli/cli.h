/*
 * cli: vigil's commands. Each takes the arguments after its name and returns the process
 * exit status: 0 success, 1 failure, 2 bad usage or configuration.
 */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdbool.h>

#include "config/config.h"

int cli_serve(int argc, char **argv);
int cli_snapshot(int argc, char **argv);
int cli_check_config(int argc, char **argv);
int cli_emit(int argc, char **argv);

/* A command's own flag: name (without dashes), whether it takes a value, its help. */
struct cli_flag {
    const char *name;
    bool takes_value;
    const char *help;
    const char *value; /* set by cli_load_config when given; "" for a flag without value */
};

/* Builds the configuration from defaults, the INI file (--config or VIGIL_CONFIG), the
 * environment and argv, in that order of precedence, then validates it. Flags named in
 * extra (NULL-terminated by a zero name) are the command's own and are returned in
 * extra[i].value. Prints errors and usage to stderr. Returns 0, or an exit status (2) to
 * stop with; --help prints usage and returns -1. */
int cli_load_config(const char *command, const char *usage, int argc, char **argv,
                    struct config *cfg, struct cli_flag *extra);

#endif
