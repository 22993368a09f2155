/*
 * store.c - picks the store backend from the URL and forwards every call
 * to it (see store.h, store_backend.h).
 *
 * URLs:
 *   sqlite:PATH            SQLite database file PATH (created when missing)
 *   sqlite:PATH?OPTIONS    options joined by '&': mode=ro (read-only, the file
 *                          must exist), mode=rw, busy_timeout=MS (default 5000)
 *   PATH                   anything without a "scheme://" prefix: SQLite
 *   postgresql://... or postgres://...   PostgreSQL: the URL goes to libpq as
 *                          it is (libpq's URI syntax, e.g.
 *                          postgresql://user@host/db or
 *                          postgresql:///db?host=/run/postgresql)
 */
#include "store_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf.h"
#include <tapi.h>

_Static_assert(LINEAGENTSESSIONSTATE_ENDED == 16, "STORE_SESSION_ENDED must match tapi.h");

void store_set_err(struct acd_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

int store_err_newer(struct acd_store *s, int v, int latest)
{
    store_set_err(s,
                  "the database is at schema version %d, newer than this acdproxy knows (%d);"
                  " use a newer acdproxy",
                  v, latest);
    return ST_ERR;
}

int store_check_str(struct acd_store *s, const char *what, const char *v, size_t cap,
                    bool allow_empty)
{
    size_t n = strnlen(v, cap);
    if (n == cap) {
        store_set_err(s, "%s is too long (at most %zu bytes)", what, cap - 1);
        return ST_ERR;
    }
    if (n == 0 && !allow_empty) {
        store_set_err(s, "%s is empty", what);
        return ST_ERR;
    }
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        long k = utf8_decode(v + i, n - i, &cp);
        if (k < 0) {
            store_set_err(s, "%s is not valid UTF-8", what);
            return ST_ERR;
        }
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
            store_set_err(s, "%s contains a control character", what);
            return ST_ERR;
        }
        i += (size_t)k;
    }
    return ST_OK;
}

int store_check_agent(struct acd_store *s, const struct st_agent *a)
{
    if (store_check_str(s, "agent id", a->id, sizeof a->id, false) ||
        store_check_str(s, "agent name", a->name, sizeof a->name, true) ||
        store_check_str(s, "agent OS user", a->os_user, sizeof a->os_user, true))
        return ST_ERR;
    /* The hash is ASCII ("$argon2id$v=19$..."); check its shape only, and
       never quote it. */
    size_t n = strnlen(a->pin_hash, sizeof a->pin_hash);
    if (n == sizeof a->pin_hash) {
        store_set_err(s, "agent PIN hash is too long");
        return ST_ERR;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a->pin_hash[i] <= 0x20 || (unsigned char)a->pin_hash[i] >= 0x7f) {
            store_set_err(s, "agent PIN hash is malformed");
            return ST_ERR;
        }
    return ST_OK;
}

/* "scheme://" at the start of url?  Then *len is the scheme's length. */
static bool has_scheme(const char *url, size_t *len)
{
    size_t i = 0;
    if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
        return false;
    while ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
           (url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    if (strncmp(url + i, "://", 3) != 0)
        return false;
    *len = i;
    return true;
}

const char *store_url_redact(const char *url, char *out, size_t cap)
{
    size_t o = 0, slen;
    const char *p = url;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (o + 1 < cap)                                                                           \
            out[o++] = (c);                                                                        \
    } while (0)
    if (!cap)
        return out;
    if (has_scheme(url, &slen)) {
        /* scheme://user:password@host...: the password goes */
        const char *auth = url + slen + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        for (; p < auth; p++)
            PUT(*p);
        if (colon) {
            for (; p <= colon; p++)
                PUT(*p);
            PUT('*');
            PUT('*');
            PUT('*');
            p = at;
        }
    }
    /* ...?password=secret&...: so does this one */
    while (*p) {
        if (p > url && (p[-1] == '?' || p[-1] == '&') && !strncmp(p, "password=", 9)) {
            for (const char *k = "password=***"; *k; k++)
                PUT(*k);
            p += 9 + strcspn(p + 9, "&#");
            continue;
        }
        PUT(*p);
        p++;
    }
#undef PUT
    out[o] = '\0';
    return out;
}

/* "mode=ro&busy_timeout=100": options of a sqlite: URL.  0 or -1. */
static int parse_options(const char *s, struct sqlite_opts *o, char *err, size_t errlen)
{
    while (*s) {
        size_t n = strcspn(s, "&");
        if (n == 7 && !strncmp(s, "mode=ro", 7)) {
            o->readonly = true;
        } else if (n == 7 && !strncmp(s, "mode=rw", 7)) {
            o->readonly = false;
        } else if (n > 13 && !strncmp(s, "busy_timeout=", 13)) {
            int ms = 0;
            size_t i;
            for (i = 13; i < n && s[i] >= '0' && s[i] <= '9' && ms <= 3600000; i++)
                ms = ms * 10 + (s[i] - '0');
            if (i < n || ms > 3600000) {
                snprintf(err, errlen,
                         "bad busy_timeout in store URL (milliseconds, at most 3600000)");
                return -1;
            }
            o->busy_ms = ms;
        } else if (n) {
            snprintf(
                err, errlen,
                "unknown option '%.*s' in store URL (known: mode=ro, mode=rw, busy_timeout=MS)",
                (int)(n > 64 ? 64 : n), s);
            return -1;
        }
        s += n;
        if (*s == '&')
            s++;
    }
    return 0;
}

