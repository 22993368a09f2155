/* Unit tests for src/server/config.c: defaults, a full file, every error
 * with its line number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapi.h>

#include "../../src/server/config.h"

static void check_default_lines(const struct srv_config *cfg)
{
    assert_int_equal(cfg->lines.n, 8);
    for (uint32_t i = 0; i < 8; i++) {
        const struct line_dev *ln = &cfg->lines.v[i];
        char name[32], addr[16];
        snprintf(name, sizeof name, "Station %u", i + 1);
        snprintf(addr, sizeof addr, "%u", 201 + i);
        assert_string_equal(ln->name, name);
        assert_int_equal(ln->permanent_id, i + 1);
        assert_string_equal(ln->provider_info, "tapix");
        assert_string_equal(ln->switch_info, "tapix built-in switch");
        assert_int_equal(ln->media_modes, LINEMEDIAMODE_INTERACTIVEVOICE);
        assert_int_equal(ln->naddrs, 1);
        assert_string_equal(ln->addrs[0].address, addr);
        assert_null(ln->addrs[0].name);
        assert_int_equal(ln->addrs[0].flags, 0);
    }
}

static void check_default_server(const struct srv_config *cfg)
{
    assert_null(cfg->socket);
    assert_null(cfg->socket_group);
    assert_int_equal(cfg->max_frame, 16777216);
    assert_int_equal(cfg->max_queue, 67108864);
    assert_int_equal(cfg->proxy_timeout, 120);
    assert_int_equal(cfg->proxy_timeout_ms, 0);
    assert_true(config_proxy_timeout_ms(cfg) == 120000);
    assert_int_equal(cfg->log_level, LOG_INFO);
}

static void test_defaults(void **state)
{
    (void)state;
    struct srv_config cfg;
    assert_int_equal(config_defaults(&cfg), 0);
    check_default_server(&cfg);
    check_default_lines(&cfg);
    config_free(&cfg);
    assert_int_equal(cfg.lines.n, 0);
    config_free(&cfg); /* twice is harmless */
}

static void test_empty_file(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(config_load_string(&cfg, "", "empty.conf", err, sizeof err), 0);
    check_default_server(&cfg);
    check_default_lines(&cfg);
    config_free(&cfg);
}

/* A [server]-only file keeps the 8 built-in lines. */
static void test_server_only(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(
        config_load_string(&cfg, "[server]\nlog_level = debug\n", "s.conf", err, sizeof err), 0);
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    check_default_lines(&cfg);
    config_free(&cfg);
}

static const char full[] =
    "\xEF\xBB\xBF; tapisrv test configuration\n"
    "# hash comments too\n"
    "\n"
    "[server]\n"
    "socket = /run/test/tapisrv.sock   ; inline comment\n"
    "socket_group = tapi\n"
    "max_frame = 0x20000\n"
    "max_queue = 1048576\n"
    "proxy_timeout = 30\n"
    "log_level = warn\n"
    "\n"
    "[line 1]\n"
    "  name = Queue Line\n" /* indented: an ordinary key, not a continuation */
    "  permanent_id = 0x100\n"
    "[line 0]\n"
    "name = Agent St\xC3\xA4tion\n"
    "permanent_id = 010\n" /* decimal ten, not octal */
    "provider_info = ACME\n"
    "switch_info = ACME PBX\n"
    "[line 0 address 1]\n"
    "address = 1002\n"
    "flags = 0x40000000|queue\n"
    "[line 0 address 0]\n"
    "address = 1001\n"
    "name = Main\n"
    "flags = QUEUE ACDGROUP, ROUTEPOINT LINEADDRCAPFLAGS_PREDICTIVEDIALER\n"
    "[ line 1 address 0 ]\n"
    "address = 2001\n"
    "flags =\n";

