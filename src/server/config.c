/*
 * config.c - defaults and INI parsing for tapisrv (see config.h).
 *
 * inih does the key = value syntax.  We feed it through our own line
 * reader (ini_parse_stream) for three reasons:
 *  - exact line numbers in every message, without depending on how the
 *    system's libinih was built (INI_HANDLER_LINENO is off in Debian's);
 *  - we see section headers ourselves, so an empty section such as a
 *    "[line 3]" without keys is still noticed (inih reports only keys);
 *  - leading whitespace is stripped before inih sees the line, so an
 *    indented key is an ordinary key and never a "continuation line" of
 *    the previous value (inih's multi-line mode).
 * Only the first error is reported; it is the one the user fixes first.
 */
#include "config.h"
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>
#include <tapi.h>

#include "utf.h"
#include "wire.h"

/* An address section as parsed. */
struct paddr {
    int lineno; /* header line; 0 = section not present */
    unsigned seen;
    char *address, *name;
    uint32_t flags;
};

/* A line section and the address sections that name it. */
struct pline {
    int lineno; /* header line; 0 = section not present (yet) */
    unsigned seen;
    int permid_lineno;
    char *name, *provider_info, *switch_info;
    uint32_t permanent_id;
    uint32_t naddr_slots;
    struct paddr *addrs;
};

enum sect { S_NONE, S_SERVER, S_LINE, S_ADDR, S_BAD };

struct ctx {
    struct srv_config *cfg;
    const char *name;
    FILE *f;       /* source: a stream ... */
    const char *s; /* ... or a string */
    int lineno;
    int err_line;   /* first error, 0 = none */
    int err_noline; /* error that belongs to no line (e.g. no memory) */
    char err[256];
    enum sect kind;
    uint32_t li, ai;
    int server_lineno;
    unsigned server_seen;
    int max_frame_lineno, max_queue_lineno;
    int timeout_lineno, timeout_ms_lineno;
    struct pline **lines; /* CONFIG_MAX_LINES slots, allocated on use */
};

__attribute__((format(printf, 3, 4))) static void fail_at(struct ctx *c, int line, const char *fmt,
                                                          ...)
{
    if (c->err_line || c->err_noline)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    if (line > 0)
        c->err_line = line;
    else
        c->err_noline = 1;
}

#define fail(c, ...) fail_at((c), (c)->lineno, __VA_ARGS__)

static int failed(const struct ctx *c)
{
    return c->err_line || c->err_noline;
}

/* ---- values ------------------------------------------------------------ */

static int number(struct ctx *c, const char *key, const char *value, uint32_t min, uint32_t max,
                  uint32_t *out)
{
    if (parse_u32(value, out) < 0 || *out < min || *out > max) {
        fail(c, "bad value for %s: '%s' (expected a number %u..%u)", key, value, min, max);
        return -1;
    }
    return 0;
}

