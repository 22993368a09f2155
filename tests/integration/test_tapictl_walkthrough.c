/*
 * test_tapictl_walkthrough - the README's tapictl walkthrough
 * (docs/walkthrough.md), run verbatim against what `make run` starts.
 *
 * The setup is make run's: tapisrv with the default lines, acdproxy on a
 * store seeded by the very `admin` lines of scripts/run.sh, in a directory
 * laid out like the source tree (var/tapisrv.sock, build/).  Then every
 * ```console block of the walkthrough is run as written: the block that
 * starts `tapictl monitor` in the background (its first line awaited), the
 * others one command after another in one shell.  Each command's output
 * must be the sample output below it, except for what differs from run to
 * run (timestamps, GUIDs, durations); each must exit 0, except one whose
 * status the next command shows with `echo $?`.  Finally the monitor must
 * have printed exactly the sample events, in order.
 *
 * If README.md carries the walkthrough section, it must be the same text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acdharness.h"
#include "harness.h"
#include "test_tapictl.h"

#define MAXCMDS 64
#define HEADING "## Try it with tapictl"

struct cmd {
    char *text;   /* the command, without "$ " */
    char *expect; /* the sample output, lines joined with '\n' (each ends with one) */
};

struct block {
    struct cmd c[MAXCMDS];
    int n;
};

static char g_root[PATH_MAX], g_work[PATH_MAX], g_db[PATH_MAX], g_log[PATH_MAX];
static struct acdp *g_acd;
static struct block g_blocks[16];
static int g_nblocks;

/* ------------------------------------------------------------------ files */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *grown = realloc(buf, cap);
            if (!grown)
                break;
            buf = grown;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (!n)
            break;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Is dir the source tree (walkthrough and scripts/run.sh)? */
static int is_root(const char *dir)
{
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/docs/walkthrough.md", dir);
    if (access(probe, R_OK))
        return 0;
    snprintf(probe, sizeof probe, "%s/scripts/run.sh", dir);
    return access(probe, R_OK) == 0;
}

/* The source tree: the first directory above the build directory (or, for
   a build directory elsewhere, above the current one) that is one. */
static int find_root(void)
{
    char path[PATH_MAX];
    for (int pass = 0; pass < 2; pass++) {
        if (pass ? !getcwd(path, sizeof path) : !realpath(build_dir(), path))
            continue;
        for (;;) {
            if (is_root(path)) {
                snprintf(g_root, sizeof g_root, "%s", path);
                return 0;
            }
            char *slash = strrchr(path, '/');
            if (!slash || slash == path)
                break;
            *slash = '\0';
        }
    }
    return -1;
}

/* The ```console blocks of the walkthrough: commands and their outputs. */
static int parse_walkthrough(const char *md)
{
    int in = 0;
    struct cmd *cur = NULL;
    const char *p = md;
    while (*p) {
        size_t len = strcspn(p, "\n");
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        p += len + (p[len] == '\n');
        if (!in) {
            if (!strcmp(line, "```console")) {
                if (g_nblocks == 16)
                    return -1;
                in = 1;
                cur = NULL;
                g_nblocks++;
            }
            continue;
        }
        if (!strcmp(line, "```")) {
            in = 0;
            continue;
        }
        struct block *b = &g_blocks[g_nblocks - 1];
        if (!strncmp(line, "$ ", 2)) {
            if (b->n == MAXCMDS)
                return -1;
            cur = &b->c[b->n++];
            cur->text = strdup(line + 2);
            cur->expect = calloc(1, 1);
            continue;
        }
        if (!cur)
            return -1; /* output before any command */
        size_t old = strlen(cur->expect);
        cur->expect = realloc(cur->expect, old + strlen(line) + 2);
        sprintf(cur->expect + old, "%s\n", line);
    }
    return g_nblocks ? 0 : -1;
}

/* -------------------------------------------------------------- normalizing */

/* Replace every match of re in s by rep (in place, s has room: rep is never
   longer than a match). */
