/*
 * proxy.h - proxy handler registrations (lineOpen with LINEOPENOPTION_PROXY)
 * and what they announce: the served-type mask every open of a line keeps
 * (internal WIRE_EV_TYPES), LINE_PROXYSTATUS, lineProxyMessage's fan-out and
 * lineGetProxyStatus.
 *
 * One event for many opens is encoded once; each recipient's copy differs
 * only in hdevice, its own HLINE (client_send_event_as).
 */
#ifndef TAPISRV_PROXY_H
#define TAPISRV_PROXY_H

#include <stdint.h>

#include "wire.h"

struct server;
struct client;
struct open;

/*
 * Parse OPEN's proxy types (a DWORD array) for an open of version ver into
 * *mask (bit n = LINEPROXYREQUEST_ n; a type named twice counts once).
 * Returns 0, or LINEERR_INVALPARAM when the list is empty, not whole
 * DWORDs, or names a type that does not exist or is newer than ver.
 */
uint32_t proxy_parse_types(const struct wire_blob *types, uint32_t ver, uint32_t *mask);

/* LINEERR_NOTREGISTERED when any type of mask already has a handler on
 * line device dev, else 0. */
uint32_t proxy_check_free(const struct server *srv, uint32_t dev, uint32_t mask);

/* The request types served on line device dev now. */
uint32_t proxy_line_mask(const struct server *srv, uint32_t dev);

/* Make the new open o the handler of every type in mask (all free, see
 * proxy_check_free). */
void proxy_register(struct server *srv, struct open *o, uint32_t mask);

/*
 * Tell the other opens of o's line that o registered `added`, the line's
 * mask having been `before`: WIRE_EV_TYPES to each, then, to those of
 * version 2.2, LINE_PROXYSTATUS(OPEN, type) per type and
 * LINE_PROXYSTATUS(ALLOPENFORACD) when this completed the ACD set.
 */
void proxy_announce(struct server *srv, const struct open *o, uint32_t added, uint32_t before);

/*
 * The open o is about to be removed (lineClose, lineShutdown, connection
 * gone): its pending requests complete with LINEERR_OPERATIONFAILED, its
 * types are unregistered, and the line's other opens (except those of
 * client `skip`, which is going too; may be NULL) get WIRE_EV_TYPES and, at
 * 2.2, LINE_PROXYSTATUS(CLOSE, type) per type.  While the server exits
 * nothing is sent.
 */
void proxy_open_gone(struct server *srv, struct open *o, const struct client *skip);

/* PROXYMSG from c (one-way): lineProxyMessage's fan-out. */
void proxy_on_msg(struct server *srv, struct client *c, const struct w_proxymsg *m);

/* PROXYSTATUS from c: answer with the line's LINEPROXYREQUESTLIST. */
void proxy_on_status(struct server *srv, struct client *c, uint32_t seq,
                     const struct w_proxystatus *m);

#endif
