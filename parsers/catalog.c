/* parsers/catalog.c: message catalogs (PCRE2 row -> category, first row wins).
 *
 * Every row is compiled on its own (JIT). Most records match no row, so the work is in
 * saying "none" quickly, and there are two ways to do it:
 *
 * - Required literals (the fast path). A conservative reading of each pattern finds, for
 *   every top-level alternative, a literal the text must contain for the row to match
 *   ("Bad_?SecurityChecksFailed" needs "SecurityChecksFailed"). One pass over the text looks
 *   for all of them at once; the rows whose literal occurs are then tried alone, in table
 *   order. A record without any of the literals costs that one pass. Used when every row
 *   yields literals of at least MIN_LIT_BYTES bytes.
 * - One alternation "(p0)|(p1)|..." (otherwise). One JIT pass settles "none". When it
 *   matches, its hit is the lowest row matching at the leftmost position, which need not be
 *   the first row in table order that matches somewhere, so the rows before it are tried
 *   alone, in order, and the first that matches wins.
 * Both give exactly the answer of trying every row alone in table order. (Measured on
 * corpus lines with the 14 Ignition rows, the alternation costs microseconds per line:
 * PCRE2 tries every alternative at every position whose byte can start one.)
 *
 * Patterns are compiled with PCRE2_MATCH_INVALID_UTF: record text is meant to be UTF-8 but
 * nothing guarantees it; with that option an invalid sequence never matches anything
 * (not even `.`) and never makes pcre2_match fail. The catalog owns its match data, JIT
 * stack and scratch, so matching allocates nothing; it is therefore not thread-safe. */
#include "parsers/catalog.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* JIT stack: the default 32 KiB is enough for literal alternations, but records can be long
 * stack traces; the larger maximum is only mapped when a match needs it. */
#define JIT_STACK_START (32 * 1024)
#define JIT_STACK_MAX (1024 * 1024)

/* A literal shorter than this ("at", "id") occurs in most records: not worth a fast path. */
#define MIN_LIT_BYTES 3
/* Longer required literals are cut: any part of a required literal is required. */
#define MAX_LIT_BYTES 32
/* Literals per set (one row, or one group inside a row) and nesting depth the reading
 * follows; beyond either the row has no literals and the catalog uses the alternation. */
#define MAX_SET_LITS 48
#define MAX_GROUP_DEPTH 8

struct lit {
    uint8_t len;
    bool is_caseless; /* ASCII letters only: the reading never keeps a caseless non-ASCII byte */
    char s[MAX_LIT_BYTES];
};

struct lit_set {
    int n; /* 0 = no literal found */
    struct lit lit[MAX_SET_LITS];
};

/* A required literal of one row, placed in the catalog's pair index. */
struct anchor {
    const char *s; /* lower case when caseless */
    uint16_t pair; /* the two bytes at `off`, lower-cased when caseless */
    uint8_t len, off;
    bool is_caseless;
    uint32_t row;
};

struct fl_catalog {
    const struct fl_catalog_row *rows; /* borrowed */
    size_t n_rows;
    pcre2_code **row_code; /* one per row */
    pcre2_match_data *md;  /* sized for the largest pattern */
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    /* fast path: required literals */
    struct anchor *anchors; /* sorted by pair; NULL when the alternation is used */
    size_t n_anchors;
    char *anchor_text;
    uint64_t *row_seen; /* scratch: rows whose literal occurs, one bit each */
    bool has_caseless;  /* some literal is caseless: watch for U+212A and U+017F */
    uint8_t *pair_hit;  /* [a | b << 8] = 1: some anchor has the pair a, b (64 KiB) */
    /* otherwise: the alternation */
    pcre2_code *all;
    uint32_t *row_group; /* capture group of row k inside `all` */
};

/* A NULL pattern is read as the empty pattern (matches every record). */
static const char *row_pattern(const struct fl_catalog *c, size_t k)
{
    return c->rows[k].pattern ? c->rows[k].pattern : "";
}

static const uint32_t COMPILE_OPTS = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;

static pcre2_code *compile(const char *pattern, size_t len, uint32_t extra_opts, int *errcode,
                           PCRE2_SIZE *erroff)
{
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, len, COMPILE_OPTS | extra_opts, errcode, erroff, NULL);
    /* Without JIT support (some platforms) pcre2_match interprets: slower, still right. */
    if (code)
        (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return code;
}

