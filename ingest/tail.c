/* ingest/tail.c: the file follower (see tail.h). One thread; inotify for local
 * directories, stat polling for network filesystems; every file through one fl_stream. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "ingest/tail_int.h"

#define READ_CHUNK (256u << 10)
/* Per file per round: one busy file cannot starve the rest, and a round stays short enough
 * that the next scan sees a new file long before a fast rotation deletes it. */
#define READ_BUDGET (512u << 10)
#define DRAIN_MAX_MS 500       /* shutdown: reading what is left, at most this long */
#define ROUND_READ_MS 50       /* reading per round, before the next scan */
#define COALESCE_MS 5          /* a wake-up by inotify waits this long after the last round */
#define GONE_MISSES 3          /* scans that miss a still-linked file before it counts as gone */

/* statfs magic numbers of filesystems where inotify sees no remote writes. */
#define FS_CIFS 0xFF534D42u
#define FS_SMB2 0xFE534D42u
#define FS_SMB 0x517Bu
#define FS_NFS 0x6969u
#define FS_FUSE 0x65735546u

static bool is_network_fs(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0)
        return false;
    switch ((uint32_t)sf.f_type) {
    case FS_CIFS: case FS_SMB2: case FS_SMB: case FS_NFS: case FS_FUSE: return true;
    default: return false;
    }
}

/* Logs a problem with a path once, until it goes away (no log storm every poll). */
static void bad_path(struct fl_tail *t, const char *path, const char *what, int errnum)
{
    for (size_t i = 0; i < t->n_bad_paths; i++)
        if (strcmp(t->bad_paths[i], path) == 0)
            return;
    fl_warn("%s: %s%s%s (skipped; retried on every scan)", path, what, errnum ? ": " : "",
            errnum ? strerror(errnum) : "");
    if (t->n_bad_paths < MAX_BAD_PATHS)
        t->bad_paths[t->n_bad_paths++] = strdup(path);
    t->stats.read_errors++;
}

static void bad_path_clear(struct fl_tail *t, const char *path)
{
    for (size_t i = 0; i < t->n_bad_paths; i++)
        if (t->bad_paths[i] && strcmp(t->bad_paths[i], path) == 0) {
            free(t->bad_paths[i]);
            t->bad_paths[i] = t->bad_paths[--t->n_bad_paths];
            return;
        }
}

const char *fl_tail_file_path(const struct fl_tail_file *tf)
{
    return tf->path;
}

/* The stream configuration of tf (labels from the source and the file-level cell rules). */
void fl_tail_stream_cfg(struct fl_tail *t, struct fl_tail_file *tf, struct fl_stream_cfg *out)
{
    const struct fl_source_cfg *src = tf->src;
    const char *site = src->site, *line = src->line, *cell = src->cell;
    const char *s2 = NULL, *l2 = NULL, *c2 = NULL;
    if (!tf->map_cfg)
        fl_config_map_cell(t->cfg, src->host, tf->path, &s2, &l2, &c2);
    *out = (struct fl_stream_cfg){
        .file = tf->path,
        .source = src->type,
        .tz = t->tzs[tf->src_index],
        .date_order = src->date_order,
        .encoding = src->encoding,
        .host = src->host,
        .site = site ? site : s2,
        .line = line ? line : l2,
        .cell = cell ? cell : c2,
        .extra_sources = src->extra_sources,
        .layout = src->has_layout ? &src->layout : NULL,
        .max_line_bytes = t->cfg->max_line_bytes,
        .out = {fl_tail_emit, tf},
    };
}

static int stream_open(struct fl_tail *t, struct fl_tail_file *tf)
{
    /* Rules that need the records (attributes, or the host when the records name it) are
     * applied per event, all of them in their order; otherwise once, in the labels. */
    tf->map_cfg = fl_config_needs_event_map(t->cfg, tf->src->host != NULL) ? t->cfg : NULL;
    struct fl_stream_cfg sc;
    fl_tail_stream_cfg(t, tf, &sc);
    struct fl_err err;
    tf->stream = fl_stream_new(&sc, &err);
    if (!tf->stream) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_error("%s", msg);
        return FL_EINVAL;
    }
    return 0;
}

