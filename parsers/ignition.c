/* parsers/ignition.c: Ignition gateway wrapper.log (and copies of it) -> events.
 *
 * formats/ignition.md is the spec; its [RULE]s are implemented as written. A line is taken
 * apart outside in: a log viewer's prefix (L6) is stripped, then the wrapper prefix (L1 host
 * install, L4 container, L5 container without time), then the body is read (L2 logback 8.x,
 * L3 logback 7.x, L7 logback status, or plain text); unprefixed lines may also be a copy of
 * the gateway's web page (L8). A torn line (L9: a dying JVM's half line with the restarted
 * wrapper's line glued on) is split in two records. Records span lines by §4's rule (same
 * stream, stack shapes, exception headers, same wrapper second after a logback line).
 *
 * Where the note leaves a choice open, this file decides (and the cases in
 * tests/cases/ignition/ pin it down):
 *  - no layout (unparsed): a line that starts with a wrapper level column and '|' but has no
 *    complete prefix, or an unprefixed line holding C0 control bytes (binary junk); every
 *    other unprefixed line is plain text, which is a layout of its own;
 *  - a Kubernetes viewer prefix is stripped only in front of a container line (its shape
 *    alone is too common); the Docker Desktop one always;
 *  - MDC values may hold spaces (connection names do), and an L2 line ending in a space had
 *    an empty MDC (the pattern is "%m %X");
 *  - a torn head's message is its text, right-trimmed; attrs.exception also names a packaged
 *    java.lang.Exception/Throwable, which rule 4.2's regex leaves out;
 *  - code is the first status named; the status that decides the category may be another
 *    (an untrusted certificate wins over Bad_SecurityChecksFailed).
 *
 * Speed: every line of a wrapper.log goes through here (the bench pushes 2M lines), so the
 * hot layouts (L1/L4/L5/L6, L2, L3, L7, L8, stack shapes) are matched by hand. Each matcher
 * is a transcription of the note's PCRE2 pattern, quoted above it, and none of them can
 * backtrack (every variable part ends at the first occurrence of a byte it cannot contain),
 * so the hand version accepts exactly what the regex accepts (checked against PCRE2 on
 * mutated lines). PCRE2 (JIT) is used for the rare torn-line search and, through
 * parsers/catalog.c, for the category table, behind a literal prefilter. No line allocates:
 * a record's first line is copied once into a per-record arena that the event's views point
 * into, continuation lines go to one reused buffer, and both are reset per record.
 * Classification (catalog, status codes, attrs) runs once per record.
 *
 * This file also holds the classification shared with parsers/ignition_idb.c (declared in
 * parsers/ignition_idb.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/ignition_idb.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"
#include "parsers/ptime.h"
#include "schemas/event.h"

#define SOURCE "ignition"
#define MAX_RECORD_LINES 1000          /* ignition.md §4 */
#define MAX_RECORD_BYTES (16u << 20)   /* joined text of one record; past it lines still count */
#define ARENA_BLOCK_BYTES (64u << 10)
#define PROBE_MAX_LINES 40

/* ---------------------------------------------------------------------------------------
 * Character classes. PCRE2's \s, \d and \w without UCP are ASCII only; so are these. */

enum { C_SP = 1, C_DIG = 2, C_UP = 4, C_LO = 8, C_US = 16, C_DOLLAR = 32 };
#define R4(x) x, x, x, x
#define R8(x) R4(x), R4(x)
#define R16(x) R8(x), R8(x)
/* One lookup per byte on the hot path instead of chains of comparisons. */
static const unsigned char cclass[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, C_SP, C_SP, C_SP, C_SP, C_SP, 0, 0, /* \t \n \v \f \r */
    R16(0),
    C_SP, 0, 0, 0, C_DOLLAR, 0, 0, 0, R8(0),          /* ' ' '$' */
    R8(C_DIG), C_DIG, C_DIG, 0, 0, 0, 0, 0, 0,        /* 0-9 */
    0, R8(C_UP), R8(C_UP), R8(C_UP), C_UP, C_UP, 0, 0, 0, 0, C_US, /* A-Z, '_' */
    0, R8(C_LO), R8(C_LO), R8(C_LO), C_LO, C_LO, 0, 0, 0, 0, 0,    /* a-z */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
};
#undef R4
#undef R8
#undef R16

static inline bool is_sp(unsigned char c)
{
    return cclass[c] & C_SP;
}
static inline bool is_dig(unsigned char c)
{
    return cclass[c] & C_DIG;
}
static inline bool is_upper(unsigned char c)
{
    return cclass[c] & C_UP;
}
static inline bool is_lower(unsigned char c)
{
    return cclass[c] & C_LO;
}
static inline bool is_alnum(unsigned char c)
{
    return cclass[c] & (C_DIG | C_UP | C_LO);
}
static inline bool is_word(unsigned char c) /* \w */
{
    return cclass[c] & (C_DIG | C_UP | C_LO | C_US);
}
static inline bool is_ident(unsigned char c) /* [\w$] */
{
    return cclass[c] & (C_DIG | C_UP | C_LO | C_US | C_DOLLAR);
}
static inline bool is_ident_start(unsigned char c) /* [A-Za-z_$] */
{
    return cclass[c] & (C_UP | C_LO | C_US | C_DOLLAR);
}

static inline bool has_prefix(const char *p, size_t n, const char *lit, size_t lit_len)
{
    return n >= lit_len && memcmp(p, lit, lit_len) == 0;
}
#define HAS_LIT(p, n, lit) has_prefix((p), (n), (lit), sizeof(lit) - 1)

/* Checks p against a shape where 'd' is \d and any other byte is itself. */
static bool match_shape(const char *p, size_t n, const char *shape, size_t shape_len)
{
    if (n < shape_len)
        return false;
    for (size_t i = 0; i < shape_len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (shape[i] == 'd' ? !is_dig(c) : c != (unsigned char)shape[i])
            return false;
    }
    return true;
}
#define SHAPE(p, n, s) match_shape((p), (n), (s), sizeof(s) - 1)

static struct fl_str rtrim(struct fl_str s)
{
    while (s.len && is_sp((unsigned char)s.p[s.len - 1]))
        s.len--;
    return s;
}

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* ---------------------------------------------------------------------------------------
 * One line taken apart. All views point into the line's decoded text. */

enum ign_prefix { PFX_NONE, PFX_L1, PFX_L4, PFX_L5 };
enum ign_body { BODY_PLAIN, BODY_L2, BODY_L3, BODY_L7, BODY_L8 };

struct ign_line {
    struct fl_str viewer_ts; /* L6 prefix text (without its separator), "" if none */
    struct fl_str text;      /* the line after the viewer prefix */
    enum ign_prefix pfx;
    struct fl_str wlevel;    /* L1 level column */
    struct fl_str wsrc;      /* "jvm 1", "wrapper", "init" */
    struct fl_str wdt;       /* wrapper date and time, "2021/03/14 08:49:25" (L1, L4) */
    struct fl_str body;      /* after the wrapper prefix; the whole text when unprefixed */
    enum ign_body kind;
    struct fl_str level;     /* L2 letter, L3/L7 word */
    struct fl_str logger;    /* L2/L3 logger (padding trimmed), L8 logger column */
    struct fl_str btime;     /* L2/L3/L7 body time as written */
    struct fl_str l8_dt;     /* L8 "07Mar2024 14:02:09" */
    struct fl_str msg;       /* the message part of the body */
};

/* L1 level column: STATUS|INFO|WARN|ERROR|DEBUG|ADVICE|NOTICE|FATAL. Returns its length. */
static size_t match_wlevel(const char *p, size_t n)
{
    static const struct {
        const char *w;
        size_t len;
    } words[] = {{"STATUS", 6}, {"INFO", 4},   {"WARN", 4},   {"ERROR", 5},
                 {"DEBUG", 5},  {"ADVICE", 6}, {"NOTICE", 6}, {"FATAL", 5}};
    if (n < 4 || !is_upper((unsigned char)p[0]))
        return 0;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (has_prefix(p, n, words[k].w, words[k].len))
            return words[k].len;
    return 0;
}

/* wsrc: "jvm \d+|wrapper" (L1), plus "|init" (L4/L5). Returns its length. */
static size_t match_wsrc(const char *p, size_t n, bool allow_init)
{
    if (HAS_LIT(p, n, "jvm ") && n > 4 && is_dig((unsigned char)p[4])) {
        size_t i = 5;
        while (i < n && is_dig((unsigned char)p[i]))
            i++;
        return i;
    }
    if (HAS_LIT(p, n, "wrapper"))
        return 7;
    if (allow_init && HAS_LIT(p, n, "init"))
        return 4;
    return 0;
}

/* "\s*\|" at p[*i]; advances past the bar. */
static bool match_bar(const char *p, size_t n, size_t *i)
{
    size_t k = *i;
    while (k < n && is_sp((unsigned char)p[k]))
        k++;
    if (k >= n || p[k] != '|')
        return false;
    *i = k + 1;
    return true;
}

