/* parsers/ignition_idb.h: Ignition's SQLite log store (system_logs.idb), read-only, and the
 * classification the text parser (parsers/ignition.c) and this reader share.
 *
 * system_logs.idb is logback's DBAppender schema (formats/ignition.md §2): logging_event
 * (event_id, timestmp, formatted_message, logger_name, level_string, ...), MDC rows in
 * logging_event_property and stack lines in logging_event_exception. The reader polls it:
 * each call returns the rows after a cursor (the last event_id seen) and moves the cursor.
 * It never writes to the file and never holds it open between calls. */
#ifndef FL_IGNITION_IDB_H
#define FL_IGNITION_IDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"
#include "parsers/parser.h"
#include "schemas/event.h"

/* Reads the rows of logging_event with event_id > after_event_id, in event_id order, and
 * emits one event per row through sink: ts = timestmp (UTC ms, --tz does not apply),
 * severity from level_string (ignition.md §6), component = logger_name, message =
 * formatted_message followed by the exception rows (ordered by i) joined with '\n', MDC
 * rows in attrs, offset = end_offset = event_id, lines = 1, source "ignition", category and
 * code as for wrapper.log. id, file, ingest_ms and host are left to the caller (the id's
 * fingerprint for an idb is the path as configured).
 *
 * The file is opened read-only ("file:<path>?mode=ro"), waiting up to 1 s for a writer's
 * lock. When after_event_id is larger than the largest event_id in the file, the store was
 * recreated (a gateway restart clears it): the cursor is reset and every row is read again.
 *
 * *last_event_id is set to the event_id of the last row emitted, or to the cursor in force
 * (after_event_id, or -1 after a reset) when no row was read. Returns 0; FL_EIO when the file
 * cannot be opened; FL_ECORRUPT when it is not an SQLite database or lacks logging_event
 * (err names the file); FL_ENOMEM; or the sink's non-zero value, which stops the read (the
 * cursor then points at the last row the sink accepted). */
int fl_ignition_idb_read(const char *path, int64_t after_event_id, const struct fl_sink *sink,
                         int64_t *last_event_id, struct fl_err *err);

/* ---- Shared with parsers/ignition.c: not for other modules. ---- */

/* The compiled category catalog (ignition.md §8) and its match data. new: free with
 * fl_ignition_cls_free. Not thread-safe: one per parser state or per idb read. */
struct fl_ignition_cls;
struct fl_ignition_cls *fl_ignition_cls_new(struct fl_err *err);
void fl_ignition_cls_free(struct fl_ignition_cls *c);

/* Classifies one record whose whole text (all lines) is text[0..n): sets ev->category
 * (unless the caller already set one), ev->code, and the attrs status_hex, endpoint, peer,
 * port, http_status and gateway_error. Views point into text or into arena (borrowed: both
 * must outlive the event's emission). */
void fl_ignition_cls_apply(struct fl_ignition_cls *c, const char *text, size_t n,
                           struct fl_arena *arena, struct fl_event *ev);

/* Severity of a logback level (ignition.md §6 rule 1): "E"/"ERROR" error, "W"/"WARN"
 * warning, "I"/"INFO" info, "D"/"DEBUG" and "T"/"TRACE" debug. False if p is none of them. */
bool fl_ignition_logback_severity(const char *p, size_t n, enum fl_severity *sev);

/* Adds one MDC pair as an attribute (key as written); connection-name is also written as
 * attrs.connection. key and val are borrowed. */
void fl_ignition_attr_mdc(struct fl_event *ev, struct fl_str key, struct fl_str val);

/* Rule 4.2: the line is an exception header ("java.lang.Throwable: null"); *class_len gets
 * the length of its class name. */
bool fl_ignition_is_exception_header(const char *p, size_t n, size_t *class_len);
/* Rule 4.1: the line is a stack line (TAB, "at x", "Caused by: ", "Suppressed: ",
 * "... N more" / "... N common frames omitted"). */
bool fl_ignition_is_stack_line(const char *p, size_t n);
/* The exception class a line names: an exception header's class (also a packaged class
 * named just Exception/Error/Throwable, java.lang.Throwable, which rule 4.2 leaves out), or
 * the class after "Caused by: " / "Suppressed: ". Returns false if the line names none. */
bool fl_ignition_line_exception(const char *p, size_t n, struct fl_str *cls);

#endif
