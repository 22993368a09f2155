/* opens.c - the open-line registry (see opens.h). */
#include "opens.h"

#include <stdlib.h>

#include "log.h"

int opens_init(struct opens *r, uint32_t nlines)
{
    r->nbuckets = 64;
    r->count = 0;
    r->nlines = nlines;
    r->next_hline = 1;
    r->wrapped = 0;
    r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
    r->lines = calloc(nlines ? nlines : 1, sizeof *r->lines);
    if (!r->buckets || !r->lines) {
        free(r->buckets);
        free(r->lines);
        r->buckets = NULL;
        r->lines = NULL;
        return -1;
    }
    return 0;
}

void opens_free(struct opens *r)
{
    for (size_t i = 0; i < r->nbuckets; i++) {
        struct open *o = r->buckets[i], *next;
        for (; o; o = next) {
            next = o->h_next;
            free(o);
        }
    }
    free(r->buckets);
    free(r->lines);
    r->buckets = NULL;
    r->lines = NULL;
    r->nbuckets = r->count = 0;
}

/* Handles are sequential, so the low bits alone spread them evenly. */
static size_t bucket(const struct opens *r, uint32_t hline)
{
    return hline & (r->nbuckets - 1);
}

struct open *opens_find(const struct opens *r, uint32_t hline)
{
    if (!r->buckets)
        return NULL;
    for (struct open *o = r->buckets[bucket(r, hline)]; o; o = o->h_next)
        if (o->hline == hline)
            return o;
    return NULL;
}

/* Keep chains short: double when the load passes 1.  Failure to grow only
 * costs speed, so it is not an error. */
static void maybe_grow(struct opens *r)
{
    if (r->count < r->nbuckets || r->nbuckets > SIZE_MAX / 2 / sizeof *r->buckets)
        return;
    size_t n = r->nbuckets * 2;
    struct open **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        struct open *o = r->buckets[i], *next;
        for (; o; o = next) {
            next = o->h_next;
            o->h_next = b[o->hline & (n - 1)];
            b[o->hline & (n - 1)] = o;
        }
    }
    free(r->buckets);
    r->buckets = b;
    r->nbuckets = n;
}

/* The next handle: never 0.  After 2^32-1 opens the counter wraps; from
 * then on handles still in use are skipped (a closed handle may come back,
 * but never one that names a live open). */
static uint32_t new_hline(struct opens *r)
{
    for (;;) {
        uint32_t h = r->next_hline++;
        if (r->next_hline == 0) {
            r->next_hline = 1;
            if (!r->wrapped)
                log_warn("line handle counter wrapped; closed handles may now be reused");
            r->wrapped = 1;
        }
        if (!r->wrapped || !opens_find(r, h))
            return h;
    }
}

struct open *opens_add(struct opens *r, struct client *c, struct open_list *cl,
                       const struct open *tmpl)
{
    if (tmpl->device >= r->nlines)
        return NULL;
    struct open *o = malloc(sizeof *o);
    if (!o)
        return NULL;
    *o = *tmpl;
    o->hline = new_hline(r);
    o->client = c;
    o->handles = 0;
    list_init(&o->pending);

    size_t b = bucket(r, o->hline);
    o->h_next = r->buckets[b];
    r->buckets[b] = o;
    r->count++;

    o->c_prev = NULL;
    o->c_next = cl->head;
    if (cl->head)
        cl->head->c_prev = o;
    cl->head = o;
    cl->count++;

    struct line_opens *lo = &r->lines[o->device];
    o->l_prev = NULL;
    o->l_next = lo->head;
    if (lo->head)
        lo->head->l_prev = o;
    lo->head = o;
    lo->count++;

    maybe_grow(r);
    return o;
}

void opens_remove(struct opens *r, struct open_list *cl, struct open *o)
{
    struct open **pp = &r->buckets[bucket(r, o->hline)];
    while (*pp && *pp != o)
        pp = &(*pp)->h_next;
    if (*pp)
        *pp = o->h_next;
    r->count--;

    if (o->c_prev)
        o->c_prev->c_next = o->c_next;
    else
        cl->head = o->c_next;
    if (o->c_next)
        o->c_next->c_prev = o->c_prev;
    cl->count--;

    struct line_opens *lo = &r->lines[o->device];
    if (o->l_prev)
        o->l_prev->l_next = o->l_next;
    else
        lo->head = o->l_next;
    if (o->l_next)
        o->l_next->l_prev = o->l_prev;
    lo->count--;

    free(o);
}