/* "(?: (?<rest>.*))?$" at p[i]: the end, or one space and the rest. */
static bool match_rest(const char *p, size_t n, size_t i, struct ign_line *li)
{
    if (i == n) {
        li->body = fl_str_make(p + n, 0);
        return true;
    }
    if (p[i] != ' ')
        return false;
    li->body = fl_str_make(p + i + 1, n - i - 1);
    return true;
}

/* "dddd/dd/dd dd:dd:dd": every wrapper line has one, so it is checked without a loop. */
static inline bool is_wdt(const char *p, size_t n)
{
    if (n < 19 || p[4] != '/' || p[7] != '/' || p[10] != ' ' || p[13] != ':' || p[16] != ':')
        return false;
    const unsigned char *u = (const unsigned char *)p;
    return (cclass[u[0]] & cclass[u[1]] & cclass[u[2]] & cclass[u[3]] & cclass[u[5]] &
            cclass[u[6]] & cclass[u[8]] & cclass[u[9]] & cclass[u[11]] & cclass[u[12]] &
            cclass[u[14]] & cclass[u[15]] & cclass[u[17]] & cclass[u[18]] & C_DIG) != 0;
}

/* "\s(?<wdate>\d{4}/\d{2}/\d{2}) (?<wtime>\d{2}:\d{2}:\d{2})\s\|" from p[*i]. */
static bool match_wdt(const char *p, size_t n, size_t *i, struct ign_line *li)
{
    size_t k = *i;
    if (k >= n || !is_sp((unsigned char)p[k]))
        return false;
    k++;
    if (!is_wdt(p + k, n - k))
        return false;
    li->wdt = fl_str_make(p + k, 19);
    k += 19;
    if (k >= n || !is_sp((unsigned char)p[k]))
        return false;
    k++;
    if (k >= n || p[k] != '|')
        return false;
    *i = k + 1;
    return true;
}

/* L1: ^(?<wlevel>STATUS|INFO|WARN|ERROR|DEBUG|ADVICE|NOTICE|FATAL)\s*\|\s(?<wsrc>jvm \d+|wrapper)
 *     \s*\|\s(?<wdate>\d{4}/\d{2}/\d{2}) (?<wtime>\d{2}:\d{2}:\d{2})\s\|(?: (?<rest>.*))?$ */
static bool match_l1(const char *p, size_t n, struct ign_line *li)
{
    size_t lv = match_wlevel(p, n);
    if (!lv)
        return false;
    size_t i = lv;
    if (!match_bar(p, n, &i) || i >= n || !is_sp((unsigned char)p[i]))
        return false;
    i++;
    size_t ws = match_wsrc(p + i, n - i, false);
    if (!ws)
        return false;
    struct fl_str wsrc = fl_str_make(p + i, ws);
    i += ws;
    if (!match_bar(p, n, &i) || !match_wdt(p, n, &i, li) || !match_rest(p, n, i, li))
        return false;
    li->pfx = PFX_L1;
    li->wlevel = fl_str_make(p, lv);
    li->wsrc = wsrc;
    return true;
}

/* L4: ^(?<wsrc>jvm \d+|wrapper|init)\s*\|\s(?<wdate>...) (?<wtime>...)\s\|(?: (?<rest>.*))?$
 * L5: ^(?<wsrc>jvm \d+|wrapper|init)\s*\|(?: (?<rest>.*))?$  (L4 is tried first: L5 would
 * also accept an L4 line, with the date in its rest). */
static bool match_l4_l5(const char *p, size_t n, bool allow_l5, struct ign_line *li)
{
    size_t ws = match_wsrc(p, n, true);
    if (!ws)
        return false;
    size_t i = ws;
    if (!match_bar(p, n, &i))
        return false;
    size_t after_bar = i;
    if (match_wdt(p, n, &i, li) && match_rest(p, n, i, li)) {
        li->pfx = PFX_L4;
        li->wsrc = fl_str_make(p, ws);
        return true;
    }
    li->wdt = FL_STR_NULL;
    if (!allow_l5 || !match_rest(p, n, after_bar, li))
        return false;
    li->pfx = PFX_L5;
    li->wsrc = fl_str_make(p, ws);
    return true;
}

/* L6 viewer prefixes. Docker Desktop: ^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} \| ;
 * a Kubernetes web UI: ^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M  directly followed
 * by a container line (its shape alone is too loose to strip from any text). Returns the
 * length to strip; *ts gets the viewer's time text. */
static size_t match_viewer(const char *p, size_t n, struct fl_str *ts)
{
    if (n < 8 || !is_dig((unsigned char)p[0]))
        return 0;
    if (SHAPE(p, n, "dddd-dd-dd dd:dd:dd.ddd | ")) {
        *ts = fl_str_make(p, 23);
        return 26;
    }
    size_t i = 0, k;
    for (k = 0; k < 2 && i < n && is_dig((unsigned char)p[i]); k++)
        i++;
    if (i >= n || p[i] != '/')
        return 0;
    i++;
    for (k = 0; k < 2 && i < n && is_dig((unsigned char)p[i]); k++)
        i++;
    if (k == 0 || i >= n || p[i] != '/')
        return 0;
    i++;
    if (!SHAPE(p + i, n - i, "dddd "))
        return 0;
    i += 5;
    for (k = 0; k < 2 && i < n && is_dig((unsigned char)p[i]); k++)
        i++;
    if (k == 0 || !SHAPE(p + i, n - i, ":dd:dd "))
        return 0;
    i += 7;
    if (n - i < 3 || (p[i] != 'A' && p[i] != 'P') || p[i + 1] != 'M' || p[i + 2] != ' ')
        return 0;
    size_t ts_len = i + 2;
    i += 3;
    struct ign_line probe_li = {0};
    if (!match_l4_l5(p + i, n - i, true, &probe_li))
        return 0;
    *ts = fl_str_make(p, ts_len);
    return i;
}

/* L2: ^(?<lvl>[TDIWE]) \[(?<logger>[^\]]+?) *\] \[(?<ltime>\d{2}:\d{2}:\d{2}(?:\.\d{3})?)\]:
 *      (?<msg>.*)$   (one space between ':' and the message)
 * The logger cannot hold ']', so the first ']' closes it; the lazy group keeps one byte. */
static bool match_l2(const char *p, size_t n, struct ign_line *li)
{
    if (n < 18 || p[1] != ' ' || p[2] != '[')
        return false;
    switch (p[0]) {
    case 'T': case 'D': case 'I': case 'W': case 'E':
        break;
    default:
        return false;
    }
    const char *close = memchr(p + 3, ']', n - 3);
    if (!close || close == p + 3)
        return false;
    size_t q = (size_t)(close - p);
    size_t lg_end = q;
    while (lg_end > 4 && p[lg_end - 1] == ' ')
        lg_end--;
    size_t i = q + 1;
    if (!SHAPE(p + i, n - i, " [dd:dd:dd"))
        return false;
    size_t t0 = i + 2;
    i += 10;
    if (SHAPE(p + i, n - i, ".ddd"))
        i += 4;
    size_t t1 = i;
    if (!HAS_LIT(p + i, n - i, "]: "))
        return false;
    i += 3;
    li->kind = BODY_L2;
    li->level = fl_str_make(p, 1);
    li->logger = fl_str_make(p + 3, lg_end - 3);
    li->btime = fl_str_make(p + t0, t1 - t0);
    li->msg = fl_str_make(p + i, n - i);
    return true;
}

/* L3: ^(?<lvl>TRACE|DEBUG|INFO|WARN|ERROR)\s+\[(?<logger>[^\]]+?)\s*\]\s?
 *      \[(?<ltime>\d{2}:\d{2}:\d{2}(?:,\d{3})?)\]: (?<msg>.*)$ */
static bool match_l3(const char *p, size_t n, struct ign_line *li)
{
    size_t lv = 0;
    if (HAS_LIT(p, n, "TRACE") || HAS_LIT(p, n, "DEBUG") || HAS_LIT(p, n, "ERROR"))
        lv = 5;
    else if (HAS_LIT(p, n, "INFO") || HAS_LIT(p, n, "WARN"))
        lv = 4;
    else
        return false;
    size_t i = lv;
    if (i >= n || !is_sp((unsigned char)p[i]))
        return false;
    while (i < n && is_sp((unsigned char)p[i]))
        i++;
    if (i >= n || p[i] != '[')
        return false;
    size_t lg0 = ++i;
    const char *close = memchr(p + i, ']', n - i);
    if (!close || close == p + i)
        return false;
    size_t q = (size_t)(close - p);
    size_t lg_end = q;
    while (lg_end > lg0 + 1 && is_sp((unsigned char)p[lg_end - 1]))
        lg_end--;
    i = q + 1;
    if (i < n && is_sp((unsigned char)p[i]))
        i++;
    if (!SHAPE(p + i, n - i, "[dd:dd:dd"))
        return false;
    size_t t0 = i + 1;
    i += 9;
    if (SHAPE(p + i, n - i, ",ddd"))
        i += 4;
    size_t t1 = i;
    if (!HAS_LIT(p + i, n - i, "]: "))
        return false;
    i += 3;
    li->kind = BODY_L3;
    li->level = fl_str_make(p, lv);
    li->logger = fl_str_make(p + lg0, lg_end - lg0);
    li->btime = fl_str_make(p + t0, t1 - t0);
    li->msg = fl_str_make(p + i, n - i);
    return true;
}

