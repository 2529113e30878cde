/* parsers/aveva.c: AVEVA / Wonderware / ArchestrA Logger files (formats/aveva.md).
 *
 * Reads the native binary logs byte-exactly: live `.aaLOG` files (§2) and Log Viewer
 * `.aaLGX` exports (§4). The stream pushes raw bytes from offset 0; this parser consumes the
 * header once it is complete, then whole records only, and leaves an unfinished record (a
 * file still being written) for the next push. Every record becomes one event: FILETIME ->
 * UTC ms (truncated), LogFlag -> severity (§5.1), Message -> category (§5.3 catalog, then
 * OPC UA statuses), host = the header's ComputerName.
 *
 * A file without the magic bytes is read as bare message texts (§5.2, the `*.msg.txt`
 * fixtures): one record per non-empty line, no time, severity from the message words.
 *
 * What it leaves to others: following the file chain (PrevFileName / next-file trailer) is
 * the tailer's job, with the header facts of fl_aveva_chain_read (aveva.h); ids, file names and configured hosts are the stream's. Nothing here
 * allocates per record: decoded strings go into one reused buffer, numbers into fixed
 * per-file arrays. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/buf.h"
#include "core/err.h"
#include "parsers/aveva.h"
#include "parsers/catalog.h"
#include "parsers/decode.h"
#include "parsers/opcua.h"
#include "parsers/parser.h"
#include "parsers/stream.h"
#include "schemas/event.h"

#define AVEVA_SOURCE "aveva"

/* Bounds a hostile length field must stay inside. Real headers are 144..160 bytes and real
 * records a few hundred; a message of megabytes would already be a broken logger. */
#define HEADER_MAX_BYTES 65536u
#define RECORD_MAX_BYTES (16u << 20)
/* Decoded UTF-8 is at most 1.5x the UTF-16 bytes (3 bytes per 2-byte unit). */
#define TEXT_MAX_BYTES (3u * RECORD_MAX_BYTES / 2u + 64u)
/* Bare-text mode decides its encoding from this much of the head (DESIGN.md "Decoding"). */
#define TEXT_DETECT_BYTES 4096u
#define TEXT_MAX_LINE_BYTES (1u << 20)
/* A trailer is a bare file name (Windows MAX_PATH). */
#define TRAILER_MAX_CHARS 260u
/* FILETIME of 1970-01-01T00:00:00Z in milliseconds since 1601-01-01. */
#define FILETIME_UNIX_EPOCH_MS 11644473600000LL

/* The fixed header fields this parser reads (aveva.md §2.1 and §4). */
#define AALOG_HDR_FIXED 56u /* ComputerName starts here */
#define AALGX_HDR_FIXED 48u

enum aveva_mode {
    MODE_START, /* nothing seen yet: magic bytes decide */
    MODE_AALOG, /* header consumed, reading records */
    MODE_AALGX,
    MODE_TEXT,  /* bare message lines (§5.2) */
    MODE_DONE,  /* trailer reached or corrupt: ignore the rest */
};

/* What differs between an .aaLOG record (§2.2) and an .aaLGX record (§4): field offsets. */
struct rec_layout {
    uint32_t signature;
    uint32_t fixed_bytes; /* strings start here */
    uint32_t off_session, off_pid, off_tid, off_filetime;
    uint32_t off_msgno;   /* 0: not stored (.aaLOG numbers = header first + index) */
};
static const struct rec_layout aalog_layout = {2, 32, 12, 16, 20, 24, 0};
static const struct rec_layout aalgx_layout = {4, 44, 24, 28, 32, 36, 16};

