/*
 * config.h - acdproxy's settings: the [acdproxy] section of an INI file
 * (docs/ACD.md "Running it"), then the command line over it.
 */
#ifndef TAPIX_ACD_CONFIG_H
#define TAPIX_ACD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define ACD_MAX_LINES 1024
#define ACD_DEF_DB "var/acd.db"
#define ACD_DEF_SUPERVISORS "tapix-supervisors"
#define ACD_DEF_BATCH 256u
#define ACD_MAX_BATCH 65536u

struct acd_config {
    char db[4096];  /* store URL or path */
    bool all_lines; /* no `lines`: every line tapisrv has */
    uint32_t lines[ACD_MAX_LINES];
    size_t nlines;
    char sup_group[64];
    uint32_t batch;
    enum log_level log_level;
    int ready_fd; /* -1: none */
};

/* The defaults. */
void acd_config_defaults(struct acd_config *c);

/*
 * Read the [acdproxy] section of the INI file at path into c (keys db,
 * lines, supervisor_group, batch, log_level; other sections are ignored).
 * Returns 0, or -1 with a message in err (unknown key, bad value, file
 * missing or malformed).
 */
int acd_config_load(struct acd_config *c, const char *path, char *err, size_t errlen);

/* "0,1,5" -> c->lines; "all" or "" -> every line.  0 or -1. */
int acd_config_parse_lines(struct acd_config *c, const char *s);

#endif
