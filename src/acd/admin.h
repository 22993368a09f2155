/*
 * admin.h - `acdproxy admin ...`: provisioning the directory (agents,
 * groups, queues, activities) in the store, and GUID text helpers.
 */
#ifndef TAPIX_ACD_ADMIN_H
#define TAPIX_ACD_ADMIN_H

#include "store.h"

/*
 * acdproxy admin [--db URL] [--json] OBJECT VERB [ARGS]; argv[0] is
 * "admin".  Output on stdout, messages on stderr.  Returns the exit code:
 * 0 done, 1 the operation failed (not found, exists, in use, store error),
 * 2 usage error.  Reads PINs from standard input (fd 0) only.
 */
int admin_main(int argc, char **argv);

#define GUID_STR_LEN 38 /* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" */

/* Registry form, upper case, of a GUID in Microsoft's byte layout (Data1,
   Data2, Data3 little-endian, Data4 as bytes).  out holds GUID_STR_LEN + 1. */
void acd_guid_format(const st_guid *g, char *out);

/* Parse the registry form, with or without braces, any case.  0 or -1. */
int acd_guid_parse(const char *s, st_guid *out);

/* A random (RFC 4122 version 4) GUID.  0, or -1 when libsodium fails. */
int acd_guid_random(st_guid *g);

#endif