static uint32_t capture_count(const pcre2_code *code)
{
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    return n;
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool is_ascii_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ---- Reading a pattern for required literals ----------------------------------------
 * Only syntax that is understood is read; anything else ((*VERB), \Q, (?x), back
 * references, callouts, conditionals, \x{..}, ...) gives up on the row, which is always
 * safe. The pattern compiled already, so it is well formed. What is required:
 * - a sequence requires each of its mandatory parts: a literal run (up to an optional or
 *   repeated character), or a group that is not optional and not a negative assertion
 *   (what a positive lookaround contains must be in the text too);
 * - an alternation requires one literal from each alternative: the union of their sets.
 * Under (?i) a run is compared without ASCII case and stops at any non-ASCII byte. PCRE2
 * also folds k with U+212A KELVIN SIGN and s with U+017F LONG S; a text holding either
 * skips the literals and tries every row (index_match). */

struct reader {
    const char *p, *end;
    bool is_caseless;
    int depth;
    bool has_failed;
};

static void read_alternatives(struct reader *r, struct lit_set *out);

static int set_score(const struct lit_set *s)
{
    int min = s->n ? MAX_LIT_BYTES + 1 : 0;
    for (int k = 0; k < s->n; k++)
        if (s->lit[k].len < min)
            min = s->lit[k].len;
    return min;
}

/* Keeps the candidate whose shortest literal is longest: longer literals occur less. */
static void consider(struct lit_set *best, const struct lit_set *cand)
{
    int score = set_score(cand);
    if (score >= MIN_LIT_BYTES && score > set_score(best))
        *best = *cand;
}

static void run_end(struct lit *run, struct lit_set *best)
{
    if (run->len >= MIN_LIT_BYTES) {
        struct lit_set one = {.n = 1};
        one.lit[0] = *run;
        consider(best, &one);
    }
    run->len = 0;
}

/* Length of a {n}, {n,} or {n,m} quantifier at p, or 0 (then '{' is a literal). */
static size_t quantifier_braces(const char *p, const char *end)
{
    const char *q = p + 1;
    if (q >= end || *q < '0' || *q > '9')
        return 0;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    if (q < end && *q == ',') {
        q++;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    return (q < end && *q == '}') ? (size_t)(q + 1 - p) : 0;
}

/* Skips a quantifier after an atom. Returns 1 when it allows zero repetitions, 2 for '+',
 * 0 when there is none. */
static int skip_quantifier(struct reader *r)
{
    int kind = 0;
    if (r->p < r->end && (*r->p == '?' || *r->p == '*')) {
        kind = 1;
        r->p++;
    } else if (r->p < r->end && *r->p == '+') {
        kind = 2;
        r->p++;
    } else if (r->p < r->end && *r->p == '{') {
        size_t len = quantifier_braces(r->p, r->end);
        if (!len)
            return 0;
        /* {n,m} with n >= 1 is mandatory, but reading it as optional is safe and simple */
        kind = 1;
        r->p += len;
    } else {
        return 0;
    }
    if (r->p < r->end && (*r->p == '?' || *r->p == '+'))
        r->p++; /* lazy or possessive */
    return kind;
}

static void skip_class(struct reader *r)
{
    r->p++; /* '[' */
    if (r->p < r->end && *r->p == '^')
        r->p++;
    if (r->p < r->end && *r->p == ']')
        r->p++; /* a leading ']' is a literal */
    while (r->p < r->end) {
        if (*r->p == '\\') {
            r->p += 2;
        } else if (*r->p == '[' && r->p + 1 < r->end && r->p[1] == ':') {
            const char *close = r->p + 2;
            while (close + 1 < r->end && !(close[0] == ':' && close[1] == ']'))
                close++;
            r->p = close + 2;
        } else if (*r->p == ']') {
            r->p++;
            return;
        } else {
            r->p++;
        }
    }
    r->has_failed = true;
}

/* Skips a group name up to and including `close`. */
static void skip_name(struct reader *r, char close)
{
    while (r->p < r->end && *r->p != close)
        r->p++;
    if (r->p >= r->end)
        r->has_failed = true;
    else
        r->p++;
}

/* Reads "(...)" at r->p. out gets what the group requires; *is_mandatory says whether the
 * text must contain it. */
static void read_group(struct reader *r, struct lit_set *out, bool *is_mandatory)
{
    bool was_caseless = r->is_caseless, is_positive = true;
    out->n = 0;
    *is_mandatory = false;
    r->p++; /* '(' */
    if (r->p < r->end && *r->p == '*') {
        r->has_failed = true;
        return;
    }
    if (r->p < r->end && *r->p == '?') {
        r->p++;
        char c = r->p < r->end ? *r->p : '\0';
        char c1 = r->p + 1 < r->end ? r->p[1] : '\0';
        if (c == ':' || c == '|' || c == '>' || c == '=') {
            r->p++;
        } else if (c == '!') {
            r->p++;
            is_positive = false;
        } else if (c == '<' && (c1 == '=' || c1 == '!')) {
            r->p += 2;
            is_positive = c1 == '=';
        } else if (c == '<' || c == '\'') {
            r->p++;
            skip_name(r, c == '<' ? '>' : '\'');
        } else if (c == 'P' && c1 == '<') {
            r->p += 2;
            skip_name(r, '>');
        } else if (c == '#') {
            skip_name(r, ')');
            return;
        } else {
            /* option letters: (?i) (?-i) (?^) (?s:...) ... */
            bool is_caseless = r->is_caseless, is_unset = false;
            for (; r->p < r->end && *r->p != ')' && *r->p != ':'; r->p++) {
                char o = *r->p;
                if (o == '-')
                    is_unset = true;
                else if (o == '^')
                    is_caseless = false;
                else if (o == 'i')
                    is_caseless = !is_unset;
                else if (o != 's' && o != 'm' && o != 'n' && o != 'U' && o != 'J') {
                    r->has_failed = true; /* x, xx, unknown: the literals may not be literal */
                    return;
                }
            }
            if (r->p >= r->end) {
                r->has_failed = true;
                return;
            }
            if (*r->p == ')') {
                /* a setting: holds to the end of the enclosing group, the caller's scope */
                r->p++;
                r->is_caseless = is_caseless;
                return;
            }
            r->p++; /* ':' */
            r->is_caseless = is_caseless;
        }
        if (r->has_failed)
            return;
    }
    if (++r->depth > MAX_GROUP_DEPTH) {
        r->has_failed = true;
        return;
    }
    read_alternatives(r, out);
    r->depth--;
    r->is_caseless = was_caseless;
    if (r->has_failed || r->p >= r->end || *r->p != ')') {
        r->has_failed = true;
        return;
    }
    r->p++;
    int quant = skip_quantifier(r);
    *is_mandatory = is_positive && quant != 1;
}

/* One literal character (all bytes of a UTF-8 sequence) at r->p, maybe escaped. */
static void read_literal(struct reader *r, struct lit *run, struct lit_set *best)
{
    const char *ch = r->p;
    unsigned char lead = (unsigned char)*ch;
    size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len > (size_t)(r->end - ch))
        len = (size_t)(r->end - ch);
    r->p += len;
    int quant = skip_quantifier(r);
    bool is_kept = quant != 1 && !(r->is_caseless && lead >= 0x80);
    if (!is_kept) {
        run_end(run, best);
        return;
    }
    for (size_t k = 0; k < len && run->len < MAX_LIT_BYTES; k++) {
        if (run->len == 0)
            run->is_caseless = r->is_caseless;
        run->s[run->len++] = r->is_caseless ? (char)ascii_lower((unsigned char)ch[k]) : ch[k];
    }
    if (run->len == MAX_LIT_BYTES || quant == 2)
        run_end(run, best); /* a repeated character ends what is contiguous */
}

/* One alternative: up to '|', ')' or the end. */
static void read_sequence(struct reader *r, struct lit_set *best)
{
    struct lit run = {0};
    best->n = 0;
    while (!r->has_failed && r->p < r->end && *r->p != '|' && *r->p != ')') {
        char c = *r->p;
        if (c == '(') {
            struct lit_set group;
            bool is_mandatory;
            run_end(&run, best);
            read_group(r, &group, &is_mandatory);
            if (is_mandatory)
                consider(best, &group);
        } else if (c == '[') {
            run_end(&run, best);
            skip_class(r);
            skip_quantifier(r);
        } else if (c == '.' || c == '^' || c == '$') {
            run_end(&run, best);
            r->p++;
            skip_quantifier(r);
        } else if (c == '\\' && r->p + 1 < r->end) {
            char e = r->p[1];
            if (!is_ascii_alnum((unsigned char)e) && (unsigned char)e < 0x80) {
                r->p++; /* an escaped symbol is that symbol */
                if (r->is_caseless != run.is_caseless && run.len)
                    run_end(&run, best);
                read_literal(r, &run, best);
            } else if (e && strchr("dDwWsShHvVRNbBAzZGKtnrfea", e) &&
                       !(e == 'N' && r->p + 2 < r->end && r->p[2] == '{')) {
                run_end(&run, best); /* a class or an assertion: not literal */
                r->p += 2;
                skip_quantifier(r);
            } else {
                r->has_failed = true; /* \x \p \k \g \Q \digits \N{..} ... */
            }
        } else if (c == '\\') {
            r->has_failed = true;
        } else if ((c == '?' || c == '*' || c == '+') ||
                   (c == '{' && quantifier_braces(r->p, r->end))) {
            r->has_failed = true; /* a quantifier without an atom: not expected here */
        } else {
            if (r->is_caseless != run.is_caseless && run.len)
                run_end(&run, best);
            read_literal(r, &run, best);
        }
    }
    run_end(&run, best);
}

static void read_alternatives(struct reader *r, struct lit_set *out)
{
    bool is_complete = true;
    out->n = 0;
    for (;;) {
        struct lit_set alt;
        read_sequence(r, &alt);
        if (r->has_failed)
            return;
        if (alt.n == 0 || out->n + alt.n > MAX_SET_LITS)
            is_complete = false;
        else if (is_complete)
            for (int k = 0; k < alt.n; k++)
                out->lit[out->n++] = alt.lit[k];
        if (r->p < r->end && *r->p == '|') {
            r->p++;
            continue;
        }
        break;
    }
    if (!is_complete)
        out->n = 0;
}

/* The literals one of which the text must contain for the pattern to match; n = 0 when
 * the reading gave up or some alternative has none. */
static void required_literals(const char *pattern, struct lit_set *out)
{
    struct reader r = {.p = pattern, .end = pattern + strlen(pattern)};
    read_alternatives(&r, out);
    if (r.has_failed || r.p != r.end)
        out->n = 0;
}

/* ---- The literal index --------------------------------------------------------------- */

/* How rare a byte is in log text, roughly: lower-case letters and spaces are everywhere. */
static int rarity(unsigned char c)
{
    if (c == ' ' || strchr("etaoinsrhlcdu", c))
        return 0;
    if ((c >= 'a' && c <= 'z') || c == '.' || c == ':' || c == '/' || c == '-' || c == '=')
        return 1;
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
        return 2;
    return 3;
}

static void pair_bit_set(struct fl_catalog *c, unsigned a, unsigned b)
{
    c->pair_hit[a | b << 8] = 1;
}

static int cmp_anchor(const void *a, const void *b)
{
    const struct anchor *x = a, *y = b;
    if (x->pair != y->pair)
        return x->pair < y->pair ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Builds the index when every row has required literals. Returns false (and leaves the
 * catalog on the alternation) otherwise, or when out of memory. */
static bool index_build(struct fl_catalog *c)
{
    struct lit_set *sets = malloc(c->n_rows * sizeof *sets);
    if (!sets)
        return false;
    size_t n_anchors = 0, text_bytes = 0;
    for (size_t k = 0; k < c->n_rows; k++) {
        required_literals(row_pattern(c, k), &sets[k]);
        if (sets[k].n == 0) {
            free(sets);
            return false;
        }
        n_anchors += (size_t)sets[k].n;
        for (int j = 0; j < sets[k].n; j++)
            text_bytes += sets[k].lit[j].len;
    }
    c->anchors = calloc(n_anchors, sizeof *c->anchors);
    c->anchor_text = malloc(text_bytes);
    c->row_seen = calloc((c->n_rows + 63) / 64, sizeof *c->row_seen);
    c->pair_hit = calloc(65536, 1);
    if (!c->anchors || !c->anchor_text || !c->row_seen || !c->pair_hit) {
        free(sets);
        return false;
    }
    char *w = c->anchor_text;
    for (size_t k = 0; k < c->n_rows; k++) {
        for (int j = 0; j < sets[k].n; j++) {
            const struct lit *l = &sets[k].lit[j];
            struct anchor *a = &c->anchors[c->n_anchors++];
            memcpy(w, l->s, l->len);
            a->s = w;
            w += l->len;
            a->len = l->len;
            a->is_caseless = l->is_caseless;
            a->row = (uint32_t)k;
            /* index the rarest pair of the literal: fewer false candidates */
            int best = -1;
            for (uint8_t off = 0; off + 1 < l->len; off++) {
                int score = rarity((unsigned char)l->s[off]) + rarity((unsigned char)l->s[off + 1]);
                if (score > best) {
                    best = score;
                    a->off = off;
                }
            }
            unsigned b0 = (unsigned char)a->s[a->off], b1 = (unsigned char)a->s[a->off + 1];
            a->pair = (uint16_t)(b0 | b1 << 8);
            if (a->is_caseless) {
                for (int v = 0; v < 4; v++) {
                    unsigned x = (v & 1) && b0 >= 'a' && b0 <= 'z' ? b0 - 32 : b0;
                    unsigned y = (v & 2) && b1 >= 'a' && b1 <= 'z' ? b1 - 32 : b1;
                    pair_bit_set(c, x, y);
                }
            } else {
                pair_bit_set(c, b0, b1);
            }
        }
    }
    free(sets);
    qsort(c->anchors, c->n_anchors, sizeof *c->anchors, cmp_anchor);
    for (size_t k = 0; k < c->n_anchors; k++)
        c->has_caseless |= c->anchors[k].is_caseless;
    if (c->has_caseless) {
        pair_bit_set(c, 0xE2, 0x84); /* U+212A KELVIN SIGN is E2 84 AA */
        pair_bit_set(c, 0xC5, 0xBF); /* U+017F LONG S */
    }
    return true;
}

static bool anchor_at(const struct anchor *a, const unsigned char *t)
{
    if (!a->is_caseless)
        return memcmp(t, a->s, a->len) == 0;
    for (size_t k = 0; k < a->len; k++)
        if (ascii_lower(t[k]) != (unsigned char)a->s[k])
            return false;
    return true;
}

/* The text has the pair p[i], p[i + 1]: marks the rows whose literal is there. */
static bool index_check(struct fl_catalog *c, const unsigned char *p, size_t n, size_t i)
{
    /* caseless anchors are filed under their lower-case pair; exact ones under their own */
    uint16_t keys[2] = {(uint16_t)(p[i] | p[i + 1] << 8),
                        (uint16_t)(ascii_lower(p[i]) | ascii_lower(p[i + 1]) << 8)};
    bool is_found = false;
    for (int v = 0; v < 2; v++) {
        if (v == 1 && keys[1] == keys[0])
            break;
        size_t lo = 0, hi = c->n_anchors;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->anchors[mid].pair < keys[v])
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < c->n_anchors && c->anchors[lo].pair == keys[v]; lo++) {
            const struct anchor *a = &c->anchors[lo];
            if (a->is_caseless != (v == 1) && keys[1] != keys[0])
                continue; /* an exact anchor needs the exact pair, a caseless one the folded */
            if (i < a->off || i - a->off + a->len > n)
                continue;
            if (anchor_at(a, p + i - a->off)) {
                c->row_seen[a->row / 64] |= 1ull << (a->row % 64);
                is_found = true;
            }
        }
    }
    return is_found;
}

