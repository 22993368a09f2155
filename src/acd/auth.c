/* auth.c - who may act for an agent (auth.h). */
#include "auth.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pin.h"

#define CACHE_MS 5000

static bool (*lookup_hook)(const char *user, const char *group);

void auth_set_lookup(bool (*fn)(const char *user, const char *group))
{
    lookup_hook = fn;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

void auth_init(struct acd_auth *au, const char *sup_group)
{
    memset(au, 0, sizeof *au);
    snprintf(au->sup_group, sizeof au->sup_group, "%s", sup_group ? sup_group : "");
}

void auth_free(struct acd_auth *au)
{
    free(au->grants);
    memset(au, 0, sizeof *au);
}

/* The real lookup: uid 0, or a member of group (primary or supplementary). */
static bool lookup(const char *user, const char *group)
{
    if (!strcmp(user, "root"))
        return true;
    struct passwd pw, *pp = NULL;
    char buf[4096];
    if (getpwnam_r(user, &pw, buf, sizeof buf, &pp) || !pp)
        return false;
    if (pp->pw_uid == 0)
        return true;
    if (!*group)
        return false;
    struct group gr, *gp = NULL;
    char gbuf[8192];
    if (getgrnam_r(group, &gr, gbuf, sizeof gbuf, &gp) || !gp)
        return false;
    gid_t want = gp->gr_gid;
    if (pp->pw_gid == want)
        return true;
    int n = 64;
    for (int tries = 0; tries < 4; tries++) {
        gid_t *gids = malloc((size_t)n * sizeof *gids);
        if (!gids)
            return false;
        int got = n;
        int rc = getgrouplist(user, pp->pw_gid, gids, &got);
        if (rc >= 0) {
            bool in = false;
            for (int i = 0; i < got && !in; i++)
                in = gids[i] == want;
            free(gids);
            return in;
        }
        free(gids);
        n = got > n ? got : n * 2;
    }
    return false;
}

bool auth_supervisor(struct acd_auth *au, const char *user)
{
    if (!user || !*user)
        return false;
    if (!strcmp(user, "root"))
        return true;
    int64_t now = mono_ms();
    for (unsigned i = 0; i < AUTH_CACHE; i++)
        if (au->cache[i].at_ms && now - au->cache[i].at_ms < CACHE_MS &&
            !strcmp(au->cache[i].user, user))
            return au->cache[i].sup;
    bool sup = lookup_hook ? lookup_hook(user, au->sup_group) : lookup(user, au->sup_group);
    unsigned k = au->next_slot++ % AUTH_CACHE;
    snprintf(au->cache[k].user, sizeof au->cache[k].user, "%s", user);
    au->cache[k].sup = sup;
    au->cache[k].at_ms = now;
    return sup;
}

bool auth_granted(const struct acd_auth *au, uint32_t agent, const char *user)
{
    for (uint32_t i = 0; i < au->ngrants; i++)
        if (au->grants[i].agent == agent && !strcmp(au->grants[i].user, user))
            return true;
    return false;
}

static void grant(struct acd_auth *au, uint32_t agent, const char *user)
{
    if (!*user || strlen(user) >= ST_ID_MAX || auth_granted(au, agent, user))
        return;
    if (au->ngrants == au->capgrants) {
        uint32_t ncap = au->capgrants ? au->capgrants * 2 : 16;
        struct auth_grant *p = realloc(au->grants, (size_t)ncap * sizeof *p);
        if (!p)
            return; /* the PIN was right; the right just is not remembered */
        au->grants = p;
        au->capgrants = ncap;
    }
    au->grants[au->ngrants].agent = agent;
    snprintf(au->grants[au->ngrants].user, ST_ID_MAX, "%s", user);
    au->ngrants++;
}

LONG auth_agent(struct acd_auth *au, const struct st_agent *a, const char *user, const char *pin)
{
    if (!user)
        user = "";
    if (pin && *pin) {
        /* A PIN given must be right, whoever gives it. */
        if (!a->pin_hash[0] || !pin_verify(a->pin_hash, pin))
            return (LONG)LINEERR_INVALPASSWORD;
        grant(au, a->handle, user);
        return 0;
    }
    if (*user && a->os_user[0] && !strcmp(a->os_user, user))
        return 0;
    if (*user && auth_granted(au, a->handle, user))
        return 0;
    if (auth_supervisor(au, user))
        return 0;
    return (LONG)LINEERR_INVALPASSWORD;
}
