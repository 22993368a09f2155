/*
 * proc.c - tapibench's processes and temp files, and the guarantee that
 * every exit path cleans them up: normal exit (atexit), a fatal error
 * (exit), SIGINT/SIGTERM/SIGHUP (async-signal-safe: SIGKILL to every
 * tracked child, unlink of the known file names, rmdir).  Every child also
 * gets PR_SET_PDEATHSIG(SIGKILL), so even a SIGKILLed tapibench leaves no
 * process behind.
 */
#include "tapibench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILD 512 /* up to 100 fan-out monitors or readers, plus the servers */

static char g_build[PATH_MAX];
static char g_dir[PATH_MAX];
static volatile pid_t g_child[MAX_CHILD];

/* Every name tapibench or its children create in the temp dir. */
static const char *const g_names[] = {
    "acd.db",
    "acd.db-wal",
    "acd.db-shm",
    "acd.db-journal",
    "acd.log",
    "tapisrv.sock",
    "tapisrv.sock.lock",
    "tapisrv.log",
    "fsync.tmp",
    "scale.db",
    "scale.db-wal",
    "scale.db-shm",
    "scale.db-journal",
    "monitor.log",
    "pg.log",
    "pg.url",
    "tapisrv-b.sock",
    "tapisrv-b.sock.lock",
    "tapisrv-b.log",
    "acd-b.log",
    "requester.log",
    NULL,
};

double tb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int tb_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tb_quantile(double *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof v[0], tb_cmp_double);
    size_t i = (size_t)(q * (double)n);
    if (i >= n)
        i = n - 1;
    return v[i];
}

double tb_median(double *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof v[0], tb_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *tb_build_dir(void)
{
    if (!g_build[0]) {
        ssize_t n = readlink("/proc/self/exe", g_build, sizeof g_build - 1);
        if (n <= 0) {
            snprintf(g_build, sizeof g_build, "build");
        } else {
            g_build[n] = 0;
            char *slash = strrchr(g_build, '/');
            if (slash)
                *slash = 0;
        }
    }
    return g_build;
}

const char *tb_dir(void)
{
    return g_dir;
}

int tb_tmpdir_create(void)
{
    const char *t = getenv("TMPDIR");
    if (!t || !*t)
        t = "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/tapibench.XXXXXX", t);
    if (!mkdtemp(g_dir)) {
        fprintf(stderr, "tapibench: mkdtemp %s: %s\n", g_dir, strerror(errno));
        g_dir[0] = 0;
        return -1;
    }
    return 0;
}

void tb_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", g_dir, name);
}

void tb_track(pid_t pid)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (!g_child[i]) {
            g_child[i] = pid;
            return;
        }
}

void tb_untrack(pid_t pid)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (g_child[i] == pid)
            g_child[i] = 0;
}

/* Async-signal-safe: unlink the known names and rmdir. */
static void remove_dir(void)
{
    if (!g_dir[0])
        return;
    char p[PATH_MAX + 32];
    size_t dl = strlen(g_dir);
    for (int i = 0; g_names[i]; i++) {
        size_t nl = strlen(g_names[i]);
        if (dl + 1 + nl + 1 > sizeof p)
            continue;
        memcpy(p, g_dir, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, g_names[i], nl + 1);
        unlink(p);
    }
    rmdir(g_dir);
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (g_child[i] > 0)
            kill(g_child[i], SIGKILL);
    for (int i = 0; i < MAX_CHILD; i++) /* reap: no zombies left for init */
        if (g_child[i] > 0)
            while (waitpid(g_child[i], NULL, 0) < 0 && errno == EINTR)
                ;
    tb_pg_kill_now(); /* after its clients (acdproxy, admin) are gone */
    remove_dir();
    static const char msg[] = "tapibench: interrupted, cleaned up\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(128 + sig);
}

