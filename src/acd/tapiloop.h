/*
 * tapiloop.h - acdproxy as a TAPI application (tapi.c): it opens the
 * configured lines as the proxy handler of all 20 request types, answers
 * LINE_PROXYREQUESTs in batches committed together (group commit), watches
 * the store for changes by `acdproxy admin` and other nodes, reconnects
 * when tapisrv goes away and exits cleanly on SIGTERM/SIGINT.
 *
 * (The header is not called tapi.h so that it never shadows include/tapi.h
 * for the files beside it.)
 */
#ifndef TAPIX_ACD_TAPILOOP_H
#define TAPIX_ACD_TAPILOOP_H

#include "config.h"

/* Run until SIGTERM/SIGINT.  Returns the process exit code: 0 after an
 * orderly stop, 1 when the store cannot be opened or loaded. */
int acd_run(const struct acd_config *cfg);

#endif
