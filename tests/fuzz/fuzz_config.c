/*
 * Fuzz tapisrv's INI configuration parser (src/server/config.c): any text
 * is loaded or refused with a message, never crashes, never leaks, and a
 * refused load leaves cfg safe to free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/server/config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private NUL-terminated copy; an embedded NUL simply ends the text,
       as it would for a file read by inih's string reader. */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct srv_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[256];
    err[0] = '\0';
    if (config_load_string(&cfg, text, "fuzz.conf", err, sizeof err) == 0) {
        (void)config_proxy_timeout_ms(&cfg);
    } else if (!memchr(err, '\0', sizeof err) || !err[0]) {
        abort(); /* a refusal must say why */
    }
    config_free(&cfg);

    /* The FILE* path too, which sees the embedded NULs. */
    FILE *f = fmemopen((void *)data, size ? size : 1, "r");
    if (f) {
        memset(&cfg, 0, sizeof cfg);
        if (size)
            (void)config_load_stream(&cfg, f, "fuzz.conf", err, sizeof err);
        config_free(&cfg);
        fclose(f);
    }
    free(text);
    return 0;
}
