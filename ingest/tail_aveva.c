/* ingest/tail_aveva.c: AVEVA's .aaLOG file chain in the follower (see tail_int.h). */
#include "ingest/tail_int.h"

/* --- AVEVA's file chain -----------------------------------------------------------------
 * The logger writes one .aaLOG after another, message numbers continuing from file to file
 * (aveva.md §2.4). The chain's files are read in message-number order: a file waits while
 * one with lower numbers of the same source still has unread data (at the first start, or
 * after a restart, the whole chain is replayed in order). Once the logger has closed a file
 * and it is read up to its trailer, it is complete and no longer read; the next file's first
 * number must then be this one's first + count, else the records between are missing. */

/* True when a lower-numbered file of tf's chain still has data to read. */
bool fl_tail_chain_waits(const struct fl_tail *t, const struct fl_tail_file *tf)
{
    if (!tf->has_chain)
        return false;
    for (const struct fl_tail_file *o = t->files; o; o = o->next)
        if (o != tf && o->has_chain && o->src_index == tf->src_index && !o->is_complete &&
            !o->is_dead && !o->is_finished && !o->is_broken && !o->is_eof &&
            o->chain.first_msgno < tf->chain.first_msgno)
            return true;
    return false;
}

/* After a read that reached the end: re-reads the header (it changes while the file is
 * written) and, once the file is closed and read up to its trailer, completes it. */
void fl_tail_chain_update(struct fl_tail *t, struct fl_tail_file *tf)
{
    if (tf->is_complete || fl_aveva_chain_read(tf->fd, &tf->chain) != 0)
        return;
    tf->has_chain = true;
    if (!tf->chain.is_closed || tf->read_off < tf->chain.records_end)
        return;
    tf->is_complete = true;
    uint64_t next = tf->chain.first_msgno + tf->chain.count;
    const struct fl_tail_file *succ = NULL;
    for (const struct fl_tail_file *o = t->files; o; o = o->next)
        if (o != tf && o->has_chain && o->src_index == tf->src_index &&
            o->chain.first_msgno > tf->chain.first_msgno &&
            (!succ || o->chain.first_msgno < succ->chain.first_msgno))
            succ = o;
    if (succ && succ->chain.first_msgno > next) {
        t->stats.chain_missing += succ->chain.first_msgno - next;
        fl_warn("%s: AVEVA chain: message numbers %llu..%llu are missing before %s (the "
                "trailer names %s; files deleted or not copied?)", tf->path,
                (unsigned long long)next, (unsigned long long)succ->chain.first_msgno - 1,
                succ->path, tf->chain.next_name[0] ? tf->chain.next_name : "no next file");
    } else if (succ && succ->chain.first_msgno < next) {
        fl_warn("%s: AVEVA chain: its message numbers run to %llu, past the first of %s (%llu): "
                "the two files overlap", tf->path, (unsigned long long)next - 1, succ->path,
                (unsigned long long)succ->chain.first_msgno);
    } else if (!succ) {
        fl_info("%s: complete (messages %llu..%llu); next in the chain: %s", tf->path,
                (unsigned long long)tf->chain.first_msgno, (unsigned long long)next - 1,
                tf->chain.next_name[0] ? tf->chain.next_name : "(not named)");
    }
}