static bool matches(struct fl_catalog *c, const pcre2_code *code, const char *text, size_t n);

static int first_row_from(struct fl_catalog *c, size_t from, size_t to, const char *text, size_t n);

/* A caseless k or s of a pattern also matches these, which the literals do not see. */
static bool is_fold_trap(const unsigned char *p, size_t n, size_t i)
{
    return (p[i] == 0xC5 && p[i + 1] == 0xBF) ||
           (p[i] == 0xE2 && p[i + 1] == 0x84 && i + 2 < n && p[i + 2] == 0xAA);
}

/* A byte per pair rather than a bit: one load per text position and no variable shift
 * (measured about 10% faster than an 8 KiB bitmap); 64 KiB per catalog. */
static unsigned pair_is_indexed(const struct fl_catalog *c, const unsigned char *p)
{
    return c->pair_hit[p[0] | (unsigned)p[1] << 8];
}

/* Texts are mostly free of any literal: test 8 positions with one branch, and look at
 * each position only in the rare block where some pair is indexed. */
#define PAIR_BLOCK 8

static int index_match(struct fl_catalog *c, const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    bool is_any = false;
    memset(c->row_seen, 0, (c->n_rows + 63) / 64 * sizeof *c->row_seen);
    for (size_t i = 0; i + 1 < n; i += PAIR_BLOCK) {
        size_t end = (n - 1 - i > PAIR_BLOCK) ? i + PAIR_BLOCK : n - 1;
        unsigned is_indexed = 0;
        if (end - i == PAIR_BLOCK)
            for (size_t j = i; j < i + PAIR_BLOCK; j++)
                is_indexed |= pair_is_indexed(c, p + j);
        else
            is_indexed = 1; /* the short last block is checked position by position */
        if (!is_indexed)
            continue;
        for (size_t j = i; j < end; j++) {
            if (!pair_is_indexed(c, p + j))
                continue;
            if (c->has_caseless && is_fold_trap(p, n, j))
                return first_row_from(c, 0, c->n_rows, text, n);
            is_any |= index_check(c, p, n, j);
        }
    }
    if (!is_any)
        return -1;
    for (size_t k = 0; k < c->n_rows; k++)
        if (((c->row_seen[k / 64] >> (k % 64)) & 1) && matches(c, c->row_code[k], text, n))
            return (int)k;
    return -1;
}

