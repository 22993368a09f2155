/*
 * args.c - reading what the user typed: numbers, state names, GUIDs,
 * options, and a PIN from standard input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "tapictl.h"

bool parse_dword(const char *s, DWORD *v)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end || x > 0xFFFFFFFFull)
        return false;
    *v = (DWORD)x;
    return true;
}

int handle_arg(struct ctl *c, const char *s, const char *what, DWORD *h)
{
    if (!parse_dword(s, h))
        return usage_error(c, "not %s handle: '%s'", what, s);
    return 0;
}

bool parse_state(const struct name *table, const char *s, bool allow_zero, DWORD *v)
{
    if (allow_zero && (!strcasecmp(s, "keep") || !strcasecmp(s, "none") || !strcmp(s, "0"))) {
        *v = 0;
        return true;
    }
    *v = value_of(table, s);
    return *v != 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

bool parse_guid(const char *s, GUID *g)
{
    /* XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX: 32 hex digits, dashes at fixed
       places; the bytes of Data4 are in text order. */
    static const int dash[] = {8, 13, 18, 23};
    size_t len = strlen(s);
    if (len == 38 && s[0] == '{' && s[37] == '}') {
        s++;
        len = 36;
    }
    if (len != 36)
        return false;
    uint8_t nib[32];
    int k = 0, d = 0;
    for (int i = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
            continue;
        }
        int h = hexval(s[i]);
        if (h < 0)
            return false;
        nib[k++] = (uint8_t)h;
    }
    uint64_t a = 0;
    for (int i = 0; i < 16; i++)
        a = a << 4 | nib[i];
    g->Data1 = (uint32_t)(a >> 32);
    g->Data2 = (uint16_t)(a >> 16);
    g->Data3 = (uint16_t)a;
    for (int i = 0; i < 8; i++)
        g->Data4[i] = (uint8_t)(nib[16 + 2 * i] << 4 | nib[17 + 2 * i]);
    return true;
}

char *guid_str(const GUID *g, char *buf)
{
    snprintf(buf, 39, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g->Data1,
             g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4],
             g->Data4[5], g->Data4[6], g->Data4[7]);
    return buf;
}

/* ---- the PIN ---------------------------------------------------------- */

char *pin_read(void)
{
    /* On a terminal: prompt on stderr and switch echo off while reading. */
    struct termios saved, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        fputs("PIN: ", stderr);
        fflush(stderr);
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *pin = NULL;
    size_t cap = 0;
    ssize_t n = getline(&pin, &cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    if (n < 0) { /* end of input: the buffer holds no string */
        if (pin)
            explicit_bzero(pin, cap);
        free(pin);
        return NULL;
    }
    while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
        pin[--n] = '\0';
    return pin;
}

void pin_free(char *pin)
{
    if (pin)
        explicit_bzero(pin, strlen(pin));
    free(pin);
}

/* ---- options ---------------------------------------------------------- */

int scan_args(struct ctl *c, int argc, char **argv, const struct opt *opts, char **pos, int maxpos,
              int *npos)
{
    *npos = 0;
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            /* --name VALUE, or --name=VALUE */
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            const struct opt *o = opts;
            while (o && o->name && (strlen(o->name) != len || strncmp(o->name, a, len)))
                o++;
            if (!o || !o->name)
                return usage_error(c, "unknown option '%.*s'", (int)len, a);
            if (!o->has_arg) {
                if (eq)
                    return usage_error(c, "option '%s' takes no value", o->name);
                *o->value = "";
            } else if (eq) {
                *o->value = eq + 1;
            } else if (i + 1 < argc) {
                *o->value = argv[++i];
            } else {
                return usage_error(c, "option '%s' needs a value", o->name);
            }
            continue;
        }
        if (*npos >= maxpos)
            return usage_error(c, "unexpected argument '%s'", a);
        pos[(*npos)++] = argv[i];
    }
    return 0;
}

/* ---- commands on a handle --------------------------------------------- */

int handle_args(struct ctl *c, int argc, char **argv, const struct opt *opts, char **pos, int npos,
                const char *what, DWORD *h)
{
    int n, ex = scan_args(c, argc, argv, opts, pos, npos, &n);
    if (ex)
        return ex;
    if (n != npos)
        return usage_args(c);
    return handle_arg(c, pos[0], what, h);
}

int state_args(struct ctl *c, const struct name *table, const char *what, const char *s,
               const char *next, DWORD *state, DWORD *next_state)
{
    *next_state = 0;
    if (!parse_state(table, s, true, state)) {
        /* The names the user may give: the table's own, so the hint cannot
           fall out of step with what parse_state accepts. */
        char names[256] = "";
        for (const struct name *n = table; n->name; n++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s, ", n->name);
        return usage_error(c, "not %s state: '%s' (%skeep)", what, s, names);
    }
    if (next && !parse_state(table, next, true, next_state))
        return usage_error(c, "--next: not %s state: '%s'", what, next);
    return 0;
}