/* §5.3 message families, in table order (first row wins). */
enum { ROW_HEARTBEAT = 19 }; /* the last row: its message carries peer and timeout */
static const struct fl_catalog_row aveva_rows[] = {
    {"^Logger Started\\.$", "service.start"},
    {"^Starting .+ Service\\.$", "service.start"},
    {"service has started successfully\\.$", "service.start"},
    {"^Service started \\(", "service.start"},
    {"^Logger Shutting down\\.$", "service.stop"},
    {"service has stopped\\.$", "service.stop"},
    {"(?i:\\b(un)?deploy(ment)? (started|ended|completed)\\b)", "config.deploy"},
    {"^\\[\\d+\\] (Un)?[Dd]eploying \\d+ object", "config.deploy"},
    {"Deploy changes ended", "config.deploy"},
    {"Failed to deploy ", "config.deploy"},
    {"Failed to acquire any type of license feature", "license.invalid"},
    {"' is unlicensed\\.", "license.invalid"},
    {"A connection attempt to the database server on machine \\S+ failed", "db.faulted"},
    {"Could not connect to .*[Dd]atabase", "db.faulted"},
    {"Storage switched from \\w+ to StoreForward", "historian.store_forward"},
    {"(?i:\\bconnection\\b.{0,80}\\b(was|has been) lost\\b)", "net.conn_lost"},
    {"went away", "net.conn_lost"},
    {"(?i:\\bcommunication (error|failure)\\b)", "net.conn_lost"},
    {"Connection with '[^']*' dropped", "net.conn_lost"},
    {"Platform \\S+ exceed maximum heartbeats timeout", "net.conn_lost"},
};
_Static_assert(sizeof aveva_rows / sizeof aveva_rows[0] == ROW_HEARTBEAT + 1,
               "ROW_HEARTBEAT must name the heartbeat row");

/* §5.2 severity of a bare message line: row 0 error, row 1 warning, no match info. */
static const struct fl_catalog_row bare_severity_rows[] = {
    {"(?i:\\b(error|errors|fail|failed|fails|failure|could not|cannot|can't|unable to|invalid|"
     "lost|not licen[cs]ed|no licen[cs]es?)\\b)",
     "error"},
    {"(?i:\\b(warn|warning|dropped|bad|timeout|timed out|not connected|went away|exceed|exceeds|"
     "exceeded|grace mode|down|not responding|disconnected)\\b)",
     "warning"},
};

struct aveva {
    enum aveva_mode mode;
    const struct rec_layout *layout;
    char log_file[256];      /* base name of the configured path (attrs.log_file) */
    size_t log_file_len;
    uint64_t first_msgno;    /* .aaLOG header+20 */
    uint64_t index;          /* records read so far (0-based index of the next one) */
    uint64_t next_off;       /* raw offset where the next record starts */
    uint64_t records_end;    /* .aaLOG header+16: trailer offset; 0 while being written */
    struct fl_buf host;      /* ComputerName, UTF-8 */
    struct fl_buf text;      /* the four decoded strings of the current record */
    struct fl_buf note;      /* message of an unparsed event */
    char session[16];        /* "255.255.255.255" */
    char msgno[24];
    char ts_raw[24];
    struct fl_catalog *families;
    struct fl_catalog *bare_severity;
    struct fl_event ev;
    /* Bare-text mode. */
    struct fl_splitter splitter;
    bool has_splitter;
    const struct fl_sink *text_sink; /* valid during one push */
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const uint8_t aalog_magic[8] = {4, 0, 0, 0, 1, 0, 0, 0};
static const uint8_t aalgx_magic[8] = {1, 0, 0, 0, 3, 0, 0, 0};

/* Which binary layout the head starts with; MODE_START when too short to tell yet but still
 * a possible prefix of a magic, MODE_TEXT when it is neither. */
static enum aveva_mode magic_kind(const uint8_t *p, size_t n)
{
    if (n == 0)
        return MODE_START;
    size_t k = n < 8 ? n : 8;
    bool is_log = memcmp(p, aalog_magic, k) == 0;
    bool is_lgx = memcmp(p, aalgx_magic, k) == 0;
    if (n < 8)
        return is_log || is_lgx ? MODE_START : MODE_TEXT;
    return is_log ? MODE_AALOG : is_lgx ? MODE_AALGX : MODE_TEXT;
}

/* Decimal digits of v into out (NUL-terminated); returns the length. */
static size_t u64_to_dec(uint64_t v, char out[24])
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* FILETIME (100 ns ticks since 1601, UTC) -> Unix ms, finer digits truncated (DESIGN.md).
 * ft is unsigned, so the division floors: pre-1970 values stay monotonic. */
static int64_t filetime_to_ms(uint64_t ft)
{
    return (int64_t)(ft / 10000u) - FILETIME_UNIX_EPOCH_MS;
}

/* Offset (relative to rec) of the 16-bit NUL that ends the string starting at pos, or
 * SIZE_MAX when none lies inside rec[0..len). An odd last byte is never part of a unit. */
static size_t find_nul16(const uint8_t *rec, size_t pos, size_t len)
{
    for (size_t i = pos; i + 1 < len; i += 2)
        if (rec[i] == 0 && rec[i + 1] == 0)
            return i;
    return SIZE_MAX;
}

/* Decodes the UTF-16LE string at rec[pos..nul) into b. */
static int decode_string(struct fl_buf *b, const uint8_t *rec, size_t pos, size_t nul)
{
    return fl_decode_utf16(rec + pos, nul - pos, false, b);
}

/* Appends the NUL-terminated UTF-16LE string starting at rec[pos] to b and sets *next past
 * its NUL; FL_EUNPARSED when no NUL lies inside rec[0..len). The caller has reserved len/2
 * bytes: ASCII (nearly every logger text) is copied in the same pass that looks for the
 * NUL; the first other unit hands the rest to fl_decode_utf16. */
static int take_string(struct fl_buf *b, const uint8_t *rec, size_t pos, size_t len, size_t *next)
{
    char *w = b->data + b->len;
    size_t i = pos;
    for (; i + 1 < len; i += 2) {
        uint8_t lo = rec[i], hi = rec[i + 1];
        if (hi != 0 || lo >= 0x80)
            break;
        if (lo == 0) {
            b->len = (size_t)(w - b->data);
            *next = i + 2;
            return 0;
        }
        *w++ = (char)lo;
    }
    b->len = (size_t)(w - b->data);
    size_t nul = find_nul16(rec, i, len);
    if (nul == SIZE_MAX)
        return FL_EUNPARSED;
    int rc = decode_string(b, rec, i, nul);
    if (rc)
        return rc;
    *next = nul + 2;
    return 0;
}

/* "b3.b2.b1.b0": SessionID's bytes in reverse order (§2.2). Returns the length. */
static size_t format_session(uint32_t v, char out[16])
{
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned byte = (v >> shift) & 0xFF;
        if (byte >= 100)
            out[n++] = (char)('0' + byte / 100);
        if (byte >= 10)
            out[n++] = (char)('0' + byte / 10 % 10);
        out[n++] = (char)('0' + byte % 10);
        if (shift)
            out[n++] = '.';
    }
    out[n] = '\0';
    return n;
}