static int string(struct ctx *c, const char *key, const char *value, int allow_empty, char **out)
{
    if (!allow_empty && !*value) {
        fail(c, "%s must not be empty", key);
        return -1;
    }
    /* Strings end up in UTF-16 structures; refuse what cannot convert
     * now rather than fail a lineGetDevCapsW later. */
    if (utf8_to_utf16(value, strlen(value), NULL, 0) < 0) {
        fail(c, "value of %s is not valid UTF-8", key);
        return -1;
    }
    free(*out);
    *out = strdup(value);
    if (!*out) {
        fail(c, "out of memory");
        return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    uint32_t bit;
} addr_flags[] = {
    {"QUEUE", LINEADDRCAPFLAGS_QUEUE},
    {"ACDGROUP", LINEADDRCAPFLAGS_ACDGROUP},
    {"ROUTEPOINT", LINEADDRCAPFLAGS_ROUTEPOINT},
    {"PREDICTIVEDIALER", LINEADDRCAPFLAGS_PREDICTIVEDIALER},
};

/* "QUEUE ACDGROUP", "queue,0x40000000", "LINEADDRCAPFLAGS_QUEUE|ROUTEPOINT". */
static int parse_flags(struct ctx *c, const char *value, uint32_t *out)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", value); /* lines are shorter than buf */
    uint32_t v = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t,|", &save); tok; tok = strtok_r(NULL, " \t,|", &save)) {
        uint32_t n;
        const char *name = tok;
        if (strncasecmp(name, "LINEADDRCAPFLAGS_", 17) == 0)
            name += 17;
        size_t i;
        for (i = 0; i < sizeof addr_flags / sizeof addr_flags[0]; i++)
            if (strcasecmp(name, addr_flags[i].name) == 0)
                break;
        if (i < sizeof addr_flags / sizeof addr_flags[0])
            v |= addr_flags[i].bit;
        else if (parse_u32(tok, &n) == 0)
            v |= n;
        else {
            fail(c,
                 "bad flag '%s' (expected QUEUE, ACDGROUP, ROUTEPOINT, PREDICTIVEDIALER or a "
                 "number)",
                 tok);
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* ---- sections ---------------------------------------------------------- */

static struct pline *get_line(struct ctx *c, uint32_t li)
{
    if (!c->lines[li]) {
        c->lines[li] = calloc(1, sizeof *c->lines[li]);
        if (!c->lines[li])
            fail(c, "out of memory");
    }
    return c->lines[li];
}

static struct paddr *get_addr(struct ctx *c, struct pline *pl, uint32_t ai)
{
    if (ai >= pl->naddr_slots) {
        uint32_t n = pl->naddr_slots ? pl->naddr_slots : 4;
        while (n <= ai)
            n *= 2;
        struct paddr *p = realloc(pl->addrs, n * sizeof *p);
        if (!p) {
            fail(c, "out of memory");
            return NULL;
        }
        memset(p + pl->naddr_slots, 0, (n - pl->naddr_slots) * sizeof *p);
        pl->addrs = p;
        pl->naddr_slots = n;
    }
    return &pl->addrs[ai];
}

/* A decimal index without sign or leading zeros, below max; advances *p. */
static int index_at(const char **p, uint32_t max, uint32_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
        return -1;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (uint64_t)(*s++ - '0');
        if (v >= max)
            return -1;
    }
    *p = s;
    *out = (uint32_t)v;
    return 0;
}

static int word(const char **p, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*p, w, n) != 0)
        return -1;
    *p += n;
    return 0;
}

static int spaces(const char **p)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (s == *p)
        return -1;
    *p = s;
    return 0;
}