/* ---- The alternation ----------------------------------------------------------------- */

/* Recursion and subroutine calls by number ((?R), (?1), (?+1), \g<1>) would refer to other
 * rows' groups, or to the whole alternation, once the rows are combined. A cheap textual
 * check: a false alarm only costs speed. */
static bool calls_groups_by_number(const char *p)
{
    for (; *p; p++) {
        if (p[0] == '\\' && p[1]) {
            if (p[1] == 'g' && (p[2] == '<' || p[2] == '\''))
                return true;
            p++; /* skip the escaped character */
            continue;
        }
        if (p[0] == '(' && p[1] == '?') {
            char c = p[2];
            if (c == 'R' || (c >= '0' && c <= '9') ||
                ((c == '+' || c == '-') && p[3] >= '0' && p[3] <= '9'))
                return true;
        }
    }
    return false;
}

/* Builds "(p0)|(p1)|..." and records each row's group number. Returns NULL when the rows
 * cannot be combined faithfully; matching then tries the rows one by one. That happens
 * when a row uses numbered back references or calls groups by number (they would point
 * into other rows' groups), or when the combined text does not compile although every
 * row did: a row whose (?x) comment or \Q runs to its end would swallow the closing
 * parenthesis, and start-of-pattern items such as (*CRLF) are not allowed in a group. */
