/*
 * groups.c - ACD groups and queues (TAPI 2.2): lineGetGroupList,
 * lineGetQueueList, lineGetQueueInfo, lineSetQueueMeasurementPeriod; and
 * turning a group's name into its GUID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tapictl.h"

static LONG get_groups(struct ctl *c, void *buf, const void *arg)
{
    (void)arg;
    return lineGetGroupListA(c->line, buf);
}

int groups_fetch(struct ctl *c, LINEAGENTGROUPLIST **out)
{
    return ctl_get(c, get_groups, NULL, sizeof **out, "lineGetGroupList", (void **)out);
}

/* Entry i of a group list, its GUID in *g. */
static const LINEAGENTGROUPENTRY *group_entry(const LINEAGENTGROUPLIST *list, DWORD i, GUID *g)
{
    const LINEAGENTGROUPENTRY *e =
        vs_entry(list, list->dwListOffset, list->dwListSize, sizeof *e, i);
    if (e && g)
        memcpy(g, &e->GroupID, sizeof *g); /* four DWORDs: a GUID's 16 bytes */
    return e;
}

const char *group_name(const LINEAGENTGROUPLIST *list, const GUID *g)
{
    GUID x;
    const LINEAGENTGROUPENTRY *e;
    for (DWORD i = 0; i < list->dwNumEntries && (e = group_entry(list, i, &x)); i++)
        if (!memcmp(&x, g, sizeof x))
            return vs_string(list, e->dwNameSize, e->dwNameOffset);
    return NULL;
}

int group_resolve(struct ctl *c, const LINEAGENTGROUPLIST *list, const char *arg, GUID *g)
{
    if (parse_guid(arg, g))
        return 0;
    /* By name: exactly, else ignoring case when that is unambiguous. */
    int found = 0;
    GUID x;
    const LINEAGENTGROUPENTRY *e;
    for (int pass = 0; pass < 2 && !found; pass++)
        for (DWORD i = 0; i < list->dwNumEntries && (e = group_entry(list, i, &x)); i++) {
            const char *name = vs_string(list, e->dwNameSize, e->dwNameOffset);
            if (pass ? !strcasecmp(name, arg) : !strcmp(name, arg)) {
                *g = x;
                found++;
            }
        }
    if (found == 1)
        return 0;
    return ctl_error(c, EXIT_TAPI, "LINEERR_INVALAGENTGROUP",
                     "%s group named '%s' (see: tapictl groups)", found ? "more than one" : "no",
                     arg);
}

int group_arg(struct ctl *c, const char *arg, GUID *g)
{
    if (parse_guid(arg, g))
        return 0;
    LINEAGENTGROUPLIST *list;
    int ex = groups_fetch(c, &list);
    if (!ex) {
        ex = group_resolve(c, list, arg, g);
        free(list);
    }
    return ex;
}

/* One row per group: GUID and name (and whatever `extra` adds). */
struct rec *group_rows(const LINEAGENTGROUPLIST *list, size_t *n)
{
    struct rec *rows = calloc(list->dwNumEntries + 1, sizeof *rows);
    const LINEAGENTGROUPENTRY *e;
    GUID g;
    char gs[40];
    *n = 0;
    for (DWORD i = 0; rows && i < list->dwNumEntries && (e = group_entry(list, i, &g)); i++) {
        struct rec *r = &rows[(*n)++];
        rec_str(r, "group", "group", guid_str(&g, gs));
        rec_str(r, "name", "name", vs_string(list, e->dwNameSize, e->dwNameOffset));
    }
    return rows;
}

int cmd_groups(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    int npos, ex = scan_args(c, argc, argv, NULL, pos, 0, &npos);
    LINEAGENTGROUPLIST *list;
    if (ex || (ex = ctl_open(c)) || (ex = groups_fetch(c, &list)))
        return ex;
    size_t n;
    struct rec *rows = group_rows(list, &n);
    ex = out_rows(c, rows, n, "(no groups)");
    free(list);
    return ex;
}

static LONG get_queues(struct ctl *c, void *buf, const void *arg)
{
    return lineGetQueueListA(c->line, (GUID *)arg, buf);
}