/* L7: ^(?<ltime>\d{2}:\d{2}:\d{2},\d{3}) \|-(?<lvl>INFO|WARN|ERROR) in (?<origin>\S+)
 *      - (?<msg>.*)$ */
static bool match_l7(const char *p, size_t n, struct ign_line *li)
{
    if (!SHAPE(p, n, "dd:dd:dd,ddd |-"))
        return false;
    size_t i = 15, lv;
    if (HAS_LIT(p + i, n - i, "INFO") || HAS_LIT(p + i, n - i, "WARN"))
        lv = 4;
    else if (HAS_LIT(p + i, n - i, "ERROR"))
        lv = 5;
    else
        return false;
    struct fl_str level = fl_str_make(p + i, lv);
    i += lv;
    if (!HAS_LIT(p + i, n - i, " in "))
        return false;
    i += 4;
    size_t o0 = i;
    while (i < n && !is_sp((unsigned char)p[i]))
        i++;
    if (i == o0 || !HAS_LIT(p + i, n - i, " - "))
        return false;
    i += 3;
    li->kind = BODY_L7;
    li->level = level;
    li->btime = fl_str_make(p, 12);
    li->msg = fl_str_make(p + i, n - i);
    return true;
}

/* L8: ^(?<logger>[^|]+?) \| (?<d>\d{2}[A-Z][a-z]{2}\d{4}) (?<t>\d{2}:\d{2}:\d{2}) \| (?<msg>.*)$
 * The logger cannot hold '|', so the first '|' ends it. */
static bool match_l8(const char *p, size_t n, struct ign_line *li)
{
    const char *bar = memchr(p, '|', n);
    if (!bar)
        return false;
    size_t b = (size_t)(bar - p);
    if (b < 2 || p[b - 1] != ' ')
        return false;
    size_t i = b + 1;
    /* " " + "ddMMMyyyy" + " " + "HH:mm:ss" + " | " */
    if (n - i < 22 || p[i] != ' ')
        return false;
    const char *d = p + i + 1;
    size_t rem = n - i - 1;
    if (!is_dig((unsigned char)d[0]) || !is_dig((unsigned char)d[1]) ||
        !is_upper((unsigned char)d[2]) || !is_lower((unsigned char)d[3]) ||
        !is_lower((unsigned char)d[4]) || !SHAPE(d + 5, rem - 5, "dddd dd:dd:dd | "))
        return false;
    li->kind = BODY_L8;
    li->logger = rtrim(fl_str_make(p, b - 1));
    li->l8_dt = fl_str_make(d, 18);
    li->msg = fl_str_make(d + 21, rem - 21);
    return true;
}

/* Reads the body of a line (L2, L3, L7; L8 only on unprefixed lines). */
static void read_body(struct ign_line *li)
{
    const char *p = li->body.p;
    size_t n = li->body.len;
    li->kind = BODY_PLAIN;
    li->msg = li->body;
    if (n == 0)
        return;
    unsigned char c = (unsigned char)p[0];
    if (is_dig(c)) {
        if (match_l7(p, n, li))
            return;
    } else if (n > 1 && p[1] == ' ') {
        if (match_l2(p, n, li))
            return;
    } else if (is_upper(c) && match_l3(p, n, li)) {
        return;
    }
    if (li->pfx == PFX_NONE && memchr(p, '|', n) && match_l8(p, n, li))
        return;
    li->kind = BODY_PLAIN;
    li->msg = li->body;
}

/* ---------------------------------------------------------------------------------------
 * Stack shapes (§4 rules 1 and 2), shared with the idb reader. */

/* ^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)[\w$]*(?::.*)?$
 * Segments end at '.', the class at the first byte that is not [\w$.]; what follows must be
 * the end or ':'. The keyword must sit after the last segment's first byte, so the rule's
 * regex does not take java.lang.Exception or java.lang.Throwable (the rule is applied as
 * written: such lines continue a record by rule 3 in wrapper logs). is_loose also accepts
 * the keyword at the start of the last segment when a package precedes it, for naming the
 * exception class in attrs. */
