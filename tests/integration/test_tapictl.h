/*
 * test_tapictl.h - what the tapictl suites share: running the built tapictl
 * binary with a deadline and capturing its stdout, stderr and exit code;
 * starting it in the background (monitor); and reading its output (lines,
 * JSON fields, a JSON validity check).
 *
 * Header-only (static functions): each test_tapictl*.c is its own program,
 * and the integration Makefile rule links every other .c in this directory
 * into every test.  Like harness.h, nothing here asserts.
 */
#ifndef TAPIX_IT_TEST_TAPICTL_H
#define TAPIX_IT_TEST_TAPICTL_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Every function is static: unused ones are fine. */
#define CTL_FN static __attribute__((unused))

#define CTL_RUN_MS 20000 /* a tapictl run that takes longer has hung */

struct ctl_run {
    int code;  /* exit code; 128+signal; -1: did not finish in time */
    char *out; /* everything on stdout (NUL-terminated) */
    char *err; /* everything on stderr */
    size_t out_len, err_len;
};

CTL_FN void ctl_run_free(struct ctl_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

CTL_FN int ctl_append(char **buf, size_t *len, int fd)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 1 : 0;
    char *grown = realloc(*buf, *len + (size_t)n + 1);
    if (!grown)
        return 0;
    memcpy(grown + *len, tmp, (size_t)n);
    *len += (size_t)n;
    grown[*len] = '\0';
    *buf = grown;
    return 1;
}

/*
 * Run `prog` (a path, or NULL for BUILD/tapictl) with args (NULL-terminated
 * vector, args[0] is the first argument), in directory `dir` (NULL: here),
 * with `input` on stdin (NULL: /dev/null), until it exits or ms pass.
 * Returns r->code.
 */
CTL_FN int ctl_runv_in(struct ctl_run *r, const char *prog, const char *dir, const char *input,
                       int ms, char *const args[])
{
    char path[PATH_MAX];
    char *argv[64];
    int n = 0, in[2] = {-1, -1}, out[2], err[2];
    memset(r, 0, sizeof *r);
    r->code = -1;
    r->out = calloc(1, 1);
    r->err = calloc(1, 1);
    if (prog)
        snprintf(path, sizeof path, "%s", prog);
    else
        snprintf(path, sizeof path, "%s/tapictl", build_dir());
    argv[n++] = path;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || (input && pipe2(in, O_CLOEXEC)))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDONLY);
        if (dup2(input ? in[0] : devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        if (dir && chdir(dir))
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (input) {
        close(in[0]);
        if (pid > 0) {
            size_t len = strlen(input), off = 0;
            while (off < len) {
                ssize_t w = write(in[1], input + off, len - off);
                if (w <= 0 && errno != EINTR)
                    break;
                off += w > 0 ? (size_t)w : 0;
            }
        }
        close(in[1]);
    }
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        return -1;
    }
    int64_t deadline = now_ms() + ms;
    struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0 && ms_left(deadline) > 0) {
        if (poll(p, 2, ms_left(deadline)) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (p[i].fd >= 0 && p[i].revents) {
                int more = i ? ctl_append(&r->err, &r->err_len, p[i].fd)
                             : ctl_append(&r->out, &r->out_len, p[i].fd);
                if (!more) {
                    close(p[i].fd);
                    p[i].fd = -1;
                    open_fds--;
                }
            }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    int st;
    if (wait_child(pid, &st, deadline) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        r->code = -1;
    } else {
        r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return r->code;
}

CTL_FN int ctl_runv(struct ctl_run *r, const char *input, char *const args[])
{
    return ctl_runv_in(r, NULL, NULL, input, CTL_RUN_MS, args);
}

/* ctl_runv with the arguments as a NULL-terminated list. */
CTL_FN int ctl_run(struct ctl_run *r, const char *input, ...)
{
    char *args[63];
    int n = 0;
    va_list ap;
    va_start(ap, input);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 62)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return ctl_runv(r, input, args);
}

/* Start tapictl in the background (stdout on a pipe, stderr inherited),
   through the harness so that its helpers API reads the lines. */
CTL_FN struct helper *ctl_spawnv(char *const args[])
{
    return helper_spawnv("../tapictl", args);
}

/*
 * The same with stderr on a pipe too: *err_fd (read it with ctl_read_all
 * once the process is gone).  The helper is ours, not the harness's: free
 * it with helper_free all the same (it kills and reaps by pid).
 */
CTL_FN struct helper *ctl_spawnv_err(char *const args[], int *err_fd)
{
    char path[PATH_MAX];
    char *argv[64];
    int out[2], err[2], n = 0;
    snprintf(path, sizeof path, "%s/tapictl", build_dir());
    argv[n++] = path;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (pipe2(out, O_CLOEXEC))
        return NULL;
    if (pipe2(err, O_CLOEXEC)) {
        close(out[0]);
        close(out[1]);
        return NULL;
    }
    struct helper *h = calloc(1, sizeof *h);
    fflush(NULL);
    pid_t pid = h ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        free(h);
        return NULL;
    }
    h->pid = pid;
    h->out = out[0];
    h->in = -1;
    *err_fd = err[0];
    return h;
}