static void subst(char *s, const char *re, const char *rep)
{
    regex_t r;
    regmatch_t m;
    if (regcomp(&r, re, REG_EXTENDED))
        return;
    size_t off = 0;
    while (regexec(&r, s + off, 1, &m, off ? REG_NOTBOL : 0) == 0 && m.rm_eo > m.rm_so) {
        size_t a = off + (size_t)m.rm_so, b = off + (size_t)m.rm_eo, rl = strlen(rep);
        memmove(s + a + rl, s + b, strlen(s + b) + 1);
        memcpy(s + a, rep, rl);
        off = a + rl;
    }
    regfree(&r);
}

/* What may differ between runs: times, GUIDs, durations; and column widths. */
static char *normalize(const char *text)
{
    char *s = strdup(text), *sq = malloc(strlen(text) + 2);
    subst(s, "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z", "TIME");
    subst(s, "\\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\\}", "GUID");
    subst(s, "\"duration\":[0-9]+", "\"duration\":N");
    subst(s, "duration +[0-9]+ s", "duration N s");
    /* squeeze blanks line by line */
    size_t n = 0;
    for (const char *p = s; *p;) {
        size_t len = strcspn(p, "\n");
        char line[8192], out[8192];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        squeeze(line, out, sizeof out);
        n += (size_t)sprintf(sq + n, "%s\n", out);
        p += len + (p[len] == '\n');
    }
    sq[n] = '\0';
    free(s);
    return sq;
}

/* ------------------------------------------------------------------- setup */

/* The seeding lines of scripts/run.sh ("admin ..." and "printf ... | admin
   ..."), run the way run.sh runs them. */
static int seed(void)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/scripts/run.sh", g_root);
    char *sh = slurp(path);
    if (!sh)
        return -1;
    char *script = calloc(1, strlen(sh) + 1024);
    int lines = 0;
    sprintf(script,
            "set -e\nB='%s'\nDB='%s'\nME=$(id -un)\n"
            "admin() { \"$B/acdproxy\" admin --db \"$DB\" \"$@\"; }\n",
            build_dir(), g_db);
    for (const char *p = sh; *p;) {
        size_t len = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        p += len + (p[len] == '\n');
        const char *t = line + strspn(line, " \t");
        if (!strncmp(t, "admin ", 6) || (!strncmp(t, "printf ", 7) && strstr(t, "| admin "))) {
            strcat(script, t);
            strcat(script, "\n");
            lines++;
        }
    }
    free(sh);
    struct ctl_run r;
    char *args[] = {"-c", script, NULL};
    ctl_runv_in(&r, "/bin/sh", NULL, NULL, CTL_RUN_MS, args);
    free(script);
    if (r.code != 0 || lines < 10)
        fprintf(stderr, "seeding from scripts/run.sh (%d lines): exit %d: %s\n", lines, r.code,
                r.err);
    int rc = r.code == 0 && lines >= 10 ? 0 : -1;
    ctl_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    if (find_root()) {
        fprintf(stderr, "test_tapictl_walkthrough: no docs/walkthrough.md above %s\n", build_dir());
        return -1;
    }
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/docs/walkthrough.md", g_root);
    char *md = slurp(path);
    if (!md || parse_walkthrough(md)) {
        fprintf(stderr, "test_tapictl_walkthrough: cannot parse %s\n", path);
        free(md);
        return -1;
    }
    free(md);
    if (group_srv_start(NULL, "test_tapictl_walkthrough group setup"))
        return -1;
    watchdog_arm(60, "test_tapictl_walkthrough group setup");
    /* the source tree as make run leaves it: var/tapisrv.sock, build/ */
    char build[PATH_MAX], link[PATH_MAX + 64];
    snprintf(g_work, sizeof g_work, "%s/tree", group_srv->dir);
    snprintf(g_db, sizeof g_db, "%s/tree/var/acd.db", group_srv->dir);
    snprintf(g_log, sizeof g_log, "%s/acd.log", group_srv->dir);
    snprintf(link, sizeof link, "%s/var", g_work);
    if (mkdir(g_work, 0700) || mkdir(link, 0700) || !realpath(build_dir(), build))
        return -1;
    snprintf(link, sizeof link, "%s/var/tapisrv.sock", g_work);
    if (symlink(group_srv->sock, link))
        return -1;
    snprintf(link, sizeof link, "%s/build", g_work);
    if (symlink(build, link) || seed())
        return -1;
    g_acd = acdp_start(g_db, g_log, NULL);
    alarm(0);
    return g_acd ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = g_acd ? acdp_stop(g_acd) : 0;
    acdp_free(g_acd);
    for (int b = 0; b < g_nblocks; b++)
        for (int i = 0; i < g_blocks[b].n; i++) {
            free(g_blocks[b].c[i].text);
            free(g_blocks[b].c[i].expect);
        }
    return group_srv_stop("test_tapictl_walkthrough group teardown") || rc ? -1 : 0;
}

