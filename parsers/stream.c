/* parsers/stream.c: raw bytes of one file -> finished events (see stream.h).
 *
 * States: HEAD (collecting up to 4 KiB to decide encoding and, with "auto", the parser),
 * then TEXT (splitter -> parser->feed) or BINARY (raw buffer -> parser->feed_raw). The id of
 * an event needs the file fingerprint, which needs the first data line (DESIGN.md), so no
 * event leaves before that line is known; header rows before it are skipped. */
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t on the stack */
#include <xxhash.h>
#include "parsers/stream.h"

#define HEAD_BYTES 4096
#define PROBE_LINES 40
#define PROBE_MIN_SCORE 30
#define FINGERPRINT_MAX 1024
#define CUT_RING 8 /* recent cut lines remembered to flag the records holding them */

enum stream_state { ST_HEAD, ST_TEXT, ST_BINARY };

struct fl_stream {
    struct fl_stream_cfg cfg;
    enum stream_state state;
    const struct fl_parser *parser; /* NULL when auto found none (unknown) */
    void *pst;
    enum fl_encoding enc;
    size_t bom_bytes;
    struct fl_buf head;             /* first bytes, until decided */
    struct fl_splitter sp;
    struct fl_buf rawbuf;           /* binary: bytes not yet consumed by feed_raw */
    uint64_t rawbuf_off;            /* raw offset of rawbuf.data[0] */
    bool has_fingerprint;
    uint64_t fingerprint;
    char fp_hex[17];
    int64_t now_ms;                 /* ingest time of the current push */
    struct fl_sink parser_sink;     /* what parsers emit into (finish_event) */
    struct fl_event unknown_ev;     /* for lines of a file no parser claimed */
    struct fl_stream_stats stats;
    struct fl_err err;
    char *file_copy;
    /* Raw start offsets of the latest lines cut at max_line_bytes: a record holding one is
     * flagged attrs.cut = true (the parser sees only the cut text). A record rarely spans
     * more than a few of them, and a held record is emitted before many more lines pass. */
    uint64_t cut_offs[CUT_RING];
    unsigned n_cut;
};

uint64_t fl_fingerprint_bytes(const void *p, size_t n)
{
    return XXH64(p, n, 0);
}

static void hex16(uint64_t v, char out[17])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = digits[v & 15];
        v >>= 4;
    }
    out[16] = 0;
}

/* xxh64 of "<host>\n<fingerprint hex>\n<offset decimal>": composed in a stack buffer and
 * hashed in one call (the streaming API costs more than the hash for inputs this short). */
static uint64_t event_id(const char *host, size_t host_len, const char fp_hex[16], uint64_t offset)
{
    char buf[512];
    char digits[24];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + offset % 10);
        offset /= 10;
    } while (offset);
    size_t need = host_len + 1 + 16 + 1 + d;
    if (need > sizeof buf) {
        XXH64_state_t st;
        XXH64_reset(&st, 0);
        XXH64_update(&st, host, host_len);
        char tail[48];
        size_t n = 0;
        tail[n++] = '\n';
        memcpy(tail + n, fp_hex, 16);
        n += 16;
        tail[n++] = '\n';
        while (d)
            tail[n++] = digits[--d];
        XXH64_update(&st, tail, n);
        return XXH64_digest(&st);
    }
    size_t n = 0;
    memcpy(buf, host, host_len);
    n += host_len;
    buf[n++] = '\n';
    memcpy(buf + n, fp_hex, 16);
    n += 16;
    buf[n++] = '\n';
    while (d)
        buf[n++] = digits[--d];
    return XXH64(buf, n, 0);
}

uint64_t fl_event_id(const char *host, uint64_t fingerprint, uint64_t offset)
{
    char fp[17];
    hex16(fingerprint, fp);
    return event_id(host ? host : "", host ? strlen(host) : 0, fp, offset);
}

static bool cfg_set(const char *s)
{
    return s && s[0];
}

void fl_stream_label_event(const struct fl_stream_cfg *c, uint64_t fingerprint, int64_t now_ms,
                           struct fl_event *ev)
{
    if (cfg_set(c->host))
        ev->host = fl_str_c(c->host);
    if (cfg_set(c->site))
        ev->site = fl_str_c(c->site);
    if (cfg_set(c->line))
        ev->line = fl_str_c(c->line);
    if (cfg_set(c->cell))
        ev->cell = fl_str_c(c->cell);
    ev->file = fl_str_c(c->file);
    ev->ingest_ms = now_ms;
    if (!ev->source)
        ev->source = "unknown";
    char fp[17];
    hex16(fingerprint, fp);
    ev->id = event_id(ev->host.p, ev->host.len, fp, ev->offset);
}