static bool header_class(const char *p, size_t n, bool is_loose, size_t *class_len)
{
    size_t i = 0, seg = 0;
    for (;;) {
        if (i >= n || !is_ident_start((unsigned char)p[i]))
            return false;
        seg = i;
        i++;
        while (i < n && is_ident((unsigned char)p[i]))
            i++;
        if (i < n && p[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (i < n && p[i] != ':')
        return false;
    /* The keyword inside the last segment [seg+1, i), or [seg, i) when loose. */
    bool found = false;
    for (size_t k = is_loose && seg > 0 ? seg : seg + 1; k < i && !found; k++) {
        const char *s = p + k;
        size_t left = i - k;
        found = HAS_LIT(s, left, "Exception") || HAS_LIT(s, left, "Error") ||
                HAS_LIT(s, left, "Throwable");
    }
    if (found && class_len)
        *class_len = i;
    return found;
}

bool fl_ignition_is_exception_header(const char *p, size_t n, size_t *class_len)
{
    return header_class(p, n, false, class_len);
}

/* Rule 1: ^\t, ^\s*at \S, ^\s*(Caused by|Suppressed): ,
 *         ^\s*\.\.\. \d+ (more|common frames omitted) */
bool fl_ignition_is_stack_line(const char *p, size_t n)
{
    if (n == 0)
        return false;
    if (p[0] == '\t')
        return true;
    size_t i = 0;
    while (i < n && is_sp((unsigned char)p[i]))
        i++;
    p += i;
    n -= i;
    if (HAS_LIT(p, n, "at ") && n > 3 && !is_sp((unsigned char)p[3]))
        return true;
    if (HAS_LIT(p, n, "Caused by: ") || HAS_LIT(p, n, "Suppressed: "))
        return true;
    if (HAS_LIT(p, n, "... ") && n > 4 && is_dig((unsigned char)p[4])) {
        size_t k = 5;
        while (k < n && is_dig((unsigned char)p[k]))
            k++;
        return HAS_LIT(p + k, n - k, " more") || HAS_LIT(p + k, n - k, " common frames omitted");
    }
    return false;
}

bool fl_ignition_line_exception(const char *p, size_t n, struct fl_str *cls)
{
    size_t len;
    if (header_class(p, n, true, &len)) {
        *cls = fl_str_make(p, len);
        return true;
    }
    size_t i = 0;
    while (i < n && is_sp((unsigned char)p[i]))
        i++;
    if (HAS_LIT(p + i, n - i, "Caused by: "))
        i += 11;
    else if (HAS_LIT(p + i, n - i, "Suppressed: "))
        i += 12;
    else
        return false;
    if (!header_class(p + i, n - i, true, &len))
        return false;
    *cls = fl_str_make(p + i, len);
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Shared field helpers. */

bool fl_ignition_logback_severity(const char *p, size_t n, enum fl_severity *sev)
{
    struct fl_str s = fl_str_make(p, n);
    if (fl_str_eq(s, "E") || fl_str_eq(s, "ERROR"))
        *sev = FL_SEV_ERROR;
    else if (fl_str_eq(s, "W") || fl_str_eq(s, "WARN"))
        *sev = FL_SEV_WARNING;
    else if (fl_str_eq(s, "I") || fl_str_eq(s, "INFO"))
        *sev = FL_SEV_INFO;
    else if (fl_str_eq(s, "D") || fl_str_eq(s, "DEBUG") || fl_str_eq(s, "T") ||
             fl_str_eq(s, "TRACE"))
        *sev = FL_SEV_DEBUG;
    else
        return false;
    return true;
}

void fl_ignition_attr_mdc(struct fl_event *ev, struct fl_str key, struct fl_str val)
{
    fl_event_attr_strn(ev, key, val);
    if (fl_str_eq(key, "connection-name"))
        fl_event_attr_str(ev, "connection", val);
}

/* Severity of the wrapper level column (§6 rule 2). */
static enum fl_severity wrapper_severity(struct fl_str w)
{
    if (fl_str_eq(w, "FATAL"))
        return FL_SEV_CRITICAL;
    if (fl_str_eq(w, "ERROR"))
        return FL_SEV_ERROR;
    if (fl_str_eq(w, "WARN"))
        return FL_SEV_WARNING;
    if (fl_str_eq(w, "ADVICE") || fl_str_eq(w, "NOTICE"))
        return FL_SEV_NOTICE;
    if (fl_str_eq(w, "DEBUG"))
        return FL_SEV_DEBUG;
    return FL_SEV_INFO; /* STATUS, INFO */
}

/* ---------------------------------------------------------------------------------------
 * Classification (§7 code and attrs, §8 categories). */

/* §8, rows 1-14 in table order (first matching row wins). Rows 3, 6 and 9 need two texts
 * anywhere in the record; they are written as both orders rather than anchored lookaheads,
 * so every alternative still starts with a literal (PCRE2 can then skip ahead by its first
 * bytes). Row 6's watchdog warnings: the logger OpcUaSubscriptionManager only counts with
 * the word watchdog, else every debug line of that logger would be a fault. */
static const struct fl_catalog_row ign_rows[] = {
    {"Bad_?CertificateUntrusted|[Cc]ertificate is not trusted"
     "|unable to find valid certification path|SunCertPathBuilderException",
     "opcua.cert_untrusted"},
    {"Bad_?SecurityChecksFailed|An error occurred verifying security|Bad_?Certificate\\w+"
     "|Bad_?NoValidCertificates",
     "opcua.cert_rejected"},
    {"Bad_?ConnectionRejected|(?s:Connection refused.*(?:UaException|opc\\.tcp://|opcua))"
     "|(?s:(?:UaException|opc\\.tcp://|opcua).*Connection refused)",
     "opcua.connect_refused"},
    {"Bad_?Timeout|Bad_?RequestTimeout|ConnectTimeoutException|requestId=\\d+ timed out after",
     "opcua.connect_timeout"},
    {"UaException: connection closed|Bad_?ConnectionClosed|Bad_?Disconnect"
     "|Bad_?SecureChannelClosed|Bad_?SessionClosed|Bad_?SessionIdInvalid|Bad_?ServerHalted"
     "|Bad_?Shutdown|Bad_?NotConnected|Bad_?ServerNotConnected",
     "opcua.session_lost"},
    {"Bad_?SubscriptionIdInvalid|Bad_?NoSubscription|Bad_?TooManySubscriptions"
     "|onWatchdogTimerElapsed|(?s:OpcUaSubscriptionManager.*[Ww]atchdog)"
     "|(?s:[Ww]atchdog.*OpcUaSubscriptionManager)",
     "opcua.subscription_failed"},
    {"BindException|Address already in use", "net.port_in_use"},
    {"FaultedDatabaseConnectionException|is FAULTED", "db.faulted"},
    {"Unlicensed module|(?s:ModuleLoadException.*[Uu]nlicensed)"
     "|(?s:[Uu]nlicensed.*ModuleLoadException)",
     "license.invalid"},
    {"ClockDriftDetector|clockDriftDetector", "clock.drift"},
    {"Gateway Error 600", "net.conn_lost"},
    {"--> Wrapper Started as (?:Service|Console|Daemon)", "service.start"},
    {"<-- Wrapper Stopped", "service.stop"},
    {"JVM exited unexpectedly|JVM appears hung|JVM exited while loading the application",
     "service.crash"},
};

/* The literal prefilter. A record's text goes through the catalog's JIT alternation only
 * when it holds one of these anchors: every alternative of every row above contains one
 * (Bad_?X contains "Bad" followed by '_' or an upper-case letter; [Cc]ertificate... and
 * ...certification path contain "ertificat"; the two-text rows contain "refused",
 * "atchdog", "nlicensed"), so skipping the catalog without an anchor never changes a
 * result. Most lines of a wrapper.log hold none. "Bad" is found with memchr ('B' is rare);
 * the other anchors, all at least 7 bytes long, by hashing every fourth 4-byte window into
 * a 64 Ki-bit table that holds the anchors' windows at offsets 0-3: an occurrence always
 * covers one of the probed windows. That is several times cheaper than the alternation,
 * whose many alternatives start with common letters. The same pass finds the anchors of
 * the attrs searches. KEEP THIS LIST IN STEP WITH ign_rows. */
enum { ANCHOR_CATALOG = 1, ANCHOR_ENDPOINT = 2, ANCHOR_HTTP = 4, ANCHOR_GATEWAY = 8 };
#define ANCHOR_MIN_LEN 7
static const struct {
    const char *text;
    unsigned groups;
} anchor_texts[] = {
    {"ertificat", ANCHOR_CATALOG},        {"SunCertPath", ANCHOR_CATALOG},
    {"erifying security", ANCHOR_CATALOG}, {"refused", ANCHOR_CATALOG},
    {"ConnectTimeout", ANCHOR_CATALOG},   {"requestId=", ANCHOR_CATALOG},
    {"connection closed", ANCHOR_CATALOG}, {"atchdog", ANCHOR_CATALOG},
    {"BindException", ANCHOR_CATALOG},    {"already in use", ANCHOR_CATALOG},
    {"FaultedDatabase", ANCHOR_CATALOG},  {"FAULTED", ANCHOR_CATALOG},
    {"nlicensed", ANCHOR_CATALOG},        {"lockDriftDetector", ANCHOR_CATALOG},
    {"--> Wrapper", ANCHOR_CATALOG},      {"<-- Wrapper", ANCHOR_CATALOG},
    {"JVM exited", ANCHOR_CATALOG},       {"JVM appears", ANCHOR_CATALOG},
    {"Gateway Error ", ANCHOR_CATALOG | ANCHOR_GATEWAY},
    {"opc.tcp://", ANCHOR_ENDPOINT},      {"rror code = ", ANCHOR_HTTP},
};
#define N_ANCHOR_TEXTS (sizeof anchor_texts / sizeof anchor_texts[0])

/* Windows are found by a 16-bit hash: a bit table first (L1-resident), then an open-
 * addressed table of the windows themselves (a window may belong to several anchors). */
#define WIN_SLOTS 512
static struct {
    uint64_t bits[1024]; /* 65536 bits */
    struct {
        uint32_t window;  /* 4 bytes of anchor k at offset off */
        uint8_t k, off;
        bool is_used;
    } slot[WIN_SLOTS];
    size_t len[N_ANCHOR_TEXTS];
} anchors;
static pthread_once_t anchors_once = PTHREAD_ONCE_INIT;

static inline uint32_t load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint32_t hash4(uint32_t v)
{
    return (v * 2654435761u) >> 16;
}

static void anchors_build(void)
{
    for (size_t k = 0; k < N_ANCHOR_TEXTS; k++) {
        /* strlen >= ANCHOR_MIN_LEN for every entry: the scan below relies on it. */
        anchors.len[k] = strlen(anchor_texts[k].text);
        for (uint8_t off = 0; off < 4; off++) {
            uint32_t w = load4(anchor_texts[k].text + off);
            uint32_t h = hash4(w);
            anchors.bits[h >> 6] |= (uint64_t)1 << (h & 63);
            size_t at = h & (WIN_SLOTS - 1);
            while (anchors.slot[at].is_used)
                at = (at + 1) & (WIN_SLOTS - 1);
            anchors.slot[at].window = w;
            anchors.slot[at].k = (uint8_t)k;
            anchors.slot[at].off = off;
            anchors.slot[at].is_used = true;
        }
    }
}

/* The anchor groups present in t[0..n). */
static unsigned anchor_scan(const char *t, size_t n)
{
    unsigned groups = 0;
    const char *end = t + n;
    for (const char *b = t; (b = memchr(b, 'B', (size_t)(end - b))) != NULL; b++) {
        if (end - b >= 4 && b[1] == 'a' && b[2] == 'd' &&
            (b[3] == '_' || is_upper((unsigned char)b[3]))) {
            groups |= ANCHOR_CATALOG;
            break;
        }
    }
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint32_t v = load4(t + i);
        uint32_t h = hash4(v);
        if (!((anchors.bits[h >> 6] >> (h & 63)) & 1))
            continue;
        for (size_t at = h & (WIN_SLOTS - 1); anchors.slot[at].is_used;
             at = (at + 1) & (WIN_SLOTS - 1)) {
            if (anchors.slot[at].window != v || i < anchors.slot[at].off)
                continue;
            size_t k = anchors.slot[at].k, from = i - anchors.slot[at].off;
            if (anchors.len[k] <= n - from &&
                memcmp(t + from, anchor_texts[k].text, anchors.len[k]) == 0)
                groups |= anchor_texts[k].groups;
        }
    }
    return groups;
}

struct fl_ignition_cls {
    struct fl_catalog *catalog;
};

struct fl_ignition_cls *fl_ignition_cls_new(struct fl_err *err)
{
    pthread_once(&anchors_once, anchors_build);
    struct fl_ignition_cls *c = calloc(1, sizeof *c);
    if (!c) {
        fl_err_set(err, NULL, 0, UINT64_MAX, "ignition: out of memory");
        return NULL;
    }
    c->catalog = fl_catalog_new(ign_rows, sizeof ign_rows / sizeof ign_rows[0], err);
    if (!c->catalog) {
        free(c);
        return NULL;
    }
    return c;
}

void fl_ignition_cls_free(struct fl_ignition_cls *c)
{
    if (!c)
        return;
    fl_catalog_free(c->catalog);
    free(c);
}

/* The first status name in the text: \b(Good|Uncertain|Bad)_?([A-Z][A-Za-z0-9]+)\b that is a
 * row of the CSV (opcua-status-codes.md §1). fl_opcua_scan reports the status that decides
 * the category (an untrusted certificate wins there); `code` is the first one named. */
static const struct fl_opcua_status *first_status_name(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        size_t plen;
        if (c == 'B')
            plen = 3;
        else if (c == 'G')
            plen = 4;
        else if (c == 'U')
            plen = 9;
        else
            continue;
        if (i > 0 && is_word((unsigned char)t[i - 1]))
            continue;
        if (!has_prefix(t + i, n - i, c == 'B' ? "Bad" : c == 'G' ? "Good" : "Uncertain", plen))
            continue;
        size_t j = i + plen;
        if (j < n && t[j] == '_')
            j++;
        if (j + 1 >= n || !is_upper((unsigned char)t[j]) || !is_alnum((unsigned char)t[j + 1]))
            continue;
        size_t k = j + 1;
        while (k < n && is_alnum((unsigned char)t[k]))
            k++;
        if (k < n && t[k] == '_')
            continue; /* no \b between two word bytes */
        const struct fl_opcua_status *st = fl_opcua_by_name(t + i, k - i);
        if (st)
            return st;
    }
    return NULL;
}

/* True if lit (lower case) occurs in t[0..n) ignoring ASCII case. */
static bool has_nocase(const char *t, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && (t[i + k] | (is_upper((unsigned char)t[i + k]) ? 0x20 : 0)) == lit[k])
            k++;
        if (k == m)
            return true;
    }
    return false;
}

