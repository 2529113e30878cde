/* core/buf.h: growable byte buffers with a hard limit, string views, and a block arena.
 *
 * fl_buf is the one growable buffer of the project (read buffers, JSON output, joined
 * records). Every buffer gets its limit when created; growing past it is FL_ETOOBIG, never
 * a silent realloc storm. fl_arena hands out memory that does not move until reset, so
 * event fields can point into it while more is allocated. Neither is thread-safe. */
#ifndef FL_BUF_H
#define FL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A borrowed view of bytes; not NUL-terminated unless said so. */
struct fl_str {
    const char *p;
    size_t len;
};
#define FL_STR_NULL ((struct fl_str){"", 0})
#define FL_STR_LIT(s) ((struct fl_str){(s), sizeof(s) - 1})
static inline struct fl_str fl_str_make(const char *p, size_t len)
{
    return (struct fl_str){p ? p : "", p ? len : 0};
}
static inline struct fl_str fl_str_c(const char *s)
{
    return s ? (struct fl_str){s, strlen(s)} : FL_STR_NULL;
}
static inline bool fl_str_eq(struct fl_str a, const char *lit)
{
    size_t n = strlen(lit);
    return a.len == n && memcmp(a.p, lit, n) == 0;
}

struct fl_buf {
    char *data;  /* NULL until the first append */
    size_t len;  /* bytes in use */
    size_t cap;  /* bytes allocated */
    size_t max;  /* limit; appends past it fail with FL_ETOOBIG */
};

void fl_buf_init(struct fl_buf *b, size_t max);                /* cannot fail, allocates nothing */
/* Room for extra more bytes: after 0, data[len .. len+extra) may be written directly (then
 * len advanced by the writer). FL_ETOOBIG past max, FL_ENOMEM. */
int fl_buf_reserve(struct fl_buf *b, size_t extra);
int fl_buf_append(struct fl_buf *b, const void *p, size_t n);  /* FL_ETOOBIG past max */
int fl_buf_putc(struct fl_buf *b, char c);
int fl_buf_puts(struct fl_buf *b, const char *s);
int fl_buf_printf(struct fl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes, moving the rest to the front (partial-record carry-over). */
void fl_buf_consume(struct fl_buf *b, size_t n);
void fl_buf_reset(struct fl_buf *b); /* len = 0, keeps the memory for the next record */
void fl_buf_free(struct fl_buf *b);  /* after this, b may be reused with fl_buf_init */

/* Arena: blocks that never move. fl_arena_reset keeps the first block for reuse, so a
 * steady-state record loop allocates nothing. */
struct fl_arena_block;
struct fl_arena {
    struct fl_arena_block *head; /* current block */
    struct fl_arena_block *first;
    size_t block_bytes;
};
void fl_arena_init(struct fl_arena *a, size_t block_bytes);   /* allocates nothing */
void *fl_arena_alloc(struct fl_arena *a, size_t n);           /* NULL on OOM; 8-byte aligned */
/* Copies p[0..n) and a NUL; returns the view (FL_STR_NULL with p="" on OOM). */
struct fl_str fl_arena_dup(struct fl_arena *a, const char *p, size_t n);
struct fl_str fl_arena_printf(struct fl_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fl_arena_reset(struct fl_arena *a);
void fl_arena_free(struct fl_arena *a);

#endif
