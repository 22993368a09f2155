/*
 * proxytest.h - what the proxy tests, the test handler (helper_handler) and
 * the raw wire peer (helper_rawproxy) share: the handler's deterministic
 * answers, so that a test can compute exactly what a requester must get
 * back, and a few helpers for LINEPROXYREQUEST images.
 *
 * The answers (pt_answer):
 *   CREATEAGENT          hAgent = 0x1000 + length of the agent ID in UTF-16 units
 *   CREATEAGENTSESSION   hAgentSession = 0x2000 + hAgent
 *   AGENTSPECIFIC        every byte of the parameter block + 1
 *   SET*MEASUREMENTPERIOD period 0 -> LINEERR_INVALPARAM
 *   other SET*           0
 *   GET*                 pt_build() of the request's key, honouring the
 *                        embedded dwTotalSize
 * Like harness.h, nothing here asserts.
 */
#ifndef TAPIX_IT_PROXYTEST_H
#define TAPIX_IT_PROXYTEST_H

#include <stddef.h>
#include <stdint.h>

#include <tapi.h>

#include "proxytab.h"

#define PT_NTYPES 20u
#define PT_ALL_MASK 0x001FFFFEu /* bits 1..20 */
#define PT_V20_MASK 0x000001FEu /* the eight TAPI 2.0 types, bits 1..8 */

/* A SETAGENTSTATE with this dwAgentState is answered at once (result 0) even
 * by a silent handler: the handler's "fence" request to itself. */
#define PT_FENCE_STATE 0x00FE0CE0u

/* The names the handler puts into lists: one non-ASCII Latin letter, one
 * three-byte UTF-8 character, one outside the BMP (a UTF-16 pair). */
extern const char *const pt_group_names[3];
extern const char *const pt_activity_names[3];
extern const char *const pt_queue_names[3];
extern const char pt_handler_info[];
extern const char pt_activity[];

/* The request's key: the DWORD at offset 28 (address, handle, queue ID or
 * the group GUID's Data1), 0 for GETGROUPLIST. */
uint32_t pt_key(uint32_t type, const void *req);

/* The GUID the handler reports for group k of key. */
void pt_guid(uint32_t key, unsigned k, GUID *g);

/*
 * Build the handler's answer structure for a "get" request of `type` with
 * `key`, for a client of API version ver, into dst of `total` bytes
 * (dwTotalSize): strings in UTF-16 (narrow 0, as the handler sends them) or
 * UTF-8 (narrow 1, what an A function must return).  Returns 0, or -1 when
 * type is not a get request or total is below the fixed size.
 */
int pt_build(uint32_t type, uint32_t key, uint32_t ver, int narrow, void *dst, uint32_t total);

/* 0x1000 + units of an agent ID given as UTF-8 (NULL: 0 units). */
HAGENT pt_agent_handle(const char *id);

/*
 * Answer the request image req (size bytes, as the handler got it) in
 * place, as the test handler does; returns the dwResult to pass to
 * lineProxyResponse.  Unknown or malformed requests: LINEERR_OPERATIONFAILED.
 */
LONG pt_answer(void *req, uint32_t size);

/* Hostile answers (the bad-* modes of the handlers). */
enum { PT_BAD_OFFSETS = 1, PT_BAD_USED_GT_TOTAL, PT_BAD_NO_NUL, PT_BAD_SURROGATE };
/* "bad-offsets", "used-gt-total", "no-nul", "lone-surrogate" -> PT_BAD_*,
 * else 0. */
int pt_bad_kind(const char *name);
/*
 * Make the answer in req (already filled by pt_answer) hostile: an offset
 * past dwUsedSize (fixed-size structures: dwUsedSize below the fixed part),
 * dwUsedSize = dwNeededSize = dwTotalSize + 8, the first string's NUL
 * replaced (structures without strings get bad offsets instead), or the
 * first string's first unit a lone surrogate (a well-formed structure, but
 * no UTF-8 form exists; nothing changes when there is no string).
 * AGENTSPECIFIC: dwSize one past the buffer, whatever the kind.  Returns 1
 * when something was made invalid, 0 for types with nothing to spoil.
 */
int pt_corrupt(void *req, int kind);

/* Lower-case hex of len bytes into a malloc'd string. */
char *pt_hex(const void *p, size_t len);
/* Decode hex into a malloc'd buffer; returns its length or -1. */
long pt_unhex(const char *hex, uint8_t **out);

/* Parse "all", "acd", "v20" or a comma list of numbers into an array of
 * types (at most 64); returns the count, -1 on error. */
int pt_parse_types(const char *s, DWORD *types, int cap);

/* The UTF-16 string at (size, off) of base converted to UTF-8, malloc'd;
 * NULL when size/off are not a NUL-terminated UTF-16 string inside limit. */
char *pt_str16(const void *base, uint32_t limit, uint32_t size, uint32_t off);

/* A UTF-8 string as a malloc'd UTF-16 string. */
WCHAR *pt_w(const char *s);

/* ------------------------------------------------------------ processes */

struct helper;

/* Deadline for a helper's first line (exec + lineInitializeEx + lineOpen). */
#define PT_START_MS 15000
/* Deadline for anything that should happen "at once". */
#define PT_WAIT_MS 10000

/*
 * Run helper_handler (or helper_rawproxy when raw) with the given
 * NULL-terminated arguments, stdin on a pipe, and wait for "READY <hLine>".
 * Returns the helper with *hline set, or NULL (the line it printed instead
 * is copied to why, which may be NULL).
 */
struct helper *pt_spawn(int raw, HLINE *hline, char *why, size_t whycap, ...);

/* Read the helper's next line into buf (cap bytes) within ms; 0 when it
 * starts with prefix, else -1 (buf holds what came, or a description). */
int pt_expect(struct helper *h, const char *prefix, char *buf, size_t cap, int ms);

/*
 * Wait up to ms for the app's next message (event mode) into *m.  Returns
 * 0, or lineGetMessage's error.
 */
LONG pt_next_msg(HLINEAPP app, LINEMESSAGE *m, int ms);

/* The requester's OS user name and the host name, as the server reports them. */
const char *pt_user_name(void);
const char *pt_host_name(void);

#endif