static void check_full(const struct srv_config *cfg)
{
    assert_string_equal(cfg->socket, "/run/test/tapisrv.sock");
    assert_string_equal(cfg->socket_group, "tapi");
    assert_int_equal(cfg->max_frame, 0x20000);
    assert_int_equal(cfg->max_queue, 1048576);
    assert_int_equal(cfg->proxy_timeout, 30);
    assert_int_equal(cfg->log_level, LOG_WARN);
    assert_int_equal(cfg->lines.n, 2);

    const struct line_dev *l0 = &cfg->lines.v[0], *l1 = &cfg->lines.v[1];
    assert_string_equal(l0->name, "Agent St\xC3\xA4tion");
    assert_int_equal(l0->permanent_id, 10);
    assert_string_equal(l0->provider_info, "ACME");
    assert_string_equal(l0->switch_info, "ACME PBX");
    assert_int_equal(l0->naddrs, 2);
    assert_string_equal(l0->addrs[0].address, "1001");
    assert_string_equal(l0->addrs[0].name, "Main");
    assert_int_equal(l0->addrs[0].flags, LINEADDRCAPFLAGS_QUEUE | LINEADDRCAPFLAGS_ACDGROUP |
                                             LINEADDRCAPFLAGS_ROUTEPOINT |
                                             LINEADDRCAPFLAGS_PREDICTIVEDIALER);
    assert_string_equal(l0->addrs[1].address, "1002");
    assert_null(l0->addrs[1].name);
    assert_int_equal(l0->addrs[1].flags, LINEADDRCAPFLAGS_ACDGROUP | LINEADDRCAPFLAGS_QUEUE);

    /* Keys left out take their defaults. */
    assert_string_equal(l1->name, "Queue Line");
    assert_int_equal(l1->permanent_id, 0x100);
    assert_string_equal(l1->provider_info, "tapix");
    assert_string_equal(l1->switch_info, "tapix built-in switch");
    assert_int_equal(l1->naddrs, 1);
    assert_string_equal(l1->addrs[0].address, "2001");
    assert_int_equal(l1->addrs[0].flags, 0);
}

static void test_full_string(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    int r = config_load_string(&cfg, full, "full.conf", err, sizeof err);
    if (r)
        print_error("%s\n", err);
    assert_int_equal(r, 0);
    check_full(&cfg);
    config_free(&cfg);
}

static void test_full_stream(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(full, f);
    rewind(f);
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(config_load_stream(&cfg, f, "full.conf", err, sizeof err), 0);
    fclose(f);
    check_full(&cfg);
    config_free(&cfg);
}

