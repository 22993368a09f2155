/*
 * admin.c - `acdproxy admin [--db URL] [--json] OBJECT VERB [ARGS]`
 * (admin.h, docs/ACD.md "Running it").
 *
 * Every argument is checked before the store is opened, so a usage error
 * (exit 2) never creates a database file.  The store is one transaction
 * per command.  PINs come from fd 0 only: read once from a pipe or file,
 * asked for twice without echo on a terminal; they are hashed at once and
 * wiped, and no message ever contains one.  Options may come anywhere
 * after "admin"; "--" ends them (for an agent ID that starts with '-').
 *
 * Output: tables with a header line for people (columns padded by
 * characters, not bytes), or with --json one JSON array of objects for a
 * list and one object for any other command.
 */
#include "admin.h"
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "pin.h"
#include "utf.h"

#define PROG "acdproxy admin"
#define DEFAULT_DB "var/acd.db"
#define MAX_POS 4

/* ---- GUIDs ------------------------------------------------------------------------- */

void acd_guid_format(const st_guid *g, char *out)
{
    const uint8_t *b = g->b;
    snprintf(out, GUID_STR_LEN + 1,
             "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[3], b[2],
             b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int acd_guid_parse(const char *s, st_guid *out)
{
    size_t n = strlen(s);
    if (n == GUID_STR_LEN && s[0] == '{' && s[n - 1] == '}') {
        s++;
        n -= 2;
    }
    if (n != 36)
        return -1;
    /* The text's digits, in order, as 16 bytes. */
    uint8_t t[16];
    size_t k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
            i++;
            continue;
        }
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        t[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    /* Data1, Data2, Data3 are stored little-endian. */
    static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; i++)
        out->b[order[i]] = t[i];
    return 0;
}

int acd_guid_random(st_guid *g)
{
    if (pin_init() < 0)
        return -1;
    randombytes_buf(g->b, sizeof g->b);
    g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40); /* Data3's high nibble: version 4 */
    g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80); /* Data4[0]: the RFC 4122 variant */
    return 0;
}

/* ---- arguments ----------------------------------------------------------------------- */

enum {
    O_NAME = 1u << 0,
    O_USER = 1u << 1,
    O_GROUP = 1u << 2,
    O_PIN_STDIN = 1u << 3,
    O_CLEAR = 1u << 4,
};

struct opts {
    const char *db;
    bool json, help;
    const char *name, *user, *group;
    unsigned given; /* O_ bits seen */
    const char *pos[MAX_POS + 2];
    int npos;
};

struct ctx;
struct cmd {
    const char *object, *verb, *args, *form;
    int npos_min, npos_max; /* after OBJECT VERB */
    unsigned opts;
    int (*run)(struct ctx *c);
};

struct ctx {
    struct opts o;
    const struct cmd *cmd;
    const char *db;
    struct acd_store *st;
};

#define USAGE_HEAD "usage: " PROG " [--db URL] [--json] "

static const char usage_cmds[] = "  agent add ID [--name NAME] [--user OSUSER] [--pin-stdin]\n"
                                 "  agent list\n"
                                 "  agent remove ID\n"
                                 "  agent set-pin ID [--clear]\n"
                                 "  group add NAME\n"
                                 "  group list\n"
                                 "  group remove NAME|GUID\n"
                                 "  queue add ID NAME --group NAME|GUID\n"
                                 "  queue list [--group NAME|GUID]\n"
                                 "  queue remove ID\n"
                                 "  activity add ID NAME\n"
                                 "  activity list\n"
                                 "  activity remove ID\n";

static const char usage_tail[] =
    "The database is --db, else $ACDPROXY_DB, else " DEFAULT_DB " (sqlite:PATH, a PATH, or a\n"
    "postgresql:// URL).  PINs are read from standard input, or asked for on a terminal;\n"
    "never from the command line.  Exit: 0 done, 1 failed, 2 usage error.\n";