/* FNV-1a of a path's last component. */
static uint32_t name_hash(const char *path)
{
    const char *slash = strrchr(path, '/');
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)(slash ? slash + 1 : path); *c; c++)
        h = (h ^ *c) * 16777619u;
    return h;
}

/* The inotify watch of path's directory (the same dirname as setup_sources derives from a
 * glob), or -1: such a file has no events to wait for and is read every round. */
static int watch_of(const struct fl_tail *t, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 0;
    for (size_t i = 0; i < t->n_watches; i++)
        if (strlen(t->watches[i].dir) == n && memcmp(t->watches[i].dir, path, n) == 0)
            return t->watches[i].wd;
    return -1;
}

static struct fl_tail_file *file_open(struct fl_tail *t, size_t src_index, const char *path,
                                      const struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        bad_path(t, path, "cannot open", errno);
        return NULL;
    }
    bad_path_clear(t, path);
    struct fl_tail_file *tf = calloc(1, sizeof *tf);
    if (!tf || !(tf->path = strdup(path))) {
        free(tf);
        close(fd);
        return NULL;
    }
    tf->t = t;
    tf->src_index = src_index;
    tf->src = &t->cfg->sources[src_index];
    tf->fd = fd;
    tf->dev = st->st_dev;
    tf->ino = st->st_ino;
    tf->is_polled = t->src_polled[src_index];
    tf->wd = tf->is_polled ? -1 : watch_of(t, path);
    tf->name_hash = name_hash(path);
    tf->is_dirty = true;
    tf->last_data_ms = now_ms();
    if (strcmp(tf->src->type, "aveva") == 0) {
        int crc = fl_aveva_chain_read(fd, &tf->chain);
        tf->is_chain = crc == 0 || crc == FL_EAGAIN;
        tf->has_chain = crc == 0;
    }
    fl_acks_init(&tf->acks, 0);
    if (stream_open(t, tf) != 0) {
        close(fd);
        free(tf->path);
        free(tf);
        return NULL;
    }
    tf->next = t->files;
    t->files = tf;
    t->stats.files_open++;
    if (tf->is_polled)
        t->stats.files_polled++;
    fl_info("%s: following (%s%s)", path, tf->src->type, tf->is_polled ? ", polled" : "");
    return tf;
}

static void file_free(struct fl_tail *t, struct fl_tail_file *tf)
{
    fl_tail_fps_detach(t, tf);
    if (tf->fd >= 0)
        close(tf->fd);
    fl_stream_free(tf->stream);
    fl_acks_free(&tf->acks);
    t->stats.files_open--;
    if (tf->is_polled)
        t->stats.files_polled--;
    free(tf->path);
    free(tf);
}

static bool head_changed(struct fl_tail_file *tf)
{
    if (tf->head_len == 0)
        return false;
    uint8_t head[HEAD_CHECK_BYTES];
    ssize_t h = pread(tf->fd, head, tf->head_len, 0);
    return h != (ssize_t)tf->head_len || memcmp(head, tf->head, tf->head_len) != 0;
}

/* The content at tf's descriptor was replaced (truncation, copytruncate): no more reads. The
 * path is opened afresh by the next scan as a new file (new fingerprint, own checkpoint); the
 * old content's records in flight still acknowledge into tf. */
static void mark_replaced(struct fl_tail *t, struct fl_tail_file *tf)
{
    fl_warn("%s: truncated or replaced at offset %llu; reading it again from 0", tf->path,
            (unsigned long long)tf->read_off);
    t->stats.truncations++;
    tf->is_dead = true;
    tf->is_gone = true;
    t->needs_scan = true;
}

/* An Ignition source's file is a system_logs.idb when it starts with SQLite's magic. A file
 * shorter than the magic that could still become one (a store being created) is not read
 * yet; false until that is decided. */
