/*
 * config option table, as the files of src/config share it; not API outside src/config.
 * config.c holds the table (config_kinds) and what reads or writes one option; ini.c
 * walks INI text onto it. A loader only finds a row and hands it the text.
 */
#ifndef VIGIL_CONFIG_OPTION_H
#define VIGIL_CONFIG_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define CONFIG_COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum opt_type {
    OPT_STRING,
    OPT_PATH, /* a string that must not be empty */
    OPT_DURATION,
    OPT_SIZE,
    OPT_BOOL,
    OPT_UINT,
    OPT_LISTEN,
    OPT_LOG_LEVEL,
};

struct opt {
    const char *key;  /* in the INI section */
    const char *env;  /* VIGIL_*, or NULL */
    const char *flag; /* long flag without dashes, or NULL */
    enum opt_type type;
    size_t off;       /* where the value goes in the section's struct */
    size_t size;      /* that field's size: a string's buffer, or which integer width */
    size_t port_off;  /* OPT_LISTEN keeps its port in a second field */
    int64_t min, max; /* durations (ms), sizes and counts; both 0: no range */
    const char *def;  /* the default as text, parsed like any value; NULL: computed */
    const char *help;
    const char *shown_def; /* the default for --help when def is NULL */
    bool secret;           /* printed as *** */
};

/*
 * A section kind is [name] or, for kinds that describe one of many things, [name "ID"].
 * Values of a plain section go into struct config itself; those of a named one go into the
 * struct that entry() finds or makes for ID in a fixed array of the config (the inference
 * targets and alert rules to come), so the option rows of both read the same way. Only
 * plain sections have variables and flags, and only they are printed for now.
 */
struct section_kind {
    const char *name;
    bool named;
    const struct opt *opts;
    size_t nopts;
    void *(*entry)(struct config *c, const char *id, char *err, size_t errlen);
    /* Optional, named kinds: told the line of the header (o NULL) and of each key set, for
     * checks that run after the whole file is read (an [alert] naming a [notify]). */
    void (*at_line)(void *entry, const struct opt *o, int line);
};

/* What went wrong with one value, before the caller says where it came from. */
struct value_err {
    char what[192]; /* "bad duration '2x'" */
    char hint[96];  /* "use e.g. 500ms, 2s, 1m, 1h", or "" */
};

extern const struct section_kind config_kinds[];
extern const size_t config_nkinds;

/* Parses v by o's type and stores it at o's place in base (struct config for a plain
 * section, the entry for a named one). base is untouched on error; ve (may be NULL) then
 * says what was wrong. 0, -VIGIL_EINVAL, -VIGIL_ERANGE or -VIGIL_E2BIG. */
int config_opt_set(void *base, const struct opt *o, const char *v, struct value_err *ve);
/* The row for key in section kind k, or NULL. */
const struct opt *config_opt_find(const struct section_kind *k, const char *key);

/* Copies s into buf (n >= 5) for a message: at most 40 characters, anything unprintable as
 * '?', "..." when cut. Returns buf. */
const char *config_echo(char *buf, size_t n, const char *s);
/* snprintf into err, doing nothing when err is NULL or errlen 0. */
void config_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
