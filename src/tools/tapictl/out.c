/*
 * out.c - results for people (aligned tables, "label  value" lines) and for
 * scripts (--json: one JSON object per line, flushed at once).
 *
 * Commands build records (struct rec) of fields; each field carries both
 * forms, so a command never formats twice.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tapictl.h"

/* Out of memory while formatting: nothing sensible is left to do. */
static void *xalloc(void *p)
{
    if (!p) {
        fputs("tapictl: out of memory\n", stderr);
        exit(EXIT_FAILURE);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    return xalloc(strdup(s));
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return xalloc(n < 0 ? NULL : s);
}

void str_addf(char **s, const char *fmt, ...)
{
    char *add = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&add, fmt, ap);
    va_end(ap);
    xalloc(n < 0 ? NULL : add);
    size_t len = *s ? strlen(*s) : 0;
    *s = xalloc(realloc(*s, len + (size_t)n + 1));
    memcpy(*s + len, add, (size_t)n + 1);
    free(add);
}

char *json_quote(const char *s)
{
    size_t cap = strlen(s) * 6 + 3, n = 0;
    char *q = xalloc(malloc(cap));
    q[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            q[n++] = '\\';
            q[n++] = (char)*p;
        } else if (*p == '\n') {
            memcpy(q + n, "\\n", 2);
            n += 2;
        } else if (*p < 0x20 || *p == 0x7F) {
            n += (size_t)snprintf(q + n, cap - n, "\\u%04x", *p);
        } else {
            q[n++] = (char)*p; /* UTF-8 passes through */
        }
    }
    q[n++] = '"';
    q[n] = '\0';
    return q;
}

/* ---- records ----------------------------------------------------------- */

static void add(struct rec *r, const char *key, const char *label, char *text, char *json)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->f = xalloc(realloc(r->f, r->cap * sizeof *r->f));
    }
    r->f[r->n++] = (struct field){key, label, text, json};
}

void rec_str(struct rec *r, const char *key, const char *label, const char *s)
{
    add(r, key, label, xstrdup(*s ? s : "-"), json_quote(s));
}

void rec_uint(struct rec *r, const char *key, const char *label, unsigned long long v)
{
    add(r, key, label, xprintf("%llu", v), xprintf("%llu", v));
}

void rec_state(struct rec *r, const char *key, const char *label, const struct name *t, DWORD v)
{
    const char *name = name_of(t, v);
    if (!v)
        add(r, key, label, xstrdup("-"), xstrdup("null"));
    else if (name)
        add(r, key, label, xstrdup(name), json_quote(name));
    else
        add(r, key, label, xprintf("0x%08X", (unsigned)v), xprintf("\"0x%08X\"", (unsigned)v));
}

void rec_flags(struct rec *r, const char *key, const char *label, const struct name *t, DWORD v)
{
    char human[512], json[1024];
    size_t n = 0;
    flags_str(t, v, " ", human, sizeof human);
    json[n++] = '[';
    for (const struct name *e = t; e->name; e++)
        if (v & e->value)
            n += (size_t)snprintf(json + n, sizeof json - n, "%s\"%s\"", n > 1 ? "," : "", e->name);
    DWORD unknown = v;
    for (const struct name *e = t; e->name; e++)
        unknown &= ~e->value;
    if (unknown)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"0x%08X\"", n > 1 ? "," : "",
                              (unsigned)unknown);
    snprintf(json + n, sizeof json - n, "]");
    add(r, key, label, xstrdup(*human ? human : "-"), xstrdup(json));
}

void rec_secs(struct rec *r, const char *key, const char *label, DWORD s)
{
    add(r, key, label, xprintf("%u s", (unsigned)s), xprintf("%u", (unsigned)s));
}

void rec_currency(struct rec *r, const char *key, const char *label, CURRENCY cy)
{
    long long v = cy.int64;
    unsigned long long a = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char *s = xprintf("%s%llu.%04llu", v < 0 ? "-" : "", a / 10000, a % 10000);
    add(r, key, label, s, xstrdup(s));
}

void rec_date(struct rec *r, const char *key, const char *label, DATE d)
{
    /* OLE DATE: days since 1899-12-30 00:00 UTC, which is 25569 days
       before the Unix epoch. */
    if (!(d > 0 && d < 2958466)) { /* 0 (unset), or outside years 100..9999 */
        add(r, key, label, xstrdup("-"), xstrdup("null"));
        return;
    }
    /* to the millisecond first (a DATE is a double), then whole seconds */
    double x = (d - 25569.0) * 86400000.0;
    long long ms = (long long)(x >= 0 ? x + 0.5 : x - 0.5);
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((999 - ms) / 1000));
    struct tm tm;
    char s[32];
    gmtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    add(r, key, label, xstrdup(s), xprintf("\"%s\"", s));
}

void rec_raw(struct rec *r, const char *key, const char *label, const char *text, const char *json)
{
    add(r, key, label, xstrdup(text), xstrdup(json));
}

void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].text);
        free(r->f[i].json);
    }
    free(r->f);
    memset(r, 0, sizeof *r);
}

