/* ingest/checkpoint.h: how far each file is safely delivered, and where that is stored.
 *
 * fl_acks tracks one file's records in flight, in read order. Acknowledgements (broker
 * delivery reports, fsync'd spool writes, archive writes) arrive out of order; the file's
 * safe offset is the end of the longest prefix of acknowledged records, never the newest
 * ack: moving past a record still in flight would lose it on a crash.
 *
 * fl_ckpt is the checkpoint file in state_dir: one line per file identity (fingerprint of
 * the file's first data line, as in event ids), written atomically (temp file, fsync,
 * rename, fsync of the directory). Keyed by fingerprint, a checkpoint follows a file across
 * a rename rotation and recognises a copytruncate copy; device and inode are kept as hints. */
#ifndef FL_CHECKPOINT_H
#define FL_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

struct fl_acks {
    uint64_t *end_offsets; /* ring, indexed by seq % cap */
    uint8_t *is_done;
    size_t cap;
    uint64_t head_seq;     /* oldest record not yet acknowledged */
    uint64_t next_seq;     /* seq of the next pushed record */
    uint64_t acked_offset; /* end of the longest acknowledged prefix */
};

void fl_acks_init(struct fl_acks *a, uint64_t start_offset); /* allocates nothing */
/* Registers the next record (its raw end offset); sets *seq. FL_ENOMEM when the ring
 * cannot grow. */
int fl_acks_push(struct fl_acks *a, uint64_t end_offset, uint64_t *seq);
/* Marks seq acknowledged and advances acked_offset over the done prefix. Unknown or
 * repeated seqs are ignored. */
void fl_acks_done(struct fl_acks *a, uint64_t seq);
static inline size_t fl_acks_in_flight(const struct fl_acks *a)
{
    return (size_t)(a->next_seq - a->head_seq);
}
void fl_acks_free(struct fl_acks *a);

struct fl_ckpt_entry {
    uint64_t fingerprint;
    uint64_t offset;      /* raw offset: everything before it is delivered */
    uint64_t dev, ino;
    int64_t updated_ms;
    char path[512];
};

struct fl_ckpt {
    char *path;           /* the checkpoint file */
    struct fl_ckpt_entry *entries;
    size_t n, cap;
    bool is_dirty;
};

/* Loads path (a missing file is a first start). FL_ECORRUPT naming the line on a bad line. */
int fl_ckpt_open(struct fl_ckpt *ck, const char *path, struct fl_err *err);
/* The entry of a fingerprint, or NULL. */
const struct fl_ckpt_entry *fl_ckpt_get(const struct fl_ckpt *ck, uint64_t fingerprint);
/* An unchanged entry's updated_ms is refreshed by fl_ckpt_set at most this often. */
#define FL_CKPT_REFRESH_MS (3600 * 1000)

/* Records an offset (only ever forward for a given fingerprint). Setting an unchanged entry
 * refreshes its updated_ms when it is older than FL_CKPT_REFRESH_MS: a caller that sets the
 * entries of every open file regularly keeps them from expiring. */
int fl_ckpt_set(struct fl_ckpt *ck, uint64_t fingerprint, uint64_t offset, uint64_t dev,
                uint64_t ino, const char *path, int64_t now_ms);
/* Drops a fingerprint's entry: its content started again (a recreated database), so the
 * next offsets set are smaller than the old ones. */
void fl_ckpt_forget(struct fl_ckpt *ck, uint64_t fingerprint);
/* Writes the file atomically if anything changed. */
int fl_ckpt_save(struct fl_ckpt *ck, struct fl_err *err);
/* Drops entries not updated since before cutoff_ms (files long gone). The caller must have
 * set every open file's entry within the last FL_CKPT_REFRESH_MS, and must not expire
 * entries it loaded at start before it had that long to see their files. */
void fl_ckpt_expire(struct fl_ckpt *ck, int64_t cutoff_ms);
void fl_ckpt_close(struct fl_ckpt *ck);

#endif
