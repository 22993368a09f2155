/*
 * model.h - acdproxy's in-memory ACD model: agents, groups, queues,
 * activities and agent sessions, loaded from the store at start and
 * written through it on every change.
 *
 * Memory: a session is one 64-byte record in one array (struct
 * m_session), found by handle through an open-addressing table (8 bytes
 * per slot, load <= 1/2), and listed under its agent as a 4-byte index
 * (an index, not a handle: no table lookup on the way).  Measured at 1M
 * sessions: 88 bytes a session by this accounting, 99 bytes of process
 * RSS growth, 1.5 s to load from SQLite.  Groups are referenced by their index
 * in the group array, which never shrinks: a removed group keeps its slot
 * (marked dead), so sessions in it keep their GUID and name.  Agents,
 * queues and activities are few and kept as plain arrays.
 *
 * Every mutation goes through a model_* function that first writes the
 * store (inside the transaction the caller opened with store_begin) and
 * changes memory only when the write succeeded.  A failed write is
 * remembered in m->store_err; the caller then rolls back and reloads the
 * model with model_load, so memory never holds what the store does not.
 */
#ifndef TAPIX_ACD_MODEL_H
#define TAPIX_ACD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define M_NONE UINT32_MAX

/* handle -> index, open addressing; no deletion (rebuilt instead). */
struct u32map {
    uint32_t *keys;
    uint32_t *vals; /* index + 1; 0 = empty slot */
    uint32_t cap;   /* power of two, or 0 */
    uint32_t n;
};

struct m_agent {
    struct st_agent a; /* directory fields and the persisted runtime state */
    uint32_t *sess;    /* its sessions as indices into m->sess, oldest first */
    uint32_t nsess, capsess;
    /* Those of them not ended, in the same order.  An agent keeps its
       ended sessions for good; what it is logged into now is a handful,
       and the requests that ask about that should not cost a walk
       through its history. */
    uint32_t *live;
    uint32_t nlive, caplive;
};

struct m_group {
    st_guid guid;
    char name[ST_NAME_MAX];
    bool alive; /* false: removed from the directory, slot kept for its sessions */
};

struct m_session {
    uint32_t handle; /* HAGENTSESSION */
    uint32_t agent;  /* HAGENT */
    uint32_t line;   /* permanent line id */
    uint32_t address;
    int64_t start_ms;          /* Unix time, ms */
    int64_t end_ms;            /* 0 while not ended */
    uint32_t group;            /* index into m->groups */
    uint8_t state, next_state; /* LINEAGENTSESSIONSTATE_ (all fit in 8 bits) */
    uint16_t mark;             /* the last model_reload_sessions pass that saw it stored */
    uint32_t calls, talk_s, call_s, wrapup_s, longest_answer_s, total_answer_s;
};

struct acd_model {
    struct acd_store *st;
    struct m_agent *agents;
    uint32_t nagents, capagents;
    struct u32map agent_by_handle;
    uint32_t *agent_by_id; /* fnv-hashed open addressing: index + 1, 0 empty */
    uint32_t id_cap;
    struct m_group *groups;
    uint32_t ngroups, capgroups;
    struct st_queue *queues;
    uint32_t nqueues;
    struct st_activity *acts;
    uint32_t nacts;
    struct m_session *sess;
    uint32_t nsess, capsess;
    struct u32map sess_by_handle;
    uint16_t mark; /* the current model_reload_sessions pass */
    /* store_sessions_changed's cursor: what the sessions in memory cover */
    uint64_t sess_cursor;
    bool sess_full;  /* an agent left: the next session sync looks at all */
    int store_err;   /* first failed store write since model_clear_err, ST_OK if none */
    uint32_t writes; /* store writes made (a request "changed" when this grew) */
};

/* Directory changes found by model_reload_directory.  The MC_AGENT* kinds
 * are an agent's runtime fields changed by another node: its state
 * (MC_AGENTSTATE), its next state or measurement period (MC_AGENTINFO), its
 * current activity (MC_AGENTACTIVITY). */
struct m_change {
    enum {
        MC_NEWGROUP,
        MC_GROUPREMOVED,
        MC_NEWQUEUE,
        MC_QUEUEREMOVED,
        MC_NEWAGENT,
        MC_AGENTSTATE,
        MC_AGENTINFO,
        MC_AGENTACTIVITY,
    } kind;
    uint32_t id; /* queue id / HAGENT; 0 for groups */
};

