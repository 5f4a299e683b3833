/*
 * The text arena of a data set: every label, subgroup value and kept cell
 * is a NUL-terminated copy in one of a few large blocks, so that a million
 * studies cost a few allocations (and no per-string malloc header or free
 * at the end) instead of millions.
 */
#include <stdlib.h>
#include <string.h>

#include "msc_io.h"

struct msc_io_block {
    struct msc_io_block *next;
    size_t used, cap;
    char data[];
};

#define FIRST_BLOCK 4096u        /* small inputs stay small */
#define LARGEST_BLOCK (4u << 20) /* growth stops doubling here */

char *msc_io_arena_copy(msc_io_arena *a, const char *s, size_t len)
{
    msc_io_block *b = a->head;
    if (!b || b->cap - b->used < len + 1) {
        size_t cap = b ? (b->cap < LARGEST_BLOCK ? 2 * b->cap : b->cap) : FIRST_BLOCK;
        if (cap < len + 1)
            cap = len + 1; /* a cell longer than a block has a block of its own */
        msc_io_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap == len + 1 && b->cap - b->used > 256) {
            /* keep filling the current block: put the big cell's one behind it */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    char *t = b->data + b->used;
    memcpy(t, s, len);
    t[len] = '\0';
    b->used += len + 1;
    return t;
}

void msc_io_arena_free(msc_io_arena *a)
{
    for (msc_io_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}
