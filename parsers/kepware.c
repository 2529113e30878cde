/* parsers/kepware.c: Kepware KEPServerEX / Kepware Server event-log rows (formats/kepware.md).
 *
 * One line is one record: `<date> <time> <Level> <Source> <Event>`, copied or exported from
 * the Configuration client's Event Log pane, with TABs, padded or single spaces between the
 * columns. The row regex of kepware.md §2 finds date, time and level; the Source has spaces
 * in it, so it is cut off by a TAB when there is one, else by the source dictionary (longest
 * entry), the suffix rule (`\Runtime`, ` Plug-in`, ` Driver`, ` Client`) or the first token.
 * The Event text is then classified against the §4 message catalogue (a table below, first
 * row wins), with the OPC UA status rules of §6 for the rows that say "by status code", and
 * its V6 `| Key = 'value'` parameters and inline names become attrs (§5 Fields).
 *
 * Header rows (`Date Time Level Source Event`) give no event wherever they sit. A line that
 * fits no row layout but is, as a whole, one of the catalogue's messages is a bare message
 * text (the corpus's Kepware UA client quote): an undated record, classified. Anything else
 * is unparsed. There are no multi-line records, so feed emits at once and flush has nothing
 * to do. Decoding, offsets and ids are the stream's job (parsers/stream.c).
 *
 * Per line: one JIT match of the row regex, one catalog pass, a few memmem scans; no
 * allocation (event strings are views into the line or into fixed buffers of the state). */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "parsers/catalog.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"

/* kepware.md §2, with one widening: the year may have 2 digits, since §5 says how to read
 * one (2000 + YY). Groups by number: 1 date, 2 time, 3 level, 4 rest. */
static const char ROW_PATTERN[] =
    "^(?<date>\\d{1,2}[-/.]\\d{1,2}[-/.](?:\\d{4}|\\d{2}))[ \\t]+"
    "(?<time>\\d{1,2}:\\d{2}:\\d{2}(?:[ \\t]?[AP]M)?)[ \\t]+"
    "(?<level>Information|Warning|Error|Security)[ \\t]+(?<rest>.*)$";

/* Source names known to be multi-word or otherwise worth matching whole (§2). The
 * unconfirmed renamed runtimes (`KepwareServer\Runtime`, ...) are left to the suffix rule. */
static const char *const DEFAULT_SOURCES[] = {
    "KEPServerEX\\Runtime", "Licensing",   "Data Logger Plug-in",
    "OPC DA Client",        "OPC UA Client", "Modbus TCP/IP Ethernet",
    "Allen-Bradley ControlLogix Ethernet", "Simulator", "IoT Gateway",
    "OPC UA Gateway",
};

/* Suffixes of the source suffix rule (§2). `\Runtime` needs no space before it. */
static const char *const SOURCE_SUFFIXES[] = {"\\Runtime", " Plug-in", " Driver", " Client"};

/* Attributes a catalogue row's own wording carries (the generic ones are found in every
 * row: `on device '…'`, `for '<item>' on device`, `Item error:`, `| Key = value`, tcp://). */
enum kep_extract {
    EX_NONE,
    EX_READ_TIMEOUT,   /* Read request timeout on device <device>. */
    EX_NOT_RESPONDING, /* Device <device> is not responding. */
    EX_UNABLE_WRITE,   /* Unable to write to <address> on device <device>. */
    EX_COMM_ERROR,     /* Communications error on <channel> [<mask>]. */
    EX_COM_PORT,       /* COMn is in use / Error opening COMn. */
    EX_ATTEMPT_ITEM,   /* Attempt to add item '<name>' failed. */
    EX_ON_CHANNEL,     /* ... on channel <channel>. / to make ... / due to ... */
    EX_FEATURE_EXPIRE, /* Feature <name> is time limited and will expire at <when>. */
    EX_TIER_FEATURE,   /* ... for feature '<feature>' is invalid */
    EX_SESSION_USER,   /* Configuration session started by <user> as <group> (R/W). */
    EX_ACCOUNT,        /* Account '<name>' does not have permission ... */
};

/* One row of the §4 catalogue. Patterns are the templates with `<…>` as `.+?`, anchored at the
 * start of the Event text; END lets a template end the text, or be followed by a V6
 * ` | Key = …` tail, with or without its final period. */
struct kep_tmpl {
    const char *pattern;
    const char *category;  /* when !is_by_status ("unclassified" spelled out) */
    bool is_by_status;     /* §6: the status code's category, else fallback */
    const char *fallback;  /* by-status rows: NULL = unclassified */
    const char *help_level; /* "Level (help)" column: severity of a bare message; NULL = "?" */
    enum kep_extract ex;
};

