/* parsers/opcua.c: the OPC UA status table (name, hex, description, category) and the scan
 * that finds status codes in a record's text.
 *
 * The raw rows come from build/gen/opcua_table.c (generated from data/opcua-status-codes.csv);
 * on first use they are turned into struct fl_opcua_status entries plus three sorted indexes
 * (name, high 16 bits of the value, normalised description) and a small hash of the first
 * eight bytes of the categorised descriptions. Built once under pthread_once and never
 * changed afterwards, so lookups and scans are thread-safe and allocate nothing.
 *
 * The scan (fl_opcua_scan) runs on every record, and most records carry no code at all. It
 * finds word starts 16 bytes at a time (SSE2; a branch-free byte loop elsewhere) and looks
 * closer only at a word whose first two bytes can begin something it wants: "Ba"/"Go"/"Un"
 * (names), "0x" (hex), "no"/"un"/"Su" (untrusted phrases), or the start of a categorised
 * description. No regex. This module never decides a record's category: it reports what
 * the text says, and the parser applies its catalog first. */
#include "parsers/opcua.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/opcua_table.h"

/* Categories of the connection and security codes: opcua-status-codes.md §2. The Issuer*
 * certificate codes are not in that table but are in ignition.md §8 row 2 (any
 * Bad_Certificate\w+), and kepware.md §6 classifies status codes "with the same families as
 * Ignition": listing them here keeps a code's category the same whichever source logs it.
 * Every name here must be a CSV row (a unit test looks each one up). */
static const struct {
    const char *name; /* CSV form, no underscore */
    const char *category;
} status_categories[] = {
    {"BadSecurityChecksFailed", "opcua.cert_rejected"},
    {"BadCertificateInvalid", "opcua.cert_rejected"},
    {"BadCertificateTimeInvalid", "opcua.cert_rejected"},
    {"BadCertificateIssuerTimeInvalid", "opcua.cert_rejected"},
    {"BadCertificateHostNameInvalid", "opcua.cert_rejected"},
    {"BadCertificateUriInvalid", "opcua.cert_rejected"},
    {"BadCertificateUseNotAllowed", "opcua.cert_rejected"},
    {"BadCertificateIssuerUseNotAllowed", "opcua.cert_rejected"},
    {"BadCertificateRevoked", "opcua.cert_rejected"},
    {"BadCertificateIssuerRevoked", "opcua.cert_rejected"},
    {"BadCertificateRevocationUnknown", "opcua.cert_rejected"},
    {"BadCertificateIssuerRevocationUnknown", "opcua.cert_rejected"},
    {"BadCertificateChainIncomplete", "opcua.cert_rejected"},
    {"BadCertificatePolicyCheckFailed", "opcua.cert_rejected"},
    {"BadNoValidCertificates", "opcua.cert_rejected"},
    {"BadCertificateUntrusted", "opcua.cert_untrusted"},
    {"BadConnectionRejected", "opcua.connect_refused"},
    {"BadTimeout", "opcua.connect_timeout"},
    {"BadRequestTimeout", "opcua.connect_timeout"},
    {"BadConnectionClosed", "opcua.session_lost"},
    {"BadDisconnect", "opcua.session_lost"},
    {"BadSecureChannelClosed", "opcua.session_lost"},
    {"BadSessionClosed", "opcua.session_lost"},
    {"BadSessionIdInvalid", "opcua.session_lost"},
    {"BadServerHalted", "opcua.session_lost"},
    {"BadShutdown", "opcua.session_lost"},
    {"BadServerNotConnected", "opcua.session_lost"},
    {"BadNotConnected", "opcua.session_lost"},
    {"BadSubscriptionIdInvalid", "opcua.subscription_failed"},
    {"BadNoSubscription", "opcua.subscription_failed"},
    {"BadTooManySubscriptions", "opcua.subscription_failed"},
    {"BadNoCommunication", "device.comm_timeout"},
};

/* Longest accepted name; the CSV's longest is 62 bytes. Longer words are never codes. */
#define NAME_MAX_BYTES 96
/* Slots of the description first-eight-bytes hash (power of two, well over 2x the keys). */
#define DESC_SLOTS 128

struct desc_slot {
    uint64_t key;   /* first 8 bytes of the description, each byte | 0x20 */
    uint16_t first; /* first index into desc_scan[] with this key */
    uint16_t count; /* 0 = empty slot */
};