static bool kind_decide(struct fl_tail_file *tf)
{
    static const char magic[16] = "SQLite format 3";
    if (strcmp(tf->src->type, "ignition") == 0 && tf->read_off == 0) {
        char head[16];
        ssize_t n = pread(tf->fd, head, sizeof head, 0);
        if (n < 0)
            return false;
        if ((size_t)n < sizeof head && memcmp(head, magic, (size_t)n) == 0)
            return false;
        tf->is_idb = (size_t)n == sizeof head && memcmp(head, magic, sizeof head) == 0;
    }
    tf->is_kind_known = true;
    return true;
}

/* Pushes what is new in one file into its stream, up to READ_BUDGET bytes; tf->is_eof tells
 * whether the end was reached. Every chunk is checked against truncation after it was read
 * (size below the position, or first bytes changed): a writer that truncates and writes
 * again between two rounds would otherwise hand us the new content's bytes at the old
 * position, cut mid-line. Checking after the read makes the race harmless: if the content
 * changed before or during the read, the head check sees it and the chunk is dropped. */
static int file_read(struct fl_tail *t, struct fl_tail_file *tf)
{
    tf->is_eof = false;
    if (tf->is_dead || tf->is_finished || tf->is_broken)
        return 0;
    if (!tf->is_kind_known && !kind_decide(tf)) {
        tf->is_eof = true; /* too short to tell yet */
        return 0;
    }
    if (tf->is_idb)
        return fl_tail_idb_read(t, tf);
    size_t budget = READ_BUDGET < t->round_left ? READ_BUDGET : t->round_left;
    while (budget) {
        size_t want = budget < READ_CHUNK ? budget : READ_CHUNK;
        ssize_t n = pread(tf->fd, t->chunk, want, (off_t)tf->read_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                fl_warn("%s: read error at offset %llu: %s", tf->path,
                        (unsigned long long)tf->read_off, strerror(errno));
                t->stats.read_errors++;
            }
            return 0;
        }
        if (n == 0) {
            struct stat st;
            if (fstat(tf->fd, &st) == 0 && (uint64_t)st.st_size < tf->read_off) {
                mark_replaced(t, tf);
                return 0;
            }
            tf->is_eof = true;
            break;
        }
        if (head_changed(tf)) {
            mark_replaced(t, tf);
            return 0;
        }
        if (tf->head_len < HEAD_CHECK_BYTES && tf->read_off == tf->head_len) {
            /* Remember the file's first bytes: if they change, the file was replaced. */
            size_t take = HEAD_CHECK_BYTES - tf->head_len;
            if ((size_t)n < take)
                take = (size_t)n;
            memcpy(tf->head + tf->head_len, t->chunk, take);
            tf->head_len += take;
        }
        tf->read_off += (uint64_t)n;
        tf->last_byte = t->chunk[n - 1];
        t->stats.bytes += (uint64_t)n;
        tf->last_data_ms = now_ms();
        tf->has_unflushed = true;
        int rc = fl_stream_write(tf->stream, t->chunk, (size_t)n);
        uint64_t lines = fl_stream_stats(tf->stream)->lines;
        t->stats.lines += lines - tf->lines_seen;
        tf->lines_seen = lines;
        if (rc && rc != FL_EAGAIN) {
            /* The stream stopped inside this chunk: the rest of it was never framed. Reading
             * on would skip those records and let the checkpoint pass them; the file stops
             * here instead, and the next start reads it again from its checkpoint. */
            fl_error("%s: %s near offset %llu; the file is no longer read in this run (it is "
                     "read again from its checkpoint at the next start)", tf->path,
                     fl_strerror(rc), (unsigned long long)tf->read_off);
            tf->is_broken = true;
            t->stats.read_errors++;
            return rc == FL_ENOMEM ? rc : 0;
        }
        t->round_left -= (size_t)n;
        if ((size_t)n < want) {
            /* A short read is the end for now: one read instead of two per round. Data
             * written since raises another event; truncation is checked at the next read
             * that finds nothing, on every scan, and by the head check. */
            tf->is_eof = true;
            break;
        }
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
    }
    return 0;
}

/* True when the file at tf's descriptor was truncated or its first bytes replaced. */
static bool file_was_replaced(struct fl_tail_file *tf)
{
    struct stat st;
    if (fstat(tf->fd, &st) != 0)
        return false;
    if ((uint64_t)st.st_size < tf->read_off)
        return true;
    return head_changed(tf);
}

