/* tests/unit/test_aveva.c: the aveva parser (parsers/aveva.c) driven directly through
 * fl_parser_aveva.open/feed_raw, the way parsers/stream.c pushes a binary file: from offset
 * 0, in chunks, the unconsumed rest offered again with more bytes. Synthetic files are built
 * byte by byte from formats/aveva.md §2 and §4; real ones are read from $SHARED/corpus when
 * present. Hostile inputs must give events or a clean stop, never a crash (ASan+UBSan). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include "parsers/aveva.h"
#include "parsers/parser.h"
#include "parsers/stream.h"
#include "unit.h"

extern const struct fl_parser fl_parser_aveva;

/* ---- what the sink saw ---- */

#define MAX_KEPT 64

struct kept {
    uint64_t offset, end_offset;
    int64_t ts_ms;
    bool has_ts, is_unparsed;
    int severity;
    char category[40];
    char message[256];
    char severity_raw[40];
    char component[64];
    char host[64];
    char code[40];
    char ts_raw[32];
    char msgno[24];
    char session[20];
    char process[40];
    char log_file[64];
    char peer[32];
    char timeout_ms[16];
    char winsock[16];
    int64_t pid, tid;
    bool has_process;
    uint32_t lines;
};

struct collected {
    size_t n;           /* events seen */
    size_t n_unparsed;
    bool offsets_ok;    /* every event inside the file, end >= offset */
    uint64_t file_len;
    struct kept ev[MAX_KEPT];
};

static void copy_str(char *dst, size_t cap, struct fl_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static void copy_attr(char *dst, size_t cap, const struct fl_event *ev, const char *key)
{
    const struct fl_attr *a = fl_event_attr_get(ev, key);
    dst[0] = '\0';
    if (a && a->kind == FL_ATTR_STR)
        copy_str(dst, cap, a->str);
}

static int collect(void *ctx, struct fl_event *ev)
{
    struct collected *c = ctx;
    if (ev->offset > c->file_len || ev->end_offset > c->file_len || ev->end_offset < ev->offset)
        c->offsets_ok = false;
    if (ev->is_unparsed)
        c->n_unparsed++;
    if (c->n < MAX_KEPT) {
        struct kept *k = &c->ev[c->n];
        memset(k, 0, sizeof *k);
        k->offset = ev->offset;
        k->end_offset = ev->end_offset;
        k->ts_ms = ev->ts_ms;
        k->has_ts = ev->has_ts;
        k->is_unparsed = ev->is_unparsed;
        k->severity = (int)ev->severity;
        k->lines = ev->lines;
        snprintf(k->category, sizeof k->category, "%s", ev->category ? ev->category : "unclassified");
        copy_str(k->message, sizeof k->message, ev->message);
        copy_str(k->severity_raw, sizeof k->severity_raw, ev->severity_raw);
        copy_str(k->component, sizeof k->component, ev->component);
        copy_str(k->host, sizeof k->host, ev->host);
        copy_str(k->code, sizeof k->code, ev->code);
        copy_str(k->ts_raw, sizeof k->ts_raw, ev->ts_raw);
        copy_attr(k->msgno, sizeof k->msgno, ev, "msgno");
        copy_attr(k->session, sizeof k->session, ev, "session");
        copy_attr(k->process, sizeof k->process, ev, "process");
        copy_attr(k->log_file, sizeof k->log_file, ev, "log_file");
        copy_attr(k->peer, sizeof k->peer, ev, "peer");
        copy_attr(k->timeout_ms, sizeof k->timeout_ms, ev, "timeout_ms");
        copy_attr(k->winsock, sizeof k->winsock, ev, "winsock");
        k->has_process = fl_event_attr_get(ev, "process") != NULL;
        const struct fl_attr *a = fl_event_attr_get(ev, "pid");
        k->pid = a && a->kind == FL_ATTR_INT ? a->num : -1;
        a = fl_event_attr_get(ev, "tid");
        k->tid = a && a->kind == FL_ATTR_INT ? a->num : -1;
    }
    c->n++;
    return 0;
}

/* Pushes data[0..len) in chunks of `chunk` bytes the way the stream does: the parser sees
 * everything not yet consumed, from its raw offset; the last push carries is_eof. Returns the
 * raw offset up to which the parser consumed. */
static uint64_t drive(const uint8_t *data, size_t len, size_t chunk, const char *file,
                      struct collected *c)
{
    struct fl_err err;
    struct fl_parser_cfg cfg = {.file = file, .tz = fl_tz_utc()};
    memset(c, 0, sizeof *c);
    c->offsets_ok = true;
    c->file_len = len;
    void *st = fl_parser_aveva.open(&cfg, &err);
    CHECK(st != NULL);
    if (!st)
        return 0;
    struct fl_sink sink = {collect, c};
    uint8_t *win = malloc(len ? len : 1);
    size_t win_len = 0, pushed = 0;
    uint64_t win_off = 0;
    if (chunk == 0)
        chunk = len ? len : 1;
    do {
        size_t take = len - pushed < chunk ? len - pushed : chunk;
        if (take)
            memcpy(win + win_len, data + pushed, take);
        win_len += take;
        pushed += take;
        bool is_eof = pushed == len;
        size_t used = 0;
        int rc = fl_parser_aveva.feed_raw(st, win, win_len, win_off, is_eof, &used, &sink);
        CHECK_INT(rc, 0);
        CHECK(used <= win_len);
        if (used > win_len)
            used = win_len;
        memmove(win, win + used, win_len - used);
        win_len -= used;
        win_off += used;
    } while (pushed < len);
    CHECK_INT(fl_parser_aveva.flush(st, &sink), 0);
    fl_parser_aveva.close(st);
    free(win);
    return win_off;
}

/* ---- building files from the note's layout ---- */

struct bytes {
    uint8_t d[1 << 16];
    size_t n;
};

static void put8(struct bytes *b, uint8_t v)
{
    b->d[b->n++] = v;
}

static void put32_at(struct bytes *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->d[at + i] = (uint8_t)(v >> (8 * i));
}

static void put32(struct bytes *b, uint32_t v)
{
    put32_at(b, b->n, v);
    b->n += 4;
}

static void put64_at(struct bytes *b, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b->d[at + i] = (uint8_t)(v >> (8 * i));
}

static void put64(struct bytes *b, uint64_t v)
{
    put64_at(b, b->n, v);
    b->n += 8;
}

/* Latin-1 text as UTF-16LE code units, plus the 16-bit NUL. */
static void put_u16z(struct bytes *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        put8(b, *p);
        put8(b, 0);
    }
    put8(b, 0);
    put8(b, 0);
}