/* Every event passes here: configuration fields, id, ingest time, counters. */
static int finish_event(void *ctx, struct fl_event *ev)
{
    struct fl_stream *s = ctx;
    const struct fl_stream_cfg *c = &s->cfg;
    if (!ev->source)
        ev->source = s->parser ? s->parser->source : "unknown";
    fl_stream_label_event(c, s->fingerprint, s->now_ms, ev);
    for (unsigned i = 0; i < s->n_cut && i < CUT_RING; i++) {
        if (s->cut_offs[i] >= ev->offset && s->cut_offs[i] < ev->end_offset) {
            fl_event_attr_bool(ev, "cut", true);
            break;
        }
    }
    s->stats.records++;
    if (ev->is_unparsed)
        s->stats.unparsed++;
    return c->out.emit(c->out.ctx, ev);
}

static void set_fingerprint(struct fl_stream *s, uint64_t fp)
{
    s->fingerprint = fp;
    s->has_fingerprint = true;
    hex16(fp, s->fp_hex);
}

/* TEXT state: one decoded line from the splitter. */
static int on_line(void *ctx, const struct fl_line *ln)
{
    struct fl_stream *s = ctx;
    s->stats.lines++;
    if (ln->is_cut)
        s->cut_offs[s->n_cut++ % CUT_RING] = ln->raw_off;
    if (s->parser && s->parser->is_header && s->parser->is_header(s->pst, ln)) {
        s->stats.headers++;
        return 0;
    }
    if (!s->has_fingerprint) {
        /* The first data line as stored; the file's first line includes its BOM. */
        uint64_t from = ln->raw_off == s->bom_bytes ? 0 : ln->raw_off;
        size_t pre = (size_t)(ln->raw_off - from);
        size_t n = pre + ln->raw_len;
        if (n > FINGERPRINT_MAX)
            n = FINGERPRINT_MAX;
        if (pre) {
            uint8_t tmp[FINGERPRINT_MAX];
            memcpy(tmp, s->head.data, pre); /* the BOM is still in head */
            memcpy(tmp + pre, ln->raw, n - pre);
            set_fingerprint(s, fl_fingerprint_bytes(tmp, n));
        } else {
            set_fingerprint(s, fl_fingerprint_bytes(ln->raw, n));
        }
    }
    if (!s->parser)
        return fl_parser_emit_unparsed("unknown", ln, &s->unknown_ev, &s->parser_sink);
    return s->parser->feed(s->pst, ln, &s->parser_sink);
}

struct probe_lines {
    struct fl_line lines[PROBE_LINES];
    size_t n;
    struct fl_arena arena;
};

static int collect_line(void *ctx, const struct fl_line *ln)
{
    struct probe_lines *pl = ctx;
    if (pl->n == PROBE_LINES)
        return 1; /* enough: stop the splitter */
    struct fl_line *dst = &pl->lines[pl->n++];
    *dst = *ln;
    struct fl_str t = fl_arena_dup(&pl->arena, ln->text, ln->len);
    struct fl_str r = fl_arena_dup(&pl->arena, (const char *)ln->raw, ln->raw_len);
    dst->text = t.p;
    dst->len = t.len;
    dst->raw = (const uint8_t *)r.p;
    dst->raw_len = r.len;
    return 0;
}

/* Scores every parser on the head; NULL when none is sure enough. */
static const struct fl_parser *detect_parser(struct fl_stream *s, bool is_final)
{
    const uint8_t *raw = (const uint8_t *)s->head.data;
    size_t raw_len = s->head.len;
    struct probe_lines pl = {.n = 0};
    fl_arena_init(&pl.arena, 8192);
    struct fl_splitter sp;
    fl_splitter_init(&sp, s->enc, s->bom_bytes, 0);
    if (fl_splitter_push(&sp, raw + s->bom_bytes, raw_len - s->bom_bytes, collect_line, &pl) == 0 &&
        is_final)
        fl_splitter_finish(&sp, collect_line, &pl);
    fl_splitter_free(&sp);
    size_t n;
    const struct fl_parser *const *all = fl_parser_all(&n);
    const struct fl_parser *best = NULL;
    int best_score = PROBE_MIN_SCORE - 1;
    for (size_t i = 0; i < n; i++) {
        int score = all[i]->probe ? all[i]->probe(raw, raw_len, pl.lines, pl.n) : 0;
        if (score > best_score) {
            best_score = score;
            best = all[i];
        }
    }
    fl_arena_free(&pl.arena);
    return best;
}

