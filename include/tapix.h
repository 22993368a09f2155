/*
 * tapix.h - tapix's extensions to the Telephony API.
 *
 * Nothing here exists in Microsoft's TAPI: a program that uses it is no
 * longer source-compatible with Windows, so each extension is for what
 * Windows has no way to say.  Include <tapi.h> first.  Each function has a
 * man page (tapixCork(3)).
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

#ifdef __cplusplus
}
#endif

#endif /* TAPIX_H */
