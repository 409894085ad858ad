/* table: keyed records with an activity order; the index survives heavy insert/remove. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "agents/table.h"
#include "core/err.h"
#include "core/fault.h"

struct rec {
    char key[16];
    int value;
};

static struct rec *put(struct table *t, const char *key, int64_t now)
{
    void *r = NULL;
    cr_assert_eq(table_insert(t, key, now, &r), 0, "insert %s", key);
    return r;
}

Test(table, refuses_bad_shapes)
{
    struct table t;
    cr_assert_eq(table_init(&t, 0, sizeof(struct rec), 16), -VIGIL_EINVAL);
    cr_assert_eq(table_init(&t, 4, sizeof(struct rec), 1), -VIGIL_EINVAL);
    cr_assert_eq(table_init(&t, 4, 8, 16), -VIGIL_EINVAL);
    cr_assert_eq(table_init(&t, (1u << 24) + 1, sizeof(struct rec), 16), -VIGIL_EINVAL);
    for (long n = 0; n < 3; n++) {
        fault_fail_alloc_after(n);
        cr_assert_eq(table_init(&t, 4, sizeof(struct rec), 16), -VIGIL_ENOMEM);
    }
    fault_fail_alloc_after(-1);
}

Test(table, insert_find_remove)
{
    struct table t;
    cr_assert_eq(table_init(&t, 3, sizeof(struct rec), 16), 0);
    struct rec *a = put(&t, "a", 1);
    a->value = 10;
    put(&t, "b", 2);
    cr_assert_eq(((struct rec *)table_find(&t, "a"))->value, 10);
    cr_assert_str_eq(a->key, "a");
    cr_assert_null(table_find(&t, "c"));
    void *r;
    cr_assert_eq(table_insert(&t, "a", 3, &r), -VIGIL_EEXIST);
    cr_assert_eq(table_insert(&t, "0123456789abcdef", 3, &r), -VIGIL_E2BIG);
    put(&t, "c", 3);
    cr_assert_eq(table_insert(&t, "d", 4, &r), -VIGIL_EFULL);
    cr_assert_eq(table_count(&t), 3);
    table_remove(&t, a);
    cr_assert_null(table_find(&t, "a"));
    cr_assert_eq(table_count(&t), 2);
    put(&t, "d", 4);
    cr_assert_not_null(table_find(&t, "d"));
    table_release(&t);
}

Test(table, activity_order_and_touch)
{
    struct table t;
    cr_assert_eq(table_init(&t, 8, sizeof(struct rec), 16), 0);
    struct rec *a = put(&t, "a", 1);
    put(&t, "b", 2);
    put(&t, "c", 3);
    cr_assert_eq(table_oldest(&t), a);
    table_touch(&t, a, 4);
    cr_assert_str_eq(((struct rec *)table_oldest(&t))->key, "b");
    cr_assert_eq(table_seen(&t, a), 4);
    const char *want[] = {"b", "c", "a"};
    int i = 0;
    for (struct rec *r = table_oldest(&t); r; r = table_newer(&t, r))
        cr_assert_str_eq(r->key, want[i++]);
    cr_assert_eq(i, 3);
    table_clear(&t);
    cr_assert_null(table_oldest(&t));
    cr_assert_eq(table_count(&t), 0);
    cr_assert_null(table_find(&t, "a"));
    table_release(&t);
}

/* Many inserts and removes in a small table: every key still found, none found twice. */
Test(table, index_survives_churn)
{
    struct table t;
    enum { CAP = 64, KEYS = 200 };
    cr_assert_eq(table_init(&t, CAP, sizeof(struct rec), 16), 0);
    int present[KEYS] = {0};
    unsigned x = 12345;
    for (int step = 0; step < 100000; step++) {
        x = x * 1103515245 + 12345;
        int k = (int)((x >> 8) % KEYS);
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        struct rec *r = table_find(&t, key);
        cr_assert_eq(r != NULL, present[k], "step %d key %s", step, key);
        if (r) {
            cr_assert_eq(r->value, k);
            table_remove(&t, r);
            present[k] = 0;
        } else if (!table_full(&t)) {
            r = put(&t, key, step);
            r->value = k;
            present[k] = 1;
        }
    }
    int n = 0;
    for (int k = 0; k < KEYS; k++)
        n += present[k];
    cr_assert_eq(table_count(&t), (uint32_t)n);
    table_release(&t);
}
