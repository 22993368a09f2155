/* harness.c - servers, helpers, bounded waits and the watchdog (harness.h). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_DEADLINE_MS (10000 * harness_time_scale())
#define STOP_DEADLINE_MS (10000 * harness_time_scale())

/* ------------------------------------------------------------------ time */

/* $TAPIX_TIME_SCALE (an integer >= 1, default 1): the watchdog and the
 * harness's own start and stop deadlines stretch that many times, for runs
 * under valgrind.  The clock itself stays real: tests measure durations. */
int64_t harness_time_scale(void)
{
    static int64_t scale;
    if (!scale) {
        const char *e = getenv("TAPIX_TIME_SCALE");
        long v = e ? strtol(e, NULL, 10) : 1;
        scale = v >= 1 && v <= 1000 ? v : 1;
    }
    return scale;
}

int under_valgrind(void)
{
    const char *vg = getenv("TAPIX_VALGRIND");
    return vg && *vg && strcmp(vg, "0") != 0;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ms_left(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    if (left < 0)
        return 0;
    if (left > INT32_MAX)
        return INT32_MAX;
    return (int)left;
}

/* ------------------------------------------------------------------ children
 * Every child we start is remembered here so that the watchdog can kill it
 * from its signal handler.  Only async-signal-safe reads happen there. */

#define MAX_TRACKED 256
static volatile sig_atomic_t g_children[MAX_TRACKED];

static void track_child(pid_t pid)
{
    for (int i = 0; i < MAX_TRACKED; i++) {
        if (g_children[i] == 0) {
            g_children[i] = (sig_atomic_t)pid;
            return;
        }
    }
}

static void untrack_child(pid_t pid)
{
    for (int i = 0; i < MAX_TRACKED; i++)
        if (g_children[i] == (sig_atomic_t)pid)
            g_children[i] = 0;
}

/* ------------------------------------------------------------------ paths */

const char *build_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("TAPIX_BUILD");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (env && *env)
        return env;
    if (dir[0])
        return dir;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        /* .../build/tests/test_x -> .../build */
        for (int up = 0; up < 2; up++) {
            slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = 0;
        }
        if (exe[0] && strlen(exe) < sizeof dir) {
            memcpy(dir, exe, strlen(exe) + 1);
            return dir;
        }
    }
    return "build";
}

/* ------------------------------------------------------------------ waiting */

int poll_fd(int fd, short events, int64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;

    for (;;) {
        int timeout = deadline == 0 ? 0 : ms_left(deadline);
        rc = poll(&p, 1, timeout);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        return p.revents;
    }
}

