/* parsers/ignition_idb.c: Ignition's system_logs.idb (logback DBAppender schema) -> events.
 *
 * formats/ignition.md §2: one event per logging_event row, in event_id order after a cursor;
 * MDC rows (logging_event_property) become attrs, stack rows (logging_event_exception,
 * ordered by i) are appended to the message. Times are UTC epoch ms, so --tz never applies.
 * The file belongs to a running gateway: it is opened read-only through an SQLite URI
 * ("mode=ro"), never written, and closed again before returning. A file that is not SQLite
 * or lacks the table is an error naming the file, never a crash.
 *
 * Category, code and the extracted attrs come from the same classification as wrapper.log
 * (parsers/ignition_cls.c), over logger + message, so both paths name a fault alike; the
 * stack-line and exception rules are wrapper.log's too (parsers/ignition_layout.c). */
#include "parsers/ignition_idb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/ignition.h"
#include "parsers/parser.h"
#include "schemas/event.h"

#define SOURCE "ignition"
#define MAX_MESSAGE_BYTES (16u << 20)
#define ARENA_BLOCK_BYTES (16u << 10)
#define BUSY_TIMEOUT_MS 1000

struct idb_reader {
    const char *path;
    sqlite3 *db;
    sqlite3_stmt *events, *props, *excs; /* props/excs NULL when the table is missing */
    struct fl_ignition_cls *cls;
    struct fl_buf text;  /* logger '\n' message: what classification reads */
    struct fl_arena arena;
    struct fl_event ev;
};

/* "file:" URI of a path: every byte outside the unreserved set and '/' is %-escaped, so
 * '?', '#' and '%' in a file name stay part of the name. */
static int uri_of(const char *path, struct fl_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = fl_buf_puts(out, "file:");
    for (const unsigned char *p = (const unsigned char *)path; rc == 0 && *p; p++) {
        unsigned char c = *p;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
        if (plain) {
            rc = fl_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = fl_buf_append(out, esc, 3);
        }
    }
    if (rc == 0)
        rc = fl_buf_append(out, "?mode=ro", 9); /* with the NUL */
    return rc;
}

/* Maps an SQLite failure to FL_E*: a file that is not a database (or a damaged one) is
 * FL_ECORRUPT, anything else about opening it FL_EIO. */
static int db_error(struct idb_reader *rd, int src, const char *what, struct fl_err *err)
{
    int code = src & 0xff;
    const char *why = rd->db ? sqlite3_errmsg(rd->db) : sqlite3_errstr(src);
    if (code == SQLITE_NOMEM) {
        fl_err_set(err, rd->path, 0, UINT64_MAX, "ignition idb: out of memory");
        return FL_ENOMEM;
    }
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT || code == SQLITE_ERROR) {
        fl_err_set(err, rd->path, 0, UINT64_MAX,
                   "ignition idb: not a readable Ignition log store (%s: %s)", what, why);
        return FL_ECORRUPT;
    }
    fl_err_set(err, rd->path, 0, UINT64_MAX, "ignition idb: %s: %s", what, why);
    return FL_EIO;
}

static int prepare(struct idb_reader *rd, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(rd->db, sql, -1, st, NULL);
}