static struct {
    struct fl_opcua_status *status; /* in CSV order */
    const char **desc_norm;         /* per row: lower case, one trailing '.' removed */
    size_t *desc_norm_len;
    uint16_t *by_name;   /* row indexes sorted by CSV name */
    uint16_t *by_hex;    /* row indexes sorted by high 16 bits */
    uint16_t *by_desc;   /* row indexes sorted by desc_norm, CSV order on ties */
    uint16_t *desc_scan; /* categorised rows, grouped by desc key */
    struct desc_slot desc_slots[DESC_SLOTS];
    size_t n; /* 0 when init could not allocate: every lookup misses */
    const struct fl_opcua_status *untrusted;
} tab;

static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

/* Byte classes for the scan. W is \w as PCRE2 has it without UCP: [A-Za-z0-9_]. */
enum {
    C_WORD = 1,
    C_NAME = 2,      /* B G U */
    C_HEX = 4,       /* 0 */
    C_UNTRUSTED = 8, /* n N u U S */
    C_DESC = 16,     /* first letter of a categorised description, either case */
};
static uint8_t byte_class[256];
/* Bit (a | b << 8) is set when a word starting with the bytes a, b may begin something the
 * scan looks for ("Ba", "0x", "no", "th", ...). Testing the first two bytes instead of one
 * keeps words like "bar" or "cache" out of the slow path; 8 KiB stays in L1. */
static uint8_t start_pair[8192];

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

static void pair_add(int a, int b)
{
    unsigned h = (unsigned)(unsigned char)a | (unsigned)(unsigned char)b << 8;
    start_pair[h >> 3] |= (uint8_t)(1u << (h & 7));
}

static void pair_add_nocase(int a, int b)
{
    pair_add(lower(a), lower(b));
    pair_add(lower(a), upper(b));
    pair_add(upper(a), lower(b));
    pair_add(upper(a), upper(b));
}

static bool is_prefix_name(const char *p, size_t n)
{
    return (n == 3 && memcmp(p, "Bad", 3) == 0) || (n == 4 && memcmp(p, "Good", 4) == 0) ||
           (n == 9 && memcmp(p, "Uncertain", 9) == 0);
}

/* Length of the Good/Uncertain/Bad prefix of p, or 0. */
static size_t prefix_len(const char *p, size_t n)
{
    if (n >= 3 && memcmp(p, "Bad", 3) == 0)
        return 3;
    if (n >= 4 && memcmp(p, "Good", 4) == 0)
        return 4;
    if (n >= 9 && memcmp(p, "Uncertain", 9) == 0)
        return 9;
    return 0;
}

/* Reads 8 bytes as a case-folded key. |0x20 folds ASCII letters and leaves the bytes that
 * occur in descriptions (space, '.', ',', digits) alone; a match is confirmed afterwards. */
static uint64_t desc_key(const char *p)
{
    uint64_t k;
    memcpy(&k, p, 8);
    return k | 0x2020202020202020ULL;
}

static size_t desc_slot_of(uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 57) & (DESC_SLOTS - 1);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(tab.status[*(const uint16_t *)a].name, tab.status[*(const uint16_t *)b].name);
}

static int cmp_hex(const void *a, const void *b)
{
    uint32_t x = tab.status[*(const uint16_t *)a].hex >> 16;
    uint32_t y = tab.status[*(const uint16_t *)b].hex >> 16;
    return x < y ? -1 : x > y;
}

/* Ties keep CSV order, so by_desc returns the first row of duplicated descriptions
 * ("No data exists ...": BadNoData before GoodNoData). */
static int cmp_desc(const void *a, const void *b)
{
    uint16_t i = *(const uint16_t *)a, j = *(const uint16_t *)b;
    int c = strcmp(tab.desc_norm[i], tab.desc_norm[j]);
    return c ? c : (i > j) - (i < j);
}

static int cmp_desc_key(const void *a, const void *b)
{
    uint64_t x = desc_key(tab.desc_norm[*(const uint16_t *)a]);
    uint64_t y = desc_key(tab.desc_norm[*(const uint16_t *)b]);
    if (x != y)
        return x < y ? -1 : 1;
    return cmp_desc(a, b);
}

