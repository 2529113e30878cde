/* cli/parse.c: `faultline parse`: normalize log files to NDJSON on stdout, a summary on stderr.
 *
 * Offline and scriptable: every record becomes one event line (unparsed lines included, never
 * dropped). Reading is batched (1 MiB reads), output is batched (one fwrite per ~1 MiB), and
 * the per-record path allocates nothing. Exit 0 when every file was read, 2 for bad options or
 * an unreadable file (the other files are still parsed). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/yaml.h"
#include "ingest/config.h"
#include "parsers/ignition_idb.h"
#include "parsers/stream.h"

#define READ_CHUNK (1u << 20)
#define OUT_FLUSH (1u << 20)
#define MAX_CATEGORIES 64

struct category_count {
    const char *name;
    uint64_t n;
};

struct parse_run {
    struct fl_buf out;
    struct category_count cats[MAX_CATEGORIES];
    size_t n_cats;
    int out_fd;
    bool has_write_error;
};

static const char parse_usage[] =
    "usage: faultline parse [options] FILE... | -\n"
    "\n"
    "Normalizes vendor log files to faultline events (schema v1), one JSON object per line on\n"
    "stdout, and prints a summary (records, unparsed, per category) on stderr. Lines that fit no\n"
    "layout become events with category \"unparsed\"; nothing is dropped.\n"
    "\n"
    "options:\n"
    "  -s, --source S        ignition, kepware, ftdiag, aveva, winccoa, historian, or auto\n"
    "                        (default: auto, decided per file from its first records)\n"
    "  -z, --tz ZONE         IANA zone of the files' local times (default UTC)\n"
    "  -H, --host H          host name for the events (default: from the record, else \"\")\n"
    "  -c, --cell C          production cell (also --site S, --line L)\n"
    "  -d, --date-order O    dmy, mdy or ymd for numeric dates (default: decided per file)\n"
    "  -e, --encoding E      auto, utf-8, utf-16le, utf-16be, windows-1252 (default auto)\n"
    "  -l, --layout FILE     YAML layout override for sources whose layout is unconfirmed\n"
    "                        (ftdiag, historian): {pattern, ts_format, continuation} or\n"
    "                        {csv: {delimiter, quote, header, columns}}, as sources[].layout\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 when every file was read (unparsed lines included), 2 on a bad option or\n"
    "an unreadable file.\n"
    "\n"
    "example: faultline parse --tz Europe/Berlin --host ign01 --cell line4 wrapper.log\n";

static int flush_out(struct parse_run *r)
{
    size_t off = 0;
    while (off < r->out.len) {
        ssize_t w = write(r->out_fd, r->out.data + off, r->out.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (!r->has_write_error)
                fl_error("stdout: write: %s", strerror(errno));
            r->has_write_error = true;
            break;
        }
        off += (size_t)w;
    }
    fl_buf_reset(&r->out);
    return r->has_write_error ? FL_EIO : 0;
}

static void count_category(struct parse_run *r, const char *cat)
{
    if (!cat)
        cat = "unclassified";
    for (size_t i = 0; i < r->n_cats; i++) {
        /* Categories are static strings: pointer equality is the fast path. */
        if (r->cats[i].name == cat || strcmp(r->cats[i].name, cat) == 0) {
            r->cats[i].n++;
            return;
        }
    }
    if (r->n_cats < MAX_CATEGORIES)
        r->cats[r->n_cats++] = (struct category_count){cat, 1};
}

static int emit_event(void *ctx, struct fl_event *ev)
{
    struct parse_run *r = ctx;
    count_category(r, ev->category);
    int rc = fl_event_write_json(ev, &r->out);
    if (rc)
        return rc;
    if (r->out.len >= OUT_FLUSH)
        return flush_out(r);
    return 0;
}

struct parse_opts {
    const char *source;
    const char *host, *site, *line, *cell;
    const struct fl_tz *tz;
    enum fl_date_order date_order;
    enum fl_encoding encoding;
    const struct fl_layout *layout;
    bool is_quiet;
};

struct idb_ctx {
    struct parse_run *r;
    const struct fl_stream_cfg *cfg;
    uint64_t fingerprint;
    int64_t now_ms;
    uint64_t records;
};

