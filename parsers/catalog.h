/* parsers/catalog.h: per-source message catalogs, as data.
 *
 * A catalog is a table of rows (PCRE2 pattern -> category); the first row in table order that
 * matches a record wins. All rows are compiled into one JIT alternation, so a record that
 * matches nothing (most of them) costs one pass; only when something matches are the rows
 * before the hit tried on their own, to honour table order. Compiled once per catalog. */
#ifndef FL_CATALOG_H
#define FL_CATALOG_H

#include <stddef.h>
#include "core/err.h"

struct fl_catalog_row {
    const char *pattern;  /* PCRE2, UTF mode; matched anywhere in the record (all lines) */
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
