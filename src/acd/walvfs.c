/*
 * walvfs.c - a SQLite VFS that writes a commit's WAL frames with one write.
 *
 * SQLite appends a commit to its write-ahead log one frame at a time: a
 * 24-byte header and a page, two pwrite(2) calls per page, then one sync.
 * A create in acdproxy touches six pages, so its commit made twelve writes
 * before its fdatasync; on the machines tapix is measured on that is about
 * 30 us of the commit (12 writes + sync against 1 write + sync of the same
 * bytes), and a batch of 256 requests pays it per page.
 *
 * This VFS wraps the default one ("unix") and changes one thing: writes to
 * a WAL file that continue where the previous one ended are gathered in a
 * buffer and written with one write when anything else happens to that
 * file (a sync, a read, a write elsewhere, its size asked or changed, its
 * close), or when the buffer is full.  Every other file, and every other
 * method, goes straight to the default VFS.
 *
 * Why this is safe for SQLite's readers: a commit's frames become visible
 * to other connections only through the WAL index, which SQLite updates
 * after writing the frames - and, with synchronous=FULL, after syncing the
 * log, which writes the buffer first.  The store always runs with
 * synchronous=FULL (store_sqlite.c); with a setting that does not sync at
 * each commit, a reader could find frames indexed that were still in the
 * buffer, so only store_sqlite.c opens databases through this VFS.
 *
 * A write error is reported by the operation that writes the buffer (the
 * commit's sync, typically), not by the write that filled it: SQLite then
 * fails the commit, as it does for a failed sync.
 */
#include "walvfs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* The most a WAL file's buffer holds before it is written anyway: a
   create's commit (about 25 KB) in one write, a batch's in a few.  Below
   128 KiB, the most the unix VFS writes with one call. */
#define WAL_BUF_MAX (64 * 1024)

struct wfile {
    sqlite3_file base; /* its methods: passthrough or wal_io */
    sqlite3_file *real;
    bool wal;
    unsigned char *buf; /* WAL: what is gathered, for offset off */
    size_t len, cap;
    sqlite3_int64 off;
    /* the real file follows */
};

static sqlite3_vfs *real_vfs;

#define REAL(f) (((struct wfile *)(f))->real)

/* Write what the buffer holds.  SQLITE_OK or the real write's error (the
   buffer is dropped either way: SQLite fails what it belonged to). */
static int flush(struct wfile *w)
{
    if (!w->len)
        return SQLITE_OK;
    int rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
    w->len = 0;
    return rc;
}

/* ---- the methods of every file: straight through -------------------------- */

static int x_close(sqlite3_file *f)
{
    struct wfile *w = (struct wfile *)f;
    int rc = flush(w);
    int rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int x_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xRead(REAL(f), p, amt, off);
}

static int x_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
    struct wfile *w = (struct wfile *)f;
    if (!w->wal)
        return w->real->pMethods->xWrite(w->real, p, amt, off);
    if (w->len && (off != w->off + (sqlite3_int64)w->len || w->len + (size_t)amt > WAL_BUF_MAX)) {
        int rc = flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    if ((size_t)amt > WAL_BUF_MAX)
        return w->real->pMethods->xWrite(w->real, p, amt, off);
    if (w->len + (size_t)amt > w->cap) {
        size_t cap = w->cap ? w->cap : 65536;
        while (cap < w->len + (size_t)amt)
            cap *= 2;
        unsigned char *nb = realloc(w->buf, cap);
        if (!nb) { /* no memory to gather: write it as SQLite asked */
            int rc = flush(w);
            return rc != SQLITE_OK ? rc : w->real->pMethods->xWrite(w->real, p, amt, off);
        }
        w->buf = nb;
        w->cap = cap;
    }
    if (!w->len)
        w->off = off;
    memcpy(w->buf + w->len, p, (size_t)amt);
    w->len += (size_t)amt;
    return SQLITE_OK;
}

static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int x_sync(sqlite3_file *f, int flags)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int x_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int x_lock(sqlite3_file *f, int lock)
{
    return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int x_unlock(sqlite3_file *f, int lock)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int x_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int x_file_control(sqlite3_file *f, int op, void *arg)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int x_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int x_device_chars(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int x_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int x_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void x_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int x_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int x_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    int rc = flush((struct wfile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int x_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* One table for every file: the buffering methods pass through at once
   for a file that is not a WAL (nothing is ever buffered there).  The
   version is the real file's, so SQLite never calls a method the real
   file lacks (see x_open). */
static sqlite3_io_methods io_v3 = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved,
    x_file_control,
    x_sector_size,
    x_device_chars,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};
static sqlite3_io_methods io_v2, io_v1;

/* ---- the VFS ------------------------------------------------------------------ */

static int x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    struct wfile *w = (struct wfile *)f;
    memset(w, 0, sizeof *w);
    w->real = (sqlite3_file *)(w + 1);
    int rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK || !w->real->pMethods) {
        w->base.pMethods = NULL; /* SQLite calls no method of a file that did not open */
        return rc;
    }
    w->wal = (flags & SQLITE_OPEN_WAL) != 0;
    int v = w->real->pMethods->iVersion;
    w->base.pMethods = v >= 3 ? &io_v3 : v == 2 ? &io_v2 : &io_v1;
    return SQLITE_OK;
}

static int x_delete(sqlite3_vfs *v, const char *name, int sync)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, name, sync);
}

static int x_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int x_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *x_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void x_dlerror(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return real_vfs->xDlSym(real_vfs, h, sym);
}

static void x_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    real_vfs->xDlClose(real_vfs, h);
}

static int x_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int x_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}

static int x_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int x_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int x_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs wal_vfs = {
    .iVersion = 2,
    .zName = WALVFS_NAME,
    .xOpen = x_open,
    .xDelete = x_delete,
    .xAccess = x_access,
    .xFullPathname = x_full_pathname,
    .xDlOpen = x_dlopen,
    .xDlError = x_dlerror,
    .xDlSym = x_dlsym,
    .xDlClose = x_dlclose,
    .xRandomness = x_randomness,
    .xSleep = x_sleep,
    .xCurrentTime = x_current_time,
    .xGetLastError = x_last_error,
    .xCurrentTimeInt64 = x_current_time64,
};

static int registered = -1;

static void do_register(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs || real_vfs->iVersion < 2) {
        registered = 0;
        return;
    }
    io_v2 = io_v3;
    io_v2.iVersion = 2;
    io_v1 = io_v3;
    io_v1.iVersion = 1;
    wal_vfs.szOsFile = (int)sizeof(struct wfile) + real_vfs->szOsFile;
    wal_vfs.mxPathname = real_vfs->mxPathname;
    registered = sqlite3_vfs_register(&wal_vfs, 0) == SQLITE_OK;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

const char *walvfs_name(void)
{
    pthread_once(&once, do_register);
    return registered == 1 ? WALVFS_NAME : NULL;
}
