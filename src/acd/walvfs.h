/*
 * walvfs.h - the SQLite VFS under the store (walvfs.c): the default one,
 * except that a commit's WAL frames are written with one write.
 */
#ifndef TAPIX_ACD_WALVFS_H
#define TAPIX_ACD_WALVFS_H

#define WALVFS_NAME "tapix-wal"

/* The VFS's name for sqlite3_open_v2, registered on the first call; NULL
   (SQLite's default VFS) if it cannot be.  Only for connections that run
   with synchronous=FULL. */
const char *walvfs_name(void);

#endif