const char *state_change(const struct rec *r, size_t i, char *buf, size_t cap)
{
    const char *state = r->f[i].json, *next = r->f[i + 1].json;
    bool keep = !strcmp(state, "null"), no_next = !strcmp(next, "null");
    if (keep && no_next)
        snprintf(buf, cap, "state unchanged");
    else if (keep)
        snprintf(buf, cap, "next state %s", r->f[i + 1].text);
    else if (no_next)
        snprintf(buf, cap, "state %s", r->f[i].text);
    else
        snprintf(buf, cap, "state %s, next state %s", r->f[i].text, r->f[i + 1].text);
    return buf;
}

/* ---- printing ------------------------------------------------------------ */

int out_json_line(const char *obj)
{
    fputs(obj, stdout);
    fputc('\n', stdout);
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

static int print_json(const struct rec *r)
{
    size_t cap = 3, n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].key)
            cap += strlen(r->f[i].key) + strlen(r->f[i].json) + 4;
    char *s = xalloc(malloc(cap));
    s[n++] = '{';
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].key)
            n += (size_t)snprintf(s + n, cap - n, "%s\"%s\":%s", n > 1 ? "," : "", r->f[i].key,
                                  r->f[i].json);
    snprintf(s + n, cap - n, "}");
    int rc = out_json_line(s);
    free(s);
    return rc;
}

/* Columns on a terminal: UTF-8 code points (a continuation byte adds none). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(size_t n)
{
    while (n--)
        fputc(' ', stdout);
}

int out_record(struct ctl *c, struct rec *r)
{
    if (c->json)
        return print_json(r);
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].label && width(r->f[i].label) > w)
            w = width(r->f[i].label);
    for (size_t i = 0; i < r->n; i++) {
        if (!r->f[i].label)
            continue;
        fputs(r->f[i].label, stdout);
        pad(w - width(r->f[i].label) + 2);
        puts(r->f[i].text);
    }
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

int out_table(struct ctl *c, struct rec *rows, size_t n, const char *empty)
{
    if (c->json) {
        for (size_t i = 0; i < n; i++)
            if (print_json(&rows[i]))
                return EXIT_FAILURE;
        return 0;
    }
    if (!n) { /* people get a word; scripts get no lines */
        puts(empty);
        return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
    }
    /* The first row's labels are the headers (upper case); every row has
       the same fields. */
    const struct rec *h = &rows[0];
    size_t *w = xalloc(calloc(h->n, sizeof *w));
    for (size_t j = 0; j < h->n; j++)
        if (h->f[j].label)
            w[j] = width(h->f[j].label);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < h->n && j < rows[i].n; j++)
            if (h->f[j].label && width(rows[i].f[j].text) > w[j])
                w[j] = width(rows[i].f[j].text);
    for (size_t i = 0; i <= n; i++) {
        const struct rec *r = i ? &rows[i - 1] : h;
        size_t last = 0;
        for (size_t j = 0; j < h->n; j++)
            if (h->f[j].label)
                last = j;
        for (size_t j = 0; j < h->n && j < r->n; j++) {
            if (!h->f[j].label)
                continue;
            const char *cell = i ? r->f[j].text : h->f[j].label;
            if (i)
                fputs(cell, stdout);
            else
                for (const char *p = cell; *p; p++)
                    fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, stdout);
            if (j != last)
                pad(w[j] - width(cell) + 2);
        }
        fputc('\n', stdout);
    }
    free(w);
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

int out_done(struct ctl *c, struct rec *r, const char *fmt, ...)
{
    if (c->json)
        return print_json(r);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    return fflush(stdout) == 0 ? 0 : EXIT_FAILURE;
}

/* ---- confirmations and tables shared by several commands --------------- */

int out_state_done(struct ctl *c, const char *key, DWORD id, const struct name *t, DWORD state,
                   DWORD next)
{
    struct rec r = {0};
    char text[128];
    rec_uint(&r, key, key, id);
    rec_state(&r, "state", "state", t, state);
    rec_state(&r, "next_state", "next state", t, next);
    int ex =
        out_done(c, &r, "%s %u: %s", key, (unsigned)id, state_change(&r, 1, text, sizeof text));
    rec_free(&r);
    return ex;
}

int out_period_done(struct ctl *c, const char *key, DWORD id, DWORD secs)
{
    struct rec r = {0};
    rec_uint(&r, key, key, id);
    rec_uint(&r, "measurement_period", "measurement period", secs);
    int ex = out_done(c, &r, "%s %u: measurement period %u s", key, (unsigned)id, (unsigned)secs);
    rec_free(&r);
    return ex;
}

int out_rows(struct ctl *c, struct rec *rows, size_t n, const char *empty)
{
    int ex =
        rows ? out_table(c, rows, n, empty) : ctl_error(c, EXIT_FAILURE, "error", "out of memory");
    rows_free(rows, rows ? n : 0);
    return ex;
}

void rows_free(struct rec *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rec_free(&rows[i]);
    free(rows);
}
