/*
 * opens.h - the registry of open lines (one entry per successful lineOpen).
 *
 * Every open is reachable three ways, each O(1):
 *   - by HLINE, through a hash table: lineClose(hLine) and, later, any
 *     request naming a line handle;
 *   - from its client (struct open_list): closing everything at
 *     lineShutdown or when the connection drops;
 *   - from its line device (struct line_opens): events for everybody who
 *     has a line open.  This per-line record also holds the table of proxy
 *     request handlers (LINEOPENOPTION_PROXY): at most one open per
 *     LINEPROXYREQUEST_ type and line.
 *
 * HLINEs come from one server-wide counter: never 0, and not reused while
 * the server runs, so a handle names one open across all connections.
 */
#ifndef TAPISRV_OPENS_H
#define TAPISRV_OPENS_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "proxytab.h"

struct client;

#define OPEN_ALL_ADDRESSES 0xFFFFFFFFu

struct open {
    uint32_t hline;
    uint32_t device;
    uint32_t api_version;
    uint32_t privileges; /* LINECALLPRIVILEGE_ (options stripped) */
    uint32_t options;    /* LINEOPENOPTION_ bits that were given */
    uint32_t media_modes;
    uint32_t address_id;      /* OPEN_ALL_ADDRESSES unless SINGLEADDRESS */
    uint32_t handles;         /* bit n: this open is the handler of LINEPROXYREQUEST_ n */
    struct list_node pending; /* proxy requests waiting for this handler (struct preq) */
    struct client *client;
    struct open *c_prev, *c_next; /* the client's opens */
    struct open *l_prev, *l_next; /* the line's opens */
    struct open *h_next;          /* hash chain */
};

/* The opens of one client. */
struct open_list {
    struct open *head;
    size_t count;
};

/* The opens of one line device. */
struct line_opens {
    struct open *head;
    size_t count;
    struct open *handler[PX_TYPE_MAX + 1]; /* the handler of each request type, or NULL */
    uint32_t mask;                         /* bit n set when handler[n] is */
};

struct opens {
    struct open **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    struct line_opens *lines;
    uint32_t nlines;
    uint32_t next_hline;
    int wrapped; /* the counter went around once: skip handles in use */
};

/* Set up an empty registry for nlines line devices.  Returns 0 or -1. */
int opens_init(struct opens *r, uint32_t nlines);

/* Free the registry and every open still in it. */
void opens_free(struct opens *r);

/*
 * Record a new open of `o->device` (< nlines) by client c, filling in a
 * fresh o->hline; the other members come from *o, except that it handles
 * no request type yet and has nothing pending.  Returns the stored open,
 * or NULL when out of memory.
 */
struct open *opens_add(struct opens *r, struct client *c, struct open_list *cl,
                       const struct open *o);

/* The open with this handle, or NULL. */
struct open *opens_find(const struct opens *r, uint32_t hline);

/* Remove one open (from all three indexes) and free it.  The caller has
 * unregistered its request types and completed its pending requests. */
void opens_remove(struct opens *r, struct open_list *cl, struct open *o);

#endif
