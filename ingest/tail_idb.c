/* ingest/tail_idb.c: Ignition's system_logs.idb in the follower (see tail_int.h). */
#include "ingest/tail_int.h"
#include "parsers/ignition_idb.h"

#define IDB_ROWS_PER_READ 20000 /* rows of a system_logs.idb per read round */

/* --- Ignition's system_logs.idb ---------------------------------------------------------
 * Followed by event_id through the SQLite reader (parsers/ignition_idb.h), which opens it
 * read-only for each read: a round reads the rows after the last one emitted (the checkpoint
 * after a restart: an idb's offset is the row's event_id), at most IDB_ROWS_PER_READ. */

struct idb_read {
    struct fl_tail_file *tf;
    struct fl_stream_cfg sc;
    uint64_t fingerprint;
    int64_t now_ms, cursor;
    size_t rows;
};

/* A gateway restart recreates the store and its event_ids start again at 1: what was
 * emitted and acknowledged of the old one says nothing of the new one. Only done with
 * nothing in flight (sequence numbers and acknowledged offsets start afresh). */
static void idb_restart(struct fl_tail *t, struct fl_tail_file *tf)
{
    fl_warn("%s: the store was recreated (gateway restart?): reading it from its first row",
            tf->path);
    fl_acks_free(&tf->acks);
    fl_acks_init(&tf->acks, 0);
    if (tf->fps) {
        tf->fps->emitted_end = 0;
        tf->fps->acked_floor = 0;
        tf->fps->safe_offset = 0;
        if (t->opts.ckpt)
            fl_ckpt_forget(t->opts.ckpt, tf->fps->fingerprint);
    }
}

static int idb_emit(void *ctx, struct fl_event *ev)
{
    struct idb_read *r = ctx;
    struct fl_tail_file *tf = r->tf;
    if (r->rows == 0 && r->cursor > 0 && (int64_t)ev->offset <= r->cursor) {
        if (fl_acks_in_flight(&tf->acks))
            return FL_EAGAIN; /* the old store's rows land first; read again next round */
        idb_restart(tf->t, tf);
    }
    if (r->rows == IDB_ROWS_PER_READ || tf->t->is_paused)
        return FL_EAGAIN; /* the rest next round */
    r->rows++;
    fl_stream_label_event(&r->sc, r->fingerprint, r->now_ms, ev);
    tf->t->stats.lines++;
    return fl_tail_emit(tf, ev);
}

int fl_tail_idb_read(struct fl_tail *t, struct fl_tail_file *tf)
{
    if (!tf->has_ckpt_lookup) {
        tf->has_ckpt_lookup = true;
        fl_tail_fps_attach(t, tf);
    }
    /* fl_tail_fps_attach set the fingerprint: the path, as DESIGN.md says for an idb. */
    struct idb_read r = {.tf = tf, .now_ms = now_ms(), .fingerprint = tf->fingerprint};
    fl_tail_stream_cfg(t, tf, &r.sc);
    r.cursor = tf->fps ? (int64_t)tf->fps->emitted_end : 0;
    int64_t last = 0;
    struct fl_err err;
    int rc = fl_ignition_idb_read(tf->path, r.cursor, &(struct fl_sink){idb_emit, &r}, &last,
                                  &err);
    if (rc == 0 || rc == FL_EAGAIN) {
        if (tf->is_idb_failing)
            fl_info("%s: readable again", tf->path);
        tf->is_idb_failing = false;
        tf->is_eof = rc == 0;
        if (r.rows)
            tf->last_data_ms = r.now_ms;
        return 0;
    }
    if (rc == FL_ENOMEM)
        return rc;
    if (!tf->is_idb_failing) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_warn("%s (retried every poll interval)", msg[0] ? msg : fl_strerror(rc));
    }
    tf->is_idb_failing = true;
    tf->is_eof = true;
    t->stats.read_errors++;
    return 0;
}
