/*
 * list.h - intrusive circular doubly linked list.
 *
 * Clients and opens sit on several lists at once (all clients, clients
 * with pending output, clients to free); embedding the node makes insert
 * and removal O(1) without allocation, which matters with 10k clients.
 */
#ifndef TAPISRV_LIST_H
#define TAPISRV_LIST_H

#include <stddef.h>

struct list_node {
    struct list_node *prev, *next;
};

/* An empty list head, or an unlinked node, points to itself. */
static inline void list_init(struct list_node *n)
{
    n->prev = n->next = n;
}

static inline int list_empty(const struct list_node *head)
{
    return head->next == head;
}

/* Whether a node (initialised with list_init) is currently on a list. */
static inline int list_linked(const struct list_node *n)
{
    return n->next != n;
}

static inline void list_add_tail(struct list_node *head, struct list_node *n)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

static inline void list_del(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

#define list_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
