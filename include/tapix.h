/*
 * tapix.h - tapix's extensions to the Telephony API.
 *
 * Nothing here exists in Microsoft's TAPI: a program that uses it is no
 * longer source-compatible with Windows, so each extension is for what
 * Windows has no way to say.  Include <tapi.h> first.  Each function has a
 * man page (tapixCork(3), tapixGetSocket(3)).
 */
#ifndef TAPIX_H
#define TAPIX_H

#include <tapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Corking: while an app is corked, the frames its one-way calls make
 * (lineProxyResponse, lineProxyMessage, the asynchronous agent requests)
 * are held in the library and written together when the app is uncorked,
 * by the app's next synchronous call, or once 64 KiB are held.  A handler
 * answering a batch of requests costs one write instead of one per answer.
 * Returns 0, LINEERR_INVALAPPHANDLE, or LINEERR_OPERATIONFAILED when the
 * connection to tapisrv is gone (what was held is dropped). */
LONG WINAPI tapixCork(HLINEAPP hLineApp, BOOL bCork);

/* An event-mode app (LINEINITIALIZEEXOPTION_USEEVENT) that waits in its
 * own event loop takes over reading its connection to tapisrv: the
 * library's I/O thread no longer reads it, and lineGetMessage reads what
 * has arrived.  The app polls *lpFd for POLLIN as well as the event
 * handle (a synchronous call may queue messages while it waits) and calls
 * lineGetMessage when either is readable; it never reads, writes or
 * closes *lpFd itself.  A message then costs no hand-over between
 * threads.  Returns 0, LINEERR_INVALAPPHANDLE (also for an app that is
 * not in event mode), LINEERR_INVALPOINTER, or LINEERR_OPERATIONFAILED
 * when the connection to tapisrv is gone. */
LONG WINAPI tapixGetSocket(HLINEAPP hLineApp, int *lpFd);

#ifdef __cplusplus
}
#endif

#endif /* TAPIX_H */
