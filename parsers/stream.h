/* parsers/stream.h: one file's bytes in, finished events out.
 *
 * The stream is the single path from raw bytes to events, shared by `faultline parse`, the
 * tailer and the fuzz targets: it detects the encoding (and, with source "auto", the parser)
 * from the first 4 KiB, splits and decodes lines with their raw offsets, computes the file
 * fingerprint and each event's id (DESIGN.md), applies host/site/line/cell from the
 * configuration, stamps ingest time, and hands the parser's events to the caller's sink.
 * It does no I/O itself: the caller pushes bytes. */
#ifndef FL_STREAM_H
#define FL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "parsers/parser.h"

struct fl_stream_cfg {
    const char *file;          /* path as configured (events' "file", errors) */
    const char *source;        /* parser id, or NULL/"auto" to detect */
    const struct fl_tz *tz;    /* NULL: UTC */
    enum fl_date_order date_order;
    enum fl_encoding encoding; /* FL_ENC_AUTO to detect */
    const char *host, *site, *line, *cell; /* NULL or "": from the record, else "" */
    const char *const *extra_sources;
    const struct fl_layout *layout;
    size_t max_line_bytes;     /* 0: 1 MiB */
    int64_t (*clock_ms)(void *ctx); /* ingest clock; NULL: fl_now_ms */
    void *clock_ctx;
    struct fl_sink out;        /* receives every finished event */
};

struct fl_stream_stats {
    uint64_t records;     /* events emitted */
    uint64_t unparsed;    /* of which unparsed */
    uint64_t headers;     /* header rows skipped */
    uint64_t lines;       /* physical lines seen */
    uint64_t bytes;       /* raw bytes pushed */
};

struct fl_stream;

/* new: NULL + err when the source is unknown or the parser cannot open. */
struct fl_stream *fl_stream_new(const struct fl_stream_cfg *cfg, struct fl_err *err);
/* Pushes the next raw bytes of the file. Returns 0 or a negative code (the sink's value). */
int fl_stream_write(struct fl_stream *s, const uint8_t *p, size_t n);
/* End of input: emits the partial last line and the held-back record. */
int fl_stream_finish(struct fl_stream *s);
/* Idle timeout while tailing: emits a partial last line (as a line without its newline; the
 * rest, when it comes, starts a new line at the right raw offset) and the held-back record. */
int fl_stream_idle_flush(struct fl_stream *s);
/* True once the file fingerprint is known (after its first data line); sets *fp. */
bool fl_stream_fingerprint(const struct fl_stream *s, uint64_t *fp);
/* Raw offset up to which bytes are fully turned into events or held in the parser: the
 * offset of the first byte not yet framed into a complete line. */
uint64_t fl_stream_consumed(const struct fl_stream *s);
/* The last error of the stream (parser open failure), borrowed. */
const struct fl_err *fl_stream_error(const struct fl_stream *s);
/* The parser in use ("unknown" while undecided or when auto found none). */
const char *fl_stream_source(const struct fl_stream *s);
/* True when source "auto" matched no parser (events are then unparsed, source "unknown"). */
bool fl_stream_is_unknown(const struct fl_stream *s);
const struct fl_stream_stats *fl_stream_stats(const struct fl_stream *s);
/* The encoding decided for the file (AUTO until decided). */
enum fl_encoding fl_stream_encoding(const struct fl_stream *s);
void fl_stream_free(struct fl_stream *s);

/* Fills what the stream adds to every event (labels from cfg, file, ingest time, id) for a
 * record read outside a stream, such as a row of Ignition's system_logs.idb. */
void fl_stream_label_event(const struct fl_stream_cfg *cfg, uint64_t fingerprint, int64_t now_ms,
                           struct fl_event *ev);

/* The fingerprint/id functions (DESIGN.md "id"), exposed for tests and the tailer. */
uint64_t fl_fingerprint_bytes(const void *p, size_t n);   /* xxh64, seed 0 */
uint64_t fl_event_id(const char *host, uint64_t fingerprint, uint64_t offset);

#endif
