/*
 * fanout.c - the monitoring apps of the event fan-out scenario.
 *
 * Each monitor is its own process: this binary re-executed with
 * "--fanout-monitor FD LINE", so that it starts its own libtapi32 from
 * scratch (no fork of a process whose library already runs threads).  It
 * calls lineInitializeEx (USEEVENT), opens LINE with
 * LINECALLPRIVILEGE_MONITOR at API 2.2 and says ready on its control
 * socket FD.  Then, per run, tapibench sends (session, target) and the
 * monitor counts LINE_AGENTSESSIONSTATUS messages of that session whose
 * status is exactly STATE, dequeued with lineGetMessage, until it has
 * target of them; it answers its count.  (0, 0) or EOF: lineShutdown, exit.
 *
 * A stamped monitor ("--fanout-monitor FD LINE SOCK", the two-node
 * scenario) talks to the tapisrv at SOCK and also sends, for every message
 * it counts, the time (tb_now_us, CLOCK_MONOTONIC: one clock for all
 * processes) at which lineGetMessage returned it.
 */
#include "tapibench.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define API_22 0x00020002u

struct tb_monitors {
    int n;
    int *fd;
    pid_t *pid;
    uint32_t target;
};

int tb_monitor_main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int fd = atoi(argv[2]);
    DWORD line = (DWORD)atoi(argv[3]);
    int stamped = argc > 4;
    if (stamped)
        setenv("TAPI_SERVER", argv[4], 1);
    HLINEAPP app;
    HLINE h;
    DWORD nlines = 0, ver = API_22;
    LINEINITIALIZEEXPARAMS ip;
    memset(&ip, 0, sizeof ip);
    ip.dwTotalSize = sizeof ip;
    ip.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    LONG rc = lineInitializeExA(&app, NULL, NULL, "tapibench-monitor", &nlines, &ver, &ip);
    if (rc || line >= nlines) {
        fprintf(stderr, "monitor: lineInitializeEx 0x%lx\n", (unsigned long)(DWORD)rc);
        return 1;
    }
    rc = lineOpenA(app, line, &h, API_22, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL);
    if (rc) {
        fprintf(stderr, "monitor: lineOpen 0x%lx\n", (unsigned long)(DWORD)rc);
        lineShutdown(app);
        return 1;
    }
    uint32_t mark = TB_READY_MARK;
    if (tb_write_all(fd, &mark, sizeof mark) < 0) {
        lineShutdown(app);
        return 1;
    }
    for (;;) {
        uint32_t cmd[2];
        if (tb_read_full(fd, cmd, sizeof cmd, 0) < 0 || !cmd[1])
            break;
        uint32_t count = 0;
        double deadline = tb_now_us() + 60e6;
        /* The clock is read only where it is needed (a message to stamp,
           a wait that timed out): a monitor's own work per message is what
           the raw floor's reader does, and no more. */
        while (count < cmd[1]) {
            LINEMESSAGE m;
            if (lineGetMessage(app, &m, 100)) {
                if (tb_now_us() >= deadline)
                    break;
                continue;
            }
            double t = stamped ? tb_now_us() : 0;
            /* A stamped monitor (another node) counts every status of the
               session, and of any session when cmd[0] is 0: the first it
               hears of a session made on node A is NEWSESSION. */
            if (m.dwMessageID != LINE_AGENTSESSIONSTATUS ||
                (cmd[0] && (uint32_t)m.dwParam1 != cmd[0]) ||
                (!stamped && m.dwParam2 != LINEAGENTSESSIONSTATUS_STATE))
                continue;
            count++;
            if (stamped && tb_write_all(fd, &t, sizeof t) < 0)
                break;
        }
        if (tb_write_all(fd, &count, sizeof count) < 0)
            break;
    }
    lineShutdown(app);
    return 0;
}

static struct tb_monitors *start(int n, int line, const char *sock)
{
    struct tb_monitors *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->fd = malloc((size_t)n * sizeof *m->fd);
    m->pid = calloc((size_t)n, sizeof *m->pid);
    if (!m->fd || !m->pid) {
        free(m->fd);
        free(m->pid);
        free(m);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        m->fd[i] = -1;
    char log[PATH_MAX], linearg[16];
    tb_path(log, sizeof log, "monitor.log");
    snprintf(linearg, sizeof linearg, "%d", line);
    for (int i = 0; i < n; i++, m->n++) {
        char *args[] = {linearg, (char *)sock, NULL};
        m->pid[i] = tb_spawn_role("--fanout-monitor", args, log, &m->fd[i]);
        if (m->pid[i] < 0)
            goto fail;
    }
    double deadline = tb_now_us() + 30e6;
    for (int i = 0; i < n; i++) {
        if (tb_await_ready(m->fd[i], deadline) < 0) {
            fprintf(stderr, "tapibench: monitor %d did not start\n", i);
            goto fail;
        }
    }
    return m;
fail:
    tb_dump_log(log);
    tb_monitors_stop(m);
    return NULL;
}

struct tb_monitors *tb_monitors_start(int n, int line)
{
    return start(n, line, NULL);
}

struct tb_monitors *tb_monitors_start_stamped(const char *sock, int line)
{
    return start(1, line, sock);
}

int tb_monitors_stamp(struct tb_monitors *m, int timeout_ms, double *t)
{
    return tb_read_full(m->fd[0], t, sizeof *t, tb_now_us() + timeout_ms * 1e3);
}

int tb_monitors_begin(struct tb_monitors *m, uint32_t session, int target)
{
    uint32_t cmd[2] = {session, (uint32_t)target};
    m->target = (uint32_t)target;
    for (int i = 0; i < m->n; i++)
        if (tb_write_all(m->fd[i], cmd, sizeof cmd) < 0)
            return -1;
    return 0;
}

int tb_monitors_wait(struct tb_monitors *m, int timeout_ms, long *min)
{
    double deadline = tb_now_us() + timeout_ms * 1e3;
    int rc = 0;
    *min = -1;
    for (int i = 0; i < m->n; i++) {
        uint32_t count = 0;
        if (tb_read_full(m->fd[i], &count, sizeof count, deadline) < 0) {
            fprintf(stderr, "tapibench: monitor %d: no count within %d ms\n", i, timeout_ms);
            return -1;
        }
        if (*min < 0 || (long)count < *min)
            *min = (long)count;
        if (count < m->target) {
            fprintf(stderr, "tapibench: monitor %d received %u of %u\n", i, count, m->target);
            rc = -1;
        }
    }
    return rc;
}

void tb_monitors_stop(struct tb_monitors *m)
{
    if (!m)
        return;
    uint32_t cmd[2] = {0, 0};
    for (int i = 0; i < m->n; i++)
        tb_role_stop(m->fd[i], m->pid[i], cmd, sizeof cmd);
    free(m->fd);
    free(m->pid);
    free(m);
}
