/*
 * auth.h - who may act for an agent (docs/ACD.md "Who may act for an agent").
 *
 * An OS user may act for an agent when it is the agent's bound user, when
 * it is a supervisor (uid 0, user "root", or a member of the configured
 * supervisor group), or when it gave the agent's PIN before: a right PIN
 * grants that user the agent until acdproxy exits.  A PIN that is given
 * must be right, whoever gives it.  PINs are compared with pin.h (Argon2id)
 * and never copied anywhere but the caller's buffer, which the caller wipes.
 */
#ifndef TAPIX_ACD_AUTH_H
#define TAPIX_ACD_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "tapi.h"

#define AUTH_CACHE 32

struct auth_grant {
    uint32_t agent; /* HAGENT */
    char user[ST_ID_MAX];
};

struct acd_auth {
    char sup_group[ST_ID_MAX]; /* supervisor group name, "" = none */
    struct auth_grant *grants;
    uint32_t ngrants, capgrants;
    struct {
        char user[ST_ID_MAX];
        bool sup;
        int64_t at_ms; /* monotonic time of the lookup, 0 = empty */
    } cache[AUTH_CACHE];
    unsigned next_slot;
};

/* Set up with the supervisor group's name (NULL or "" for none). */
void auth_init(struct acd_auth *au, const char *sup_group);
void auth_free(struct acd_auth *au);

/* Is `user` a supervisor?  Looked up with getpwnam/getgrnam/getgrouplist
 * and cached for a few seconds. */
bool auth_supervisor(struct acd_auth *au, const char *user);

/*
 * May `user` act for agent a?  pin is the PIN the request carried (UTF-8,
 * NULL or "" when none was given).  Returns 0, or LINEERR_INVALPASSWORD
 * when a PIN was given and is wrong, or none was given and the user has
 * no right.  A right PIN grants user the agent.
 */
LONG auth_agent(struct acd_auth *au, const struct st_agent *a, const char *user, const char *pin);

/* Did user get agent by a right PIN before? */
bool auth_granted(const struct acd_auth *au, uint32_t agent, const char *user);

/* Test hook: replace the supervisor lookup (NULL restores it). */
void auth_set_lookup(bool (*fn)(const char *user, const char *group));

#endif
