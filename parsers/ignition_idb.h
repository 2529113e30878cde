/* parsers/ignition_idb.h: Ignition's SQLite log store (system_logs.idb), read-only.
 *
 * system_logs.idb is logback's DBAppender schema (formats/ignition.md §2): logging_event
 * (event_id, timestmp, formatted_message, logger_name, level_string, ...), MDC rows in
 * logging_event_property and stack lines in logging_event_exception. The reader polls it:
 * each call returns the rows after a cursor (the last event_id seen) and moves the cursor.
 * It never writes to the file and never holds it open between calls.
 *
 * The wrapper.log parser is reached through the registry (fl_parser_ignition); this header
 * is the Ignition module's only other entry point. Its internals (parsers/ignition.h) are
 * for parsers/ignition*.c alone. */
#ifndef FL_IGNITION_IDB_H
#define FL_IGNITION_IDB_H

#include <stdint.h>
#include "core/err.h"
#include "parsers/parser.h"

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

#endif