int wait_child(pid_t pid, int *status, int64_t deadline)
{
    int st = 0;
    pid_t r;
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (pfd >= 0) {
        for (;;) {
            r = waitpid(pid, &st, WNOHANG);
            if (r == pid)
                break;
            if (r < 0 && errno != EINTR) {
                close(pfd);
                return -1;
            }
            if (r == 0) {
                int ev = poll_fd(pfd, POLLIN, deadline);
                if (ev < 0) {
                    close(pfd);
                    return -1;
                }
                if (ev == 0) {
                    /* one last look: it may have exited just now */
                    r = waitpid(pid, &st, WNOHANG);
                    if (r == pid)
                        break;
                    close(pfd);
                    return -1;
                }
            }
        }
        close(pfd);
    } else {
        /* No pidfd (old kernel): look every few ms until the deadline. */
        for (;;) {
            r = waitpid(pid, &st, WNOHANG);
            if (r == pid)
                break;
            if (r < 0 && errno != EINTR)
                return -1;
            if (ms_left(deadline) == 0)
                return -1;
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    untrack_child(pid);
    if (status)
        *status = st;
    return 0;
}

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

int wait_thread_blocked(pid_t tid, int64_t deadline)
{
    char path[64], buf[512];

    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    for (;;) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n > 0) {
                buf[n] = 0;
                char *p = strrchr(buf, ')');
                if (p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D'))
                    return 0;
            }
        }
        if (ms_left(deadline) == 0)
            return -1;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ------------------------------------------------------------------ exec */

int harness_execv(const char *path, char *const argv[])
{
    const char *vg = getenv("TAPIX_VALGRIND");
    if (!vg || !*vg || !strcmp(vg, "0"))
        return execv(path, argv);
    /* valgrind memcheck: any error or definite leak makes the exit code 99,
     * which no test accepts */
    static char supp[PATH_MAX + 16];
    char *vargv[64];
    int n = 0;
    snprintf(supp, sizeof supp, "--suppressions=%s/../tests/valgrind.supp", build_dir());
    const char *sup_env = getenv("TAPIX_VALGRIND_SUPP");
    if (sup_env && *sup_env)
        snprintf(supp, sizeof supp, "--suppressions=%s", sup_env);
    vargv[n++] = (char *)"valgrind";
    vargv[n++] = (char *)"--quiet";
    vargv[n++] = (char *)"--tool=memcheck";
    vargv[n++] = (char *)"--error-exitcode=99";
    vargv[n++] = (char *)"--leak-check=full";
    vargv[n++] = (char *)"--show-leak-kinds=definite";
    vargv[n++] = (char *)"--errors-for-leak-kinds=definite";
    vargv[n++] = (char *)"--child-silent-after-fork=yes";
    vargv[n++] = (char *)"--vgdb=no"; /* helpers that change user cannot clean up its pipes */
    vargv[n++] = supp;
    vargv[n++] = (char *)path;
    for (int i = 1; argv[i] && n < 63; i++)
        vargv[n++] = argv[i];
    vargv[n] = NULL;
    return execvp("valgrind", vargv);
}

/* ------------------------------------------------------------------ files */

static int write_file(const char *path, const char *text)
{
    size_t len = strlen(text), off = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    return close(fd);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void rm_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------ server */

/* Fork+exec tapisrv.  ready_w is the write end of the ready pipe (kept open
 * in the child), err_w (or -1) becomes the child's stderr.  Everything the
 * child needs is prepared before fork: the child only calls async-signal-
 * safe functions until execv. */
static pid_t spawn_server(const struct srv *s, int ready_w, int err_w)
{
    char path[PATH_MAX], fdstr[16];
    char *argv[12];
    int i = 0;
    pid_t parent = getpid(), pid;

    if (snprintf(path, sizeof path, "%s/tapisrv", build_dir()) >= (int)sizeof path)
        return -1;
    snprintf(fdstr, sizeof fdstr, "%d", ready_w);
    argv[i++] = path;
    argv[i++] = (char *)"--socket";
    argv[i++] = (char *)s->sock;
    argv[i++] = (char *)"--ready-fd";
    argv[i++] = fdstr;
    if (s->conf[0]) {
        argv[i++] = (char *)"--config";
        argv[i++] = (char *)s->conf;
    }
    /* optional, for quieter runs: TAPIX_SRV_LOG_LEVEL=warn */
    const char *lvl = getenv("TAPIX_SRV_LOG_LEVEL");
    if (lvl && *lvl) {
        argv[i++] = (char *)"--log-level";
        argv[i++] = (char *)lvl;
    }
    argv[i] = NULL;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (err_w >= 0 && dup2(err_w, 2) < 0)
            _exit(127);
        if (fcntl(ready_w, F_SETFD, 0) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    track_child(pid);
    return pid;
}

static struct srv *srv_alloc(const char *config_text)
{
    struct srv *s = calloc(1, sizeof *s);
    char tmpl[] = "/tmp/tapix-it-XXXXXX";

    if (!s)
        return NULL;
    if (!mkdtemp(tmpl)) {
        perror("harness: mkdtemp");
        free(s);
        return NULL;
    }
    snprintf(s->dir, sizeof s->dir, "%s", tmpl);
    snprintf(s->sock, sizeof s->sock, "%s/tapisrv.sock", tmpl);
    if (config_text) {
        snprintf(s->conf, sizeof s->conf, "%s/tapisrv.conf", tmpl);
        if (write_file(s->conf, config_text) < 0) {
            perror("harness: write config");
            rm_tree(s->dir);
            free(s);
            return NULL;
        }
    }
    return s;
}

void srv_use(const struct srv *s)
{
    setenv("TAPI_SERVER", s->sock, 1);
}

struct srv *srv_start(const char *config_text)
{
    struct srv *s = srv_alloc(config_text);
    int fds[2];
    char line[64];
    size_t len = 0;
    int64_t deadline;
    const char *why = NULL;

    if (!s)
        return NULL;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        perror("harness: pipe2");
        srv_free(s);
        return NULL;
    }
    s->pid = spawn_server(s, fds[1], -1);
    close(fds[1]);
    if (s->pid <= 0) {
        s->pid = 0;
        close(fds[0]);
        fprintf(stderr, "harness: cannot start %s/tapisrv\n", build_dir());
        srv_free(s);
        return NULL;
    }
    deadline = now_ms() + START_DEADLINE_MS;
    for (;;) {
        int ev = poll_fd(fds[0], POLLIN, deadline);
        if (ev <= 0) {
            why = ev == 0 ? "no READY within 10 s" : "poll failed";
            break;
        }
        ssize_t n = read(fds[0], line + len, sizeof line - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            why = "ready pipe closed without READY (server exited?)";
            break;
        }
        len += (size_t)n;
        line[len] = 0;
        if (memchr(line, '\n', len)) {
            if (strcmp(line, "READY\n") != 0)
                why = "unexpected text on the ready pipe";
            break;
        }
        if (len == sizeof line - 1) {
            why = "unexpected text on the ready pipe";
            break;
        }
    }
    close(fds[0]);
    if (why) {
        fprintf(stderr, "harness: tapisrv (%s): %s\n", s->conf[0] ? s->conf : "default config",
                why);
        srv_free(s);
        return NULL;
    }
    srv_use(s);
    return s;
}

struct srv *srv_start_rss(const char *config_text)
{
    const char *old = getenv("ASAN_OPTIONS");
    char *saved = old ? strdup(old) : NULL;
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", old ? old : "", old && *old ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    struct srv *s = srv_start(config_text);
    if (saved)
        setenv("ASAN_OPTIONS", saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(saved);
    return s;
}

int srv_start_expect_failure(const char *config_text, int *exit_code, char *errbuf, size_t errcap)
{
    struct srv *s = srv_alloc(config_text);
    int rfd[2], efd[2];
    size_t elen = 0;
    int saw_ready = 0, rc = 0, st = 0;
    char rbuf[64];
    size_t rlen = 0;
    int64_t deadline;

    if (errcap)
        errbuf[0] = 0;
    *exit_code = -1;
    if (!s)
        return -1;
    if (pipe2(rfd, O_CLOEXEC) < 0) {
        srv_free(s);
        return -1;
    }
    if (pipe2(efd, O_CLOEXEC) < 0) {
        close(rfd[0]);
        close(rfd[1]);
        srv_free(s);
        return -1;
    }
    s->pid = spawn_server(s, rfd[1], efd[1]);
    close(rfd[1]);
    close(efd[1]);
    if (s->pid <= 0) {
        s->pid = 0;
        close(rfd[0]);
        close(efd[0]);
        srv_free(s);
        return -1;
    }
    deadline = now_ms() + START_DEADLINE_MS;
    /* Read both pipes to EOF (the server exits), bounded by the deadline. */
    while (rfd[0] >= 0 || efd[0] >= 0) {
        struct pollfd p[2] = {{.fd = rfd[0], .events = POLLIN}, {.fd = efd[0], .events = POLLIN}};
        int n = poll(p, 2, ms_left(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1; /* still running after 10 s */
            break;
        }
        if (p[0].revents) {
            char tmp[64];
            ssize_t k = read(rfd[0], tmp, sizeof tmp);
            if (k > 0) {
                size_t cp = (size_t)k < sizeof rbuf - 1 - rlen ? (size_t)k : sizeof rbuf - 1 - rlen;
                memcpy(rbuf + rlen, tmp, cp);
                rlen += cp;
                rbuf[rlen] = 0;
                if (strstr(rbuf, "READY"))
                    saw_ready = 1;
            } else if (k == 0 || errno != EINTR) {
                close(rfd[0]);
                rfd[0] = -1;
            }
        }
        if (p[1].revents) {
            char tmp[1024];
            ssize_t k = read(efd[0], tmp, sizeof tmp);
            if (k > 0) {
                if (errcap > 1 && elen < errcap - 1) {
                    size_t cp = (size_t)k < errcap - 1 - elen ? (size_t)k : errcap - 1 - elen;
                    memcpy(errbuf + elen, tmp, cp);
                    elen += cp;
                    errbuf[elen] = 0;
                }
            } else if (k == 0 || errno != EINTR) {
                close(efd[0]);
                efd[0] = -1;
            }
        }
        if (saw_ready)
            break;
    }
    if (rfd[0] >= 0)
        close(rfd[0]);
    if (efd[0] >= 0)
        close(efd[0]);
    if (saw_ready || rc < 0) {
        srv_free(s); /* kills it */
        return -1;
    }
    if (wait_child(s->pid, &st, deadline) < 0) {
        srv_free(s);
        return -1;
    }
    s->pid = 0;
    *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    srv_free(s);
    return 0;
}

int srv_stop(struct srv *s)
{
    if (s->pid == 0)
        return s->status == -1 ? -1 : decode_status(s->status);
    kill(s->pid, SIGTERM);
    if (wait_child(s->pid, &s->status, now_ms() + STOP_DEADLINE_MS) < 0) {
        fprintf(stderr, "harness: tapisrv %d ignored SIGTERM for 10 s, killing it\n", (int)s->pid);
        kill(s->pid, SIGKILL);
        wait_child(s->pid, NULL, now_ms() + STOP_DEADLINE_MS);
        s->pid = 0;
        s->status = -1;
        return -1;
    }
    s->pid = 0;
    return decode_status(s->status);
}

int srv_kill(struct srv *s)
{
    if (s->pid == 0)
        return -1;
    kill(s->pid, SIGKILL);
    if (wait_child(s->pid, &s->status, now_ms() + STOP_DEADLINE_MS) < 0)
        return -1;
    s->pid = 0;
    return 0;
}

void srv_free(struct srv *s)
{
    if (!s)
        return;
    if (s->pid > 0)
        srv_kill(s);
    rm_tree(s->dir);
    free(s);
}

long srv_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

int proc_count_sockets(pid_t pid)
{
    char path[64], link[64], target[128];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(link, sizeof link, "%s/%s", path, e->d_name) >= (int)sizeof link)
            continue;
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k <= 0)
            continue;
        target[k] = 0;
        if (strncmp(target, "socket:", 7) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int proc_wait_sockets(pid_t pid, int want, int64_t deadline)
{
    for (;;) {
        int n = proc_count_sockets(pid);
        if (n == want || n < 0 || ms_left(deadline) == 0)
            return n;
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ------------------------------------------------------------------ helpers */

static struct helper *spawn_helper(const char *name, char *const args[], int with_stdin)
{
    char path[PATH_MAX];
    char *argv[32];
    int fds[2], ins[2] = {-1, -1}, n = 0;
    pid_t parent = getpid();
    struct helper *h;

    if (snprintf(path, sizeof path, "%s/tests/%s", build_dir(), name) >= (int)sizeof path)
        return NULL;
    argv[n++] = (char *)name;
    for (int i = 0; args && args[i]; i++) {
        if (n >= 31)
            return NULL;
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->in = -1;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        free(h);
        return NULL;
    }
    if (with_stdin && pipe2(ins, O_CLOEXEC) < 0) {
        close(fds[0]);
        close(fds[1]);
        free(h);
        return NULL;
    }
    fflush(NULL);
    h->pid = fork();
    if (h->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        if (with_stdin) {
            close(ins[0]);
            close(ins[1]);
        }
        free(h);
        return NULL;
    }
    if (h->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (dup2(fds[1], 1) < 0)
            _exit(127);
        if (with_stdin && dup2(ins[0], 0) < 0)
            _exit(127);
        harness_execv(path, argv);
        _exit(127);
    }
    track_child(h->pid);
    close(fds[1]);
    h->out = fds[0];
    if (with_stdin) {
        close(ins[0]);
        h->in = ins[1];
    }
    return h;
}

struct helper *helper_spawnv(const char *name, char *const args[])
{
    return spawn_helper(name, args, 0);
}

struct helper *helper_spawn_io(const char *name, char *const args[])
{
    signal(SIGPIPE, SIG_IGN);
    return spawn_helper(name, args, 1);
}

int helper_send(struct helper *h, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;
    size_t off = 0;

    if (!h || h->in < 0)
        return -1;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 1)
        return -1;
    line[n++] = '\n';
    while (off < (size_t)n) {
        ssize_t w = write(h->in, line + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

struct helper *helper_spawn(const char *name, ...)
{
    char *args[31];
    int n = 0;
    va_list ap;
    char *a;

    va_start(ap, name);
    while ((a = va_arg(ap, char *)) != NULL && n < 30)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return helper_spawnv(name, args);
}

int helper_wait_line(struct helper *h, char *buf, size_t cap, int64_t deadline)
{
    for (;;) {
        char *nl = memchr(h->buf, '\n', h->len);
        if (nl) {
            size_t l = (size_t)(nl - h->buf);
            if (l + 1 > cap)
                return -3;
            memcpy(buf, h->buf, l);
            buf[l] = 0;
            memmove(h->buf, nl + 1, h->len - l - 1);
            h->len -= l + 1;
            return (int)l;
        }
        if (h->len == sizeof h->buf || h->out < 0)
            return h->out < 0 ? -2 : -3;
        int ev = poll_fd(h->out, POLLIN, deadline);
        if (ev < 0)
            return -3;
        if (ev == 0)
            return -1;
        ssize_t n = read(h->out, h->buf + h->len, sizeof h->buf - h->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -3;
        if (n == 0) {
            close(h->out);
            h->out = -1;
            return -2;
        }
        h->len += (size_t)n;
    }
}

int helper_kill(struct helper *h, int sig)
{
    if (!h || h->pid == 0)
        return -1;
    return kill(h->pid, sig);
}

int helper_wait(struct helper *h, int64_t deadline)
{
    if (h->pid == 0)
        return decode_status(h->status);
    if (wait_child(h->pid, &h->status, deadline) < 0)
        return -1;
    h->pid = 0;
    return decode_status(h->status);
}

void helper_free(struct helper *h)
{
    if (!h)
        return;
    if (h->pid > 0) {
        kill(h->pid, SIGKILL);
        wait_child(h->pid, &h->status, now_ms() + STOP_DEADLINE_MS);
    }
    if (h->out >= 0)
        close(h->out);
    if (h->in >= 0)
        close(h->in);
    free(h);
}

/* ------------------------------------------------------------------ watchdog */

static char g_wd_msg[256];
static size_t g_wd_len;

static void wd_fire(int sig)
{
    (void)sig;
    for (int i = 0; i < MAX_TRACKED; i++)
        if (g_children[i] > 0)
            kill((pid_t)g_children[i], SIGKILL);
    if (g_wd_len) {
        ssize_t r = write(2, g_wd_msg, g_wd_len);
        (void)r;
    }
    _exit(124);
}

void watchdog_arm(unsigned seconds, const char *what)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = wd_fire;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        installed = 1;
    }
    if (seconds) {
        int n = snprintf(g_wd_msg, sizeof g_wd_msg,
                         "\nWATCHDOG: %s still running after %u s: test hung, killing it\n",
                         what ? what : "test", seconds);
        g_wd_len = n > 0 && (size_t)n < sizeof g_wd_msg ? (size_t)n : sizeof g_wd_msg - 1;
    }
    alarm(seconds * (unsigned)harness_time_scale());
}

int wd_setup(void **state)
{
    (void)state;
    watchdog_arm(30, "a test");
    return 0;
}

int wd_teardown(void **state)
{
    (void)state;
    alarm(0);
    return 0;
}

struct srv *group_srv;

int group_srv_start(const char *config_text, const char *who)
{
    watchdog_arm(30, who);
    group_srv = srv_start(config_text);
    alarm(0);
    return group_srv ? 0 : -1;
}

int group_srv_stop(const char *who)
{
    if (!group_srv)
        return 0;
    watchdog_arm(30, who);
    int st = srv_stop(group_srv);
    alarm(0);
    srv_free(group_srv);
    group_srv = NULL;
    if (st != 0) {
        fprintf(stderr, "tapisrv exited with %d after SIGTERM (want 0)\n", st);
        return -1;
    }
    return 0;
}
