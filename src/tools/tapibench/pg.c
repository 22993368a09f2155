/*
 * pg.c - tapibench's private PostgreSQL server for the PostgreSQL rows.
 *
 * The server is started and stopped by scripts/pg-test.sh (the same script
 * the test suites use): in DIR/pg, listening on a Unix socket in
 * DIR/pg/sock only, fsync and synchronous_commit at their defaults.  The
 * script is $TAPIX_PG_TEST_SCRIPT, else ../scripts/pg-test.sh from the
 * build dir (../../scripts from build/sanitize).
 *
 * pg_ctl daemonizes the postmaster, so it is not our child and
 * PR_SET_PDEATHSIG does not reach it: every exit path stops it here.  A
 * normal exit (atexit) runs "pg-test.sh stop"; a signal sends SIGQUIT
 * (immediate shutdown) to the pid read from postmaster.pid and waits for it
 * to go, async-signal-safe.  Both then remove DIR/pg with rm -rf (fork and
 * exec, also async-signal-safe).  Only a SIGKILLed tapibench leaves the
 * server running.
 */
#include "tapibench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char g_script[PATH_MAX];
static char g_pgdir[PATH_MAX];
static volatile pid_t g_postmaster; /* > 0 while our server runs */
static volatile int g_have_dir;

static int find_script(void)
{
    const char *env = getenv("TAPIX_PG_TEST_SCRIPT");
    if (env && *env) {
        snprintf(g_script, sizeof g_script, "%s", env);
        return access(g_script, R_OK);
    }
    static const char *const rel[] = {"../scripts/pg-test.sh", "../../scripts/pg-test.sh"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(g_script, sizeof g_script, "%s/%s", tb_build_dir(), rel[i]);
        if (!access(g_script, R_OK))
            return 0;
    }
    return -1;
}

/* The last non-empty line of a log file, the reason shown in the table. */
static void last_line(const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "re");
    char line[256];
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0])
            snprintf(why, cap, "%s", line);
    }
    fclose(f);
}

/* The postmaster's pid from its pid file; 0 if there is none yet.
 * Async-signal-safe (open/read, no stdio): a signal can come while
 * pg-test.sh start is still waiting for the server. */
static pid_t read_postmaster(void)
{
    char path[PATH_MAX + 32], buf[32];
    size_t dl = strlen(g_pgdir);
    static const char name[] = "/data/postmaster.pid";
    if (dl + sizeof name > sizeof path)
        return 0;
    memcpy(path, g_pgdir, dl);
    memcpy(path + dl, name, sizeof name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    long pid = 0;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        pid = pid * 10 + (buf[i] - '0');
    return (pid_t)pid;
}

int tb_pg_start(char *url, size_t cap, char *why, size_t wcap)
{
    char log[PATH_MAX], urlfile[PATH_MAX];
    tb_path(log, sizeof log, "pg.log");
    tb_path(urlfile, sizeof urlfile, "pg.url");
    tb_path(g_pgdir, sizeof g_pgdir, "pg");
    if (find_script()) {
        snprintf(why, wcap, "no scripts/pg-test.sh (set TAPIX_PG_TEST_SCRIPT)");
        return -1;
    }
    /* Run as root, the script runs the server as another user, which must
     * get through our private dir to its own. */
    if (chmod(tb_dir(), 0711) < 0) {
        snprintf(why, wcap, "chmod %s: %s", tb_dir(), strerror(errno));
        return -1;
    }
    g_have_dir = 1;
    char *start[] = {(char *)"/bin/sh", g_script, (char *)"start", g_pgdir, NULL};
    int st = tb_run_cmd(start, log, log, 180000);
    g_postmaster = read_postmaster();
    if (st) {
        snprintf(why, wcap, "pg-test.sh start failed (exit %d)", st);
        last_line(log, why, wcap);
        return -1;
    }
    char *urlcmd[] = {(char *)"/bin/sh", g_script, (char *)"url", g_pgdir, NULL};
    FILE *f = NULL;
    if (tb_run_cmd(urlcmd, urlfile, log, 10000) || !(f = fopen(urlfile, "re")) ||
        !fgets(url, (int)cap, f)) {
        snprintf(why, wcap, "pg-test.sh url failed");
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    unlink(urlfile);
    url[strcspn(url, "\n")] = 0;
    return 0;
}

const char *tb_pg_dir(void)
{
    return g_pgdir;
}

/* Async-signal-safe: rm -rf DIR/pg. */
static void remove_pgdir(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *const av[] = {(char *)"rm", (char *)"-rf", g_pgdir, NULL};
        execv("/bin/rm", av);
        _exit(127);
    }
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    g_have_dir = 0;
}

/* Async-signal-safe: wait up to ms for pid to be gone (it is not our
 * child: kill(pid, 0) fails with ESRCH once init has reaped it). */
static void wait_gone(pid_t pid, int ms)
{
    for (int t = 0; t < ms && kill(pid, 0) == 0; t += 10) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000};
        nanosleep(&ts, NULL);
    }
}

void tb_pg_kill_now(void)
{
    pid_t pid = g_postmaster;
    if (pid <= 0 && g_have_dir)
        pid = read_postmaster();
    if (pid > 0) {
        kill(pid, SIGQUIT);
        wait_gone(pid, 5000);
        if (kill(pid, 0) == 0) {
            kill(pid, SIGKILL);
            wait_gone(pid, 2000);
        }
        g_postmaster = 0;
    }
    if (g_have_dir)
        remove_pgdir();
}

void tb_pg_stop(void)
{
    if (g_postmaster > 0) {
        char log[PATH_MAX];
        tb_path(log, sizeof log, "pg.log");
        char *stop[] = {(char *)"/bin/sh", g_script, (char *)"stop", g_pgdir, NULL};
        if (tb_run_cmd(stop, log, log, 60000) == 0)
            wait_gone(g_postmaster, 5000);
    }
    /* whatever is left (stop failed or timed out): the hard way */
    tb_pg_kill_now();
}