/* Unnamed lines get "Station N" and permanent ID N, like the defaults. */
static void test_line_defaults(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    const char *text = "[line 0]\n[line 0 address 0]\naddress=1\n"
                       "[line 1]\n[line 1 address 0]\naddress=2\n";
    assert_int_equal(config_load_string(&cfg, text, "d.conf", err, sizeof err), 0);
    assert_int_equal(cfg.lines.n, 2);
    assert_string_equal(cfg.lines.v[0].name, "Station 1");
    assert_int_equal(cfg.lines.v[0].permanent_id, 1);
    assert_string_equal(cfg.lines.v[1].name, "Station 2");
    assert_int_equal(cfg.lines.v[1].permanent_id, 2);
    config_free(&cfg);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(config_load_file(&cfg, "/nonexistent/tapisrv.conf", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/tapisrv.conf: cannot open: No such file or directory");
    assert_int_equal(cfg.lines.n, 0);
    config_free(&cfg);
}

/* Each bad file and the exact message it must produce. */
static const struct {
    const char *text;
    const char *err;
} bad[] = {
    {"[srv]\n", "t.conf:1: unknown section [srv]"},
    {"\n[line x]\n", "t.conf:2: bad line number in [line x] (expected 0..4095)"},
    {"[line 4096]\n", "t.conf:1: bad line number in [line 4096] (expected 0..4095)"},
    {"[line 01]\n", "t.conf:1: bad line number in [line 01] (expected 0..4095)"},
    {"[line 0 addr 0]\n", "t.conf:1: unknown section [line 0 addr 0]"},
    {"[line 0 address 0 x]\n",
     "t.conf:1: bad address number in [line 0 address 0 x] (expected 0..4095)"},
    {"[line 0\n", "t.conf:1: malformed section header (no ']')"},
    {"foo = 1\n", "t.conf:1: key 'foo' outside any section"},
    {"[server]\nsockett = /x\n", "t.conf:2: unknown key 'sockett' in [server]"},
    {"[line 0]\ncolor = red\n", "t.conf:2: unknown key 'color' in [line 0]"},
    {"[line 0 address 0]\nqueue = 1\n", "t.conf:2: unknown key 'queue' in [line 0 address 0]"},
    {"[server]\nmax_frame = abc\n",
     "t.conf:2: bad value for max_frame: 'abc' (expected a number 65536..1073741824)"},
    {"[server]\nmax_frame = 65535\n",
     "t.conf:2: bad value for max_frame: '65535' (expected a number 65536..1073741824)"},
    {"[server]\nmax_queue = 12k\n",
     "t.conf:2: bad value for max_queue: '12k' (expected a number 65536..4294967295)"},
    {"[server]\nproxy_timeout = 0\n",
     "t.conf:2: bad value for proxy_timeout: '0' (expected a number 1..4294967295)"},
    {"[server]\nproxy_timeout = -5\n",
     "t.conf:2: bad value for proxy_timeout: '-5' (expected a number 1..4294967295)"},
    {"[server]\nproxy_timeout_ms = 0\n",
     "t.conf:2: bad value for proxy_timeout_ms: '0' (expected a number 1..4294967295)"},
    {"[server]\nproxy_timeout_ms = 0.5\n",
     "t.conf:2: bad value for proxy_timeout_ms: '0.5' (expected a number 1..4294967295)"},
    {"[server]\nproxy_timeout_ms = 500\nlog_level = warn\nproxy_timeout = 1\n",
     "t.conf:4: give proxy_timeout or proxy_timeout_ms, not both"},
    {"[server]\nproxy_timeout = 1\nproxy_timeout_ms = 500\n",
     "t.conf:3: give proxy_timeout or proxy_timeout_ms, not both"},
    {"[server]\nproxy_timeout_ms = 5\nproxy_timeout_ms = 6\n",
     "t.conf:3: duplicate key 'proxy_timeout_ms' in [server]"},
    {"[line 0]\npermanent_id = 4294967296\n",
     "t.conf:2: bad value for permanent_id: '4294967296' (expected a number 0..4294967295)"},
    {"[line 0]\npermanent_id = 0x\n",
     "t.conf:2: bad value for permanent_id: '0x' (expected a number 0..4294967295)"},
    {"[server]\nlog_level = loud\n",
     "t.conf:2: bad value for log_level: 'loud' (expected error, warn, info or debug)"},
    {"[server]\nsocket =\n", "t.conf:2: socket must not be empty"},
    {"[line 0 address 0]\nflags = QUEUE BOGUS\n",
     "t.conf:2: bad flag 'BOGUS' (expected QUEUE, ACDGROUP, ROUTEPOINT, PREDICTIVEDIALER or a "
     "number)"},
    {"[line 0 address 0]\naddress =\n", "t.conf:2: address must not be empty"},
    {"[line 0]\nname = bad \xC3\n", "t.conf:2: value of name is not valid UTF-8"},
    {"[server]\nlog_level = info\nlog_level = debug\n",
     "t.conf:3: duplicate key 'log_level' in [server]"},
    {"[line 0]\nname = a\n\n  name = b\n", "t.conf:4: duplicate key 'name' in [line 0]"},
    {"[server]\n[server]\n", "t.conf:2: duplicate section [server] (first at line 1)"},
    {"[line 0]\n[line 0 address 0]\naddress=1\n[line 0]\n",
     "t.conf:4: duplicate section [line 0] (first at line 1)"},
    {"[line 0 address 0]\naddress=1\n[line 0 address 0]\n",
     "t.conf:3: duplicate section [line 0 address 0] (first at line 1)"},
    {"[server]\nthis is not a key\n",
     "t.conf:2: syntax error (expected [section], key = value, or a ; comment)"},
    /* Numbering and structure, checked after the whole file was read. */
    {"[line 0]\n[line 0 address 0]\naddress=1\n[line 2]\n[line 2 address 0]\naddress=3\n",
     "t.conf:4: [line 2] without [line 1]: lines must be numbered 0..n-1 without gaps"},
    {"[line 1]\n[line 1 address 0]\naddress=1\n",
     "t.conf:1: [line 1] without [line 0]: lines must be numbered 0..n-1 without gaps"},
    {"[line 0]\nname = x\n",
     "t.conf:1: [line 0] has no address (add a [line 0 address 0] section)"},
    {"[line 0]\n[line 0 address 0]\naddress=1\n[line 0 address 2]\naddress=3\n",
     "t.conf:4: [line 0 address 2] without [line 0 address 1]: addresses must be numbered 0..m-1 "
     "without gaps"},
    {"[line 0]\n[line 0 address 0]\naddress=1\n[line 1 address 0]\naddress=2\n",
     "t.conf:4: [line 1 address 0] belongs to no [line 1] section"},
    {"[line 0]\n[line 0 address 0]\nname = x\n",
     "t.conf:2: [line 0 address 0] lacks the required key 'address'"},
    {"[line 0]\npermanent_id = 7\n[line 0 address 0]\naddress=1\n"
     "[line 1]\npermanent_id = 7\n[line 1 address 0]\naddress=2\n",
     "t.conf:6: permanent_id 7 of [line 1] is also used by [line 0]"},
    /* The default ID of line 0 (1) collides with line 1's explicit one. */
    {"[line 0]\n[line 0 address 0]\naddress=1\n[line 1]\npermanent_id = 1\n"
     "[line 1 address 0]\naddress=2\n",
     "t.conf:5: permanent_id 1 of [line 1] is also used by [line 0]"},
    {"[server]\nmax_frame = 1048576\nmax_queue = 65536\n",
     "t.conf:3: max_queue (65536) must be at least max_frame (1048576)"},
    {"[server]\nmax_frame = 134217728\n",
     "t.conf:2: max_queue (67108864) must be at least max_frame (134217728)"},
    /* Only the first error is reported. */
    {"[server]\nbogus = 1\n[nope]\n", "t.conf:2: unknown key 'bogus' in [server]"},
    {"[server]\ngarbage\nbogus = 1\n",
     "t.conf:2: syntax error (expected [section], key = value, or a ; comment)"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct srv_config cfg;
        char err[256] = "";
        int r = config_load_string(&cfg, bad[i].text, "t.conf", err, sizeof err);
        if (r != -1 || strcmp(err, bad[i].err) != 0)
            print_error("case %zu: got %d '%s'\n          want '%s'\n", i, r, err, bad[i].err);
        assert_int_equal(r, -1);
        assert_string_equal(err, bad[i].err);
        /* A refused configuration leaves nothing behind. */
        assert_int_equal(cfg.lines.n, 0);
        assert_null(cfg.socket);
        config_free(&cfg);
    }
}

static void test_long_line(void **state)
{
    (void)state;
    char text[1200];
    snprintf(text, sizeof text, "[line 0]\nname = %0900d\n", 7);
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(config_load_string(&cfg, text, "t.conf", err, sizeof err), -1);
    assert_non_null(strstr(err, "t.conf:2: line longer than "));
    config_free(&cfg);
    /* The line count stays right after an over-long comment line. */
    snprintf(text, sizeof text, ";%0900d\n[bogus]\n", 7);
    assert_int_equal(config_load_string(&cfg, text, "t.conf", err, sizeof err), -1);
    assert_non_null(strstr(err, "t.conf:1: line longer than "));
}

static void test_crlf(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    const char *text = "[line 0]\r\nname = CR LF\r\n[line 0 address 0]\r\naddress = 9\r\n";
    assert_int_equal(config_load_string(&cfg, text, "t.conf", err, sizeof err), 0);
    assert_string_equal(cfg.lines.v[0].name, "CR LF");
    assert_string_equal(cfg.lines.v[0].addrs[0].address, "9");
    config_free(&cfg);
}

static void test_many_lines(void **state)
{
    (void)state;
    size_t cap = 4096 * 80, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; i < 4096; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "[line %u]\n[line %u address 0]\naddress=%u\n", i, i, 1000 + i);
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(config_load_string(&cfg, text, "t.conf", err, sizeof err), 0);
    assert_int_equal(cfg.lines.n, 4096);
    assert_int_equal(cfg.lines.v[4095].permanent_id, 4096);
    assert_string_equal(cfg.lines.v[4095].addrs[0].address, "5095");
    config_free(&cfg);
    free(text);
}

/* The proxy timeout in seconds or, for tests and impatient setups, in
 * milliseconds. */
static void test_proxy_timeout(void **state)
{
    (void)state;
    struct srv_config cfg;
    char err[256] = "";
    assert_int_equal(
        config_load_string(&cfg, "[server]\nproxy_timeout_ms = 250\n", "t", err, sizeof err), 0);
    assert_int_equal(cfg.proxy_timeout_ms, 250);
    assert_true(config_proxy_timeout_ms(&cfg) == 250);
    config_free(&cfg);
    assert_int_equal(
        config_load_string(&cfg, "[server]\nproxy_timeout = 4294967295\n", "t", err, sizeof err),
        0);
    assert_true(config_proxy_timeout_ms(&cfg) == 4294967295000ull); /* no 32-bit wrap */
    config_free(&cfg);
}

/* The shipped etc/tapisrv.conf must load, and mean the defaults.  Found
 * relative to the repository root, where `make test` runs; skipped when
 * the suite runs from elsewhere. */
static void test_shipped_file(void **state)
{
    (void)state;
    FILE *f = fopen("etc/tapisrv.conf", "r");
    if (!f)
        skip();
    fclose(f);
    struct srv_config cfg;
    char err[256] = "";
    int r = config_load_file(&cfg, "etc/tapisrv.conf", err, sizeof err);
    if (r)
        print_error("%s\n", err);
    assert_int_equal(r, 0);
    check_default_server(&cfg);
    check_default_lines(&cfg);
    config_free(&cfg);

    /* Its commented-out example, switched on, is valid too. */
    f = fopen("etc/tapisrv.conf", "r");
    assert_non_null(f);
    char text[8192], line[512];
    size_t len = 0;
    int in_lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "---- line devices"))
            in_lines = 1;
        const char *l = line;
        if (in_lines && line[0] == ';' && (line[1] == '[' || (line[1] >= 'a' && line[1] <= 'z')))
            l = line + 1;
        len += (size_t)snprintf(text + len, sizeof text - len, "%s", l);
    }
    fclose(f);
    r = config_load_string(&cfg, text, "example", err, sizeof err);
    if (r)
        print_error("%s\n", err);
    assert_int_equal(r, 0);
    assert_int_equal(cfg.lines.n, 2);
    assert_string_equal(cfg.lines.v[1].name, "Sales Queue");
    assert_int_equal(cfg.lines.v[1].permanent_id, 2001);
    assert_int_equal(cfg.lines.v[1].addrs[0].flags,
                     LINEADDRCAPFLAGS_QUEUE | LINEADDRCAPFLAGS_ACDGROUP);
    config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_server_only),   cmocka_unit_test(test_full_string),
        cmocka_unit_test(test_full_stream),   cmocka_unit_test(test_line_defaults),
        cmocka_unit_test(test_missing_file),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_line),     cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_many_lines),    cmocka_unit_test(test_shipped_file),
        cmocka_unit_test(test_proxy_timeout),
    };
    return cmocka_run_group_tests_name("srv_config", tests, NULL, NULL);
}