/* Everything left to read on fd (until EOF or ms pass), malloc'd; closes fd. */
CTL_FN char *ctl_read_all(int fd, int ms)
{
    char *buf = calloc(1, 1);
    size_t len = 0;
    int64_t deadline = now_ms() + ms;
    while (poll_fd(fd, POLLIN, deadline) > 0 && ctl_append(&buf, &len, fd))
        ;
    close(fd);
    return buf;
}

/* ------------------------------------------------------------ lines and JSON */

/* Line i (0-based) of text into buf; -1 if there is no such line. */
CTL_FN int nth_line(const char *text, int i, char *buf, size_t cap)
{
    const char *p = text;
    for (; i > 0 && p; i--) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        return -1;
    size_t len = strcspn(p, "\n");
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return (int)len;
}

CTL_FN int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Collapse runs of blanks to one space (tables: column widths vary). */
CTL_FN char *squeeze(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    int blank = 0;
    for (; *s && n + 1 < cap; s++) {
        if (*s == ' ' || *s == '\t') {
            blank = 1;
            continue;
        }
        if (blank && n)
            buf[n++] = ' ';
        blank = 0;
        buf[n++] = *s;
    }
    buf[n] = '\0';
    return buf;
}

/* Does text have a line that, blanks squeezed, equals want? */
CTL_FN int has_row(const char *text, const char *want)
{
    char line[4096], a[4096], b[4096];
    squeeze(want, b, sizeof b);
    for (int i = 0; nth_line(text, i, line, sizeof line) >= 0; i++)
        if (!strcmp(squeeze(line, a, sizeof a), b))
            return 1;
    return 0;
}

/* A minimal JSON checker: one value, whitespace around it, nothing else. */
CTL_FN const char *json_value(const char *p, int depth);

CTL_FN const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

CTL_FN const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i]))
                        return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

CTL_FN const char *json_value(const char *p, int depth)
{
    p = json_ws(p);
    if (depth > 32)
        return NULL;
    if (*p == '"')
        return json_string(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = json_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (!(p = json_string(json_ws(p))))
                    return NULL;
                p = json_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = json_value(p, depth + 1)))
                return NULL;
            p = json_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    const char *s = p;
    if (*p == '-')
        p++;
    while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
           *p == '-')
        p++;
    return p > s ? p : NULL;
}

/* Is line exactly one JSON object? */
CTL_FN int json_is_object(const char *line)
{
    const char *p = json_ws(line);
    if (*p != '{')
        return 0;
    p = json_value(p, 0);
    return p && !*json_ws(p);
}

/* Is every line of text a JSON object (and is there at least one)? */
CTL_FN int json_lines_ok(const char *text)
{
    char line[65536];
    int i = 0;
    for (; nth_line(text, i, line, sizeof line) >= 0; i++)
        if (!json_is_object(line))
            return 0;
    return i > 0;
}

/*
 * The raw value of top-level key in the JSON object line (a string with its
 * quotes, a number, an array...) into buf; -1 if absent.
 */
CTL_FN int json_get(const char *line, const char *key, char *buf, size_t cap)
{
    const char *p = json_ws(line);
    if (*p++ != '{')
        return -1;
    size_t klen = strlen(key);
    for (;;) {
        p = json_ws(p);
        const char *ks = p, *ke = json_string(p);
        if (!ke)
            return -1;
        p = json_ws(ke);
        if (*p++ != ':')
            return -1;
        p = json_ws(p);
        const char *ve = json_value(p, 0);
        if (!ve)
            return -1;
        if ((size_t)(ke - ks) == klen + 2 && !strncmp(ks + 1, key, klen)) {
            size_t len = (size_t)(ve - p);
            if (len >= cap)
                return -1;
            memcpy(buf, p, len);
            buf[len] = '\0';
            return (int)len;
        }
        p = json_ws(ve);
        if (*p++ != ',')
            return -1;
    }
}

#endif