/* CRLF inside a message becomes LF (§3); a lone CR stays. In place; returns the new length. */
static size_t crlf_to_lf(char *s, size_t n)
{
    char *cr = memchr(s, '\r', n);
    if (!cr)
        return n;
    size_t w = (size_t)(cr - s);
    for (size_t r = w; r < n; r++) {
        if (s[r] == '\r' && r + 1 < n && s[r + 1] == '\n')
            continue;
        s[w++] = s[r];
    }
    return w;
}

/* §5.1: LogFlag -> RFC 5424 severity, first rule that matches. */
static enum fl_severity flag_severity(struct fl_str flag)
{
    if (fl_str_eq(flag, "Error"))
        return FL_SEV_ERROR;
    if (fl_str_eq(flag, "Warning"))
        return FL_SEV_WARNING;
    if (fl_str_eq(flag, "Info"))
        return FL_SEV_INFO;
    if ((flag.len >= 4 && memcmp(flag.p + flag.len - 4, "Fail", 4) == 0) ||
        (flag.len >= 5 && memcmp(flag.p + flag.len - 5, "Error", 5) == 0))
        return FL_SEV_ERROR;
    for (size_t i = 0; i + 4 <= flag.len; i++)
        if (memcmp(flag.p + i, "Warn", 4) == 0)
            return FL_SEV_WARNING;
    return FL_SEV_DEBUG;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* §3: a Winsock code "(WSAExxx) (nnnnn)" gives code = the WSAE name, attrs.winsock = the
 * number. Both parts must be there. */
static void winsock_code(struct fl_event *ev, struct fl_str msg)
{
    const char *p = msg.p, *end = msg.p + msg.len;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), "(WSAE", 5);
        if (!hit)
            return;
        const char *name = hit + 1, *q = hit + 5;
        while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
            q++;
        const char *name_end = q;
        if (name_end > hit + 5 && q < end && *q == ')') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (q < end && *q == '(') {
                const char *num = ++q;
                while (q < end && is_digit(*q))
                    q++;
                if (q > num && q < end && *q == ')') {
                    ev->code = fl_str_make(name, (size_t)(name_end - name));
                    fl_event_attr_str(ev, "winsock", fl_str_make(num, (size_t)(q - num)));
                    return;
                }
            }
        }
        p = hit + 5;
    }
}

/* §5.3 note: "Platform X exceed maximum heartbeats timeout of Y ms" gives attrs.peer = X and
 * attrs.timeout_ms = Y. Called only when that catalog row matched. */
