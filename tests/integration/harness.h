/*
 * harness.h - process harness for the tapix integration tests.
 *
 * Starts a private tapisrv per suite (or per test) in its own temp dir,
 * runs helper programs (build/tests/helper_*) with a pipe on their stdout,
 * and bounds every wait with a deadline: a hung test fails, it never hangs.
 *
 * Nothing here calls cmocka's assert macros; every function returns a
 * status that the tests assert on, so the helpers can use it too.
 */
#ifndef TAPIX_IT_HARNESS_H
#define TAPIX_IT_HARNESS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef INFINITE
#define INFINITE 0xFFFFFFFFu
#endif

/* ---------------------------------------------------------------- time */

/* $TAPIX_TIME_SCALE (an integer >= 1, default 1): how many times longer
 * the watchdog and the deadlines of slow steps stretch, for runs under
 * valgrind.  The clock itself stays real: tests measure durations. */
int64_t harness_time_scale(void);

/* Is $TAPIX_VALGRIND set (make test VALGRIND=1)?  Then a process's RSS is
 * valgrind's, and memcheck checks the leaks instead. */
int under_valgrind(void);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t now_ms(void);

/* Milliseconds left until deadline (never negative). */
int ms_left(int64_t deadline);

/* ---------------------------------------------------------------- paths */

/* The build directory: $TAPIX_BUILD, else the directory above the running
 * test binary (build/tests/test_x -> build), else "build". */
const char *build_dir(void);

/* ---------------------------------------------------------------- exec */

/* execv(path, argv), or with $TAPIX_VALGRIND set (not "0") the same under
 * valgrind memcheck (exit code 99 on any error or definite leak), with
 * tests/valgrind.supp ($TAPIX_VALGRIND_SUPP overrides it).  Every process
 * the harness starts goes through here.  Returns only on failure. */
int harness_execv(const char *path, char *const argv[]);

/* ---------------------------------------------------------------- server */

struct srv {
    pid_t pid;      /* 0 once reaped */
    char dir[64];   /* private temp dir (mkdtemp under /tmp) */
    char sock[128]; /* DIR/tapisrv.sock */
    char conf[128]; /* DIR/tapisrv.conf, "" without a config */
    int status;     /* waitpid status once reaped */
};

/*
 * Start $TAPIX_BUILD/tapisrv --socket DIR/tapisrv.sock --ready-fd N
 * [--config DIR/tapisrv.conf] [--log-level $TAPIX_SRV_LOG_LEVEL] in a fresh temp dir, with
 * config_text written to DIR/tapisrv.conf when not NULL, and wait (10 s deadline) for the "READY\n"
 * line on its --ready-fd pipe.  On success sets TAPI_SERVER to the socket path and returns the
 * server; on failure prints why to stderr, kills and reaps the process, removes the dir and returns
 * NULL.
 */
struct srv *srv_start(const char *config_text);

/* srv_start for a test that measures tapisrv's RSS: ASan's quarantine would
 * hold freed memory and grow the RSS of an instrumented tapisrv without any
 * leak, so it is off for this server (an uninstrumented build ignores it). */
struct srv *srv_start_rss(const char *config_text);

/*
 * Start tapisrv with config_text expecting it to refuse: it must exit
 * within 10 s without writing READY.  Stores its exit code in *exit_code
 * (-1 if it died from a signal) and up to errcap-1 bytes of its stderr in
 * errbuf.  Returns 0 when the server exited without READY, -1 when it
 * wrote READY (it is then killed), timed out or could not be started.
 */
int srv_start_expect_failure(const char *config_text, int *exit_code, char *errbuf, size_t errcap);

/* SIGTERM, then wait up to 10 s.  Returns the exit code (0..255), 128+sig
 * if it died from a signal, or -1 if it did not exit in time (it is then
 * SIGKILLed and reaped).  Calling it again after the server was reaped
 * returns the same result. */
int srv_stop(struct srv *s);

/* SIGKILL and reap (bounded).  Returns 0, or -1 if it was already reaped. */
int srv_kill(struct srv *s);

/* Kill the server if it still runs, remove its temp dir and free it.
 * NULL is allowed. */
void srv_free(struct srv *s);

/* VmRSS of a process in kB from /proc/PID/status, -1 on error. */
long srv_rss_kb(pid_t pid);

/* Number of sockets the process holds open (/proc/PID/fd), -1 on error.
 * For tapisrv: the listening socket(s) plus one per client connection. */
