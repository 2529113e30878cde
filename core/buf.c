/* core/buf.c: fl_buf (growable, bounded) and fl_arena (blocks that never move). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/buf.h"
#include "core/err.h"

void fl_buf_init(struct fl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

int fl_buf_reserve(struct fl_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return FL_ETOOBIG;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    if (cap > b->max)
        cap = b->max;
    char *p = realloc(b->data, cap);
    if (!p)
        return FL_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int fl_buf_append(struct fl_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (b->cap - b->len < n) {
        int rc = fl_buf_reserve(b, n);
        if (rc)
            return rc;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int fl_buf_putc(struct fl_buf *b, char c)
{
    if (b->len == b->cap) {
        int rc = fl_buf_reserve(b, 1);
        if (rc)
            return rc;
    }
    b->data[b->len++] = c;
    return 0;
}

int fl_buf_puts(struct fl_buf *b, const char *s)
{
    return fl_buf_append(b, s, strlen(s));
}

int fl_buf_printf(struct fl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FL_EINVAL;
    int rc = fl_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void fl_buf_consume(struct fl_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void fl_buf_reset(struct fl_buf *b)
{
    b->len = 0;
}

void fl_buf_free(struct fl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

struct fl_arena_block {
    struct fl_arena_block *next;
    size_t used, size;
    _Alignas(8) char mem[];
};

void fl_arena_init(struct fl_arena *a, size_t block_bytes)
{
    a->head = a->first = NULL;
    a->block_bytes = block_bytes ? block_bytes : 16384;
}

void *fl_arena_alloc(struct fl_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct fl_arena_block *b = a->head;
    if (b && b->size - b->used >= n) {
        void *p = b->mem + b->used;
        b->used += n;
        return p;
    }
    /* Reuse the next block kept from before a reset if it is big enough. */
    if (b && b->next && b->next->size >= n) {
        b = b->next;
        b->used = n;
        a->head = b;
        return b->mem;
    }
    size_t size = n > a->block_bytes ? n : a->block_bytes;
    struct fl_arena_block *nb = malloc(sizeof *nb + size);
    if (!nb)
        return NULL;
    nb->size = size;
    nb->used = n;
    if (b) {
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = a->first;
        a->first = nb;
    }
    a->head = nb;
    return nb->mem;
}

struct fl_str fl_arena_dup(struct fl_arena *a, const char *p, size_t n)
{
    char *d = fl_arena_alloc(a, n + 1);
    if (!d)
        return FL_STR_NULL;
    if (n)
        memcpy(d, p, n);
    d[n] = 0;
    return (struct fl_str){d, n};
}

struct fl_str fl_arena_printf(struct fl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FL_STR_NULL;
    char *d = fl_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return FL_STR_NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return (struct fl_str){d, (size_t)n};
}

void fl_arena_reset(struct fl_arena *a)
{
    for (struct fl_arena_block *b = a->first; b; b = b->next)
        b->used = 0;
    a->head = a->first;
}

void fl_arena_free(struct fl_arena *a)
{
    struct fl_arena_block *b = a->first;
    while (b) {
        struct fl_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first = NULL;
}