static int binary_pump(struct fl_stream *s, bool is_eof);

/* Leaves HEAD: decides encoding and parser, opens it, replays the head bytes. */
static int decide(struct fl_stream *s, bool is_final)
{
    const struct fl_stream_cfg *c = &s->cfg;
    size_t bom = 0;
    enum fl_encoding detected =
        fl_decode_detect((const uint8_t *)s->head.data, s->head.len, &bom);
    s->enc = c->encoding != FL_ENC_AUTO ? c->encoding : detected;
    /* A BOM is skipped only when it agrees with the encoding in force. */
    s->bom_bytes = (c->encoding == FL_ENC_AUTO || c->encoding == detected ||
                    (detected == FL_ENC_UTF8 && c->encoding == FL_ENC_TEXT8))
                       ? bom
                       : 0;
    if (!s->parser && (!c->source || strcmp(c->source, "auto") == 0))
        s->parser = detect_parser(s, is_final);
    if (s->parser) {
        struct fl_parser_cfg pc = {
            .file = c->file,
            .tz = c->tz ? c->tz : fl_tz_utc(),
            .date_order = c->date_order,
            .extra_sources = c->extra_sources,
            .layout = c->layout,
        };
        s->pst = s->parser->open(&pc, &s->err);
        if (!s->pst)
            return FL_EINVAL;
    }
    if (s->parser && s->parser->is_binary) {
        s->state = ST_BINARY;
        fl_buf_init(&s->rawbuf, 0);
        s->rawbuf_off = 0;
        int rc = fl_buf_append(&s->rawbuf, s->head.data, s->head.len);
        if (rc)
            return rc;
        return binary_pump(s, is_final);
    }
    s->state = ST_TEXT;
    fl_splitter_init(&s->sp, s->enc, s->bom_bytes, c->max_line_bytes);
    return fl_splitter_push(&s->sp, (const uint8_t *)s->head.data + s->bom_bytes,
                            s->head.len - s->bom_bytes, on_line, s);
}

static int binary_pump(struct fl_stream *s, bool is_eof)
{
    if (!s->has_fingerprint) {
        uint64_t fp;
        int rc = s->parser->fingerprint
                     ? s->parser->fingerprint((const uint8_t *)s->rawbuf.data, s->rawbuf.len, &fp)
                     : FL_EAGAIN;
        if (rc == FL_EAGAIN && !is_eof)
            return 0;
        if (rc != 0) /* too short even at EOF: fingerprint what there is */
            fp = fl_fingerprint_bytes(s->rawbuf.data ? s->rawbuf.data : "", s->rawbuf.len);
        set_fingerprint(s, fp);
    }
    size_t used = 0;
    int rc = s->parser->feed_raw(s->pst, (const uint8_t *)(s->rawbuf.data ? s->rawbuf.data : ""),
                                 s->rawbuf.len, s->rawbuf_off, is_eof, &used, &s->parser_sink);
    if (used > s->rawbuf.len)
        used = s->rawbuf.len;
    fl_buf_consume(&s->rawbuf, used);
    s->rawbuf_off += used;
    return rc;
}

