/*
 * lines.c - `tapictl lines`: the line devices (lineGetDevCaps), their
 * addresses with the call-center flags (lineGetAddressCaps), and the proxy
 * request types a handler serves on each (lineGetProxyStatus).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapictl.h"

struct dev_arg {
    DWORD dev, version, address;
};

/* Synchronous functions fit ctl_get too: they return 0 instead of an id. */
static LONG get_devcaps(struct ctl *c, void *buf, const void *arg)
{
    const struct dev_arg *a = arg;
    return lineGetDevCapsA(c->app, a->dev, a->version, 0, buf);
}

static LONG get_addrcaps(struct ctl *c, void *buf, const void *arg)
{
    const struct dev_arg *a = arg;
    return lineGetAddressCapsA(c->app, a->dev, a->address, a->version, 0, buf);
}

static LONG get_proxy(struct ctl *c, void *buf, const void *arg)
{
    const struct dev_arg *a = arg;
    return lineGetProxyStatus(c->app, a->dev, CTL_API_VERSION, buf);
}

/* The served request types: human "all 20" or their names; a JSON array. */
static void proxy_fields(struct rec *r, const LINEPROXYREQUESTLIST *list)
{
    char *human = NULL, *json = NULL;
    DWORD n = 0;
    str_addf(&json, "[");
    for (DWORD i = 0; i < list->dwNumEntries; i++) {
        const DWORD *e = vs_entry(list, list->dwListOffset, list->dwListSize, sizeof(DWORD), i);
        if (!e)
            break;
        DWORD type;
        memcpy(&type, e, sizeof type);
        const char *name = name_of(proxy_requests, type);
        char num[16];
        if (!name) {
            snprintf(num, sizeof num, "%u", (unsigned)type);
            name = num;
        }
        str_addf(&human, "%s%s", n ? " " : "", name);
        str_addf(&json, "%s\"%s\"", n ? "," : "", name);
        n++;
    }
    str_addf(&json, "]");
    rec_raw(r, "proxy", "proxy", n == 20 ? "all 20 request types" : n ? human : "-", json);
    free(human);
    free(json);
}

/* One line device: its row, and its addresses appended to *addrs. */
static int one_line(struct ctl *c, DWORD dev, struct rec *row, struct rec **addrs, size_t *naddrs)
{
    struct dev_arg a = {dev, 0, 0};
    LONG rc = ctl_negotiate(c, dev, &a.version);
    if (rc)
        return ctl_fail(c, "lineNegotiateAPIVersion", rc);
    LINEDEVCAPS *caps;
    LINEPROXYREQUESTLIST *proxy;
    int ex = ctl_get(c, get_devcaps, &a, sizeof *caps, "lineGetDevCaps", (void **)&caps);
    if (ex)
        return ex;
    ex = ctl_get(c, get_proxy, &a, sizeof *proxy, "lineGetProxyStatus", (void **)&proxy);
    if (ex) {
        free(caps);
        return ex;
    }
    char ver[16];
    snprintf(ver, sizeof ver, "%u.%u", (unsigned)(a.version >> 16), (unsigned)(a.version & 0xFFFF));
    rec_uint(row, "line", "line", dev);
    rec_str(row, "name", "name", vs_string(caps, caps->dwLineNameSize, caps->dwLineNameOffset));
    rec_uint(row, "permanent_id", NULL, caps->dwPermanentLineID);
    rec_str(row, "api_version", "api", ver);
    rec_uint(row, "num_addresses", "addresses", caps->dwNumAddresses);
    proxy_fields(row, proxy);

    /* The addresses: people get a second table, JSON a nested array. */
    char *json = NULL;
    str_addf(&json, "[");
    for (DWORD i = 0; i < caps->dwNumAddresses && !ex; i++) {
        LINEADDRESSCAPS *ac;
        a.address = i;
        ex = ctl_get(c, get_addrcaps, &a, sizeof *ac, "lineGetAddressCaps", (void **)&ac);
        if (ex)
            break;
        struct rec *r = realloc(*addrs, (*naddrs + 1) * sizeof *r);
        if (!r) {
            free(ac);
            ex = ctl_error(c, EXIT_FAILURE, "error", "out of memory");
            break;
        }
        *addrs = r;
        r = &r[(*naddrs)++];
        memset(r, 0, sizeof *r);
        rec_uint(r, "line", "line", dev);
        rec_uint(r, "address", "address", i);
        rec_str(r, "name", "name", vs_string(ac, ac->dwAddressSize, ac->dwAddressOffset));
        rec_flags(r, "flags", "flags", addrcap_flags, ac->dwAddrCapFlags);
        free(ac);
        /* {"address":0,"name":"201","flags":[...]} from the record itself */
        str_addf(&json, "%s{\"address\":%s,\"name\":%s,\"flags\":%s}", i ? "," : "", r->f[1].json,
                 r->f[2].json, r->f[3].json);
    }
    str_addf(&json, "]");
    if (!ex)
        rec_raw(row, "addresses", NULL, "", json);
    free(json);
    free(proxy);
    free(caps);
    return ex;
}

int cmd_lines(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    int npos, ex = scan_args(c, argc, argv, NULL, pos, 0, &npos);
    if (ex || (ex = ctl_init(c)))
        return ex;
    DWORD first = 0, last = c->num_devs;
    if (c->line_opt >= 0) {
        first = (DWORD)c->line_opt;
        last = first + 1;
    }
    struct rec *rows = calloc(last - first + 1, sizeof *rows), *addrs = NULL;
    size_t nrows = 0, naddrs = 0;
    if (!rows)
        return ctl_error(c, EXIT_FAILURE, "error", "out of memory");
    for (DWORD d = first; d < last && !ex; d++)
        ex = one_line(c, d, &rows[nrows++], &addrs, &naddrs);
    if (!ex) {
        ex = out_table(c, rows, nrows, "(no line devices)");
        if (!ex && !c->json && naddrs) {
            putchar('\n');
            ex = out_table(c, addrs, naddrs, "");
        }
    }
    for (size_t i = 0; i < nrows; i++)
        rec_free(&rows[i]);
    for (size_t i = 0; i < naddrs; i++)
        rec_free(&addrs[i]);
    free(rows);
    free(addrs);
    return ex;
}