/* The command being run, for a usage message that shows just its form. */
static const char *usage_form;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    if (usage_form)
        fprintf(stderr, USAGE_HEAD "%s\n", usage_form);
    else {
        fputs(USAGE_HEAD "OBJECT VERB [ARGS]\n", stderr);
        fputs(usage_cmds, stderr);
    }
    fputs("(" PROG " --help for more)\n", stderr);
    return 2;
}

__attribute__((format(printf, 1, 2))) static int failed(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    return 1;
}

static int store_failed(struct ctx *c)
{
    return failed("%s", store_errmsg(c->st));
}

static const char pin_argv_refused[] =
    "PINs are never taken from the command line: other users can read a process's arguments "
    "and shells keep them in their history.  Use --pin-stdin (agent add) or agent set-pin, "
    "which read the PIN from standard input or ask for it on a terminal";

/* Parse argv into c->o.  0, or 2 after a usage message. */
static int parse_args(struct opts *o, int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned bit;
    } flags[] = {
        {"--pin-stdin", O_PIN_STDIN},
        {"--clear", O_CLEAR},
    };
    bool only_pos = false;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (o->npos >= MAX_POS + 2)
                return usage_error("too many arguments");
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            o->help = true;
            continue;
        }
        if (!strcmp(a, "--json")) {
            o->json = true;
            continue;
        }
        if (!strcmp(a, "--pin") || !strncmp(a, "--pin=", 6)) {
            fputs(PROG ": ", stderr);
            fputs(pin_argv_refused, stderr);
            fputs("\n", stderr);
            return 2;
        }
        /* Options with a value: "--opt VALUE" or "--opt=VALUE". */
        const char **slot = NULL;
        unsigned bit = 0;
        size_t nlen = strcspn(a, "=");
        if (nlen == 4 && !strncmp(a, "--db", 4))
            slot = &o->db;
        else if (nlen == 6 && !strncmp(a, "--name", 6))
            slot = &o->name, bit = O_NAME;
        else if (nlen == 6 && !strncmp(a, "--user", 6))
            slot = &o->user, bit = O_USER;
        else if (nlen == 7 && !strncmp(a, "--group", 7))
            slot = &o->group, bit = O_GROUP;
        if (slot) {
            if (a[nlen] == '=') {
                *slot = a + nlen + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_error("option %s needs a value", a);
                *slot = argv[++i];
            }
            if (slot == &o->db && !**slot)
                return usage_error("--db needs a value");
            o->given |= bit;
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (!strcmp(a, flags[k].name))
                break;
        if (k < sizeof flags / sizeof flags[0]) {
            o->given |= flags[k].bit;
            continue;
        }
        return usage_error("unknown option '%s'", a);
    }
    return 0;
}

/* ---- checks ------------------------------------------------------------------------ */

/* NULL when s is fit for a field of cap bytes (incl. NUL), else why not. */
static const char *text_problem(const char *s, size_t cap, bool allow_empty)
{
    size_t n = strlen(s);
    if (!n && !allow_empty)
        return "is empty";
    if (n >= cap)
        return "is too long";
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        long k = utf8_decode(s + i, n - i, &cp);
        if (k < 0)
            return "is not valid UTF-8";
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return "contains a control character";
        i += (size_t)k;
    }
    return NULL;
}

static int check_text(const char *what, const char *s, size_t cap, bool allow_empty)
{
    const char *p = text_problem(s, cap, allow_empty);
    if (!p)
        return 0;
    if (!strcmp(p, "is too long"))
        return usage_error("%s %s (at most %zu bytes)", what, p, cap - 1);
    return usage_error("%s %s", what, p);
}

static int number_arg(const char *what, const char *s, uint32_t *out)
{
    if (parse_u32(s, out) < 0)
        return usage_error("%s must be a number 0..4294967295 (decimal or 0x-hex), not '%s'", what,
                           s);
    return 0;
}

/* ---- the store ------------------------------------------------------------------------ */

