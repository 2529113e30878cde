/* parsers/ignition_cls.c: what an Ignition record means, for wrapper.log and system_logs.idb.
 *
 * Both paths (parsers/ignition.c, parsers/ignition_idb.c) hand a record's whole text here,
 * so that they name a fault alike: the category from the §8 catalog (else from the OPC UA
 * status the text names), the code (§7: the first status named, else the first hex), and
 * the attrs §7 extracts (status_hex, endpoint, peer, port, http_status, gateway_error). The
 * field rules both paths share (logback level -> severity, MDC pair -> attr) are here too.
 * Taking a record apart into lines and fields is left to the callers.
 *
 * Speed: classification runs once per record, and most records of a wrapper.log hold
 * nothing the catalog looks for; a literal prefilter (the anchors below) skips the PCRE2
 * alternation for them. Views it adds point into the record's text or the caller's arena. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/catalog.h"
#include "parsers/ignition.h"
#include "parsers/opcua.h"
#include "schemas/event.h"

/* ---------------------------------------------------------------------------------------
 * Field rules both paths share: logback level (§6 rule 1), MDC pairs (§3). */

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
