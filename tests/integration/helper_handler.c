/*
 * helper_handler - a proxy request handler built on libtapi32, for the
 * proxy integration tests.  Exec'ed by the tests; driven by argv and by
 * commands on stdin.
 *
 *   helper_handler [--dev N | --line N] [--ver HEX] [--types all|acd|v20|T,T,...]
 *                  [--mode normal|silent|bad-offsets|used-gt-total|no-nul|fail:HEX|dump]
 *                  [--print none|got|dump] [--log-msgs] [--instance N] [--priv HEX]
 *
 * lineInitializeExA (USEEVENT, API --ver, default 0x00020002), then
 * lineOpenA(dev, ver, instance, priv | LINEOPENOPTION_PROXY) with a
 * LINECALLPARAMS whose DevSpecific area lists the types (dwTotalSize =
 * sizeof + 4n, offset sizeof(LINECALLPARAMS), size 4n).  Prints
 * "READY <hLine>", or "OPENFAIL 0x<rc>" and exits 3.
 *
 * Each LINE_PROXYREQUEST: with --print got "GOT <type>", with --print dump
 * (or --mode dump) "REQ <type> <hex of the whole LINEPROXYREQUEST>"; then by
 * mode:
 *   normal   answer at once with pt_answer (proxytest.h); "RESP <type> 0x<rc>"
 *            (unless --print none) with rc = lineProxyResponse's return
 *   silent   hold it until "answer" (a SETAGENTSTATE with PT_FENCE_STATE is
 *            answered at once all the same); --print defaults to got
 *   bad-offsets | used-gt-total | no-nul
 *            answer with a hostile output (an offset past dwUsedSize,
 *            dwUsedSize > dwTotalSize, a string without its NUL; for
 *            AGENTSPECIFIC a dwSize past the buffer); print
 *            "BADRESP <type> 0x<rc>", then answer properly (the request as
 *            it came) and print RESP; --print defaults to got
 *   fail:HEX write the outputs as normal, but answer with result HEX
 *
 * Commands (one per line on stdin); each prints one line:
 *   answer [HEX]   round trip to the server (so that cancellations sent
 *                  before have arrived), then lineProxyResponse every held
 *                  request in order (result HEX, or pt_answer's), printing
 *                  RESP per request, then "ANSWERED <n>"
 *   twice          answer the first held request, then again with the same
 *                  pointer: "TWICE 0x<rc1> 0x<rc2>"
 *   foreign        lineProxyResponse with a stack buffer, a heap buffer (a
 *                  copy of a held request if there is one) and NULL:
 *                  "FOREIGN 0x<rc> 0x<rc> 0x<rc>"
 *   wrongline      the first held request on hLine 0 and on another open
 *                  line: "WRONGLINE 0x<rc> 0x<rc>" (stays held)
 *   posresult      the first held request with dwResult 5: "POSRESULT 0x<rc>"
 *   close | shutdown   lineClose / lineShutdown: "CLOSE 0x<rc>" / "SHUTDOWN 0x<rc>"
 *   msg M P1 P2 P3 [HCALL]  lineProxyMessage: "MSG 0x<rc>"
 *   fence          lineSetAgentState(hLine, 0, PT_FENCE_STATE, 0) to itself,
 *                  handling other messages until its LINE_REPLY:
 *                  "FENCE 0x<result>"
 *   sync           a round trip, then handle what arrived before its answer:
 *                  "SYNC 0x<rc>"
 *   held           "HELD <n>"
 *   open TYPES     a second proxy lineOpen in the same app: "OPEN 0x<rc> <hLine>"
 *   exit           lineShutdown and exit 0 (EOF on stdin does the same)
 * Other messages: with --log-msgs "MSG-IN <hDevice> <msg> <instance> <p1> <p2> <p3>".
 * Setup failures print "FAIL what 0xRC" and exit 2; usage errors exit 64.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxytest.h"
#include "tapitest.h"

#define MAXHELD 4096

enum mode { M_NORMAL, M_SILENT, M_BAD, M_FAIL };
enum print { P_NONE, P_GOT, P_DUMP };

static HLINEAPP g_app;
static HLINE g_line;
static DWORD g_dev, g_ver = 0x00020002, g_priv = LINECALLPRIVILEGE_NONE;
static DWORD_PTR g_instance = 0x4A4E444C; /* "HNDL" */
static enum mode g_mode = M_NORMAL;
static enum print g_print = P_NONE;
static int g_print_set, g_log_msgs, g_app_up;
static LONG g_fail_result;
static int g_bad; /* PT_BAD_ kind in M_BAD */
/* Held requests, with their type read on arrival: after lineShutdown the
   library has freed the buffers, and the handler must not read them. */