static int open_store(struct ctx *c)
{
    char err[512];
    if (store_open(c->db, &c->st, err, sizeof err) != ST_OK)
        return failed("cannot open the store: %s", err);
    return 0;
}

struct glist {
    struct st_group *v;
    size_t n, cap;
};

static int on_group(void *arg, const struct st_group *g)
{
    struct glist *l = arg;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct st_group *p = realloc(l->v, ncap * sizeof *p);
        if (!p)
            return 1; /* out of memory; store codes are negative */
        l->v = p;
        l->cap = ncap;
    }
    l->v[l->n++] = *g;
    return 0;
}

static int load_groups(struct ctx *c, struct glist *l)
{
    memset(l, 0, sizeof *l);
    int r = store_groups(c->st, on_group, l);
    if (r) {
        free(l->v);
        memset(l, 0, sizeof *l);
        return r == 1 ? failed("out of memory") : store_failed(c);
    }
    return 0;
}

/* The group `arg` names (a GUID, else a name).  0, or 1 after a message. */
static int find_group(struct ctx *c, const char *arg, struct st_group *out)
{
    struct glist l;
    if (load_groups(c, &l))
        return 1;
    st_guid g;
    const struct st_group *hit = NULL;
    if (acd_guid_parse(arg, &g) == 0)
        for (size_t i = 0; i < l.n && !hit; i++)
            if (!memcmp(l.v[i].guid.b, g.b, 16))
                hit = &l.v[i];
    for (size_t i = 0; i < l.n && !hit; i++)
        if (!strcmp(l.v[i].name, arg))
            hit = &l.v[i];
    if (hit)
        *out = *hit;
    free(l.v);
    return hit ? 0 : failed("no group '%s'", arg);
}

/* ---- output --------------------------------------------------------------------------- */

struct col {
    const char *head; /* table header */
    const char *key;  /* JSON key */
    char type;        /* 's' string, 'n' number, 'b' boolean ("yes"/"no") */
};

struct out {
    const struct col *cols;
    int ncols;
    char **cells; /* n rows of ncols */
    size_t n, cap;
    bool oom;
};

static void out_row(struct out *o, ...)
{
    if (o->oom)
        return;
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 16;
        char **p = realloc(o->cells, ncap * (size_t)o->ncols * sizeof *p);
        if (!p) {
            o->oom = true;
            return;
        }
        o->cells = p;
        o->cap = ncap;
    }
    va_list ap;
    va_start(ap, o);
    char **row = o->cells + o->n * (size_t)o->ncols;
    for (int i = 0; i < o->ncols; i++) {
        row[i] = strdup(va_arg(ap, const char *));
        if (!row[i])
            o->oom = true;
    }
    va_end(ap);
    o->n++;
}

static void out_free(struct out *o)
{
    for (size_t i = 0; i < o->n * (size_t)o->ncols; i++)
        free(o->cells[i]);
    free(o->cells);
}

