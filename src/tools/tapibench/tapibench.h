/*
 * tapibench.h - shared declarations of the tapibench program: process and
 * temp-file bookkeeping (proc.c), the floors (floor.c), the TAPI scenarios
 * (scen.c) and the statistics.
 */
#ifndef TAPIX_TAPIBENCH_H
#define TAPIX_TAPIBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tapi.h>

/* ------------------------------------------------------------ parameters */

#define TB_WINDOW 256 /* requests outstanding in the throughput runs */

struct tb_params {
    int runs;    /* runs per figure; the median is reported */
    int lat_ops; /* operations per latency run (1 outstanding) */
    int relay_lat_ops, relay_tput_ops;
    int tput_ops;      /* creates per throughput run (256 outstanding) */
    int info_ops;      /* lineGetAgentSessionInfo per throughput run (256 outstanding) */
    int fsync_ops;     /* fdatasyncs per run */
    int groups;        /* groups provisioned */
    int agents;        /* agents provisioned */
    int fan_floor_ops; /* messages per fan-out floor run (per reader) */
    int fan_ops[2];    /* state changes per fan-out run, N = 10 and N = 100 */
    int scale_agents, scale_sessions, scale_restarts;
    int xnode_ops; /* node A -> node B changes per run (one at a time) */
};

/* How long node B may take to announce node A's change. */
#define TB_XNODE_MS 5000

#define TB_FAN_N0 10
#define TB_FAN_N1 100
/* LINE_AGENTSESSIONSTATUS as tapisrv sends it to a monitoring app: one
 * EVENT frame of 48 bytes (strace of a monitor's recvfrom). */
#define TB_EVENT_SIZE 48u

/* ------------------------------------------------------------ time, stats */

double tb_now_us(void);
int tb_cmp_double(const void *a, const void *b);
/* Sorts v in place; returns the q-quantile (0..1), nearest rank. */
double tb_quantile(double *v, size_t n, double q);
/* Median of n values (sorts a copy in place). */
double tb_median(double *v, size_t n);

/* ------------------------------------------------------------ processes (proc.c) */

/* The directory holding the running binary (the build dir). */
const char *tb_build_dir(void);
/* The private temp dir (created by tb_tmpdir_create). */
const char *tb_dir(void);
int tb_tmpdir_create(void);
/* DIR/name into buf. */
void tb_path(char *buf, size_t cap, const char *name);
/* Remember a child so that every exit path kills it. */
void tb_track(pid_t pid);
void tb_untrack(pid_t pid);
/* Install SIGINT/SIGTERM/SIGHUP handlers and the atexit cleanup. */
void tb_cleanup_install(void);
/* Stop every tracked child (SIGTERM, 5 s, SIGKILL) and remove the temp dir. */
void tb_cleanup(void);
/* Fork+exec argv with --ready-fd N appended, stderr to logpath; wait up to
 * 10 s for "READY\n".  Returns the pid (tracked) or -1 (log printed). */
pid_t tb_spawn_ready(char *const argv[], const char *logpath);
/* The same with another timeout than 10 s. */
pid_t tb_spawn_ready_ms(char *const argv[], const char *logpath, int timeout_ms);
/* Fork+exec this binary with args (argv[1..]); keep_fd stays open in the
 * child, stderr to logpath.  Tracked; dies with the parent. */
pid_t tb_spawn_self(char *const args[], int keep_fd, const char *logpath);
/* A child role: this binary re-executed as "role FD args...", FD its end
 * of a control socket pair, ours into *fd.  Tracked.  The pid or -1. */
pid_t tb_spawn_role(const char *role, char *const args[], const char *logpath, int *fd);
/* What a child role sends on its control socket once it is ready. */
#define TB_READY_MARK 0xffffffffu
/* Wait (until deadline, tb_now_us) for TB_READY_MARK on fd.  0/-1. */
int tb_await_ready(int fd, double deadline);
/* Send a child role its quit command (quit, n bytes), give it 2 s to exit
 * cleanly (EOF on fd), close fd, then tb_stop it. */
void tb_role_stop(int fd, pid_t pid, const void *quit, size_t n);
/* Run the sqlite3 shell on db with sql on its stdin.  0 or -1. */
int tb_run_sql(const char *db, const char *sql);
/* VmRSS and VmHWM of a process, KiB.  0 or -1. */
int tb_proc_mem(pid_t pid, long *rss_kib, long *hwm_kib);
/* SIGTERM and reap (5 s, then SIGKILL).  Returns the exit status or -1. */
int tb_stop(pid_t pid);
/* Run build/acdproxy admin --db DB args...; its stdout into out.  0 or -1. */
int tb_admin(const char *db, char *out, size_t cap, char *const args[]);
/* Run argv (argv[0] a path) with stdout to outpath and stderr to errpath
 * (appended), at most timeout_ms.  Its exit status, or -1 (no exit in
 * time: killed, or it could not run). */
