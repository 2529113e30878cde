/* parsers/catalog.h: per-source message catalogs, as data.
 *
 * A catalog is a table of rows (PCRE2 pattern -> category); the first row in table order that
 * matches a record wins. At compile time each row yields literal text a record must contain
 * for the row to match; one pass over the record looks for all of them, and only rows whose
 * text is present run their JIT regex, in table order. Rows without a usable literal fall
 * back to one JIT alternation of all rows (then the rows before the hit are tried on their
 * own, to honour table order). A record that matches nothing, most of them, costs one pass. */
#ifndef FL_CATALOG_H
#define FL_CATALOG_H

#include <stddef.h>
#include "core/err.h"

struct fl_catalog_row {
    const char *pattern;  /* PCRE2, UTF mode; matched anywhere in the record (all lines);
                           * NULL is the empty pattern. Invalid UTF-8 never matches. */
    const char *category; /* DESIGN.md category; NULL = "by status code" (caller decides) */
};

struct fl_catalog;

/* new: compiles rows (borrowed: must outlive the catalog). NULL + err on a bad pattern
 * (err->msg names the row and the PCRE2 message). */
struct fl_catalog *fl_catalog_new(const struct fl_catalog_row *rows, size_t n_rows,
                                  struct fl_err *err);
/* Index of the first row (table order) matching text[0..n), or -1. Not thread-safe per
 * catalog (it owns its match data). */
int fl_catalog_match(struct fl_catalog *c, const char *text, size_t n);
const struct fl_catalog_row *fl_catalog_row(const struct fl_catalog *c, int idx);
void fl_catalog_free(struct fl_catalog *c);

#endif