int tb_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int tb_read_full(int fd, void *p, size_t n, double deadline)
{
    char *c = p;
    while (n) {
        int left = deadline > 0 ? (int)((deadline - tb_now_us()) / 1000) : -1;
        if (deadline > 0 && left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int wait_pid(pid_t pid, int *status, int ms)
{
    for (int t = 0; t < ms; t += 5) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 0;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int tb_stop(pid_t pid)
{
    int st = 0;
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    if (wait_pid(pid, &st, 5000) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        tb_untrack(pid);
        return -1;
    }
    tb_untrack(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

void tb_cleanup(void)
{
    for (int i = 0; i < MAX_CHILD; i++)
        if (g_child[i] > 0)
            tb_stop(g_child[i]);
    tb_pg_stop();
    remove_dir();
    g_dir[0] = 0;
}

void tb_cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    atexit(tb_cleanup);
}

void tb_dump_log(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    lseek(fd, end > 4096 ? end - 4096 : 0, SEEK_SET);
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n > 0) {
        fprintf(stderr, "--- %s ---\n", path);
        fwrite(buf, 1, (size_t)n, stderr);
    }
}

/* In the child after fork: die with the parent. */
static void child_guard(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

pid_t tb_spawn_ready(char *const argv[], const char *logpath)
{
    return tb_spawn_ready_ms(argv, logpath, 10000);
}

pid_t tb_spawn_ready_ms(char *const argv[], const char *logpath, int timeout_ms)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    char fdstr[16];
    snprintf(fdstr, sizeof fdstr, "%d", fds[1]);
    char *av[32];
    int n = 0;
    while (argv[n] && n < 28) {
        av[n] = argv[n];
        n++;
    }
    av[n++] = (char *)"--ready-fd";
    av[n++] = fdstr;
    av[n] = NULL;
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
        child_guard(parent);
        if (dup2(logfd, 2) < 0 || fcntl(fds[1], F_SETFD, 0) < 0)
            _exit(127);
        execv(av[0], av);
        _exit(127);
    }
    tb_track(pid);
    close(fds[1]);
    close(logfd);
    char line[64];
    size_t len = 0;
    int ok = 0;
    double deadline = tb_now_us() + timeout_ms * 1e3;
    for (;;) {
        int left = (int)((deadline - tb_now_us()) / 1000);
        if (left <= 0)
            break;
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int r = poll(&pfd, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t k = read(fds[0], line + len, sizeof line - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
        line[len] = 0;
        if (memchr(line, '\n', len)) {
            ok = strcmp(line, "READY\n") == 0;
            break;
        }
        if (len == sizeof line - 1)
            break;
    }
    close(fds[0]);
    if (!ok) {
        fprintf(stderr, "tapibench: %s gave no READY\n", av[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        tb_untrack(pid);
        tb_dump_log(logpath);
        return -1;
    }
    return pid;
}

int tb_admin(const char *db, char *out, size_t cap, char *const args[])
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/acdproxy", tb_build_dir());
    char *av[32];
    int n = 0;
    av[n++] = path;
    av[n++] = (char *)"admin";
    av[n++] = (char *)"--db";
    av[n++] = (char *)db;
    for (int i = 0; args[i] && n < 31; i++)
        av[n++] = args[i];
    av[n] = NULL;
    int o[2];
    if (pipe2(o, O_CLOEXEC) < 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(o[0]);
        close(o[1]);
        return -1;
    }
    if (pid == 0) {
        child_guard(parent);
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(o[1], 1) < 0)
            _exit(127);
        execv(path, av);
        _exit(127);
    }
    tb_track(pid);
    close(o[1]);
    size_t got = 0;
    char sink[256];
    for (;;) {
        char *dst = out && got + 1 < cap ? out + got : sink;
        size_t room = out && got + 1 < cap ? cap - 1 - got : sizeof sink;
        ssize_t k = read(o[0], dst, room);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (dst != sink)
            got += (size_t)k;
    }
    if (out && cap)
        out[got] = 0;
    close(o[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    tb_untrack(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "tapibench: acdproxy admin");
        for (int i = 0; args[i]; i++)
            fprintf(stderr, " %s", args[i]);
        fprintf(stderr, " failed\n");
        return -1;
    }
    return 0;
}

pid_t tb_fork_fn(void (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        child_guard(parent);
        fn(arg);
        _exit(0);
    }
    tb_track(pid);
    return pid;
}

pid_t tb_spawn_self(char *const args[], int keep_fd, const char *logpath)
{
    char *av[16];
    int n = 0;
    av[n++] = (char *)"tapibench";
    for (int i = 0; args[i] && n < 15; i++)
        av[n++] = args[i];
    av[n] = NULL;
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        child_guard(parent);
        if (dup2(logfd, 2) < 0 || fcntl(keep_fd, F_SETFD, 0) < 0)
            _exit(127);
        execv("/proc/self/exe", av);
        _exit(127);
    }
    close(logfd);
    tb_track(pid);
    return pid;
}

int tb_run_sql(const char *db, const char *sql)
{
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pid == 0) {
        child_guard(parent);
        int nul = open("/dev/null", O_WRONLY);
        if (nul < 0 || dup2(in[0], 0) < 0 || dup2(nul, 1) < 0)
            _exit(127);
        execlp("sqlite3", "sqlite3", "-batch", "-bail", db, (char *)NULL);
        _exit(127);
    }
    tb_track(pid);
    close(in[0]);
    int rc = tb_write_all(in[1], sql, strlen(sql));
    close(in[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    tb_untrack(pid);
    if (rc || !WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "tapibench: sqlite3 %s failed (exit %d)\n", db,
                WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return -1;
    }
    return 0;
}

int tb_proc_mem(pid_t pid, long *rss_kib, long *hwm_kib)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    *rss_kib = *hwm_kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            *rss_kib = atol(line + 6);
        else if (!strncmp(line, "VmHWM:", 6))
            *hwm_kib = atol(line + 6);
    }
    fclose(f);
    return *rss_kib >= 0 && *hwm_kib >= 0 ? 0 : -1;
}

int tb_run_cmd(char *const argv[], const char *outpath, const char *errpath, int timeout_ms)
{
    int out = open(outpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int err = open(errpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0 || err < 0) {
        if (out >= 0)
            close(out);
        if (err >= 0)
            close(err);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        child_guard(parent);
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out);
    close(err);
    if (pid < 0)
        return -1;
    tb_track(pid);
    int st = 0;
    if (wait_pid(pid, &st, timeout_ms) < 0) {
        fprintf(stderr, "tapibench: %s %s: no exit within %d ms\n", argv[0], argv[1] ? argv[1] : "",
                timeout_ms);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        tb_untrack(pid);
        return -1;
    }
    tb_untrack(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

pid_t tb_spawn_role(const char *role, char *const args[], const char *logpath, int *fd)
{
    int sv[2];
    *fd = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", sv[1]);
    char *av[16];
    int n = 0;
    av[n++] = (char *)role;
    av[n++] = fdarg;
    for (int i = 0; args[i] && n < 15; i++)
        av[n++] = args[i];
    av[n] = NULL;
    pid_t pid = tb_spawn_self(av, sv[1], logpath);
    close(sv[1]);
    *fd = sv[0];
    return pid;
}

int tb_await_ready(int fd, double deadline)
{
    uint32_t mark = 0;
    return tb_read_full(fd, &mark, sizeof mark, deadline) < 0 || mark != TB_READY_MARK ? -1 : 0;
}

void tb_role_stop(int fd, pid_t pid, const void *quit, size_t n)
{
    if (fd >= 0) {
        if (tb_write_all(fd, quit, n) == 0) {
            /* let it lineShutdown cleanly; EOF on its end means it exited */
            char c;
            (void)tb_read_full(fd, &c, 1, tb_now_us() + 2e6);
        }
        close(fd);
    }
    if (pid > 0)
        tb_stop(pid);
}
