/*
 * node2.c - the requesters of the two-node scenario.
 *
 * A process's libtapi32 talks to one tapisrv, so load on two nodes needs
 * two requesting processes.  Each is this binary re-executed as
 * "--node-requester FD SOCK GROUPS AGENTS" (a fresh libtapi32, as the
 * fan-out monitors): it opens its app on the tapisrv at SOCK
 * (tb_env_attach: the same lines, groups and agents as the parent's app)
 * and says ready on its control socket FD.  Per run the parent sends
 * (base, n): the requester creates n sessions on keys base .. base + n - 1
 * with TB_WINDOW / (number of requesters) outstanding, answers 1 when it
 * has all replies, ends the sessions (not timed) and answers 2.  (0, 0) or
 * EOF: lineShutdown, exit.  The parent gives the requesters disjoint key
 * ranges: the store refuses a second active session on one key, whichever
 * node creates it.
 */
#include "tapibench.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DONE 1u
#define ENDED 2u
#define MAX_REQ 4

struct tb_requesters {
    int n;
    int fd[MAX_REQ];
    pid_t pid[MAX_REQ];
};

int tb_requester_main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    int fd = atoi(argv[2]);
    struct tb_env *e = tb_env_attach(argv[3], atoi(argv[4]), atoi(argv[5]));
    if (!e)
        return 1;
    uint32_t mark = TB_READY_MARK;
    int rc = tb_write_all(fd, &mark, sizeof mark) < 0;
    while (!rc) {
        /* base, n, window */
        int32_t cmd[3];
        if (tb_read_full(fd, cmd, sizeof cmd, 0) < 0 || !cmd[1])
            break;
        tb_env_key_base(e, cmd[0]);
        /* the same as tb_create_throughput, reported in two steps */
        uint32_t st = tb_create_throughput(e, cmd[1], cmd[2]) < 0 ? 0 : DONE;
        rc = tb_write_all(fd, &st, sizeof st) < 0 || st != DONE;
        st = ENDED;
        if (!rc)
            rc = tb_write_all(fd, &st, sizeof st) < 0;
    }
    tb_env_stop(e);
    return rc;
}

struct tb_requesters *tb_requesters_start(const char *const socks[], int n, int groups, int agents)
{
    struct tb_requesters *r = calloc(1, sizeof *r);
    if (!r || n > MAX_REQ) {
        free(r);
        return NULL;
    }
    char log[PATH_MAX], garg[16], aarg[16];
    tb_path(log, sizeof log, "requester.log");
    snprintf(garg, sizeof garg, "%d", groups);
    snprintf(aarg, sizeof aarg, "%d", agents);
    for (int i = 0; i < n; i++)
        r->fd[i] = -1;
    for (int i = 0; i < n; i++, r->n++) {
        char *args[] = {(char *)socks[i], garg, aarg, NULL};
        r->pid[i] = tb_spawn_role("--node-requester", args, log, &r->fd[i]);
        if (r->pid[i] < 0)
            goto fail;
    }
    double deadline = tb_now_us() + 60e6;
    for (int i = 0; i < n; i++) {
        if (tb_await_ready(r->fd[i], deadline) < 0) {
            fprintf(stderr, "tapibench: requester %d did not start\n", i);
            goto fail;
        }
    }
    return r;
fail:
    tb_dump_log(log);
    tb_requesters_stop(r);
    return NULL;
}

/* Wait for answer `want` from every requester. */
static int await(struct tb_requesters *r, uint32_t want, double deadline)
{
    for (int i = 0; i < r->n; i++) {
        uint32_t st = 0;
        if (tb_read_full(r->fd[i], &st, sizeof st, deadline) < 0 || st != want) {
            fprintf(stderr, "tapibench: requester %d failed\n", i);
            return -1;
        }
    }
    return 0;
}

double tb_requesters_create(struct tb_requesters *r, int n)
{
    int per = n / r->n;
    double t0 = tb_now_us();
    for (int i = 0; i < r->n; i++) {
        int32_t cmd[3] = {i * per, per, TB_WINDOW / r->n};
        if (tb_write_all(r->fd[i], cmd, sizeof cmd) < 0)
            return -1;
    }
    if (await(r, DONE, t0 + 120e6) < 0)
        return -1;
    double us = tb_now_us() - t0;
    if (await(r, ENDED, tb_now_us() + 120e6) < 0)
        return -1;
    return per * r->n / (us / 1e6);
}

void tb_requesters_stop(struct tb_requesters *r)
{
    if (!r)
        return;
    int32_t cmd[3] = {0, 0, 0};
    for (int i = 0; i < r->n; i++)
        tb_role_stop(r->fd[i], r->pid[i], cmd, sizeof cmd);
    free(r);
}
