/* Unit tests for `acdproxy admin` (src/acd/admin.c), run in-process:
 * stdout, stderr and stdin are redirected around each admin_main call.
 * Every command, table and JSON output, exit codes, and that a PIN shows
 * up nowhere: not in the output, not in messages, not in the database. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <tapi.h>

#include "../../src/acd/admin.h"
#include "../../src/acd/pin.h"
#include "../../src/acd/store.h"

struct fx {
    char dir[64];
    char db[128];
};

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rm_tree(p);
    }
    closedir(d);
    rmdir(path);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/acdadmin.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/acd.db", f->dir);
    unsetenv("ACDPROXY_DB");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* ---- running admin_main ---------------------------------------------------------------- */

struct res {
    int rc;
    char *out, *err;
};

static char *slurp_fd(int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(pread(fd, b, (size_t)n, 0), n);
    b[n] = '\0';
    return b;
}

static void res_free(struct res *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Run admin_main(argv) with stdin from in_fd (-1: the text `in`). */
static struct res run_v(const char *in, int in_fd, int argc, char **argv)
{
    struct res r;
    char tpl[3][32] = {"/tmp/acdout.XXXXXX", "/tmp/acderr.XXXXXX", "/tmp/acdin.XXXXXX"};
    int fo = mkstemp(tpl[0]), fe = mkstemp(tpl[1]), fi = mkstemp(tpl[2]);
    assert_true(fo >= 0 && fe >= 0 && fi >= 0);
    for (int i = 0; i < 3; i++)
        unlink(tpl[i]);
    if (in)
        assert_int_equal(write(fi, in, strlen(in)), (ssize_t)strlen(in));
    lseek(fi, 0, SEEK_SET);

    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2), si = dup(0);
    dup2(fo, 1);
    dup2(fe, 2);
    dup2(in_fd >= 0 ? in_fd : fi, 0);
    r.rc = admin_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    dup2(si, 0);
    close(so);
    close(se);
    close(si);
    r.out = slurp_fd(fo);
    r.err = slurp_fd(fe);
    close(fo);
    close(fe);
    close(fi);
    return r;
}

#define MAXARGS 24

/* admin --db DB args... (NULL-terminated), stdin from `in`. */
static struct res run(const struct fx *f, const char *in, ...)
{
    char *argv[MAXARGS];
    int argc = 0;
    argv[argc++] = "admin";
    argv[argc++] = "--db";
    argv[argc++] = (char *)f->db;
    va_list ap;
    va_start(ap, in);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < MAXARGS - 1)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return run_v(in, -1, argc, argv);
}

/* admin args... without --db. */
static struct res run_nodb(const char *in, ...)
{
    char *argv[MAXARGS];
    int argc = 0;
    argv[argc++] = "admin";
    va_list ap;
    va_start(ap, in);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < MAXARGS - 1)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return run_v(in, -1, argc, argv);
}

static void expect(struct res r, int rc, const char *out_has, const char *err_has)
{
    if (r.rc != rc || (out_has && !strstr(r.out, out_has)) || (err_has && !strstr(r.err, err_has)))
        fail_msg("rc %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwanted out '%s', err '%s'", r.rc, rc,
                 r.out, r.err, out_has ? out_has : "", err_has ? err_has : "");
}

/* Run, check, free. */
#define OK(...)                                                                                    \
    do {                                                                                           \
        struct res r_ = run(__VA_ARGS__, NULL);                                                    \
        expect(r_, 0, NULL, NULL);                                                                 \
        res_free(&r_);                                                                             \
    } while (0)

/* ---- a minimal JSON checker ------------------------------------------------------------- */

struct json {
    const char *p;
    int depth;
};

static void ws(struct json *j)
{
    while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
        j->p++;
}

static bool jvalue(struct json *j);

static bool jstring(struct json *j)
{
    if (*j->p != '"')
        return false;
    for (j->p++; *j->p != '"'; j->p++) {
        if ((unsigned char)*j->p < 0x20)
            return false;
        if (*j->p == '\\') {
            j->p++;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
                        return false;
                j->p += 4;
            } else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
                return false;
            }
        }
    }
    j->p++;
    return true;
}

