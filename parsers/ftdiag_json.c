/* parsers/ftdiag_json.c: FactoryTalk Diagnostics events forwarded as JSON lines (NXLog
 * im_msvistalog, Winlogbeat; formats/ftdiag.md §3.2). A line starting with '{' before any
 * header row is one Windows event of the provider. Parsed with jansson, which allocates per
 * record: this path is not the hot one. The json_t lives until the event is emitted, since
 * the event's strings are views into it.
 *
 * Framing, severity words and classification are the other ftdiag files' (parsers/ftdiag.h). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/ftdiag.h"

/* Event data has no mapping in the note: at most this many data.<name> attrs. */
#define MAX_DATA_ATTRS 16

/* Case-insensitive search for lit in p[0..n). */
static const char *ci_find(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m == 0 || m > n)
        return NULL;
    char c0 = ftd_lower(lit[0]);
    for (size_t i = 0; i + m <= n; i++) {
        if (ftd_lower(p[i]) != c0)
            continue;
        size_t k = 1;
        while (k < m && ftd_lower(p[i + k]) == ftd_lower(lit[k]))
            k++;
        if (k == m)
            return p + i;
    }
    return NULL;
}

/* Member by dotted path, nested ("winlog" -> "channel") or flattened ("winlog.channel"). */
static json_t *jget(json_t *root, const char *path)
{
    json_t *v = json_object_get(root, path);
    if (v || !strchr(path, '.'))
        return v;
    char seg[64];
    const char *p = path;
    v = root;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof seg)
            return NULL;
        memcpy(seg, p, len);
        seg[len] = '\0';
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
        p += len + (dot ? 1 : 0);
    }
    return v;
}

static struct fl_str jstr(json_t *v)
{
    return json_is_string(v) ? fl_str_make(json_string_value(v), json_string_length(v))
                             : FL_STR_NULL;
}

/* First present string among the paths. */
static struct fl_str jfirst(json_t *root, const char *const *paths)
{
    for (; *paths; paths++) {
        struct fl_str s = jstr(jget(root, *paths));
        if (s.len)
            return s;
    }
    return FL_STR_NULL;
}