/* -------------------------------------------------------------------- run */

/* sh -c script in the tree, in a process group of its own, stdout on a pipe
   (read with the harness's helper_wait_line). */
static struct helper *spawn_shell(const char *script)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return NULL;
    struct helper *h = calloc(1, sizeof *h);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        if (dup2(fds[1], 1) < 0 || chdir(g_work))
            _exit(127);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    h->pid = pid;
    h->out = fds[0];
    h->in = -1;
    return h;
}

static int is_monitor_block(const struct block *b)
{
    for (int i = 0; i < b->n; i++)
        if (!strncmp(b->c[i].text, "tapictl monitor", 15))
            return 1;
    return 0;
}

static void test_walkthrough(void **state)
{
    (void)state;
    char line[8192];
    /* 1. The monitor block, in the background, until its first line. */
    struct block *mon = NULL;
    for (int b = 0; b < g_nblocks && !mon; b++)
        if (is_monitor_block(&g_blocks[b]))
            mon = &g_blocks[b];
    assert_non_null(mon);
    char script[8192] = "";
    for (int i = 0; i < mon->n; i++)
        snprintf(script + strlen(script), sizeof script - strlen(script), "%s\n", mon->c[i].text);
    struct helper *m = spawn_shell(script);
    assert_non_null(m);
    const char *events = mon->c[mon->n - 1].expect; /* the sample output of `tapictl monitor` */
    assert_true(helper_wait_line(m, line, sizeof line, now_ms() + 10000) >= 0);
    char first[8192];
    assert_true(nth_line(events, 0, first, sizeof first) >= 0);
    strcat(line, "\n");
    strcat(first, "\n");
    char *got = normalize(line), *want = normalize(first);
    assert_string_equal(got, want);
    free(got);
    free(want);

    /* 2. Every other block, one command after another, in one shell. */
    size_t cap = 65536;
    char *all = calloc(1, cap);
    struct cmd *cmds[MAXCMDS * 4];
    int n = 0;
    strcat(all, "exec 2>&1\n");
    for (int b = 0; b < g_nblocks; b++) {
        if (&g_blocks[b] == mon)
            continue;
        for (int i = 0; i < g_blocks[b].n && n < MAXCMDS * 4; i++) {
            cmds[n++] = &g_blocks[b].c[i];
            snprintf(all + strlen(all), cap - strlen(all),
                     "%s\n__rc=$?; printf '@@RC %%d\\n' \"$__rc\"; (exit $__rc)\n",
                     g_blocks[b].c[i].text);
        }
    }
    struct ctl_run r;
    char *args[] = {"-c", all, NULL};
    ctl_runv_in(&r, "/bin/sh", g_work, NULL, 60000, args);
    free(all);
    assert_int_equal(r.code, 0);

    /* 3. Each command's output and status. */
    const char *p = r.out;
    int status[MAXCMDS * 4];
    for (int i = 0; i < n; i++) {
        const char *mark = strstr(p, "@@RC ");
        if (!mark)
            fail_msg("no output for `%s`; the shell printed: %s", cmds[i]->text, r.out);
        char *out = strndup(p, (size_t)(mark - p));
        status[i] = atoi(mark + 5);
        p = strchr(mark, '\n');
        p = p ? p + 1 : mark + strlen(mark);
        /* `echo $?` shows the status exactly; the rest is normalized */
        int exact = !strcmp(cmds[i]->text, "echo $?");
        char *g = exact ? strdup(out) : normalize(out);
        char *w = exact ? strdup(cmds[i]->expect) : normalize(cmds[i]->expect);
        if (strcmp(g, w))
            fail_msg("`%s` printed:\n%s\nthe walkthrough says:\n%s", cmds[i]->text, out,
                     cmds[i]->expect);
        free(g);
        free(w);
        free(out);
        int shown = i + 1 < n && !strcmp(cmds[i + 1]->text, "echo $?");
        if (status[i] != 0 && !shown)
            fail_msg("`%s` exited with %d", cmds[i]->text, status[i]);
    }
    ctl_run_free(&r);

    /* 4. The monitor printed exactly the sample events, in order. */
    for (int i = 1; nth_line(events, i, first, sizeof first) >= 0; i++) {
        if (helper_wait_line(m, line, sizeof line, now_ms() + 10000) < 0)
            fail_msg("monitor: no line for: %s", first);
        strcat(line, "\n");
        strcat(first, "\n");
        got = normalize(line);
        want = normalize(first);
        if (strcmp(got, want))
            fail_msg("monitor printed:\n%sthe walkthrough says:\n%s", line, first);
        free(got);
        free(want);
    }
    assert_int_equal(helper_wait_line(m, line, sizeof line, now_ms() + 500), -1);
    /* Ctrl-C: an interactive shell ignores it, tapictl gets it (and exits
       0, and so does the shell) */
    char children[64], *path = NULL;
    assert_true(asprintf(&path, "/proc/%d/task/%d/children", (int)m->pid, (int)m->pid) > 0);
    char *kids = slurp(path);
    free(path);
    assert_non_null(kids);
    snprintf(children, sizeof children, "%s", kids);
    free(kids);
    char *end;
    pid_t monitor = (pid_t)strtol(children, &end, 10);
    if (monitor > 0)
        assert_int_equal(strspn(end, " \n"), strlen(end)); /* one child: tapictl */
    else
        monitor = m->pid; /* the shell exec'ed tapictl */
    kill(monitor, SIGINT);
    assert_int_equal(helper_wait(m, now_ms() + 10000), 0);
    helper_free(m);
}

