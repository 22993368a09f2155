/*
 * config.h - tapisrv configuration: built-in defaults and the INI file.
 *
 * The whole configuration is checked when the server starts; a bad file is
 * refused with "FILE:LINE: reason" rather than half-applied, because a line
 * device that silently disappears or renumbers breaks every application
 * that stored its device ID or permanent ID.
 */
#ifndef TAPISRV_CONFIG_H
#define TAPISRV_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lines.h"
#include "log.h"

#define CONFIG_MAX_LINES 4096u
#define CONFIG_MAX_ADDRS 4096u /* per line */
#define CONFIG_MIN_FRAME 65536u
#define CONFIG_MAX_FRAME 1073741824u /* 1 GiB: keeps frame lengths far from 32-bit limits */
#define CONFIG_DEF_QUEUE (64u * 1024u * 1024u)
#define CONFIG_DEF_PROXY_TIMEOUT 120u

struct srv_config {
    char *socket;       /* NULL: the sockpath rule decides */
    char *socket_group; /* NULL: leave the socket's group alone */
    uint32_t max_frame;
    uint32_t max_queue;
    uint32_t proxy_timeout;    /* seconds */
    uint32_t proxy_timeout_ms; /* milliseconds; when nonzero it replaces proxy_timeout */
    enum log_level log_level;
    struct line_table lines;
};

/* Fill cfg with the built-in defaults (including the 8 default lines).
 * Returns 0 or -1 when out of memory. */
int config_defaults(struct srv_config *cfg);

/*
 * Load the configuration from a file, a FILE* or a string.  `name` is the
 * file name used in messages.  On success returns 0 and cfg holds the
 * result (defaults for everything the file does not set; when the file
 * defines no [line N] section at all, the 8 default lines).  On failure
 * returns -1, cfg is left empty (config_free-safe), and err receives one
 * line "NAME:LINE: reason" (or "NAME: reason" when no line applies).
 */
int config_load_file(struct srv_config *cfg, const char *path, char *err, size_t errlen);
int config_load_stream(struct srv_config *cfg, FILE *f, const char *name, char *err, size_t errlen);
int config_load_string(struct srv_config *cfg, const char *text, const char *name, char *err,
                       size_t errlen);

void config_free(struct srv_config *cfg);

/* How long a proxy request may wait for its handler, in milliseconds. */
uint64_t config_proxy_timeout_ms(const struct srv_config *cfg);

#endif