int proc_count_sockets(pid_t pid);

/* Wait until proc_count_sockets(pid) == want or the deadline passes
 * (checks every 2 ms).  Returns the last count seen. */
int proc_wait_sockets(pid_t pid, int want, int64_t deadline);

/* Point TAPI_SERVER at this server (srv_start already does it). */
void srv_use(const struct srv *s);

/* ---------------------------------------------------------------- helpers */

struct helper {
    pid_t pid;       /* 0 once reaped */
    int out;         /* read end of the helper's stdout, -1 when closed */
    int in;          /* write end of its stdin (helper_spawn_io), else -1 */
    int status;      /* waitpid status once reaped */
    char buf[65536]; /* bytes read from out and not yet returned */
    size_t len;
};

/*
 * Run $TAPIX_BUILD/tests/NAME with the given NULL-terminated arguments
 * (argv[0] is set to NAME), stdout on a pipe, stderr inherited.  The child
 * gets SIGKILL if the test process dies.  Returns NULL on failure.
 */
struct helper *helper_spawn(const char *name, ...);

/* Same with an argument vector: args[0..] are the arguments after NAME,
 * NULL-terminated. */
struct helper *helper_spawnv(const char *name, char *const args[]);

/* Like helper_spawnv, and the helper's stdin is a pipe that helper_send
 * writes to (closing it gives the helper EOF).  SIGPIPE is ignored in the
 * calling process from then on, so writing to a dead helper fails with
 * EPIPE instead of killing the test. */
struct helper *helper_spawn_io(const char *name, char *const args[]);

/* Write one line (printf format, '\n' appended) to a helper_spawn_io
 * helper's stdin.  Returns 0, or -1 (no stdin pipe, or the write failed). */
int helper_send(struct helper *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Read one line (without the '\n') of the helper's stdout into buf, waiting
 * until the absolute deadline (now_ms() based).  Returns its length, -1 on
 * timeout, -2 on EOF (the helper closed stdout or died), -3 on error or a
 * line longer than cap-1.
 */
int helper_wait_line(struct helper *h, char *buf, size_t cap, int64_t deadline);

/* Send a signal (if it still runs). */
int helper_kill(struct helper *h, int sig);

/* Wait until the absolute deadline for the helper to exit.  Returns its
 * exit code, 128+sig when killed by a signal, -1 on timeout (it keeps
 * running).  Idempotent once reaped. */
int helper_wait(struct helper *h, int64_t deadline);

/* SIGKILL if still running, reap, close the pipe, free.  NULL allowed. */
void helper_free(struct helper *h);

/* ---------------------------------------------------------------- waiting */

/* Wait for a child to exit until the deadline (pidfd + poll).  Returns 0
 * with *status set, -1 on timeout or error. */
int wait_child(pid_t pid, int *status, int64_t deadline);

/* poll() one fd for `events` until the deadline.  Returns the revents,
 * 0 on timeout, -1 on error.  deadline 0 means "check once now". */
int poll_fd(int fd, short events, int64_t deadline);

/* Wait until thread tid of this process is blocked (state S or D in
 * /proc/self/task/TID/stat), or the deadline passes.  Returns 0 / -1.
 * Used to know that another thread has entered a blocking call. */
int wait_thread_blocked(pid_t tid, int64_t deadline);

/* ---------------------------------------------------------------- watchdog */

/*
 * Arm a process watchdog (seconds times $TAPIX_TIME_SCALE, default 1, which
 * also stretches the harness's 10 s start and stop deadlines): if it fires, every server and helper
 * this process started is SIGKILLed, a message naming `what` is written to stderr and the process
 * exits with status 124.  Re-arming replaces the previous deadline; 0 seconds disarms.
 */
void watchdog_arm(unsigned seconds, const char *what);

/*
 * cmocka group setup/teardown that share one server per test program:
 * group_srv_start starts it (config_text may be NULL) under a watchdog and
 * keeps it in group_srv; group_srv_stop sends SIGTERM and fails the group
 * unless tapisrv exits 0.  Return 0 or -1 as cmocka wants.
 */
extern struct srv *group_srv;
int group_srv_start(const char *config_text, const char *who);
int group_srv_stop(const char *who);

/* cmocka fixtures arming the watchdog for one test (30 s) / disarming it.
 * They leave *state untouched. */
int wd_setup(void **state);
int wd_teardown(void **state);

#endif
