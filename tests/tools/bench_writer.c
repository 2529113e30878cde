/* tests/tools/bench_writer.c: writes numbered, timestamped Ignition wrapper lines into N
 * files for `make bench` (bench/extra/ingest.sh): as fast as possible, or paced at a rate.
 *
 *   bench_writer DIR NFILES LINES [--rate R] [--name NAME] [--chunk BYTES] [--max-s S]
 *
 * Files are DIR/NAME-NNN.log (NAME default "ign"), opened O_APPEND|O_CREAT; line seq (0-based)
 * goes to file seq % NFILES, so the files grow round-robin. Each line is one record:
 *
 *   INFO   | jvm 1    | 2026/11/25 13:51:15 | I [logger padded to 30] [13:51:15.123]: <text> [seq S f F wt NS]
 *
 * with the current UTC time in the wrapper and body stamps, a message from a realistic mix
 * (a few percent OPC UA faults as Milo prints them) and, at the end, the line's number, its
 * file and its write time: CLOCK_REALTIME in ns, taken just before the write() that carries
 * it (tests/tools/bench_latency reads it back from the topic). The bracket at the end keeps
 * the tail out of Ignition's MDC split (a message ending in " k=v").
 *
 * --rate 0 (default): as fast as possible, CHUNK bytes (default 64 KiB) per write() per file.
 * --rate R: paced at R lines/s in total: every line is its own write(), as logback does with
 * immediateFlush; the writer wakes every millisecond and writes what is due, so it never runs
 * ahead of the schedule; how far it fell behind is reported (max lag), since a late writer
 * would make the reader look faster than it is.
 *
 * stderr: "bench_writer: start_ns=..." first, then one summary line. A hard limit (--max-s,
 * default 7200 s) bounds every run. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const loggers[] = {
    "t.h.q.PartitionManager", "S.S.TagHistoryDatasourceSink", "T.P.Config",
    "o.e.m.o.s.c.s.UascClientMessageHandler", "c.i.i.g.o.OpcUaConnection",
    "g.CompositeClassRejectListFilter", "c.i.i.g.l.s.SingleConnectionDatasource",
    "DeviceManager", "gateway.Router", "c.i.i.x.g.opcua.ua.OpcUaSubscriptionManager",
};
static const char *const messages[] = {
    "Ignition Created Tag history partition sqlt_data_1_20210314",
    "Error storing tag values.",
    "Scheduled backup of internal database completed in 412ms",
    "Connection to device 'PLC_Line4' established.",
    "Starting up module 'com.inductiveautomation.opcua'",
    "Alarm journal 'Journal' flushed 35 events",
    "Tag group 'Default' executed 120 tags in 3 ms",
    "Project 'Line4_HMI' resources updated: 3 changed",
};
static const char *const faults[] = {
    "Exception caught; sent ErrorMessage{error=StatusCode{name=Bad_SecurityChecksFailed, "
    "value=0x80130000, quality=bad}, reason=status=Bad_SecurityChecksFailed, description=An "
    "error occurred verifying security.}",
    "UaException: status=Bad_ConnectionRejected, message=io.netty.channel.AbstractChannel$"
    "AnnotatedConnectException: Connection refused: /10.20.4.17:49320",
    "UaException: requestId=288 timed out after 30000ms",
    "UaException: connection closed",
};

#define N_LOGGERS (sizeof loggers / sizeof loggers[0])
#define N_MESSAGES (sizeof messages / sizeof messages[0])
#define N_FAULTS (sizeof faults / sizeof faults[0])
#define LINE_MAX_BYTES 512

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "bench_writer: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void write_all(int fd, const char *p, size_t n, const char *path)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write", path);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* The wrapper and body stamps change once a millisecond at most: formatted once per ms. */
struct stamp {
    int64_t ms;
    char wrapper[48]; /* "2026/11/25 13:51:15" */
    char body[32];    /* "13:51:15.123" */
};

