/*
 * main.c - tapisrv: command line, signals, start-up and orderly exit.
 *
 * Everything that may end the process lives here; the rest of the server
 * reports errors upward and never exits on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "dispatch.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "server.h"
#include "sockpath.h"

/* How long an exiting server keeps trying to deliver LINE_CLOSE. */
#define DRAIN_MS 2000

struct options {
    const char *config;
    const char *socket;
    const char *log_level;
    int ready_fd;
};

static void usage(FILE *f)
{
    fputs("usage: tapisrv [--config FILE] [--socket PATH] [--log-level error|warn|info|debug]\n"
          "               [--ready-fd N]\n",
          f);
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"socket", required_argument, NULL, 's'},
        {"log-level", required_argument, NULL, 'l'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->ready_fd = -1;
    int ch;
    opterr = 0; /* we print our own messages */
    while ((ch = getopt_long(argc, argv, "c:s:l:r:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 's':
            if (!*optarg) {
                fprintf(stderr, "tapisrv: --socket needs a path\n");
                return -1;
            }
            o->socket = optarg;
            break;
        case 'l': {
            enum log_level lv;
            if (log_level_parse(optarg, &lv) < 0) {
                fprintf(stderr, "tapisrv: bad --log-level '%s' (error, warn, info or debug)\n",
                        optarg);
                return -1;
            }
            o->log_level = optarg;
            break;
        }
        case 'r': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < 0 || v > INT_MAX) {
                fprintf(stderr, "tapisrv: bad --ready-fd '%s'\n", optarg);
                return -1;
            }
            if (fcntl((int)v, F_GETFD) < 0) {
                fprintf(stderr, "tapisrv: --ready-fd %ld is not an open file descriptor\n", v);
                return -1;
            }
            o->ready_fd = (int)v;
            break;
        }
        case 'h':
            usage(stdout);
            return 1;
        default:
            if (optopt)
                fprintf(stderr, "tapisrv: option -%c: %s\n", optopt,
                        strchr("cslr", optopt) ? "argument missing" : "unknown option");
            else
                fprintf(stderr, "tapisrv: bad option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tapisrv: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

/* Each client costs one descriptor: allow as many as the hard limit does. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            log_debug("file descriptor limit raised from %llu to %llu", (unsigned long long)old,
                      (unsigned long long)rl.rlim_max);
        else
            log_warn("cannot raise the file descriptor limit: %s", strerror(errno));
    }
}

static void on_signal(struct server *srv, struct ev_source *src, uint32_t events)
{
    struct signalfd_siginfo si;
    (void)events;
    while (read(src->fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (!srv->stopping)
            log_info("%s received; shutting down", strsignal((int)si.ssi_signo));
        srv->stopping = 1;
    }
}

/* Block SIGTERM/SIGINT and read them from a signalfd in the loop, so a
 * signal never interrupts a handler halfway. */
static int setup_signals(struct server *srv)
{
    sigset_t set;
    signal(SIGPIPE, SIG_IGN); /* writes use MSG_NOSIGNAL too; belt and braces */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    srv->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    srv->signals.on_event = on_signal;
    if (srv->signals.fd < 0)
        return -1;
    return loop_add(srv, &srv->signals, EPOLLIN);
}

static int signal_ready(int fd)
{
    static const char msg[] = "READY\n";
    ssize_t n;
    do
        n = write(fd, msg, sizeof msg - 1);
    while (n < 0 && errno == EINTR);
    int ok = n == (ssize_t)(sizeof msg - 1);
    close(fd);
    return ok ? 0 : -1;
}

static void server_cleanup(struct server *srv)
{
    listener_close(srv);
    server_free(srv);
}

int main(int argc, char **argv)
{
    struct options opt;
    int r = parse_args(argc, argv, &opt);
    if (r != 0)
        return r > 0 ? 0 : 1;

    static struct server srv;
    srv.epfd = srv.listener.fd = srv.signals.fd = srv.proxy_timer.fd = srv.reserve_fd = -1;

    char err[512];
    if (opt.config ? config_load_file(&srv.cfg, opt.config, err, sizeof err) < 0
                   : config_defaults(&srv.cfg) < 0) {
        fprintf(stderr, "%s\n", opt.config ? err : "tapisrv: out of memory");
        return 1;
    }
    enum log_level lv = srv.cfg.log_level;
    if (opt.log_level)
        log_level_parse(opt.log_level, &lv);
    log_set_level(lv);

    if (sockpath_resolve(opt.socket ? opt.socket : srv.cfg.socket, srv.sock_path,
                         sizeof srv.sock_path) < 0) {
        fprintf(stderr, "tapisrv: socket path too long\n");
        config_free(&srv.cfg);
        return 1;
    }
    raise_fd_limit();
    if (server_init(&srv) < 0 || setup_signals(&srv) < 0) {
        fprintf(stderr, "tapisrv: cannot start: %s\n", strerror(errno));
        server_cleanup(&srv);
        return 1;
    }
    r = listener_open(&srv, err, sizeof err);
    if (r != LISTENER_OK) {
        fprintf(stderr, "tapisrv: %s\n", err);
        server_cleanup(&srv);
        return 1;
    }
    log_info("tapisrv listening on %s: %u line devices, max_frame %u, max_queue %u", srv.sock_path,
             srv.cfg.lines.n, srv.cfg.max_frame, srv.cfg.max_queue);
    if (opt.ready_fd >= 0 && signal_ready(opt.ready_fd) < 0)
        log_warn("cannot write to --ready-fd %d: %s", opt.ready_fd, strerror(errno));

    loop_run(&srv);

    /* Orderly exit: stop taking work, tell every application its lines
     * are closed, give the messages a bounded chance to leave, go. */
    listener_stop(&srv);
    clients_stop_input(&srv);
    dispatch_stop(&srv);
    loop_drain(&srv, DRAIN_MS);
    server_cleanup(&srv);
    log_info("tapisrv stopped");
    return 0;
}