struct rec {
    uint32_t session, pid, tid;
    uint64_t filetime;
    const char *flag, *component, *message, *process;
};

/* 2015-12-12T05:14:34.7330261Z (the note's truncation example) and later ticks. */
#define FT0 130943708747330261ull

static const struct rec sample_recs[] = {
    {0x00000000, 10316, 10888, FT0, "Info", "aaLogger", "Logger Started.", ""},
    {0x28778656, 6844, 6848, FT0 + 19900000, "Warning", "ScriptRuntime",
     "line one\r\nline two\r\n\tend \xe9t\xe9", "aaEngine"},
    {0x01020304, 1, 2, FT0 + 20000000, "DASProtFail", "DASSIDirect",
     "recv failed (WSAECONNRESET) (10054)", "aaEngine"},
    {0, 3, 4, FT0 + 30000000, "Trace", "aaGR", "Logger Shutting down.", ""},
};
#define N_SAMPLE (sizeof sample_recs / sizeof sample_recs[0])

static size_t put_record_aalog(struct bytes *b, const struct rec *r, uint32_t prev)
{
    size_t at = b->n;
    put32(b, 2);
    put32(b, 0); /* length, patched below */
    put32(b, prev);
    put32(b, r->session);
    put32(b, r->pid);
    put32(b, r->tid);
    put64(b, r->filetime);
    put_u16z(b, r->flag);
    put_u16z(b, r->component);
    put_u16z(b, r->message);
    put_u16z(b, r->process);
    put32_at(b, at + 4, (uint32_t)(b->n - at));
    return at;
}

/* An .aaLOG (§2): header, records, and for a closed file the next-file trailer with
 * header+16 pointing at it. offs[] receives each record's offset. */
static void build_aalog(struct bytes *b, const struct rec *recs, size_t n, bool is_closed,
                        size_t *offs)
{
    memset(b, 0, sizeof *b);
    put32(b, 4);
    put32(b, 1);
    put32(b, 0);       /* header length */
    put32(b, 0);       /* PrevFileName offset */
    put32(b, 0);       /* end of last record */
    put64(b, 60389);   /* first message number */
    put32(b, (uint32_t)n);
    put64(b, n ? recs[0].filetime : 0);
    put64(b, n ? recs[n - 1].filetime : 0);
    put32(b, 0);       /* first record offset */
    put32(b, 0);       /* last record offset */
    put_u16z(b, "HOST-7");
    put_u16z(b, "Session");
    size_t prev_at = b->n;
    put_u16z(b, "HOST-71449897277.aaLOG");
    uint32_t hdr = (uint32_t)b->n;
    put32_at(b, 8, hdr);
    put32_at(b, 12, (uint32_t)prev_at);
    put32_at(b, 48, hdr);
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = put_record_aalog(b, &recs[i], prev);
        if (offs)
            offs[i] = at;
        prev = (uint32_t)at;
    }
    put32_at(b, 52, prev);
    if (is_closed) {
        put32_at(b, 16, (uint32_t)b->n);
        put_u16z(b, "HOST-71449897282.aaLOG");
    }
}