static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", stdout);
            break;
        case '\\':
            fputs("\\\\", stdout);
            break;
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        default:
            if (*p < 0x20)
                printf("\\u%04x", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

static void json_object(const struct col *cols, int ncols, char *const *vals)
{
    putchar('{');
    for (int i = 0; i < ncols; i++) {
        if (i)
            fputs(", ", stdout);
        json_str(cols[i].key);
        fputs(": ", stdout);
        if (cols[i].type == 'n')
            fputs(vals[i], stdout);
        else if (cols[i].type == 'b')
            fputs(!strcmp(vals[i], "yes") ? "true" : "false", stdout);
        else
            json_str(vals[i]);
    }
    putchar('}');
}

/* Characters, for padding (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static int out_print(const struct ctx *c, struct out *o)
{
    if (o->oom)
        return failed("out of memory");
    if (c->o.json) {
        fputs(o->n ? "[\n" : "[]\n", stdout);
        for (size_t r = 0; r < o->n; r++) {
            fputs("  ", stdout);
            json_object(o->cols, o->ncols, o->cells + r * (size_t)o->ncols);
            fputs(r + 1 < o->n ? ",\n" : "\n", stdout);
        }
        if (o->n)
            fputs("]\n", stdout);
        return 0;
    }
    size_t w[8] = {0};
    for (int i = 0; i < o->ncols; i++) {
        w[i] = width(o->cols[i].head);
        for (size_t r = 0; r < o->n; r++) {
            size_t x = width(o->cells[r * (size_t)o->ncols + i]);
            if (x > w[i])
                w[i] = x;
        }
    }
    for (size_t r = 0; r <= o->n; r++) {
        for (int i = 0; i < o->ncols; i++) {
            const char *v = r == 0 ? o->cols[i].head : o->cells[(r - 1) * (size_t)o->ncols + i];
            fputs(v, stdout);
            if (i + 1 < o->ncols)
                printf("%*s", (int)(w[i] - width(v) + 2), "");
        }
        putchar('\n');
    }
    return 0;
}

/* The end of every "list" command that reads the store: the rows, or the
   store's error when listing failed (r != 0); the rows are freed either way. */
static int list_done(struct ctx *c, struct out *o, int r)
{
    int rc = r ? store_failed(c) : out_print(c, o);
    out_free(o);
    return rc;
}

/* One record: a line of text for people, a JSON object for scripts. */
__attribute__((format(printf, 4, 5))) static void
report(const struct ctx *c, const struct col *cols, char *const *vals, const char *fmt, ...)
{
    if (c->o.json) {
        int n = 0;
        while (cols[n].key)
            n++;
        json_object(cols, n, vals);
        putchar('\n');
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* ---- PINs ----------------------------------------------------------------------------- */

/* Read a new PIN for agent `id` from fd 0 and hash it into hash.  On a
   terminal it is asked for twice.  0, or 1 after a message. */
static int new_pin_hash(const char *id, char hash[PIN_HASH_MAX])
{
    char pin[PIN_MAX_LEN + 1], again[PIN_MAX_LEN + 1], err[128], prompt[ST_ID_MAX + 32];
    bool tty = isatty(STDIN_FILENO);
    int rc = 0;
    snprintf(prompt, sizeof prompt, "New PIN for agent %s: ", id);
    if (pin_read(STDIN_FILENO, prompt, pin, sizeof pin, err, sizeof err) < 0)
        return failed("reading the PIN: %s", err);
    if (tty) {
        if (pin_read(STDIN_FILENO, "Again: ", again, sizeof again, err, sizeof err) < 0)
            rc = failed("reading the PIN: %s", err);
        else if (strcmp(pin, again) != 0)
            rc = failed("the two PINs differ; nothing changed");
        sodium_memzero(again, sizeof again);
    }
    if (rc == 0 && pin_make_hash(pin, hash) < 0)
        rc = failed("cannot hash the PIN (out of memory?)");
    sodium_memzero(pin, sizeof pin);
    return rc;
}

/* ---- agents ----------------------------------------------------------------------------- */

static int agent_add(struct ctx *c)
{
    struct st_agent a;
    memset(&a, 0, sizeof a);
    const char *id = c->o.pos[2];
    if (check_text("agent ID", id, sizeof a.id, false) ||
        (c->o.name && check_text("agent name", c->o.name, sizeof a.name, true)) ||
        (c->o.user && check_text("OS user", c->o.user, sizeof a.os_user, true)))
        return 2;
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.name, sizeof a.name, "%s", c->o.name ? c->o.name : "");
    snprintf(a.os_user, sizeof a.os_user, "%s", c->o.user ? c->o.user : "");
    /* state, next state, period and activity 0: acdproxy's defaults. */
    if (open_store(c))
        return 1;
    struct st_agent old;
    int r = store_agent_get(c->st, id, &old);
    sodium_memzero(old.pin_hash, sizeof old.pin_hash);
    if (r == ST_OK)
        return failed("agent '%s' already exists", id);
    if (r != ST_NOTFOUND)
        return store_failed(c);
    if ((c->o.given & O_PIN_STDIN) && new_pin_hash(id, a.pin_hash))
        return 1;
    r = store_agent_add(c->st, &a);
    sodium_memzero(a.pin_hash, sizeof a.pin_hash);
    if (r)
        return store_failed(c);
    static const struct col cols[] = {
        {"", "id", 's'}, {"", "handle", 'n'}, {"", "has_pin", 'b'}, {0}};
    char h[16];
    snprintf(h, sizeof h, "%u", a.handle);
    char *vals[] = {a.id, h, (c->o.given & O_PIN_STDIN) ? "yes" : "no"};
    report(c, cols, vals, "agent '%s' added (HAGENT %u%s)", a.id, a.handle,
           (c->o.given & O_PIN_STDIN) ? ", with a PIN" : "");
    return 0;
}

static int on_agent(void *arg, const struct st_agent *a)
{
    struct out *o = arg;
    char h[16];
    snprintf(h, sizeof h, "%u", a->handle);
    out_row(o, a->id, h, a->name, a->os_user, a->pin_hash[0] ? "yes" : "no");
    return 0;
}

static int agent_list(struct ctx *c)
{
    static const struct col cols[] = {{"ID", "id", 's'},
                                      {"HANDLE", "handle", 'n'},
                                      {"NAME", "name", 's'},
                                      {"USER", "os_user", 's'},
                                      {"PIN", "has_pin", 'b'}};
    struct out o = {cols, 5, NULL, 0, 0, false};
    if (open_store(c))
        return 1;
    int r = store_agents(c->st, on_agent, &o);
    return list_done(c, &o, r);
}

static int agent_remove(struct ctx *c)
{
    const char *id = c->o.pos[2];
    if (check_text("agent ID", id, ST_ID_MAX, false))
        return 2;
    if (open_store(c))
        return 1;
    if (store_agent_remove(c->st, id))
        return store_failed(c);
    static const struct col cols[] = {{"", "removed", 's'}, {0}};
    char *vals[] = {(char *)id};
    report(c, cols, vals, "agent '%s' removed", id);
    return 0;
}

static int agent_set_pin(struct ctx *c)
{
    const char *id = c->o.pos[2];
    bool clear = c->o.given & O_CLEAR;
    if (check_text("agent ID", id, ST_ID_MAX, false))
        return 2;
    if (clear && (c->o.given & O_PIN_STDIN))
        return usage_error("--clear and --pin-stdin exclude each other");
    if (open_store(c))
        return 1;
    struct st_agent a;
    int r = store_agent_get(c->st, id, &a); /* before asking for a PIN */
    sodium_memzero(a.pin_hash, sizeof a.pin_hash);
    if (r)
        return store_failed(c);
    char hash[PIN_HASH_MAX] = "";
    if (!clear && new_pin_hash(id, hash))
        return 1;
    /* Read and write in one transaction: nothing else changes in between. */
    r = store_begin(c->st);
    if (r == ST_OK)
        r = store_agent_get(c->st, id, &a);
    if (r == ST_OK) {
        memcpy(a.pin_hash, hash, sizeof a.pin_hash);
        r = store_agent_update(c->st, &a);
    }
    sodium_memzero(a.pin_hash, sizeof a.pin_hash);
    sodium_memzero(hash, sizeof hash);
    if (r == ST_OK)
        r = store_commit(c->st);
    if (r) {
        int rc = store_failed(c);
        store_rollback(c->st);
        return rc;
    }
    static const struct col cols[] = {{"", "id", 's'}, {"", "has_pin", 'b'}, {0}};
    char *vals[] = {(char *)id, clear ? "no" : "yes"};
    report(c, cols, vals, clear ? "agent '%s': PIN cleared" : "agent '%s': PIN set", id);
    return 0;
}

/* ---- groups ----------------------------------------------------------------------------- */

static int group_add(struct ctx *c)
{
    struct st_group g;
    memset(&g, 0, sizeof g);
    const char *name = c->o.pos[2];
    if (check_text("group name", name, sizeof g.name, false))
        return 2;
    st_guid tmp;
    if (acd_guid_parse(name, &tmp) == 0)
        return usage_error("a group name must not look like a GUID (it would be ambiguous)");
    snprintf(g.name, sizeof g.name, "%s", name);
    if (acd_guid_random(&g.guid) < 0)
        return failed("cannot make a random GUID (libsodium failed)");
    if (open_store(c))
        return 1;
    if (store_group_add(c->st, &g))
        return store_failed(c);
    char gs[GUID_STR_LEN + 1];
    acd_guid_format(&g.guid, gs);
    static const struct col cols[] = {{"", "guid", 's'}, {"", "name", 's'}, {0}};
    char *vals[] = {gs, g.name};
    report(c, cols, vals, "%s", gs);
    return 0;
}

static int group_list(struct ctx *c)
{
    static const struct col cols[] = {{"GUID", "guid", 's'}, {"NAME", "name", 's'}};
    struct out o = {cols, 2, NULL, 0, 0, false};
    struct glist l;
    if (open_store(c) || load_groups(c, &l))
        return 1;
    for (size_t i = 0; i < l.n; i++) {
        char gs[GUID_STR_LEN + 1];
        acd_guid_format(&l.v[i].guid, gs);
        out_row(&o, gs, l.v[i].name);
    }
    free(l.v);
    int rc = out_print(c, &o);
    out_free(&o);
    return rc;
}

static int group_remove(struct ctx *c)
{
    const char *arg = c->o.pos[2];
    if (check_text("group", arg, ST_NAME_MAX, false))
        return 2;
    struct st_group g;
    if (open_store(c) || find_group(c, arg, &g))
        return 1;
    if (store_group_remove(c->st, &g.guid))
        return store_failed(c);
    char gs[GUID_STR_LEN + 1];
    acd_guid_format(&g.guid, gs);
    static const struct col cols[] = {{"", "removed", 's'}, {"", "name", 's'}, {0}};
    char *vals[] = {gs, g.name};
    report(c, cols, vals, "group '%s' %s removed", g.name, gs);
    return 0;
}

/* ---- queues ----------------------------------------------------------------------------- */

static int queue_add(struct ctx *c)
{
    struct st_queue q;
    memset(&q, 0, sizeof q);
    if (number_arg("queue ID", c->o.pos[2], &q.id) ||
        check_text("queue name", c->o.pos[3], sizeof q.name, false))
        return 2;
    if (!c->o.group)
        return usage_error("queue add needs --group NAME|GUID");
    if (check_text("group", c->o.group, ST_NAME_MAX, false))
        return 2;
    snprintf(q.name, sizeof q.name, "%s", c->o.pos[3]);
    struct st_group g;
    if (open_store(c) || find_group(c, c->o.group, &g))
        return 1;
    q.group = g.guid; /* period 0: acdproxy's default */
    if (store_queue_add(c->st, &q))
        return store_failed(c);
    char id[16], gs[GUID_STR_LEN + 1];
    snprintf(id, sizeof id, "%u", q.id);
    acd_guid_format(&g.guid, gs);
    static const struct col cols[] = {
        {"", "id", 'n'}, {"", "name", 's'}, {"", "group", 's'}, {"", "group_name", 's'}, {0}};
    char *vals[] = {id, q.name, gs, g.name};
    report(c, cols, vals, "queue %u '%s' added to group '%s'", q.id, q.name, g.name);
    return 0;
}

struct queue_rows {
    struct out *o;
    const struct glist *groups;
    const st_guid *only;
};

static int on_queue(void *arg, const struct st_queue *q)
{
    struct queue_rows *qr = arg;
    if (qr->only && memcmp(qr->only->b, q->group.b, 16))
        return 0;
    const char *gname = "";
    for (size_t i = 0; i < qr->groups->n; i++)
        if (!memcmp(qr->groups->v[i].guid.b, q->group.b, 16))
            gname = qr->groups->v[i].name;
    char id[16], gs[GUID_STR_LEN + 1];
    snprintf(id, sizeof id, "%u", q->id);
    acd_guid_format(&q->group, gs);
    out_row(qr->o, id, q->name, gname, gs);
    return 0;
}

static int queue_list(struct ctx *c)
{
    static const struct col cols[] = {{"ID", "id", 'n'},
                                      {"NAME", "name", 's'},
                                      {"GROUP", "group_name", 's'},
                                      {"GUID", "group", 's'}};
    struct out o = {cols, 4, NULL, 0, 0, false};
    struct st_group only;
    struct glist l;
    if (c->o.group && check_text("group", c->o.group, ST_NAME_MAX, false))
        return 2;
    if (open_store(c) || (c->o.group && find_group(c, c->o.group, &only)) || load_groups(c, &l))
        return 1;
    struct queue_rows qr = {&o, &l, c->o.group ? &only.guid : NULL};
    int r = store_queues(c->st, on_queue, &qr);
    free(l.v);
    return list_done(c, &o, r);
}

/* "queue remove ID" and "activity remove ID" are one command over two
   tables: `kind` names the table in messages, `remove` is its store call. */
static int remove_by_number(struct ctx *c, const char *kind,
                            int (*remove)(struct acd_store *, uint32_t))
{
    char what[32];
    snprintf(what, sizeof what, "%s ID", kind);
    uint32_t id;
    if (number_arg(what, c->o.pos[2], &id))
        return 2;
    if (open_store(c))
        return 1;
    if (remove(c->st, id))
        return store_failed(c);
    char ids[16];
    snprintf(ids, sizeof ids, "%u", id);
    static const struct col cols[] = {{"", "removed", 'n'}, {0}};
    char *vals[] = {ids};
    report(c, cols, vals, "%s %u removed", kind, id);
    return 0;
}

static int queue_remove(struct ctx *c)
{
    return remove_by_number(c, "queue", store_queue_remove);
}

/* ---- activities ------------------------------------------------------------------------- */

static int activity_add(struct ctx *c)
{
    struct st_activity a;
    memset(&a, 0, sizeof a);
    if (number_arg("activity ID", c->o.pos[2], &a.id) ||
        check_text("activity name", c->o.pos[3], sizeof a.name, false))
        return 2;
    if (a.id == 0)
        return usage_error("activity ID 0 means \"no activity\"; use 1..4294967295");
    snprintf(a.name, sizeof a.name, "%s", c->o.pos[3]);
    if (open_store(c))
        return 1;
    if (store_activity_add(c->st, &a))
        return store_failed(c);
    char id[16];
    snprintf(id, sizeof id, "%u", a.id);
    static const struct col cols[] = {{"", "id", 'n'}, {"", "name", 's'}, {0}};
    char *vals[] = {id, a.name};
    report(c, cols, vals, "activity %u '%s' added", a.id, a.name);
    return 0;
}

static int on_activity(void *arg, const struct st_activity *a)
{
    char id[16];
    snprintf(id, sizeof id, "%u", a->id);
    out_row(arg, id, a->name);
    return 0;
}

static int activity_list(struct ctx *c)
{
    static const struct col cols[] = {{"ID", "id", 'n'}, {"NAME", "name", 's'}};
    struct out o = {cols, 2, NULL, 0, 0, false};
    if (open_store(c))
        return 1;
    int r = store_activities(c->st, on_activity, &o);
    return list_done(c, &o, r);
}

static int activity_remove(struct ctx *c)
{
    return remove_by_number(c, "activity", store_activity_remove);
}

/* ---- dispatch ------------------------------------------------------------------------- */

static const struct cmd cmds[] = {
    {"agent", "add", "ID", "agent add ID [--name NAME] [--user OSUSER] [--pin-stdin]", 1, 1,
     O_NAME | O_USER | O_PIN_STDIN, agent_add},
    {"agent", "list", "", "agent list", 0, 0, 0, agent_list},
    {"agent", "remove", "ID", "agent remove ID", 1, 1, 0, agent_remove},
    {"agent", "set-pin", "ID", "agent set-pin ID [--clear]", 1, 1, O_CLEAR | O_PIN_STDIN,
     agent_set_pin},
    {"group", "add", "NAME", "group add NAME", 1, 1, 0, group_add},
    {"group", "list", "", "group list", 0, 0, 0, group_list},
    {"group", "remove", "NAME|GUID", "group remove NAME|GUID", 1, 1, 0, group_remove},
    {"queue", "add", "ID NAME", "queue add ID NAME --group NAME|GUID", 2, 2, O_GROUP, queue_add},
    {"queue", "list", "", "queue list [--group NAME|GUID]", 0, 0, O_GROUP, queue_list},
    {"queue", "remove", "ID", "queue remove ID", 1, 1, 0, queue_remove},
    {"activity", "add", "ID NAME", "activity add ID NAME", 2, 2, 0, activity_add},
    {"activity", "list", "", "activity list", 0, 0, 0, activity_list},
    {"activity", "remove", "ID", "activity remove ID", 1, 1, 0, activity_remove},
};

static const char *opt_name(unsigned bit)
{
    switch (bit) {
    case O_NAME:
        return "--name";
    case O_USER:
        return "--user";
    case O_GROUP:
        return "--group";
    case O_PIN_STDIN:
        return "--pin-stdin";
    default:
        return "--clear";
    }
}

int admin_main(int argc, char **argv)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    usage_form = NULL;
    int rc = parse_args(&c.o, argc, argv);
    if (rc)
        goto out;
    if (c.o.help) {
        fputs(USAGE_HEAD "OBJECT VERB [ARGS]\n", stdout);
        fputs(usage_cmds, stdout);
        fputs(usage_tail, stdout);
        goto out;
    }
    if (c.o.npos < 2) {
        rc = usage_error(c.o.npos ? "'%s' needs a verb" : "no command given",
                         c.o.npos ? c.o.pos[0] : "");
        goto out;
    }
    bool object_known = false;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0] && !c.cmd; i++) {
        if (strcmp(cmds[i].object, c.o.pos[0]))
            continue;
        object_known = true;
        if (!strcmp(cmds[i].verb, c.o.pos[1]))
            c.cmd = &cmds[i];
    }
    if (!c.cmd) {
        rc = object_known
                 ? usage_error("unknown command '%s %s'", c.o.pos[0], c.o.pos[1])
                 : usage_error("unknown object '%s' (agent, group, queue, activity)", c.o.pos[0]);
        goto out;
    }
    usage_form = c.cmd->form;
    int nargs = c.o.npos - 2;
    if (nargs < c.cmd->npos_min || nargs > c.cmd->npos_max) {
        rc = usage_error("'%s %s' takes %s%s", c.cmd->object, c.cmd->verb,
                         *c.cmd->args ? "the arguments " : "no arguments", c.cmd->args);
        goto out;
    }
    unsigned extra = c.o.given & ~c.cmd->opts;
    if (extra) {
        rc = usage_error("option %s does not apply to '%s %s'", opt_name(extra & -extra),
                         c.cmd->object, c.cmd->verb);
        goto out;
    }
    c.db = c.o.db;
    if (!c.db || !*c.db)
        c.db = getenv("ACDPROXY_DB");
    if (!c.db || !*c.db)
        c.db = DEFAULT_DB;
    rc = c.cmd->run(&c);
    store_close(c.st);
out:
    usage_form = NULL;
    fflush(stdout);
    fflush(stderr);
    return rc;
}