static bool jvalue(struct json *j)
{
    ws(j);
    if (j->depth > 16)
        return false;
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        bool obj = close == '}';
        j->p++;
        j->depth++;
        ws(j);
        if (*j->p == close) {
            j->p++;
            j->depth--;
            return true;
        }
        for (;;) {
            ws(j);
            if (obj) {
                if (!jstring(j))
                    return false;
                ws(j);
                if (*j->p++ != ':')
                    return false;
            }
            if (!jvalue(j))
                return false;
            ws(j);
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p++ != close)
                return false;
            j->depth--;
            return true;
        }
    }
    if (*j->p == '"')
        return jstring(j);
    if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4)) {
        j->p += 4;
        return true;
    }
    if (!strncmp(j->p, "false", 5)) {
        j->p += 5;
        return true;
    }
    const char *s = j->p;
    if (*j->p == '-')
        j->p++;
    while (*j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

/* The whole text is one JSON value. */
static void assert_json(const char *text)
{
    struct json j = {text, 0};
    bool ok = jvalue(&j);
    ws(&j);
    if (!ok || *j.p)
        fail_msg("not JSON at offset %ld:\n%s", (long)(j.p - text), text);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* ---- helpers reading the store directly ----------------------------------------------- */

static struct acd_store *open_store(const struct fx *f)
{
    struct acd_store *s;
    char err[256];
    assert_int_equal(store_open(f->db, &s, err, sizeof err), ST_OK);
    return s;
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    bool hit = memmem(b, (size_t)n, needle, strlen(needle)) != NULL;
    free(b);
    return hit;
}

/* ---- agents ------------------------------------------------------------------------------ */

static void test_agent_add_list(void **state)
{
    struct fx *f = *state;
    struct res r =
        run(f, NULL, "agent", "add", "bob", "--name", "Bob Builder", "--user", "bob", NULL);
    expect(r, 0, "agent 'bob' added (HAGENT 1)", NULL);
    res_free(&r);
    r = run(f, "4711\n", "agent", "add", "alice", "--pin-stdin", "--name=Älice", NULL);
    expect(r, 0, "with a PIN", NULL);
    res_free(&r);
    r = run(f, NULL, "--json", "agent", "add", "carl", NULL);
    expect(r, 0, "{\"id\": \"carl\", \"handle\": 3, \"has_pin\": false}", NULL);
    assert_json(r.out);
    res_free(&r);

    r = run(f, NULL, "agent", "add", "bob", NULL);
    expect(r, 1, NULL, "agent 'bob' already exists");
    assert_string_equal(r.out, "");
    res_free(&r);

    /* the table: a header, rows by ID, columns aligned by characters */
    r = run(f, NULL, "agent", "list", NULL);
    expect(r, 0, NULL, NULL);
    assert_string_equal(r.out, "ID     HANDLE  NAME         USER  PIN\n"
                               "alice  2       Älice              yes\n"
                               "bob    1       Bob Builder  bob   no\n"
                               "carl   3                          no\n");
    assert_string_equal(r.err, "");
    res_free(&r);

    r = run(f, NULL, "agent", "list", "--json", NULL);
    expect(r, 0, NULL, NULL);
    assert_json(r.out);
    assert_string_equal(
        r.out,
        "[\n"
        "  {\"id\": \"alice\", \"handle\": 2, \"name\": \"Älice\", \"os_user\": \"\", "
        "\"has_pin\": true},\n"
        "  {\"id\": \"bob\", \"handle\": 1, \"name\": \"Bob Builder\", \"os_user\": \"bob\", "
        "\"has_pin\": false},\n"
        "  {\"id\": \"carl\", \"handle\": 3, \"name\": \"\", \"os_user\": \"\", \"has_pin\": "
        "false}\n"
        "]\n");
    res_free(&r);

    /* what the store holds */
    struct acd_store *s = open_store(f);
    struct st_agent a;
    assert_int_equal(store_agent_get(s, "bob", &a), ST_OK);
    assert_string_equal(a.name, "Bob Builder");
    assert_string_equal(a.os_user, "bob");
    assert_string_equal(a.pin_hash, "");
    assert_int_equal(a.state, 0); /* acdproxy's defaults */
    assert_int_equal(a.period, 0);
    assert_int_equal(store_agent_get(s, "alice", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "4711"));
    store_close(s);
}

static void test_agent_list_empty(void **state)
{
    struct fx *f = *state;
    struct res r = run(f, NULL, "agent", "list", NULL);
    expect(r, 0, NULL, NULL);
    assert_string_equal(r.out, "ID  HANDLE  NAME  USER  PIN\n");
    res_free(&r);
    r = run(f, NULL, "--json", "agent", "list", NULL);
    assert_string_equal(r.out, "[]\n");
    res_free(&r);
}

static void test_agent_remove(void **state)
{
    struct fx *f = *state;
    OK(f, NULL, "agent", "add", "bob");
    OK(f, NULL, "agent", "add", "--name", "x", "--", "-dash"); /* "--" ends the options */
    struct res r = run(f, NULL, "agent", "remove", "--", "-dash", NULL);
    expect(r, 0, "agent '-dash' removed", NULL);
    res_free(&r);
    r = run(f, NULL, "--json", "agent", "remove", "bob", NULL);
    expect(r, 0, "{\"removed\": \"bob\"}", NULL);
    assert_json(r.out);
    res_free(&r);
    r = run(f, NULL, "agent", "remove", "bob", NULL);
    expect(r, 1, NULL, "no agent 'bob'");
    res_free(&r);

    /* an agent with an active session stays */
    OK(f, NULL, "agent", "add", "busy");
    OK(f, NULL, "group", "add", "G");
    struct acd_store *s = open_store(f);
    struct st_agent a;
    assert_int_equal(store_agent_get(s, "busy", &a), ST_OK);
    struct st_session ss;
    memset(&ss, 0, sizeof ss);
    ss.agent = a.handle;
    ss.state = LINEAGENTSESSIONSTATE_READY;
    assert_int_equal(store_session_add(s, &ss), ST_OK);
    r = run(f, NULL, "agent", "remove", "busy", NULL);
    expect(r, 1, NULL, "active session");
    res_free(&r);
    ss.state = LINEAGENTSESSIONSTATE_ENDED;
    assert_int_equal(store_session_update(s, &ss), ST_OK);
    store_close(s);
    OK(f, NULL, "agent", "remove", "busy");
}

static void test_agent_set_pin(void **state)
{
    struct fx *f = *state;
    OK(f, "1111\n", "agent", "add", "ann", "--pin-stdin");
    struct res r = run(f, "2222\n", "agent", "set-pin", "ann", NULL);
    expect(r, 0, "agent 'ann': PIN set", NULL);
    res_free(&r);
    struct acd_store *s = open_store(f);
    struct st_agent a;
    assert_int_equal(store_agent_get(s, "ann", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "2222"));
    assert_false(pin_verify(a.pin_hash, "1111"));
    store_close(s);

    /* --pin-stdin is accepted, and --json */
    r = run(f, "3333\r\n", "--json", "agent", "set-pin", "ann", "--pin-stdin", NULL);
    expect(r, 0, "{\"id\": \"ann\", \"has_pin\": true}", NULL);
    assert_json(r.out);
    res_free(&r);
    s = open_store(f);
    assert_int_equal(store_agent_get(s, "ann", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "3333"));
    store_close(s);

    r = run(f, NULL, "agent", "set-pin", "ann", "--clear", NULL);
    expect(r, 0, "PIN cleared", NULL);
    res_free(&r);
    r = run(f, NULL, "agent", "list", NULL);
    expect(r, 0, "ann  ", NULL);
    assert_non_null(strstr(r.out, " no\n"));
    res_free(&r);

    /* failures */
    r = run(f, "4444\n", "agent", "set-pin", "nobody", NULL);
    expect(r, 1, NULL, "no agent 'nobody'");
    res_free(&r);
    r = run(f, "", "agent", "set-pin", "ann", NULL);
    expect(r, 1, NULL, "no PIN on standard input");
    res_free(&r);
    r = run(f, "\n", "agent", "set-pin", "ann", NULL);
    expect(r, 1, NULL, "empty");
    res_free(&r);
    char longpin[80];
    memset(longpin, '5', 65);
    strcpy(longpin + 65, "\n");
    r = run(f, longpin, "agent", "set-pin", "ann", NULL);
    expect(r, 1, NULL, "too long");
    assert_null(strstr(r.err, "55555"));
    res_free(&r);
    r = run(f,
            "12\x01"
            "34\n",
            "agent", "add", "ctl", "--pin-stdin", NULL);
    expect(r, 1, NULL, "control character");
    res_free(&r);
    r = run(f, NULL, "agent", "set-pin", "ann", "--clear", "--pin-stdin", NULL);
    expect(r, 2, NULL, "exclude");
    res_free(&r);
    /* nothing was added by the failed add */
    r = run(f, NULL, "agent", "list", NULL);
    assert_null(strstr(r.out, "ctl"));
    res_free(&r);
}

/* --pin on the command line is refused, in every spelling, and the
   message does not repeat the PIN. */
static void test_pin_on_argv_refused(void **state)
{
    struct fx *f = *state;
    struct res r = run(f, NULL, "agent", "add", "x", "--pin", "8642", NULL);
    expect(r, 2, NULL, "never taken from the command line");
    assert_non_null(strstr(r.err, "--pin-stdin"));
    assert_null(strstr(r.err, "8642"));
    assert_null(strstr(r.out, "8642"));
    res_free(&r);
    r = run(f, NULL, "agent", "set-pin", "x", "--pin=8642", NULL);
    expect(r, 2, NULL, "never taken from the command line");
    assert_null(strstr(r.err, "8642"));
    res_free(&r);
    assert_int_equal(access(f->db, F_OK), -1); /* nothing was opened */
}

/* The PIN appears nowhere: output, messages, or the database file. */
static void test_pin_secrecy(void **state)
{
    struct fx *f = *state;
    const char *pin = "Zq7-very-secret-PIN";
    char line[64];
    snprintf(line, sizeof line, "%s\n", pin);
    struct res rs[8];
    int n = 0;
    rs[n++] = run(f, line, "agent", "add", "sec", "--pin-stdin", NULL);
    rs[n++] = run(f, line, "agent", "add", "sec", "--pin-stdin", NULL); /* exists */
    rs[n++] = run(f, line, "agent", "set-pin", "sec", NULL);
    rs[n++] = run(f, line, "--json", "agent", "set-pin", "sec", NULL);
    rs[n++] = run(f, NULL, "agent", "list", NULL);
    rs[n++] = run(f, NULL, "--json", "agent", "list", NULL);
    rs[n++] = run(f, line, "agent", "set-pin", "nobody", NULL);
    assert_int_equal(rs[0].rc, 0);
    assert_int_equal(rs[1].rc, 1);
    assert_int_equal(rs[2].rc, 0);
    for (int i = 0; i < n; i++) {
        if (strstr(rs[i].out, pin) || strstr(rs[i].err, pin) || strstr(rs[i].out, "argon2") ||
            strstr(rs[i].err, "argon2"))
            fail_msg("run %d shows the PIN or its hash:\n%s\n%s", i, rs[i].out, rs[i].err);
        res_free(&rs[i]);
    }
    /* a replaced hash is gone from the file */
    struct acd_store *s = open_store(f);
    struct st_agent a;
    assert_int_equal(store_agent_get(s, "sec", &a), ST_OK);
    store_close(s);
    struct res r = run(f, NULL, "agent", "set-pin", "sec", "--clear", NULL);
    expect(r, 0, NULL, NULL);
    res_free(&r);
    assert_false(file_contains(f->db, a.pin_hash + 30)); /* its salt and digest */
    r = run(f, line, "agent", "set-pin", "sec", NULL);
    expect(r, 0, NULL, NULL);
    res_free(&r);

    /* the database holds the hash, never the PIN */
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    assert_true(file_contains(f->db, "$argon2id$") || file_contains(wal, "$argon2id$"));
    assert_false(file_contains(f->db, pin));
    assert_false(file_contains(wal, pin));
}

/* ---- groups ------------------------------------------------------------------------------ */

static void check_guid_text(const char *s)
{
    assert_true(strlen(s) >= GUID_STR_LEN);
    assert_int_equal(s[0], '{');
    assert_int_equal(s[37], '}');
    for (int i = 1; i < 37; i++) {
        if (i == 9 || i == 14 || i == 19 || i == 24)
            assert_int_equal(s[i], '-');
        else
            assert_non_null(strchr("0123456789ABCDEF", s[i]));
    }
    assert_int_equal(s[15], '4');           /* version 4 */
    assert_non_null(strchr("89AB", s[20])); /* RFC 4122 variant */
}

static void test_guid_text(void **state)
{
    (void)state;
    st_guid g = {{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
                  0xdd, 0xee, 0xff}};
    char s[GUID_STR_LEN + 1];
    acd_guid_format(&g, s);
    assert_string_equal(s, "{00112233-4455-6677-8899-AABBCCDDEEFF}");
    st_guid back;
    assert_int_equal(acd_guid_parse(s, &back), 0);
    assert_memory_equal(back.b, g.b, 16);
    assert_int_equal(acd_guid_parse("00112233-4455-6677-8899-aabbccddeeff", &back), 0);
    assert_memory_equal(back.b, g.b, 16);
    /* the tapix extension id from docs/ACD.md: Data1 little-endian */
    assert_int_equal(acd_guid_parse("{7461706A-0000-4163-8470-726F78790001}", &back), 0);
    assert_int_equal(back.b[0], 0x6a);
    assert_int_equal(back.b[3], 0x74);
    assert_int_equal(back.b[6], 0x63);
    assert_int_equal(back.b[8], 0x84);
    assert_int_equal(acd_guid_parse("{00112233-4455-6677-8899-AABBCCDDEEF}", &back), -1);
    assert_int_equal(acd_guid_parse("{00112233-4455-6677-8899-AABBCCDDEEFG}", &back), -1);
    assert_int_equal(acd_guid_parse("{00112233+4455-6677-8899-AABBCCDDEEFF}", &back), -1);
    assert_int_equal(acd_guid_parse("{00112233-4455-6677-8899-AABBCCDDEEFF", &back), -1);
    assert_int_equal(acd_guid_parse("Sales", &back), -1);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(acd_guid_random(&g), 0);
        acd_guid_format(&g, s);
        check_guid_text(s);
    }
}

struct found {
    const char *name;
    st_guid guid;
    bool hit;
};

static int find_by_name(void *arg, const struct st_group *g)
{
    struct found *fd = arg;
    if (!strcmp(g->name, fd->name)) {
        fd->guid = g->guid;
        fd->hit = true;
    }
    return 0;
}

static void test_groups(void **state)
{
    struct fx *f = *state;
    struct res r = run(f, NULL, "group", "add", "Sales", NULL);
    expect(r, 0, NULL, NULL);
    assert_int_equal(strlen(r.out), GUID_STR_LEN + 1);
    check_guid_text(r.out);
    char sales[GUID_STR_LEN + 1];
    memcpy(sales, r.out, GUID_STR_LEN);
    sales[GUID_STR_LEN] = '\0';
    res_free(&r);

    r = run(f, NULL, "--json", "group", "add", "Support \"1\"", NULL);
    expect(r, 0, "{\"guid\": \"{", NULL);
    assert_json(r.out);
    assert_non_null(strstr(r.out, "\"name\": \"Support \\\"1\\\"\""));
    check_guid_text(strstr(r.out, "{\"guid\": \"") + 10);
    char support[GUID_STR_LEN + 1];
    memcpy(support, strstr(r.out, "{\"guid\": \"") + 10, GUID_STR_LEN);
    support[GUID_STR_LEN] = '\0';
    res_free(&r);

    /* the GUID printed is the GUID stored, in Microsoft's layout */
    struct acd_store *s = open_store(f);
    struct found fd = {"Sales", {{0}}, false};
    assert_int_equal(store_groups(s, find_by_name, &fd), ST_OK);
    assert_true(fd.hit);
    char again[GUID_STR_LEN + 1];
    acd_guid_format(&fd.guid, again);
    assert_string_equal(again, sales);
    assert_int_equal(fd.guid.b[7] >> 4, 4); /* Data3's high nibble, little-endian */
    assert_int_equal(fd.guid.b[8] & 0xc0, 0x80);
    store_close(s);

    r = run(f, NULL, "group", "add", "Sales", NULL);
    expect(r, 1, NULL, "already exists");
    res_free(&r);
    r = run(f, NULL, "group", "add", "{00112233-4455-6677-8899-AABBCCDDEEFF}", NULL);
    expect(r, 2, NULL, "look like a GUID");
    res_free(&r);
    r = run(f, NULL, "group", "add", "", NULL);
    expect(r, 2, NULL, "empty");
    res_free(&r);

    OK(f, NULL, "group", "add", "Billing");
    r = run(f, NULL, "group", "list", NULL);
    expect(r, 0, NULL, NULL);
    assert_memory_equal(r.out, "GUID                                    NAME\n", 45);
    const char *row1 = strchr(r.out, '\n') + 1;
    check_guid_text(row1);
    assert_memory_equal(row1 + 38, "  Billing\n", 10); /* by name */
    assert_non_null(strstr(r.out, "  Sales\n"));
    assert_non_null(strstr(r.out, "  Support \"1\"\n"));
    res_free(&r);
    r = run(f, NULL, "group", "list", "--json", NULL);
    assert_json(r.out);
    assert_int_equal(count_of(r.out, "\"guid\": "), 3);
    assert_int_equal(count_of(r.out, "\"name\": "), 3);
    res_free(&r);

    /* remove by name, by GUID in any spelling */
    r = run(f, NULL, "group", "remove", "Billing", NULL);
    expect(r, 0, "group 'Billing'", NULL);
    res_free(&r);
    char lower[GUID_STR_LEN + 1];
    for (int i = 0; i <= GUID_STR_LEN; i++)
        lower[i] = (char)((support[i] >= 'A' && support[i] <= 'F') ? support[i] + 32 : support[i]);
    lower[GUID_STR_LEN - 1] = '\0';
    r = run(f, NULL, "--json", "group", "remove", lower + 1 /* no braces */, NULL);
    expect(r, 0, "\"removed\": \"{", NULL);
    assert_json(r.out);
    assert_non_null(strstr(r.out, support));
    res_free(&r);
    r = run(f, NULL, "group", "remove", "Billing", NULL);
    expect(r, 1, NULL, "no group 'Billing'");
    res_free(&r);
    r = run(f, NULL, "group", "remove", "{00112233-4455-6677-8899-AABBCCDDEEFF}", NULL);
    expect(r, 1, NULL, "no group");
    res_free(&r);

    /* a group with a queue stays */
    OK(f, NULL, "queue", "add", "1", "Q", "--group", "Sales");
    r = run(f, NULL, "group", "remove", "Sales", NULL);
    expect(r, 1, NULL, "queue");
    res_free(&r);
}

/* ---- queues ------------------------------------------------------------------------------ */

static void test_queues(void **state)
{
    struct fx *f = *state;
    OK(f, NULL, "group", "add", "Sales");
    struct res r = run(f, NULL, "group", "add", "Billing", NULL);
    char billing[GUID_STR_LEN + 1];
    memcpy(billing, r.out, GUID_STR_LEN);
    billing[GUID_STR_LEN] = '\0';
    res_free(&r);

    r = run(f, NULL, "queue", "add", "7", "Inbound", "--group", "Sales", NULL);
    expect(r, 0, "queue 7 'Inbound' added to group 'Sales'", NULL);
    res_free(&r);
    r = run(f, NULL, "--json", "queue", "add", "0x10", "Overflow", "--group", billing, NULL);
    expect(r, 0, "\"id\": 16", NULL);
    assert_json(r.out);
    assert_non_null(strstr(r.out, billing));
    assert_non_null(strstr(r.out, "\"group_name\": \"Billing\""));
    res_free(&r);
    OK(f, NULL, "queue", "add", "4294967295", "Last", "--group=Billing");

    r = run(f, NULL, "queue", "add", "7", "Again", "--group", "Sales", NULL);
    expect(r, 1, NULL, "queue 7 already exists");
    res_free(&r);
    r = run(f, NULL, "queue", "add", "8", "Nowhere", "--group", "Nope", NULL);
    expect(r, 1, NULL, "no group 'Nope'");
    res_free(&r);
    r = run(f, NULL, "queue", "add", "8", "Nowhere", NULL);
    expect(r, 2, NULL, "needs --group");
    res_free(&r);
    const char *bad_ids[] = {"x", "-1", "4294967296", "", "0x", "12a", " 5"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        r = run(f, NULL, "queue", "add", bad_ids[i], "Q", "--group", "Sales", NULL);
        expect(r, 2, NULL, NULL);
        res_free(&r);
    }

    r = run(f, NULL, "queue", "list", NULL);
    expect(r, 0, NULL, NULL);
    assert_memory_equal(r.out, "ID          NAME      GROUP    GUID\n", 36);
    assert_non_null(strstr(r.out, "\n7           Inbound   Sales    {"));
    assert_non_null(strstr(r.out, "\n16          Overflow  Billing  {"));
    assert_non_null(strstr(r.out, "\n4294967295  Last      Billing  {"));
    assert_true(strstr(r.out, "\n7 ") < strstr(r.out, "\n16 ")); /* by id */
    res_free(&r);
    r = run(f, NULL, "queue", "list", "--group", "Billing", "--json", NULL);
    expect(r, 0, NULL, NULL);
    assert_json(r.out);
    assert_int_equal(count_of(r.out, "\"id\": "), 2);
    assert_null(strstr(r.out, "Inbound"));
    assert_non_null(strstr(r.out, "{\"id\": 16, \"name\": \"Overflow\", \"group_name\": "
                                  "\"Billing\", \"group\": \"{"));
    res_free(&r);
    r = run(f, NULL, "queue", "list", "--group", "Nope", NULL);
    expect(r, 1, NULL, "no group");
    res_free(&r);

    r = run(f, NULL, "queue", "remove", "7", NULL);
    expect(r, 0, "queue 7 removed", NULL);
    res_free(&r);
    r = run(f, NULL, "queue", "remove", "7", NULL);
    expect(r, 1, NULL, "no queue 7");
    res_free(&r);
    r = run(f, NULL, "--json", "queue", "remove", "16", NULL);
    expect(r, 0, "{\"removed\": 16}", NULL);
    res_free(&r);
}

/* ---- activities ---------------------------------------------------------------------------- */

static void test_activities(void **state)
{
    struct fx *f = *state;
    struct res r = run(f, NULL, "activity", "add", "2", "Lunch break", NULL);
    expect(r, 0, "activity 2 'Lunch break' added", NULL);
    res_free(&r);
    r = run(f, NULL, "--json", "activity", "add", "1", "Tab\\Slash", NULL);
    expect(r, 0, "{\"id\": 1, \"name\": \"Tab\\\\Slash\"}", NULL);
    assert_json(r.out);
    res_free(&r);
    r = run(f, NULL, "activity", "add", "0", "None", NULL);
    expect(r, 2, NULL, "no activity");
    res_free(&r);
    r = run(f, NULL, "activity", "add", "2", "Again", NULL);
    expect(r, 1, NULL, "activity 2 already exists");
    res_free(&r);
    r = run(f, NULL, "activity", "add", "3", NULL);
    expect(r, 2, NULL, "ID NAME");
    res_free(&r);

    r = run(f, NULL, "activity", "list", NULL);
    expect(r, 0, NULL, NULL);
    assert_string_equal(r.out, "ID  NAME\n1   Tab\\Slash\n2   Lunch break\n");
    res_free(&r);
    r = run(f, NULL, "activity", "list", "--json", NULL);
    assert_json(r.out);
    assert_string_equal(r.out, "[\n  {\"id\": 1, \"name\": \"Tab\\\\Slash\"},\n"
                               "  {\"id\": 2, \"name\": \"Lunch break\"}\n]\n");
    res_free(&r);
    r = run(f, NULL, "activity", "remove", "2", NULL);
    expect(r, 0, "activity 2 removed", NULL);
    res_free(&r);
    r = run(f, NULL, "activity", "remove", "2", NULL);
    expect(r, 1, NULL, "no activity 2");
    res_free(&r);
}

/* ---- usage ------------------------------------------------------------------------------- */

static void test_usage(void **state)
{
    struct fx *f = *state;
    struct res r = run(f, NULL, NULL);
    expect(r, 2, NULL, "no command given");
    assert_non_null(strstr(r.err, "usage: acdproxy admin"));
    assert_non_null(strstr(r.err, "activity remove ID"));
    assert_string_equal(r.out, "");
    res_free(&r);

    struct {
        const char *a[8];
        const char *msg;
    } cases[] = {
        {{"agent"}, "needs a verb"},
        {{"agent", "frob"}, "unknown command 'agent frob'"},
        {{"frob", "list"}, "unknown object 'frob'"},
        {{"agent", "add"}, "takes the arguments ID"},
        {{"agent", "add", "a", "b"}, "takes the arguments ID"},
        {{"agent", "list", "extra"}, "takes no arguments"},
        {{"agent", "list", "--bogus"}, "unknown option '--bogus'"},
        {{"agent", "list", "--name", "x"}, "--name does not apply to 'agent list'"},
        {{"group", "add", "G", "--clear"}, "--clear does not apply"},
        {{"agent", "add", "x", "--name"}, "--name needs a value"},
        {{"agent", "add", "bad\xff"}, "not valid UTF-8"},
        {{"agent", "add", "tab\tid"}, "control character"},
        {{"agent", "add", "x", "--name", "line\nbreak"}, "control character"},
        {{"agent", "add", "0123456789012345678901234567890123456789012345678901234567890123"},
         "too long (at most 63 bytes)"},
        {{"queue", "remove", "q"}, "queue ID must be a number"},
        {{"activity", "remove", "-3"}, "unknown option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[16] = {"admin", "--db", f->db};
        int argc = 3;
        for (int k = 0; cases[i].a[k]; k++)
            argv[argc++] = (char *)cases[i].a[k];
        r = run_v(NULL, -1, argc, argv);
        expect(r, 2, NULL, cases[i].msg);
        assert_non_null(strstr(r.err, "usage: acdproxy admin"));
        res_free(&r);
    }
    /* the specific form for a known command */
    r = run(f, NULL, "queue", "add", "1", NULL);
    expect(r, 2, NULL, "usage: acdproxy admin [--db URL] [--json] queue add ID NAME --group");
    res_free(&r);
    /* --db with nothing */
    r = run_nodb(NULL, "--db=", "agent", "list", NULL);
    expect(r, 2, NULL, "--db needs a value");
    res_free(&r);
    /* help */
    r = run(f, NULL, "--help", NULL);
    expect(r, 0, "usage: acdproxy admin", NULL);
    assert_non_null(strstr(r.out, "ACDPROXY_DB"));
    assert_string_equal(r.err, "");
    res_free(&r);
    /* no usage error ever created the database */
    assert_int_equal(access(f->db, F_OK), -1);
}

/* ---- which database -------------------------------------------------------------------------- */

static void test_db_choice(void **state)
{
    struct fx *f = *state;
    /* $ACDPROXY_DB */
    char env[160];
    snprintf(env, sizeof env, "%s/env.db", f->dir);
    setenv("ACDPROXY_DB", env, 1);
    struct res r = run_nodb(NULL, "agent", "add", "e", NULL);
    expect(r, 0, NULL, NULL);
    res_free(&r);
    assert_int_equal(access(env, F_OK), 0);
    /* --db wins over it, also as sqlite:PATH */
    char url[200];
    snprintf(url, sizeof url, "sqlite:%s", f->db);
    r = run_nodb(NULL, "--db", url, "agent", "add", "d", NULL);
    expect(r, 0, NULL, NULL);
    res_free(&r);
    r = run(f, NULL, "agent", "list", NULL);
    assert_non_null(strstr(r.out, "\nd "));
    assert_null(strstr(r.out, "\ne "));
    res_free(&r);
    unsetenv("ACDPROXY_DB");

    /* the default: var/acd.db below the current directory */
    char cwd[512], var[160], def[192];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(var, sizeof var, "%s/var", f->dir);
    snprintf(def, sizeof def, "%s/var/acd.db", f->dir);
    assert_int_equal(chdir(f->dir), 0);
    r = run_nodb(NULL, "agent", "list", NULL);
    expect(r, 1, NULL, "var/acd.db"); /* no var/ directory */
    res_free(&r);
    assert_int_equal(mkdir(var, 0700), 0);
    r = run_nodb(NULL, "activity", "add", "1", "A", NULL);
    expect(r, 0, NULL, NULL);
    res_free(&r);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(access(def, F_OK), 0);

    /* store errors */
    /* a PostgreSQL URL reaches libpq (no server behind this socket directory) */
    r = run_nodb(NULL, "--db", "postgresql:///acd?host=/nonexistent", "agent", "list", NULL);
    expect(r, 1, NULL, "cannot connect");
    res_free(&r);
    char newer[200];
    snprintf(newer, sizeof newer, "%s/text.db", f->dir);
    FILE *fp = fopen(newer, "w");
    fputs("not a database at all, not even close to one, but long enough\n", fp);
    fclose(fp);
    r = run_nodb(NULL, "--db", newer, "group", "list", NULL);
    expect(r, 1, NULL, "cannot open the store");
    res_free(&r);
}

/* ---- a terminal ----------------------------------------------------------------------------- */

struct typist {
    int master, slave, errfd;
    const char *lines[2];
    bool ok;
};

static bool echo_off(int fd)
{
    struct termios t;
    return tcgetattr(fd, &t) == 0 && !(t.c_lflag & ECHO);
}

static bool err_has(int fd, const char *s)
{
    char buf[1024];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return strstr(buf, s) != NULL;
}

/* Types each line once the prompt is up and echo is off. */
static void *type_lines(void *arg)
{
    struct typist *t = arg;
    const char *prompts[2] = {"New PIN for agent", "Again: "};
    for (int i = 0; i < 2 && t->lines[i]; i++) {
        int waited = 0;
        while (!(err_has(t->errfd, prompts[i]) && echo_off(t->slave)) && waited < 5000) {
            usleep(1000);
            waited++;
        }
        if (waited >= 5000)
            return NULL;
        if (write(t->master, t->lines[i], strlen(t->lines[i])) < 0)
            return NULL;
    }
    t->ok = true;
    return NULL;
}

/* Run admin with a pseudo-terminal on stdin; `typed` gets what the
   terminal would have shown (its echo). */
static struct res run_tty(const struct fx *f, const char *l1, const char *l2, char *typed,
                          size_t cap, const char *verb, const char *id)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);

    /* stderr goes to a file the typist can watch for the prompts */
    char tpl[] = "/tmp/acdtty.XXXXXX";
    int ef = mkstemp(tpl);
    assert_true(ef >= 0);
    unlink(tpl);
    struct typist t = {master, slave, ef, {l1, l2}, false};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, type_lines, &t), 0);

    char tpo[] = "/tmp/acdout.XXXXXX";
    int fo = mkstemp(tpo);
    unlink(tpo);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2), si = dup(0);
    dup2(fo, 1);
    dup2(ef, 2);
    dup2(slave, 0);
    char *argv[] = {"admin",
                    "--db",
                    (char *)f->db,
                    "agent",
                    (char *)verb,
                    (char *)id,
                    !strcmp(verb, "add") ? "--pin-stdin" : NULL,
                    NULL};
    int argc = !strcmp(verb, "add") ? 7 : 6;
    struct res r;
    r.rc = admin_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    dup2(si, 0);
    close(so);
    close(se);
    close(si);
    pthread_join(th, NULL);
    assert_true(t.ok);
    r.out = slurp_fd(fo);
    r.err = slurp_fd(ef);
    close(fo);
    close(ef);

    /* whatever the terminal echoed */
    size_t n = 0;
    struct pollfd pfd = {master, POLLIN, 0};
    while (n + 1 < cap && poll(&pfd, 1, 50) > 0 && (pfd.revents & POLLIN)) {
        ssize_t k = read(master, typed + n, cap - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    typed[n] = '\0';
    assert_false(echo_off(slave)); /* echo is back on */
    close(slave);
    close(master);
    return r;
}

static void test_tty_prompt(void **state)
{
    struct fx *f = *state;
    char typed[256];
    struct res r = run_tty(f, "8080\n", "8080\n", typed, sizeof typed, "add", "tina");
    expect(r, 0, "agent 'tina' added", "New PIN for agent tina: ");
    assert_non_null(strstr(r.err, "Again: "));
    assert_null(strstr(r.err, "8080"));
    assert_null(strstr(typed, "8080")); /* not echoed */
    res_free(&r);
    struct acd_store *s = open_store(f);
    struct st_agent a;
    assert_int_equal(store_agent_get(s, "tina", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "8080"));
    store_close(s);

    /* two different PINs change nothing */
    r = run_tty(f, "1234\n", "4321\n", typed, sizeof typed, "set-pin", "tina");
    expect(r, 1, NULL, "differ");
    assert_null(strstr(typed, "1234"));
    res_free(&r);
    s = open_store(f);
    assert_int_equal(store_agent_get(s, "tina", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "8080"));
    store_close(s);

    r = run_tty(f, "5555\n", "5555\n", typed, sizeof typed, "set-pin", "tina");
    expect(r, 0, "PIN set", NULL);
    res_free(&r);
    s = open_store(f);
    assert_int_equal(store_agent_get(s, "tina", &a), ST_OK);
    assert_true(pin_verify(a.pin_hash, "5555"));
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_agent_add_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_list_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_set_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_on_argv_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_secrecy, setup, teardown),
        cmocka_unit_test(test_guid_text),
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_choice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tty_prompt, setup, teardown),
    };
    return cmocka_run_group_tests_name("acd_admin", tests, NULL, NULL);
}