static bool read_file(const char *rel, struct bytes *b)
{
    const char *shared = getenv("SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", shared ? shared : "../shared", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    b->n = fread(b->d, 1, sizeof b->d, f);
    bool is_whole = feof(f) || fgetc(f) == EOF;
    fclose(f);
    return is_whole;
}

static uint8_t *read_big(const char *rel, size_t *len)
{
    const char *shared = getenv("SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", shared ? shared : "../shared", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(sz > 0 ? (size_t)sz : 1);
    *len = p ? fread(p, 1, (size_t)sz, f) : 0;
    fclose(f);
    return p;
}

static struct collected col, col2;

/* ---- tests ---- */

static void aalog_record_fields_follow_the_note(void)
{
    static struct bytes b;
    size_t offs[N_SAMPLE];
    build_aalog(&b, sample_recs, N_SAMPLE, true, offs);
    drive(b.d, b.n, 0, "/logs/ww/HOST-71449897279.aaLOG", &col);
    CHECK_INT(col.n, N_SAMPLE);
    CHECK_INT(col.n_unparsed, 0);
    struct kept *e = &col.ev[0];
    char ts[25];
    fl_time_format_rfc3339(e->ts_ms, ts);
    CHECK_STR(ts, "2015-12-12T05:14:34.733Z"); /* truncated, not rounded */
    CHECK(e->has_ts);
    CHECK_STR(e->ts_raw, "130943708747330261");
    CHECK_STR(e->host, "HOST-7");
    CHECK_STR(e->severity_raw, "Info");
    CHECK_INT(e->severity, FL_SEV_INFO);
    CHECK_STR(e->component, "aaLogger");
    CHECK_STR(e->message, "Logger Started.");
    CHECK_STR(e->category, "service.start");
    CHECK_STR(e->msgno, "60389");
    CHECK_STR(e->session, "0.0.0.0");
    CHECK(!e->has_process); /* empty ProcessName: omitted */
    CHECK_INT(e->pid, 10316);
    CHECK_INT(e->tid, 10888);
    CHECK_STR(e->log_file, "HOST-71449897279.aaLOG");
    CHECK_STR(e->code, "");
    CHECK_INT(e->offset, offs[0]);
    CHECK_INT(e->end_offset, offs[1]);
    CHECK_INT(e->lines, 1);

    e = &col.ev[1];
    CHECK_STR(e->msgno, "60390");
    CHECK_STR(e->session, "40.119.134.86"); /* bytes in reverse order */
    CHECK_INT(e->severity, FL_SEV_WARNING);
    CHECK_STR(e->message, "line one\nline two\n\tend \xc3\xa9t\xc3\xa9"); /* CRLF -> LF */
    CHECK_STR(e->process, "aaEngine");
    CHECK_STR(e->category, "unclassified");
    fl_time_format_rfc3339(e->ts_ms, ts);
    CHECK_STR(ts, "2015-12-12T05:14:36.723Z");

    e = &col.ev[2];
    CHECK_INT(e->severity, FL_SEV_ERROR); /* a flag ending in Fail */
    CHECK_STR(e->code, "WSAECONNRESET");
    CHECK_STR(e->winsock, "10054");
    CHECK_STR(e->session, "1.2.3.4");

    e = &col.ev[3];
    CHECK_INT(e->severity, FL_SEV_DEBUG);
    CHECK_STR(e->category, "service.stop");
    CHECK_STR(e->msgno, "60392");
    CHECK_INT(e->end_offset, b.n - 46); /* the trailer is not a record */
}

static void severity_follows_logflag_rules(void)
{
    static const struct {
        const char *flag;
        int sev;
    } cases[] = {
        {"Error", FL_SEV_ERROR},          {"Warning", FL_SEV_WARNING},
        {"Info", FL_SEV_INFO},            {"DASProtFail", FL_SEV_ERROR},
        {"CustomError", FL_SEV_ERROR},    {"DACmnProtWarn", FL_SEV_WARNING},
        {"DASProtWarn", FL_SEV_WARNING},  {"Trace", FL_SEV_DEBUG},
        {"Entry-Exit", FL_SEV_DEBUG},     {"ThreadStart-Stop", FL_SEV_DEBUG},
        {"MessageChannel", FL_SEV_DEBUG}, {"DASTrace", FL_SEV_DEBUG},
        {"SQL_TRACE", FL_SEV_DEBUG},      {"", FL_SEV_DEBUG},
    };
    static struct rec recs[sizeof cases / sizeof cases[0]];
    static struct bytes b;
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++)
        recs[i] = (struct rec){0, 1, 2, FT0 + i, cases[i].flag, "c", "m", "p"};
    build_aalog(&b, recs, n, false, NULL);
    drive(b.d, b.n, 0, "x.aaLOG", &col);
    CHECK_INT(col.n, n);
    for (size_t i = 0; i < n && i < col.n; i++) {
        if (col.ev[i].severity != cases[i].sev)
            fprintf(stderr, "  flag '%s'\n", cases[i].flag);
        CHECK_INT(col.ev[i].severity, cases[i].sev);
        CHECK_STR(col.ev[i].severity_raw, cases[i].flag);
    }
}

static void chunked_feed_gives_same_events_as_whole_file(void)
{
    static struct bytes b;
    build_aalog(&b, sample_recs, N_SAMPLE, true, NULL);
    drive(b.d, b.n, 0, "f.aaLOG", &col);
    static const size_t chunks[] = {1, 2, 3, 7, 64, 159, 500};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        drive(b.d, b.n, chunks[k], "f.aaLOG", &col2);
        CHECK_INT(col2.n, col.n);
        for (size_t i = 0; i < col.n && i < col2.n; i++) {
            CHECK_INT(col2.ev[i].offset, col.ev[i].offset);
            CHECK_STR(col2.ev[i].message, col.ev[i].message);
            CHECK_STR(col2.ev[i].msgno, col.ev[i].msgno);
            CHECK_INT(col2.ev[i].ts_ms, col.ev[i].ts_ms);
        }
    }
}