static void classes_init(void)
{
    for (int c = 0; c < 256; c++) {
        bool is_word =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        byte_class[c] = is_word ? C_WORD : 0;
    }
    byte_class['B'] |= C_NAME;
    byte_class['G'] |= C_NAME;
    byte_class['U'] |= C_NAME;
    byte_class['0'] |= C_HEX;
    byte_class['n'] |= C_UNTRUSTED;
    byte_class['N'] |= C_UNTRUSTED;
    byte_class['u'] |= C_UNTRUSTED;
    byte_class['U'] |= C_UNTRUSTED;
    byte_class['S'] |= C_UNTRUSTED;
    pair_add('B', 'a');
    pair_add('G', 'o');
    pair_add('U', 'n');
    pair_add('0', 'x');
    pair_add_nocase('n', 'o'); /* not trusted */
    pair_add_nocase('u', 'n'); /* unable to find valid certification path */
    pair_add('S', 'u');        /* SunCertPathBuilderException */
}

/* Free-text description matching uses only the rows that have a category. Generic
 * descriptions of uncategorised rows ("The operation failed.", "Not enough memory to
 * complete the operation.", "An internal error occurred ...") would turn ordinary
 * application messages into OPC UA codes that change nothing downstream. Categorised
 * descriptions are kept even when generic ("The operation timed out." -> Bad_Timeout,
 * "The network connection has been closed." -> Bad_ConnectionClosed): Milo 0.2 and the .NET
 * stack print only the description, and the record needs its category. The price is that a
 * non-OPC "The operation timed out." in a record with no other code reads as Bad_Timeout.
 * fl_opcua_by_desc (an exact lookup of a field the text labels as a description) uses every
 * row. */
static void desc_scan_init(void)
{
    size_t n_scan = 0;
    /* every categorised description is far longer than the 8 bytes of the key */
    for (size_t i = 0; i < tab.n; i++)
        if (tab.status[i].category && tab.desc_norm_len[i] >= 8)
            tab.desc_scan[n_scan++] = (uint16_t)i;
    qsort(tab.desc_scan, n_scan, sizeof tab.desc_scan[0], cmp_desc_key);
    for (size_t k = 0; k < n_scan;) {
        const char *d = tab.desc_norm[tab.desc_scan[k]];
        uint64_t key = desc_key(d);
        size_t end = k + 1;
        while (end < n_scan && desc_key(tab.desc_norm[tab.desc_scan[end]]) == key)
            end++;
        size_t s = desc_slot_of(key);
        while (tab.desc_slots[s].count)
            s = (s + 1) & (DESC_SLOTS - 1);
        tab.desc_slots[s] = (struct desc_slot){key, (uint16_t)k, (uint16_t)(end - k)};
        byte_class[(unsigned char)d[0]] |= C_DESC;
        byte_class[upper((unsigned char)d[0])] |= C_DESC;
        pair_add_nocase((unsigned char)d[0], (unsigned char)d[1]);
        k = end;
    }
}

/* Builds everything with one allocation for the arrays and one for the strings. On failure
 * the table stays empty: lookups miss, scans find nothing, nothing crashes. */
