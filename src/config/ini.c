/*
 * config ini: loads INI text onto the option table through inih. A load works on a copy of
 * the config and gives it back only when every line was good, so a failed reload (SIGHUP)
 * leaves the running configuration as it was. Errors say FILE:LINE and the key.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config/option.h"
#include "core/err.h"
#include "core/fault.h"

/* A file larger than this is not a config file someone wrote by hand. */
#define CONFIG_FILE_MAX ((size_t)1024 * 1024)

/*
 * inih calls a reader for each line and the handler for each key. Debian's inih cannot pass
 * line numbers to the handler, so the reader counts lines itself, and since inih always
 * handles the line it has just read, that count is the handler's line. The reader also
 * does three things inih would get wrong for us: it rejects a line longer than inih's
 * buffer (inih would split it silently), it strips leading blanks (inih would take an
 * indented key for the continuation of the previous value) and it follows section headers
 * itself (inih truncates long ones and says nothing about a section without keys).
 */

/* Each key set so far, to refuse duplicates; base tells entries of named sections apart. */
struct seen_key {
    const void *base;
    const struct opt *opt;
    int line;
};

struct ini_load {
    struct config *c; /* a copy, given back only if the whole file loads */
    const char *name; /* the file name in messages */
    const char *text;
    size_t len, pos;
    int line;

    const struct section_kind *kind; /* the current section, NULL before the first */
    void *base;                      /* where its values go */
    char section[128];               /* its header text, for messages */

    struct seen_key seen[1024];
    size_t nseen;

    int rc; /* the first error, its message in err and its line in err_line */
    int err_line;
    char *err;
    size_t errlen;
};

static void load_fail(struct ini_load *ld, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void load_fail(struct ini_load *ld, int rc, const char *fmt, ...)
{
    if (ld->rc != 0)
        return;
    ld->rc = rc;
    ld->err_line = ld->line;
    if (ld->err == NULL || ld->errlen == 0)
        return;
    int w = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->name, ld->line);
    if (w < 0 || (size_t)w >= ld->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err + w, ld->errlen - (size_t)w, fmt, ap);
    va_end(ap);
}

/* Splits a header's text into its kind and, for [kind "ID"], the ID. */
static int section_split(const char *text, char *kind, size_t kindlen, char *id, size_t idlen,
                         bool *has_id)
{
    size_t n = strcspn(text, " \t\"");
    if (n == 0 || n >= kindlen)
        return -VIGIL_EINVAL;
    memcpy(kind, text, n);
    kind[n] = '\0';
    const char *p = text + n;
    while (*p == ' ' || *p == '\t')
        p++;
    *has_id = *p != '\0';
    id[0] = '\0';
    if (!*has_id)
        return 0;
    const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
    if (close == NULL || close[1] != '\0' || close == p + 1 || (size_t)(close - p - 1) >= idlen)
        return -VIGIL_EINVAL;
    memcpy(id, p + 1, (size_t)(close - p - 1));
    id[close - p - 1] = '\0';
    return 0;
}

static void section_enter(struct ini_load *ld, const char *text)
{
    char kind[32], id[64], shown[48];
    bool has_id;
    ld->kind = NULL;
    ld->base = NULL;
    snprintf(ld->section, sizeof ld->section, "%s", config_echo(shown, sizeof shown, text));
    if (section_split(text, kind, sizeof kind, id, sizeof id, &has_id) < 0) {
        load_fail(ld, -VIGIL_EINVAL, "bad section header [%s] (use [NAME] or [NAME \"ID\"])",
                  ld->section);
        return;
    }
    const struct section_kind *k = NULL;
    for (size_t i = 0; i < config_nkinds && k == NULL; i++) {
        if (strcmp(config_kinds[i].name, kind) == 0)
            k = &config_kinds[i];
    }
    if (k == NULL || (!k->named && has_id)) {
        load_fail(ld, -VIGIL_EINVAL, "unknown section [%s]", ld->section);
        return;
    }
    if (k->named && !has_id) {
        load_fail(ld, -VIGIL_EINVAL, "section [%s] needs a name, as in [%s \"NAME\"]", kind, kind);
        return;
    }
    void *base = ld->c;
    if (k->named) {
        char msg[CONFIG_ERR_MAX];
        base = k->entry(ld->c, id, msg, sizeof msg);
        if (base == NULL) {
            load_fail(ld, -VIGIL_EFULL, "%s", msg);
            return;
        }
    }
    ld->kind = k;
    ld->base = base;
    if (k->at_line)
        k->at_line(base, NULL, ld->line);
}

