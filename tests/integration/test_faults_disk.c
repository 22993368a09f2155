/*
 * test_faults_disk - acdproxy's store on a filesystem that fills up or goes
 * read-only, with the 10 apps of faultworld.h working on it:
 *
 * - full: a small tmpfs holds the store; a filler file takes the rest of
 *   it.  Changes are refused (LINEERR_RESOURCEUNAVAIL, or
 *   LINEERR_OPERATIONFAILED), reads still work, nothing acknowledged
 *   before is lost; once the filler is gone the same acdproxy (never
 *   restarted) commits changes again, and after a restart everything
 *   acknowledged is there.
 * - read-only: acdproxy dies (SIGKILL) and its filesystem is remounted
 *   read-only, as the kernel does after write errors; acdproxy started on
 *   it serves what is stored and refuses every change; once the
 *   filesystem is writable again and acdproxy restarted, changes commit.
 *   (A filesystem can not be remounted read-only while acdproxy holds the
 *   database open for writing: the kernel answers EBUSY.)
 *
 * The filesystems are real (tmpfs), mounted in a mount namespace of this
 * process: as root directly, else in a user namespace of its own.  Where
 * neither is allowed the tests are skipped, and say so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acdharness.h"
#include "faultworld.h"
#include "harness.h"

#define FS_SIZE "8m"
#define BURST 20 /* per app: 5 creates, 5 state changes, 10 reads */
#define COLLECT_MS 15000

static char g_why_not[160]; /* why no filesystem can be mounted here */
static char g_mnt[64];

