/*
 * main.c - tapictl: the TAPI call-center functions from the command line.
 *
 * Global options, the table of commands, help, and dispatch.  Each command
 * parses its own arguments first (so usage errors need no server), then
 * opens the line (conn.c) and makes its TAPI calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapictl.h"

#ifndef TAPIX_VERSION
#define TAPIX_VERSION "dev"
#endif

struct cmd {
    const char *word; /* "agent" */
    const char *sub;  /* "info", or NULL for a one-word command */
    cmd_fn fn;
    const char *args; /* usage after the command words */
    const char *help; /* one or more lines */
};

static const struct cmd cmds[] = {
    {"lines", NULL, cmd_lines, "",
     "Line devices and their addresses (with the call-center flags QUEUE, ACDGROUP,\n"
     "ROUTEPOINT, PREDICTIVEDIALER), and the proxy request types served on each line."},
    {"agent", "create", cmd_agent_create, "[--id ID] [--pin-stdin]",
     "Get the handle of agent ID (without --id: the agent bound to your user) and\n"
     "print it.  --pin-stdin reads the agent's PIN from standard input."},
    {"agent", "info", cmd_agent_info, "H",
     "State, next state, measurement period and statistics of agent H."},
    {"agent", "state", cmd_agent_state, "H STATE [--next STATE]",
     "Set agent H's state: notready, ready or released (keep: leave it);\n"
     "--next: the state after the current call (notready, ready)."},
    {"agent", "period", cmd_agent_period, "H SECONDS", "Set agent H's measurement period."},
    {"agent", "sessions", cmd_agent_sessions, "H",
     "Every session of agent H, ended ones included."},
    {"session", "create", cmd_session_create, "--agent H --group GROUP --address A [--pin-stdin]",
     "Log agent H into GROUP (a name or a {GUID}) at address A of the line; prints\n"
     "the session handle.  The session starts notready."},
    {"session", "info", cmd_session_info, "H",
     "State, start time, duration and statistics of session H."},
    {"session", "state", cmd_session_state, "H STATE [--next STATE]",
     "Set session H's state: notready, ready or ended (keep: leave it);\n"
     "--next: notready, ready or ended."},
    {"session", "end", cmd_session_end, "H", "End session H (the same as: session state H ended)."},
    {"groups", NULL, cmd_groups, "", "Every ACD group."},
    {"queues", NULL, cmd_queues, "--group GROUP", "The queues of GROUP (a name or a {GUID})."},
    {"queue", "info", cmd_queue_info, "ID", "Measurement period and statistics of queue ID."},
    {"queue", "period", cmd_queue_period, "ID SECONDS", "Set queue ID's measurement period."},
    {"address", "status", cmd_address_status, "[--address A]",
     "TAPI 2.0: your agent's status at address A (default 0): groups, state, activity."},
    {"address", "state", cmd_address_state, "STATE [--next STATE] [--address A]",
     "TAPI 2.0: set your agent's state at address A: loggedoff, notready, ready\n"
     "(keep: leave it)."},
    {"address", "groups", cmd_address_groups, "[GROUP...] [--address A]",
     "TAPI 2.0: without GROUP, the groups your agent may log into at address A;\n"
     "with GROUPs, log in to exactly those (lineSetAgentGroup)."},
    {"address", "activity", cmd_address_activity, "[ID] [--address A]",
     "TAPI 2.0: without ID, the activities; with ID, set your agent's activity."},
    {"caps", NULL, cmd_caps, "[--address A]",
     "The agent handler's capabilities at address A (lineGetAgentCaps)."},
    {"monitor", NULL, cmd_monitor, "[--line N]",
     "Print every message as it arrives, one line each, until Ctrl-C.  Without\n"
     "--line: every line."},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

static const char global_help[] =
    "Global options (anywhere on the line):\n"
    "  --line N         the line device (default: the first with an ACD proxy)\n"
    "  --json           one JSON object per result, event or error, one per line\n"
    "  --server PATH    tapisrv's socket (sets TAPI_SERVER)\n"
    "  --timeout SECS   how long to wait for each reply (default 10)\n"
    "  --help, --version\n";

static const char exit_help[] =
    "Exit status: 0 ok, 2 usage error, 3 TAPI error (LINEERR_), 4 tapisrv\n"
    "unreachable or lost, 5 no reply before --timeout.\n";

static void print_usage_line(FILE *f, const struct cmd *k)
{
    fprintf(f, "  tapictl %s%s%s%s%s\n", k->word, k->sub ? " " : "", k->sub ? k->sub : "",
            *k->args ? " " : "", k->args);
}

static void print_overview(FILE *f)
{
    fprintf(f, "Usage: tapictl [OPTIONS] COMMAND [ARGS]\n"
               "The Windows Telephony API's call-center functions from the command line.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < NCMDS; i++)
        print_usage_line(f, &cmds[i]);
    fprintf(f,
            "\n%s\n"
            "H is a handle printed by 'create'; STATE a name (notready, ready, ...); GROUP\n"
            "a group's name or {GUID}.  PINs are read only from standard input\n"
            "(--pin-stdin), never from the command line.\n"
            "'tapictl help COMMAND' describes a command.\n\n%s",
            global_help, exit_help);
}

/* Help for every entry of word (and sub, when given); false if none. */
static bool print_help(const char *word, const char *sub)
{
    bool any = false;
    for (size_t i = 0; i < NCMDS; i++) {
        const struct cmd *k = &cmds[i];
        if (strcmp(k->word, word) || (sub && k->sub && strcmp(k->sub, sub)))
            continue;
        printf("%s", any ? "\n" : "Usage:\n");
        print_usage_line(stdout, k);
        printf("\n%s\n", k->help);
        any = true;
    }
    if (any)
        printf("\n%s", global_help);
    return any;
}

int usage_error(struct ctl *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctl_error(c, EXIT_USAGE, "usage", "%s", msg);
    fprintf(stderr, "Try 'tapictl %s%s'.\n", *c->cmd ? "help " : "--help", c->cmd);
    return EXIT_USAGE;
}

int usage_args(struct ctl *c)
{
    return usage_error(c, "wrong arguments; usage: tapictl %s %s", c->cmd, c->usage);
}

/* Take the global options out of argv (they may appear anywhere before
   "--"); the rest stays in order.  0 or an exit code; -1: --help/--version
   done. */
static int globals(struct ctl *c, int *argc, char **argv)
{
    int n = 0;
    bool rest = false;
    for (int i = 1; i < *argc; i++) {
        char *a = argv[i];
        const char *val = NULL;
        if (rest || strncmp(a, "--", 2)) {
            argv[n++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            rest = true;
            argv[n++] = a;
            continue;
        }
        if (!strcmp(a, "--json")) {
            c->json = true;
            continue;
        }
        if (!strcmp(a, "--version")) {
            printf("tapictl %s (tapix; TAPI %u.%u)\n", TAPIX_VERSION, CTL_API_VERSION >> 16,
                   CTL_API_VERSION & 0xFFFF);
            return -1;
        }
        static const char *const valued[] = {"--line", "--server", "--timeout"};
        size_t k = 0, len = strcspn(a, "=");
        while (k < 3 && (strlen(valued[k]) != len || strncmp(a, valued[k], len)))
            k++;
        if (k == 3) {
            argv[n++] = a; /* the command's own option (or --help) */
            continue;
        }
        if (a[len] == '=')
            val = a + len + 1;
        else if (i + 1 < *argc)
            val = argv[++i];
        else
            return usage_error(c, "option '%s' needs a value", valued[k]);
        DWORD v;
        char *end;
        if (k == 0) {
            if (!parse_dword(val, &v) || v > 0x7FFFFFFF)
                return usage_error(c, "--line: not a line number: '%s'", val);
            c->line_opt = v;
        } else if (k == 1) {
            if (!*val)
                return usage_error(c, "--server: empty path");
            c->server = val;
        } else {
            c->timeout_s = strtod(val, &end);
            if (*end || end == val || !(c->timeout_s > 0 && c->timeout_s <= 86400))
                return usage_error(c, "--timeout: not a number of seconds: '%s'", val);
        }
    }
    argv[n] = NULL;
    *argc = n;
    return 0;
}

/* "session create --group 'Support team'": the command as typed, for
   messages (words with spaces or quotes in single quotes). */
static char *join(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) * 4 + 3;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool quote = !*a || strpbrk(a, " \t'\"\\$") != NULL;
        if (i)
            *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (; *a; a++)
            if (quote && *a == '\'')
                p += sprintf(p, "'\\''"); /* ' -> '\'' as a shell wants it */
            else
                *p++ = *a;
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return s;
}

static int dispatch(struct ctl *c, int argc, char **argv)
{
    if (argc == 0) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    const char *word = argv[0];
    if (!strcmp(word, "--help") || !strcmp(word, "help")) {
        if (argc == 1 || !strcmp(word, "--help")) {
            print_overview(stdout);
            return 0;
        }
        if (!print_help(argv[1], argc > 2 ? argv[2] : NULL))
            return usage_error(c, "no command '%s'", argv[1]);
        return 0;
    }
    const char *sub = argc > 1 ? argv[1] : NULL;
    const struct cmd *k = NULL;
    bool known = false;
    for (size_t i = 0; i < NCMDS; i++) {
        if (strcmp(cmds[i].word, word))
            continue;
        known = true;
        if (!cmds[i].sub || (sub && !strcmp(cmds[i].sub, sub))) {
            k = &cmds[i];
            break;
        }
    }
    if (!known)
        return usage_error(c, "unknown command '%s'", word);
    snprintf(c->cmd, sizeof c->cmd, "%s%s%s", word, k && k->sub ? " " : "",
             k && k->sub ? k->sub : "");
    c->usage = k ? k->args : "";
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--"))
            break;
        else if (!strcmp(argv[i], "--help")) {
            print_help(word, k ? k->sub : NULL);
            return 0;
        }
    if (!k) {
        char subs[256] = "";
        for (size_t i = 0; i < NCMDS; i++)
            if (!strcmp(cmds[i].word, word))
                snprintf(subs + strlen(subs), sizeof subs - strlen(subs), "%s%s", *subs ? ", " : "",
                         cmds[i].sub);
        if (sub)
            return usage_error(c, "%s: unknown subcommand '%s' (one of: %s)", word, sub, subs);
        return usage_error(c, "%s: which one? (%s)", word, subs);
    }
    char *what = join(argc, argv);
    c->what = what;
    int skip = k->sub ? 1 : 0; /* the command sees argv from its last word */
    int ex = k->fn(c, argc - skip, argv + skip);
    ctl_close(c);
    c->what = NULL;
    free(what);
    return ex;
}

int main(int argc, char **argv)
{
    struct ctl c;
    memset(&c, 0, sizeof c);
    c.line_opt = -1;
    c.timeout_s = 10;
    c.event_fd = -1;
    int ex = globals(&c, &argc, argv);
    if (ex)
        return ex < 0 ? 0 : ex;
    ex = dispatch(&c, argc, argv);
    if (fflush(stdout) != 0 && !ex)
        ex = EXIT_FAILURE;
    return ex;
}