struct fl_stream *fl_stream_new(const struct fl_stream_cfg *cfg, struct fl_err *err)
{
    fl_err_clear(err);
    const struct fl_parser *p = NULL;
    if (cfg->source && cfg->source[0] && strcmp(cfg->source, "auto") != 0) {
        p = fl_parser_find(cfg->source);
        if (!p) {
            fl_err_set(err, cfg->file, 0, UINT64_MAX, "unknown source '%s'", cfg->source);
            return NULL;
        }
    }
    struct fl_stream *s = calloc(1, sizeof *s);
    if (!s) {
        fl_err_set(err, cfg->file, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    /* The file name is copied: a tailer renames and frees its own copy on rotation. */
    s->file_copy = strdup(cfg->file ? cfg->file : "");
    if (!s->file_copy) {
        free(s);
        fl_err_set(err, cfg->file, 0, UINT64_MAX, "out of memory");
        return NULL;
    }
    s->cfg.file = s->file_copy;
    s->parser = p;
    s->state = ST_HEAD;
    fl_buf_init(&s->head, 0);
    fl_err_clear(&s->err);
    s->parser_sink = (struct fl_sink){finish_event, s};
    memcpy(s->fp_hex, "0000000000000000", 17);
    return s;
}

static int64_t stream_now(struct fl_stream *s)
{
    return s->cfg.clock_ms ? s->cfg.clock_ms(s->cfg.clock_ctx) : fl_now_ms();
}

int fl_stream_write(struct fl_stream *s, const uint8_t *p, size_t n)
{
    s->stats.bytes += n;
    s->now_ms = stream_now(s);
    switch (s->state) {
    case ST_HEAD: {
        int rc = fl_buf_append(&s->head, p, n);
        if (rc)
            return rc;
        /* A configured binary parser needs no head to decide on: a small .aaLOG being
         * written is read as it grows, not once it reaches 4 KiB. */
        if (s->head.len < HEAD_BYTES && !(s->parser && s->parser->is_binary))
            return 0;
        return decide(s, false);
    }
    case ST_TEXT:
        return fl_splitter_push(&s->sp, p, n, on_line, s);
    case ST_BINARY: {
        int rc = fl_buf_append(&s->rawbuf, p, n);
        return rc ? rc : binary_pump(s, false);
    }
    }
    return 0;
}

static int flush_parser(struct fl_stream *s)
{
    if (s->parser && s->pst && s->parser->flush)
        return s->parser->flush(s->pst, &s->parser_sink);
    return 0;
}

int fl_stream_finish(struct fl_stream *s)
{
    s->now_ms = stream_now(s);
    int rc = 0;
    if (s->state == ST_HEAD) {
        if (s->head.len == 0)
            return 0;
        if ((rc = decide(s, true)))
            return rc;
    }
    if (s->state == ST_TEXT)
        rc = fl_splitter_finish(&s->sp, on_line, s);
    else if (s->state == ST_BINARY)
        rc = binary_pump(s, true);
    if (rc)
        return rc;
    return flush_parser(s);
}

int fl_stream_idle_flush(struct fl_stream *s)
{
    s->now_ms = stream_now(s);
    if (s->state == ST_HEAD) {
        /* A small file that stopped growing: decide on what there is, if a line is whole. */
        if (!s->head.len || !memchr(s->head.data, '\n', s->head.len))
            return 0;
        int rc = decide(s, false);
        if (rc)
            return rc;
    }
    if (s->state == ST_TEXT) {
        int rc = fl_splitter_finish(&s->sp, on_line, s);
        if (rc)
            return rc;
    }
    return flush_parser(s);
}

bool fl_stream_fingerprint(const struct fl_stream *s, uint64_t *fp)
{
    if (s->has_fingerprint)
        *fp = s->fingerprint;
    return s->has_fingerprint;
}

uint64_t fl_stream_consumed(const struct fl_stream *s)
{
    if (s->state == ST_TEXT)
        return fl_splitter_committed(&s->sp);
    if (s->state == ST_BINARY)
        return s->rawbuf_off;
    return 0;
}

const char *fl_stream_source(const struct fl_stream *s)
{
    return s->parser ? s->parser->source : "unknown";
}

bool fl_stream_is_unknown(const struct fl_stream *s)
{
    return s->state != ST_HEAD && !s->parser;
}

const struct fl_stream_stats *fl_stream_stats(const struct fl_stream *s)
{
    return &s->stats;
}

enum fl_encoding fl_stream_encoding(const struct fl_stream *s)
{
    return s->state == ST_HEAD ? FL_ENC_AUTO : s->enc;
}

const struct fl_err *fl_stream_error(const struct fl_stream *s)
{
    return &s->err;
}

void fl_stream_free(struct fl_stream *s)
{
    if (!s)
        return;
    if (s->parser && s->pst && s->parser->close)
        s->parser->close(s->pst);
    if (s->state == ST_TEXT)
        fl_splitter_free(&s->sp);
    fl_buf_free(&s->rawbuf);
    fl_buf_free(&s->head);
    free(s->file_copy);
    free(s);
}
