/*
 * line.c - lineOpenA/W and lineClose.
 *
 * An opened line enters the process's line table on the I/O thread at the
 * moment its RESULT arrives (a waiter hook), so that an event for the new
 * handle that follows the RESULT on the wire always finds it.
 */
#include "lib.h"

#include <stdlib.h>
#include <string.h>

#include "proxytab.h"

struct open_ctx {
    DWORD_PTR instance;
    DWORD version;
    uint32_t handles; /* the types this open registers as handler */
};

static void opened(struct tx_app *app, struct tx_reply *r, void *arg)
{
    struct open_ctx *ctx = arg;
    if (r->result)
        return;
    struct tx_line *line = malloc(sizeof *line);
    if (!line || tx_htab_put(&tx_lines, r->a, line)) {
        free(line);
        /* The server holds an open the app cannot name; report it, and the
           server closes the line when the app shuts down. */
        r->result = (LONG)LINEERR_NOMEM;
        return;
    }
    uint32_t served = 0;
    if (r->len == 4)
        memcpy(&served, r->data, 4);
    *line = (struct tx_line){.h = r->a,
                             .app = app,
                             .instance = ctx->instance,
                             .device = r->b,
                             .version = ctx->version,
                             .served = served,
                             .handles = ctx->handles};
}

/*
 * LINEOPENOPTION_PROXY: the DevSpecific area of lpCallParams is an array of
 * LINEPROXYREQUEST_ values.  Empty, misaligned, outside the structure, or
 * naming a type the line's version does not have: LINEERR_INVALPARAM.
 */
static LONG proxy_types(const LINECALLPARAMS *cp, DWORD version, uint32_t *mask,
                        DWORD types[PX_TYPE_MAX], uint32_t *n)
{
    DWORD size = cp->dwDevSpecificSize, off = cp->dwDevSpecificOffset;
    if (!size || size % 4 || off < 4 || off > cp->dwTotalSize || size > cp->dwTotalSize - off)
        return (LONG)LINEERR_INVALPARAM;
    *mask = 0;
    *n = 0;
    for (DWORD i = 0; i < size / 4; i++) {
        DWORD t;
        memcpy(&t, (const uint8_t *)cp + off + 4 * i, 4);
        const struct px_type *row = px_type(t);
        if (!row || row->min_version > version)
            return (LONG)LINEERR_INVALPARAM;
        if (!(*mask & (1u << t)))
            types[(*n)++] = t; /* a type named twice is registered once */
        *mask |= 1u << t;
    }
    return 0;
}

static LONG open_line(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion,
                      DWORD dwExtVersion, DWORD_PTR dwCallbackInstance, DWORD dwPrivileges,
                      DWORD dwMediaModes, const LINECALLPARAMS *cp)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    LONG rc = 0;
    DWORD address = 0;
    DWORD types[PX_TYPE_MAX];
    uint32_t ntypes = 0, mask = 0;
    bool proxy = dwPrivileges & LINEOPENOPTION_PROXY;
    if (!lphLine)
        rc = (LONG)LINEERR_INVALPOINTER;
    else if (!cp && (dwPrivileges & (LINEOPENOPTION_SINGLEADDRESS | LINEOPENOPTION_PROXY)))
        rc = (LONG)LINEERR_INVALPOINTER;
    else if (cp && tx_version_ok(dwAPIVersion) &&
             cp->dwTotalSize < (dwAPIVersion >= 0x00020000u ? 176u : 112u))
        rc = (LONG)LINEERR_STRUCTURETOOSMALL;
    else if (proxy && tx_version_ok(dwAPIVersion) && dwAPIVersion < 0x00020000u)
        rc = (LONG)LINEERR_INVALPRIVSELECT; /* proxies arrived with TAPI 2.0 */
    else if (proxy && tx_version_ok(dwAPIVersion))
        rc = proxy_types(cp, dwAPIVersion, &mask, types, &ntypes);
    if (!rc && cp)
        address = cp->dwAddressID;
    if (!rc) {
        struct w_open msg = {dwDeviceID,
                             dwAPIVersion,
                             dwExtVersion,
                             dwPrivileges,
                             dwMediaModes,
                             address,
                             {(const uint8_t *)types, ntypes * 4}};
        struct open_ctx ctx = {dwCallbackInstance, dwAPIVersion, mask};
        struct tx_reply r;
        rc = tx_call(app, W_OPEN, &msg, &r, opened, &ctx);
        if (!rc && !(rc = r.result))
            *lphLine = r.a;
        tx_reply_free(&r);
    }
    tx_app_put(app);
    return rc;
}

LONG WINAPI lineOpenA(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion,
                      DWORD dwExtVersion, DWORD_PTR dwCallbackInstance, DWORD dwPrivileges,
                      DWORD dwMediaModes, LPLINECALLPARAMS const lpCallParams)
{
    return open_line(hLineApp, dwDeviceID, lphLine, dwAPIVersion, dwExtVersion, dwCallbackInstance,
                     dwPrivileges, dwMediaModes, lpCallParams);
}

/* No string in LINECALLPARAMS matters to lineOpen, so A and W are one. */
LONG WINAPI lineOpenW(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion,
                      DWORD dwExtVersion, DWORD_PTR dwCallbackInstance, DWORD dwPrivileges,
                      DWORD dwMediaModes, LPLINECALLPARAMS const lpCallParams)
{
    return open_line(hLineApp, dwDeviceID, lphLine, dwAPIVersion, dwExtVersion, dwCallbackInstance,
                     dwPrivileges, dwMediaModes, lpCallParams);
}

static void closed(struct tx_app *app, struct tx_reply *r, void *arg)
{
    struct tx_line *line = tx_htab_get(&tx_lines, *(HLINE *)arg);
    if (!r->result && line) {
        /* lineClose suppresses the closer's outstanding replies. */
        tx_pending_drop(app, line->h, false);
        tx_htab_del(&tx_lines, line->h);
        free(line);
    }
}

LONG WINAPI lineClose(HLINE hLine)
{
    struct tx_app *app = tx_app_of_line(hLine, NULL);
    if (!app)
        return (LONG)LINEERR_INVALLINEHANDLE;
    struct w_close msg = {hLine};
    struct tx_reply r;
    LONG rc = tx_call(app, W_CLOSE, &msg, &r, closed, &hLine);
    if (!rc)
        rc = r.result;
    tx_reply_free(&r);
    tx_app_put(app);
    return rc;
}