static int idb_emit(void *ctx, struct fl_event *ev)
{
    struct idb_ctx *ic = ctx;
    fl_stream_label_event(ic->cfg, ic->fingerprint, ic->now_ms, ev);
    ic->records++;
    return emit_event(ic->r, ev);
}

/* Ignition's system_logs.idb: rows through the SQLite reader, not the byte stream. The
 * fingerprint of an idb is its path as configured (DESIGN.md id rule). */
static int parse_idb(struct parse_run *r, const struct fl_stream_cfg *cfg, bool is_quiet)
{
    struct idb_ctx ic = {.r = r, .cfg = cfg, .now_ms = fl_now_ms(),
                         .fingerprint = fl_fingerprint_bytes(cfg->file, strlen(cfg->file))};
    struct fl_sink sink = {idb_emit, &ic};
    struct fl_err err;
    int64_t last = 0;
    int rc = fl_ignition_idb_read(cfg->file, -1, &sink, &last, &err);
    if (rc) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_error("%s", msg[0] ? msg : fl_strerror(rc));
        return 2;
    }
    if (!is_quiet)
        fl_info("%s: ignition system_logs.idb, %llu records, last event_id %lld", cfg->file,
                (unsigned long long)ic.records, (long long)last);
    return 0;
}

static bool is_sqlite(int fd)
{
    char magic[16];
    ssize_t n = pread(fd, magic, sizeof magic, 0);
    return n == (ssize_t)sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0;
}

/* Parses one file (or stdin for "-"). Returns 0, or 2 when the file cannot be read. */
static int parse_file(struct parse_run *r, const struct parse_opts *o, const char *path,
                      uint8_t *chunk)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fl_error("%s: cannot open: %s", path, strerror(errno));
        return 2;
    }
    struct fl_stream_cfg cfg = {
        .file = is_stdin ? "-" : path,
        .source = o->source,
        .tz = o->tz,
        .date_order = o->date_order,
        .encoding = o->encoding,
        .host = o->host, .site = o->site, .line = o->line, .cell = o->cell,
        .layout = o->layout,
        .out = {emit_event, r},
    };
    if (!is_stdin && (strcmp(o->source, "auto") == 0 || strcmp(o->source, "ignition") == 0) &&
        is_sqlite(fd)) {
        close(fd);
        return parse_idb(r, &cfg, o->is_quiet);
    }
    struct fl_err err;
    struct fl_stream *s = fl_stream_new(&cfg, &err);
    if (!s) {
        char msg[600];
        fl_err_format(&err, msg, sizeof msg);
        fl_error("%s", msg);
        if (!is_stdin)
            close(fd);
        return 2;
    }
    int status = 0, rc = 0;
    uint64_t off = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fl_error("%s: read error at offset %llu: %s", path, (unsigned long long)off,
                     strerror(errno));
            status = 2;
            break;
        }
        if (n == 0)
            break;
        off += (uint64_t)n;
        if ((rc = fl_stream_write(s, chunk, (size_t)n)))
            break;
    }
    if (!rc)
        rc = fl_stream_finish(s);
    if (rc && rc != FL_EIO) {
        char msg[600];
        const struct fl_err *se = fl_stream_error(s);
        if (se->msg[0]) {
            fl_err_format(se, msg, sizeof msg);
            fl_error("%s", msg);
        } else {
            fl_error("%s: %s", path, fl_strerror(rc));
        }
        status = 2;
    }
    const struct fl_stream_stats *st = fl_stream_stats(s);
    if (fl_stream_is_unknown(s))
        fl_warn("%s: no parser recognised this file; its %llu lines are unparsed events "
                "(source unknown); name one with --source",
                path, (unsigned long long)st->lines);
    if (!o->is_quiet)
        fl_info("%s: %s, %s, %llu records, %llu unparsed, %llu header rows, %llu bytes", path,
                fl_stream_source(s), fl_encoding_name(fl_stream_encoding(s)),
                (unsigned long long)st->records, (unsigned long long)st->unparsed,
                (unsigned long long)st->headers, (unsigned long long)st->bytes);
    fl_stream_free(s);
    if (!is_stdin)
        close(fd);
    return status;
}

