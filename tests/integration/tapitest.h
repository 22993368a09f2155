/*
 * tapitest.h - TAPI-level helpers shared by the integration tests and the
 * helper programs: app bring-up, a callback recorder, variably-sized
 * structure checks.  Like harness.h, nothing here asserts; callers do.
 */
#ifndef TAPIX_IT_TAPITEST_H
#define TAPIX_IT_TAPITEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tapi.h>

#define API_LO 0x00010004u
#define API_HI 0x00020002u
#define DEFAULT_NUM_LINES 8u

/* Fixed sizes per API version: each structure as it ended in that version. */
#define DEVCAPS_FIXED_22 268u
#define DEVCAPS_FIXED_20 252u
#define DEVCAPS_FIXED_14 240u
#define ADDRCAPS_FIXED_20 228u
#define ADDRCAPS_FIXED_14 180u
#define CALLPARAMS_FIXED_20 176u
#define CALLPARAMS_FIXED_14 112u

/* Fixed part of LINEDEVCAPS / LINEADDRESSCAPS for an API version. */
DWORD devcaps_fixed(DWORD ver);
DWORD addrcaps_fixed(DWORD ver);

/* Guard bytes placed after dwTotalSize; must never change. */
#define GUARD_LEN 64u
#define GUARD_BYTE 0xA5u

/* lineInitializeExA in USEEVENT mode with API version 0x00020002.  Stores
 * the app, the number of lines and the event fd (when the pointers are not
 * NULL).  Returns the LONG result. */
LONG app_init_event(HLINEAPP *app, DWORD *num_devs, int *event_fd);

/* lineInitializeExA in USEHIDDENWINDOW mode with cbrec_callback. */
LONG app_init_callback(HLINEAPP *app, DWORD *num_devs);

/* lineOpenA with MONITOR privilege and API 0x00020002 on dev. */
LONG open_monitor(HLINEAPP app, DWORD dev, HLINE *line, DWORD_PTR instance);

/* lineOpenA of dev as proxy handler (privileges | LINEOPENOPTION_PROXY) of
 * the n request types, given in LINECALLPARAMS' device-specific part as
 * lineOpen documents.  lineOpenA's result, or LINEERR_NOMEM. */
LONG open_proxy(HLINEAPP app, DWORD dev, DWORD ver, DWORD_PTR instance, DWORD privileges,
                const DWORD *types, int n, HLINE *line);

/* ----------------------------------------------------------- callback recorder
 * LINECALLBACK carries no user pointer, so the recorder is process-global.
 * cbrec_callback appends every message with the calling thread; it also
 * counts how many invocations ever overlapped (must stay 1: the library
 * calls back one message at a time). */

struct cbmsg {
    DWORD hDevice, dwMessage;
    DWORD_PTR dwInstance, dwParam1, dwParam2, dwParam3;
    pthread_t thread;
};

#define CBREC_MAX 256

void cbrec_reset(void);
void CALLBACK cbrec_callback(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                             DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3);
/* Wait until at least n messages were recorded or the deadline passed;
 * returns the number recorded. */
int cbrec_wait(int n, int64_t deadline);
/* Copy message i (returns 0) or -1 if there is none. */
int cbrec_get(int i, struct cbmsg *out);
int cbrec_count(void);
int cbrec_max_concurrent(void);

/* ----------------------------------------------------------- varstructs */

/* A buffer of `total` bytes for a variably-sized structure followed by
 * GUARD_LEN guard bytes; the whole buffer is filled with GUARD_BYTE and
 * dwTotalSize is set.  Free with free(). */
void *vs_alloc(DWORD total);
/* 1 if the GUARD_LEN bytes after dwTotalSize (as allocated) are intact. */
int vs_guard_ok(const void *buf, DWORD total);
/* The first byte of a vs_alloc buffer written since (dwTotalSize aside: from
 * byte 4 through the guard), or -1 when nothing was: a call that failed must
 * not have touched it. */
long vs_untouched(const void *buf, DWORD total);

/*
 * Check a size/offset pair of a variably-sized structure at base: empty
 * (both 0) is fine; otherwise offset >= fixed, offset + size <= used,
 * size > 0, and for strings (is_string) it ends in NUL: one byte, or an
 * even size ending in a zero WCHAR when wide.  Returns NULL if fine or a
 * static description of the problem.
 */
const char *vs_check_pair(const void *base, DWORD fixed, DWORD used, DWORD size, DWORD off,
                          int is_string, int wide);

/* 1 if the string at (size, off) equals ascii: UTF-8 bytes for !wide,
 * UTF-16 WCHARs (compared one by one) for wide. */
int vs_string_eq(const void *base, DWORD size, DWORD off, int wide, const char *ascii);

/* 1 if the NUL-separated, double-NUL-terminated list at (size, off)
 * contains ascii as one element (UTF-8 or UTF-16 list). */
int vs_list_has(const void *base, DWORD size, DWORD off, int wide, const char *ascii);

/*
 * lineGetDevCapsA/W with the retry loop: start with the fixed size,
 * realloc to dwNeededSize until dwNeededSize == dwUsedSize (at most 5
 * rounds).  *out receives the malloc'ed structure (followed by guard
 * bytes).  Returns the LONG result of the last call, or 1 if the loop did
 * not converge.
 */
LONG devcaps_full(HLINEAPP app, DWORD dev, DWORD ver, int wide, LINEDEVCAPS **out);
LONG addrcaps_full(HLINEAPP app, DWORD dev, DWORD addr, DWORD ver, int wide, LINEADDRESSCAPS **out);

/* ----------------------------------------------------------- lineGetMessage in a thread
 * A thread that announces its tid, then calls lineGetMessage(app, &msg,
 * timeout) once and records the result. */
struct getmsg_waiter {
    HLINEAPP app;
    DWORD timeout;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pid_t tid; /* set just before the call */
    int done;
    LONG rc;
    LINEMESSAGE msg;
};

void getmsg_waiter_init(struct getmsg_waiter *w, HLINEAPP app, DWORD timeout);
void *getmsg_waiter_thread(void *w);
/* Wait until the thread announced itself and sleeps (in the call); 0 or -1. */
int getmsg_waiter_wait_blocked(struct getmsg_waiter *w, int64_t deadline);
/* Wait until the call returned or the deadline passed; returns done. */
int getmsg_waiter_wait_done(struct getmsg_waiter *w, int64_t deadline);
void getmsg_waiter_destroy(struct getmsg_waiter *w);

/* gettid */
pid_t self_tid(void);

#endif
