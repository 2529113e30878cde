/* ingest/tail.h: follows log files as they are written.
 *
 * inotify on the directories of the configured globs (create, move, modify, delete-self,
 * move-self; a queue overflow triggers a rescan), and polling where inotify cannot see:
 * directories on CIFS/SMB2, NFS or FUSE (statfs), a source configured `poll: always`, or
 * whenever inotify fails. Each file runs through one fl_stream (parsers/stream.h), the same
 * path as `faultline parse`.
 *
 * Identity: device + inode for the path, the fingerprint of the first data line for the
 * content (as in event ids). A rename rotation keeps the open descriptor and reads the old
 * file to its end before it is closed; the new file at the path is opened from 0. A size
 * below the read position, or first bytes that changed, is a truncation (copytruncate): the
 * old content is done (a partial last line of it is dropped, never published cut) and the
 * path restarts at 0 as a new file. Every chunk read is checked against truncation after the
 * read, so bytes of new content are never taken for the old content's continuation. A
 * deleted open file is drained. A new file matching a glob is picked up. A file that still
 * has a name is not taken for gone because one directory listing missed it (a rename in
 * progress).
 *
 * Content: files with the same host and fingerprint hold the same records at the same
 * offsets (a renamed file, a copytruncate copy next to its original, a file re-read after a
 * restart). They share one state: an event is passed on only if it ends past everything
 * already emitted for that content, or delivered before the restart (the checkpoint, found
 * by fingerprint). So a copy continues where its original stopped, with no duplicate, and a
 * restart re-reads each file from byte 0 and suppresses what was delivered: the parser's
 * per-file state (DST fold, date order, held multi-line records) is rebuilt exactly as when
 * the file was first read. A content's checkpoint is the lowest acknowledged prefix among
 * its files with records in flight (each record was emitted by one of them).
 *
 * The tailer never blocks on its consumer: events go to the callback, which takes the file
 * handle and records the event's sequence for acknowledgement. Reading pauses while the
 * callback's owner reports back-pressure (fl_tail_set_paused). */
#ifndef FL_TAIL_H
#define FL_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "ingest/checkpoint.h"
#include "ingest/config.h"
#include "parsers/stream.h"

struct fl_tail;
struct fl_tail_file; /* one followed file; stays valid while it has records in flight */

struct fl_tail_cb {
    /* One event of file tf. The callee must call fl_tail_ack(tf, seq) exactly once for it,
     * now or later (seq from fl_tail_track). Non-zero stops reading this file this round. */
    int (*event)(void *ctx, struct fl_tail_file *tf, struct fl_event *ev);
    void *ctx;
};

struct fl_tail_opts {
    const struct fl_config *cfg;   /* sources, limits; borrowed for the tailer's life */
    struct fl_ckpt *ckpt;          /* borrowed; the tailer reads and advances entries */
    struct fl_tail_cb cb;
    bool is_force_poll;            /* every source polled (tests of the NFS path) */
};

/* new: NULL + err when inotify and polling both cannot start, or a zone is unknown. */
struct fl_tail *fl_tail_new(const struct fl_tail_opts *opts, struct fl_err *err);
/* One round: waits up to timeout_ms for inotify events (or the poll interval; no wait while
 * a backlog is left), scans the globs when something changed, reads what is new in the files
 * (at most 50 ms of reading per round, fairly rotated, so scans stay frequent), flushes idle
 * records, closes drained files. Returns 0, or a negative code for a fatal error. */
int fl_tail_run_once(struct fl_tail *t, int timeout_ms);
/* Shutdown: reads what the files hold (at most 500 ms), but flushes neither held records
 * nor partial last lines: either may still grow, and publishing a cut record would give its
 * id to an incomplete event. Not acknowledged, they stay after the checkpoint and are read
 * again, whole, at the next start. */
int fl_tail_drain(struct fl_tail *t);
/* Registers ev (of tf) as in flight; *seq identifies it in fl_tail_ack. */
int fl_tail_track(struct fl_tail_file *tf, const struct fl_event *ev, uint64_t *seq);
/* The record seq of tf is delivered (or durably spooled/archived). */
void fl_tail_ack(struct fl_tail_file *tf, uint64_t seq);
/* Writes the checkpoint entries of every file (fl_ckpt_save is the caller's). */
void fl_tail_update_checkpoints(struct fl_tail *t);
void fl_tail_set_paused(struct fl_tail *t, bool is_paused);
/* Raw bytes the next read round may read over all files (0: only the per-file budget), so the
 * owner reads no more than its output can take right now. */
void fl_tail_set_round_bytes(struct fl_tail *t, size_t max_bytes);
/* Replaces the configuration (SIGHUP): files of removed sources are drained and closed,
 * new sources are scanned; positions are kept. */
int fl_tail_reload(struct fl_tail *t, const struct fl_config *cfg, struct fl_err *err);

struct fl_tail_stats {
    uint64_t lines, bytes, events, unparsed, files_open, files_polled, rotations,
        truncations, read_errors, cut_lines;
    uint64_t chain_missing;   /* AVEVA message numbers missing between chained files */
};
const struct fl_tail_stats *fl_tail_stats(const struct fl_tail *t);
/* Per-file view for metrics: calls fn for each open file. */
void fl_tail_foreach(struct fl_tail *t,
                     void (*fn)(void *ctx, const char *path, const char *source,
                                uint64_t read_offset, uint64_t acked_offset),
                     void *ctx);
/* The file's path and source name, for logs and headers. */
const char *fl_tail_file_path(const struct fl_tail_file *tf);
void fl_tail_free(struct fl_tail *t);

#endif