static void print_summary(const struct parse_run *r, int n_files)
{
    uint64_t total = 0, unparsed = 0;
    for (size_t i = 0; i < r->n_cats; i++) {
        total += r->cats[i].n;
        if (strcmp(r->cats[i].name, "unparsed") == 0)
            unparsed = r->cats[i].n;
    }
    char line[4096];
    size_t n = 0;
    int w = snprintf(line, sizeof line, "summary: %d file%s, %llu records, %llu unparsed", n_files,
                     n_files == 1 ? "" : "s", (unsigned long long)total,
                     (unsigned long long)unparsed);
    if (w > 0)
        n = (size_t)w;
    for (size_t i = 0; i < r->n_cats && n < sizeof line - 1; i++) {
        w = snprintf(line + n, sizeof line - n, "%s %s=%llu", i ? "," : ";", r->cats[i].name,
                     (unsigned long long)r->cats[i].n);
        if (w > 0)
            n += (size_t)w;
    }
    fl_info("%s", line);
}

int fl_cmd_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},     {"tz", required_argument, NULL, 'z'},
        {"host", required_argument, NULL, 'H'},       {"cell", required_argument, NULL, 'c'},
        {"site", required_argument, NULL, 'S'},       {"line", required_argument, NULL, 'L'},
        {"date-order", required_argument, NULL, 'd'}, {"encoding", required_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
        {"layout", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    struct parse_opts o = {.source = "auto"};
    const char *tz_name = "UTC";
    const char *layout_path = NULL;
    int c;
    fl_log_set_plain(1);
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:z:H:c:d:e:l:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.source = optarg; break;
        case 'z': tz_name = optarg; break;
        case 'H': o.host = optarg; break;
        case 'c': o.cell = optarg; break;
        case 'S': o.site = optarg; break;
        case 'L': o.line = optarg; break;
        case 'd': {
            int d = fl_date_order_from_name(optarg);
            if (d < 0) {
                fl_error("--date-order: '%s' is not dmy, mdy or ymd", optarg);
                return 2;
            }
            o.date_order = (enum fl_date_order)d;
            break;
        }
        case 'e': {
            int e = fl_encoding_from_name(optarg);
            if (e < 0) {
                fl_error("--encoding: unknown encoding '%s'", optarg);
                return 2;
            }
            o.encoding = (enum fl_encoding)e;
            break;
        }
        case 'l': layout_path = optarg; break;
        case 'q': o.is_quiet = true; break;
        case 'h': fputs(parse_usage, stdout); return 0;
        default: fputs(parse_usage, stderr); return 2;
        }
    }
    if (optind >= argc) {
        fl_error("parse: no input files (use - for standard input)");
        fputs(parse_usage, stderr);
        return 2;
    }
    if (strcmp(o.source, "auto") != 0 && !fl_parser_find(o.source)) {
        fl_error("--source: unknown source '%s' (ignition, kepware, ftdiag, aveva, winccoa, "
                 "historian, auto)", o.source);
        return 2;
    }
    struct fl_err err;
    struct fl_tz *tz = fl_tz_load(tz_name, &err);
    if (!tz) {
        fl_error("--tz: %s", err.msg);
        return 2;
    }
    o.tz = tz;
    struct fl_layout layout;
    struct fl_ydoc *layout_doc = NULL;
    if (layout_path) {
        if (fl_layout_load(layout_path, &layout, &layout_doc, &err) != 0) {
            char msg[600];
            fl_err_format(&err, msg, sizeof msg);
            fl_error("--layout: %s", msg);
            fl_tz_free(tz);
            return 2;
        }
        o.layout = &layout;
    }
    struct parse_run r = {.out_fd = STDOUT_FILENO};
    fl_buf_init(&r.out, 0);
    uint8_t *chunk = malloc(READ_CHUNK);
    if (!chunk) {
        fl_error("out of memory");
        fl_yaml_free(layout_doc);
        fl_tz_free(tz);
        return 1;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        int rc = parse_file(&r, &o, argv[i], chunk);
        if (rc > status)
            status = rc;
        if (flush_out(&r) != 0) {
            status = 1;
            break;
        }
    }
    if (!o.is_quiet)
        print_summary(&r, argc - optind);
    free(chunk);
    fl_buf_free(&r.out);
    fl_yaml_free(layout_doc);
    fl_tz_free(tz);
    return status;
}
