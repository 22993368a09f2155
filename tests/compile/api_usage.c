/*
 * A program as a TAPI developer writes it: includes <tapi.h> and calls the
 * call-center and proxy functions.  The Makefile compiles it as C11 and as
 * C++ with gcc and clang under -Wall -Wextra -Werror, and links it against
 * libtapi32, to show the header is source-compatible and warning-free.
 */
#include <string.h>
#include <tapi.h>

static void CALLBACK on_message(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                                DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3)
{
    (void)hDevice; (void)dwInstance; (void)dwParam2; (void)dwParam3;
    if (dwMessage == LINE_PROXYREQUEST) {
        LPLINEPROXYREQUEST req = (LPLINEPROXYREQUEST)dwParam1;
        if (req->dwRequestType == LINEPROXYREQUEST_CREATEAGENTSESSION)
            req->CreateAgentSession.hAgentSession = 1;
        lineProxyResponse((HLINE)hDevice, req, 0);
    }
}

int main(void)
{
    HLINEAPP app = 0;
    DWORD devs = 0, version = TAPI_CURRENT_VERSION;
    LINEINITIALIZEEXPARAMS params;
    memset(&params, 0, sizeof params);
    params.dwTotalSize = sizeof params;
    params.dwOptions = LINEINITIALIZEEXOPTION_USEHIDDENWINDOW;
    if (lineInitializeExA(&app, NULL, on_message, "api-usage", &devs, &version, &params) != 0)
        return 1;

    HLINE line = 0;
    LINECALLPARAMS cp;
    memset(&cp, 0, sizeof cp);
    cp.dwTotalSize = sizeof cp;
    lineOpen(app, 0, &line, TAPI_CURRENT_VERSION, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, &cp);

    GUID group = {0x12345678, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
    HAGENTSESSION s1 = 0, s2 = 0;
    static const WCHAR pin_w[] = {'1', '2', '3', '4', 0};
    LONG r1 = lineCreateAgentSessionA(line, 1, "1234", 0, &group, &s1);
    LONG r2 = lineCreateAgentSessionW(line, 1, pin_w, 0, &group, &s2);
    LONG r3 = lineCreateAgentSession(line, 1, "1234", 0, &group, &s1);
    lineShutdown(app);
    return (r1 < 0 && r2 < 0 && r3 < 0) ? 0 : 2;
}
