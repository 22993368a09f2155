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

/* ------------------------------------------------------------ parameters */

#define TB_WINDOW 256 /* requests outstanding in the throughput runs */

struct tb_params {
    int runs;      /* runs per figure; the median is reported */
    int lat_ops;   /* operations per latency run (1 outstanding) */
    int relay_lat_ops, relay_tput_ops;
    int tput_ops;  /* operations per throughput run (256 outstanding) */
    int fsync_ops; /* fdatasyncs per run */
    int groups;    /* groups provisioned */
    int agents;    /* agents provisioned */
};

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
/* SIGTERM and reap (5 s, then SIGKILL).  Returns the exit status or -1. */
int tb_stop(pid_t pid);
/* Run build/acdproxy admin --db DB args...; its stdout into out.  0 or -1. */
int tb_admin(const char *db, char *out, size_t cap, char *const args[]);
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

/* n x (write 4 KiB + fdatasync) in DIR/fsync.tmp; latencies (us). 0/-1. */
int tb_fsync_latency(int n, double *lat);

/* ------------------------------------------------------------ TAPI scenarios (scen.c) */

struct tb_env;
/* Provision the directory, start tapisrv and acdproxy, init the app. */
struct tb_env *tb_env_start(const struct tb_params *p);
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

#endif