static LINEPROXYREQUEST *g_held[MAXHELD];
static uint32_t g_held_type[MAXHELD];
static int g_nheld;
static LONG g_fence_id; /* request id of the fence in flight, 0 when none */
static LONG g_fence_result;
static int g_fence_done;

static int usage(void)
{
    fprintf(stderr,
            "usage: helper_handler [--dev|--line N] [--ver HEX] [--types SPEC] [--mode MODE] "
            "[--print none|got|dump] [--log-msgs] [--instance N] [--priv HEX]\n");
    return 64;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static uint32_t req_type(const LINEPROXYREQUEST *r)
{
    return r->dwRequestType;
}

/* A round trip on the app's connection: everything the server sent before
   has been handled by the library when it returns. */
static LONG round_trip(void)
{
    DWORD v = 0;
    LINEEXTENSIONID ext;
    return lineNegotiateAPIVersion(g_app, g_dev, 0x00010004, 0x00020002, &v, &ext);
}

static LONG respond(LINEPROXYREQUEST *r, int use_result, LONG result)
{
    uint32_t type = req_type(r);
    LONG answer = pt_answer(r, r->dwSize);
    if (use_result)
        answer = result;
    LONG rc = lineProxyResponse(g_line, r, (DWORD)answer);
    if (g_print != P_NONE)
        out("RESP %u 0x%08x", (unsigned)type, (unsigned)rc);
    return rc;
}

static void on_request(LINEPROXYREQUEST *r, DWORD hDevice, DWORD_PTR instance)
{
    uint32_t type = req_type(r);
    if (hDevice != g_line || instance != g_instance)
        out("BAD LINE_PROXYREQUEST hDevice %u instance %lu", (unsigned)hDevice,
            (unsigned long)instance);
    if (g_print == P_DUMP) {
        char *hex = pt_hex(r, r->dwSize);
        out("REQ %u %s", (unsigned)type, hex ? hex : "?");
        free(hex);
    } else if (g_print == P_GOT) {
        out("GOT %u", (unsigned)type);
    }
    if (type == LINEPROXYREQUEST_SETAGENTSTATE && r->SetAgentState.dwAgentState == PT_FENCE_STATE) {
        lineProxyResponse(g_line, r, 0);
        return;
    }
    switch (g_mode) {
    case M_SILENT:
        if (g_nheld < MAXHELD) {
            g_held_type[g_nheld] = type;
            g_held[g_nheld++] = r;
        } else
            out("BAD too many held requests");
        return;
    case M_FAIL:
        respond(r, 1, g_fail_result);
        return;
    case M_BAD: {
        /* answer hostile first; the library must refuse it at once and keep
           the request answerable, as it was */
        LINEPROXYREQUEST *copy = malloc(r->dwSize);
        if (!copy)
            return;
        memcpy(copy, r, r->dwSize);
        LONG res = pt_answer(r, r->dwSize);
        if (res == 0 && pt_corrupt(r, g_bad)) {
            LONG rc = lineProxyResponse(g_line, r, 0);
            out("BADRESP %u 0x%08x", (unsigned)type, (unsigned)rc);
            if (rc == 0) {
                free(copy);
                return; /* taken: nothing more to answer */
            }
        }
        memcpy(r, copy, copy->dwSize);
        free(copy);
        LONG rc = lineProxyResponse(g_line, r, (DWORD)pt_answer(r, r->dwSize));
        out("RESP %u 0x%08x", (unsigned)type, (unsigned)rc);
        return;
    }
    default:
        respond(r, 0, 0);
    }
}

static void on_message(const LINEMESSAGE *m)
{
    switch (m->dwMessageID) {
    case LINE_PROXYREQUEST:
        on_request((LINEPROXYREQUEST *)m->dwParam1, m->hDevice, m->dwCallbackInstance);
        return;
    case LINE_REPLY:
        if (g_fence_id && (LONG)m->dwParam1 == g_fence_id) {
            g_fence_done = 1;
            g_fence_result = (LONG)m->dwParam2;
            return;
        }
        break;
    default:
        break;
    }
    if (g_log_msgs)
        out("MSG-IN %u %u %lu %lu %lu %lu", (unsigned)m->hDevice, (unsigned)m->dwMessageID,
            (unsigned long)m->dwCallbackInstance, (unsigned long)m->dwParam1,
            (unsigned long)m->dwParam2, (unsigned long)m->dwParam3);
}

/* Handle every queued message; wait up to timeout_ms for the first. */
static void pump(DWORD timeout_ms)
{
    LINEMESSAGE m;
    DWORD t = timeout_ms;
    while (g_app_up && lineGetMessage(g_app, &m, t) == 0) {
        on_message(&m);
        t = 0;
    }
}

static LINEPROXYREQUEST *take_first(uint32_t *type)
{
    if (!g_nheld)
        return NULL;
    LINEPROXYREQUEST *r = g_held[0];
    *type = g_held_type[0];
    g_nheld--;
    memmove(g_held, g_held + 1, (size_t)g_nheld * sizeof g_held[0]);
    memmove(g_held_type, g_held_type + 1, (size_t)g_nheld * sizeof g_held_type[0]);
    return r;
}

/* The answer to a held request; its buffer is only read while the app is
   up (lineShutdown frees them: the library must then refuse the pointer
   without reading it, and so must we). */
static LONG held_answer(LINEPROXYREQUEST *r)
{
    return g_app_up ? pt_answer(r, r->dwSize) : 0;
}

static int command(char *line)
{
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = 0;
    if (!strcmp(line, "answer")) {
        int use = arg && *arg;
        LONG res = use ? (LONG)strtoul(arg, NULL, 0) : 0;
        if (g_app_up) {
            round_trip();
            pump(0); /* what arrived before the round trip's answer */
        }
        int n = 0;
        LINEPROXYREQUEST *r;
        uint32_t type;
        while ((r = take_first(&type)) != NULL) {
            LONG answer = use ? res : held_answer(r);
            LONG rc = lineProxyResponse(g_line, r, (DWORD)answer);
            out("RESP %u 0x%08x", (unsigned)type, (unsigned)rc);
            n++;
        }
        out("ANSWERED %d", n);
    } else if (!strcmp(line, "twice")) {
        uint32_t type;
        LINEPROXYREQUEST *r = take_first(&type);
        LONG rc1 = r ? lineProxyResponse(g_line, r, (DWORD)held_answer(r)) : -1;
        LONG rc2 = r ? lineProxyResponse(g_line, r, 0) : -1;
        out("TWICE 0x%08x 0x%08x", (unsigned)rc1, (unsigned)rc2);
    } else if (!strcmp(line, "foreign")) {
        LINEPROXYREQUEST stack_req;
        memset(&stack_req, 0, sizeof stack_req);
        stack_req.dwSize = sizeof stack_req;
        stack_req.dwRequestType = LINEPROXYREQUEST_SETAGENTSTATE;
        int copy = g_nheld && g_app_up;
        size_t sz = copy ? g_held[0]->dwSize : sizeof stack_req;
        LINEPROXYREQUEST *heap = malloc(sz);
        if (!heap)
            return -1;
        memcpy(heap, copy ? g_held[0] : &stack_req, sz);
        LONG a = lineProxyResponse(g_line, &stack_req, 0);
        LONG b = lineProxyResponse(g_line, heap, 0);
        LONG c = lineProxyResponse(g_line, NULL, 0);
        free(heap);
        out("FOREIGN 0x%08x 0x%08x 0x%08x", (unsigned)a, (unsigned)b, (unsigned)c);
    } else if (!strcmp(line, "wrongline")) {
        LONG a = -1, b = -1;
        if (g_nheld) {
            HLINE other = 0;
            LONG orc =
                lineOpenA(g_app, g_dev, &other, g_ver, 0, 7, LINECALLPRIVILEGE_MONITOR, 0, NULL);
            a = lineProxyResponse(0, g_held[0], 0);
            b = orc == 0 ? lineProxyResponse(other, g_held[0], 0) : orc;
            if (orc == 0)
                lineClose(other);
        }
        out("WRONGLINE 0x%08x 0x%08x", (unsigned)a, (unsigned)b);
    } else if (!strcmp(line, "posresult")) {
        LONG a = g_nheld ? lineProxyResponse(g_line, g_held[0], 5) : -1;
        out("POSRESULT 0x%08x", (unsigned)a);
    } else if (!strcmp(line, "close")) {
        out("CLOSE 0x%08x", (unsigned)lineClose(g_line));
    } else if (!strcmp(line, "shutdown")) {
        LONG rc = lineShutdown(g_app);
        g_app_up = 0;
        out("SHUTDOWN 0x%08x", (unsigned)rc);
    } else if (!strcmp(line, "msg")) {
        long v[5] = {0};
        int n = arg ? sscanf(arg, "%li %li %li %li %li", &v[0], &v[1], &v[2], &v[3], &v[4]) : 0;
        if (n < 4)
            return -1;
        LONG rc = lineProxyMessage(g_line, (HCALL)v[4], (DWORD)v[0], (DWORD)v[1], (DWORD)v[2],
                                   (DWORD)v[3]);
        out("MSG 0x%08x", (unsigned)rc);
    } else if (!strcmp(line, "fence")) {
        g_fence_done = 0;
        g_fence_id = lineSetAgentState(g_line, 0, PT_FENCE_STATE, 0);
        if (g_fence_id <= 0) {
            out("FENCE 0x%08x", (unsigned)g_fence_id);
            g_fence_id = 0;
            return 0;
        }
        while (g_app_up && !g_fence_done)
            pump(10000);
        g_fence_id = 0;
        out("FENCE 0x%08x", g_fence_done ? (unsigned)g_fence_result : 0xFFFFFFFFu);
    } else if (!strcmp(line, "sync")) {
        LONG rc = round_trip();
        pump(0); /* what arrived before the round trip's answer */
        out("SYNC 0x%08x", (unsigned)rc);
    } else if (!strcmp(line, "held")) {
        out("HELD %d", g_nheld);
    } else if (!strcmp(line, "open")) {
        DWORD types[64];
        int n = arg ? pt_parse_types(arg, types, 64) : -1;
        if (n < 0)
            return -1;
        HLINE h = 0;
        LONG rc = open_proxy(g_app, g_dev, g_ver, g_instance, g_priv, types, n, &h);
        out("OPEN 0x%08x %u", (unsigned)rc, (unsigned)h);
    } else if (!strcmp(line, "exit")) {
        return 1;
    } else {
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    DWORD types[64];
    int ntypes = pt_parse_types("all", types, 64);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--log-msgs")) {
            g_log_msgs = 1;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--dev") || !strcmp(a, "--line"))
            g_dev = (DWORD)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--ver"))
            g_ver = (DWORD)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--instance"))
            g_instance = (DWORD_PTR)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--priv"))
            g_priv = (DWORD)strtoul(v, NULL, 0);
        else if (!strcmp(a, "--types")) {
            if ((ntypes = pt_parse_types(v, types, 64)) < 0)
                return usage();
        } else if (!strcmp(a, "--print")) {
            g_print_set = 1;
            g_print = !strcmp(v, "dump") ? P_DUMP : !strcmp(v, "got") ? P_GOT : P_NONE;
        } else if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "normal"))
                g_mode = M_NORMAL;
            else if (!strcmp(v, "silent"))
                g_mode = M_SILENT;
            else if ((g_bad = pt_bad_kind(v)) != 0)
                g_mode = M_BAD;
            else if (!strcmp(v, "dump")) {
                g_mode = M_NORMAL;
                g_print = P_DUMP;
                g_print_set = 1;
            } else if (!strncmp(v, "fail:", 5)) {
                g_mode = M_FAIL;
                g_fail_result = (LONG)strtoul(v + 5, NULL, 16);
            } else
                return usage();
        } else
            return usage();
    }
    if ((g_mode == M_SILENT || g_mode == M_BAD) && !g_print_set)
        g_print = P_GOT;

    LINEINITIALIZEEXPARAMS p;
    DWORD ndevs = 0, ver = g_ver;
    memset(&p, 0, sizeof p);
    p.dwTotalSize = sizeof p;
    p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
    LONG rc = lineInitializeExA(&g_app, NULL, NULL, "helper_handler", &ndevs, &ver, &p);
    if (rc != 0) {
        out("FAIL init 0x%08x", (unsigned)rc);
        return 2;
    }
    g_app_up = 1;
    int evfd = (int)(intptr_t)p.Handles.hEvent;
    rc = open_proxy(g_app, g_dev, g_ver, g_instance, g_priv, types, ntypes, &g_line);
    if (rc != 0) {
        out("OPENFAIL 0x%08x", (unsigned)rc);
        lineShutdown(g_app);
        return 3;
    }
    out("READY %u", (unsigned)g_line);

    char buf[4096];
    size_t len = 0;
    int stdin_open = 1;
    while (stdin_open) {
        struct pollfd pf[2] = {{0, POLLIN, 0}, {g_app_up ? evfd : -1, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (g_app_up && pf[1].revents)
            pump(0);
        if (pf[0].revents) {
            ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
            if (n <= 0) {
                stdin_open = 0;
                break;
            }
            len += (size_t)n;
            char *nl;
            while ((nl = memchr(buf, '\n', len)) != NULL) {
                *nl = 0;
                int r = command(buf);
                size_t used = (size_t)(nl - buf) + 1;
                memmove(buf, nl + 1, len - used);
                len -= used;
                if (r > 0) {
                    stdin_open = 0;
                    break;
                }
                if (r < 0)
                    out("ERROR unknown command");
            }
            if (len == sizeof buf - 1)
                len = 0;
        }
    }
    if (g_app_up)
        lineShutdown(g_app);
    return 0;
}