/* endpoint: the first opc.tcp:// URL, up to a space, quote, comma, semicolon or closing
 * bracket; a final '.' or ':' belongs to the sentence, not to the URL. */
static void find_endpoint(const char *t, size_t n, struct fl_event *ev)
{
    const char *u = memmem(t, n, "opc.tcp://", 10);
    if (!u)
        return;
    size_t i = 10, left = n - (size_t)(u - t);
    while (i < left) {
        unsigned char c = (unsigned char)u[i];
        if (is_sp(c) || c == '"' || c == '\'' || c == ',' || c == ';' || c == ')' || c == ']' ||
            c == '}')
            break;
        i++;
    }
    while (i > 10 && (u[i - 1] == '.' || u[i - 1] == ':'))
        i--;
    fl_event_attr_str(ev, "endpoint", fl_str_make(u, i));
}

/* peer and port: "/10.0.0.5:49320", "[remote=/127.0.0.1:49159]" (an IPv4 after a '/'). */
static void find_peer(const char *t, size_t n, struct fl_event *ev)
{
    const char *s = t, *end = t + n;
    while ((s = memchr(s, '/', (size_t)(end - s))) != NULL) {
        const char *p = ++s;
        int dots = 0;
        size_t run = 0;
        while (p < end && (is_dig((unsigned char)*p) || *p == '.')) {
            if (*p == '.') {
                if (run == 0 || run > 3)
                    break;
                dots++;
                run = 0;
            } else {
                run++;
            }
            p++;
        }
        if (dots != 3 || run == 0 || run > 3 || p >= end || *p != ':')
            continue;
        const char *q = p + 1;
        uint32_t port = 0;
        size_t digits = 0;
        while (q < end && is_dig((unsigned char)*q) && digits < 6) {
            port = port * 10 + (uint32_t)(*q - '0');
            q++;
            digits++;
        }
        if (digits == 0 || digits > 5 || port > 65535 || (q < end && is_word((unsigned char)*q)))
            continue;
        fl_event_attr_str(ev, "peer", fl_str_make(s, (size_t)(p - s)));
        fl_event_attr_int(ev, "port", port);
        return;
    }
}

/* HTTP-style numbers are not status codes (§7): "error code = 503" -> http_status,
 * "Gateway Error 600" -> gateway_error. */
static void find_number_after(const char *t, size_t n, const char *lit, size_t lit_len,
                              const char *key, struct fl_event *ev)
{
    const char *s = t, *end = t + n;
    while ((s = memmem(s, (size_t)(end - s), lit, lit_len)) != NULL) {
        const char *d = s + lit_len;
        size_t k = 0;
        while (d + k < end && is_dig((unsigned char)d[k]))
            k++;
        if (k > 0 && k <= 6 && !(d + k < end && is_word((unsigned char)d[k]))) {
            fl_event_attr_str(ev, key, fl_str_make(d, k));
            return;
        }
        s += lit_len;
    }
}

void fl_ignition_cls_apply(struct fl_ignition_cls *c, const char *text, size_t n,
                           struct fl_arena *arena, struct fl_event *ev)
{
    struct fl_opcua_hit hit = {0};
    bool has_status = fl_opcua_scan(text, n, &hit);
    unsigned groups = anchor_scan(text, n);
    if (!ev->category) {
        int row = groups & ANCHOR_CATALOG ? fl_catalog_match(c->catalog, text, n) : -1;
        if (row >= 0)
            ev->category = ign_rows[row].category;
        else if (has_status && hit.status->category)
            ev->category = hit.status->category;
    }
    /* code: the first status named; else the first hex; else a status known only by its
     * description (opcua-status-codes.md §1). */
    const struct fl_opcua_status *named = has_status ? first_status_name(text, n) : NULL;
    const struct fl_opcua_status *with_name = named;
    /* With neither name nor hex, the status came from a description, or only from an
     * untrusted-certificate phrase (a cert-path failure names no status: no code then). */
    if (!named && !hit.has_hex && has_status &&
        (!hit.is_untrusted || has_nocase(text, n, "the certificate is not trusted")))
        with_name = hit.status;
    char hex[11];
    if (with_name) {
        ev->code = fl_str_c(with_name->canonical);
        fl_hex32_format(with_name->hex, hex);
        fl_event_attr_str(ev, "status_hex", fl_arena_dup(arena, hex, 10));
    } else if (hit.has_hex) {
        fl_hex32_format(hit.first_hex, hex);
        ev->code = fl_arena_dup(arena, hex, 10);
    }
    if (groups & ANCHOR_ENDPOINT)
        find_endpoint(text, n, ev);
    if (memchr(text, '/', n))
        find_peer(text, n, ev);
    if (groups & ANCHOR_HTTP)
        find_number_after(text, n, "rror code = ", 12, "http_status", ev);
    if (groups & ANCHOR_GATEWAY)
        find_number_after(text, n, "Gateway Error ", 14, "gateway_error", ev);
}

/* ---------------------------------------------------------------------------------------
 * L9 torn lines (PCRE2: a search anywhere in the line, rare). */

static const char torn_pattern[] =
    "(?:STATUS|INFO|WARN|ERROR|ADVICE|FATAL)\\s*\\| (?:wrapper|jvm \\d+)\\s*\\| "
    "\\d{4}/\\d{2}/\\d{2} ";
static pcre2_code *torn_code; /* immutable once built: shared by every parser state */
static pthread_once_t torn_once = PTHREAD_ONCE_INIT;

static void torn_compile(void)
{
    int errcode;
    PCRE2_SIZE erroff;
    /* Byte mode: the pattern is ASCII, and any bytes may come in without failing a match. */
    torn_code = pcre2_compile((PCRE2_SPTR)torn_pattern, PCRE2_ZERO_TERMINATED, 0, &errcode,
                              &erroff, NULL);
    if (torn_code)
        (void)pcre2_jit_compile(torn_code, PCRE2_JIT_COMPLETE);
}

/* ---------------------------------------------------------------------------------------
 * Parser state and records. */

struct ign_rec {
    bool is_open;
    bool is_prefixed;     /* stream: the wsrc column, or unprefixed */
    char wsrc[32];
    size_t wsrc_len;
    bool has_wdt;         /* rule 3 needs the first line's wrapper date-time */
    char wdt[19];
    bool is_logback;      /* the first line had an L2/L3 body (rule 3) */
    bool sev_by_lines;    /* §6 rule 3: error if any line is a stack line */
    bool has_stack_line;
    bool is_multi;        /* continuation lines joined in st->text */
    size_t msg_off;       /* message start in st->text */
    struct fl_str body;   /* first line's body (arena) */
    struct fl_str msg;    /* first line's message (arena) */
    struct fl_str exception;
};

