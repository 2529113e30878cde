/* ingest/tail_int.h: the file follower's internals, shared by its own files only.
 *
 * The follower (ingest/tail.h, the header other modules use) is split by concern:
 *   ingest/tail.c          files: discovery (globs, inotify, polling), reading, rotation,
 *                          truncation, idle flush, the read loop;
 *   ingest/tail_content.c  what was emitted and acknowledged per content (fingerprint):
 *                          resuming after a checkpoint, copies and renamed files, the
 *                          checkpoint positions;
 *   ingest/tail_idb.c      Ignition's system_logs.idb, followed by event_id;
 *   ingest/tail_aveva.c    AVEVA's .aaLOG file chain, followed by message number.
 * Only ingest/tail*.c include this header. */
#ifndef FL_TAIL_INT_H
#define FL_TAIL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/log.h"
#include "ingest/tail.h"
#include "parsers/aveva.h"

#define HEAD_CHECK_BYTES 256
#define MAX_WATCHES 256
#define MAX_BAD_PATHS 256

/* What was emitted of one content (host + fingerprint of the first data line), shared by every
 * file that holds it: a renamed file, a copytruncate copy and the original being truncated,
 * a file re-read after a restart. An event is passed on only if it ends past emitted_end, so
 * one content's events leave once each, in offset order, whichever file they are read from. */
struct fp_state {
    uint64_t fingerprint;
    uint64_t host_hash;
    uint64_t emitted_end;  /* events ending at or before this were emitted (or delivered) */
    uint64_t acked_floor;  /* highest fully acknowledged position of a file already closed */
    unsigned refs;         /* open files with this content */
    int64_t released_ms;   /* when refs dropped to 0 */
    uint64_t safe_offset;  /* delivered up to here, whichever file sent it (last update) */
    /* scratch of fl_tail_update_checkpoints */
    uint64_t ck_min_inflight, ck_max_acked;
    struct fl_tail_file *ck_file;
    struct fp_state *next;
};

struct fl_tail_file {
    struct fl_tail *t;
    size_t src_index;
    const struct fl_source_cfg *src;
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    uint64_t read_off;        /* raw bytes pushed into the stream */
    struct fl_stream *stream;
    struct fl_acks acks;
    struct fp_state *fps;     /* set at the first event (the fingerprint is known by then) */
    bool has_ckpt_lookup;
    uint64_t fingerprint;
    bool has_fingerprint;
    uint64_t lines_seen;      /* the stream's line count at the last read (metrics) */
    unsigned gone_misses;     /* consecutive scans that did not see the file */
    uint64_t n_events, n_unparsed; /* for the "not this format" warning */
    bool is_warned_unparsed, is_warned_cut;
    uint8_t head[HEAD_CHECK_BYTES]; /* the file's first bytes: truncation check */
    size_t head_len;
    int64_t last_data_ms;
    bool has_unflushed;       /* data arrived since the last idle flush */
    bool is_gone;             /* the path no longer leads here: drain, then close */
    bool is_eof;              /* the last read reached the end of the file */
    uint8_t last_byte;        /* of what was read: a partial last line or not */
    bool is_dead;             /* content replaced (truncation): no more reads */
    bool is_removed;          /* its source left the configuration: closed without a flush */
    bool is_broken;           /* its stream failed: no more reads, no flush, in this run */
    bool is_finished;         /* stream finished (EOF of a gone file) */
    bool is_polled;
    int wd;                   /* inotify watch of its directory, -1: read every round */
    const struct fl_config *map_cfg; /* cell rules applied per event, or NULL */
    uint32_t name_hash;       /* of the path's last component, for inotify's names */
    bool is_idb;              /* Ignition's system_logs.idb: rows by event_id, not bytes */
    bool is_kind_known;       /* is_idb decided (the file's first 16 bytes are there) */
    bool is_idb_failing;      /* its last read failed (logged once until one succeeds) */
    bool is_chain;            /* an AVEVA .aaLOG: read in message-number order */
    bool has_chain;           /* chain holds its header (complete) */
    bool is_complete;         /* closed by the logger and read up to its trailer */
    struct fl_aveva_chain chain;
    bool is_dirty;            /* inotify said it was written since its last read */
    bool is_seen;             /* scan mark */
    struct fl_tail_file *next;
};

struct tail_watch {
    int wd;
    char *dir;
};

struct fl_tail {
    struct fl_tail_opts opts;
    const struct fl_config *cfg;
    struct fl_tz **tzs;       /* per source */
    size_t n_tzs;
    bool *src_polled;         /* per source */
    int ifd;                  /* inotify, -1 when unavailable */
    struct tail_watch watches[MAX_WATCHES];
    size_t n_watches;
    struct fl_tail_file *files;
    struct fp_state *fps;     /* content states, live and recently released */
    size_t n_fps;
    struct fl_tz **old_tzs;   /* zones of replaced configurations: streams may borrow them */
    size_t n_old_tzs;
    bool needs_scan;
    bool is_paused;
    bool has_backlog;         /* the last round left data unread: no wait before the next */
    size_t read_cursor;       /* where the next round starts reading (fairness) */
    int64_t last_scan_ms;
    int64_t last_round_ms;    /* when the last read round began */
    size_t round_bytes;       /* fl_tail_set_round_bytes, 0: no cap */
    size_t round_left;        /* of it, in the round under way */
    uint8_t *chunk;
    char *bad_paths[MAX_BAD_PATHS];
    size_t n_bad_paths;
    struct fl_tail_stats stats;
};

static inline int64_t now_ms(void)
{
    return fl_now_ms();
}

/* tail_content.c */
/* Finds (or creates) tf's content state once its fingerprint is known; see the definition. */
void fl_tail_fps_attach(struct fl_tail *t, struct fl_tail_file *tf);
void fl_tail_fps_detach(struct fl_tail *t, struct fl_tail_file *tf);
/* The streams' sink: drops what was emitted or delivered before, passes the rest on. */
int fl_tail_emit(void *ctx, struct fl_event *ev);

/* tail.c */
/* The stream configuration of tf (labels from the source and the file-level cell rules). */
void fl_tail_stream_cfg(struct fl_tail *t, struct fl_tail_file *tf, struct fl_stream_cfg *out);

/* tail_idb.c: reads the rows of an idb after its last emitted event_id. 0 or FL_ENOMEM. */
int fl_tail_idb_read(struct fl_tail *t, struct fl_tail_file *tf);

/* tail_aveva.c */
/* True when a lower-numbered file of tf's chain still has data to read. */
bool fl_tail_chain_waits(const struct fl_tail *t, const struct fl_tail_file *tf);
/* After a read that reached the end: re-reads the header, completes a closed file. */
void fl_tail_chain_update(struct fl_tail *t, struct fl_tail_file *tf);

#endif