#define END "\\.?(?:$| \\|)"
#define UNCL "unclassified"
static const struct kep_tmpl TEMPLATES[] = {
    {"^Write request timeout on device '.+?'" END, "device.comm_timeout", false, NULL,
     "Warning", EX_NONE},
    {"^Read request timeout on device .+?" END, "device.comm_timeout", false, NULL, "Warning",
     EX_READ_TIMEOUT},
    {"^Device .+? is not responding" END, "device.comm_timeout", false, NULL, "Warning",
     EX_NOT_RESPONDING},
    {"^Unable to write to .+? on device .+?" END, UNCL, false, NULL, "Warning", EX_UNABLE_WRITE},
    {"^.+? \\| Unable to write to address on device\\. \\| Address = '.+?'" END, UNCL, false,
     NULL, "Warning", EX_NONE},
    {"^Communications error on .+? \\[.+?\\]" END, UNCL, false, NULL, "Warning", EX_COMM_ERROR},
    {"^COM\\d+ is in use by another application" END, "net.port_in_use", false, NULL, "Error",
     EX_COM_PORT},
    {"^Error opening COM\\d+" END, UNCL, false, NULL, "Error", EX_COM_PORT},
    {"^Add item failed for '.+?' on device '.+?'\\. Item error: 0x.+? '.+?'" END, UNCL, false,
     NULL, "Warning", EX_NONE},
    {"^Async Write 2\\.0 failed for '.+?' on device '.+?'\\. Item error: 0x.+? '.+?'" END, UNCL,
     false, NULL, "Warning", EX_NONE},
    {"^Attempt to add item '.+?' failed" END, UNCL, false, NULL, "Error", EX_ATTEMPT_ITEM},
    {"^Channel failed to connect" END, NULL, true, NULL, "Error", EX_NONE},
    {"^Channel failed to connect\\. \\| Status description = '.+?', Status code = .+?" END,
     NULL, true, NULL, "Error", EX_NONE},
    {"^Channel failed to connect\\. (?:Please use|Use) the OPC UA Configuration Manager to "
     "ensure the client certificate is valid" END,
     NULL, true, "opcua.cert_rejected", "Error", EX_NONE},
    {"^Failed to connect to server on channel .+?\\. .+?" END, NULL, true, NULL, "Error",
     EX_ON_CHANNEL},
    {"^Failed to setup security on channel .+? to make a connection\\. Please use the OPC UA "
     "Configuration Manager to ensure client/server certificates are valid" END,
     "opcua.cert_rejected", false, NULL, "Error", EX_ON_CHANNEL},
    {"^Reconnecting server on channel .+? due to shutdown notification" END,
     "opcua.session_lost", false, NULL, "Warning", EX_ON_CHANNEL},
    {"^Add item failed on device\\. \\| Tag address = '.+?', Status description = '.+?', "
     "Status code = .+?" END,
     UNCL, false, NULL, "Warning", EX_NONE},
    {"^Created session with downstream server\\. \\| Endpoint URL = .+?" END, "opcua.connected",
     false, NULL, "Information", EX_NONE},
    {"^Failure while establishing session with downstream server\\. \\| Endpoint URL = .+?, "
     "Status code = .+?, Description = .+?" END,
     NULL, true, "opcua.connect_refused", "Error", EX_NONE},
    {"^Reconnecting session with downstream server\\. \\| Endpoint URL = .+?" END,
     "opcua.session_lost", false, NULL, "Warning", EX_NONE},
    {"^Closed session with downstream server\\. \\| Endpoint URL = .+?" END, UNCL, false, NULL,
     "Information", EX_NONE},
    {"^The endpoint is not supported by the server" END, UNCL, false, NULL, NULL, EX_NONE},
    {"^Feature .+? is time limited and will expire at .+?" END, "license.expiring", false, NULL,
     "Warning", EX_FEATURE_EXPIRE},
    {"^The tier information for feature '.+?' is invalid" END, "license.invalid", false, NULL,
     "Error", EX_TIER_FEATURE},
    {"^Runtime project replaced" END, "config.deploy", false, NULL, "Information", EX_NONE},
    {"^Configuration session started by .+? as .+? \\(R/W\\)" END, UNCL, false, NULL,
     "Security", EX_SESSION_USER},
    {"^Starting '.+?' device driver" END, "service.start", false, NULL, "Warning", EX_NONE},
    {"^Starting '.+?' plug-in" END, "service.start", false, NULL, "Information", EX_NONE},
    {"^Stopping '.+?' device driver" END, "service.stop", false, NULL, "Warning", EX_NONE},
    {"^Stopping '.+?' plug-in" END, "service.stop", false, NULL, "Information", EX_NONE},
    {"^No device driver DLLs were loaded" END, UNCL, false, NULL, "Error", EX_NONE},
    {"^Invalid project file: '.+?'" END, UNCL, false, NULL, "Error", EX_NONE},
    {"^Could not open project file: '.+?'" END, UNCL, false, NULL, "Error", EX_NONE},
    {"^Account '.+?' does not have permission to run this application" END, UNCL, false, NULL,
     "Error", EX_ACCOUNT},
    {"^Access to object denied\\. \\| User = '.+?', Object = '.+?', Permission = .+?" END, UNCL,
     false, NULL, NULL, EX_NONE},
    {"^Tag generation results for device '.+?'\\. \\| Tags created = .+?, Tags not overwritten "
     "= .+?" END,
     UNCL, false, NULL, "Information", EX_NONE},
    {"^MQTT agent .+? is connected to broker '.+?'" END, UNCL, false, NULL, "Information",
     EX_NONE},
};
#undef END
#define N_TEMPLATES (sizeof TEMPLATES / sizeof TEMPLATES[0])

/* §5 Severity. */
static const struct {
    const char *word;
    enum fl_severity severity;
} LEVELS[] = {
    {"Error", FL_SEV_ERROR},
    {"Warning", FL_SEV_WARNING},
    {"Information", FL_SEV_INFO},
    {"Security", FL_SEV_NOTICE},
};

/* V6 parameter keys (§3, §5 Fields) -> attrs. Status code is handled on its own (code). */
enum kep_key { KEY_ATTR, KEY_ATTR_IF_UNSET, KEY_STATUS_CODE };
static const struct {
    const char *key; /* compared case-insensitively */
    const char *attr;
    enum kep_key kind;
} PARAM_KEYS[] = {
    {"Address", "address", KEY_ATTR},
    {"Tag address", "address", KEY_ATTR},
    {"Endpoint URL", "endpoint", KEY_ATTR},
    {"Status description", "status_text", KEY_ATTR},
    {"Description", "status_text", KEY_ATTR},
    {"Status code", NULL, KEY_STATUS_CODE},
    {"User", "user", KEY_ATTR},
    {"ID", "device", KEY_ATTR_IF_UNSET},
    {"Device", "device", KEY_ATTR_IF_UNSET},
    {"Channel", "channel", KEY_ATTR},
    {"Item", "item", KEY_ATTR},
    {"Feature", "feature", KEY_ATTR},
    {"Log group", "log_group", KEY_ATTR},
};