static void half_written_file_ends_at_last_whole_record(void)
{
    /* header+16 = 0, no trailer: every cut point yields exactly the records wholly inside
     * it, no unparsed event, and consumption stops at the last whole record. */
    static struct bytes b;
    size_t offs[N_SAMPLE];
    build_aalog(&b, sample_recs, N_SAMPLE, false, offs);
    size_t hdr = offs[0];
    for (size_t cut = 0; cut <= b.n; cut++) {
        size_t whole = 0;
        for (size_t i = 0; i < N_SAMPLE; i++) {
            size_t end = i + 1 < N_SAMPLE ? offs[i + 1] : b.n;
            if (end <= cut)
                whole = i + 1;
        }
        uint64_t consumed = drive(b.d, cut, cut % 5 + 1, "w.aaLOG", &col);
        if (col.n != whole || col.n_unparsed)
            fprintf(stderr, "  cut at %zu\n", cut);
        CHECK_INT(col.n, whole);
        CHECK_INT(col.n_unparsed, 0);
        if (cut >= hdr)
            CHECK_INT(consumed, whole ? (whole < N_SAMPLE ? offs[whole] : b.n) : hdr);
    }
}

static void zeros_after_last_record_of_open_file_are_not_records(void)
{
    /* A file being written may be pre-extended: zero bytes are space not yet filled. */
    static struct bytes b;
    build_aalog(&b, sample_recs, 2, false, NULL);
    memset(b.d + b.n, 0, 300);
    b.n += 300;
    drive(b.d, b.n, 0, "z.aaLOG", &col);
    CHECK_INT(col.n, 2);
    CHECK_INT(col.n_unparsed, 0);
}

static void trailer_after_file_met_open_is_the_end(void)
{
    /* Tailed while written (header+16 = 0 in the header read), then the logger moved on and
     * appended the next file's name: the end, not corruption, whatever the chunking. */
    static struct bytes b;
    build_aalog(&b, sample_recs, N_SAMPLE, false, NULL);
    put_u16z(&b, "HOST-71449897282.aaLOG");
    for (size_t chunk = 1; chunk < 64; chunk += 9) {
        drive(b.d, b.n, chunk, "o.aaLOG", &col);
        CHECK_INT(col.n, N_SAMPLE);
        CHECK_INT(col.n_unparsed, 0);
    }
    /* A name that is not a log file name is corruption. */
    build_aalog(&b, sample_recs, N_SAMPLE, false, NULL);
    put_u16z(&b, "HOST-71449897282.txt");
    drive(b.d, b.n, 0, "o.aaLOG", &col);
    CHECK_INT(col.n, N_SAMPLE + 1);
    CHECK_INT(col.n_unparsed, 1);
}

static void truncated_header_gives_no_events(void)
{
    static struct bytes b;
    size_t offs[N_SAMPLE];
    build_aalog(&b, sample_recs, N_SAMPLE, true, offs);
    for (size_t cut = 0; cut < offs[0]; cut++) {
        uint64_t consumed = drive(b.d, cut, 0, "t.aaLOG", &col);
        CHECK_INT(col.n, 0);
        CHECK_INT(consumed, 0);
    }
}