static pcre2_code *compile_all(struct fl_catalog *c)
{
    size_t len = 1;
    for (size_t k = 0; k < c->n_rows; k++) {
        uint32_t backrefs = 0;
        pcre2_pattern_info(c->row_code[k], PCRE2_INFO_BACKREFMAX, &backrefs);
        if (backrefs || calls_groups_by_number(row_pattern(c, k)))
            return NULL;
        len += strlen(row_pattern(c, k)) + 3;
    }
    char *text = malloc(len);
    if (!text)
        return NULL;
    char *w = text;
    uint32_t group = 1;
    for (size_t k = 0; k < c->n_rows; k++) {
        const char *pattern = row_pattern(c, k);
        size_t plen = strlen(pattern);
        if (k)
            *w++ = '|';
        *w++ = '(';
        memcpy(w, pattern, plen);
        w += plen;
        *w++ = ')';
        c->row_group[k] = group;
        group += 1 + capture_count(c->row_code[k]);
    }
    *w = '\0';
    int errcode;
    PCRE2_SIZE erroff;
    /* DUPNAMES: two rows may each name a group "code". */
    pcre2_code *all = compile(text, (size_t)(w - text), PCRE2_DUPNAMES, &errcode, &erroff);
    free(text);
    if (all && capture_count(all) + 1 != group) {
        pcre2_code_free(all);
        all = NULL;
    }
    return all;
}

