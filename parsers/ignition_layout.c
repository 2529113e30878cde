/* parsers/ignition_layout.c: the layouts of one Ignition wrapper.log line, matched by hand.
 *
 * formats/ignition.md names each layout by a PCRE2 pattern: the log viewer prefix (L6), the
 * wrapper prefixes (L1 host install, L4 container, L5 container without time), the bodies
 * (L2 logback 8.x, L3 logback 7.x, L7 logback status, L8 a copy of the gateway's web page)
 * and the head of a torn line (L9). Here each pattern is quoted above its matcher, and the
 * matcher fills a struct ign_line with views into the line. The L2 MDC rule and the stack
 * shapes of §4 (stack lines, exception headers; the idb reader uses these too) live here
 * as well. Which layout a line gets, and what a record makes of it, is parsers/ignition.c's
 * business; finding the torn line's split point (a PCRE2 search) too.
 *
 * Speed: every line of a wrapper.log goes through here (the bench pushes 2M lines), so the
 * hot layouts (L1/L4/L5/L6, L2, L3, L7, L8, stack shapes) are matched by hand. Each matcher
 * is a transcription of the note's PCRE2 pattern, and none of them can backtrack (every
 * variable part ends at the first occurrence of a byte it cannot contain), so the hand
 * version accepts exactly what the regex accepts (checked against PCRE2 on mutated lines).
 * Nothing here allocates. */
#include <string.h>

#include "core/buf.h"
#include "parsers/ignition.h"
#include "schemas/event.h"

/* ---------------------------------------------------------------------------------------
 * Character classes (the predicates are inline in parsers/ignition.h). */

#define R4(x) x, x, x, x
#define R8(x) R4(x), R4(x)
#define R16(x) R8(x), R8(x)
/* One lookup per byte on the hot path instead of chains of comparisons. */
const unsigned char fl_ignition_cclass[256] = {
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

/* ---------------------------------------------------------------------------------------
 * Wrapper prefixes (L1, L4, L5), viewer prefixes (L6) and bodies (L2, L3, L7, L8). */


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
    const unsigned char *u = (const unsigned char *)p, *cclass = fl_ignition_cclass;
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
bool fl_ignition_match_l1(const char *p, size_t n, struct ign_line *li)
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
bool fl_ignition_match_l4_l5(const char *p, size_t n, bool allow_l5, struct ign_line *li)
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
size_t fl_ignition_match_viewer(const char *p, size_t n, struct fl_str *ts)
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
    if (!fl_ignition_match_l4_l5(p + i, n - i, true, &probe_li))
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
void fl_ignition_read_body(struct ign_line *li)
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
 * Torn heads (L9) and lines with no layout. */

/* A torn head is what a dying JVM wrote before the restarted wrapper's line: its prefix
 * counts as far as it is whole. As in L1, a level column needs "| " and a wsrc after it;
 * without one, the head may start with a container's wsrc (L4/L5, "init" included). */
bool fl_ignition_match_torn_head(const char *p, size_t n, struct ign_line *li)
{
    size_t i = match_wlevel(p, n), ws;
    li->wlevel = fl_str_make(p, i);
    if (i) {
        if (!match_bar(p, n, &i) || i >= n || !is_sp((unsigned char)p[i]))
            i = n;
        else
            i++;
    }
    ws = i < n ? match_wsrc(p + i, n - i, i == 0) : 0;
    if (!ws)
        return false;
    li->wsrc = fl_str_make(p + i, ws);
    i += ws;
    if (match_bar(p, n, &i) && i < n && is_sp((unsigned char)p[i]) &&
        SHAPE(p + i + 1, n - i - 1, "dddd/dd/dd dd:dd:dd"))
        li->wdt = fl_str_make(p + i + 1, 19);
    return true;
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

bool fl_ignition_has_no_layout(const char *p, size_t n)
{
    return is_damaged_prefix(p, n) || is_junk(p, n);
}

/* ---------------------------------------------------------------------------------------
 * L2's MDC pairs. */

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

size_t fl_ignition_mdc_start(const char *m, size_t n)
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

void fl_ignition_mdc_to_attrs(struct fl_event *ev, const char *p, size_t n)
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