struct ign_state {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    bool has_last_wdt;    /* one-entry cache: consecutive lines share their second */
    char last_wdt[19];
    bool last_wdt_ok;
    int64_t last_wdt_utc;
    struct fl_ignition_cls *cls;
    pcre2_match_data *md;
    struct fl_arena arena;  /* the open record's strings; reset per record */
    struct fl_buf text;     /* the open record's joined lines when it has several */
    struct fl_event ev;     /* the open record */
    struct fl_event aux;    /* unparsed lines and torn heads */
    struct ign_rec r;
    uint32_t pending_empty; /* empty unprefixed lines since the last line of the record */
};

/* Wrapper date-time "yyyy/MM/dd HH:mm:ss" in --tz to UTC ms. False if not a valid time. */
static bool wdt_to_utc(struct ign_state *st, const char *p, int64_t *utc)
{
    if (st->has_last_wdt && memcmp(st->last_wdt, p, 19) == 0) {
        *utc = st->last_wdt_utc;
        return st->last_wdt_ok;
    }
    int64_t y = num(p, 4);
    unsigned mo = num(p + 5, 2), d = num(p + 8, 2);
    unsigned h = num(p + 11, 2), mi = num(p + 14, 2), s = num(p + 17, 2);
    bool ok = fl_civil_valid(y, mo, d, h, mi, s);
    int64_t u = 0;
    if (ok)
        fl_tz_to_utc(st->tz, &st->fold, fl_civil_ms(y, mo, d, h, mi, s, 0), &u);
    memcpy(st->last_wdt, p, 19);
    st->has_last_wdt = true;
    st->last_wdt_ok = ok;
    st->last_wdt_utc = u;
    *utc = u;
    return ok;
}

/* L8 date-time "ddMMMyyyy HH:mm:ss" (English month) in --tz to UTC ms. */
static bool l8_to_utc(struct ign_state *st, const char *p, int64_t *utc)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    unsigned mo = 0;
    for (unsigned k = 0; k < 12; k++)
        if (memcmp(months + 3 * k, p + 2, 3) == 0)
            mo = k + 1;
    int64_t y = num(p + 5, 4);
    unsigned d = num(p, 2), h = num(p + 10, 2), mi = num(p + 13, 2), s = num(p + 16, 2);
    if (!mo || !fl_civil_valid(y, mo, d, h, mi, s))
        return false;
    fl_tz_to_utc(st->tz, &st->fold, fl_civil_ms(y, mo, d, h, mi, s, 0), utc);
    return true;
}

static struct fl_str rebase(struct fl_str v, const char *from, const char *to)
{
    if (v.len == 0)
        return FL_STR_NULL;
    return (struct fl_str){to + (v.p - from), v.len};
}

/* Component of a prefixed line without a logback body (§7): the wrapper source. */
static struct fl_str component_of(const struct ign_line *li)
{
    if (fl_str_eq(li->wsrc, "wrapper"))
        return FL_STR_LIT("wrapper");
    if (fl_str_eq(li->wsrc, "init"))
        return FL_STR_LIT("init");
    return FL_STR_LIT("stdout");
}

/* The L2 MDC rule (§3): if the message ends in " k=v(, k=v)*" where every key matches
 * [a-z][a-z0-9-]* and holds a '-' (all the listed keys do), those pairs are MDC. Values
 * cannot hold ',' (it separates pairs) but may hold spaces: connection names do ("Ignition
 * OPC UA Server"). The pattern is "%m %X", so a message that ends in a space has an empty
 * MDC: without that, "... a message-id=x seen twice " would lose its end. Returns the
 * index of the space that starts the MDC, or n. */
static size_t mdc_key(const char *p, size_t n)
{
    if (n == 0 || !is_lower((unsigned char)p[0]))
        return 0;
    size_t i = 1;
    bool has_dash = false;
    while (i < n && (is_lower((unsigned char)p[i]) || is_dig((unsigned char)p[i]) || p[i] == '-')) {
        has_dash |= p[i] == '-';
        i++;
    }
    return has_dash && i < n && p[i] == '=' ? i : 0;
}

/* True if p[0..n) is "k=v(, k=v)*". On failure *fail_at is the index of the comma after
 * which the chain broke, or 0 when its first key was no key. */
static bool mdc_chain(const char *p, size_t n, size_t *fail_at)
{
    size_t i = 0;
    *fail_at = 0;
    for (;;) {
        size_t k = mdc_key(p + i, n - i);
        if (!k)
            return false;
        i += k + 1;
        const char *comma = memchr(p + i, ',', n - i);
        if (!comma)
            return true;
        i = (size_t)(comma - p);
        *fail_at = i;
        if (i + 1 >= n || p[i + 1] != ' ')
            return false;
        i += 2;
    }
}

static size_t mdc_start(const char *m, size_t n)
{
    if (n == 0 || m[n - 1] == ' ')
        return n;
    /* A chain starts at a space followed by its first key and '=': walk back from each '='
     * (there are few) instead of trying every space. */
    size_t tried_to = 0; /* starts below this are known to fail */
    const char *end = m + n;
    for (const char *eq = memchr(m, '=', n); eq; eq = memchr(eq + 1, '=', (size_t)(end - eq - 1))) {
        size_t k = (size_t)(eq - m);
        while (k > 0 && (is_lower((unsigned char)m[k - 1]) || is_dig((unsigned char)m[k - 1]) ||
                         m[k - 1] == '-'))
            k--;
        if (k == 0 || m[k - 1] != ' ' || k - 1 < tried_to)
            continue;
        size_t s = k - 1, fail_at;
        if (mdc_chain(m + s + 1, n - s - 1, &fail_at))
            return s;
        /* Values hold no ',', so a chain from any later start before that comma reaches the
         * same comma and breaks there too (keeps hostile lines linear). */
        tried_to = s + 1 + fail_at;
    }
    return n;
}

static void mdc_to_attrs(struct fl_event *ev, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = mdc_key(p + i, n - i);
        struct fl_str key = fl_str_make(p + i, k);
        i += k + 1;
        const char *comma = memchr(p + i, ',', n - i);
        size_t vend = comma ? (size_t)(comma - p) : n;
        fl_ignition_attr_mdc(ev, key, fl_str_make(p + i, vend - i));
        i = vend + 2;
    }
}

/* Emits the open record, if any, and clears it. */
static int rec_emit(struct ign_state *st, const struct fl_sink *sink)
{
    struct ign_rec *r = &st->r;
    if (!r->is_open)
        return 0;
    struct fl_event *ev = &st->ev;
    const char *cls_text;
    size_t cls_len;
    if (r->is_multi && st->text.data) { /* no data only if the first append failed (OOM) */
        ev->message = fl_str_make(st->text.data + r->msg_off, st->text.len - r->msg_off);
        cls_text = st->text.data;
        cls_len = st->text.len;
    } else {
        ev->message = r->msg;
        cls_text = r->body.p;
        cls_len = r->body.len;
    }
    if (r->sev_by_lines)
        ev->severity = r->has_stack_line ? FL_SEV_ERROR : FL_SEV_INFO;
    if (r->exception.len)
        fl_event_attr_str(ev, "exception", r->exception);
    fl_ignition_cls_apply(st->cls, cls_text, cls_len, &st->arena, ev);
    int rc = sink->emit(sink->ctx, ev);
    r->is_open = false;
    r->is_multi = false;
    fl_arena_reset(&st->arena);
    fl_buf_reset(&st->text);
    return rc;
}

static bool is_stack_or_header(const char *p, size_t n)
{
    return fl_ignition_is_stack_line(p, n) || fl_ignition_is_exception_header(p, n, NULL);
}

/* Opens a record with li as its first line. line/line_len: the whole decoded line li's
 * views point into (copied once into the arena). */