static int first_row_from(struct fl_catalog *c, size_t from, size_t to, const char *text, size_t n)
{
    for (size_t k = from; k < to; k++)
        if (matches(c, c->row_code[k], text, n))
            return (int)k;
    return -1;
}

static int alternation_match(struct fl_catalog *c, const char *text, size_t n)
{
    if (!c->all)
        return first_row_from(c, 0, c->n_rows, text, n);
    if (pcre2_match(c->all, (PCRE2_SPTR)text, n, 0, 0, c->md, c->mctx) < 0)
        return -1;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    uint32_t pairs = pcre2_get_ovector_count(c->md);
    size_t hit = c->n_rows;
    for (size_t k = 0; k < c->n_rows; k++) {
        uint32_t g = c->row_group[k];
        if (g < pairs && ov[2 * g] != PCRE2_UNSET) {
            hit = k;
            break;
        }
    }
    if (hit == c->n_rows) /* cannot happen: some alternative matched */
        return first_row_from(c, 0, c->n_rows, text, n);
    int k = first_row_from(c, 0, hit, text, n);
    return k >= 0 ? k : (int)hit;
}

/* ---- Public ------------------------------------------------------------------------- */

struct fl_catalog *fl_catalog_new(const struct fl_catalog_row *rows, size_t n_rows,
                                  struct fl_err *err)
{
    struct fl_catalog *c = calloc(1, sizeof *c);
    if (!c)
        goto out_nomem;
    c->rows = rows;
    c->n_rows = n_rows;
    c->row_code = calloc(n_rows ? n_rows : 1, sizeof *c->row_code);
    c->row_group = calloc(n_rows ? n_rows : 1, sizeof *c->row_group);
    if (!c->row_code || !c->row_group)
        goto out_nomem;

