/* prom: exposition-format writer. %.17g keeps every double exact for Prometheus, which
 * parses with full precision, unlike the JSON writer that rounds for people. */
#include "encode/prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Plain appends, no printf: the families are written again at every cycle. */
int prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
    int rc = buf_add(b, "# HELP ", 7);
    if (!rc)
        rc = buf_adds(b, name);
    if (!rc)
        rc = buf_addc(b, ' ');
    /* HELP text escapes only backslash and newline. */
    for (const char *p = help; !rc && *p;) {
        size_t run = strcspn(p, "\\\n");
        if (run)
            rc = buf_add(b, p, run);
        p += run;
        if (rc || !*p)
            break;
        rc = buf_add(b, *p == '\\' ? "\\\\" : "\\n", 2);
        p++;
    }
    if (!rc)
        rc = buf_add(b, "\n# TYPE ", 8);
    if (!rc)
        rc = buf_adds(b, name);
    if (!rc)
        rc = buf_addc(b, ' ');
    if (!rc)
        rc = buf_adds(b, type);
    return rc ? rc : buf_addc(b, '\n');
}

/* Copies runs of plain bytes at once: label values (UUIDs, names) rarely need escaping, and
 * /metrics writes thousands of them per cycle. */
int prom_escape_label(struct buf *b, const char *value)
{
    int rc = 0;
    for (const char *p = value; !rc && *p;) {
        size_t run = strcspn(p, "\\\"\n");
        if (run)
            rc = buf_add(b, p, run);
        p += run;
        if (rc || !*p)
            break;
        rc = buf_add(b, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n", 2);
        p++;
    }
    return rc;
}

static int name_and_labels(struct buf *b, const char *name, const char *const *labels)
{
    int rc = buf_adds(b, name);
    if (rc || !labels || !labels[0])
        return rc;
    rc = buf_addc(b, '{');
    for (int i = 0; !rc && labels[i] && labels[i + 1]; i += 2) {
        if (i > 0)
            rc = buf_addc(b, ',');
        if (!rc)
            rc = buf_adds(b, labels[i]);
        if (!rc)
            rc = buf_add(b, "=\"", 2);
        if (!rc)
            rc = prom_escape_label(b, labels[i + 1]);
        if (!rc)
            rc = buf_addc(b, '"');
    }
    return rc ? rc : buf_addc(b, '}');
}

int prom_sample(struct buf *b, const char *name, const char *const *labels, double value)
{
    int rc = name_and_labels(b, name, labels);
    if (rc)
        return rc;
    if (isnan(value))
        return buf_adds(b, " NaN\n");
    if (isinf(value))
        return buf_adds(b, value > 0 ? " +Inf\n" : " -Inf\n");
    /* A whole number below 1e17 prints the same through %.17g (-0 aside): skip printf. */
    if (fabs(value) < 1e17 && value == (double)(int64_t)value && !(value == 0 && signbit(value))) {
        char d[24];
        size_t n = 0;
        d[n++] = ' ';
        if (value < 0)
            d[n++] = '-';
        n += fmt_u64(d + n, (uint64_t)fabs(value));
        d[n++] = '\n';
        return buf_add(b, d, n);
    }
    return buf_printf(b, " %.17g\n", value);
}

int prom_sample_u64(struct buf *b, const char *name, const char *const *labels, uint64_t value)
{
    int rc = name_and_labels(b, name, labels);
    if (!rc)
        rc = buf_addc(b, ' ');
    if (!rc)
        rc = buf_add_u64(b, value);
    return rc ? rc : buf_addc(b, '\n');
}
