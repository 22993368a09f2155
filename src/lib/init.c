/*
 * init.c - lineInitialize, lineInitializeExA/W and lineShutdown: an app's
 * registration with TAPI, which in tapix is one connection to tapisrv.
 */
#include "lib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "utf.h"

static HLINEAPP next_app = 0x00010000u; /* under tx_lock; never reused */

/* Validate a UTF-8 app name; NULL means "the program's name". */
static const char *app_name(const char *name)
{
    return name ? name : program_invocation_short_name;
}

static LONG initialize(LPHLINEAPP lphLineApp, LINECALLBACK cb, const char *name,
                       LPDWORD lpdwNumDevs, DWORD api_version, DWORD options)
{
    struct tx_app *app = calloc(1, sizeof *app);
    if (!app)
        return (LONG)LINEERR_NOMEM;
    app->fd = app->evfd = -1;
    app->refs = 1; /* the caller's, handed to the table on success */
    app->api_version = api_version;
    app->max_frame = WIRE_MAX_FRAME_DEFAULT;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&app->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&app->mu, NULL);
    pthread_mutex_init(&app->wmu, NULL);
    pthread_mutex_init(&app->rx_mu, NULL);

    DWORD devs = 0;
    LONG rc = tx_connect(app, app_name(name), &devs);
    if (!rc && options == LINEINITIALIZEEXOPTION_USEEVENT &&
        (app->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        rc = (LONG)LINEERR_RESOURCEUNAVAIL;
    if (!rc && options != LINEINITIALIZEEXOPTION_USEEVENT) {
        app->cb = cb;
        if (tx_queue_start_callbacks(app))
            rc = (LONG)LINEERR_RESOURCEUNAVAIL;
    }
    if (!rc) {
        pthread_mutex_lock(&tx_lock);
        app->h = next_app++;
        if (tx_htab_put(&tx_apps, app->h, app))
            rc = (LONG)LINEERR_NOMEM;
        pthread_mutex_unlock(&tx_lock);
    }
    if (!rc && tx_io_register(app)) {
        pthread_mutex_lock(&tx_lock);
        tx_htab_del(&tx_apps, app->h);
        pthread_mutex_unlock(&tx_lock);
        rc = (LONG)LINEERR_RESOURCEUNAVAIL;
    }
    if (rc) {
        pthread_mutex_lock(&app->mu);
        app->shut = true;
        pthread_cond_broadcast(&app->cond);
        pthread_mutex_unlock(&app->mu);
        tx_queue_stop_callbacks(app);
        tx_app_put(app);
        return rc;
    }
    *lphLineApp = app->h;
    *lpdwNumDevs = devs;
    return 0;
}

LONG WINAPI lineInitialize(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                           LPCSTR lpszAppName, LPDWORD lpdwNumDevs)
{
    (void)hInstance;
    if (!lphLineApp || !lpfnCallback || !lpdwNumDevs)
        return (LONG)LINEERR_INVALPOINTER;
    if (lpszAppName && utf8_to_utf16(lpszAppName, strlen(lpszAppName), NULL, 0) < 0)
        return (LONG)LINEERR_INVALAPPNAME;
    /* A TAPI 1.x app: its highest version is the last 1.x one. */
    return initialize(lphLineApp, lpfnCallback, lpszAppName, lpdwNumDevs, 0x00010004u,
                      LINEINITIALIZEEXOPTION_USEHIDDENWINDOW);
}

static LONG initialize_ex(LPHLINEAPP lphLineApp, LINECALLBACK cb, const char *name,
                          LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                          LPLINEINITIALIZEEXPARAMS params)
{
    if (!lphLineApp || !lpdwNumDevs || !lpdwAPIVersion || !params)
        return (LONG)LINEERR_INVALPOINTER;
    if (params->dwTotalSize < sizeof(LINEINITIALIZEEXPARAMS))
        return (LONG)LINEERR_STRUCTURETOOSMALL;
    DWORD opt = params->dwOptions;
    if (opt == LINEINITIALIZEEXOPTION_USECOMPLETIONPORT)
        return (LONG)LINEERR_INVALPARAM; /* no completion ports on Linux */
    if (opt != LINEINITIALIZEEXOPTION_USEHIDDENWINDOW && opt != LINEINITIALIZEEXOPTION_USEEVENT)
        return (LONG)LINEERR_INVALPARAM;
    if (opt == LINEINITIALIZEEXOPTION_USEHIDDENWINDOW && !cb)
        return (LONG)LINEERR_INVALPOINTER;
    LONG rc = initialize(lphLineApp, cb, name, lpdwNumDevs, *lpdwAPIVersion, opt);
    if (rc)
        return rc;
    params->dwNeededSize = params->dwUsedSize = sizeof(LINEINITIALIZEEXPARAMS);
    if (opt == LINEINITIALIZEEXOPTION_USEEVENT) {
        struct tx_app *app = tx_app_get(*lphLineApp);
        params->Handles.hEvent = (HANDLE)(intptr_t)(app ? app->evfd : -1);
        if (app)
            tx_app_put(app);
    }
    *lpdwAPIVersion = TX_API_HIGH;
    return 0;
}

LONG WINAPI lineInitializeExA(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                              LPCSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs,
                              LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams)
{
    (void)hInstance;
    if (lpszFriendlyAppName &&
        utf8_to_utf16(lpszFriendlyAppName, strlen(lpszFriendlyAppName), NULL, 0) < 0)
        return (LONG)LINEERR_INVALAPPNAME;
    return initialize_ex(lphLineApp, lpfnCallback, lpszFriendlyAppName, lpdwNumDevs, lpdwAPIVersion,
                         lpLineInitializeExParams);
}

LONG WINAPI lineInitializeExW(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                              LPCWSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs,
                              LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams)
{
    (void)hInstance;
    char *name = NULL;
    if (lpszFriendlyAppName) {
        int err = 0;
        name = utf16_to_utf8_dup(lpszFriendlyAppName, &err);
        if (!name)
            return err == UTF_ENOMEM ? (LONG)LINEERR_NOMEM : (LONG)LINEERR_INVALAPPNAME;
    }
    LONG rc = initialize_ex(lphLineApp, lpfnCallback, name, lpdwNumDevs, lpdwAPIVersion,
                            lpLineInitializeExParams);
    free(name);
    return rc;
}

LONG WINAPI lineShutdown(HLINEAPP hLineApp)
{
    pthread_mutex_lock(&tx_lock);
    struct tx_app *app = tx_htab_del(&tx_apps, hLineApp);
    pthread_mutex_unlock(&tx_lock);
    if (!app)
        return (LONG)LINEERR_INVALAPPHANDLE;
    /* Tell the server first, so that when lineShutdown returns the server
       has closed the app's lines; a dead connection needs no goodbye. */
    struct w_shutdown msg = {0};
    struct tx_reply r;
    if (!tx_call(app, W_SHUTDOWN, &msg, &r, NULL, NULL))
        tx_reply_free(&r);
    pthread_mutex_lock(&tx_lock);
    pthread_mutex_lock(&app->mu);
    tx_lines_remove(app, false);
    tx_pending_drop(app, 0, false); /* lineShutdown cancels the app's requests */
    tx_preqs_drop(app);
    app->shut = true;
    pthread_cond_broadcast(&app->cond);
    pthread_mutex_unlock(&app->mu);
    pthread_mutex_unlock(&tx_lock);
    tx_queue_stop_callbacks(app);
    /* The I/O thread sees EOF, unregisters the socket and drops its
       reference; the descriptor is closed when the last reference goes. */
    shutdown(app->fd, SHUT_RDWR);
    tx_app_put(app); /* the table's reference */
    return 0;
}