static void tab_init(void)
{
    classes_init();
    size_t n = fl_opcua_n_rows;
    if (n == 0 || n > UINT16_MAX)
        return;
    size_t text_bytes = 0;
    for (size_t i = 0; i < n; i++)
        text_bytes += strlen(fl_opcua_rows[i].name) + 2 + strlen(fl_opcua_rows[i].desc) + 1;
    size_t arr_bytes = n * (sizeof *tab.status + sizeof *tab.desc_norm + sizeof *tab.desc_norm_len +
                            4 * sizeof(uint16_t));
    char *arr = calloc(1, arr_bytes);
    char *text = malloc(text_bytes);
    if (!arr || !text) {
        free(arr);
        free(text);
        return;
    }
    tab.status = (struct fl_opcua_status *)arr;
    tab.desc_norm = (const char **)(tab.status + n);
    tab.desc_norm_len = (size_t *)(tab.desc_norm + n);
    tab.by_name = (uint16_t *)(tab.desc_norm_len + n);
    tab.by_hex = tab.by_name + n;
    tab.by_desc = tab.by_hex + n;
    tab.desc_scan = tab.by_desc + n;
    tab.n = n;

    char *w = text;
    for (size_t i = 0; i < n; i++) {
        const struct fl_opcua_row *r = &fl_opcua_rows[i];
        struct fl_opcua_status *s = &tab.status[i];
        size_t name_len = strlen(r->name);
        size_t pre = prefix_len(r->name, name_len);
        s->name = r->name;
        s->hex = r->hex;
        s->desc = r->desc;
        s->canonical = w;
        memcpy(w, r->name, pre);
        w += pre;
        if (pre && pre < name_len)
            *w++ = '_';
        memcpy(w, r->name + pre, name_len - pre + 1);
        w += name_len - pre + 1;

        size_t d_len = strlen(r->desc);
        if (d_len && r->desc[d_len - 1] == '.')
            d_len--;
        tab.desc_norm[i] = w;
        tab.desc_norm_len[i] = d_len;
        for (size_t k = 0; k < d_len; k++)
            *w++ = (char)lower((unsigned char)r->desc[k]);
        *w++ = '\0';

        for (size_t k = 0; k < sizeof status_categories / sizeof status_categories[0]; k++)
            if (strcmp(status_categories[k].name, r->name) == 0)
                s->category = status_categories[k].category;
        if (strcmp(r->name, "BadCertificateUntrusted") == 0)
            tab.untrusted = s;
        tab.by_name[i] = tab.by_hex[i] = tab.by_desc[i] = (uint16_t)i;
    }
    qsort(tab.by_name, n, sizeof tab.by_name[0], cmp_name);
    qsort(tab.by_hex, n, sizeof tab.by_hex[0], cmp_hex);
    qsort(tab.by_desc, n, sizeof tab.by_desc[0], cmp_desc);
    desc_scan_init();
}

static void tab_ready(void)
{
    pthread_once(&tab_once, tab_init);
}

/* p[0..n) starts with a prefix of pre bytes (Bad, Good, Uncertain); one '_' right after it
 * is dropped, as the CSV spells names without it. */
static const struct fl_opcua_status *lookup_name(const char *p, size_t pre, size_t n)
{
    char key[NAME_MAX_BYTES + 1];
    size_t rest_at = pre;
    if (rest_at < n && p[rest_at] == '_')
        rest_at++;
    size_t key_len = pre + (n - rest_at);
    if (key_len == pre || key_len > NAME_MAX_BYTES)
        return NULL; /* bare Good/Bad/Uncertain are severities, not codes */
    memcpy(key, p, pre);
    memcpy(key + pre, p + rest_at, n - rest_at);
    key[key_len] = '\0';
    size_t lo = 0, hi = tab.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, tab.status[tab.by_name[mid]].name);
        if (c == 0)
            return &tab.status[tab.by_name[mid]];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct fl_opcua_status *fl_opcua_by_name(const char *p, size_t n)
{
    tab_ready();
    if (!p || is_prefix_name(p, n))
        return NULL;
    size_t pre = prefix_len(p, n);
    return pre ? lookup_name(p, pre, n) : NULL;
}