static struct fl_tail_file *find_by_inode(struct fl_tail *t, dev_t dev, ino_t ino)
{
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next)
        if (!tf->is_dead && tf->dev == dev && tf->ino == ino)
            return tf;
    return NULL;
}

static void watch_dir(struct fl_tail *t, const char *dir)
{
    if (t->ifd < 0)
        return;
    for (size_t i = 0; i < t->n_watches; i++)
        if (strcmp(t->watches[i].dir, dir) == 0)
            return;
    if (t->n_watches == MAX_WATCHES)
        return;
    int wd = inotify_add_watch(t->ifd, dir,
                               IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY |
                                   IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |
                                   IN_MOVE_SELF);
    if (wd < 0) {
        fl_warn("%s: inotify: %s; polling it instead", dir, strerror(errno));
        return;
    }
    t->watches[t->n_watches].wd = wd;
    t->watches[t->n_watches].dir = strdup(dir);
    t->n_watches++;
}

/* Decides per source whether it is polled, and watches its directories otherwise. */
static void setup_sources(struct fl_tail *t)
{
    for (size_t i = 0; i < t->cfg->n_sources; i++) {
        const struct fl_source_cfg *src = &t->cfg->sources[i];
        bool is_polled = t->opts.is_force_poll || src->poll == FL_POLL_ALWAYS || t->ifd < 0;
        for (size_t g = 0; g < src->n_globs && !is_polled; g++) {
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s", src->globs[g]);
            char *slash = strrchr(dir, '/');
            if (slash)
                *(slash == dir ? slash + 1 : slash) = 0;
            if (src->poll == FL_POLL_AUTO && is_network_fs(dir)) {
                fl_info("%s: network filesystem: source %s is polled", dir, src->name);
                is_polled = true;
                break;
            }
            size_t before = t->n_watches;
            watch_dir(t, dir);
            if (t->n_watches == before) {
                bool is_watched = false;
                for (size_t w = 0; w < t->n_watches; w++)
                    if (strcmp(t->watches[w].dir, dir) == 0)
                        is_watched = true;
                if (!is_watched)
                    is_polled = src->poll != FL_POLL_NEVER;
            }
        }
        t->src_polled[i] = is_polled;
    }
}

/* Matches every glob; opens new files, follows renames, marks vanished files gone. */
static void scan(struct fl_tail *t)
{
    t->last_scan_ms = now_ms();
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next)
        tf->is_seen = false;
    for (size_t i = 0; i < t->cfg->n_sources; i++) {
        const struct fl_source_cfg *src = &t->cfg->sources[i];
        for (size_t g = 0; g < src->n_globs; g++) {
            glob_t gl;
            int grc = glob(src->globs[g], GLOB_NOSORT | GLOB_ERR, NULL, &gl);
            if (grc != 0) {
                if (grc != GLOB_NOMATCH)
                    bad_path(t, src->globs[g], "cannot list", errno ? errno : EIO);
                globfree(&gl);
                continue;
            }
            for (size_t k = 0; k < gl.gl_pathc; k++) {
                const char *path = gl.gl_pathv[k];
                struct stat st;
                if (stat(path, &st) != 0) {
                    bad_path(t, path, "cannot stat", errno);
                    continue;
                }
                if (!S_ISREG(st.st_mode)) {
                    /* A FIFO, device or directory: reading it could block or never end. */
                    bad_path(t, path, "not a regular file", 0);
                    continue;
                }
                struct fl_tail_file *tf = find_by_inode(t, st.st_dev, st.st_ino);
                if (tf) {
                    tf->is_seen = true;
                    tf->gone_misses = 0;
                    if (strcmp(tf->path, path) != 0) {
                        /* Renamed (rotation): keep reading the same descriptor. */
                        char *np = strdup(path);
                        if (np) {
                            fl_info("%s: renamed to %s (rotation)", tf->path, np);
                            free(tf->path);
                            tf->path = np;
                            t->stats.rotations++;
                            if (!tf->is_polled)
                                tf->wd = watch_of(t, np);
                            tf->name_hash = name_hash(np);
                            tf->is_dirty = true;
                        }
                    }
                    if (tf->is_gone && !tf->is_finished)
                        tf->is_gone = false;
                    continue;
                }
                tf = file_open(t, i, path, &st);
                if (tf)
                    tf->is_seen = true;
            }
            globfree(&gl);
        }
    }
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        if (tf->is_seen || tf->is_gone)
            continue;
        /* readdir may miss an entry renamed while it lists the directory (a rotation in
         * progress): a file that still has a name is only gone once its path leads elsewhere
         * and several scans missed it. A deleted file (no link left) is gone at once. */
        struct stat fst;
        if (fstat(tf->fd, &fst) == 0 && fst.st_nlink > 0) {
            struct stat ps;
            if (stat(tf->path, &ps) == 0 && ps.st_dev == tf->dev && ps.st_ino == tf->ino)
                continue; /* still there under its name */
            if (++tf->gone_misses < GONE_MISSES) {
                t->needs_scan = true;
                continue;
            }
        }
        tf->is_gone = true; /* deleted or renamed away: drain what is left */
        fl_info("%s: gone from its glob; draining", tf->path);
    }
}