static void heartbeat_attrs(struct fl_event *ev, struct fl_str msg)
{
    static const char mid[] = " exceed maximum heartbeats timeout";
    static const char of[] = " of ";
    const char *p = msg.p, *end = msg.p + msg.len;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), "Platform ", 9);
        if (!hit)
            return;
        const char *peer = hit + 9, *q = peer;
        while (q < end && !is_space(*q))
            q++;
        const char *peer_end = q;
        if (peer_end > peer && (size_t)(end - q) >= sizeof mid - 1 &&
            memcmp(q, mid, sizeof mid - 1) == 0) {
            fl_event_attr_str(ev, "peer", fl_str_make(peer, (size_t)(peer_end - peer)));
            q += sizeof mid - 1;
            if ((size_t)(end - q) >= sizeof of - 1 && memcmp(q, of, sizeof of - 1) == 0) {
                const char *y = q + sizeof of - 1, *y_end = y;
                while (y_end < end && !is_space(*y_end))
                    y_end++;
                if (y_end > y)
                    fl_event_attr_str(ev, "timeout_ms", fl_str_make(y, (size_t)(y_end - y)));
            }
            return;
        }
        p = hit + 9;
    }
}

/* Category (and the code/attrs the families carry) from the message: the §5.3 catalog
 * first, else an OPC UA status in the text (DESIGN.md "Category"), else unclassified. */
static void classify(struct aveva *st, struct fl_event *ev)
{
    struct fl_str msg = ev->message;
    int row = fl_catalog_match(st->families, msg.p, msg.len);
    if (row >= 0) {
        ev->category = aveva_rows[row].category;
        if (row == ROW_HEARTBEAT)
            heartbeat_attrs(ev, msg);
    } else {
        struct fl_opcua_hit hit;
        if (fl_opcua_scan(msg.p, msg.len, &hit) && hit.status && hit.status->category)
            ev->category = hit.status->category;
    }
    winsock_code(ev, msg);
}

/* One unparsed event for structurally broken bytes at off: the message names the offset
 * (there is no text line to quote in a binary file). */
static int emit_corrupt(struct aveva *st, uint64_t off, uint64_t end_off,
                        const struct fl_sink *sink, const char *what, uint64_t value)
{
    struct fl_event *ev = &st->ev;
    fl_buf_reset(&st->note);
    int rc = fl_buf_printf(&st->note, "aveva: %s %llu at offset %llu", what,
                           (unsigned long long)value, (unsigned long long)off);
    if (rc)
        return rc;
    fl_event_reset(ev);
    fl_event_set_unparsed(ev, AVEVA_SOURCE, fl_str_make(st->note.data, st->note.len));
    ev->host = fl_str_make(st->host.data, st->host.len);
    ev->offset = off;
    ev->end_offset = end_off;
    ev->lines = 1;
    return sink->emit(sink->ctx, ev);
}

/* Turns one complete record rec[0..len) at raw offset off into an event and emits it. */
static int emit_record(struct aveva *st, const uint8_t *rec, uint32_t len, uint64_t off,
                       const struct fl_sink *sink)
{
    const struct rec_layout *lay = st->layout;
    size_t start[4], slen[4];
    size_t pos = lay->fixed_bytes;
    int rc;

    /* LogFlag, Component, Message, ProcessName: four NUL-terminated UTF-16LE strings that
     * end exactly at the record's end (§2.2); slack after the fourth NUL is tolerated. */
    fl_buf_reset(&st->text);
    if ((rc = fl_buf_reserve(&st->text, len / 2 + 16)))
        return rc;
    for (int i = 0; i < 4; i++) {
        start[i] = st->text.len;
        rc = take_string(&st->text, rec, pos, len, &pos);
        if (rc == FL_EUNPARSED)
            return emit_corrupt(st, off, off + len, sink, "unterminated string in record, string",
                                (uint64_t)i + 1);
        if (rc)
            return rc;
        slen[i] = st->text.len - start[i];
    }
    char *base = st->text.data; /* never NULL: reserved in open */
    slen[2] = crlf_to_lf(base + start[2], slen[2]);

    uint64_t msgno = lay->off_msgno ? rd64(rec + lay->off_msgno) : st->first_msgno + st->index;
    uint32_t session = rd32(rec + lay->off_session);
    uint64_t ft = rd64(rec + lay->off_filetime);

    struct fl_event *ev = &st->ev;
    fl_event_reset(ev);
    ev->source = AVEVA_SOURCE;
    ev->ts_ms = filetime_to_ms(ft);
    ev->has_ts = true;
    ev->ts_raw = fl_str_make(st->ts_raw, u64_to_dec(ft, st->ts_raw));
    ev->host = fl_str_make(st->host.data, st->host.len);
    ev->severity_raw = fl_str_make(base + start[0], slen[0]);
    ev->severity = flag_severity(ev->severity_raw);
    ev->component = fl_str_make(base + start[1], slen[1]);
    ev->message = fl_str_make(base + start[2], slen[2]);
    ev->offset = off;
    ev->end_offset = off + len;
    ev->lines = 1;

    size_t session_len = format_session(session, st->session);
    fl_event_attr_int(ev, "pid", rd32(rec + lay->off_pid));
    fl_event_attr_int(ev, "tid", rd32(rec + lay->off_tid));
    if (slen[3])
        fl_event_attr_str(ev, "process", fl_str_make(base + start[3], slen[3]));
    fl_event_attr_str(ev, "session", fl_str_make(st->session, session_len));
    fl_event_attr_str(ev, "msgno", fl_str_make(st->msgno, u64_to_dec(msgno, st->msgno)));
    if (st->log_file_len)
        fl_event_attr_str(ev, "log_file", fl_str_make(st->log_file, st->log_file_len));
    classify(st, ev);
    return sink->emit(sink->ctx, ev);
}