/* A string or integer member as text (event IDs come either way). */
static struct fl_str jtext(struct ftd *st, json_t *v)
{
    if (json_is_string(v))
        return jstr(v);
    if (json_is_integer(v))
        return fl_arena_printf(&st->arena, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return fl_arena_printf(&st->arena, "%g", json_real_value(v));
    if (json_is_boolean(v))
        return fl_str_c(json_is_true(v) ? "true" : "false");
    return FL_STR_NULL;
}

/* Windows level word -> severity (note §5.1), -1 if unknown. */
static int sev_from_level(struct fl_str w)
{
    if (ci_find(w.p, w.len, "crit"))
        return FL_SEV_CRITICAL;
    if (ci_find(w.p, w.len, "err"))
        return FL_SEV_ERROR;
    if (ci_find(w.p, w.len, "warn"))
        return FL_SEV_WARNING;
    if (ci_find(w.p, w.len, "info"))
        return FL_SEV_INFO;
    if (ci_find(w.p, w.len, "verbose") || ci_find(w.p, w.len, "debug"))
        return FL_SEV_DEBUG;
    return -1;
}

/* Audit keywords: -1 none, 0 success, 1 failure. Keywords arrive as names (Winlogbeat's
 * array, NXLog's EventType AUDIT_*), or as the 64-bit mask (0x10.. failure, 0x20.. success). */
static int audit_of(json_t *root)
{
    static const char *const paths[] = {"winlog.keywords", "Keywords", "EventType", NULL};
    for (const char *const *pp = paths; *pp; pp++) {
        json_t *v = jget(root, *pp);
        json_t *one = v;
        size_t k = 0, n = json_is_array(v) ? json_array_size(v) : 1;
        for (; k < n; k++) {
            if (json_is_array(v))
                one = json_array_get(v, k);
            struct fl_str s = jstr(one);
            long long mask = 0;
            if (json_is_integer(one))
                mask = json_integer_value(one);
            else if (s.len && (ftd_is_digit(s.p[0]) || s.p[0] == '-'))
                mask = strtoll(s.p, NULL, 0);
            if (ci_find(s.p, s.len, "audit failure") || ci_find(s.p, s.len, "audit_failure") ||
                ((uint64_t)mask & 0x10000000000000ull))
                return 1;
            if (ci_find(s.p, s.len, "audit success") || ci_find(s.p, s.len, "audit_success") ||
                ((uint64_t)mask & 0x20000000000000ull))
                return 0;
        }
    }
    return -1;
}

int fl_ftdiag_emit_json(struct ftd *st, const struct fl_line *ln, const struct fl_sink *sink)
{
    static const char *const p_time[] = {"EventTime", "@timestamp", NULL};
    static const char *const p_host[] = {"Hostname", "host.name", "winlog.computer_name",
                                         "computer_name", NULL};
    static const char *const p_prov[] = {"SourceName", "winlog.provider_name", "ProviderName",
                                         NULL};
    static const char *const p_chan[] = {"Channel", "winlog.channel", NULL};
    static const char *const p_level[] = {"Severity", "log.level", "Level", "level", NULL};
    static const char *const p_msg[] = {"Message", "message", NULL};
    static const char *const p_id[] = {"EventID", "winlog.event_id", "event.code", NULL};
    static const char *const p_data[] = {"EventData", "winlog.event_data", NULL};

    json_error_t jerr;
    json_t *root = json_loadb(ln->text, ln->len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return fl_parser_emit_unparsed(FTD_SOURCE, ln, &st->ev, sink);
    }
    struct fl_event *ev = &st->ev;
    ftd_ev_begin(st, ev);
    struct fl_str ts = jfirst(root, p_time);
    /* An unreadable time keeps the event with ingest time: the JSON itself was fine. */
    if (ts.len)
        fl_ftdiag_set_time(st, ev, ts, false);
    ev->host = jfirst(root, p_host);
    ev->component = jfirst(root, p_prov);
    struct fl_str channel = jfirst(root, p_chan);
    if (channel.len)
        fl_event_attr_str(ev, "channel", channel);
    struct fl_str msg = jfirst(root, p_msg);
    ev->message = msg;
    for (const char *const *pp = p_id; *pp && !ev->code.len; pp++)
        ev->code = jtext(st, jget(root, *pp));

    struct fl_str level = jfirst(root, p_level);
    int s = sev_from_level(level);
    ev->severity_raw = level;
    ev->severity = s >= 0 ? (enum fl_severity)s : fl_ftdiag_sev_from_text(st, msg);
    int audit = audit_of(root);
    if (audit >= 0) {
        ev->severity = audit ? FL_SEV_ERROR : FL_SEV_NOTICE;
        fl_event_attr_bool(ev, "audit", true);
    }

    /* Event data has no mapping in the note: kept as data.<name>, strings as written. */
    json_t *data = NULL;
    for (const char *const *pp = p_data; *pp && !json_is_object(data); pp++)
        data = jget(root, *pp);
    if (json_is_object(data)) {
        const char *key;
        json_t *val;
        unsigned n_data = 0;
        json_object_foreach(data, key, val)
        {
            struct fl_str t = jtext(st, val);
            if (!t.len || n_data++ >= MAX_DATA_ATTRS)
                continue;
            fl_event_attr_strn(ev, fl_arena_printf(&st->arena, "data.%s", key), t);
        }
    }
    fl_ftdiag_classify(st, ev, msg, ev->code.len > 0);
    ftd_set_where(ev, ln->raw_off, ln->raw_end, 1);
    int rc = sink->emit(sink->ctx, ev);
    json_decref(root);
    return rc;
}

int fl_ftdiag_probe_json(const char *p, size_t n)
{
    static const char *const paths[] = {"SourceName", "winlog.provider_name", "ProviderName",
                                        "Channel",    "winlog.channel",       NULL};
    json_error_t jerr;
    json_t *root = json_loadb(p, n, 0, &jerr);
    int score = 0;
    if (json_is_object(root)) {
        for (const char *const *pp = paths; *pp && !score; pp++) {
            struct fl_str s = jstr(jget(root, *pp));
            if (ci_find(s.p, s.len, "FactoryTalk") || ci_find(s.p, s.len, "FTDiag") ||
                ci_find(s.p, s.len, "Rockwell"))
                score = 85;
        }
    }
    json_decref(root);
    return score;
}