static void check_truncation(struct fl_tail *t)
{
    /* Not an idb: SQLite rewrites its own header on every change. */
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next)
        if (!tf->is_dead && !tf->is_gone && !tf->is_idb && file_was_replaced(tf))
            mark_replaced(t, tf);
}

/* A held record or partial last line goes out once the writer has been quiet for
 * idle_flush: the last read reached the end of the file and nothing came since. A file with
 * unread data (reading paused, or its turn not yet come on a busy round) is never flushed:
 * the rest of its line is there, only not read yet. */
static void flush_idle(struct fl_tail *t, int64_t now)
{
    int64_t idle = t->cfg->idle_flush_ms;
    if (t->is_paused)
        return;
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        if (tf->has_unflushed && tf->is_eof && !tf->is_dead && !tf->is_finished &&
            !tf->is_broken &&
            now - tf->last_data_ms >= idle) {
            struct stat st;
            if (fstat(tf->fd, &st) == 0 && (uint64_t)st.st_size > tf->read_off)
                continue; /* written since the last read: read it first */
            tf->has_unflushed = false;
            fl_stream_idle_flush(tf->stream);
        }
    }
}

/* True when everything read from tf ends with a complete line: no partial last line waits in
 * the stream. */
static bool ends_on_line(const struct fl_tail_file *tf)
{
    if (fl_stream_encoding(tf->stream) == FL_ENC_AUTO) /* still in the 4 KiB head */
        return tf->read_off == 0 || tf->last_byte == '\n';
    return fl_stream_consumed(tf->stream) == tf->read_off;
}

/* Finishes gone files once read to their end and frees those with nothing in flight. */
static void reap(struct fl_tail *t)
{
    struct fl_tail_file **pp = &t->files;
    while (*pp) {
        struct fl_tail_file *tf = *pp;
        if (tf->is_gone && !tf->is_finished) {
            if (tf->is_removed || tf->is_broken) {
                /* Removed source (still being written) or failed stream: what is held stays
                 * after the checkpoint, for the next time the file is read. */
                tf->is_finished = true;
            } else if (tf->is_dead) {
                /* Replaced content: what was read up to the last complete line is real; a
                 * partial last line is not emitted (cut by the truncation, it would be
                 * garbage; a copytruncate copy delivers it whole, see fp_state). */
                if (ends_on_line(tf))
                    fl_stream_finish(tf->stream);
                tf->is_finished = true;
            } else if (!t->is_paused) {
                /* Deleted or renamed away: read it to its end (a budget per round), then
                 * the held record and a partial last line are final. */
                file_read(t, tf);
                if (tf->is_eof || tf->is_dead) {
                    tf->is_finished = true;
                    if (!tf->is_dead)
                        fl_stream_finish(tf->stream);
                }
            }
        }
        if (tf->is_gone && tf->is_finished && fl_acks_in_flight(&tf->acks) == 0) {
            /* Keep its final position in the checkpoint before it goes, unless another open
             * file with the same content still has records in flight (it will). */
            if (tf->has_fingerprint && t->opts.ckpt && (!tf->fps || tf->fps->refs == 1))
                fl_ckpt_set(t->opts.ckpt, tf->fingerprint, tf->acks.acked_offset,
                            (uint64_t)tf->dev, (uint64_t)tf->ino, tf->path, now_ms());
            *pp = tf->next;
            file_free(t, tf);
            continue;
        }
        pp = &tf->next;
    }
}