static int reader_open(struct idb_reader *rd, struct fl_err *err)
{
    struct fl_buf uri;
    fl_buf_init(&uri, 0);
    if (uri_of(rd->path, &uri) != 0) {
        fl_buf_free(&uri);
        fl_err_set(err, rd->path, 0, UINT64_MAX, "ignition idb: out of memory");
        return FL_ENOMEM;
    }
    int src = sqlite3_open_v2(uri.data, &rd->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    fl_buf_free(&uri);
    if (src != SQLITE_OK)
        return db_error(rd, src, "open", err);
    sqlite3_busy_timeout(rd->db, BUSY_TIMEOUT_MS);
    src = prepare(rd,
                  "SELECT event_id, timestmp, formatted_message, logger_name, level_string"
                  " FROM logging_event WHERE event_id > ?1 ORDER BY event_id",
                  &rd->events);
    if (src != SQLITE_OK)
        return db_error(rd, src, "logging_event", err);
    /* The MDC and exception tables are part of the schema, but a store without them still
     * has events worth reading. */
    if (prepare(rd,
                "SELECT mapped_key, mapped_value FROM logging_event_property"
                " WHERE event_id = ?1",
                &rd->props) != SQLITE_OK)
        rd->props = NULL;
    if (prepare(rd,
                "SELECT trace_line FROM logging_event_exception WHERE event_id = ?1 ORDER BY i",
                &rd->excs) != SQLITE_OK)
        rd->excs = NULL;
    rd->cls = fl_ignition_cls_new(err);
    return rd->cls ? 0 : FL_ENOMEM;
}

static void reader_close(struct idb_reader *rd)
{
    sqlite3_finalize(rd->events);
    sqlite3_finalize(rd->props);
    sqlite3_finalize(rd->excs);
    sqlite3_close_v2(rd->db);
    fl_ignition_cls_free(rd->cls);
    fl_buf_free(&rd->text);
    fl_arena_free(&rd->arena);
}

/* The largest event_id, or -1 for an empty store. */
static int max_event_id(struct idb_reader *rd, int64_t *max_id, struct fl_err *err)
{
    sqlite3_stmt *st;
    int src = prepare(rd, "SELECT max(event_id) FROM logging_event", &st);
    if (src != SQLITE_OK)
        return db_error(rd, src, "logging_event", err);
    src = sqlite3_step(st);
    *max_id = -1;
    if (src == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *max_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return db_error(rd, src, "logging_event", err);
    return 0;
}

static struct fl_str col_text(struct idb_reader *rd, sqlite3_stmt *st, int col)
{
    const char *p = (const char *)sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    return p ? fl_arena_dup(&rd->arena, p, (size_t)n) : FL_STR_NULL;
}

/* MDC rows of one event into attrs. */
static int read_props(struct idb_reader *rd, int64_t event_id, struct fl_err *err)
{
    if (!rd->props)
        return 0;
    sqlite3_reset(rd->props);
    sqlite3_bind_int64(rd->props, 1, event_id);
    int src;
    while ((src = sqlite3_step(rd->props)) == SQLITE_ROW) {
        struct fl_str key = col_text(rd, rd->props, 0);
        if (key.len)
            fl_ignition_attr_mdc(&rd->ev, key, col_text(rd, rd->props, 1));
    }
    return src == SQLITE_DONE ? 0 : db_error(rd, src, "logging_event_property", err);
}

/* Stack rows of one event, appended to rd->text with '\n' before each; notes the first
 * exception class and whether any row is a stack line. */
static int read_exceptions(struct idb_reader *rd, int64_t event_id, bool *has_stack,
                           struct fl_err *err)
{
    *has_stack = false;
    if (!rd->excs)
        return 0;
    sqlite3_reset(rd->excs);
    sqlite3_bind_int64(rd->excs, 1, event_id);
    bool has_class = fl_event_attr_get(&rd->ev, "exception") != NULL;
    int src;
    while ((src = sqlite3_step(rd->excs)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(rd->excs, 0);
        size_t n = (size_t)sqlite3_column_bytes(rd->excs, 0);
        if (!p)
            p = "";
        *has_stack = true; /* every row of this table is part of a stack trace */
        struct fl_str cls;
        if (!has_class && fl_ignition_line_exception(p, n, &cls)) {
            fl_event_attr_str(&rd->ev, "exception", fl_arena_dup(&rd->arena, cls.p, cls.len));
            has_class = true;
        }
        /* Past the size limit the rest of the trace is dropped, not the event. */
        if (fl_buf_putc(&rd->text, '\n') != 0 || fl_buf_append(&rd->text, p, n) != 0)
            continue;
    }
    return src == SQLITE_DONE ? 0 : db_error(rd, src, "logging_event_exception", err);
}

/* One logging_event row (the current row of rd->events) -> one event. */
static int read_event(struct idb_reader *rd, const struct fl_sink *sink, struct fl_err *err)
{
    sqlite3_stmt *st = rd->events;
    struct fl_event *ev = &rd->ev;
    fl_event_reset(ev);
    fl_arena_reset(&rd->arena);
    fl_buf_reset(&rd->text);

    int64_t event_id = sqlite3_column_int64(st, 0);
    ev->source = SOURCE;
    ev->offset = (uint64_t)event_id;
    ev->end_offset = (uint64_t)event_id;
    ev->lines = 1;
    if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        ev->ts_ms = sqlite3_column_int64(st, 1);
        ev->has_ts = true;
        ev->ts_raw = fl_arena_printf(&rd->arena, "%lld", (long long)ev->ts_ms);
    }
    ev->component = col_text(rd, st, 3);
    ev->severity_raw = col_text(rd, st, 4);

    /* text = logger '\n' message: the logger is what rows like clock drift match on. */
    const char *msg = (const char *)sqlite3_column_text(st, 2);
    size_t msg_len = (size_t)sqlite3_column_bytes(st, 2);
    (void)fl_buf_append(&rd->text, ev->component.p, ev->component.len);
    (void)fl_buf_putc(&rd->text, '\n');
    size_t msg_off = rd->text.len;
    (void)fl_buf_append(&rd->text, msg ? msg : "", msg ? msg_len : 0);

    struct fl_str cls;
    if (msg && fl_ignition_line_exception(msg, msg_len, &cls))
        fl_event_attr_str(ev, "exception", fl_arena_dup(&rd->arena, cls.p, cls.len));
    bool has_stack = false;
    int rc = read_props(rd, event_id, err);
    if (rc == 0)
        rc = read_exceptions(rd, event_id, &has_stack, err);
    if (rc != 0)
        return rc;

    enum fl_severity sev;
    if (fl_ignition_logback_severity(ev->severity_raw.p, ev->severity_raw.len, &sev)) {
        ev->severity = sev;
    } else {
        /* §6 rule 3 for a level that is none of logback's. */
        ev->severity = has_stack || (msg && fl_ignition_is_stack_line(msg, msg_len))
                           ? FL_SEV_ERROR : FL_SEV_INFO;
        ev->severity_raw = FL_STR_NULL;
    }
    if (!rd->text.data) /* nothing appended (only on OOM) */
        return FL_ENOMEM;
    ev->message = fl_str_make(rd->text.data + msg_off, rd->text.len - msg_off);
    fl_ignition_cls_apply(rd->cls, rd->text.data, rd->text.len, &rd->arena, ev);
    return sink->emit(sink->ctx, ev);
}

int fl_ignition_idb_read(const char *path, int64_t after_event_id, const struct fl_sink *sink,
                         int64_t *last_event_id, struct fl_err *err)
{
    struct idb_reader rd = {.path = path ? path : ""};
    fl_buf_init(&rd.text, MAX_MESSAGE_BYTES);
    fl_arena_init(&rd.arena, ARENA_BLOCK_BYTES);
    *last_event_id = after_event_id;

    int rc = reader_open(&rd, err);
    int64_t max_id = -1;
    if (rc == 0)
        rc = max_event_id(&rd, &max_id, err);
    if (rc != 0)
        goto out;
    /* A cursor past the newest row: the store was recreated (restart), read it anew. */
    if (after_event_id > max_id) {
        after_event_id = -1;
        *last_event_id = -1;
    }
    sqlite3_bind_int64(rd.events, 1, after_event_id);
    int src;
    while ((src = sqlite3_step(rd.events)) == SQLITE_ROW) {
        int64_t event_id = sqlite3_column_int64(rd.events, 0);
        rc = read_event(&rd, sink, err);
        if (rc != 0)
            goto out;
        *last_event_id = event_id;
    }
    if (src != SQLITE_DONE)
        rc = db_error(&rd, src, "logging_event", err);
out:
    reader_close(&rd);
    return rc;
}
