/* tapitest.c - TAPI-level test helpers (tapitest.h). */
#include "tapitest.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "harness.h"

pid_t self_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

DWORD devcaps_fixed(DWORD ver)
{
    if (ver >= 0x00020002)
        return DEVCAPS_FIXED_22;
    if (ver >= 0x00020000)
        return DEVCAPS_FIXED_20;
    return DEVCAPS_FIXED_14;
}

DWORD addrcaps_fixed(DWORD ver)
{
    return ver >= 0x00020000 ? ADDRCAPS_FIXED_20 : ADDRCAPS_FIXED_14;
}

LONG app_init_event(HLINEAPP *app, DWORD *num_devs, int *event_fd)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP a = 0;
    DWORD n = 0, ver = API_HI;
    LONG rc;

    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    rc = lineInitializeExA(&a, NULL, NULL, "tapix-it", &n, &ver, &p);
    if (app)
        *app = a;
    if (num_devs)
        *num_devs = n;
    if (event_fd)
        *event_fd = rc == 0 ? (int)(intptr_t)p.Handles.hEvent : -1;
    return rc;
}

LONG app_init_callback(HLINEAPP *app, DWORD *num_devs)
{
    LINEINITIALIZEEXPARAMS p;
    HLINEAPP a = 0;
    DWORD n = 0, ver = API_HI;
    LONG rc;

    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEHIDDENWINDOW;
    rc = lineInitializeExA(&a, NULL, cbrec_callback, "tapix-it-cb", &n, &ver, &p);
    if (app)
        *app = a;
    if (num_devs)
        *num_devs = n;
    return rc;
}

LONG open_monitor(HLINEAPP app, DWORD dev, HLINE *line, DWORD_PTR instance)
{
    return lineOpenA(app, dev, line, API_HI, 0, instance, LINECALLPRIVILEGE_MONITOR, 0, NULL);
}

LONG open_proxy(HLINEAPP app, DWORD dev, DWORD ver, DWORD_PTR instance, DWORD privileges,
                const DWORD *types, int n, HLINE *line)
{
    size_t total = sizeof(LINECALLPARAMS) + 4 * (size_t)n;
    LINECALLPARAMS *cp = calloc(1, total);
    if (!cp)
        return (LONG)LINEERR_NOMEM;
    cp->dwTotalSize = (DWORD)total;
    cp->dwDevSpecificOffset = sizeof(LINECALLPARAMS);
    cp->dwDevSpecificSize = 4 * (DWORD)n;
    memcpy((char *)cp + sizeof(LINECALLPARAMS), types, 4 * (size_t)n);
    LONG rc = lineOpenA(app, dev, line, ver, 0, instance, privileges | LINEOPENOPTION_PROXY, 0, cp);
    free(cp);
    return rc;
}

static void abs_ts(struct timespec *ts, int64_t deadline);

/* ------------------------------------------------------------ recorder */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct cbmsg g_msgs[CBREC_MAX];
static int g_count, g_inflight, g_max_inflight;

static void cv_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g_cv, &a);
    pthread_condattr_destroy(&a);
}

void cbrec_reset(void)
{
    pthread_once(&g_once, cv_init);
    pthread_mutex_lock(&g_mu);
    g_count = 0;
    g_inflight = 0;
    g_max_inflight = 0;
    pthread_mutex_unlock(&g_mu);
}

void CALLBACK cbrec_callback(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                             DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3)
{
    pthread_once(&g_once, cv_init);
    pthread_mutex_lock(&g_mu);
    g_inflight++;
    if (g_inflight > g_max_inflight)
        g_max_inflight = g_inflight;
    if (g_count < CBREC_MAX) {
        struct cbmsg *m = &g_msgs[g_count];
        m->hDevice = hDevice;
        m->dwMessage = dwMessage;
        m->dwInstance = dwInstance;
        m->dwParam1 = dwParam1;
        m->dwParam2 = dwParam2;
        m->dwParam3 = dwParam3;
        m->thread = pthread_self();
    }
    g_count++;
    pthread_mutex_unlock(&g_mu);

    /* Give an overlapping invocation (a library bug) a chance to show up:
     * yield while still "inside" the callback. */
    sched_yield();

    pthread_mutex_lock(&g_mu);
    g_inflight--;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

int cbrec_wait(int n, int64_t deadline)
{
    struct timespec ts;
    int c;

    pthread_once(&g_once, cv_init);
    abs_ts(&ts, deadline);
    pthread_mutex_lock(&g_mu);
    while (g_count < n) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &ts) == ETIMEDOUT)
            break;
    }
    c = g_count;
    pthread_mutex_unlock(&g_mu);
    return c;
}