static void corrupt_record_length_is_one_unparsed_event_naming_offset(void)
{
    static const uint32_t bad_lengths[] = {0, 8, 39, 0x7fffffffu, 0xffffffffu};
    static struct bytes b;
    size_t offs[N_SAMPLE];
    for (size_t k = 0; k < sizeof bad_lengths / sizeof bad_lengths[0]; k++) {
        build_aalog(&b, sample_recs, N_SAMPLE, false, offs);
        put32_at(&b, offs[1] + 4, bad_lengths[k]);
        drive(b.d, b.n, 0, "c.aaLOG", &col);
        CHECK_INT(col.n, 2); /* record 0, then the unparsed one; reading stops */
        CHECK_INT(col.n_unparsed, 1);
        CHECK(col.offsets_ok);
        if (col.n == 2) {
            CHECK(col.ev[1].is_unparsed);
            CHECK_INT(col.ev[1].offset, offs[1]);
            CHECK_STR(col.ev[1].category, "unparsed");
            CHECK_INT(col.ev[1].severity, FL_SEV_NOTICE);
            char want[64];
            snprintf(want, sizeof want, "at offset %zu", offs[1]);
            CHECK(strstr(col.ev[1].message, want) != NULL);
        }
    }
}

static void length_past_end_of_closed_file_is_unparsed(void)
{
    /* In a closed file header+16 bounds the records: a length reaching into the trailer is
     * corrupt, not "wait for more". */
    static struct bytes b;
    size_t offs[N_SAMPLE];
    build_aalog(&b, sample_recs, N_SAMPLE, true, offs);
    uint32_t len = (uint32_t)(b.n - offs[N_SAMPLE - 1]);
    put32_at(&b, offs[N_SAMPLE - 1] + 4, len);
    drive(b.d, b.n, 0, "p.aaLOG", &col);
    CHECK_INT(col.n, N_SAMPLE);
    CHECK_INT(col.n_unparsed, 1);
    /* An open file: the same record waits for bytes that never come, then stops quietly. */
    build_aalog(&b, sample_recs, N_SAMPLE, false, offs);
    put32_at(&b, offs[N_SAMPLE - 1] + 4, 4096);
    uint64_t consumed = drive(b.d, b.n, 0, "p.aaLOG", &col);
    CHECK_INT(col.n, N_SAMPLE - 1);
    CHECK_INT(col.n_unparsed, 0);
    CHECK_INT(consumed, offs[N_SAMPLE - 1]);
}