struct kep_state {
    const struct fl_tz *tz;
    struct fl_tzfold fold;
    struct fl_dateorder dates;
    pcre2_code *row_re;
    pcre2_match_data *row_md;
    struct fl_catalog *catalog;
    struct fl_catalog_row *catalog_rows; /* built from TEMPLATES; outlives the catalog */
    struct fl_str *sources;              /* dictionary, longest first */
    size_t n_sources;
    uint64_t headers;                    /* header rows seen (also counted by the stream) */
    struct fl_event ev;
    /* Per-record text that is not a view into the line. */
    char ts_raw[64];
    char code[16];
    char status_hex[16];
    struct fl_str status_code; /* the `Status code = …` value as written, if any */
};

/* ------------------------------------------------------------------ small text helpers */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static struct fl_str str_trim_right(struct fl_str s)
{
    while (s.len && is_ws(s.p[s.len - 1]))
        s.len--;
    return s;
}

static const char *find(const char *p, size_t n, const char *lit)
{
    return memmem(p, n, lit, strlen(lit));
}

static bool starts_with(const char *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

static bool eq_nocase(struct fl_str s, const char *lit)
{
    size_t k = strlen(lit);
    if (s.len != k)
        return false;
    for (size_t i = 0; i < k; i++) {
        char a = s.p[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* The bytes from a up to b. */
static struct fl_str span(const char *a, const char *b)
{
    return fl_str_make(a, (size_t)(b - a));
}

/* A value as it ends a message or a V6 parameter: one final period off, then quotes off. */
static struct fl_str value_clean(struct fl_str v)
{
    v = str_trim_right(v);
    if (v.len && v.p[v.len - 1] == '.')
        v.len--;
    if (v.len >= 2 && v.p[0] == '\'' && v.p[v.len - 1] == '\'') {
        v.p++;
        v.len -= 2;
    }
    return v;
}

/* The text from p up to the first ` | ` (the V6 parameter tail) or the end. */
static struct fl_str up_to_params(const char *p, const char *end)
{
    const char *bar = find(p, (size_t)(end - p), " | ");
    return fl_str_make(p, (size_t)((bar ? bar : end) - p));
}

static void attr_set(struct fl_event *ev, const char *key, struct fl_str val)
{
    if (val.len)
        fl_event_attr_str(ev, key, val);
}

static void attr_set_if_unset(struct fl_event *ev, const char *key, struct fl_str val)
{
    if (val.len && !fl_event_attr_get(ev, key))
        fl_event_attr_str(ev, key, val);
}

/* `'<x>'` right after lit (searched anywhere in text): the quoted text, or empty. */
static struct fl_str quoted_after(const char *p, size_t n, const char *lit)
{
    const char *at = find(p, n, lit);
    if (!at)
        return FL_STR_NULL;
    const char *v = at + strlen(lit), *end = p + n;
    const char *q = memchr(v, '\'', (size_t)(end - v));
    return q ? fl_str_make(v, (size_t)(q - v)) : FL_STR_NULL;
}

/* ------------------------------------------------------------------ date and time */

static unsigned read_uint(const char **pp, const char *end)
{
    unsigned v = 0;
    const char *p = *pp;
    while (p < end && *p >= '0' && *p <= '9')
        v = v * 10 + (unsigned)(*p++ - '0');
    *pp = p;
    return v;
}

/* Reads the date and time groups of a row into local epoch ms. FL_EUNPARSED when the fields
 * are not a real date and time (31-02, 25:00, 13 PM). */
static int read_local_time(struct kep_state *st, struct fl_str date, struct fl_str time,
                           int64_t *local_ms)
{
    const char *p = date.p, *end = date.p + date.len;
    unsigned a = read_uint(&p, end);
    char sep = *p++;
    unsigned b = read_uint(&p, end);
    p++;
    const char *year_at = p;
    int64_t year = read_uint(&p, end);
    if (p - year_at == 2)
        year += 2000;
    enum fl_date_order dflt = sep == '/' ? FL_DO_MDY : FL_DO_DMY;
    unsigned mon, day;
    if (fl_dateorder_apply(&st->dates, dflt, a, b, &mon, &day) != 0)
        return FL_EUNPARSED;

    p = time.p;
    end = time.p + time.len;
    unsigned h = read_uint(&p, end);
    p++;
    unsigned mi = read_uint(&p, end);
    p++;
    unsigned s = read_uint(&p, end);
    while (p < end && is_ws(*p))
        p++;
    if (p < end) { /* AM / PM: 12-hour clock, 12 AM is midnight */
        if (h < 1 || h > 12)
            return FL_EUNPARSED;
        h = (*p == 'P' ? 12 : 0) + (h % 12);
    }
    if (!fl_civil_valid(year, mon, day, h, mi, s))
        return FL_EUNPARSED;
    *local_ms = fl_civil_ms(year, mon, day, h, mi, s, 0);
    return 0;
}

/* ------------------------------------------------------------------ source column */

/* Splits a row's rest into Source and Event (§2). */
static void split_source(const struct kep_state *st, struct fl_str rest, struct fl_str *source,
                         struct fl_str *event)
{
    const char *end = rest.p + rest.len;
    size_t cut = rest.len;
    const char *tab = memchr(rest.p, '\t', rest.len);
    if (tab) {
        cut = (size_t)(tab - rest.p);
    } else {
        bool found = false;
        for (size_t i = 0; i < st->n_sources && !found; i++) {
            struct fl_str s = st->sources[i];
            if (rest.len >= s.len && memcmp(rest.p, s.p, s.len) == 0 &&
                (rest.len == s.len || is_ws(rest.p[s.len]))) {
                cut = s.len;
                found = true;
            }
        }
        /* Shortest prefix ending in a suffix and followed by whitespace. */
        for (size_t i = 1; i < rest.len && !found; i++) {
            if (!is_ws(rest.p[i]))
                continue;
            for (size_t k = 0; k < sizeof SOURCE_SUFFIXES / sizeof SOURCE_SUFFIXES[0]; k++) {
                size_t sl = strlen(SOURCE_SUFFIXES[k]);
                if (i >= sl && memcmp(rest.p + i - sl, SOURCE_SUFFIXES[k], sl) == 0) {
                    cut = i;
                    found = true;
                    break;
                }
            }
        }
        if (!found) { /* the first token */
            cut = 0;
            while (cut < rest.len && !is_ws(rest.p[cut]))
                cut++;
        }
    }
    *source = str_trim_right(fl_str_make(rest.p, cut));
    const char *e = rest.p + cut;
    if (tab)
        e++;
    while (e < end && is_ws(*e))
        e++;
    *event = fl_str_make(e, (size_t)(end - e));
}

/* ------------------------------------------------------------------ fields */

/* Length of a V6 key at p (`[A-Za-z][A-Za-z0-9 _]*` followed by ` = `), or 0. */
static size_t key_at(const char *p, const char *end)
{
    if (p >= end || !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
        return 0;
    for (const char *q = p; q < end && q - p < 48; q++) {
        if (end - q >= 3 && q[0] == ' ' && q[1] == '=' && q[2] == ' ')
            return (size_t)(q - p);
        char c = *q;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == ' ' || c == '_'))
            return 0;
    }
    return 0;
}

static void param_apply(struct kep_state *st, struct fl_str key, struct fl_str val)
{
    for (size_t i = 0; i < sizeof PARAM_KEYS / sizeof PARAM_KEYS[0]; i++) {
        if (!eq_nocase(key, PARAM_KEYS[i].key))
            continue;
        if (PARAM_KEYS[i].kind == KEY_STATUS_CODE)
            st->status_code = val;
        else if (PARAM_KEYS[i].kind == KEY_ATTR_IF_UNSET)
            attr_set_if_unset(&st->ev, PARAM_KEYS[i].attr, val);
        else
            attr_set(&st->ev, PARAM_KEYS[i].attr, val);
        return;
    }
}

/* `Key = 'value', Key = value.` lists in one ` | ` segment. A value runs to the next
 * `, <Key> = ` or the segment end, so quoted values may hold apostrophes and commas. */
static void params_scan(struct kep_state *st, const char *p, const char *end)
{
    size_t klen;
    while (p < end && (klen = key_at(p, end)) != 0) {
        struct fl_str key = fl_str_make(p, klen);
        const char *v = p + klen + 3, *next = end, *q = v;
        const char *comma;
        while ((comma = find(q, (size_t)(end - q), ", ")) != NULL) {
            if (key_at(comma + 2, end)) {
                next = comma;
                break;
            }
            q = comma + 1;
        }
        struct fl_str val = fl_str_make(v, (size_t)(next - v));
        val = next == end ? value_clean(val) : value_clean(str_trim_right(val));
        param_apply(st, key, val);
        p = next == end ? end : next + 2;
    }
}

/* A leading `<channel>.<device> | ` (V6 device messages): one period inside, no spaces at
 * its ends, no quotes. */
static struct fl_str leading_device(struct fl_str msg)
{
    const char *bar = find(msg.p, msg.len, " | ");
    if (!bar || bar == msg.p || bar - msg.p > 256)
        return FL_STR_NULL;
    struct fl_str d = fl_str_make(msg.p, (size_t)(bar - msg.p));
    size_t dots = 0, dot_at = 0;
    for (size_t i = 0; i < d.len; i++) {
        if (d.p[i] == '.') {
            dots++;
            dot_at = i;
        } else if (d.p[i] == '\'' || d.p[i] == '"' || d.p[i] == '|') {
            return FL_STR_NULL;
        }
    }
    if (dots != 1 || dot_at == 0 || dot_at == d.len - 1 || is_ws(d.p[0]) || is_ws(d.p[d.len - 1]))
        return FL_STR_NULL;
    return d;
}

/* The port of an endpoint URL (`scheme://host:port/...`), or -1. */
static long endpoint_port(struct fl_str url)
{
    const char *s = find(url.p, url.len, "://");
    if (!s)
        return -1;
    const char *host = s + 3, *end = url.p + url.len;
    const char *slash = memchr(host, '/', (size_t)(end - host));
    if (slash)
        end = slash;
    const char *colon = NULL;
    for (const char *q = host; q < end; q++)
        if (*q == ':')
            colon = q;
    if (!colon || colon + 1 == end || end - colon > 6)
        return -1;
    long port = 0;
    for (const char *q = colon + 1; q < end; q++) {
        if (*q < '0' || *q > '9')
            return -1;
        port = port * 10 + (*q - '0');
    }
    return port <= 65535 ? port : -1;
}

/* `tcp://…` / `opc.tcp://…` in the text when no `Endpoint URL =` gave one. */
static struct fl_str endpoint_in_text(struct fl_str msg)
{
    const char *at = find(msg.p, msg.len, "tcp://");
    if (!at)
        return FL_STR_NULL;
    if (at - msg.p >= 4 && memcmp(at - 4, "opc.", 4) == 0)
        at -= 4;
    const char *end = msg.p + msg.len, *q = at;
    while (q < end && !is_ws(*q) && *q != '\'' && *q != '"' && *q != ',')
        q++;
    struct fl_str url = fl_str_make(at, (size_t)(q - at));
    if (url.len && url.p[url.len - 1] == '.')
        url.len--;
    return url;
}

/* `COMn` as a word. */
static struct fl_str com_port(struct fl_str msg)
{
    for (size_t i = 0; i + 3 < msg.len; i++) {
        if (memcmp(msg.p + i, "COM", 3) != 0 || (i && msg.p[i - 1] != ' '))
            continue;
        size_t k = i + 3;
        while (k < msg.len && msg.p[k] >= '0' && msg.p[k] <= '9')
            k++;
        if (k > i + 3 && (k == msg.len || msg.p[k] == ' ' || msg.p[k] == '.'))
            return fl_str_make(msg.p + i, k - i);
    }
    return FL_STR_NULL;
}

/* The text between lit_a (at the start of msg) and the first lit_b after it. */
static struct fl_str between(struct fl_str msg, const char *lit_a, const char *lit_b)
{
    if (!starts_with(msg.p, msg.len, lit_a))
        return FL_STR_NULL;
    const char *v = msg.p + strlen(lit_a), *end = msg.p + msg.len;
    const char *b = find(v, (size_t)(end - v), lit_b);
    return b ? fl_str_make(v, (size_t)(b - v)) : FL_STR_NULL;
}

/* The text after lit_a (at the start of msg) up to the parameter tail, period and quotes off. */
static struct fl_str after_to_end(struct fl_str msg, const char *lit_a)
{
    if (!starts_with(msg.p, msg.len, lit_a))
        return FL_STR_NULL;
    const char *v = msg.p + strlen(lit_a);
    return value_clean(up_to_params(v, msg.p + msg.len));
}

static void extract_by_row(struct kep_state *st, enum kep_extract ex, struct fl_str msg)
{
    struct fl_event *ev = &st->ev;
    struct fl_str head = up_to_params(msg.p, msg.p + msg.len);
    switch (ex) {
    case EX_NONE:
        break;
    case EX_READ_TIMEOUT:
        attr_set_if_unset(ev, "device", after_to_end(msg, "Read request timeout on device "));
        break;
    case EX_NOT_RESPONDING:
        attr_set_if_unset(ev, "device", value_clean(between(msg, "Device ", " is not responding")));
        break;
    case EX_UNABLE_WRITE: {
        attr_set(ev, "address", value_clean(between(msg, "Unable to write to ", " on device ")));
        const char *d = find(head.p, head.len, " on device ");
        if (d)
            attr_set_if_unset(ev, "device", value_clean(span(d + 11, head.p + head.len)));
        break;
    }
    case EX_COMM_ERROR:
        attr_set(ev, "channel", between(msg, "Communications error on ", " ["));
        break;
    case EX_COM_PORT:
        break; /* COMn is picked up for every row */
    case EX_ATTEMPT_ITEM:
        attr_set(ev, "item", between(msg, "Attempt to add item '", "' failed"));
        break;
    case EX_ON_CHANNEL: {
        const char *c = find(head.p, head.len, " on channel ");
        if (!c)
            break;
        const char *v = c + 12, *end = head.p + head.len, *q = v;
        /* Channel names cannot hold a period (it separates channel.device.tag). */
        while (q < end && *q != '.' && !starts_with(q, (size_t)(end - q), " to make ") &&
               !starts_with(q, (size_t)(end - q), " due to "))
            q++;
        attr_set(ev, "channel", value_clean(fl_str_make(v, (size_t)(q - v))));
        break;
    }
    case EX_FEATURE_EXPIRE:
        attr_set(ev, "feature", between(msg, "Feature ", " is time limited"));
        {
            const char *w = find(head.p, head.len, " and will expire at ");
            if (w)
                attr_set(ev, "expires_at", value_clean(span(w + 20, head.p + head.len)));
        }
        break;
    case EX_TIER_FEATURE:
        attr_set(ev, "feature", quoted_after(head.p, head.len, "for feature '"));
        break;
    case EX_SESSION_USER:
        attr_set(ev, "user", between(msg, "Configuration session started by ", " as "));
        break;
    case EX_ACCOUNT:
        attr_set(ev, "user", between(msg, "Account '", "'"));
        break;
    }
}

/* Looks up a `Status code = …` value (name, hex or decimal), sets code and the other form
 * (attrs.status_hex / status_name). Returns the UA status, or NULL. */
static const struct fl_opcua_status *status_code_apply(struct kep_state *st, struct fl_str v)
{
    struct fl_event *ev = &st->ev;
    if (!v.len)
        return NULL;
    bool is_hex = v.len > 2 && v.p[0] == '0' && (v.p[1] == 'x' || v.p[1] == 'X');
    bool is_dec = true;
    for (size_t i = 0; i < v.len; i++)
        if (!((v.p[i] >= '0' && v.p[i] <= '9') || (i == 0 && v.p[i] == '-' && v.len > 1)))
            is_dec = false;
    if (is_hex || is_dec) {
        uint64_t num = 0;
        bool is_ok = true;
        if (is_hex) {
            for (size_t i = 2; i < v.len && is_ok; i++) {
                char c = v.p[i];
                int d = c >= '0' && c <= '9' ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                is_ok = d >= 0 && i < 10;
                num = num * 16 + (uint64_t)(d < 0 ? 0 : d);
            }
        } else {
            /* Decimal: as an unsigned 32-bit value, or a negative Int32 rendering. */
            bool is_neg = v.p[0] == '-';
            for (size_t i = is_neg ? 1 : 0; i < v.len && is_ok; i++) {
                num = num * 10 + (uint64_t)(v.p[i] - '0');
                is_ok = num <= (is_neg ? 0x80000000u : 0xFFFFFFFFu);
            }
            if (is_neg)
                num = (uint64_t)(uint32_t)(0u - (uint32_t)num);
        }
        if (is_ok) {
            fl_hex32_format((uint32_t)num, st->code);
            ev->code = fl_str_c(st->code);
            const struct fl_opcua_status *s = fl_opcua_by_hex((uint32_t)num);
            if (s)
                attr_set(ev, "status_name", fl_str_c(s->canonical));
            return s;
        }
    } else {
        const struct fl_opcua_status *s = fl_opcua_by_name(v.p, v.len);
        if (s) {
            ev->code = fl_str_c(s->canonical);
            fl_hex32_format(s->hex, st->status_hex);
            attr_set(ev, "status_hex", fl_str_c(st->status_hex));
            return s;
        }
    }
    ev->code = v; /* a code we cannot normalise stays as written */
    return NULL;
}

/* `Item error: 0x<hr> '<text> '`: code = the HRESULT. Returns where the item error starts
 * (the scan for OPC UA statuses stops there), or msg's end. */
static const char *item_error_apply(struct kep_state *st, struct fl_str msg, uint32_t *hr,
                                    bool *has_hr)
{
    const char *end = msg.p + msg.len;
    const char *at = find(msg.p, msg.len, "Item error: 0x");
    *has_hr = false;
    if (!at)
        return end;
    const char *p = at + 14;
    uint32_t v = 0;
    int digits = 0;
    for (; p < end && digits < 8; p++, digits++) {
        char c = *p;
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            break;
        v = v * 16 + (uint32_t)d;
    }
    if (digits == 0)
        return end;
    *hr = v;
    *has_hr = true;
    fl_hex32_format(v, st->code);
    st->ev.code = fl_str_c(st->code);
    while (p < end && is_ws(*p))
        p++;
    /* The text is quoted and ends in a space; it may hold apostrophes: last quote closes. */
    if (p < end && *p == '\'') {
        const char *close = end - 1;
        while (close > p && *close != '\'')
            close--;
        if (close > p)
            attr_set(&st->ev, "item_error_text", str_trim_right(span(p + 1, close)));
    }
    return at;
}

static bool source_is(struct fl_str source, const char *lit)
{
    return find(source.p, source.len, lit) != NULL;
}

/* Fills component, message, code, attrs and category from Source and Event text. */
static void analyze(struct kep_state *st, struct fl_str source, struct fl_str msg, int row)
{
    struct fl_event *ev = &st->ev;
    const char *end = msg.p + msg.len;
    ev->component = source;
    ev->message = msg;
    st->status_code = FL_STR_NULL;

    /* Generic fields first; row-specific ones only fill what is still missing. */
    struct fl_str dev = leading_device(msg);
    const char *seg = msg.p;
    if (dev.len) {
        attr_set(ev, "device", dev);
        seg = dev.p + dev.len + 3;
    }
    attr_set_if_unset(ev, "device", quoted_after(msg.p, msg.len, "on device '"));
    attr_set_if_unset(ev, "device", quoted_after(msg.p, msg.len, "for device '"));
    const char *for_at = find(msg.p, msg.len, " for '");
    if (for_at) {
        struct fl_str item = quoted_after(for_at, (size_t)(end - for_at), " for '");
        if (item.len && starts_with(item.p + item.len, (size_t)(end - item.p - item.len),
                                    "' on device"))
            attr_set(ev, "item", item);
    }
    /* Parameters: every ` | ` segment after the sentence. */
    const char *bar = find(seg, (size_t)(end - seg), " | ");
    while (bar) {
        const char *p = bar + 3;
        const char *next = find(p, (size_t)(end - p), " | ");
        params_scan(st, p, next ? next : end);
        bar = next;
    }
    if (row >= 0)
        extract_by_row(st, TEMPLATES[row].ex, msg);
    {
        struct fl_str lg = quoted_after(msg.p, msg.len, "og group '");
        if (lg.len && lg.p - msg.p >= 11 && (lg.p[-11] == 'L' || lg.p[-11] == 'l'))
            attr_set_if_unset(ev, "log_group", lg);
    }

    uint32_t hr = 0;
    bool has_hr;
    const char *scan_end = item_error_apply(st, msg, &hr, &has_hr);
    const struct fl_opcua_status *status = NULL;
    if (has_hr) {
        /* §6: an Item error is an OPC UA value only from an OPC UA component; DA and COM
         * HRESULTs share high words with UA codes (0x8004… is not Bad_ResourceUnavailable). */
        if (source_is(source, "OPC UA"))
            status = fl_opcua_by_hex(hr);
    } else {
        status = status_code_apply(st, st->status_code);
    }
    if (status && has_hr)
        attr_set(ev, "status_name", fl_str_c(status->canonical));

    const struct fl_attr *ep = fl_event_attr_get(ev, "endpoint");
    struct fl_str url = ep ? ep->str : endpoint_in_text(msg);
    if (!ep)
        attr_set(ev, "endpoint", url);
    long port = url.len ? endpoint_port(url) : -1;
    if (port >= 0)
        fl_event_attr_int(ev, "port", port);
    else
        attr_set(ev, "port", com_port(msg));

    /* Category (§4, §6, DESIGN.md "Category"). */
    struct fl_opcua_hit hit;
    const struct fl_opcua_status *found = NULL;
    bool may_scan = !source_is(source, "OPC DA");
    if (row >= 0) {
        const struct kep_tmpl *t = &TEMPLATES[row];
        if (!t->is_by_status) {
            ev->category = t->category;
            return;
        }
        found = status;
        if (!found && may_scan && fl_opcua_scan(msg.p, (size_t)(scan_end - msg.p), &hit))
            found = hit.status;
        ev->category = found && found->category ? found->category : t->fallback;
        return;
    }
    if (may_scan && fl_opcua_scan(msg.p, (size_t)(scan_end - msg.p), &hit))
        found = hit.status;
    else
        found = status;
    ev->category = found ? found->category : NULL;
}

/* ------------------------------------------------------------------ records */

static bool is_header_text(const char *p, size_t n)
{
    /* ^\s*Date\s+Time\s+Level\s+Source\s+Event\s*$ (kepware.md §2) */
    static const char *const words[] = {"Date", "Time", "Level", "Source", "Event"};
    const char *end = p + n;
    for (size_t w = 0; w < 5; w++) {
        const char *q = p;
        while (q < end && (is_ws(*q) || *q == '\r' || *q == '\n' || *q == '\v' || *q == '\f'))
            q++;
        if (w > 0 && q == p)
            return false;
        size_t k = strlen(words[w]);
        if ((size_t)(end - q) < k || memcmp(q, words[w], k) != 0)
            return false;
        p = q + k;
    }
    while (p < end && (is_ws(*p) || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f'))
        p++;
    return p == end;
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws(p[i]) && p[i] != '\r')
            return false;
    return true;
}

static void event_begin(struct kep_state *st, const struct fl_line *ln)
{
    struct fl_event *ev = &st->ev;
    fl_event_reset(ev);
    ev->source = "kepware";
    ev->offset = ln->raw_off;
    ev->end_offset = ln->raw_end;
    ev->lines = 1;
}

/* A dated row; returns 1 when the fields do not make a date (the caller emits it unparsed). */
static int row_event(struct kep_state *st, const struct fl_line *ln)
{
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->row_md);
    struct fl_str date = fl_str_make(ln->text + ov[2], ov[3] - ov[2]);
    struct fl_str time = fl_str_make(ln->text + ov[4], ov[5] - ov[4]);
    struct fl_str level = fl_str_make(ln->text + ov[6], ov[7] - ov[6]);
    struct fl_str rest = fl_str_make(ln->text + ov[8], ov[9] - ov[8]);

    int64_t local_ms, utc_ms;
    if (read_local_time(st, date, time, &local_ms) != 0)
        return 1;
    fl_tz_to_utc(st->tz, &st->fold, local_ms, &utc_ms);

    event_begin(st, ln);
    struct fl_event *ev = &st->ev;
    ev->ts_ms = utc_ms;
    ev->has_ts = true;
    /* `<date> <time>` with one space, whatever separated them in the line. */
    if (date.len + 1 + time.len < sizeof st->ts_raw) {
        memcpy(st->ts_raw, date.p, date.len);
        st->ts_raw[date.len] = ' ';
        memcpy(st->ts_raw + date.len + 1, time.p, time.len);
        ev->ts_raw = fl_str_make(st->ts_raw, date.len + 1 + time.len);
    }
    for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0]; i++)
        if (fl_str_eq(level, LEVELS[i].word))
            ev->severity = LEVELS[i].severity;
    ev->severity_raw = level;

    struct fl_str source, msg;
    split_source(st, rest, &source, &msg);
    analyze(st, source, msg, fl_catalog_match(st->catalog, msg.p, msg.len));
    return 0;
}

/* A line that is one of the catalogue's messages with no row around it (a quoted message,
 * like the corpus's Kepware UA client text): no date, no Source; the severity is the level
 * the vendor help gives that message (notice where it gives none). */
static void bare_event(struct kep_state *st, const struct fl_line *ln, int row)
{
    event_begin(st, ln);
    struct fl_event *ev = &st->ev;
    ev->severity = FL_SEV_NOTICE;
    for (size_t i = 0; TEMPLATES[row].help_level && i < sizeof LEVELS / sizeof LEVELS[0]; i++)
        if (strcmp(TEMPLATES[row].help_level, LEVELS[i].word) == 0)
            ev->severity = LEVELS[i].severity;
    analyze(st, FL_STR_NULL, fl_str_make(ln->text, ln->len), row);
}

static int kep_feed(void *vst, const struct fl_line *ln, const struct fl_sink *sink)
{
    struct kep_state *st = vst;
    int rc = pcre2_match(st->row_re, (PCRE2_SPTR)ln->text, ln->len, 0, 0, st->row_md, NULL);
    if (rc >= 0) {
        if (row_event(st, ln) == 0)
            return sink->emit(sink->ctx, &st->ev);
        return fl_parser_emit_unparsed("kepware", ln, &st->ev, sink);
    }
    if (is_header_text(ln->text, ln->len)) {
        st->headers++;
        return 0;
    }
    /* No multi-line records: an empty line is between records and gives no event. */
    if (is_blank(ln->text, ln->len))
        return 0;
    int row = fl_catalog_match(st->catalog, ln->text, ln->len);
    if (row >= 0) {
        bare_event(st, ln, row);
        return sink->emit(sink->ctx, &st->ev);
    }
    return fl_parser_emit_unparsed("kepware", ln, &st->ev, sink);
}

static int kep_flush(void *vst, const struct fl_sink *sink)
{
    (void)vst;
    (void)sink;
    return 0; /* every line was emitted when it came */
}

static bool kep_is_header(void *vst, const struct fl_line *ln)
{
    (void)vst;
    return is_header_text(ln->text, ln->len);
}

/* ------------------------------------------------------------------ open / close */

static void kep_close(void *vst)
{
    struct kep_state *st = vst;
    if (!st)
        return;
    pcre2_match_data_free(st->row_md);
    pcre2_code_free(st->row_re);
    fl_catalog_free(st->catalog);
    free(st->catalog_rows);
    free(st->sources);
    free(st);
}

static int cmp_len_desc(const void *a, const void *b)
{
    const struct fl_str *x = a, *y = b;
    return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static pcre2_code *compile_row(int *errcode, PCRE2_SIZE *erroff)
{
    return pcre2_compile((PCRE2_SPTR)ROW_PATTERN, PCRE2_ZERO_TERMINATED, 0, errcode, erroff,
                         NULL);
}

static void *kep_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    const char *file = cfg ? cfg->file : NULL;
    struct kep_state *st = calloc(1, sizeof *st);
    if (!st)
        goto out_nomem;
    st->tz = cfg && cfg->tz ? cfg->tz : fl_tz_utc();
    fl_tzfold_init(&st->fold);
    /* The row layout puts the year last: ymd cannot apply, the note's defaults do. */
    enum fl_date_order order = cfg ? cfg->date_order : FL_DO_AUTO;
    fl_dateorder_init(&st->dates, order == FL_DO_YMD ? FL_DO_AUTO : order);

    int errcode;
    PCRE2_SIZE erroff;
    st->row_re = compile_row(&errcode, &erroff);
    if (!st->row_re) {
        fl_err_set(err, file, 0, UINT64_MAX, "kepware: row pattern error %d at %zu", errcode,
                   (size_t)erroff);
        goto out_close;
    }
    (void)pcre2_jit_compile(st->row_re, PCRE2_JIT_COMPLETE); /* interpreted if JIT is absent */
    st->row_md = pcre2_match_data_create_from_pattern(st->row_re, NULL);
    st->catalog_rows = calloc(N_TEMPLATES, sizeof *st->catalog_rows);
    if (!st->row_md || !st->catalog_rows)
        goto out_nomem;
    for (size_t i = 0; i < N_TEMPLATES; i++) {
        st->catalog_rows[i].pattern = TEMPLATES[i].pattern;
        st->catalog_rows[i].category = TEMPLATES[i].is_by_status ? NULL : TEMPLATES[i].category;
    }
    st->catalog = fl_catalog_new(st->catalog_rows, N_TEMPLATES, err);
    if (!st->catalog)
        goto out_close;

    size_t n_extra = 0;
    while (cfg && cfg->extra_sources && cfg->extra_sources[n_extra])
        n_extra++;
    size_t n_default = sizeof DEFAULT_SOURCES / sizeof DEFAULT_SOURCES[0];
    st->sources = calloc(n_default + n_extra, sizeof *st->sources);
    if (!st->sources)
        goto out_nomem;
    for (size_t i = 0; i < n_default; i++)
        st->sources[st->n_sources++] = fl_str_c(DEFAULT_SOURCES[i]);
    for (size_t i = 0; i < n_extra; i++)
        if (cfg->extra_sources[i][0])
            st->sources[st->n_sources++] = fl_str_c(cfg->extra_sources[i]);
    /* Longest first: the first entry that fits is the longest (§2). */
    qsort(st->sources, st->n_sources, sizeof *st->sources, cmp_len_desc);
    return st;

out_nomem:
    fl_err_set(err, file, 0, UINT64_MAX, "kepware: out of memory");
out_close:
    kep_close(st);
    return NULL;
}

/* ------------------------------------------------------------------ probe */

/* A Kepware paste has its own header row or dated rows with a Level word. Rows of a wider
 * TAB export (FTDiag: more columns after the Source) do not count: the Event is the last of
 * five columns, so a Kepware row has at most one TAB after the level. */
static int kep_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                     size_t n_lines)
{
    (void)raw;
    (void)raw_len;
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = compile_row(&errcode, &erroff);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (!md) {
        pcre2_code_free(re);
        return 0;
    }
    size_t n_header = 0, n_rows = 0, n_other = 0;
    for (size_t i = 0; i < n_lines && i < 20; i++) {
        const struct fl_line *ln = &lines[i];
        if (is_blank(ln->text, ln->len))
            continue;
        if (is_header_text(ln->text, ln->len)) {
            n_header++;
            continue;
        }
        if (pcre2_match(re, (PCRE2_SPTR)ln->text, ln->len, 0, 0, md, NULL) >= 0) {
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            const char *tab = memchr(ln->text + ov[8], '\t', ov[9] - ov[8]);
            if (tab && memchr(tab + 1, '\t', (size_t)(ln->text + ov[9] - tab - 1)))
                n_other++;
            else
                n_rows++;
        } else {
            n_other++;
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    if (n_rows == 0)
        return n_header && n_other == 0 ? 80 : 0;
    if (n_rows >= 4 * n_other)
        return n_header ? 95 : 85;
    if (n_rows >= n_other)
        return n_header ? 80 : 60;
    return n_header ? 50 : 25;
}

extern const struct fl_parser fl_parser_kepware;
const struct fl_parser fl_parser_kepware = {
    .source = "kepware",
    .is_binary = false,
    .probe = kep_probe,
    .open = kep_open,
    .is_header = kep_is_header,
    .feed = kep_feed,
    .flush = kep_flush,
    .close = kep_close,
};