/* README.md says exactly what the walkthrough (run verbatim above) says. */
static void test_readme_in_sync(void **state)
{
    (void)state;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/README.md", g_root);
    char *readme = slurp(path);
    snprintf(path, sizeof path, "%s/docs/walkthrough.md", g_root);
    char *walk = slurp(path);
    assert_non_null(walk);
    const char *sec = readme ? strstr(readme, HEADING "\n") : NULL;
    if (!sec) {
        free(readme);
        free(walk);
        fail_msg("README.md has no \"%s\" section", HEADING);
        return; /* fail_msg does not return; said for the compiler */
    }
    const char *end = strstr(sec + 1, "\n## ");
    size_t len = end ? (size_t)(end - sec) + 1 : strlen(sec);
    size_t wlen = strlen(walk);
    while (len > 1 && sec[len - 1] == '\n' && sec[len - 2] == '\n')
        len--;
    if (len != wlen || memcmp(sec, walk, wlen))
        fail_msg("README.md's \"%s\" section differs from docs/walkthrough.md", HEADING);
    free(readme);
    free(walk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walkthrough, wd_setup, wd_teardown),
        cmocka_unit_test(test_readme_in_sync),
    };
    return cmocka_run_group_tests_name("tapictl_walkthrough", tests, group_setup, group_teardown);
}
