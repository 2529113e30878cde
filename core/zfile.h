/* core/zfile.h: append-only zstd files (the Kafka spool and the event archive) and their
 * streaming reader.
 *
 * A writer compresses into one zstd frame per file; fl_zfile_sync ends a zstd block
 * (ZSTD_e_flush), writes it and fsyncs, so everything appended before a sync survives a
 * crash. A file cut short by a crash reads back up to its last flushed block: the reader
 * reports the clean end there, never garbage. */
#ifndef FL_ZFILE_H
#define FL_ZFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"

struct fl_zwriter;

/* new: creates (or, with is_append, appends a new frame to) path. NULL + err. */
struct fl_zwriter *fl_zwriter_open(const char *path, int level, bool is_append,
                                   struct fl_err *err);
/* Compresses p[0..n). Data may sit in zstd's buffers until the next sync. */
int fl_zwriter_write(struct fl_zwriter *w, const void *p, size_t n);
/* Flushes a block, writes and fsyncs: everything written so far is durable. */
int fl_zwriter_sync(struct fl_zwriter *w);
/* Compressed bytes on disk so far (after the last sync). */
uint64_t fl_zwriter_bytes(const struct fl_zwriter *w);
/* Ends the frame, syncs and closes. Returns the first error seen. */
int fl_zwriter_close(struct fl_zwriter *w);

struct fl_zreader;
/* new: NULL + err when path cannot be opened. */
struct fl_zreader *fl_zreader_open(const char *path, struct fl_err *err);
/* Reads the next '\n'-terminated line (without '\n') into *line (valid until the next
 * call). Returns 1 for a line, 0 at the clean end (incl. a truncated tail), negative on a
 * read error. */
int fl_zreader_line(struct fl_zreader *r, const char **line, size_t *len);
void fl_zreader_close(struct fl_zreader *r);

#endif