/* Reads the header once it is complete and sets st->mode to kind, with *used = the header
 * length. While incomplete, mode stays MODE_START and *used 0. A corrupt header emits one
 * unparsed event (returning the sink's value) and ends the file (MODE_DONE). */
static int read_header(struct aveva *st, enum aveva_mode kind, const uint8_t *p, size_t n,
                       size_t *used, const struct fl_sink *sink)
{
    uint32_t fixed = kind == MODE_AALOG ? AALOG_HDR_FIXED : AALGX_HDR_FIXED;
    *used = 0;
    if (n < 12)
        return 0;
    uint32_t hdr_len = rd32(p + 8);
    /* At least the fixed fields and an empty ComputerName. */
    if (hdr_len < fixed + 2 || hdr_len > HEADER_MAX_BYTES) {
        st->mode = MODE_DONE;
        *used = n;
        return emit_corrupt(st, 0, 0, sink, "bad header length", hdr_len);
    }
    if (n < hdr_len)
        return 0;

    uint64_t first_rec;
    if (kind == MODE_AALOG) {
        st->layout = &aalog_layout;
        st->records_end = rd32(p + 16);
        st->first_msgno = rd64(p + 20);
        first_rec = rd32(p + 48);
    } else {
        st->layout = &aalgx_layout;
        st->records_end = 0; /* an export ends at EOF, no trailer */
        st->first_msgno = 0;
        first_rec = rd64(p + 32);
    }
    /* A header written before its first record may still say 0 there. */
    if (first_rec == 0)
        first_rec = hdr_len;
    if (first_rec < hdr_len || first_rec > HEADER_MAX_BYTES) {
        st->mode = MODE_DONE;
        *used = n;
        return emit_corrupt(st, 0, 0, sink, "bad first-record offset", first_rec);
    }
    /* ComputerName: a NUL-terminated string inside the header (cut at its end if not). */
    size_t nul = find_nul16(p, fixed, hdr_len);
    fl_buf_reset(&st->host);
    int rc = decode_string(&st->host, p, fixed, nul == SIZE_MAX ? (hdr_len & ~(size_t)1) : nul);
    if (rc)
        return rc;
    /* header+16 before the first record cannot be an end of records: read as "open". */
    if (st->records_end < first_rec)
        st->records_end = 0;
    st->next_off = first_rec;
    st->index = 0;
    st->mode = kind;
    *used = hdr_len;
    return 0;
}

/* Is p[0..n) the next-file trailer of §2.4: a NUL-terminated UTF-16LE file name ending in
 * ".aaLOG", printable ASCII? 1 yes, -1 no, 0 cannot tell yet (no NUL within the bytes seen,
 * more may come). */
