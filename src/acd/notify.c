/*
 * notify.c - acdproxy's announcements: queued by the handlers while a batch
 * runs, sent with lineProxyMessage once the batch is committed, dropped
 * for the requests whose change was not.
 */
#include "acd.h"

#include <stdlib.h>

void notify_push(struct acd *a, bool all, uint32_t perm_line, uint32_t msg, uint32_t p1,
                 uint32_t p2, uint32_t p3)
{
    if (a->nnotes == a->capnotes) {
        size_t ncap = a->capnotes ? a->capnotes * 2 : 64;
        struct acd_note *p = realloc(a->notes, ncap * sizeof *p);
        if (!p)
            return;
        a->notes = p;
        a->capnotes = ncap;
    }
    a->notes[a->nnotes++] = (struct acd_note){all, perm_line, msg, p1, p2, p3, a->cur_req, false};
}

void notify_session(struct acd *a, const struct m_session *s, uint32_t bits, uint32_t state)
{
    notify_push(a, false, s->line, LINE_AGENTSESSIONSTATUS, s->handle, bits, state);
}

void notify_agent_status(struct acd *a, uint32_t perm_line, uint32_t address, uint32_t bits,
                         uint32_t state)
{
    notify_push(a, false, perm_line, LINE_AGENTSTATUS, address, bits, state);
}

void notify_agentex(struct acd *a, uint32_t hagent, uint32_t bits, uint32_t state)
{
    notify_push(a, true, 0, LINE_AGENTSTATUSEX, hagent, bits, state);
}

void notify_group(struct acd *a, uint32_t bits)
{
    notify_push(a, true, 0, LINE_GROUPSTATUS, 0, bits, 0);
}

void notify_queue(struct acd *a, uint32_t queue, uint32_t bits)
{
    notify_push(a, true, 0, LINE_QUEUESTATUS, queue, bits, 0);
}

void notify_drop(struct acd *a, uint32_t req)
{
    for (size_t i = 0; i < a->nnotes; i++)
        if (a->notes[i].req == req)
            a->notes[i].dropped = true;
}

void notify_clear(struct acd *a)
{
    a->nnotes = 0;
}

size_t notify_send(struct acd *a, const struct acd_line *lines, size_t nlines)
{
    size_t sent = 0;
    for (size_t i = 0; i < a->nnotes; i++) {
        const struct acd_note *n = &a->notes[i];
        if (n->dropped)
            continue;
        for (size_t k = 0; k < nlines; k++) {
            if (!lines[k].h || (!n->all && lines[k].perm_id != n->perm_line))
                continue;
            if (lineProxyMessage(lines[k].h, 0, n->msg, n->p1, n->p2, n->p3) == 0)
                sent++;
        }
    }
    a->nnotes = 0;
    return sent;
}
