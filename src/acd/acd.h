/*
 * acd.h - what acdproxy's request handlers work on: the model, who may act
 * for whom, the line a request came on, and the announcements a request
 * leaves to be sent once its change is committed.
 *
 * A handler (handlers.c) gets one LINEPROXYREQUEST buffer, changes the
 * model through model.h (which writes the store), fills the request's
 * output in place, queues its announcements (notify.c) and returns the
 * dwResult for lineProxyResponse.  It knows nothing of transactions or of
 * sending: tapi.c runs batches of requests inside one store transaction and
 * answers and announces after the commit, so the handlers are driven by the
 * unit tests just as well, with hand-built buffers.
 */
#ifndef TAPIX_ACD_ACD_H
#define TAPIX_ACD_ACD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "model.h"
#include "tapi.h"

/* A line acdproxy serves. */
struct acd_line {
    HLINE h;       /* our handle on it, 0 while not open */
    DWORD device;  /* device id */
    DWORD perm_id; /* permanent line id: what sessions record */
    DWORD naddr;   /* dwNumAddresses */
    DWORD version; /* negotiated API version */
};

/* An announcement to send with lineProxyMessage after the commit. */
struct acd_note {
    bool all;           /* every line served, else only perm_line */
    uint32_t perm_line; /* the permanent id of the line it concerns */
    uint32_t msg, p1, p2, p3;
    uint32_t req; /* index of the request in its batch that caused it */
    bool dropped; /* its request's change was not committed */
};

struct acd {
    struct acd_model m;
    struct acd_auth auth;
    struct acd_note *notes;
    size_t nnotes, capnotes;
    uint32_t cur_req;          /* batch index stamped on new notes */
    int64_t (*clock_ms)(void); /* wall clock; tests may replace it */
    bool need_reload;          /* the model may hold what the store does not */
};

/* One request being handled. */
struct acd_req {
    LINEPROXYREQUEST *req;
    uint32_t size;               /* bytes at req (dwSize as the library gave it) */
    const struct acd_line *line; /* the line it came on */
    char user[ST_ID_MAX];        /* requesting OS user, UTF-8, "" when unknown */
};

/* handlers.c */

/* Fill r->user from the request's client user name (UTF-16 -> UTF-8). */
void acd_req_user(struct acd_req *r);
/* Handle one request: dispatch on dwRequestType through the table of
 * handlers.  Returns the dwResult for lineProxyResponse (0 or LINEERR_). */
LONG acd_handle(struct acd *a, struct acd_req *r);
/* The handler table's name for a type ("CREATEAGENT"), "?" when none. */
const char *acd_type_name(uint32_t type);

/* batch.c: group commit */

struct acd_item {
    LINEPROXYREQUEST *req;       /* as LINE_PROXYREQUEST gave it */
    const struct acd_line *line; /* the line it came on, NULL if unknown */
    LONG result;                 /* out: the dwResult to answer */
    bool changed;                /* out: it wrote to the store */
};

/*
 * Handle n requests inside one store transaction and commit it.  When a
 * write or the commit fails, the transaction is rolled back, every request
 * of it that changed something gets LINEERR_RESOURCEUNAVAIL (its
 * announcements are dropped), the model is reloaded from the store, and
 * the requests after it go on in a new transaction.  The caller answers
 * each item and then sends the announcements (notify_send).  Returns the
 * number of items whose change was refused.
 */
size_t acd_batch(struct acd *a, struct acd_item *items, size_t n);

/* Pick up changes made by others (store_changed): `acdproxy admin`'s to
 * the directory, and other nodes' to agents' states and to sessions; merge
 * them into the model and queue their announcements.  Returns how many. */
size_t acd_sync_directory(struct acd *a);

/* Reload the whole model from its store (after a failed transaction);
 * 0, or a store error with the old model kept and a->need_reload set. */
int acd_reload(struct acd *a);

/* notify.c */

/* Queue an announcement (silently dropped when out of memory). */
void notify_push(struct acd *a, bool all, uint32_t perm_line, uint32_t msg, uint32_t p1,
                 uint32_t p2, uint32_t p3);
/* LINE_AGENTSESSIONSTATUS on the session's line. */
void notify_session(struct acd *a, const struct m_session *s, uint32_t bits, uint32_t state);
/* LINE_AGENTSTATUS(address, bits, state) on a line. */
void notify_agent_status(struct acd *a, uint32_t perm_line, uint32_t address, uint32_t bits,
                         uint32_t state);
/* LINE_AGENTSTATUSEX / LINE_GROUPSTATUS / LINE_QUEUESTATUS on every line. */
void notify_agentex(struct acd *a, uint32_t hagent, uint32_t bits, uint32_t state);
void notify_group(struct acd *a, uint32_t bits);
void notify_queue(struct acd *a, uint32_t queue, uint32_t bits);
/* Mark the notes of batch request `req` dropped (its change was undone). */
void notify_drop(struct acd *a, uint32_t req);
/* Send every note not dropped with lineProxyMessage on the lines given,
 * then empty the queue.  Returns how many messages were sent. */
size_t notify_send(struct acd *a, const struct acd_line *lines, size_t nlines);
/* Empty the queue without sending. */
void notify_clear(struct acd *a);

/* The 2.0 view of an agent at one address of one line. */
struct acd_status20 {
    uint32_t state, next; /* LINEAGENTSTATE_ */
    uint32_t ngroups;     /* active sessions there */
};
void acd_status20(struct acd *a, const struct m_agent *ag, uint32_t perm_line, uint32_t address,
                  struct acd_status20 *out);
/* LINE_AGENTSTATUS for what changed in the 2.0 view since `before`
 * (LINEAGENTSTATUS_GROUP also when groups_changed). */
void acd_announce20(struct acd *a, const struct m_agent *ag, uint32_t perm_line, uint32_t address,
                    const struct acd_status20 *before, bool groups_changed);

/* sync.c: what other nodes on the same store changed */

/* Merge the sessions changed in the store by others into the model and
 * queue their announcements as if they were local: LINE_AGENTSESSIONSTATUS,
 * and LINE_AGENTSTATUS where the 2.0 view of an address changed.  Returns
 * how many sessions changed, or -1 when the store could not be read. */
long acd_sync_sessions(struct acd *a);
/* Queue the announcements of a model_reload_directory change of an agent's
 * runtime fields (MC_AGENTSTATE, MC_AGENTINFO, MC_AGENTACTIVITY). */
void acd_announce_agent(struct acd *a, const struct m_change *c);

#endif