static int trailer_check(const uint8_t *p, size_t n, bool is_eof)
{
    static const char ext[] = ".aaLOG";
    size_t max_bytes = 2 * (TRAILER_MAX_CHARS + 1);
    size_t units = 0;
    for (size_t i = 0; i + 1 < n && i < max_bytes; i += 2, units++) {
        uint8_t lo = p[i], hi = p[i + 1];
        if (lo == 0 && hi == 0) {
            size_t k = sizeof ext - 1;
            if (units <= k)
                return -1;
            for (size_t j = 0; j < k; j++)
                if ((p[i - 2 * k + 2 * j] | 0x20) != (ext[j] | 0x20))
                    return -1;
            return 1;
        }
        if (hi != 0 || lo < 0x20 || lo >= 0x7F)
            return -1;
    }
    return n >= max_bytes || is_eof ? -1 : 0;
}

/* Whole records from p[0..n) (raw offset raw_off); *used = bytes consumed. A record that runs
 * past the bytes available waits for more; at EOF it is a truncated tail and simply stays
 * unread (a file being written ends at its last whole record). */
static int read_records(struct aveva *st, const uint8_t *p, size_t n, uint64_t raw_off,
                        bool is_eof, size_t *used, const struct fl_sink *sink)
{
    const struct rec_layout *lay = st->layout;
    size_t pos = 0;
    int rc = 0;
    while (st->mode == MODE_AALOG || st->mode == MODE_AALGX) {
        uint64_t off = raw_off + pos;
        if (off < st->next_off) { /* a gap between header and first record */
            uint64_t gap = st->next_off - off;
            pos += gap < n - pos ? (size_t)gap : n - pos;
            if (pos == n)
                break;
            continue;
        }
        if (st->records_end && off >= st->records_end) {
            st->mode = MODE_DONE; /* the next-file trailer (§2.4): not a record */
            break;
        }
        size_t avail = n - pos;
        if (avail < 8)
            break;
        uint32_t sig = rd32(p + pos), len = rd32(p + pos + 4);
        if (sig != lay->signature) {
            /* Zeros at the tail of a file being written are space not yet filled. */
            if (sig == 0 && len == 0 && st->records_end == 0)
                break;
            /* A file we met while it was written (header+16 was 0 then) gets its trailer when
             * the logger moves on: the end, not corruption. */
            if (st->mode == MODE_AALOG) {
                int tr = trailer_check(p + pos, avail, is_eof);
                if (tr == 0)
                    break; /* maybe a trailer, not complete yet */
                if (tr > 0) {
                    st->mode = MODE_DONE;
                    break;
                }
            }
            st->mode = MODE_DONE;
            rc = emit_corrupt(st, off, off, sink, "bad record signature", sig);
            break;
        }
        if (len < lay->fixed_bytes + 8 || len > RECORD_MAX_BYTES ||
            (st->records_end && off + len > st->records_end)) {
            st->mode = MODE_DONE;
            rc = emit_corrupt(st, off, off, sink, "bad record length", len);
            break;
        }
        if (len > avail)
            break;
        rc = emit_record(st, p + pos, len, off, sink);
        pos += len;
        st->next_off = off + len;
        st->index++;
        if (rc)
            break;
    }
    *used = st->mode == MODE_DONE ? n : pos;
    return rc;
}

/* Bare-text mode: one decoded line -> one record with no time (§5.2). */
static int text_line(void *ctx, const struct fl_line *ln)
{
    struct aveva *st = ctx;
    size_t i = 0;
    while (i < ln->len && is_space(ln->text[i]))
        i++;
    if (i == ln->len)
        return 0; /* empty lines between records produce no event */
    struct fl_event *ev = &st->ev;
    fl_event_reset(ev);
    ev->source = AVEVA_SOURCE;
    ev->has_ts = false;
    ev->message = fl_str_make(ln->text, ln->len);
    int row = fl_catalog_match(st->bare_severity, ln->text, ln->len);
    ev->severity = row == 0 ? FL_SEV_ERROR : row == 1 ? FL_SEV_WARNING : FL_SEV_INFO;
    ev->offset = ln->raw_off;
    ev->end_offset = ln->raw_end;
    ev->lines = 1;
    classify(st, ev);
    return st->text_sink->emit(st->text_sink->ctx, ev);
}

