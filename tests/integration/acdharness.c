/* acdharness.c - acdproxy processes and reply plumbing (acdharness.h). */
#include "acdharness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "pgtest.h"

#define START_MS 10000
#define STOP_MS 10000

/* Read "READY\n" from fd until the deadline; 0 or -1. */
static int await_ready(int fd, int64_t deadline)
{
    char line[64];
    size_t len = 0;
    for (;;) {
        int ev = poll_fd(fd, POLLIN, deadline);
        if (ev <= 0)
            return -1;
        ssize_t n = read(fd, line + len, sizeof line - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        len += (size_t)n;
        line[len] = 0;
        if (memchr(line, '\n', len))
            return strcmp(line, "READY\n") == 0 ? 0 : -1;
        if (len == sizeof line - 1)
            return -1;
    }
}

const char *acdt_store_kind(void)
{
    const char *k = getenv("TAPIX_TEST_STORE");
    return k && *k ? k : "sqlite";
}

int acdt_store(char *url, size_t cap, const char *dir, const char *name)
{
    if (strcmp(acdt_store_kind(), "sqlite") == 0) {
        int n = snprintf(url, cap, "%s/%s.db", dir, name);
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    if (strcmp(acdt_store_kind(), "pg") == 0)
        return pgtest_create_db(url, cap, name);
    fprintf(stderr, "acdharness: unknown TAPIX_TEST_STORE '%s'\n", acdt_store_kind());
    return -1;
}

int acdt_store_readonly(char *url, size_t cap, const char *store)
{
    int n = strcmp(acdt_store_kind(), "pg") == 0
                ? snprintf(url, cap, "%s&options=-c%%20default_transaction_read_only%%3Don", store)
                : snprintf(url, cap, "sqlite:%s?mode=ro", store);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int spawn(struct acdp *p, char *const extra[])
{
    char path[PATH_MAX], fdstr[16];
    char *argv[40];
    int fds[2], i = 0;
    if (snprintf(path, sizeof path, "%s/acdproxy", build_dir()) >= (int)sizeof path)
        return -1;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    int logfd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    snprintf(fdstr, sizeof fdstr, "%d", fds[1]);
    argv[i++] = path;
    argv[i++] = (char *)"--db";
    argv[i++] = p->db;
    argv[i++] = (char *)"--ready-fd";
    argv[i++] = fdstr;
    argv[i++] = (char *)"--log-level";
    argv[i++] = (char *)"debug";
    for (int k = 0; extra && extra[k] && i < 38; k++)
        argv[i++] = extra[k];
    argv[i] = NULL;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (dup2(logfd, 2) < 0 || fcntl(fds[1], F_SETFD, 0) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    close(fds[1]);
    close(logfd);
    p->pid = pid;
    int rc = await_ready(fds[0], now_ms() + START_MS);
    close(fds[0]);
    if (rc) {
        fprintf(stderr, "acdharness: acdproxy (db %s) gave no READY; its log is %s\n", p->db,
                p->log);
        kill(pid, SIGKILL);
        wait_child(pid, &p->status, now_ms() + STOP_MS);
        p->pid = 0;
        return -1;
    }
    return 0;
}

struct acdp *acdp_start(const char *db, const char *log, char *const extra[])
{
    struct acdp *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->db, sizeof p->db, "%s", db);
    snprintf(p->log, sizeof p->log, "%s", log);
    p->extra = extra;
    if (spawn(p, extra)) {
        free(p);
        return NULL;
    }
    return p;
}

int acdp_restart(struct acdp *p)
{
    if (p->pid)
        return -1;
    return spawn(p, p->extra);
}

static int decode(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int acdp_stop(struct acdp *p)
{
    if (!p->pid)
        return decode(p->status);
    kill(p->pid, SIGTERM);
    if (wait_child(p->pid, &p->status, now_ms() + STOP_MS) < 0) {
        kill(p->pid, SIGKILL);
        wait_child(p->pid, &p->status, now_ms() + STOP_MS);
        p->pid = 0;
        return -1;
    }
    p->pid = 0;
    return decode(p->status);
}

int acdp_kill(struct acdp *p)
{
    if (!p->pid)
        return -1;
    kill(p->pid, SIGKILL);
    int rc = wait_child(p->pid, &p->status, now_ms() + STOP_MS);
    p->pid = 0;
    return rc;
}

void acdp_free(struct acdp *p)
{
    if (!p)
        return;
    if (p->pid)
        acdp_kill(p);
    free(p);
}

int acd_admin(const char *db, const char *stdin_text, char *out, size_t outcap, ...)
{
    char path[PATH_MAX];
    char *argv[40];
    int i = 0, in[2], o[2];
    if (snprintf(path, sizeof path, "%s/acdproxy", build_dir()) >= (int)sizeof path)
        return -1;
    argv[i++] = path;
    argv[i++] = (char *)"admin";
    argv[i++] = (char *)"--db";
    argv[i++] = (char *)db;
    va_list ap;
    va_start(ap, outcap);
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && i < 38)
        argv[i++] = a;
    va_end(ap);
    argv[i] = NULL;
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(o, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (dup2(in[0], 0) < 0 || dup2(o[1], 1) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    close(in[0]);
    close(o[1]);
    if (stdin_text) {
        size_t len = strlen(stdin_text), off = 0;
        while (off < len) {
            ssize_t n = write(in[1], stdin_text + off, len - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
    }
    close(in[1]);
    size_t got = 0;
    int64_t deadline = now_ms() + STOP_MS;
    char sink[256];
    for (;;) {
        if (poll_fd(o[0], POLLIN, deadline) <= 0)
            break;
        char *dst = out && got + 1 < outcap ? out + got : sink;
        size_t room = out && got + 1 < outcap ? outcap - 1 - got : sizeof sink;
        ssize_t n = read(o[0], dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (dst != sink)
            got += (size_t)n;
    }
    if (out && outcap)
        out[got] = 0;
    close(o[0]);
    int st;
    if (wait_child(pid, &st, deadline) < 0) {
        kill(pid, SIGKILL);
        wait_child(pid, &st, now_ms() + STOP_MS);
        return -1;
    }
    return decode(st);
}

pid_t tapisrv_start_at(const char *sock, const char *conf)
{
    char path[PATH_MAX], fdstr[16];
    char *argv[12];
    int fds[2], i = 0;
    if (snprintf(path, sizeof path, "%s/tapisrv", build_dir()) >= (int)sizeof path)
        return -1;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    snprintf(fdstr, sizeof fdstr, "%d", fds[1]);
    argv[i++] = path;
    argv[i++] = (char *)"--socket";
    argv[i++] = (char *)sock;
    argv[i++] = (char *)"--ready-fd";
    argv[i++] = fdstr;
    if (conf) {
        argv[i++] = (char *)"--config";
        argv[i++] = (char *)conf;
    }
    argv[i++] = (char *)"--log-level";
    argv[i++] = (char *)"warn";
    argv[i] = NULL;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent || fcntl(fds[1], F_SETFD, 0) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    close(fds[1]);
    int rc = await_ready(fds[0], now_ms() + START_MS);
    close(fds[0]);
    if (rc) {
        kill(pid, SIGKILL);
        wait_child(pid, NULL, now_ms() + STOP_MS);
        return -1;
    }
    return pid;
}

int tapisrv_stop_pid(pid_t pid)
{
    int st;
    kill(pid, SIGTERM);
    if (wait_child(pid, &st, now_ms() + STOP_MS) < 0) {
        kill(pid, SIGKILL);
        wait_child(pid, &st, now_ms() + STOP_MS);
        return -1;
    }
    return decode(st);
}

/* ---- replies ------------------------------------------------------------------------ */

static void keep_msg(struct acd_msgs *keep, const LINEMESSAGE *m)
{
    if (!keep)
        return;
    if (keep->n == ACD_MSG_MAX) {
        memmove(keep->v, keep->v + 1, (ACD_MSG_MAX - 1) * sizeof keep->v[0]);
        keep->n--;
    }
    keep->v[keep->n++] = *m;
}

LONG acd_reply(HLINEAPP app, LONG id, struct acd_msgs *keep)
{
    if (id < 0)
        return id;
    int64_t deadline = now_ms() + ACD_REPLY_MS * harness_time_scale();
    for (;;) {
        LINEMESSAGE m;
        int left = ms_left(deadline);
        if (!left)
            return 1;
        if (lineGetMessage(app, &m, (DWORD)left))
            continue;
        if (m.dwMessageID == LINE_REPLY && (LONG)m.dwParam1 == id)
            return (LONG)(DWORD)m.dwParam2;
        keep_msg(keep, &m);
    }
}

int acd_wait_msg(HLINEAPP app, struct acd_msgs *keep, DWORD msg, DWORD_PTR p1, int ms,
                 LINEMESSAGE *out)
{
    int64_t deadline = now_ms() + ms;
    for (;;) {
        for (int i = 0; keep && i < keep->n; i++) {
            if (keep->v[i].dwMessageID == msg &&
                (p1 == ~(DWORD_PTR)0 || keep->v[i].dwParam1 == p1)) {
                if (out)
                    *out = keep->v[i];
                memmove(keep->v + i, keep->v + i + 1,
                        (size_t)(keep->n - i - 1) * sizeof keep->v[0]);
                keep->n--;
                return 0;
            }
        }
        int left = ms_left(deadline);
        if (!left)
            return -1;
        LINEMESSAGE m;
        if (lineGetMessage(app, &m, (DWORD)left))
            continue;
        if (m.dwMessageID == msg && (p1 == ~(DWORD_PTR)0 || m.dwParam1 == p1)) {
            if (out)
                *out = m;
            return 0;
        }
        keep_msg(keep, &m);
    }
}

int acd_find_group(HLINEAPP app, HLINE line, const char *name, GUID *out, struct acd_msgs *keep)
{
    union {
        LINEAGENTGROUPLIST l;
        char b[8192];
    } gl;
    memset(&gl, 0, sizeof gl);
    gl.l.dwTotalSize = sizeof gl;
    if (acd_reply(app, lineGetGroupListA(line, &gl.l), keep))
        return -1;
    for (DWORD i = 0; i < gl.l.dwNumEntries; i++) {
        const LINEAGENTGROUPENTRY *e = (const LINEAGENTGROUPENTRY *)(gl.b + gl.l.dwListOffset) + i;
        if (e->dwNameSize && !strcmp(gl.b + e->dwNameOffset, name)) {
            memcpy(out, &e->GroupID, sizeof *out);
            return 0;
        }
    }
    return -1;
}

LONG acd_session_list(HLINEAPP app, HLINE line, HAGENT ag, HAGENTSESSION *out, DWORD cap, DWORD *n,
                      struct acd_msgs *keep)
{
    static union {
        LINEAGENTSESSIONLIST l;
        char b[65536];
    } sl;
    memset(&sl, 0, sizeof sl);
    sl.l.dwTotalSize = sizeof sl;
    LONG rc = acd_reply(app, lineGetAgentSessionList(line, ag, &sl.l), keep);
    *n = rc ? 0 : sl.l.dwNumEntries;
    for (DWORD i = 0; i < *n && i < cap; i++)
        out[i] = ((const LINEAGENTSESSIONENTRY *)(sl.b + sl.l.dwListOffset) + i)->hAgentSession;
    return rc;
}

const char *acd_me(void)
{
    static char name[64];
    if (!name[0]) {
        struct passwd *pw = getpwuid(geteuid());
        snprintf(name, sizeof name, "%s", pw ? pw->pw_name : "root");
    }
    return name;
}
