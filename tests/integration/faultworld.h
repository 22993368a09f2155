/*
 * faultworld.h - the setting of the acdproxy fault tests (test_faults_acd,
 * test_faults_disk): a tapisrv with FW_APPS + 1 lines of FW_ADDRS addresses on
 * a socket path that survives its restart, acdproxy on a store in a
 * directory of the test's choosing, and FW_APPS helper_acdload processes,
 * app i on line i with agent "300i" (PIN FW_PIN) and its warm session.
 * Then the requests they fire, what they were told, and the check that a
 * store kept everything acknowledged and nothing half-written.
 *
 * Like harness.h, nothing here asserts: every function returns 0 or -1 and
 * says why on stderr.
 */
#ifndef TAPIX_IT_FAULTWORLD_H
#define TAPIX_IT_FAULTWORLD_H

#include <stdint.h>
#include <sys/types.h>

#include <tapi.h>

#define FW_APPS 10
#define FW_APP_LINES 2 /* app i has lines i and i + 1 open, and works on line i */
#define FW_APP_LINES_STR "2"
#define FW_ADDRS 10
#define FW_GROUPS 4 /* groups the creates go to; the warm sessions are in a fifth */
#define FW_PIN "4711"
#define FW_MAX_ACKS 512

struct fw_app {
    struct helper *h;
    HAGENT agent;
    HAGENTSESSION warm;
    int fired; /* requests fired in all */
    /* what its last collect said */
    int replies, ok, failed, unavail, other, missing, closed;
    int wok; /* changes answered with success */
    int64_t last_ms;
    unsigned warm_mask;
    /* every create acknowledged with success, over all collects */
    int nacks;
    struct {
        HAGENTSESSION h;
        int group, addr;
    } acks[FW_MAX_ACKS];
};

struct fworld {
    char dir[64], sock[128], conf[128], log[128];
    char db[256];
    pid_t srv;
    struct acdp *acd;
    struct fw_app app[FW_APPS];
};

/*
 * Start everything; the store lives in storedir (NULL: the world's temp
 * dir).  Returns 0, or -1 (what is up stays up for fw_down).
 */
int fw_up(struct fworld *w, const char *storedir);
/* Stop what runs (SIGKILL for helpers that do not exit on "exit"), remove
 * the temp dir. */
void fw_down(struct fworld *w);

/* "fire n" to every app and wait for each "FIRED n".  0 / -1. */
int fw_fire(struct fworld *w, int n);
/* "collect ms 0" to every app (all at once, so that they wait together) and
 * parse each answer into w->app[i].  0 / -1 (no DONE line in ms + 5 s).
 * In two steps for a test that kills something while the apps wait, and
 * that may want them to wait for `closes` LINE_CLOSEs too. */
int fw_collect(struct fworld *w, int ms);
int fw_collect_send(struct fworld *w, int ms, int closes);
int fw_collect_read(struct fworld *w, int ms);
/* Send one command line to every app and expect a line starting with
 * prefix from each, whose text after the prefix is "0x00000000".  0 / -1. */
int fw_all_ok(struct fworld *w, const char *cmd, const char *prefix, int ms);

/*
 * With a new app of this process on acdproxy's lines: every session an app
 * was told was created (and every warm session) is in its agent's session
 * list with its group and address; the list holds nothing else than those
 * and the creates that were fired (each (group, address) at most once,
 * every entry naming the agent); acknowledged sessions are still NOTREADY,
 * each warm session in a state its app's last collect allows.  Prints what
 * it found when not.  0 / -1.
 */
int fw_check_store(struct fworld *w);

#endif
