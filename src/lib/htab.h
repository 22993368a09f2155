/*
 * htab.h - a map from TAPI handles (and pointers) to pointers (open addressing,
 * linear probing, backward-shift deletion).  Not locked: callers hold the
 * library lock.
 */
#ifndef TAPIX_HTAB_H
#define TAPIX_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab {
    uint64_t *keys; /* 0 = empty slot (0 is never a valid handle or pointer) */
    void **vals;
    size_t cap, n;
};

void *tx_htab_get(const struct htab *t, uint64_t key);
/* Insert or replace; returns 0, or -1 when out of memory. */
int tx_htab_put(struct htab *t, uint64_t key, void *val);
/* Remove and return the value, or NULL when absent. */
void *tx_htab_del(struct htab *t, uint64_t key);
/* Call fn for every entry; fn must not modify the table. */
void tx_htab_each(const struct htab *t, void (*fn)(uint64_t key, void *val, void *arg), void *arg);
void tx_htab_free(struct htab *t);

#endif