int cbrec_get(int i, struct cbmsg *out)
{
    int rc = -1;
    pthread_mutex_lock(&g_mu);
    if (i >= 0 && i < g_count && i < CBREC_MAX) {
        *out = g_msgs[i];
        rc = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int cbrec_count(void)
{
    int c;
    pthread_mutex_lock(&g_mu);
    c = g_count;
    pthread_mutex_unlock(&g_mu);
    return c;
}

int cbrec_max_concurrent(void)
{
    int c;
    pthread_mutex_lock(&g_mu);
    c = g_max_inflight;
    pthread_mutex_unlock(&g_mu);
    return c;
}

/* ------------------------------------------------------------ varstructs */

void *vs_alloc(DWORD total)
{
    unsigned char *b = malloc((size_t)total + GUARD_LEN + 4);
    if (!b)
        return NULL;
    memset(b, GUARD_BYTE, (size_t)total + GUARD_LEN + 4);
    if (total >= 4)
        memcpy(b, &total, 4);
    return b;
}

int vs_guard_ok(const void *buf, DWORD total)
{
    const unsigned char *b = buf;
    for (DWORD i = 0; i < GUARD_LEN; i++)
        if (b[total + i] != GUARD_BYTE)
            return 0;
    return 1;
}

long vs_untouched(const void *buf, DWORD total)
{
    const unsigned char *b = buf;
    for (DWORD i = 4; i < total + GUARD_LEN; i++)
        if (b[i] != GUARD_BYTE)
            return (long)i;
    return -1;
}

const char *vs_check_pair(const void *base, DWORD fixed, DWORD used, DWORD size, DWORD off,
                          int is_string, int wide)
{
    const unsigned char *b = base;

    if (size == 0 && off == 0)
        return NULL;
    if (size == 0)
        return "size 0 with a nonzero offset";
    if (off == 0)
        return "offset 0 with a nonzero size";
    if (off < fixed)
        return "offset inside the fixed part";
    if ((uint64_t)off + size > used)
        return "offset + size beyond dwUsedSize";
    if (!is_string)
        return NULL;
    if (!wide)
        return b[off + size - 1] == 0 ? NULL : "string not NUL-terminated";
    if (size % 2)
        return "odd size for a UTF-16 string";
    if (b[off + size - 1] != 0 || b[off + size - 2] != 0)
        return "UTF-16 string not NUL-terminated";
    return NULL;
}

int vs_string_eq(const void *base, DWORD size, DWORD off, int wide, const char *ascii)
{
    const unsigned char *b = (const unsigned char *)base + off;
    size_t n = strlen(ascii);

    if (!wide) {
        if (size != n + 1)
            return 0;
        return memcmp(b, ascii, n + 1) == 0;
    }
    if (size != 2 * (n + 1))
        return 0;
    for (size_t i = 0; i <= n; i++) {
        WCHAR w;
        memcpy(&w, b + 2 * i, 2);
        if (w != (WCHAR)(unsigned char)ascii[i])
            return 0;
    }
    return 1;
}

int vs_list_has(const void *base, DWORD size, DWORD off, int wide, const char *ascii)
{
    const unsigned char *b = (const unsigned char *)base + off;
    size_t unit = wide ? 2 : 1, count = size / unit, i = 0, n = strlen(ascii);

    /* must end in two NUL units */
    if (count < 2 || size % unit)
        return 0;
    for (size_t k = 0; k < 2 * unit; k++)
        if (b[size - 1 - k] != 0)
            return 0;
    while (i < count) {
        size_t start = i, len;
        for (;;) {
            WCHAR c = 0;
            if (i >= count)
                return 0;
            if (wide)
                memcpy(&c, b + 2 * i, 2);
            else
                c = b[i];
            if (c == 0)
                break;
            i++;
        }
        len = i - start;
        i++;
        if (len == 0)
            return 0; /* reached the final empty element */
        if (len == n) {
            size_t k;
            for (k = 0; k < n; k++) {
                WCHAR c = 0;
                if (wide)
                    memcpy(&c, b + 2 * (start + k), 2);
                else
                    c = b[start + k];
                if (c != (WCHAR)(unsigned char)ascii[k])
                    break;
            }
            if (k == n)
                return 1;
        }
    }
    return 0;
}

typedef LONG (*caps_fn)(HLINEAPP, DWORD, DWORD, DWORD, DWORD, void *, int);

static LONG call_devcaps(HLINEAPP app, DWORD dev, DWORD unused, DWORD ver, DWORD ext, void *buf,
                         int wide)
{
    (void)unused;
    return wide ? lineGetDevCapsW(app, dev, ver, ext, buf)
                : lineGetDevCapsA(app, dev, ver, ext, buf);
}

static LONG call_addrcaps(HLINEAPP app, DWORD dev, DWORD addr, DWORD ver, DWORD ext, void *buf,
                          int wide)
{
    return wide ? lineGetAddressCapsW(app, dev, addr, ver, ext, buf)
                : lineGetAddressCapsA(app, dev, addr, ver, ext, buf);
}

static LONG caps_full(caps_fn fn, HLINEAPP app, DWORD dev, DWORD addr, DWORD ver, int wide,
                      DWORD fixed, void **out)
{
    DWORD total = fixed;
    LONG rc = 1;

    *out = NULL;
    for (int round = 0; round < 5; round++) {
        void *buf = vs_alloc(total);
        DWORD needed, used;
        if (!buf)
            return LINEERR_NOMEM;
        rc = fn(app, dev, addr, ver, 0, buf, wide);
        if (rc != 0) {
            free(buf);
            return rc;
        }
        memcpy(&needed, (char *)buf + 4, 4);
        memcpy(&used, (char *)buf + 8, 4);
        if (needed == used || needed <= total) {
            *out = buf;
            return needed == used ? 0 : 1;
        }
        free(buf);
        total = needed;
    }
    return 1;
}

LONG devcaps_full(HLINEAPP app, DWORD dev, DWORD ver, int wide, LINEDEVCAPS **out)
{
    void *p;
    LONG rc = caps_full(call_devcaps, app, dev, 0, ver, wide, devcaps_fixed(ver), &p);
    *out = p;
    return rc;
}

LONG addrcaps_full(HLINEAPP app, DWORD dev, DWORD addr, DWORD ver, int wide, LINEADDRESSCAPS **out)
{
    void *p;
    LONG rc = caps_full(call_addrcaps, app, dev, addr, ver, wide, addrcaps_fixed(ver), &p);
    *out = p;
    return rc;
}

/* ------------------------------------------------------------ getmsg waiter */

static void abs_ts(struct timespec *ts, int64_t deadline)
{
    ts->tv_sec = (time_t)(deadline / 1000);
    ts->tv_nsec = (long)(deadline % 1000) * 1000000L;
}

void getmsg_waiter_init(struct getmsg_waiter *w, HLINEAPP app, DWORD timeout)
{
    pthread_condattr_t a;
    memset(w, 0, sizeof *w);
    w->app = app;
    w->timeout = timeout;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &a);
    pthread_condattr_destroy(&a);
}

void *getmsg_waiter_thread(void *p)
{
    struct getmsg_waiter *w = p;
    LINEMESSAGE m;
    LONG rc;

    memset(&m, 0, sizeof m);
    pthread_mutex_lock(&w->mu);
    w->tid = self_tid();
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    rc = lineGetMessage(w->app, &m, w->timeout);
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    w->msg = m;
    w->done = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int getmsg_waiter_wait_blocked(struct getmsg_waiter *w, int64_t deadline)
{
    struct timespec ts;
    pid_t tid;

    abs_ts(&ts, deadline);
    pthread_mutex_lock(&w->mu);
    while (w->tid == 0 && pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
        ;
    tid = w->tid;
    pthread_mutex_unlock(&w->mu);
    if (tid == 0)
        return -1;
    return wait_thread_blocked(tid, deadline);
}

int getmsg_waiter_wait_done(struct getmsg_waiter *w, int64_t deadline)
{
    struct timespec ts;
    int done;

    abs_ts(&ts, deadline);
    pthread_mutex_lock(&w->mu);
    while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
        ;
    done = w->done;
    pthread_mutex_unlock(&w->mu);
    return done;
}

void getmsg_waiter_destroy(struct getmsg_waiter *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}