/* A "[...]" line: decide what the following keys belong to. */
static void section_begin(struct ctx *c, const char *line)
{
    const char *end = strchr(line, ']');
    char buf[256];
    c->kind = S_BAD;
    if (!end) {
        fail(c, "malformed section header (no ']')");
        return;
    }
    const char *s0 = line + 1;
    while (s0 < end && (*s0 == ' ' || *s0 == '\t'))
        s0++;
    while (end > s0 && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    /* Lines are shorter than buf (inih's line limit), but stay safe. */
    size_t len = (size_t)(end - s0) < sizeof buf - 1 ? (size_t)(end - s0) : sizeof buf - 1;
    memcpy(buf, s0, len);
    buf[len] = '\0';
    const char *s = buf;

    const char *p = s;
    uint32_t li, ai;
    if (strcmp(s, "server") == 0) {
        if (c->server_lineno) {
            fail(c, "duplicate section [server] (first at line %d)", c->server_lineno);
            return;
        }
        c->server_lineno = c->lineno;
        c->kind = S_SERVER;
        return;
    }
    if (word(&p, "line") < 0 || spaces(&p) < 0) {
        fail(c, "unknown section [%s]", s);
        return;
    }
    if (index_at(&p, CONFIG_MAX_LINES, &li) < 0) {
        fail(c, "bad line number in [%s] (expected 0..%u)", s, CONFIG_MAX_LINES - 1);
        return;
    }
    if (*p == '\0') {
        struct pline *pl = get_line(c, li);
        if (!pl)
            return;
        if (pl->lineno) {
            fail(c, "duplicate section [line %u] (first at line %d)", li, pl->lineno);
            return;
        }
        pl->lineno = c->lineno;
        c->kind = S_LINE;
        c->li = li;
        return;
    }
    if (spaces(&p) < 0 || word(&p, "address") < 0 || spaces(&p) < 0) {
        fail(c, "unknown section [%s]", s);
        return;
    }
    if (index_at(&p, CONFIG_MAX_ADDRS, &ai) < 0 || *p != '\0') {
        fail(c, "bad address number in [%s] (expected 0..%u)", s, CONFIG_MAX_ADDRS - 1);
        return;
    }
    struct pline *pl = get_line(c, li);
    struct paddr *pa = pl ? get_addr(c, pl, ai) : NULL;
    if (!pa)
        return;
    if (pa->lineno) {
        fail(c, "duplicate section [line %u address %u] (first at line %d)", li, ai, pa->lineno);
        return;
    }
    pa->lineno = c->lineno;
    c->kind = S_ADDR;
    c->li = li;
    c->ai = ai;
}

/* ---- keys -------------------------------------------------------------- */

/* Index of key in keys[] or -1; a repeated key is an error. */
static int key_index(struct ctx *c, const char *const *keys, size_t n, const char *key,
                     unsigned *seen, const char *where)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i], key) == 0) {
            if (*seen & (1u << i)) {
                fail(c, "duplicate key '%s' in [%s]", key, where);
                return -1;
            }
            *seen |= 1u << i;
            return (int)i;
        }
    }
    fail(c, "unknown key '%s' in [%s]", key, where);
    return -1;
}

static void server_key(struct ctx *c, const char *key, const char *value)
{
    static const char *const keys[] = {"socket",          "socket_group",  "max_frame",
                                       "max_queue",       "proxy_timeout", "log_level",
                                       "proxy_timeout_ms"};
    struct srv_config *cfg = c->cfg;
    switch (key_index(c, keys, 7, key, &c->server_seen, "server")) {
    case 0:
        string(c, key, value, 0, &cfg->socket);
        break;
    case 1:
        string(c, key, value, 0, &cfg->socket_group);
        break;
    case 2:
        number(c, key, value, CONFIG_MIN_FRAME, CONFIG_MAX_FRAME, &cfg->max_frame);
        c->max_frame_lineno = c->lineno;
        break;
    case 3:
        number(c, key, value, CONFIG_MIN_FRAME, UINT32_MAX, &cfg->max_queue);
        c->max_queue_lineno = c->lineno;
        break;
    case 4:
        number(c, key, value, 1, UINT32_MAX, &cfg->proxy_timeout);
        c->timeout_lineno = c->lineno;
        break;
    case 5:
        if (log_level_parse(value, &cfg->log_level) < 0)
            fail(c, "bad value for log_level: '%s' (expected error, warn, info or debug)", value);
        break;
    case 6:
        number(c, key, value, 1, UINT32_MAX, &cfg->proxy_timeout_ms);
        c->timeout_ms_lineno = c->lineno;
        break;
    default:
        break;
    }
}

static void line_key(struct ctx *c, const char *key, const char *value)
{
    static const char *const keys[] = {"name", "permanent_id", "provider_info", "switch_info"};
    struct pline *pl = c->lines[c->li];
    char where[32];
    snprintf(where, sizeof where, "line %u", c->li);
    switch (key_index(c, keys, 4, key, &pl->seen, where)) {
    case 0:
        string(c, key, value, 1, &pl->name);
        break;
    case 1:
        number(c, key, value, 0, UINT32_MAX, &pl->permanent_id);
        pl->permid_lineno = c->lineno;
        break;
    case 2:
        string(c, key, value, 1, &pl->provider_info);
        break;
    case 3:
        string(c, key, value, 1, &pl->switch_info);
        break;
    default:
        break;
    }
}