static void unterminated_odd_string_is_unparsed_and_reading_continues(void)
{
    static struct bytes b;
    size_t offs[N_SAMPLE];
    build_aalog(&b, sample_recs, 1, false, offs);
    size_t bad = b.n;
    put32(&b, 2);
    put32(&b, 41); /* 32 fixed + 9 bytes: units A B C D and an odd E, no 00 00 */
    put32(&b, (uint32_t)offs[0]);
    put32(&b, 0);
    put32(&b, 1);
    put32(&b, 2);
    put64(&b, FT0);
    static const uint8_t units[9] = {'A', 0, 'B', 0, 'C', 0, 'D', 0, 'E'};
    memcpy(b.d + b.n, units, sizeof units);
    b.n += sizeof units;
    size_t good = put_record_aalog(&b, &sample_recs[1], (uint32_t)bad);
    drive(b.d, b.n, 3, "u.aaLOG", &col);
    CHECK_INT(col.n, 3);
    CHECK_INT(col.n_unparsed, 1);
    if (col.n == 3) {
        CHECK(col.ev[1].is_unparsed);
        CHECK_INT(col.ev[1].offset, bad);
        CHECK_INT(col.ev[2].offset, good);
        CHECK_STR(col.ev[2].severity_raw, "Warning");
        CHECK_STR(col.ev[2].msgno, "60391"); /* the broken record keeps its number */
    }
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void garbage_after_valid_header_never_crashes(void)
{
    static struct bytes b;
    size_t offs[N_SAMPLE];
    /* Garbage where the first record should be: one unparsed event, then stop. */
    build_aalog(&b, sample_recs, 0, false, offs);
    size_t hdr = b.n;
    for (int i = 0; i < 2000; i++)
        put8(&b, (uint8_t)(rnd() | 1)); /* never a valid 02 00 00 00 */
    drive(b.d, b.n, 0, "g.aaLOG", &col);
    CHECK_INT(col.n, 1);
    CHECK_INT(col.n_unparsed, 1);
    if (col.n == 1)
        CHECK_INT(col.ev[0].offset, hdr);

    /* Random garbage and random mutations of a valid file, random chunking: events or a
     * clean stop, every event inside the file. */
    for (int iter = 0; iter < 3000; iter++) {
        build_aalog(&b, sample_recs, N_SAMPLE, iter & 1, offs);
        if (iter % 3 == 0) {
            size_t from = offs[0] + rnd() % (b.n - offs[0]);
            for (size_t i = from; i < b.n; i++)
                b.d[i] = (uint8_t)rnd();
        } else {
            int flips = 1 + (int)(rnd() % 8);
            for (int f = 0; f < flips; f++)
                b.d[rnd() % b.n] = (uint8_t)rnd();
        }
        if (iter % 7 == 0)
            b.n = rnd() % (b.n + 1);
        drive(b.d, b.n, 1 + rnd() % 97, "r.aaLOG", &col);
        CHECK(col.offsets_ok);
        CHECK(col.n <= N_SAMPLE + 1);
    }
}

static void corrupt_header_length_is_unparsed(void)
{
    static struct bytes b;
    build_aalog(&b, sample_recs, 2, true, NULL);
    put32_at(&b, 8, 20); /* smaller than the fixed header */
    drive(b.d, b.n, 0, "h.aaLOG", &col);
    CHECK_INT(col.n, 1);
    CHECK_INT(col.n_unparsed, 1);
    build_aalog(&b, sample_recs, 2, true, NULL);
    put32_at(&b, 8, 0x40000000u);
    drive(b.d, b.n, 0, "h.aaLOG", &col);
    CHECK_INT(col.n, 1);
    CHECK_INT(col.n_unparsed, 1);
}

static void corpus_aalog_closed_file_gives_its_seven_records(void)
{
    static struct bytes b;
    if (!read_file("corpus/aveva/binary/2014R2-VS-WSP1449897279.aaLOG", &b)) {
        fprintf(stderr, "  (skipped: corpus not found; set SHARED)\n");
        return;
    }
    static const uint64_t offs[] = {160, 254, 406, 572, 730, 930, 1036};
    for (size_t chunk = 0; chunk < 40; chunk += 13) {
        drive(b.d, b.n, chunk, "2014R2-VS-WSP1449897279.aaLOG", &col);
        CHECK_INT(col.n, 7);
        CHECK_INT(col.n_unparsed, 0);
        for (size_t i = 0; i < 7 && i < col.n; i++) {
            CHECK_INT(col.ev[i].offset, offs[i]);
            char want[24];
            snprintf(want, sizeof want, "%zu", (size_t)60389 + i);
            CHECK_STR(col.ev[i].msgno, want);
            CHECK_STR(col.ev[i].host, "2014R2-VS-WSP");
        }
    }
    CHECK_STR(col.ev[0].message, "Logger Started.");
    CHECK_STR(col.ev[0].ts_raw, "130943708799687690");
    CHECK_STR(col.ev[2].severity_raw, "Warning");
    CHECK_STR(col.ev[3].message, "LogGen_001.scr: Error Message 963");
    CHECK_STR(col.ev[5].message, "Logger Shutting down.");
}

static void corpus_aalgx_export_keeps_stored_numbers_and_crlf_as_lf(void)
{
    size_t len = 0;
    uint8_t *p = read_big("corpus/aveva/binary/test.aaLGX", &len);
    if (!p) {
        fprintf(stderr, "  (skipped: corpus not found; set SHARED)\n");
        return;
    }
    drive(p, len, 4096, "test.aaLGX", &col);
    CHECK_INT(col.n, 683);
    CHECK_INT(col.n_unparsed, 0);
    CHECK_INT(col.ev[0].offset, 68);
    CHECK_STR(col.ev[0].msgno, "360097");
    CHECK_STR(col.ev[0].message, "Logger Started.");
    CHECK_STR(col.ev[0].host, "DSA2014R2");
    CHECK_STR(col.ev[0].ts_raw, "130783241810947628");
    struct kept *e = &col.ev[17]; /* the note's "record 18", counted from 1 */
    CHECK_INT(e->offset, 6416);
    CHECK_STR(e->msgno, "360114");
    CHECK_STR(e->severity_raw, "Warning");
    CHECK_STR(e->component, "IMS.Server.Runtime");
    CHECK(strchr(e->message, '\n') != NULL);
    CHECK(strchr(e->message, '\r') == NULL);
    free(p);
}

static void corpus_open_file_truncated_anywhere_ends_at_a_whole_record(void)
{
    size_t len = 0;
    uint8_t *p = read_big("corpus/aveva/binary/2014R2-VS-WSP1449973573.aaLOG", &len);
    if (!p) {
        fprintf(stderr, "  (skipped: corpus not found; set SHARED)\n");
        return;
    }
    drive(p, len, 65536, "open.aaLOG", &col);
    CHECK_INT(col.n, 638);
    CHECK_INT(col.n_unparsed, 0);
    for (size_t cut = 160; cut < len; cut += 997) {
        drive(p, cut, 4096, "open.aaLOG", &col2);
        CHECK_INT(col2.n_unparsed, 0);
        CHECK(col2.n <= 638);
    }
    free(p);
}

static void bare_message_lines_are_records_without_time(void)
{
    static const char text[] =
        "Connection with 'PLC1' dropped, restarting connection\n"
        "\n"
        "Setting all items to bad in hierarchy: %s\r\n"
        "Platform GR01 exceed maximum heartbeats timeout of 8000 ms\n"
        "socket closed (WSAECONNRESET) (10054)\n"
        "UpdateInterval for Device Group: %s changed to %d\n"
        "Internal Error: CIoVariant::Update()";
    size_t len = sizeof text - 1;
    drive((const uint8_t *)text, len, 5, "heartbeat.msg.txt", &col);
    CHECK_INT(col.n, 6);
    CHECK_INT(col.n_unparsed, 0);
    if (col.n != 6)
        return;
    for (size_t i = 0; i < 6; i++) {
        CHECK(!col.ev[i].has_ts);
        CHECK_STR(col.ev[i].severity_raw, "");
        CHECK_STR(col.ev[i].host, "");
        CHECK_INT(col.ev[i].lines, 1);
    }
    CHECK_INT(col.ev[0].offset, 0);
    CHECK_INT(col.ev[0].severity, FL_SEV_WARNING); /* "dropped" */
    CHECK_STR(col.ev[0].category, "net.conn_lost");
    CHECK_INT(col.ev[1].offset, 55);                /* after the empty line */
    CHECK_STR(col.ev[1].message, "Setting all items to bad in hierarchy: %s");
    CHECK_INT(col.ev[1].severity, FL_SEV_WARNING);  /* "bad" */
    CHECK_STR(col.ev[2].category, "net.conn_lost");
    CHECK_STR(col.ev[2].peer, "GR01");
    CHECK_STR(col.ev[2].timeout_ms, "8000");
    CHECK_INT(col.ev[2].severity, FL_SEV_WARNING);  /* "exceed" */
    CHECK_STR(col.ev[3].code, "WSAECONNRESET");
    CHECK_STR(col.ev[3].winsock, "10054");
    CHECK_INT(col.ev[4].severity, FL_SEV_INFO);
    CHECK_STR(col.ev[4].category, "unclassified");
    CHECK_INT(col.ev[5].severity, FL_SEV_ERROR);    /* "Error", last line without LF */
    CHECK_INT(col.ev[5].end_offset, len);
}

static void probe_scores_magic_bytes_only(void)
{
    static const uint8_t log_head[12] = {4, 0, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0};
    static const uint8_t lgx_head[12] = {1, 0, 0, 0, 3, 0, 0, 0, 68, 0, 0, 0};
    static const uint8_t other[12] = {4, 0, 0, 0, 2, 0, 0, 0, 160, 0, 0, 0};
    CHECK_INT(fl_parser_aveva.probe(log_head, sizeof log_head, NULL, 0), 100);
    CHECK_INT(fl_parser_aveva.probe(lgx_head, sizeof lgx_head, NULL, 0), 100);
    CHECK_INT(fl_parser_aveva.probe(other, sizeof other, NULL, 0), 0);
    CHECK_INT(fl_parser_aveva.probe(log_head, 5, NULL, 0), 0);
    CHECK_INT(fl_parser_aveva.probe((const uint8_t *)"2024-01-01 Info x\n", 18, NULL, 0), 0);
    CHECK(fl_parser_aveva.is_binary);
}

static void fingerprint_is_first_number_and_first_filetime(void)
{
    static struct bytes b;
    build_aalog(&b, sample_recs, N_SAMPLE, true, NULL);
    uint8_t key[16];
    memcpy(key, b.d + 20, 8);
    memcpy(key + 8, b.d + 32, 8);
    uint64_t fp = 0;
    CHECK_INT(fl_parser_aveva.fingerprint(b.d, b.n, &fp), 0);
    CHECK(fp == fl_fingerprint_bytes(key, 16));
    CHECK_INT(fl_parser_aveva.fingerprint(b.d, 39, &fp), FL_EAGAIN);
    CHECK_INT(fl_parser_aveva.fingerprint(b.d, 3, &fp), FL_EAGAIN);
    /* Same header, different records later: same file identity. */
    uint64_t fp2 = 0;
    b.d[b.n - 10] ^= 0xFF;
    CHECK_INT(fl_parser_aveva.fingerprint(b.d, b.n, &fp2), 0);
    CHECK(fp2 == fp);

    /* .aaLGX: the first record's stored number and the header's first FILETIME. */
    size_t len = 0;
    uint8_t *p = read_big("corpus/aveva/binary/test.aaLGX", &len);
    if (p) {
        memcpy(key, p + 68 + 16, 8);
        memcpy(key + 8, p + 16, 8);
        CHECK_INT(fl_parser_aveva.fingerprint(p, 4096, &fp), 0);
        CHECK(fp == fl_fingerprint_bytes(key, 16));
        CHECK_INT(fl_parser_aveva.fingerprint(p, 80, &fp), FL_EAGAIN);
        free(p);
    }

    /* Bare text: the first complete line as stored (CR kept, LF not). */
    static const char text[] = "Platform X exceed maximum heartbeats timeout of Y ms\r\nnext\n";
    CHECK_INT(fl_parser_aveva.fingerprint((const uint8_t *)text, sizeof text - 1, &fp), 0);
    CHECK(fp == fl_fingerprint_bytes(text, 53));
    CHECK_INT(fl_parser_aveva.fingerprint((const uint8_t *)text, 20, &fp), FL_EAGAIN);
}

/* Writes b to a temp file and reads its chain facts through the descriptor. */
static int chain_of(const struct bytes *b, size_t n, struct fl_aveva_chain *c)
{
    char path[] = "/tmp/fl-aveva-chain-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return -1;
    unlink(path);
    CHECK_INT(write(fd, b->d, n), (long)n);
    int rc = fl_aveva_chain_read(fd, c);
    close(fd);
    return rc;
}

static void chain_read_gives_numbers_and_the_next_file(void)
{
    static struct bytes b;
    struct fl_aveva_chain c;
    build_aalog(&b, sample_recs, N_SAMPLE, true, NULL);
    CHECK_INT(chain_of(&b, b.n, &c), 0);
    CHECK_INT(c.first_msgno, 60389);
    CHECK_INT(c.count, N_SAMPLE);
    CHECK(c.is_closed);
    CHECK_STR(c.next_name, "HOST-71449897282.aaLOG");
    /* Being written: header+16 = 0, no trailer. */
    build_aalog(&b, sample_recs, N_SAMPLE, false, NULL);
    CHECK_INT(chain_of(&b, b.n, &c), 0);
    CHECK(!c.is_closed);
    CHECK_STR(c.next_name, "");
    /* A header still being written; then no .aaLOG at all. */
    CHECK_INT(chain_of(&b, 30, &c), FL_EAGAIN);
    CHECK_INT(chain_of(&b, 4, &c), FL_EAGAIN);
    static const char text[] = "Platform X exceed maximum heartbeats timeout\r\n";
    memcpy(b.d, text, sizeof text);
    CHECK_INT(chain_of(&b, sizeof text - 1, &c), FL_EUNPARSED);
    /* The note's example (aveva.md §2.1): 60389, 7 records, trailer ...282.aaLOG. */
    if (read_file("corpus/aveva/binary/2014R2-VS-WSP1449897279.aaLOG", &b)) {
        CHECK_INT(chain_of(&b, b.n, &c), 0);
        CHECK_INT(c.first_msgno, 60389);
        CHECK_INT(c.count, 7);
        CHECK(c.is_closed);
        CHECK_STR(c.next_name, "2014R2-VS-WSP1449897282.aaLOG");
    }
}

UNIT_MAIN(UNIT_TEST(aalog_record_fields_follow_the_note),
          UNIT_TEST(chain_read_gives_numbers_and_the_next_file),
          UNIT_TEST(severity_follows_logflag_rules),
          UNIT_TEST(chunked_feed_gives_same_events_as_whole_file),
          UNIT_TEST(half_written_file_ends_at_last_whole_record),
          UNIT_TEST(zeros_after_last_record_of_open_file_are_not_records),
          UNIT_TEST(trailer_after_file_met_open_is_the_end),
          UNIT_TEST(truncated_header_gives_no_events),
          UNIT_TEST(corrupt_record_length_is_one_unparsed_event_naming_offset),
          UNIT_TEST(length_past_end_of_closed_file_is_unparsed),
          UNIT_TEST(unterminated_odd_string_is_unparsed_and_reading_continues),
          UNIT_TEST(garbage_after_valid_header_never_crashes),
          UNIT_TEST(corrupt_header_length_is_unparsed),
          UNIT_TEST(corpus_aalog_closed_file_gives_its_seven_records),
          UNIT_TEST(corpus_aalgx_export_keeps_stored_numbers_and_crlf_as_lf),
          UNIT_TEST(corpus_open_file_truncated_anywhere_ends_at_a_whole_record),
          UNIT_TEST(bare_message_lines_are_records_without_time),
          UNIT_TEST(probe_scores_magic_bytes_only),
          UNIT_TEST(fingerprint_is_first_number_and_first_filetime))
