/*
 * Fuzz `acdproxy admin` (src/acd/admin.c) as its command line reaches it:
 * the input is up to 4 commands separated by \x01 bytes, each split at NUL
 * bytes into the argument list after "admin" (at most 16 arguments), run
 * one after the other on the same store (so "group add G" can precede
 * "queue add 1 Q --group G").  The store is a SQLite file in a private tmpfs
 * directory, removed before every input so runs do not depend on each
 * other; a --db argument from the input is dropped, so that nothing
 * outside that directory is ever written.  stdin is /dev/null (PIN reads
 * see end of file), stdout and stderr go to /dev/null (libFuzzer and the
 * sanitizers keep the real stderr).  FUZZ_ADMIN_OUTPUT=1 keeps the output.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/acd/admin.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 16

static char db_dir[64];
static char db_path[128];
static char db_arg[160];

static void remove_db(void)
{
    static const char *const ext[] = {"", "-journal", "-wal", "-shm"};
    char p[160];
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db_path, ext[i]);
        unlink(p);
    }
}

static void cleanup(void)
{
    remove_db();
    rmdir(db_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char dir[] = "/dev/shm/fuzz_admin.XXXXXX";
    static char dir_tmp[] = "/tmp/fuzz_admin.XXXXXX";
    const char *d = mkdtemp(dir);
    if (!d)
        d = mkdtemp(dir_tmp);
    if (!d)
        abort();
    snprintf(db_dir, sizeof db_dir, "%s", d);
    snprintf(db_path, sizeof db_path, "%s/acd.db", d);
    atexit(cleanup); /* a crash leaves the directory behind */
    snprintf(db_arg, sizeof db_arg, "--db=sqlite:%s", db_path);
    unsetenv("ACDPROXY_DB");
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0)
        abort();
    close(in);
    if (!getenv("FUZZ_ADMIN_OUTPUT")) {
        FILE *null = fopen("/dev/null", "w");
        if (!null)
            abort();
        stdout = null;
        stderr = null;
    }
    return 0;
}

/* Run one command: the arguments are the NUL-separated strings of
   text[0..len) (text[len] is a NUL). */
static void run(char *text, size_t len)
{
    char *argv[MAX_ARGS + 3];
    int argc = 0;
    argv[argc++] = "admin";
    argv[argc++] = db_arg;
    for (size_t off = 0; off < len && argc < MAX_ARGS + 2;) {
        char *a = text + off;
        size_t n = strlen(a);
        off += n + 1;
        if (!strcmp(a, "--db") || !strncmp(a, "--db=", 5))
            continue;
        argv[argc++] = a;
    }
    argv[argc] = NULL;
    int rc = admin_main(argc, argv);
    if (rc < 0 || rc > 2)
        abort(); /* documented: 0, 1 or 2 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    remove_db();
    size_t start = 0;
    for (int cmd = 0; cmd < 4 && start <= size; cmd++) {
        char *end = memchr(text + start, '\1', size - start);
        size_t len = end ? (size_t)(end - (text + start)) : size - start;
        text[start + len] = '\0';
        run(text + start, len);
        if (!end)
            break;
        start += len + 1;
    }
    free(text);
    return 0;
}
