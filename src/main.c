/* vigil: a real-time monitor for GPU hosts running LLM inference servers and agent fleets.
 * main picks the command; each lives in src/cli/. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fault.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: vigil <command> [options]\n\n"
                 "commands:\n"
                 "  serve          run the daemon (HTTP API on 127.0.0.1:9400 by default)\n"
                 "  snapshot       print the current host metrics once (--json for JSON)\n"
                 "  emit           send an agent event to the daemon (or JSON from stdin)\n"
                 "  check-config   check the configuration and print it\n\n"
                 "  vigil <command> --help   options of a command\n"
                 "  vigil --version          the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* JSON parsing allocates through the same hook as everything else (fault tests). */
    json_set_alloc_funcs(vigil_malloc, free);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("vigil %s (%s)\n", VIGIL_VERSION, VIGIL_COMMIT);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"serve", cli_serve},
        {"snapshot", cli_snapshot},
        {"emit", cli_emit},
        {"check-config", cli_check_config},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "vigil: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
