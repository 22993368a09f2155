/*
 * caps.c - lineNegotiateAPIVersion, lineGetDevCapsA/W and
 * lineGetAddressCapsA/W.  The server builds the structure in the caller's
 * character set (UTF-8 for A, UTF-16 for W); the library checks what it can
 * without a round trip and copies the answer into the caller's buffer.
 */
#include "lib.h"

#include <string.h>

bool tx_version_ok(DWORD v)
{
    return v >= TX_API_LOW && v <= TX_API_HIGH;
}

/* Fixed part of LINEDEVCAPS as it was in each API version. */
DWORD tx_devcaps_fixed(DWORD v)
{
    if (v < 0x00010004u)
        return 236;
    if (v < 0x00020000u)
        return 240;
    if (v < 0x00020002u)
        return 252;
    return 268;
}

DWORD tx_addrcaps_fixed(DWORD v)
{
    if (v < 0x00010004u)
        return 176;
    if (v < 0x00020000u)
        return 180;
    return 228;
}

LONG WINAPI lineNegotiateAPIVersion(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPILowVersion,
                                    DWORD dwAPIHighVersion, LPDWORD lpdwAPIVersion,
                                    LPLINEEXTENSIONID lpExtensionID)
{
    struct tx_app *app = tx_app_get(hLineApp);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    LONG rc = (LONG)LINEERR_INVALPOINTER;
    if (lpdwAPIVersion && lpExtensionID) {
        struct w_negotiate msg = {dwDeviceID, dwAPILowVersion, dwAPIHighVersion};
        struct tx_reply r;
        rc = tx_call(app, W_NEGOTIATE, &msg, &r, NULL, NULL);
        if (!rc && !(rc = r.result)) {
            *lpdwAPIVersion = r.a;
            memset(lpExtensionID, 0, sizeof *lpExtensionID);
            if (r.len == sizeof *lpExtensionID)
                memcpy(lpExtensionID, r.data, r.len);
        }
        tx_reply_free(&r);
    }
    tx_app_put(app);
    return rc;
}

/*
 * Ask the server for a variably-sized structure and copy it into buf, whose
 * dwTotalSize the caller set.  The copy never passes dwTotalSize and keeps
 * the caller's dwTotalSize, whatever the server sent.
 */
static LONG get_struct(HLINEAPP h, unsigned type, const void *msg, void *buf, DWORD version,
                       DWORD fixed)
{
    struct tx_app *app = tx_app_get(h);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    LONG rc = 0;
    DWORD total = 0;
    if (!buf)
        rc = (LONG)LINEERR_INVALPOINTER;
    else {
        memcpy(&total, buf, 4);
        /* Only a known version has a known fixed size; otherwise the
           server reports the version error. */
        if (tx_version_ok(version) && total < fixed)
            rc = (LONG)LINEERR_STRUCTURETOOSMALL;
    }
    struct tx_reply r = {0};
    if (!rc)
        rc = tx_call(app, type, msg, &r, NULL, NULL);
    if (!rc && !(rc = r.result)) {
        if (r.len < 12 || r.len > total)
            rc = (LONG)LINEERR_OPERATIONFAILED;
        else {
            memcpy(buf, r.data, r.len);
            memcpy(buf, &total, 4);
        }
    }
    tx_reply_free(&r);
    tx_app_put(app);
    return rc;
}

static LONG devcaps(HLINEAPP h, DWORD dev, DWORD ver, DWORD ext, LPLINEDEVCAPS caps, int wide)
{
    struct w_devcaps msg = {dev, ver, ext, caps ? caps->dwTotalSize : 0, (uint32_t)wide};
    return get_struct(h, W_DEVCAPS, &msg, caps, ver, tx_devcaps_fixed(ver));
}

LONG WINAPI lineGetDevCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion,
                            DWORD dwExtVersion, LPLINEDEVCAPS lpLineDevCaps)
{
    return devcaps(hLineApp, dwDeviceID, dwAPIVersion, dwExtVersion, lpLineDevCaps, 0);
}

LONG WINAPI lineGetDevCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion,
                            DWORD dwExtVersion, LPLINEDEVCAPS lpLineDevCaps)
{
    return devcaps(hLineApp, dwDeviceID, dwAPIVersion, dwExtVersion, lpLineDevCaps, 1);
}

static LONG addrcaps(HLINEAPP h, DWORD dev, DWORD addr, DWORD ver, DWORD ext,
                     LPLINEADDRESSCAPS caps, int wide)
{
    struct w_addrcaps msg = {dev, addr, ver, ext, caps ? caps->dwTotalSize : 0, (uint32_t)wide};
    return get_struct(h, W_ADDRCAPS, &msg, caps, ver, tx_addrcaps_fixed(ver));
}

LONG WINAPI lineGetAddressCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                                DWORD dwAPIVersion, DWORD dwExtVersion,
                                LPLINEADDRESSCAPS lpAddressCaps)
{
    return addrcaps(hLineApp, dwDeviceID, dwAddressID, dwAPIVersion, dwExtVersion, lpAddressCaps,
                    0);
}

LONG WINAPI lineGetAddressCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                                DWORD dwAPIVersion, DWORD dwExtVersion,
                                LPLINEADDRESSCAPS lpAddressCaps)
{
    return addrcaps(hLineApp, dwDeviceID, dwAddressID, dwAPIVersion, dwExtVersion, lpAddressCaps,
                    1);
}