int cmd_queues(struct ctl *c, int argc, char **argv)
{
    const char *group = NULL;
    const struct opt opts[] = {{"--group", true, &group}, {0}};
    char *pos[1];
    GUID g;
    int npos, ex = scan_args(c, argc, argv, opts, pos, 0, &npos);
    if (ex)
        return ex;
    if (!group)
        return usage_args(c);
    LINEQUEUELIST *list;
    if ((ex = ctl_open(c)) || (ex = group_arg(c, group, &g)) ||
        (ex = ctl_get(c, get_queues, &g, sizeof *list, "lineGetQueueList", (void **)&list)))
        return ex;
    struct rec *rows = calloc(list->dwNumEntries + 1, sizeof *rows);
    size_t n = 0;
    char gs[40];
    const LINEQUEUEENTRY *e;
    guid_str(&g, gs);
    for (DWORD i = 0; rows && i < list->dwNumEntries; i++) {
        if (!(e = vs_entry(list, list->dwListOffset, list->dwListSize, sizeof *e, i)))
            break;
        struct rec *r = &rows[n++];
        rec_uint(r, "queue", "queue", e->dwQueueID);
        rec_str(r, "name", "name", vs_string(list, e->dwNameSize, e->dwNameOffset));
        rec_str(r, "group", NULL, gs);
    }
    ex = out_rows(c, rows, n, "(no queues)");
    free(list);
    return ex;
}

static LONG get_queue_info(struct ctl *c, void *buf, const void *arg)
{
    return lineGetQueueInfo(c->line, *(const DWORD *)arg, buf);
}

int cmd_queue_info(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    DWORD q;
    int npos, ex = scan_args(c, argc, argv, NULL, pos, 1, &npos);
    if (ex)
        return ex;
    if (npos != 1)
        return usage_args(c);
    if (!parse_dword(pos[0], &q))
        return usage_error(c, "not a queue ID: '%s'", pos[0]);
    LINEQUEUEINFO *qi;
    if ((ex = ctl_open(c)) ||
        (ex = ctl_get(c, get_queue_info, &q, sizeof *qi, "lineGetQueueInfo", (void **)&qi)))
        return ex;
    struct rec r = {0};
    rec_uint(&r, "queue", "queue", q);
    rec_secs(&r, "measurement_period", "measurement period", qi->dwMeasurementPeriod);
    rec_uint(&r, "calls_queued", "calls queued", qi->dwTotalCallsQueued);
    rec_uint(&r, "calls_in_queue", "calls in queue now", qi->dwCurrentCallsQueued);
    rec_uint(&r, "calls_abandoned", "calls abandoned", qi->dwTotalCallsAbandoned);
    rec_uint(&r, "calls_flowed_in", "calls flowed in", qi->dwTotalCallsFlowedIn);
    rec_uint(&r, "calls_flowed_out", "calls flowed out", qi->dwTotalCallsFlowedOut);
    rec_secs(&r, "longest_wait_ever", "longest wait ever", qi->dwLongestEverWaitTime);
    rec_secs(&r, "longest_wait_now", "longest wait now", qi->dwCurrentLongestWaitTime);
    rec_secs(&r, "average_wait", "average wait", qi->dwAverageWaitTime);
    rec_uint(&r, "final_disposition", "final disposition", qi->dwFinalDisposition);
    ex = out_record(c, &r);
    rec_free(&r);
    free(qi);
    return ex;
}

int cmd_queue_period(struct ctl *c, int argc, char **argv)
{
    char *pos[2];
    DWORD q, secs;
    int npos, ex = scan_args(c, argc, argv, NULL, pos, 2, &npos);
    if (ex)
        return ex;
    if (npos != 2)
        return usage_args(c);
    if (!parse_dword(pos[0], &q))
        return usage_error(c, "not a queue ID: '%s'", pos[0]);
    if (!parse_dword(pos[1], &secs))
        return usage_error(c, "not a number of seconds: '%s'", pos[1]);
    if ((ex = ctl_open(c)) || (ex = ctl_wait(c, lineSetQueueMeasurementPeriod(c->line, q, secs),
                                             "lineSetQueueMeasurementPeriod")))
        return ex;
    return out_period_done(c, "queue", q, secs);
}