    uint32_t max_groups = 0;
    for (size_t k = 0; k < n_rows; k++) {
        int errcode;
        PCRE2_SIZE erroff;
        const char *pattern = row_pattern(c, k);
        c->row_code[k] = compile(pattern, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff);
        if (!c->row_code[k]) {
            PCRE2_UCHAR why[160];
            if (pcre2_get_error_message(errcode, why, sizeof why) < 0)
                snprintf((char *)why, sizeof why, "PCRE2 error %d", errcode);
            fl_err_set(err, NULL, 0, UINT64_MAX,
                       "catalog row %zu: %s at offset %zu in pattern '%.60s'", k, (const char *)why,
                       (size_t)erroff, pattern);
            fl_catalog_free(c);
            return NULL;
        }
        uint32_t groups = capture_count(c->row_code[k]);
        if (groups > max_groups)
            max_groups = groups;
    }
    if (n_rows && !index_build(c)) {
        free(c->anchors);
        c->anchors = NULL;
        c->all = compile_all(c);
    }

    c->md = c->all ? pcre2_match_data_create_from_pattern(c->all, NULL)
                   : pcre2_match_data_create(max_groups + 1, NULL);
    c->mctx = pcre2_match_context_create(NULL);
    c->jit_stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
    if (!c->md || !c->mctx || !c->jit_stack)
        goto out_nomem;
    pcre2_jit_stack_assign(c->mctx, NULL, c->jit_stack);
    return c;

out_nomem:
    fl_err_set(err, NULL, 0, UINT64_MAX, "catalog: out of memory");
    fl_catalog_free(c);
    return NULL;
}

/* Any error (match limit, JIT stack exhausted) counts as no match: a catalog decides a
 * category, and "unclassified" is the honest answer when the regex engine gave up. */
static bool matches(struct fl_catalog *c, const pcre2_code *code, const char *text, size_t n)
{
    return pcre2_match(code, (PCRE2_SPTR)text, n, 0, 0, c->md, c->mctx) >= 0;
}

int fl_catalog_match(struct fl_catalog *c, const char *text, size_t n)
{
    if (!c || c->n_rows == 0)
        return -1;
    if (!text) {
        text = "";
        n = 0;
    }
    return c->anchors ? index_match(c, text, n) : alternation_match(c, text, n);
}

const struct fl_catalog_row *fl_catalog_row(const struct fl_catalog *c, int idx)
{
    if (!c || idx < 0 || (size_t)idx >= c->n_rows)
        return NULL;
    return &c->rows[idx];
}

void fl_catalog_free(struct fl_catalog *c)
{
    if (!c)
        return;
    for (size_t k = 0; c->row_code && k < c->n_rows; k++)
        pcre2_code_free(c->row_code[k]);
    free(c->row_code);
    free(c->row_group);
    pcre2_code_free(c->all);
    pcre2_match_data_free(c->md);
    pcre2_match_context_free(c->mctx);
    pcre2_jit_stack_free(c->jit_stack);
    free(c->anchors);
    free(c->anchor_text);
    free(c->row_seen);
    free(c->pair_hit);
    free(c);
}