int tb_run_cmd(char *const argv[], const char *outpath, const char *errpath, int timeout_ms);
/* write() all n bytes.  0 or -1. */
int tb_write_all(int fd, const void *p, size_t n);
/* Read exactly n bytes, waiting at most until deadline (tb_now_us; 0: no
 * deadline).  0, or -1 on timeout, EOF or error. */
int tb_read_full(int fd, void *p, size_t n, double deadline);
/* Print a log file to stderr (last 4 KiB). */
void tb_dump_log(const char *path);
/* Fork a child running fn(arg) that dies with the parent; tracked. */
pid_t tb_fork_fn(void (*fn)(void *), void *arg);

/* ------------------------------------------------------------ floors (floor.c) */

/* The message sizes of the relay floor, those of one proxy request in
 * tapix: requester -> server, server -> handler, handler -> server,
 * server -> requester (whole frames, bytes). */
/* Those of lineGetAgentSessionInfo (the larger of the two requests), read
 * from strace of tapix: REQUEST 144, EVENT LINE_PROXYREQUEST 172, RESPONSE
 * 104, EVENT LINE_REPLY 124.  (lineCreateAgentSession: 100, 128, 32, 52.) */
#define TB_REQ_SIZE 144u
#define TB_FWD_SIZE 172u
#define TB_RESP_SIZE 104u
#define TB_REPLY_SIZE 124u

struct tb_sizes {
    uint32_t req, fwd, resp, reply;
};

struct tb_relay;
struct tb_relay *tb_relay_start(const struct tb_sizes *sz);
/* One outstanding: n round trips, latencies (us) into lat[0..n-1]. 0/-1. */
int tb_relay_latency(struct tb_relay *r, int n, double *lat);
/* `window` outstanding: n requests; returns requests/s or -1. */
double tb_relay_throughput(struct tb_relay *r, int n, int window);
void tb_relay_stop(struct tb_relay *r);

/* n x (write 4 KiB + fdatasync) in dir/fsync.tmp (dir NULL: DIR);
 * latencies (us). 0/-1. */
int tb_fsync_latency(const char *dir, int n, double *lat);

/* Raw fan-out floor: this process writes every message (size bytes) to n
 * Unix socket pairs, each read by its own reader process. */
struct tb_fan;
struct tb_fan *tb_fan_start(int n, uint32_t size);
/* msgs messages to every reader, all read; returns deliveries/s (msgs x n
 * over the time until the last reader has them all) or -1. */
double tb_fan_run(struct tb_fan *f, int msgs);
void tb_fan_stop(struct tb_fan *f);

/* ------------------------------------------------------------ fan-out monitors (fanout.c) */

/* n monitoring apps, each its own process (this binary re-executed) with
 * its own lineInitializeEx, line `line` opened with MONITOR at 2.2, each
 * counting LINE_AGENTSESSIONSTATUS(STATE) of one session. */
struct tb_monitors;
struct tb_monitors *tb_monitors_start(int n, int line);
/* One monitor on the tapisrv at sock that also sends the time (tb_now_us)
 * at which it dequeued each counted message: see tb_monitors_stamp. */
struct tb_monitors *tb_monitors_start_stamped(const char *sock, int line);
/* The next time stamp of monitor 0 (a stamped one), waiting at most
 * timeout_ms.  0, or -1 on timeout. */
int tb_monitors_stamp(struct tb_monitors *m, int timeout_ms, double *t);
/* Tell every monitor to count `target` state events of session. */
int tb_monitors_begin(struct tb_monitors *m, uint32_t session, int target);
/* Wait (up to timeout_ms) until every monitor has counted target; the
 * smallest count into *min.  0, or -1 on timeout/failure. */
int tb_monitors_wait(struct tb_monitors *m, int timeout_ms, long *min);
void tb_monitors_stop(struct tb_monitors *m);
/* main() of a monitor process: argv[1] == "--fanout-monitor". */
int tb_monitor_main(int argc, char **argv);

/* ------------------------------------------------------------ PostgreSQL (pg.c) */

/* Start a private PostgreSQL server in DIR/pg with scripts/pg-test.sh; its
 * URL into url.  0, or -1 with the reason in why. */