static int rec_start(struct ign_state *st, const char *line, size_t line_len,
                     const struct ign_line *li, uint64_t off, uint64_t end)
{
    struct ign_rec *r = &st->r;
    struct fl_event *ev = &st->ev;
    fl_event_reset(ev);
    ev->source = SOURCE;
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = 1;

    struct fl_str copy = fl_arena_dup(&st->arena, line, line_len);
    if (copy.len != line_len)
        return FL_ENOMEM;
    const char *base = copy.p;
#define RB(v) rebase((v), line, base)

    r->is_open = true;
    r->is_multi = false;
    r->is_prefixed = li->pfx != PFX_NONE;
    r->wsrc_len = li->wsrc.len < sizeof r->wsrc ? li->wsrc.len : sizeof r->wsrc;
    if (r->wsrc_len)
        memcpy(r->wsrc, li->wsrc.p, r->wsrc_len);
    r->has_wdt = li->wdt.len == 19;
    if (r->has_wdt)
        memcpy(r->wdt, li->wdt.p, 19);
    r->is_logback = li->kind == BODY_L2 || li->kind == BODY_L3;
    r->body = RB(li->body);
    r->exception = FL_STR_NULL;

    /* Time (§5): the wrapper date-time, or L8's; else undated with the body time as ts_raw. */
    if (r->has_wdt) {
        ev->ts_raw = RB(li->wdt);
        ev->has_ts = wdt_to_utc(st, li->wdt.p, &ev->ts_ms);
    } else if (li->kind == BODY_L8) {
        ev->ts_raw = RB(li->l8_dt);
        ev->has_ts = l8_to_utc(st, li->l8_dt.p, &ev->ts_ms);
    } else {
        ev->ts_raw = RB(li->btime);
    }

    /* Severity (§6) and component (§7). */
    enum fl_severity sev;
    r->sev_by_lines = false;
    if (li->level.len && fl_ignition_logback_severity(li->level.p, li->level.len, &sev)) {
        ev->severity = sev;
        ev->severity_raw = RB(li->level);
    } else if (li->pfx == PFX_L1 && fl_str_eq(li->wsrc, "wrapper")) {
        ev->severity = wrapper_severity(li->wlevel);
        ev->severity_raw = RB(li->wlevel);
    } else {
        r->sev_by_lines = true;
    }
    size_t hdr_len;
    bool is_header = fl_ignition_is_exception_header(li->msg.p, li->msg.len, &hdr_len);
    r->has_stack_line = is_header || fl_ignition_is_stack_line(li->msg.p, li->msg.len);
    switch (li->kind) {
    case BODY_L2:
    case BODY_L3:
    case BODY_L8:
        ev->component = RB(li->logger);
        break;
    case BODY_L7:
        ev->component = FL_STR_LIT("logback");
        break;
    case BODY_PLAIN:
        if (li->pfx != PFX_NONE)
            ev->component = component_of(li);
        else if (is_header)
            ev->component = RB(fl_str_make(li->msg.p, hdr_len));
        break;
    }
    struct fl_str exc;
    if (is_header)
        r->exception = RB(fl_str_make(li->msg.p, hdr_len));
    else if (fl_ignition_line_exception(li->msg.p, li->msg.len, &exc))
        r->exception = RB(exc);

    /* Message: L2 loses its MDC pairs (to attrs) and its trailing space. */
    struct fl_str msg = RB(li->msg);
    if (li->kind == BODY_L2) {
        size_t s = mdc_start(msg.p, msg.len);
        if (s < msg.len)
            mdc_to_attrs(ev, msg.p + s + 1, msg.len - s - 1);
        msg = rtrim(fl_str_make(msg.p, s));
    }
    r->msg = msg;

    /* attrs (§7). */
    if (li->wsrc.len > 4 && li->wsrc.p[0] == 'j')
        fl_event_attr_str(ev, "jvm", fl_str_make(RB(li->wsrc).p + 4, li->wsrc.len - 4));
    if (li->wlevel.len)
        fl_event_attr_str(ev, "wrapper_level", RB(li->wlevel));
    if (li->btime.len)
        fl_event_attr_str(ev, "body_time", RB(li->btime));
    if (li->viewer_ts.len)
        fl_event_attr_str(ev, "viewer_ts", RB(li->viewer_ts));
#undef RB
    return 0;
}

/* Appends a continuation line's body to the open record. */
static int rec_append(struct ign_state *st, const struct fl_line *ln, struct fl_str body)
{
    struct ign_rec *r = &st->r;
    struct fl_buf *t = &st->text;
    if (!r->is_multi) {
        fl_buf_reset(t);
        bool msg_is_body = r->msg.p == r->body.p;
        if (!msg_is_body) {
            (void)fl_buf_append(t, r->body.p, r->body.len);
            (void)fl_buf_putc(t, '\n');
        }
        r->msg_off = t->len;
        (void)fl_buf_append(t, r->msg.p, r->msg.len);
        r->is_multi = true;
    }
    /* Past the record's byte limit text is dropped, never the line count or offsets. */
    for (uint32_t k = 0; k < st->pending_empty; k++)
        (void)fl_buf_putc(t, '\n');
    if (fl_buf_reserve(t, body.len + 1) == 0) {
        (void)fl_buf_putc(t, '\n');
        (void)fl_buf_append(t, body.p, body.len);
    }
    st->ev.lines += st->pending_empty + 1;
    st->ev.end_offset = ln->raw_end;
    st->pending_empty = 0;
    if (!r->has_stack_line && is_stack_or_header(body.p, body.len))
        r->has_stack_line = true;
    struct fl_str exc;
    if (!r->exception.len && fl_ignition_line_exception(body.p, body.len, &exc))
        r->exception = fl_arena_dup(&st->arena, exc.p, exc.len);
    return 0;
}

/* §4: does li continue the open record? */
static bool continues(const struct ign_state *st, const struct ign_line *li)
{
    const struct ign_rec *r = &st->r;
    if (!r->is_open || st->ev.lines + st->pending_empty >= MAX_RECORD_LINES)
        return false;
    if (li->kind != BODY_PLAIN) /* an L2/L3/L7 (and L8) line always starts a record */
        return false;
    bool is_prefixed = li->pfx != PFX_NONE;
    if (is_prefixed != r->is_prefixed)
        return false;
    if (is_prefixed &&
        (li->wsrc.len != r->wsrc_len || memcmp(li->wsrc.p, r->wsrc, r->wsrc_len) != 0))
        return false;
    const char *b = li->body.p;
    size_t n = li->body.len;
    if (fl_ignition_is_stack_line(b, n) || fl_ignition_is_exception_header(b, n, NULL))
        return true;
    return r->is_logback && r->has_wdt && li->wdt.len == 19 && memcmp(li->wdt.p, r->wdt, 19) == 0;
}

/* Raw offset of position pos of the decoded line: equal bytes for UTF-8 text; one raw byte
 * per character for a Windows-1252 line; two per UTF-16 code unit for UTF-16 (its ASCII
 * bytes pair with NULs, which 8-bit text never holds). */
static uint64_t raw_offset_of(const struct fl_line *ln, size_t pos)
{
    if (ln->raw_len >= pos && memcmp(ln->raw, ln->text, pos) == 0)
        return ln->raw_off + pos;
    const unsigned char *t = (const unsigned char *)ln->text;
    uint64_t units = 0, chars = 0;
    for (size_t i = 0; i < pos; i++) {
        if ((t[i] & 0xC0) == 0x80)
            continue;
        chars++;
        units += t[i] >= 0xF0 ? 2 : 1;
    }
    if (memchr(ln->raw, 0, ln->raw_len))
        return ln->raw_off + 2 * units;
    return ln->raw_off + chars;
}

/* L9 head: a record of its own (attrs.torn, service.crash, info), dated by its own wrapper
 * date-time when that is complete. */
static int emit_torn_head(struct ign_state *st, const struct fl_line *ln, struct fl_str head,
                          struct fl_str viewer_ts, uint64_t off, uint64_t end,
                          const struct fl_sink *sink)
{
    struct fl_event *ev = &st->aux;
    fl_event_reset(ev);
    ev->source = SOURCE;
    ev->offset = off;
    ev->end_offset = end;
    ev->lines = 1;
    struct fl_str copy = fl_arena_dup(&st->arena, ln->text, ln->len);
    if (copy.len != ln->len)
        return FL_ENOMEM;
    head = rebase(head, ln->text, copy.p);
    viewer_ts = rebase(viewer_ts, ln->text, copy.p);

    /* The complete part of a wrapper prefix: level | wsrc | date time, or wsrc | date time. */
    struct ign_line li = {0};
    const char *p = head.p;
    size_t n = head.len, i = match_wlevel(p, n), ws;
    struct fl_str wlevel = fl_str_make(p, i);
    if (i) {
        if (!match_bar(p, n, &i) || i >= n || !is_sp((unsigned char)p[i]))
            i = n;
        else
            i++;
    }
    ws = i < n ? match_wsrc(p + i, n - i, i == 0) : 0;
    if (ws) {
        li.wsrc = fl_str_make(p + i, ws);
        i += ws;
        if (match_bar(p, n, &i) && i < n && is_sp((unsigned char)p[i]) &&
            SHAPE(p + i + 1, n - i - 1, "dddd/dd/dd dd:dd:dd")) {
            ev->ts_raw = fl_str_make(p + i + 1, 19);
            ev->has_ts = wdt_to_utc(st, ev->ts_raw.p, &ev->ts_ms);
        }
        li.pfx = PFX_L5;
        ev->component = component_of(&li);
        if (ws > 4 && li.wsrc.p[0] == 'j')
            fl_event_attr_str(ev, "jvm", fl_str_make(li.wsrc.p + 4, ws - 4));
        if (wlevel.len)
            fl_event_attr_str(ev, "wrapper_level", wlevel);
    }
    ev->severity = FL_SEV_INFO;
    ev->category = "service.crash";
    ev->message = rtrim(head);
    fl_event_attr_bool(ev, "torn", true);
    if (viewer_ts.len)
        fl_event_attr_str(ev, "viewer_ts", viewer_ts);
    fl_ignition_cls_apply(st->cls, ev->message.p, ev->message.len, &st->arena, ev);
    int rc = sink->emit(sink->ctx, ev);
    fl_arena_reset(&st->arena);
    return rc;
}

