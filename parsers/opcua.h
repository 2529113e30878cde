/* parsers/opcua.h: OPC UA status codes known by name, hex and description, both ways.
 *
 * The table is generated at build time from data/opcua-status-codes.csv (the OPC Foundation's
 * StatusCode.csv, formats/opcua-status-codes.md). Categories of the connection and security
 * codes follow that note's table. Lookups are hash/binary searches: no regex, no allocation. */
#ifndef FL_OPCUA_H
#define FL_OPCUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_opcua_status {
    const char *name;      /* CSV form, no underscore: "BadSecurityChecksFailed" */
    const char *canonical; /* with the underscore: "Bad_SecurityChecksFailed" ("Good" stays) */
    uint32_t hex;          /* 0x80130000 */
    const char *desc;      /* "An error occurred verifying security." */
    const char *category;  /* DESIGN.md category, or NULL when the note leaves it unclassified */
};

/* Name with or without the underscore ("Bad_Timeout", "BadTimeout"). NULL if not a CSV row.
 * Bare "Good", "Bad", "Uncertain" are not codes: NULL. */
const struct fl_opcua_status *fl_opcua_by_name(const char *p, size_t n);
/* By value; compares the high 16 bits (the low 16 are info bits). NULL if not a CSV row. */
const struct fl_opcua_status *fl_opcua_by_hex(uint32_t hex);
/* By description, case-insensitive, ignoring one trailing period. NULL if none. */
const struct fl_opcua_status *fl_opcua_by_desc(const char *p, size_t n);

/* What a record's text says about OPC UA status. */
struct fl_opcua_hit {
    const struct fl_opcua_status *status; /* the deciding status (precedence below), or NULL */
    bool has_hex;        /* a 0xXXXXXXXX was seen */
    uint32_t first_hex;  /* the first hex seen in the text (may be a non-UA HRESULT) */
    bool is_untrusted;   /* the text says the peer certificate is untrusted (precedence rule) */
};

/* Scans text for status names (\b(Good|Uncertain|Bad)_?[A-Z][A-Za-z0-9]+\b that are CSV rows),
 * hex values (0x + 8 hex digits that are CSV rows), and, when neither is present, known
 * descriptions. Precedence (opcua-status-codes.md): an untrusted certificate
 * (Bad_CertificateUntrusted, "not trusted", a cert-path failure) wins over
 * Bad_SecurityChecksFailed; otherwise the first status in the text decides. Returns
 * true when hit->status is set. */
bool fl_opcua_scan(const char *text, size_t n, struct fl_opcua_hit *hit);

/* Writes "0x" + 8 upper-case hex digits and a NUL into out. */
void fl_hex32_format(uint32_t v, char out[11]);

#endif