int store_open(const char *url, struct acd_store **out, char *err, size_t errlen)
{
    char path[4096];
    struct sqlite_opts opt = {false, STORE_BUSY_TIMEOUT_MS};
    size_t slen;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    if (!url || !*url) {
        snprintf(err, errlen, "no store URL given");
        return ST_ERR;
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        return store_pg_open(url, out, err, errlen);
    }
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *p = url + 7;
        const char *q = strrchr(p, '?');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (q && parse_options(q + 1, &opt, err, errlen))
            return ST_ERR;
        if (n == 0) {
            snprintf(err, errlen, "no path in store URL '%s'", url);
            return ST_ERR;
        }
        if (n >= sizeof path) {
            snprintf(err, errlen, "store path too long");
            return ST_ERR;
        }
        memcpy(path, p, n);
        path[n] = '\0';
    } else if (has_scheme(url, &slen)) {
        snprintf(err, errlen, "unknown store URL scheme '%.*s' (use sqlite:PATH or postgresql://)",
                 (int)(slen > 32 ? 32 : slen), url);
        return ST_ERR;
    } else {
        if (strlen(url) >= sizeof path) {
            snprintf(err, errlen, "store path too long");
            return ST_ERR;
        }
        snprintf(path, sizeof path, "%s", url);
    }
    return store_sqlite_open(path, &opt, out, err, errlen);
}

void store_close(struct acd_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *store_errmsg(const struct acd_store *s)
{
    if (!s)
        return "no store";
    return s->err[0] ? s->err : "no error";
}

int store_schema_version(struct acd_store *s)
{
    return s->ops->schema_version(s);
}

int store_begin(struct acd_store *s)
{
    return s->ops->begin(s);
}

int store_commit(struct acd_store *s)
{
    return s->ops->commit(s);
}

void store_rollback(struct acd_store *s)
{
    s->ops->rollback(s);
}

uint32_t store_next_handle(struct acd_store *s)
{
    return s->ops->next_handle(s);
}

bool store_lost(struct acd_store *s)
{
    return s->ops->lost && s->ops->lost(s);
}

int store_reconnect(struct acd_store *s)
{
    return s->ops->reconnect ? s->ops->reconnect(s) : ST_OK;
}

int store_changed(struct acd_store *s, bool *changed)
{
    return s->ops->changed(s, changed);
}

int store_fd(struct acd_store *s)
{
    return s->ops->fd(s);
}

int store_agents(struct acd_store *s, st_agent_fn fn, void *arg)
{
    return s->ops->agents(s, fn, arg);
}

int store_agent_get(struct acd_store *s, const char *id, struct st_agent *out)
{
    return s->ops->agent_get(s, id, out);
}

int store_agent_add(struct acd_store *s, struct st_agent *a)
{
    return s->ops->agent_add(s, a);
}

int store_agent_update(struct acd_store *s, const struct st_agent *a)
{
    return s->ops->agent_update(s, a);
}

int store_agent_remove(struct acd_store *s, const char *id)
{
    return s->ops->agent_remove(s, id);
}

int store_groups(struct acd_store *s, st_group_fn fn, void *arg)
{
    return s->ops->groups(s, fn, arg);
}

int store_group_add(struct acd_store *s, const struct st_group *g)
{
    return s->ops->group_add(s, g);
}

int store_group_remove(struct acd_store *s, const st_guid *guid)
{
    return s->ops->group_remove(s, guid);
}

int store_queues(struct acd_store *s, st_queue_fn fn, void *arg)
{
    return s->ops->queues(s, fn, arg);
}

int store_queue_add(struct acd_store *s, const struct st_queue *q)
{
    return s->ops->queue_add(s, q);
}

int store_queue_update(struct acd_store *s, const struct st_queue *q)
{
    return s->ops->queue_update(s, q);
}

int store_queue_remove(struct acd_store *s, uint32_t id)
{
    return s->ops->queue_remove(s, id);
}

int store_activities(struct acd_store *s, st_activity_fn fn, void *arg)
{
    return s->ops->activities(s, fn, arg);
}

int store_activity_add(struct acd_store *s, const struct st_activity *a)
{
    return s->ops->activity_add(s, a);
}

int store_activity_remove(struct acd_store *s, uint32_t id)
{
    return s->ops->activity_remove(s, id);
}

int store_sessions(struct acd_store *s, st_session_fn fn, void *arg)
{
    return s->ops->sessions(s, fn, arg);
}

int store_session_add(struct acd_store *s, struct st_session *ss)
{
    return s->ops->session_add(s, ss);
}

int store_session_update(struct acd_store *s, const struct st_session *ss)
{
    return s->ops->session_update(s, ss);
}

int store_sessions_changed(struct acd_store *s, uint64_t *cursor, st_session_fn fn, void *arg)
{
    return s->ops->sessions_changed(s, cursor, fn, arg);
}