/* Where a torn line's embedded wrapper prefix starts (> 0), or 0. */
static size_t torn_split(struct ign_state *st, const char *p, size_t n)
{
    if (!torn_code || n < 20 || !memchr(p + 1, '|', n - 1) || !memchr(p, '/', n))
        return 0;
    int rc = pcre2_match(torn_code, (PCRE2_SPTR)p, n, 1, 0, st->md, NULL);
    if (rc < 0)
        return 0;
    return (size_t)pcre2_get_ovector_pointer(st->md)[0];
}

/* Lines with no layout (unparsed): one that starts like a wrapper line but whose prefix is
 * cut short (a crash while writing it), and binary junk: C0 control bytes other than TAB,
 * CR and ESC (ANSI colours), such as the zero-filled tail a power loss leaves. Only lines
 * without a wrapper prefix are checked: a message inside a complete prefix is Ignition's
 * text whatever its bytes, and NULs glued before a restarted wrapper's line are split off
 * as a torn head (L9). */
static bool is_damaged_prefix(const char *p, size_t n)
{
    size_t i = match_wlevel(p, n);
    return i && match_bar(p, n, &i);
}

static bool is_junk(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != 0x1b)
            return true;
    }
    return false;
}

/* Empties li for the text p[0..n) (field by field: cheaper than zeroing the struct on
 * every line). */
static inline void line_init(struct ign_line *li, struct fl_str viewer_ts, const char *p, size_t n)
{
    li->viewer_ts = viewer_ts;
    li->text = fl_str_make(p, n);
    li->pfx = PFX_NONE;
    li->wlevel = li->wsrc = li->wdt = li->body = FL_STR_NULL;
    li->kind = BODY_PLAIN;
    li->level = li->logger = li->btime = li->l8_dt = li->msg = FL_STR_NULL;
}

/* An unparsed event for the line, or for a torn line's tail (its own offset, so that its id
 * differs from the head's). */
static int emit_unparsed(struct ign_state *st, const struct fl_line *ln, struct fl_str text,
                         uint64_t off, const struct fl_sink *sink)
{
    int rc = rec_emit(st, sink);
    st->pending_empty = 0;
    if (rc != 0)
        return rc;
    if (off == ln->raw_off)
        return fl_parser_emit_unparsed(SOURCE, ln, &st->aux, sink);
    fl_event_reset(&st->aux);
    fl_event_set_unparsed(&st->aux, SOURCE, text);
    st->aux.offset = off;
    st->aux.end_offset = ln->raw_end;
    st->aux.lines = 1;
    return sink->emit(sink->ctx, &st->aux);
}

/* One line, or the tail of a torn line (p/n inside ln->text, raw offset off). */
static int feed_text(struct ign_state *st, const struct fl_line *ln, const char *p, size_t n,
                     struct fl_str viewer_ts, uint64_t off, const struct fl_sink *sink)
{
    for (;;) {
        struct ign_line li;
        line_init(&li, viewer_ts, p, n);
        bool has_prefix_l14 = match_l1(p, n, &li);
        if (!has_prefix_l14) {
            line_init(&li, viewer_ts, p, n);
            has_prefix_l14 = match_l4_l5(p, n, false, &li);
        }
        if (!has_prefix_l14) {
            size_t split = torn_split(st, p, n);
            if (split) {
                uint64_t tail_off = raw_offset_of(ln, (size_t)(p + split - ln->text));
                int rc = rec_emit(st, sink);
                if (rc == 0)
                    rc = emit_torn_head(st, ln, fl_str_make(p, split), viewer_ts, off,
                                        tail_off, sink);
                if (rc != 0)
                    return rc;
                st->pending_empty = 0;
                p += split;
                n -= split;
                off = tail_off;
                continue;
            }
            line_init(&li, viewer_ts, p, n);
            if (!match_l4_l5(p, n, true, &li)) {
                if (is_damaged_prefix(p, n) || is_junk(p, n))
                    return emit_unparsed(st, ln, fl_str_make(p, n), off, sink);
                li.pfx = PFX_NONE;
                li.body = li.text;
            }
        }
        read_body(&li);
        if (continues(st, &li))
            return rec_append(st, ln, li.body);
        int rc = rec_emit(st, sink);
        st->pending_empty = 0;
        if (rc != 0)
            return rc;
        return rec_start(st, ln->text, ln->len, &li, off, ln->raw_end);
    }
}

static int ign_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct ign_state *st = vst;
    const char *p = ln->text;
    size_t n = ln->len;
    struct fl_str viewer_ts = FL_STR_NULL;
    size_t strip = match_viewer(p, n, &viewer_ts);
    p += strip;
    n -= strip;
    if (n == 0) {
        /* An empty unprefixed line is no record; kept only if the record goes on (DESIGN.md). */
        if (st->r.is_open)
            st->pending_empty++;
        return 0;
    }
    return feed_text(st, ln, p, n, viewer_ts, ln->raw_off, sink);
}

static int ign_flush(void *vst, const struct fl_sink *sink)
{
    struct ign_state *st = vst;
    st->pending_empty = 0;
    return rec_emit(st, sink);
}

static void ign_close(void *vst)
{
    struct ign_state *st = vst;
    if (!st)
        return;
    fl_ignition_cls_free(st->cls);
    pcre2_match_data_free(st->md);
    fl_arena_free(&st->arena);
    fl_buf_free(&st->text);
    free(st);
}

static void *ign_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    pthread_once(&torn_once, torn_compile);
    if (!torn_code) {
        fl_err_set(err, cfg ? cfg->file : NULL, 0, UINT64_MAX,
                   "ignition: cannot compile the torn-line pattern");
        return NULL;
    }
    struct ign_state *st = calloc(1, sizeof *st);
    if (!st)
        goto out_nomem;
    st->tz = cfg && cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    fl_arena_init(&st->arena, ARENA_BLOCK_BYTES);
    fl_buf_init(&st->text, MAX_RECORD_BYTES);
    st->md = pcre2_match_data_create_from_pattern(torn_code, NULL);
    if (!st->md)
        goto out_nomem;
    st->cls = fl_ignition_cls_new(err);
    if (!st->cls) {
        ign_close(st);
        return NULL;
    }
    return st;
out_nomem:
    fl_err_set(err, cfg ? cfg->file : NULL, 0, UINT64_MAX, "ignition: out of memory");
    ign_close(st);
    return NULL;
}

/* --source auto: the share of the first lines in an Ignition layout. Wrapper and container
 * prefixes (L1, L4, L5, a torn L9 line; behind a viewer prefix too) are distinctive; bare
 * logback bodies and web copies (L8) count for less. Plain text never counts: every source
 * has it. */
static int ign_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                     size_t n_lines)
{
    size_t strong = 0, weak = 0, total = 0;
    pthread_once(&torn_once, torn_compile);
    pcre2_match_data *md = torn_code ? pcre2_match_data_create_from_pattern(torn_code, NULL) : NULL;
    for (size_t k = 0; k < n_lines && total < PROBE_MAX_LINES; k++) {
        const char *p = lines[k].text;
        size_t n = lines[k].len;
        struct fl_str vts;
        size_t strip = match_viewer(p, n, &vts);
        p += strip;
        n -= strip;
        if (n == 0)
            continue;
        total++;
        struct ign_line li = {0};
        if (match_l1(p, n, &li) || match_l4_l5(p, n, false, &li)) {
            strong++;
            continue;
        }
        if (md && n >= 20 && memchr(p + 1, '|', n - 1) &&
            pcre2_match(torn_code, (PCRE2_SPTR)p, n, 1, 0, md, NULL) >= 0) {
            strong++;
            continue;
        }
        memset(&li, 0, sizeof li);
        if (match_l4_l5(p, n, true, &li)) {
            strong++; /* "jvm N |", "wrapper |", "init |": no other source starts so */
            continue;
        }
        li.body = fl_str_make(p, n);
        read_body(&li);
        if (li.kind != BODY_PLAIN)
            weak++;
    }
    pcre2_match_data_free(md);
    if (total == 0 || strong + weak == 0)
        return 0;
    unsigned share = (unsigned)(100 * (strong + weak) / total);
    if (strong)
        return (int)(60 + share * 40 / 100);
    return (int)(20 + share * 40 / 100);
}

extern const struct fl_parser fl_parser_ignition;
const struct fl_parser fl_parser_ignition = {
    .source = SOURCE,
    .is_binary = false,
    .probe = ign_probe,
    .open = ign_open,
    .feed = ign_feed,
    .flush = ign_flush,
    .close = ign_close,
};
