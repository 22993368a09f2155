/*
 * lines.h - the server's line devices and the LINEDEVCAPS / LINEADDRESSCAPS
 * structures built from them.
 *
 * The device table is fixed for the life of the server (it comes from the
 * configuration); a device ID is an index into it.  The caps builders are
 * pure functions of a device, so the unit tests call them directly.
 */
#ifndef TAPISRV_LINES_H
#define TAPISRV_LINES_H

#include <stdint.h>

/* Versions the server speaks (TAPI 1.4 .. 2.2). */
#define LINES_API_LOW 0x00010004u
#define LINES_API_HIGH 0x00020002u

struct line_addr {
    char *address;  /* dialable address, UTF-8, never empty */
    char *name;     /* optional display name, may be NULL */
    uint32_t flags; /* LINEADDRCAPFLAGS_ */
};

struct line_dev {
    char *name;          /* LineName */
    char *provider_info; /* ProviderInfo */
    char *switch_info;   /* SwitchInfo */
    uint32_t permanent_id;
    uint32_t media_modes; /* LINEMEDIAMODE_ the line supports */
    uint32_t naddrs;      /* >= 1 */
    struct line_addr *addrs;
};

struct line_table {
    uint32_t n;
    struct line_dev *v;
};

/* Fill t with the built-in default: 8 lines "Station 1".."Station 8",
 * permanent IDs 1..8, one address each "201".."208".  Returns 0 or -1 (no
 * memory; t is then empty). */
int lines_defaults(struct line_table *t);

/* Free everything t owns and leave it empty. */
void lines_free(struct line_table *t);

/* Whether the server supports api_version (LINES_API_LOW..LINES_API_HIGH). */
int lines_version_ok(uint32_t api_version);

/* Fixed size of LINEDEVCAPS / LINEADDRESSCAPS as the given (supported)
 * version defines it: 240/252/268 and 180/228 bytes. */
uint32_t lines_devcaps_fixed(uint32_t api_version);
uint32_t lines_addrcaps_fixed(uint32_t api_version);

/*
 * The PermanentLineGuid of a line: Data1 = the permanent line ID, the other
 * 12 bytes a constant tapix namespace carrying the RFC 9562 version-8 and
 * variant bits.  Deterministic, so it is the same after a restart and on
 * every node, and distinct for distinct permanent IDs.  Written in the
 * Windows GUID memory layout (Data1..3 little-endian).
 */
void lines_guid(uint32_t permanent_id, uint8_t out[16]);

/*
 * Build the LINEDEVCAPS of line ln for api_version (must be supported) into
 * buf, which holds cap bytes; `total` is the application's dwTotalSize and
 * is stored as such, while nothing is written at or beyond min(total, cap).
 * Strings are UTF-16LE when wide, else UTF-8.  Fields that do not fit stay
 * 0/0 and dwNeededSize tells the size needed.  Send dwUsedSize bytes.
 * Returns 0, LINEERR_STRUCTURETOOSMALL when total is below the version's
 * fixed size (nothing written), or LINEERR_OPERATIONFAILED on an internal
 * error (cap below the fixed size, bad string).
 */
uint32_t lines_build_devcaps(const struct line_dev *ln, uint32_t api_version, int wide,
                             uint32_t total, void *buf, uint32_t cap);

/* The same for the LINEADDRESSCAPS of address `addr` of line ln, which is
 * device `device_id`.  The caller has checked addr < ln->naddrs. */
uint32_t lines_build_addrcaps(const struct line_dev *ln, uint32_t device_id, uint32_t addr,
                              uint32_t api_version, int wide, uint32_t total, void *buf,
                              uint32_t cap);

#endif