/* Marks the open file that an IN_MODIFY / IN_CLOSE_WRITE names (by its current name): one
 * event per write() of every writer, so the name is compared by hash first. */
static void mark_written(struct fl_tail *t, int wd, const char *name)
{
    uint32_t h = name_hash(name);
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        if (tf->wd != wd || tf->name_hash != h || tf->is_dirty)
            continue;
        const char *slash = strrchr(tf->path, '/');
        if (strcmp(slash ? slash + 1 : tf->path, name) == 0)
            tf->is_dirty = true;
    }
}

static bool drain_inotify(struct fl_tail *t)
{
    bool is_changed = false;
    _Alignas(struct inotify_event) char buf[16384];
    for (;;) {
        ssize_t n = read(t->ifd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ie = (struct inotify_event *)p;
            if (ie->mask & IN_Q_OVERFLOW) {
                fl_warn("inotify queue overflow: rescanning everything");
                for (struct fl_tail_file *tf = t->files; tf; tf = tf->next)
                    tf->is_dirty = true;
            }
            if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
                fl_warn("a watched directory was removed or moved: rescanning");
            /* Data written to a file needs no scan, only a read of that file. Names
             * appearing, moving or going (and overflows) change the file set. */
            if (ie->mask & ~(uint32_t)(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB))
                is_changed = true;
            else if ((ie->mask & (IN_MODIFY | IN_CLOSE_WRITE)) && ie->len)
                mark_written(t, ie->wd, ie->name);
            p += sizeof *ie + ie->len;
        }
    }
    return is_changed;
}

int fl_tail_run_once(struct fl_tail *t, int timeout_ms)
{
    int64_t now = now_ms();
    int64_t poll_every = t->cfg->poll_interval_ms;
    int64_t until_poll = t->last_scan_ms + poll_every - now;
    if (until_poll < 0)
        until_poll = 0;
    int wait_ms = t->has_backlog && !t->is_paused ? 0 : timeout_ms;
    if (until_poll < wait_ms)
        wait_ms = (int)until_poll;
    if (t->ifd >= 0) { /* also with no wait: a backlog must not delay the next scan */
        struct pollfd pfd = {.fd = t->ifd, .events = POLLIN};
        int prc = poll(&pfd, 1, wait_ms);
        /* Writers that write() every line wake us for every line: a wake-up soon after the
         * last round waits out COALESCE_MS, so one round reads many lines (and one read of
         * the queue takes many events) at a cost of at most that much latency. */
        int64_t since = now_ms() - t->last_round_ms;
        if (prc > 0 && wait_ms > 0 && since >= 0 && since < COALESCE_MS)
            usleep((useconds_t)(COALESCE_MS - since) * 1000);
        if (prc > 0 && drain_inotify(t))
            t->needs_scan = true;
    } else if (wait_ms > 0) {
        usleep((useconds_t)wait_ms * 1000);
    }
    now = now_ms();
    /* Polled sources and the truncation check run on the poll interval; inotify changes
     * trigger a scan at once. */
    bool is_tick = now - t->last_scan_ms >= poll_every;
    if (t->needs_scan || is_tick) {
        t->needs_scan = false;
        check_truncation(t);
        scan(t);
    }
    t->has_backlog = false;
    t->last_round_ms = now;
    t->round_left = t->round_bytes ? t->round_bytes : SIZE_MAX;
    if (!t->is_paused && t->files) {
        /* A round reads for at most ROUND_READ_MS, starting where the last one stopped:
         * the next scan comes soon even with a backlog, so a file created and rotated away
         * quickly is still opened before it is deleted. */
        size_t n = 0;
        for (struct fl_tail_file *tf = t->files; tf; tf = tf->next)
            n++;
        size_t first = t->read_cursor % n;
        struct fl_tail_file *tf = t->files;
        for (size_t k = 0; k < first; k++)
            tf = tf->next;
        int64_t until = now_ms() + ROUND_READ_MS;
        for (size_t k = 0; k < n; k++) {
            /* A watched file is read when inotify said it was written, when its last read
             * stopped before the end, and on every poll tick (a safety net for events
             * inotify cannot see: a file reached through a symlink, a missed event). With
             * many quiet files, this keeps a busy one from costing a read of all of them. */
            bool is_due = (tf->wd < 0 && !tf->is_idb) || tf->is_dirty || !tf->is_eof ||
                          tf->is_gone || is_tick; /* a polled idb: on the poll interval */
            if (tf->is_chain && (tf->is_complete || fl_tail_chain_waits(t, tf)))
                is_due = false;
            int rc = 0;
            if (is_due) {
                tf->is_dirty = false;
                rc = file_read(t, tf);
                if (tf->is_chain && tf->is_eof)
                    fl_tail_chain_update(t, tf);
            }
            if (rc == FL_ENOMEM)
                return rc;
            if (!tf->is_eof && !tf->is_dead && !tf->is_finished)
                t->has_backlog = true;
            tf = tf->next ? tf->next : t->files;
            if (k + 1 < n && (now_ms() >= until || t->round_left == 0)) {
                t->read_cursor = first + k + 1;
                t->has_backlog = true;
                break;
            }
        }
    }
    t->round_left = SIZE_MAX; /* the cap is for rounds; draining gone files is not held back */
    flush_idle(t, now_ms());
    reap(t);
    return 0;
}