static void addr_key(struct ctx *c, const char *key, const char *value)
{
    static const char *const keys[] = {"address", "name", "flags"};
    struct paddr *pa = &c->lines[c->li]->addrs[c->ai];
    char where[48];
    snprintf(where, sizeof where, "line %u address %u", c->li, c->ai);
    switch (key_index(c, keys, 3, key, &pa->seen, where)) {
    case 0:
        string(c, key, value, 0, &pa->address);
        break;
    case 1:
        string(c, key, value, 1, &pa->name);
        break;
    case 2:
        parse_flags(c, value, &pa->flags);
        break;
    default:
        break;
    }
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
    struct ctx *c = user;
    (void)section; /* the reader tracked it, with our own parsing */
    if (failed(c))
        return 1;
    switch (c->kind) {
    case S_NONE:
        fail(c, "key '%s' outside any section", key ? key : "");
        break;
    case S_SERVER:
        server_key(c, key, value);
        break;
    case S_LINE:
        line_key(c, key, value);
        break;
    case S_ADDR:
        addr_key(c, key, value);
        break;
    case S_BAD:
        break; /* the header's error is already the first one */
    }
    return failed(c) ? 0 : 1;
}

/* ---- the reader -------------------------------------------------------- */

static int src_getc(struct ctx *c)
{
    if (c->f)
        return getc(c->f);
    if (!*c->s)
        return EOF;
    return (unsigned char)*c->s++;
}

/* fgets for inih: one physical line per call, so that our line count and
 * inih's stay equal; leading blanks (and a UTF-8 BOM) removed; an over-long
 * line is an error instead of being split into two. */
static char *reader(char *str, int num, void *stream)
{
    struct ctx *c = stream;
    int n = 0, ch, any = 0, overflow = 0;
    while ((ch = src_getc(c)) != EOF) {
        any = 1;
        if (ch == '\n')
            break;
        if (n == 0 && (ch == ' ' || ch == '\t' || ch == '\r'))
            continue;
        if (n < num - 2)
            str[n++] = (char)ch;
        else
            overflow = 1;
    }
    if (!any)
        return NULL;
    c->lineno++;
    if (c->lineno == 1 && n >= 3 && memcmp(str, "\xEF\xBB\xBF", 3) == 0) {
        int skip = 3;
        while (skip < n && (str[skip] == ' ' || str[skip] == '\t'))
            skip++;
        memmove(str, str + skip, (size_t)(n - skip));
        n -= skip;
    }
    if (overflow)
        fail(c, "line longer than %d characters", num - 3);
    if (ch == '\n')
        str[n++] = '\n';
    str[n] = '\0';
    if (str[0] == '[') {
        if (failed(c))
            c->kind = S_BAD; /* nothing after the first error matters */
        else
            section_begin(c, str);
    }
    return str;
}

/* ---- putting it together ----------------------------------------------- */

static void free_plines(struct ctx *c)
{
    if (!c->lines)
        return;
    for (uint32_t i = 0; i < CONFIG_MAX_LINES; i++) {
        struct pline *pl = c->lines[i];
        if (!pl)
            continue;
        for (uint32_t a = 0; a < pl->naddr_slots; a++) {
            free(pl->addrs[a].address);
            free(pl->addrs[a].name);
        }
        free(pl->addrs);
        free(pl->name);
        free(pl->provider_info);
        free(pl->switch_info);
        free(pl);
    }
    free(c->lines);
    c->lines = NULL;
}

static char *take(char **p)
{
    char *s = *p;
    *p = NULL;
    return s;
}

struct permid {
    uint32_t id, li;
    int lineno;
};

static int cmp_permid(const void *a, const void *b)
{
    const struct permid *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->lineno - y->lineno;
}

