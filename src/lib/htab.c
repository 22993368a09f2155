/* htab.c - handle map (see htab.h). */
#include "htab.h"

#include <stdlib.h>

static size_t slot(uint64_t key, size_t cap)
{
    /* Handles are sequential and pointers aligned; a multiplicative hash
       spreads both. */
    return (size_t)(((key ^ (key >> 29)) * 0x9E3779B97F4A7C15ull) >> 32 & (cap - 1));
}

void *tx_htab_get(const struct htab *t, uint64_t key)
{
    if (!t->cap || !key)
        return NULL;
    for (size_t i = slot(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (t->keys[i] == key)
            return t->vals[i];
        if (!t->keys[i])
            return NULL;
    }
}

static int grow(struct htab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    uint64_t *keys = calloc(cap, sizeof *keys);
    void **vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i])
            continue;
        size_t j = slot(t->keys[i], cap);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = t->keys[i];
        vals[j] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = keys;
    t->vals = vals;
    t->cap = cap;
    return 0;
}

int tx_htab_put(struct htab *t, uint64_t key, void *val)
{
    if (!key)
        return -1;
    if ((t->n + 1) * 4 > t->cap * 3 && grow(t))
        return -1;
    size_t i = slot(key, t->cap);
    while (t->keys[i] && t->keys[i] != key)
        i = (i + 1) & (t->cap - 1);
    if (!t->keys[i])
        t->n++;
    t->keys[i] = key;
    t->vals[i] = val;
    return 0;
}

void *tx_htab_del(struct htab *t, uint64_t key)
{
    if (!t->cap || !key)
        return NULL;
    size_t i = slot(key, t->cap);
    while (t->keys[i] != key) {
        if (!t->keys[i])
            return NULL;
        i = (i + 1) & (t->cap - 1);
    }
    void *val = t->vals[i];
    /* Backward-shift: pull later members of the probe run into the hole so
       lookups never need tombstones. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (t->cap - 1);
        if (!t->keys[j])
            break;
        size_t home = slot(t->keys[j], t->cap);
        if (((j - home) & (t->cap - 1)) >= ((j - i) & (t->cap - 1))) {
            t->keys[i] = t->keys[j];
            t->vals[i] = t->vals[j];
            i = j;
        }
    }
    t->keys[i] = 0;
    t->vals[i] = NULL;
    t->n--;
    return val;
}

void tx_htab_each(const struct htab *t, void (*fn)(uint64_t key, void *val, void *arg), void *arg)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->keys[i])
            fn(t->keys[i], t->vals[i], arg);
}

void tx_htab_free(struct htab *t)
{
    free(t->keys);
    free(t->vals);
    t->keys = NULL;
    t->vals = NULL;
    t->cap = t->n = 0;
}