int fl_tail_drain(struct fl_tail *t)
{
    /* Reads what is there (bounded in time), but flushes neither held records nor partial
     * last lines: either may still grow (a stack trace being written, a line cut by the
     * read). They are not acknowledged, so the checkpoint stays before them and the next
     * start reads them again, whole. Flushing them here would publish a cut record whose id
     * the complete one shares. */
    int64_t until = now_ms() + DRAIN_MAX_MS;
    bool is_more = true;
    while (is_more && now_ms() < until) {
        is_more = false;
        for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
            if (tf->is_dead || tf->is_finished || tf->is_broken)
                continue;
            int rc = file_read(t, tf);
            if (rc == FL_ENOMEM)
                return rc;
            if (!tf->is_eof && !tf->is_dead)
                is_more = true;
        }
    }
    return 0;
}


void fl_tail_set_paused(struct fl_tail *t, bool is_paused)
{
    t->is_paused = is_paused;
}

void fl_tail_set_round_bytes(struct fl_tail *t, size_t max_bytes)
{
    t->round_bytes = max_bytes;
}

static int load_zones(struct fl_tail *t, const struct fl_config *cfg, struct fl_err *err)
{
    struct fl_tz **tzs = calloc(cfg->n_sources ? cfg->n_sources : 1, sizeof *tzs);
    bool *polled = calloc(cfg->n_sources ? cfg->n_sources : 1, sizeof *polled);
    if (!tzs || !polled) {
        free(tzs);
        free(polled);
        return FL_ENOMEM;
    }
    for (size_t i = 0; i < cfg->n_sources; i++) {
        tzs[i] = fl_tz_load(cfg->sources[i].tz, err);
        if (!tzs[i]) {
            for (size_t j = 0; j < i; j++)
                fl_tz_free(tzs[j]);
            free(tzs);
            free(polled);
            return FL_ENOTFOUND;
        }
    }
    t->tzs = tzs;
    t->n_tzs = cfg->n_sources;
    t->src_polled = polled;
    return 0;
}