static void stamp_update(struct stamp *s, int64_t realtime_ns)
{
    int64_t ms = realtime_ns / 1000000;
    if (ms == s->ms)
        return;
    s->ms = ms;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(s->wrapper, sizeof s->wrapper, "%04d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(s->body, sizeof s->body, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ms % 1000));
}

/* One line of record seq for file f, written at wt_ns; returns its length. */
static size_t format_line(char *out, struct stamp *s, long seq, long f, int64_t wt_ns)
{
    stamp_update(s, wt_ns);
    /* A fixed mix: 1 in 32 records is an OPC UA fault (E), 1 in 16 a warning. */
    uint64_t h = (uint64_t)seq + 0x9E3779B97F4A7C15ull; /* splitmix64's finalizer */
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    const char *logger = loggers[(h >> 20) % N_LOGGERS];
    const char *text;
    char level = 'I';
    if ((h >> 40) % 32 == 0) {
        text = faults[(h >> 24) % N_FAULTS];
        level = 'E';
    } else {
        text = messages[(h >> 28) % N_MESSAGES];
        if ((h >> 44) % 16 == 0)
            level = 'W';
    }
    int n = snprintf(out, LINE_MAX_BYTES,
                     "INFO   | jvm 1    | %s | %c [%-30s] [%s]: %s [seq %ld f %ld wt %lld]\n",
                     s->wrapper, level, logger, s->body, text, seq, f, (long long)wt_ns);
    return n > 0 && n < LINE_MAX_BYTES ? (size_t)n : LINE_MAX_BYTES - 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_writer DIR NFILES LINES [--rate R] [--name NAME] "
                        "[--chunk BYTES] [--max-s S]\n");
        return 2;
    }
    const char *dir = argv[1], *name = "ign";
    long nfiles = strtol(argv[2], NULL, 10), lines = strtol(argv[3], NULL, 10);
    double rate = 0;
    long chunk = 64 << 10, max_s = 7200;
    for (int i = 4; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--rate") == 0)
            rate = strtod(v, NULL);
        else if (strcmp(k, "--name") == 0)
            name = v;
        else if (strcmp(k, "--chunk") == 0)
            chunk = strtol(v, NULL, 10);
        else if (strcmp(k, "--max-s") == 0)
            max_s = strtol(v, NULL, 10);
        else {
            fprintf(stderr, "bench_writer: unknown option %s\n", k);
            return 2;
        }
    }
    if (nfiles < 1 || nfiles > 10000 || lines < 0 || chunk < LINE_MAX_BYTES) {
        fprintf(stderr, "bench_writer: bad NFILES, LINES or --chunk\n");
        return 2;
    }
    int *fds = calloc((size_t)nfiles, sizeof *fds);
    char **bufs = calloc((size_t)nfiles, sizeof *bufs);
    size_t *lens = calloc((size_t)nfiles, sizeof *lens);
    char (*paths)[4200] = calloc((size_t)nfiles, sizeof *paths);
    if (!fds || !bufs || !lens || !paths) {
        fprintf(stderr, "bench_writer: out of memory\n");
        return 1;
    }
    for (long f = 0; f < nfiles; f++) {
        snprintf(paths[f], sizeof paths[f], "%s/%s-%03ld.log", dir, name, f);
        fds[f] = open(paths[f], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fds[f] < 0)
            die("open", paths[f]);
        if (rate <= 0 && !(bufs[f] = malloc((size_t)chunk))) {
            fprintf(stderr, "bench_writer: out of memory\n");
            return 1;
        }
    }
    struct stamp st = {.ms = -1};
    char line[LINE_MAX_BYTES];
    int64_t t0 = clock_ns(CLOCK_MONOTONIC), deadline = t0 + (int64_t)max_s * 1000000000;
    int64_t max_lag_ns = 0, bytes = 0;
    long late_lines = 0; /* written more than 10 ms after their due time */
    fprintf(stderr, "bench_writer: start_ns=%lld\n", (long long)clock_ns(CLOCK_REALTIME));
    long seq = 0;
    if (rate <= 0) {
        for (; seq < lines; seq++) {
            long f = seq % nfiles;
            if (lens[f] + LINE_MAX_BYTES > (size_t)chunk) {
                write_all(fds[f], bufs[f], lens[f], paths[f]);
                lens[f] = 0;
            }
            size_t n = format_line(bufs[f] + lens[f], &st, seq, f, clock_ns(CLOCK_REALTIME));
            lens[f] += n;
            bytes += (int64_t)n;
        }
        for (long f = 0; f < nfiles; f++)
            write_all(fds[f], bufs[f], lens[f], paths[f]);
    } else {
        double ns_per_line = 1e9 / rate;
        while (seq < lines) {
            int64_t now = clock_ns(CLOCK_MONOTONIC);
            if (now > deadline) {
                fprintf(stderr, "bench_writer: hard time limit reached at seq %ld\n", seq);
                return 1;
            }
            long due = (long)((double)(now - t0) / ns_per_line) + 1;
            if (due > lines)
                due = lines;
            if (seq >= due) {
                /* Ahead of the schedule: sleep to the next millisecond (or the due time). */
                int64_t next = t0 + (int64_t)((double)seq * ns_per_line);
                if (next - now > 1000000)
                    next = now + 1000000;
                struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                continue;
            }
            int64_t lag = now - (t0 + (int64_t)((double)seq * ns_per_line));
            if (lag > max_lag_ns)
                max_lag_ns = lag;
            for (; seq < due; seq++) {
                long f = seq % nfiles;
                int64_t wt = clock_ns(CLOCK_REALTIME);
                size_t n = format_line(line, &st, seq, f, wt);
                write_all(fds[f], line, n, paths[f]);
                bytes += (int64_t)n;
                if (clock_ns(CLOCK_MONOTONIC) - (t0 + (int64_t)((double)seq * ns_per_line)) >
                    10000000)
                    late_lines++;
            }
        }
    }
    for (long f = 0; f < nfiles; f++)
        close(fds[f]);
    double secs = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
    fprintf(stderr,
            "bench_writer: lines=%ld bytes=%lld files=%ld wall_s=%.3f lines_per_s=%.0f "
            "max_lag_ms=%.1f late_lines=%ld\n",
            seq, (long long)bytes, nfiles, secs, secs > 0 ? (double)seq / secs : 0,
            (double)max_lag_ns / 1e6, late_lines);
    for (long f = 0; f < nfiles; f++)
        free(bufs[f]);
    free(bufs);
    free(lens);
    free(fds);
    free(paths);
    return 0;
}