/* A mount namespace of our own, so that our mounts vanish with us. */
static int own_namespace(void)
{
    if (geteuid() != 0) {
        /* an unprivileged user gets the capability in a new user namespace,
           mapped to the same uid, so that tapisrv sees the same user */
        uid_t uid = geteuid();
        gid_t gid = getegid();
        char map[64];
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
            snprintf(g_why_not, sizeof g_why_not, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s",
                     strerror(errno));
            return -1;
        }
        static const struct {
            const char *file, *fmt;
        } maps[] = {{"/proc/self/setgroups", "deny"},
                    {"/proc/self/uid_map", "%u %u 1"},
                    {"/proc/self/gid_map", "%u %u 1"}};
        for (size_t i = 0; i < 3; i++) {
            unsigned id = i == 1 ? (unsigned)uid : (unsigned)gid;
            int n = snprintf(map, sizeof map, maps[i].fmt, id, id);
            int fd = open(maps[i].file, O_WRONLY | O_CLOEXEC);
            if (fd < 0 || write(fd, map, (size_t)n) != n) {
                snprintf(g_why_not, sizeof g_why_not, "%s: %s", maps[i].file, strerror(errno));
                if (fd >= 0)
                    close(fd);
                return -1;
            }
            close(fd);
        }
    } else if (unshare(CLONE_NEWNS)) {
        snprintf(g_why_not, sizeof g_why_not, "unshare(CLONE_NEWNS): %s", strerror(errno));
        return -1;
    }
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL)) {
        snprintf(g_why_not, sizeof g_why_not, "making / private: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int mount_fs(void)
{
    snprintf(g_mnt, sizeof g_mnt, "/tmp/tapix-disk-XXXXXX");
    if (!mkdtemp(g_mnt))
        return -1;
    if (mount("tmpfs", g_mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=" FS_SIZE ",mode=0700")) {
        fprintf(stderr, "mount tmpfs on %s: %s\n", g_mnt, strerror(errno));
        rmdir(g_mnt);
        return -1;
    }
    return 0;
}

static void umount_fs(void)
{
    if (umount2(g_mnt, MNT_DETACH) == 0)
        rmdir(g_mnt);
}

/* Fill the filesystem: write a file until ENOSPC.  Returns its size in
   kB, -1 when the write failed otherwise. */
static long fill(const char *path)
{
    static char chunk[65536];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    long total = 0;
    memset(chunk, 0xEE, sizeof chunk);
    for (size_t len = sizeof chunk; len;) {
        ssize_t n = write(fd, chunk, len);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n < 0 && errno != ENOSPC) {
            close(fd);
            return -1;
        }
        len /= 2; /* the last pages, down to a byte */
    }
    close(fd);
    return total / 1024;
}

/* The counts of the apps' last collect, summed. */
struct sum {
    int replies, ok, failed, unavail, other, missing, wok;
};

static struct sum summed(const struct fworld *w)
{
    struct sum s = {.replies = 0};
    for (int i = 0; i < FW_APPS; i++) {
        const struct fw_app *a = &w->app[i];
        s.replies += a->replies;
        s.ok += a->ok;
        s.failed += a->failed;
        s.unavail += a->unavail;
        s.other += a->other;
        s.missing += a->missing;
        s.wok += a->wok;
    }
    return s;
}

static void burst(struct fworld *w, const char *what, struct sum *s)
{
    assert_int_equal(fw_fire(w, BURST), 0);
    assert_int_equal(fw_collect(w, COLLECT_MS), 0);
    *s = summed(w);
    print_message("        %s: %d replies: %d ok (%d changes), %d RESOURCEUNAVAIL, %d "
                  "OPERATIONFAILED, %d other, %d missing\n",
                  what, s->replies, s->ok, s->wok, s->unavail, s->failed, s->other, s->missing);
    assert_int_equal(s->replies, FW_APPS * BURST);
    assert_int_equal(s->missing, 0);
    assert_int_equal(s->other, 0);
}

/* Every change answered with success, every read too. */
static void all_commit(struct fworld *w, const char *what)
{
    struct sum s;
    burst(w, what, &s);
    assert_int_equal(s.ok, FW_APPS * BURST);
    assert_int_equal(s.wok, FW_APPS * BURST / 2);
}

/* Every change refused, every read answered. */
static void changes_refused(struct fworld *w, const char *what)
{
    struct sum s;
    burst(w, what, &s);
    assert_int_equal(s.wok, 0);
    assert_int_equal(s.ok, FW_APPS * BURST / 2);
    assert_int_equal(s.unavail + s.failed, FW_APPS * BURST / 2);
}

/* The world with its store on a filesystem of our own, and every app's
   first changes committed. */
static void up_on_fs(struct fworld *w)
{
    assert_int_equal(mount_fs(), 0);
    if (fw_up(w, g_mnt))
        fail_msg("the world did not come up (see above)");
    all_commit(w, "before");
}

static void down_on_fs(struct fworld *w)
{
    assert_int_equal(fw_check_store(w), 0);
    assert_int_equal(acdp_stop(w->acd), 0);
    fw_down(w);
    umount_fs();
}

static void full_filesystem(void **state)
{
    (void)state;
    if (g_why_not[0])
        skip();
    struct fworld w;
    char filler[128];
    up_on_fs(&w);
    snprintf(filler, sizeof filler, "%s/filler", g_mnt);
    pid_t pid = w.acd->pid;

    long kb = fill(filler);
    assert_true(kb > 0);
    print_message("        filesystem of " FS_SIZE " filled with %ld kB\n", kb);
    changes_refused(&w, "full");
    changes_refused(&w, "still full");
    assert_int_equal(fw_check_store(&w), 0);

    assert_int_equal(unlink(filler), 0);
    all_commit(&w, "space back");
    assert_int_equal(w.acd->pid, pid); /* the same acdproxy */
    assert_int_equal(fw_check_store(&w), 0);
    /* and on disk */
    assert_int_equal(acdp_stop(w.acd), 0);
    assert_int_equal(acdp_restart(w.acd), 0);
    down_on_fs(&w);
}

static void readonly_filesystem(void **state)
{
    (void)state;
    if (g_why_not[0])
        skip();
    struct fworld w;
    up_on_fs(&w);

    assert_int_equal(acdp_kill(w.acd), 0);
    if (mount("tmpfs", g_mnt, "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL))
        fail_msg("remount read-only: %s", strerror(errno));
    assert_int_equal(acdp_restart(w.acd), 0);
    /* the grant of the PIN died with the old acdproxy */
    assert_int_equal(fw_all_ok(&w, "grant", "GRANT", 20000), 0);
    changes_refused(&w, "read-only");
    assert_int_equal(fw_check_store(&w), 0);

    assert_int_equal(acdp_stop(w.acd), 0);
    if (mount("tmpfs", g_mnt, "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, NULL))
        fail_msg("remount read-write: %s", strerror(errno));
    assert_int_equal(acdp_restart(w.acd), 0);
    assert_int_equal(fw_all_ok(&w, "grant", "GRANT", 20000), 0);
    all_commit(&w, "writable again");
    down_on_fs(&w);
}

static int setup(void **state)
{
    (void)state;
    watchdog_arm(180, "a test_faults_disk test");
    return 0;
}

int main(void)
{
    /* before any thread: unshare(CLONE_NEWUSER) wants a single thread */
    if (own_namespace())
        fprintf(stderr,
                "test_faults_disk: no filesystem of our own can be mounted here (%s); "
                "the tests are skipped\n",
                g_why_not);
    if (!getenv("TAPIX_SRV_LOG_LEVEL") || !strcmp(getenv("TAPIX_SRV_LOG_LEVEL"), "warn"))
        setenv("TAPIX_SRV_LOG_LEVEL", "error", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_filesystem, setup, wd_teardown),
        cmocka_unit_test_setup_teardown(readonly_filesystem, setup, wd_teardown),
    };
    return cmocka_run_group_tests_name("faults_disk", tests, NULL, NULL);
}
