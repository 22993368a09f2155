/* config.c - the [acdproxy] INI section via inih (config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

void acd_config_defaults(struct acd_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->db, sizeof c->db, "%s", ACD_DEF_DB);
    c->all_lines = true;
    snprintf(c->sup_group, sizeof c->sup_group, "%s", ACD_DEF_SUPERVISORS);
    c->batch = ACD_DEF_BATCH;
    c->log_level = LOG_INFO;
    c->ready_fd = -1;
}

int acd_config_parse_lines(struct acd_config *c, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || !strcmp(s, "all")) {
        c->all_lines = true;
        c->nlines = 0;
        return 0;
    }
    size_t n = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            return -1;
        errno = 0;
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (errno || v > UINT32_MAX || n >= ACD_MAX_LINES)
            return -1;
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= c->lines[i] == (uint32_t)v;
        if (!dup)
            c->lines[n++] = (uint32_t)v;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (*p != ',')
            return -1;
        p++;
    }
    c->nlines = n;
    c->all_lines = false;
    return 0;
}

struct load_ctx {
    struct acd_config *c;
    char *err;
    size_t errlen;
    bool failed;
};

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *x = user;
    struct acd_config *c = x->c;
    if (strcmp(section, "acdproxy"))
        return 1;
    if (!strcmp(name, "db")) {
        if (!*value || strlen(value) >= sizeof c->db)
            goto bad;
        snprintf(c->db, sizeof c->db, "%s", value);
    } else if (!strcmp(name, "lines")) {
        if (acd_config_parse_lines(c, value))
            goto bad;
    } else if (!strcmp(name, "supervisor_group")) {
        if (strlen(value) >= sizeof c->sup_group)
            goto bad;
        snprintf(c->sup_group, sizeof c->sup_group, "%s", value);
    } else if (!strcmp(name, "batch")) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || *end || !*value || v < 1 || v > ACD_MAX_BATCH)
            goto bad;
        c->batch = (uint32_t)v;
    } else if (!strcmp(name, "log_level")) {
        if (log_level_parse(value, &c->log_level))
            goto bad;
    } else {
        snprintf(x->err, x->errlen, "[acdproxy]: unknown key '%s'", name);
        x->failed = true;
        return 0;
    }
    return 1;
bad:
    snprintf(x->err, x->errlen, "[acdproxy] %s: bad value '%s'", name, value);
    x->failed = true;
    return 0;
}

int acd_config_load(struct acd_config *c, const char *path, char *err, size_t errlen)
{
    struct load_ctx x = {c, err, errlen, false};
    int rc = ini_parse(path, on_key, &x);
    if (rc == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (x.failed) {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", err);
        snprintf(err, errlen, "%s: %s", path, tmp);
        return -1;
    }
    if (rc) {
        snprintf(err, errlen, "%s: line %d: not INI syntax", path, rc);
        return -1;
    }
    return 0;
}