const struct fl_opcua_status *fl_opcua_by_hex(uint32_t hex)
{
    tab_ready();
    uint32_t hi16 = hex >> 16;
    size_t lo = 0, hi = tab.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t v = tab.status[tab.by_hex[mid]].hex >> 16;
        if (v == hi16)
            return &tab.status[tab.by_hex[mid]];
        if (hi16 < v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* strcmp of lower(p[0..n)) against the NUL-terminated lower-case d. */
static int cmp_lower(const char *p, size_t n, const char *d)
{
    for (size_t i = 0; i < n; i++) {
        int a = lower((unsigned char)p[i]), b = (unsigned char)d[i];
        if (b == 0 || a != b)
            return b == 0 ? 1 : a - b;
    }
    return d[n] ? -1 : 0;
}

const struct fl_opcua_status *fl_opcua_by_desc(const char *p, size_t n)
{
    tab_ready();
    if (!p)
        return NULL;
    if (n && p[n - 1] == '.')
        n--;
    size_t lo = 0, hi = tab.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_lower(p, n, tab.desc_norm[tab.by_desc[mid]]) <= 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    /* lo is the first row not below the key: with ties, the first in CSV order. */
    if (lo < tab.n && cmp_lower(p, n, tab.desc_norm[tab.by_desc[lo]]) == 0)
        return &tab.status[tab.by_desc[lo]];
    return NULL;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static bool eq_nocase(const char *p, size_t avail, const char *lit, size_t lit_len)
{
    if (avail < lit_len)
        return false;
    for (size_t i = 0; i < lit_len; i++)
        if (lower((unsigned char)p[i]) != lit[i])
            return false;
    return true;
}

/* What the scan has seen so far. */
struct scan_state {
    const struct fl_opcua_status *first;      /* first name or UA hex */
    const struct fl_opcua_status *first_desc; /* first categorised description */
    bool is_untrusted;
    bool has_hex;
    uint32_t first_hex;
};

/* A word at p[0..len) that starts with B/G/U: a status name? Words hold '_' (it is \w), so
 * a name is the whole word. That accepts the CSV rows with an inner underscore
 * (BadEdited_OutOfRange), which the note's regex cannot reach because \b never falls
 * before '_'; for every other word it agrees with the regex. */
static void scan_name(const char *p, size_t len, struct scan_state *st)
{
    size_t pre = prefix_len(p, len);
    if (!pre)
        return;
    size_t at = pre + (pre < len && p[pre] == '_');
    if (at >= len || p[at] < 'A' || p[at] > 'Z')
        return;
    const struct fl_opcua_status *s = lookup_name(p, pre, len);
    if (!s)
        return;
    if (s == tab.untrusted)
        st->is_untrusted = true;
    if (!st->first)
        st->first = s;
}

/* A word starting with '0': 0x + exactly 8 hex digits? */
static void scan_hex(const char *p, size_t len, struct scan_state *st)
{
    if (len != 10 || p[1] != 'x')
        return;
    uint32_t v = 0;
    for (size_t k = 2; k < 10; k++) {
        int d = hex_digit((unsigned char)p[k]);
        if (d < 0)
            return;
        v = v << 4 | (uint32_t)d;
    }
    if (!st->has_hex) {
        st->has_hex = true;
        st->first_hex = v;
    }
    if (st->first)
        return;
    /* The bare severity rows (0x0000xxxx Good, 0x4000xxxx Uncertain, 0x8000xxxx Bad) are not
     * taken as a status from free text, as their names are not: 0x00000000 and 0x80000000
     * are far more often a null handle or a flag word than a UA status. The hex itself stays
     * in first_hex. */
    const struct fl_opcua_status *s = fl_opcua_by_hex(v);
    if (s && (s->hex & 0x3FFF0000u))
        st->first = s;
}

/* The untrusted phrases of opcua-status-codes.md's precedence rule, at a word start. */
static void scan_untrusted(const char *p, size_t avail, struct scan_state *st)
{
    static const char not_trusted[] = "not trusted";
    static const char cert_path[] = "unable to find valid certification path";
    static const char sun_path[] = "SunCertPathBuilderException";
    if (eq_nocase(p, avail, not_trusted, sizeof not_trusted - 1) ||
        eq_nocase(p, avail, cert_path, sizeof cert_path - 1) ||
        (avail >= sizeof sun_path - 1 && memcmp(p, sun_path, sizeof sun_path - 1) == 0))
        st->is_untrusted = true;
}

/* A categorised description starting at p (a word start)? The longest one that matches
 * with a word boundary after it (the trailing period is optional). */
static void scan_desc(const char *p, size_t avail, struct scan_state *st)
{
    if (avail < 8)
        return;
    uint64_t key = desc_key(p);
    size_t s = desc_slot_of(key);
    while (tab.desc_slots[s].count && tab.desc_slots[s].key != key)
        s = (s + 1) & (DESC_SLOTS - 1);
    const struct desc_slot *slot = &tab.desc_slots[s];
    size_t best_len = 0;
    for (size_t k = slot->first; k < (size_t)slot->first + slot->count; k++) {
        uint16_t row = tab.desc_scan[k];
        size_t d_len = tab.desc_norm_len[row];
        if (d_len <= best_len || d_len > avail)
            continue;
        if (!eq_nocase(p, avail, tab.desc_norm[row], d_len))
            continue;
        if (d_len < avail && (byte_class[(unsigned char)p[d_len]] & C_WORD))
            continue;
        st->first_desc = &tab.status[row];
        best_len = d_len;
    }
}

/* Looks closer at the word starting at text[start]: the scan found a promising first pair. */
static void scan_word(const char *text, size_t n, size_t start, struct scan_state *st)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t end = start + 1;
    while (end < n && (byte_class[p[end]] & C_WORD))
        end++;
    unsigned cls = byte_class[p[start]];
    const char *w = text + start;
    if (cls & C_NAME)
        scan_name(w, end - start, st);
    if (cls & C_HEX)
        scan_hex(w, end - start, st);
    if ((cls & C_UNTRUSTED) && !st->is_untrusted)
        scan_untrusted(w, n - start, st);
    /* Descriptions count only when the text has no name or UA hex at all, so the first one
     * is all that is needed, and none once a status is known. */
    if ((cls & C_DESC) && !st->first && !st->first_desc)
        scan_desc(w, n - start, st);
}

static unsigned pair_is_promising(const unsigned char *p)
{
    unsigned pair = p[0] | (unsigned)p[1] << 8;
    return (start_pair[pair >> 3] >> (pair & 7)) & 1u;
}

/* Everything the scan looks for is at least two bytes long, so a word start is examined
 * only when a next byte exists. Both versions below visit the word starts in text order,
 * which the precedence rule ("first status in the text") relies on. */
#if defined(__SSE2__) && !defined(FL_OPCUA_SCALAR)
#include <emmintrin.h>

/* Bit k set when p[k] is a word byte ([A-Za-z0-9_]), for 16 bytes. */
static unsigned word_mask16(const unsigned char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* |0x20 maps exactly the letters of both cases onto 'a'..'z'; x <= max unsigned is
     * min_epu8(x, max) == x, SSE2 having no unsigned compare. */
    __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(25)), letter);
    __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
    __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), under));
}