int tb_pg_start(char *url, size_t cap, char *why, size_t wcap);
/* DIR/pg: the server's directory (its data directory is below it). */
const char *tb_pg_dir(void);
/* Stop it (pg-test.sh stop) and remove DIR/pg; nothing when not started. */
void tb_pg_stop(void);
/* The same from a signal handler: SIGQUIT to the postmaster, rm -rf. */
void tb_pg_kill_now(void);

/* ------------------------------------------------------------ TAPI scenarios (scen.c) */

struct tb_env;
/* What tb_env_start does besides starting tapisrv and acdproxy. */
enum {
    TB_ENV_PROVISION = 1, /* add the groups and agents with acdproxy admin first */
    TB_ENV_APP = 2,       /* this process's app: lineInitializeEx, lines, agents */
};
/* Start tapisrv (socket DIR/tapisrv<tag>.sock) and acdproxy on store db (a
 * path or a postgresql:// URL), logs DIR/tapisrv<tag>.log, acd<tag>.log. */
struct tb_env *tb_env_start(const struct tb_params *p, const char *db, const char *tag, int flags);
/* No servers: the app on the tapisrv at sock, for groups and agents that
 * some tb_env_start provisioned (a requester process of another node). */
struct tb_env *tb_env_attach(const char *sock, int groups, int agents);
/* The key of create number i is base + i from now on (so that two
 * requesters on one store use disjoint keys). */
void tb_env_key_base(struct tb_env *e, int base);
void tb_env_stop(struct tb_env *e);
pid_t tb_env_srv_pid(const struct tb_env *e);
pid_t tb_env_acd_pid(const struct tb_env *e);

/* lineCreateAgentSession: one outstanding, n creates on distinct keys
 * (latencies in lat), then every session ended (not timed).  0/-1. */
int tb_create_latency(struct tb_env *e, int n, double *lat);
/* The same with `window` outstanding; returns creates/s or -1. */
double tb_create_throughput(struct tb_env *e, int n, int window);
/* lineGetAgentSessionInfo on a set of live sessions. */
int tb_info_prepare(struct tb_env *e);
int tb_info_latency(struct tb_env *e, int n, double *lat);
double tb_info_throughput(struct tb_env *e, int n, int window);
int tb_info_finish(struct tb_env *e);
/* Event fan-out: one session (line 0), toggled READY/NOTREADY. */
int tb_fanout_prepare(struct tb_env *e, uint32_t *session);
/* n state changes (`window` outstanding) watched by the monitors; returns
 * LINE_AGENTSESSIONSTATUS delivered per second across all monitors. */
double tb_fanout_run(struct tb_env *e, struct tb_monitors *m, int nmon, int n, int window);
int tb_fanout_finish(struct tb_env *e);
/* One state change of that session, its reply awaited; the time of the
 * call (tb_now_us) into *t0.  0/-1. */
int tb_fanout_toggle(struct tb_env *e, double *t0);

/* Scale: its own tapisrv and acdproxy on DIR/scale.db. */
struct tb_scale_result {
    int agents, sessions;
    double provision_s, agents_s, create_s;      /* wall times of the setup steps */
    long acd_rss0, acd_hwm0, srv_rss0, srv_hwm0; /* KiB, agents provisioned, no session */
    long acd_rss1, acd_hwm1, srv_rss1, srv_hwm1; /* KiB, after creating the sessions */
    long acd_rss2, acd_hwm2;                     /* KiB, after a restart (model loaded) */
    long srv_rss2, srv_hwm2;                     /* KiB, at the end */
    double list_p50_us;                          /* lineGetAgentSessionList, 1000 sessions */
    DWORD list_entries;
    double restart_ms; /* median SIGTERM .. READY */
    double stop_ms;    /* median SIGTERM .. exit */
};
int tb_scale(const struct tb_params *p, struct tb_scale_result *r);

/* ------------------------------------------------------------ two nodes (node2.c) */

/* Requester processes, one per node: this binary re-executed, each with
 * its own libtapi32 on its node's tapisrv. */
struct tb_requesters;
struct tb_requesters *tb_requesters_start(const char *const socks[], int n, int groups, int agents);
/* Every requester creates n / count sessions on its own keys with
 * 256 / count outstanding; returns creates/s across all of them (from the
 * start until the last has its replies), then they end their sessions
 * (not timed).  -1 on failure. */
double tb_requesters_create(struct tb_requesters *r, int n);
void tb_requesters_stop(struct tb_requesters *r);
/* main() of a requester: argv[1] == "--node-requester". */
int tb_requester_main(int argc, char **argv);

#endif