/* Whole-file rules (numbering, required sections, uniqueness), then move
 * the parsed lines into cfg->lines. */
static void finalize(struct ctx *c)
{
    struct srv_config *cfg = c->cfg;
    uint32_t n = 0;
    for (uint32_t i = 0; i < CONFIG_MAX_LINES; i++) {
        struct pline *pl = c->lines[i];
        if (!pl)
            continue;
        if (!pl->lineno) {
            /* Only address sections named this line. */
            for (uint32_t a = 0; a < pl->naddr_slots; a++) {
                if (pl->addrs[a].lineno) {
                    fail_at(c, pl->addrs[a].lineno,
                            "[line %u address %u] belongs to no [line %u] section", i, a, i);
                    return;
                }
            }
            continue;
        }
        if (n != i) {
            fail_at(c, pl->lineno,
                    "[line %u] without [line %u]: lines must be numbered 0..n-1 without gaps", i,
                    n);
            return;
        }
        n = i + 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct pline *pl = c->lines[i];
        uint32_t na = 0;
        for (uint32_t a = 0; a < pl->naddr_slots; a++) {
            struct paddr *pa = &pl->addrs[a];
            if (!pa->lineno)
                continue;
            if (na != a) {
                fail_at(c, pa->lineno,
                        "[line %u address %u] without [line %u address %u]: addresses must be "
                        "numbered 0..m-1 without gaps",
                        i, a, i, na);
                return;
            }
            if (!pa->address) {
                fail_at(c, pa->lineno, "[line %u address %u] lacks the required key 'address'", i,
                        a);
                return;
            }
            na = a + 1;
        }
        if (na == 0) {
            fail_at(c, pl->lineno, "[line %u] has no address (add a [line %u address 0] section)",
                    i, i);
            return;
        }
        if (!(pl->seen & 2u)) /* permanent_id not given: the default rule */
            pl->permanent_id = i + 1;
    }
    if (n > 1) {
        struct permid *ids = malloc(n * sizeof *ids);
        if (!ids) {
            fail_at(c, 0, "out of memory");
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            struct pline *pl = c->lines[i];
            ids[i] = (struct permid){pl->permanent_id, i,
                                     pl->permid_lineno ? pl->permid_lineno : pl->lineno};
        }
        qsort(ids, n, sizeof *ids, cmp_permid);
        for (uint32_t i = 1; i < n; i++) {
            if (ids[i].id == ids[i - 1].id) {
                fail_at(c, ids[i].lineno, "permanent_id %u of [line %u] is also used by [line %u]",
                        ids[i].id, ids[i].li, ids[i - 1].li);
                break;
            }
        }
        free(ids);
        if (failed(c))
            return;
    }
    if (c->timeout_lineno && c->timeout_ms_lineno) {
        int at =
            c->timeout_lineno > c->timeout_ms_lineno ? c->timeout_lineno : c->timeout_ms_lineno;
        fail_at(c, at, "give proxy_timeout or proxy_timeout_ms, not both");
        return;
    }
    if (cfg->max_queue < cfg->max_frame) {
        int at =
            c->max_queue_lineno > c->max_frame_lineno ? c->max_queue_lineno : c->max_frame_lineno;
        fail_at(c, at, "max_queue (%u) must be at least max_frame (%u)", cfg->max_queue,
                cfg->max_frame);
        return;
    }

    /* Everything checked: build the device table. */
    if (n == 0)
        return; /* keep the default lines config_defaults put there */
    struct line_table t = {0, calloc(n, sizeof(struct line_dev))};
    if (!t.v) {
        fail_at(c, 0, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct pline *pl = c->lines[i];
        struct line_dev *ln = &t.v[i];
        uint32_t na = 0;
        while (na < pl->naddr_slots && pl->addrs[na].lineno)
            na++;
        t.n = i + 1;
        ln->addrs = calloc(na, sizeof *ln->addrs);
        if (!ln->addrs) {
            lines_free(&t);
            fail_at(c, 0, "out of memory");
            return;
        }
        ln->naddrs = na;
        for (uint32_t a = 0; a < na; a++) {
            ln->addrs[a].address = take(&pl->addrs[a].address);
            ln->addrs[a].name = take(&pl->addrs[a].name);
            ln->addrs[a].flags = pl->addrs[a].flags;
        }
        ln->permanent_id = pl->permanent_id;
        ln->media_modes = LINEMEDIAMODE_INTERACTIVEVOICE;
        if (pl->name)
            ln->name = take(&pl->name);
        else if (asprintf(&ln->name, "Station %u", i + 1) < 0)
            ln->name = NULL;
        ln->provider_info = pl->provider_info ? take(&pl->provider_info) : strdup("tapix");
        ln->switch_info =
            pl->switch_info ? take(&pl->switch_info) : strdup("tapix built-in switch");
        if (!ln->name || !ln->provider_info || !ln->switch_info) {
            lines_free(&t);
            fail_at(c, 0, "out of memory");
            return;
        }
    }
    lines_free(&cfg->lines);
    cfg->lines = t;
}

static int load(struct srv_config *cfg, struct ctx *c, char *err, size_t errlen)
{
    if (config_defaults(cfg) < 0) {
        snprintf(err, errlen, "%s: out of memory", c->name);
        return -1;
    }
    c->cfg = cfg;
    c->lines = calloc(CONFIG_MAX_LINES, sizeof *c->lines);
    int r = c->lines ? ini_parse_stream(reader, c, on_key, c) : -2;
    if (r == -2)
        fail_at(c, 0, "out of memory");
    else if (r > 0 && (!c->err_line || r < c->err_line) && !c->err_noline) {
        /* inih's own complaint, on a line our code never saw as bad. */
        c->err_line = 0;
        fail_at(c, r, "syntax error (expected [section], key = value, or a ; comment)");
    }
    if (!failed(c))
        finalize(c);
    free_plines(c);
    if (!failed(c))
        return 0;
    if (c->err_line)
        snprintf(err, errlen, "%s:%d: %s", c->name, c->err_line, c->err);
    else
        snprintf(err, errlen, "%s: %s", c->name, c->err);
    config_free(cfg);
    return -1;
}

int config_defaults(struct srv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_frame = WIRE_MAX_FRAME_DEFAULT;
    cfg->max_queue = CONFIG_DEF_QUEUE;
    cfg->proxy_timeout = CONFIG_DEF_PROXY_TIMEOUT;
    cfg->log_level = LOG_INFO;
    return lines_defaults(&cfg->lines);
}

int config_load_stream(struct srv_config *cfg, FILE *f, const char *name, char *err, size_t errlen)
{
    struct ctx c = {.name = name, .f = f};
    return load(cfg, &c, err, errlen);
}

int config_load_string(struct srv_config *cfg, const char *text, const char *name, char *err,
                       size_t errlen)
{
    struct ctx c = {.name = name, .s = text};
    return load(cfg, &c, err, errlen);
}

int config_load_file(struct srv_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        memset(cfg, 0, sizeof *cfg);
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int r = config_load_stream(cfg, f, path, err, errlen);
    if (r == 0 && ferror(f)) {
        config_free(cfg);
        snprintf(err, errlen, "%s: read error", path);
        r = -1;
    }
    fclose(f);
    return r;
}

uint64_t config_proxy_timeout_ms(const struct srv_config *cfg)
{
    return cfg->proxy_timeout_ms ? cfg->proxy_timeout_ms : (uint64_t)cfg->proxy_timeout * 1000u;
}

void config_free(struct srv_config *cfg)
{
    free(cfg->socket);
    free(cfg->socket_group);
    lines_free(&cfg->lines);
    memset(cfg, 0, sizeof *cfg);
}