/* A header line as inih reads it: '[' then text up to ']', unless an inline comment (a ';'
 * after a blank) comes first, which inih reports as a syntax error. */
static void section_line(struct ini_load *ld, const char *line)
{
    const char *p = line + 1;
    bool was_space = false;
    while (*p != '\0' && *p != ']' && !(was_space && *p == ';')) {
        was_space = isspace((unsigned char)*p);
        p++;
    }
    if (*p != ']')
        return;
    char text[sizeof ld->section];
    const char *start = line + 1;
    while (start < p && isspace((unsigned char)*start))
        start++;
    while (p > start && isspace((unsigned char)p[-1]))
        p--;
    if ((size_t)(p - start) >= sizeof text) {
        load_fail(ld, -VIGIL_EINVAL, "section name too long (at most %zu bytes)", sizeof text - 1);
        return;
    }
    memcpy(text, start, (size_t)(p - start));
    text[p - start] = '\0';
    section_enter(ld, text);
}

static char *ini_read_line(char *buf, int num, void *stream)
{
    struct ini_load *ld = stream;
    if (ld->rc != 0 || ld->pos >= ld->len)
        return NULL; /* an error ends the parse: inih takes NULL for the end of the file */
    const char *p = ld->text + ld->pos;
    size_t rest = ld->len - ld->pos;
    const char *nl = memchr(p, '\n', rest);
    size_t n = nl != NULL ? (size_t)(nl - p) : rest;
    ld->pos += n + (nl != NULL);
    ld->line++;

    if (ld->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* a UTF-8 byte order mark */
        n -= 3;
    }
    if (memchr(p, '\0', n) != NULL) {
        load_fail(ld, -VIGIL_EINVAL, "line has a NUL byte");
        return NULL;
    }
    while (n > 0 && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        n--;
    /* inih's buffer holds num bytes, a line's end and a NUL included */
    if (num < 2 || n > (size_t)num - 2) {
        load_fail(ld, -VIGIL_E2BIG, "line too long (at most %d bytes)", num < 2 ? 0 : num - 2);
        return NULL;
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (buf[0] == '[') {
        section_line(ld, buf);
        if (ld->rc != 0)
            return NULL;
    }
    return buf;
}

/* Names the section that has key, for a key written before any header. */
static const char *section_of_key(const char *key)
{
    for (size_t k = 0; k < config_nkinds; k++) {
        if (config_opt_find(&config_kinds[k], key) != NULL)
            return config_kinds[k].name;
    }
    return NULL;
}

static int ini_on_key(void *user, const char *section, const char *key, const char *value)
{
    struct ini_load *ld = user;
    char shown[48];
    (void)section; /* inih's copy may be truncated; section_line() keeps the whole header */
    if (ld->rc != 0)
        return 0;
    if (ld->kind == NULL) {
        const char *home = section_of_key(key);
        if (home != NULL)
            load_fail(ld, -VIGIL_EINVAL, "key '%s' outside any section (put it under [%s])", key,
                      home);
        else
            load_fail(ld, -VIGIL_EINVAL, "key '%s' outside any section",
                      config_echo(shown, sizeof shown, key));
        return 0;
    }
    const struct opt *o = config_opt_find(ld->kind, key);
    if (o == NULL) {
        load_fail(ld, -VIGIL_ENOENT, "unknown key '%s' in section [%s]",
                  config_echo(shown, sizeof shown, key), ld->section);
        return 0;
    }
    for (size_t i = 0; i < ld->nseen; i++) {
        if (ld->seen[i].base == ld->base && ld->seen[i].opt == o) {
            load_fail(ld, -VIGIL_EEXIST,
                      "duplicate key '%s' in section [%s] (first set on line %d)", key, ld->section,
                      ld->seen[i].line);
            return 0;
        }
    }
    if (ld->nseen == CONFIG_COUNT(ld->seen)) {
        load_fail(ld, -VIGIL_EFULL, "too many keys (at most %zu)", CONFIG_COUNT(ld->seen));
        return 0;
    }
    struct value_err ve;
    int rc = config_opt_set(ld->base, o, value, &ve);
    if (rc < 0) {
        load_fail(ld, rc, "%s for key '%s'%s%s%s", ve.what, key, ve.hint[0] ? " (" : "", ve.hint,
                  ve.hint[0] ? ")" : "");
        return 0;
    }
    ld->seen[ld->nseen++] = (struct seen_key){ld->base, o, ld->line};
    if (ld->kind->at_line)
        ld->kind->at_line(ld->base, o, ld->line);
    return 1;
}

/* Loads len bytes of INI text into c; records path as c->config_path when it is not NULL. */
static int load_text(struct config *c, const char *text, size_t len, const char *name,
                     const char *path, char *err, size_t errlen)
{
    struct config copy = *c;
    struct ini_load ld = {
        .c = &copy, .name = name, .text = text, .len = len, .err = err, .errlen = errlen};
    int bad_line = ini_parse_stream(ini_read_line, &ld, ini_on_key, &ld);
    /* inih keeps going after a line it cannot read; the reader and handler stop at their
     * own first error. Whichever came first is the one to report. */
    if (bad_line > 0 && (ld.rc == 0 || bad_line < ld.err_line)) {
        config_err_set(err, errlen, "%s:%d: syntax error (expected [section] or key = value)", name,
                       bad_line);
        return -VIGIL_EINVAL;
    }
    if (ld.rc == 0 && bad_line < 0) {
        config_err_set(err, errlen, "%s: %s", name, vigil_strerror(-VIGIL_ENOMEM));
        return -VIGIL_ENOMEM;
    }
    if (ld.rc != 0)
        return ld.rc;
    if (path != NULL)
        snprintf(copy.config_path, sizeof copy.config_path, "%s", path);
    *c = copy;
    return 0;
}

int config_load_string(struct config *c, const char *text, const char *name, char *err,
                       size_t errlen)
{
    return load_text(c, text, strlen(text), name, NULL, err, errlen);
}

/* Reads all of path into a new buffer (free it with free()). -VIGIL_E2BIG past
 * CONFIG_FILE_MAX bytes. Read in a loop rather than sized by stat(), so that a pipe such as
 * --config <(generate) works too. */
static int file_read(const char *path, char **out, size_t *outlen)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return vigil_errno(errno);
    size_t cap = 0, len = 0;
    char *buf = NULL;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            if (cap > CONFIG_FILE_MAX) {
                rc = -VIGIL_E2BIG;
                break;
            }
            size_t want = cap == 0 ? 4096 : cap * 2;
            if (want > CONFIG_FILE_MAX + 1)
                want = CONFIG_FILE_MAX + 1;
            char *bigger = vigil_realloc(buf, want);
            if (bigger == NULL) {
                rc = -VIGIL_ENOMEM;
                break;
            }
            buf = bigger;
            cap = want;
        }
        errno = 0;
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = vigil_errno(errno != 0 ? errno : EIO);
            break;
        }
    }
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    if (strlen(path) >= sizeof c->config_path) {
        config_err_set(err, errlen, "cannot read config '%s': path too long", path);
        return -VIGIL_E2BIG;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = file_read(path, &text, &len);
    if (rc == -VIGIL_E2BIG) {
        config_err_set(err, errlen, "cannot read config '%s': larger than %zu bytes", path,
                       CONFIG_FILE_MAX);
        return rc;
    }
    if (rc < 0) {
        config_err_set(err, errlen, "cannot read config '%s': %s", path, vigil_strerror(rc));
        return rc;
    }
    rc = load_text(c, text, len, path, path, err, errlen);
    free(text);
    return rc;
}
