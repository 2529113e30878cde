/* core/json.h: the JSON text writer. Whatever bytes come in, what comes out is valid UTF-8
 * JSON: invalid UTF-8 sequences (overlongs, surrogates, > U+10FFFF, truncated) become U+FFFD
 * one per maximal invalid subpart, control characters are escaped (\n \t \r \b \f, else
 * \u00XX), '"' and '\\' are escaped, DEL stays. It never allocates beyond the fl_buf. */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

/* Appends "..." (with the quotes) for p[0..n). Returns 0 or FL_ETOOBIG/FL_ENOMEM; on error
 * out is unchanged. */
int fl_json_str(struct fl_buf *out, const char *p, size_t n);
/* Appends a decimal integer. */
int fl_json_int(struct fl_buf *out, int64_t v);

/* Length of the longest prefix of p[0..n) that is valid UTF-8 (no sanitizing needed). */
size_t fl_utf8_valid_prefix(const char *p, size_t n);

#endif