/* Default measurement period reported for an agent or queue whose stored
 * period is 0. */
#define M_DEFAULT_PERIOD 60u

/* Load everything from st into m (which is initialised here).  Returns
 * ST_OK or the store's error (m is then empty but valid). */
int model_load(struct acd_model *m, struct acd_store *st);
/* Free everything m holds. */
void model_free(struct acd_model *m);

/*
 * Re-read agents, groups, queues and activities (not sessions) and merge
 * them into m: every field from the store (it holds what this process
 * wrote, and what other nodes on the same store wrote since), the session
 * lists of agents that already existed from memory.  The changes are
 * appended to *ch (malloc'd, *nch entries).  Returns ST_OK or a store error
 * (m unchanged).
 */
int model_reload_directory(struct acd_model *m, struct m_change **ch, size_t *nch);

/*
 * A session changed in the store by someone else: `old` is it as memory
 * holds it (NULL when it is new to this model), `now` as it is stored.
 * Called before memory changes, so the model still shows `old`.
 */
typedef void (*m_session_fn)(void *arg, const struct m_session *old, const struct m_session *now);

/*
 * Re-read the sessions and merge them into m (after model_reload_directory,
 * so their agents and groups are known): sessions new to memory are added,
 * changed ones take the stored fields, and ones the store no longer has
 * (their agent was removed) leave memory.  fn (may be NULL) hears of every
 * difference; a session that leaves while memory thought it active is
 * reported as ENDED.  The cost is one pass over the stored sessions and a
 * compare per session; nothing is allocated but room for new ones.
 * Returns ST_OK or a store error (m then holds what was read so far).
 */
int model_reload_sessions(struct acd_model *m, m_session_fn fn, void *arg);

/*
 * The same merge for the sessions added or changed since the last load or
 * sync only (store_sessions_changed): its cost is that of the changed
 * sessions, not of the stored ones.  It cannot see sessions removed with
 * their agent, so after model_reload_directory found an agent gone it does
 * the full pass (model_reload_sessions).
 */
int model_sync_sessions(struct acd_model *m, m_session_fn fn, void *arg);

/* Lookups: NULL / M_NONE when there is none. */
struct m_agent *model_agent(struct acd_model *m, uint32_t handle);
struct m_agent *model_agent_by_id(struct acd_model *m, const char *id);
/* The first agent (lowest handle) bound to OS user `user`. */
struct m_agent *model_agent_by_user(struct acd_model *m, const char *user);
struct m_session *model_session(struct acd_model *m, uint32_t handle);
uint32_t model_group_index(const struct acd_model *m, const st_guid *g); /* alive only */
struct st_queue *model_queue(struct acd_model *m, uint32_t id);
const struct st_activity *model_activity(const struct acd_model *m, uint32_t id);

/* Writes.  Each returns ST_OK, or the store's error (also kept in
 * m->store_err; memory is then unchanged). */
/* Store n (a changed copy of a->a) and make it a's. */
int model_agent_update(struct acd_model *m, struct m_agent *a, const struct st_agent *n);
/* A new session of agent a in group gi at (line, address), NOTREADY,
 * started now_ms; *out receives it.  ST_EXISTS: the store already has an
 * active session of a in gi at (line, address) - made by another node this
 * model has not heard of yet; a refusal of the record, so nothing changed,
 * m->store_err stays clear and the transaction goes on. */
int model_session_add(struct acd_model *m, struct m_agent *a, uint32_t gi, uint32_t line,
                      uint32_t address, int64_t now_ms, struct m_session **out);
/* Set a session's state and next state (ENDED stamps end_ms = now_ms). */
int model_session_set(struct acd_model *m, struct m_session *s, uint32_t state, uint32_t next,
                      int64_t now_ms);
int model_queue_set_period(struct acd_model *m, struct st_queue *q, uint32_t period);

/* Forget a failed write (after the caller rolled back and reloaded). */
void model_clear_err(struct acd_model *m);

/* Bytes the model holds for its sessions (arrays, table, agent lists). */
size_t model_session_bytes(const struct acd_model *m);

/* Wall clock in Unix milliseconds. */
int64_t model_now_ms(void);

#endif
