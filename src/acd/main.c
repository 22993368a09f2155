/*
 * main.c - acdproxy: the command line.
 *
 *   acdproxy [--db PATH|sqlite:PATH] [--lines 0,1,...] [--config FILE]
 *            [--log-level error|warn|info|debug] [--ready-fd N]
 *   acdproxy admin ...        (admin.c)
 *
 * --config is read first, the other options override it.  --ready-fd N:
 * "READY\n" is written to descriptor N once the lines are open (for
 * scripts and tests), then N is closed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "config.h"
#include "log.h"
#include "tapiloop.h"

static void usage(FILE *f)
{
    fputs("usage: acdproxy [--db PATH|sqlite:PATH] [--lines 0,1,...] [--config FILE]\n"
          "                [--log-level error|warn|info|debug] [--ready-fd N]\n"
          "       acdproxy admin --db DB COMMAND ...   (acdproxy admin --help)\n",
          f);
}

int main(int argc, char **argv)
{
    log_set_prog("acdproxy");
    if (argc > 1 && !strcmp(argv[1], "admin"))
        return admin_main(argc - 1, argv + 1);

    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"lines", required_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'v'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *lines = NULL, *config = NULL, *level = NULL;
    int ready_fd = -1, ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "d:l:c:v:r:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            db = optarg;
            break;
        case 'l':
            lines = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'v':
            level = optarg;
            break;
        case 'r': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 0 || v > 65535) {
                fprintf(stderr, "acdproxy: bad --ready-fd '%s'\n", optarg);
                return 2;
            }
            ready_fd = (int)v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "acdproxy: bad option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "acdproxy: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    static struct acd_config cfg;
    acd_config_defaults(&cfg);
    const char *envdb = getenv("ACDPROXY_DB"); /* as `acdproxy admin` */
    if (envdb && *envdb && strlen(envdb) < sizeof cfg.db)
        snprintf(cfg.db, sizeof cfg.db, "%s", envdb);
    char err[512];
    if (config && acd_config_load(&cfg, config, err, sizeof err)) {
        fprintf(stderr, "acdproxy: %s\n", err);
        return 2;
    }
    if (db) {
        if (!*db || strlen(db) >= sizeof cfg.db) {
            fprintf(stderr, "acdproxy: bad --db\n");
            return 2;
        }
        snprintf(cfg.db, sizeof cfg.db, "%s", db);
    }
    if (lines && acd_config_parse_lines(&cfg, lines)) {
        fprintf(stderr, "acdproxy: bad --lines '%s' (want 0,1,... or all)\n", lines);
        return 2;
    }
    if (level && log_level_parse(level, &cfg.log_level)) {
        fprintf(stderr, "acdproxy: bad --log-level '%s' (error, warn, info or debug)\n", level);
        return 2;
    }
    cfg.ready_fd = ready_fd;
    log_set_level(cfg.log_level);
    return acd_run(&cfg);
}