struct fl_tail *fl_tail_new(const struct fl_tail_opts *opts, struct fl_err *err)
{
    struct fl_tail *t = calloc(1, sizeof *t);
    if (!t || !(t->chunk = malloc(READ_CHUNK))) {
        free(t);
        fl_err_set(err, NULL, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    t->opts = *opts;
    t->cfg = opts->cfg;
    if (load_zones(t, t->cfg, err) != 0) {
        free(t->chunk);
        free(t);
        return NULL;
    }
    t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (t->ifd < 0)
        fl_warn("inotify unavailable (%s): every source is polled", strerror(errno));
    setup_sources(t);
    t->needs_scan = true;
    t->round_left = SIZE_MAX;
    t->last_scan_ms = now_ms() - t->cfg->poll_interval_ms;
    return t;
}

int fl_tail_reload(struct fl_tail *t, const struct fl_config *cfg, struct fl_err *err)
{
    struct fl_tz **old_tzs = t->tzs;
    size_t old_n = t->n_tzs;
    bool *old_polled = t->src_polled;
    const struct fl_config *old_cfg = t->cfg;
    if (load_zones(t, cfg, err) != 0) {
        t->tzs = old_tzs;
        t->n_tzs = old_n;
        t->src_polled = old_polled;
        return FL_EINVAL;
    }
    t->cfg = cfg;
    /* Files of sources that still exist (by name) move to the new entry; the rest drain. */
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        bool is_kept = false;
        for (size_t i = 0; i < cfg->n_sources; i++) {
            if (strcmp(cfg->sources[i].name, old_cfg->sources[tf->src_index].name) == 0) {
                tf->src_index = i;
                tf->src = &cfg->sources[i];
                is_kept = true;
                break;
            }
        }
        if (!is_kept) {
            tf->is_gone = true;
            tf->is_removed = true;
            /* Keep a valid zone/config for the draining stream: it borrowed the old ones,
             * which the caller keeps alive (tail.h). */
        }
    }
    setup_sources(t);
    t->needs_scan = true;
    /* Streams opened under the old configuration borrow its zones: kept until fl_tail_free. */
    struct fl_tz **ntzs = realloc(t->old_tzs, (t->n_old_tzs + old_n) * sizeof *ntzs);
    if (ntzs) {
        t->old_tzs = ntzs;
        for (size_t i = 0; i < old_n; i++)
            t->old_tzs[t->n_old_tzs++] = old_tzs[i];
        free(old_tzs);
    } /* else: leaked, never freed while borrowed */
    free(old_polled);
    return 0;
}

const struct fl_tail_stats *fl_tail_stats(const struct fl_tail *t)
{
    return &t->stats;
}

void fl_tail_foreach(struct fl_tail *t,
                     void (*fn)(void *ctx, const char *path, const char *source,
                                uint64_t read_offset, uint64_t acked_offset),
                     void *ctx)
{
    for (struct fl_tail_file *tf = t->files; tf; tf = tf->next) {
        /* A copy whose records another file delivered is as far as its content is. */
        uint64_t acked = tf->acks.acked_offset;
        if (tf->fps && fl_acks_in_flight(&tf->acks) == 0 && tf->fps->safe_offset > acked)
            acked = tf->fps->safe_offset;
        fn(ctx, tf->path, tf->src->name, tf->read_off, acked);
    }
}

void fl_tail_free(struct fl_tail *t)
{
    if (!t)
        return;
    while (t->files) {
        struct fl_tail_file *tf = t->files;
        t->files = tf->next;
        file_free(t, tf);
    }
    for (size_t i = 0; i < t->n_watches; i++)
        free(t->watches[i].dir);
    if (t->ifd >= 0)
        close(t->ifd);
    for (size_t i = 0; i < t->n_tzs; i++)
        fl_tz_free(t->tzs[i]);
    free(t->tzs);
    free(t->src_polled);
    for (size_t i = 0; i < t->n_old_tzs; i++)
        fl_tz_free(t->old_tzs[i]);
    free(t->old_tzs);
    while (t->fps) {
        struct fp_state *f = t->fps;
        t->fps = f->next;
        free(f);
    }
    for (size_t i = 0; i < t->n_bad_paths; i++)
        free(t->bad_paths[i]);
    free(t->chunk);
    free(t);
}