static int read_text(struct aveva *st, const uint8_t *p, size_t n, uint64_t raw_off, bool is_eof,
                     size_t *used, const struct fl_sink *sink)
{
    size_t skip = 0;
    if (!st->has_splitter) {
        if (n < TEXT_DETECT_BYTES && !is_eof)
            return 0; /* *used stays 0: decide on the full head */
        size_t bom = 0;
        enum fl_encoding enc = fl_decode_detect(p, n < TEXT_DETECT_BYTES ? n : TEXT_DETECT_BYTES,
                                                &bom);
        fl_splitter_init(&st->splitter, enc, raw_off + bom, TEXT_MAX_LINE_BYTES);
        st->has_splitter = true;
        skip = bom;
    }
    st->text_sink = sink;
    int rc = 0;
    if (n > skip)
        rc = fl_splitter_push(&st->splitter, p + skip, n - skip, text_line, st);
    *used = n;
    if (rc == 0 && is_eof) {
        rc = fl_splitter_finish(&st->splitter, text_line, st);
        st->mode = MODE_DONE;
    }
    return rc;
}

static int aveva_feed_raw(void *vst, const uint8_t *p, size_t n, uint64_t raw_off, bool is_eof,
                          size_t *used, const struct fl_sink *sink)
{
    static const uint8_t no_bytes[1];
    struct aveva *st = vst;
    size_t hdr_used = 0;
    int rc;
    *used = 0;
    if (!p || n == 0) {
        p = no_bytes;
        n = 0;
    }
    if (st->mode == MODE_START) {
        enum aveva_mode kind = magic_kind(p, n);
        if (kind == MODE_START)
            return 0; /* too short to tell; at EOF a truncated header: no events */
        if (kind == MODE_TEXT) {
            st->mode = MODE_TEXT;
        } else {
            rc = read_header(st, kind, p, n, &hdr_used, sink);
            if (st->mode == MODE_START || st->mode == MODE_DONE || rc) {
                *used = hdr_used;
                return rc;
            }
        }
    }
    switch (st->mode) {
    case MODE_AALOG:
    case MODE_AALGX: {
        size_t rec_used = 0;
        rc = read_records(st, p + hdr_used, n - hdr_used, raw_off + hdr_used, is_eof, &rec_used,
                          sink);
        *used = hdr_used + rec_used;
        return rc;
    }
    case MODE_TEXT:
        return read_text(st, p, n, raw_off, is_eof, used, sink);
    case MODE_DONE:
        *used = n;
        return 0;
    case MODE_START:
        break;
    }
    return 0;
}

/* DESIGN.md id rule. Binary: the header's first message number and first-record FILETIME,
 * 16 bytes as stored. An .aaLGX header has no number: the first record's stored number is
 * used with the header's first FILETIME. Bare text: the first complete non-empty line as
 * stored (CR included, at most 1024 bytes). */
static int aveva_fingerprint(const uint8_t *head, size_t n, uint64_t *fp)
{
    uint8_t key[16];
    if (!head)
        n = 0;
    enum aveva_mode kind = magic_kind(head, n);
    if (kind == MODE_START)
        return FL_EAGAIN;
    if (kind == MODE_AALOG) {
        if (n < 40)
            return FL_EAGAIN;
        memcpy(key, head + 20, 8);
        memcpy(key + 8, head + 32, 8);
        *fp = fl_fingerprint_bytes(key, sizeof key);
        return 0;
    }
    if (kind == MODE_AALGX) {
        if (n < 40)
            return FL_EAGAIN;
        uint64_t first_rec = rd64(head + 32);
        if (first_rec == 0)
            first_rec = rd32(head + 8);
        if (first_rec > TEXT_DETECT_BYTES - 24) {
            /* Never inside a 4 KiB head: fall back to both header FILETIMEs. */
            memcpy(key, head + 16, 16);
        } else {
            if (n < first_rec + 24)
                return FL_EAGAIN;
            memcpy(key, head + first_rec + 16, 8);
            memcpy(key + 8, head + 16, 8);
        }
        *fp = fl_fingerprint_bytes(key, sizeof key);
        return 0;
    }
    size_t start = 0;
    for (;;) {
        size_t lim = n - start < 1024 ? n - start : 1024;
        const uint8_t *nl = memchr(head + start, '\n', lim);
        if (!nl) {
            if (lim < 1024)
                return FL_EAGAIN; /* no complete line yet */
            *fp = fl_fingerprint_bytes(head + start, 1024);
            return 0;
        }
        size_t len = (size_t)(nl - (head + start));
        if (len > 0 && !(len == 1 && head[start] == '\r')) {
            *fp = fl_fingerprint_bytes(head + start, len);
            return 0;
        }
        start += len + 1;
    }
}

static int aveva_probe(const uint8_t *raw, size_t raw_len, const struct fl_line *lines,
                       size_t n_lines)
{
    if (!raw || raw_len < 8)
        return 0;
    enum aveva_mode kind = magic_kind(raw, raw_len);
    return kind == MODE_AALOG || kind == MODE_AALGX ? 100 : 0;
}