/* 16 bytes at a time: word starts come from the word mask, and only those go through the
 * pair test; ordinary text costs about two vector instructions per byte. */
static void scan_starts(const char *text, size_t n, struct scan_state *st)
{
    const unsigned char *p = (const unsigned char *)text;
    unsigned prev_is_word = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        unsigned words = word_mask16(p + i);
        unsigned starts = words & ~(words << 1 | prev_is_word);
        prev_is_word = words >> 15;
        while (starts) {
            size_t at = i + (size_t)__builtin_ctz(starts);
            starts &= starts - 1;
            if (at + 1 < n && pair_is_promising(p + at))
                scan_word(text, n, at, st);
        }
    }
    for (; i < n; i++) {
        unsigned is_word = byte_class[p[i]] & C_WORD;
        if (is_word && !prev_is_word && i + 1 < n && pair_is_promising(p + i))
            scan_word(text, n, i, st);
        prev_is_word = is_word;
    }
}
#else
/* Positions per batch of candidate word starts (a stack array). */
#define SCAN_BATCH 512

/* The loop has no data-dependent branch: a word start with a promising pair is written to
 * cand[] and kept by advancing k, so ordinary text costs a few instructions per byte. */
static void scan_starts(const char *text, size_t n, struct scan_state *st)
{
    const unsigned char *p = (const unsigned char *)text;
    uint16_t cand[SCAN_BATCH]; /* offsets from the batch start */
    unsigned prev_is_word = 0;
    size_t i = 0;
    while (i + 1 < n) {
        size_t base = i;
        size_t stop = (n - 1 - i > SCAN_BATCH) ? i + SCAN_BATCH : n - 1;
        size_t k = 0;
        for (; i < stop; i++) {
            cand[k] = (uint16_t)(i - base);
            k += pair_is_promising(p + i) & ~prev_is_word;
            prev_is_word = byte_class[p[i]] & C_WORD;
        }
        for (size_t j = 0; j < k; j++)
            scan_word(text, n, base + cand[j], st);
    }
}
#endif

bool fl_opcua_scan(const char *text, size_t n, struct fl_opcua_hit *hit)
{
    tab_ready();
    struct scan_state st = {0};
    scan_starts(text, n, &st);

    hit->has_hex = st.has_hex;
    hit->first_hex = st.has_hex ? st.first_hex : 0;
    hit->is_untrusted = st.is_untrusted && tab.untrusted;
    if (hit->is_untrusted)
        hit->status = tab.untrusted;
    else if (st.first)
        hit->status = st.first;
    else
        hit->status = st.first_desc;
    return hit->status != NULL;
}

void fl_hex32_format(uint32_t v, char out[11])
{
    static const char digits[] = "0123456789ABCDEF";
    out[0] = '0';
    out[1] = 'x';
    for (int k = 0; k < 8; k++)
        out[2 + k] = digits[(v >> (28 - 4 * k)) & 0xF];
    out[10] = '\0';
}