static void aveva_close(void *vst)
{
    struct aveva *st = vst;
    if (!st)
        return;
    fl_catalog_free(st->families);
    fl_catalog_free(st->bare_severity);
    fl_buf_free(&st->host);
    fl_buf_free(&st->text);
    fl_buf_free(&st->note);
    if (st->has_splitter)
        fl_splitter_free(&st->splitter);
    free(st);
}

static void *aveva_open(const struct fl_parser_cfg *cfg, struct fl_err *err)
{
    struct aveva *st = calloc(1, sizeof *st);
    if (!st) {
        fl_err_set(err, cfg ? cfg->file : NULL, 0, UINT64_MAX, "aveva: out of memory");
        return NULL;
    }
    st->mode = MODE_START;
    fl_buf_init(&st->host, HEADER_MAX_BYTES * 2);
    fl_buf_init(&st->text, TEXT_MAX_BYTES);
    fl_buf_init(&st->note, 256);
    fl_event_reset(&st->ev);
    const char *path = cfg ? cfg->file : NULL;
    if (fl_buf_reserve(&st->text, 4096) != 0) {
        fl_err_set(err, path, 0, UINT64_MAX, "aveva: out of memory");
        goto out_free;
    }
    if (path && *path && strcmp(path, "-") != 0) {
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        size_t len = strlen(base);
        if (len >= sizeof st->log_file)
            len = sizeof st->log_file - 1;
        memcpy(st->log_file, base, len);
        st->log_file[len] = '\0';
        st->log_file_len = len;
    }
    st->families = fl_catalog_new(aveva_rows, sizeof aveva_rows / sizeof aveva_rows[0], err);
    if (!st->families)
        goto out_free;
    st->bare_severity = fl_catalog_new(
        bare_severity_rows, sizeof bare_severity_rows / sizeof bare_severity_rows[0], err);
    if (!st->bare_severity)
        goto out_free;
    return st;
out_free:
    aveva_close(st);
    return NULL;
}

/* Nothing is held back: binary records are emitted once whole, and a partial text line is
 * not a record until its newline or EOF (handled in feed_raw). */
static int aveva_flush(void *vst, const struct fl_sink *sink)
{
    return 0;
}

extern const struct fl_parser fl_parser_aveva;
const struct fl_parser fl_parser_aveva = {
    .source = AVEVA_SOURCE,
    .is_binary = true,
    .probe = aveva_probe,
    .open = aveva_open,
    .feed_raw = aveva_feed_raw,
    .fingerprint = aveva_fingerprint,
    .flush = aveva_flush,
    .close = aveva_close,
};

int fl_aveva_chain_read(int fd, struct fl_aveva_chain *out)
{
    uint8_t h[AALOG_HDR_FIXED];
    ssize_t n = pread(fd, h, sizeof h, 0);
    if (n < 8)
        return n < 0 || magic_kind(h, (size_t)n) != MODE_START ? FL_EUNPARSED : FL_EAGAIN;
    if (magic_kind(h, (size_t)n) != MODE_AALOG)
        return FL_EUNPARSED;
    if (n < (ssize_t)sizeof h)
        return FL_EAGAIN;
    memset(out, 0, sizeof *out);
    out->first_msgno = rd64(h + 20);
    out->count = rd32(h + 28);
    uint32_t trailer = rd32(h + 16), hdr_len = rd32(h + 8);
    /* header+16 inside the header cannot end the records: still being written (§2.4). */
    out->is_closed = trailer != 0 && trailer >= hdr_len;
    if (!out->is_closed)
        return 0;
    out->records_end = trailer;
    uint8_t name[2 * TRAILER_MAX_CHARS + 2];
    ssize_t m = pread(fd, name, sizeof name, (off_t)trailer);
    size_t nul = m > 0 ? find_nul16(name, 0, (size_t)m) : SIZE_MAX;
    if (nul == SIZE_MAX || nul == 0)
        return 0; /* no readable trailer: closed, next file unknown */
    struct fl_buf b;
    fl_buf_init(&b, sizeof out->next_name - 1);
    if (decode_string(&b, name, 0, nul) == 0 && b.len < sizeof out->next_name) {
        memcpy(out->next_name, b.data, b.len);
        out->next_name[b.len] = 0;
    }
    fl_buf_free(&b);
    return 0;
}
