/* tests/tools/log_writer.c: writes numbered Ignition wrapper records to a log and rotates it
 * the way the products do, for the ingest integration tests (tests/scripts/ingest_*.sh).
 *
 *   log_writer PATH RECORDS [options]
 *     --rotate-every N   rotate after every N records (0: never; default 2000)
 *     --mode rename|copytruncate
 *                        rename: PATH -> PATH.1 -> ... -> PATH.KEEP, the oldest deleted, a new
 *                        PATH created (Tanuki's wrapper.log); copytruncate: the numbered files
 *                        shift the same way, then PATH is copied to PATH.1 and truncated to 0
 *                        (logrotate's copytruncate), between two writes of the writer
 *     --keep K           numbered files kept (default 5)
 *     --rate R           records per second (0: as fast as possible; default 0)
 *     --start S          number of the first record (default 1)
 *     --multiline M      every M-th record (seq % M == 0) carries 3 continuation lines (0: none)
 *     --map FILE         writes "range FIRST LAST FINGERPRINT" per file generation (appended,
 *                        flushed at every rotation), then "done RECORDS" at the end;
 *                        FINGERPRINT is the file's first line's xxh64 (DESIGN.md "id"), the
 *                        key of its checkpoint entry
 *
 * Record seq N is one line (plus continuation lines when multi-line):
 *   INFO   | jvm 1    | 2021/03/14 08:49:25 | I [logger            ] [07:49:25.123]: seq N
 * (the logger padded to 30 columns)
 * so the event's message starts with "seq N". Every write() carries whole records. Exits 0
 * when every record was written; a hard limit of 30 minutes bounds it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

static const char *const loggers[] = {
    "t.h.q.PartitionManager",
    "S.S.TagHistoryDatasourceSink",
    "T.P.Config",
    "c.i.i.g.o.OpcUaConnection",
    "g.CompositeClassRejectListFilter",
    "DeviceManager",
    "c.i.i.x.g.opcua.ua.OpcUaSubscriptionManager",
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "log_writer: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        die("open", path);
    return fd;
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

/* PATH.K-1 -> PATH.K ... PATH.1 -> PATH.2, the oldest (PATH.KEEP) deleted first. */
static void shift_numbered(const char *path, int keep)
{
    char from[4200], to[4200];
    snprintf(to, sizeof to, "%s.%d", path, keep);
    if (unlink(to) != 0 && errno != ENOENT)
        die("unlink", to);
    for (int i = keep - 1; i >= 1; i--) {
        snprintf(from, sizeof from, "%s.%d", path, i);
        snprintf(to, sizeof to, "%s.%d", path, i + 1);
        if (rename(from, to) != 0 && errno != ENOENT)
            die("rename", from);
    }
}

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        die("open", from);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        die("create", to);
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read", from);
        }
        if (n == 0)
            break;
        write_all(out, buf, (size_t)n, to);
    }
    close(in);
    close(out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: log_writer PATH RECORDS [--rotate-every N] [--mode "
                        "rename|copytruncate] [--keep K] [--rate R] [--start S] "
                        "[--multiline M] [--map FILE]\n");
        return 2;
    }
    const char *path = argv[1];
    long records = strtol(argv[2], NULL, 10);
    long rotate_every = 2000, keep = 5, start = 1, multiline = 0;
    double rate = 0;
    const char *mode = "rename", *map_path = NULL;
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--rotate-every") == 0)
            rotate_every = strtol(v, NULL, 10);
        else if (strcmp(k, "--mode") == 0)
            mode = v;
        else if (strcmp(k, "--keep") == 0)
            keep = strtol(v, NULL, 10);
        else if (strcmp(k, "--rate") == 0)
            rate = strtod(v, NULL);
        else if (strcmp(k, "--start") == 0)
            start = strtol(v, NULL, 10);
        else if (strcmp(k, "--multiline") == 0)
            multiline = strtol(v, NULL, 10);
        else if (strcmp(k, "--map") == 0)
            map_path = v;
        else {
            fprintf(stderr, "log_writer: unknown option %s\n", k);
            return 2;
        }
    }
    int is_copytruncate = strcmp(mode, "copytruncate") == 0;
    if (!is_copytruncate && strcmp(mode, "rename") != 0) {
        fprintf(stderr, "log_writer: unknown mode %s\n", mode);
        return 2;
    }
    if (keep < 1)
        keep = 1;
    FILE *map = NULL;
    if (map_path && !(map = fopen(map_path, "a")))
        die("open", map_path);
    int fd = open_log(path);
    double t0 = now_s(), t_start = t0, deadline = t0 + 1800;
    long in_file = 0, first_in_file = start, rotations = 0;
    unsigned long long fingerprint = 0; /* of the current file's first line */
    long t_s = 1615711765; /* 2021-03-14 08:49:25 UTC; advances one second per 50 records */
    static char batch[1 << 16];
    size_t blen = 0;
    long end = start + records;
    for (long seq = start; seq < end;) {
        /* Pacing: never ahead of the rate, and never a burst to catch up after a stall (a
         * loaded machine): the schedule slips instead, so a rotated file always lives at
         * least keep * rotate_every / rate seconds before it is deleted. */
        if (rate > 0) {
            double behind = now_s() - (t0 + (double)(seq - start) / rate);
            if (behind > 0.005)
                t0 += behind - 0.005;
            for (;;) {
                double due = t0 + (double)(seq - start) / rate;
                double now = now_s();
                if (now >= due)
                    break;
                if (now > deadline)
                    break;
                double wait = due - now;
                struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        if (now_s() > deadline) {
            fprintf(stderr, "log_writer: hard time limit reached at seq %ld\n", seq);
            return 1;
        }
        long batch_end = seq + 64;
        if (rate > 0) {
            long due_now = start + (long)((now_s() - t0) * rate) + 1;
            if (due_now < batch_end)
                batch_end = due_now;
        }
        if (batch_end > end)
            batch_end = end;
        if (rotate_every > 0 && batch_end > first_in_file + rotate_every)
            batch_end = first_in_file + rotate_every;
        if (batch_end <= seq)
            batch_end = seq + 1;
        blen = 0;
        for (; seq < batch_end; seq++) {
            long t = t_s + (seq - 1) / 50;
            struct tm tm;
            time_t tt = (time_t)t;
            gmtime_r(&tt, &tm);
            char prefix[64];
            snprintf(prefix, sizeof prefix, "INFO   | jvm 1    | %04d/%02d/%02d %02d:%02d:%02d | ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
            const char *logger = loggers[seq % (long)(sizeof loggers / sizeof loggers[0])];
            int n = snprintf(batch + blen, sizeof batch - blen,
                             "%sI [%-30s] [%02d:%02d:%02d.%03ld]: seq %ld \n", prefix, logger,
                             (tm.tm_hour + 23) % 24, tm.tm_min, tm.tm_sec, seq % 1000, seq);
            if (in_file == 0)
                fingerprint = XXH64(batch + blen, (size_t)n - 1, 0);
            blen += (size_t)n;
            if (multiline > 0 && seq % multiline == 0) {
                for (int f = 0; f < 3; f++) {
                    n = snprintf(batch + blen, sizeof batch - blen,
                                 "%s\tat com.example.Frame.call(Frame.java:%ld)\n", prefix,
                                 seq * 10 + f);
                    blen += (size_t)n;
                }
            }
            in_file++;
        }
        write_all(fd, batch, blen, path);
        if (rotate_every > 0 && in_file >= rotate_every && seq < end) {
            if (map) {
                fprintf(map, "range %ld %ld %016llx\n", first_in_file, seq - 1, fingerprint);
                fflush(map);
            }
            shift_numbered(path, (int)keep);
            char to[4200];
            snprintf(to, sizeof to, "%s.1", path);
            if (is_copytruncate) {
                copy_file(path, to);
                if (ftruncate(fd, 0) != 0)
                    die("truncate", path);
            } else {
                if (rename(path, to) != 0)
                    die("rename", path);
                close(fd);
                fd = open_log(path);
            }
            rotations++;
            in_file = 0;
            first_in_file = seq;
        }
    }
    close(fd);
    if (map) {
        fprintf(map, "range %ld %ld %016llx\ndone %ld\n", first_in_file, end - 1, fingerprint,
                records);
        fclose(map);
    }
    fprintf(stderr, "log_writer: %ld records (%ld..%ld), %ld rotations (%s), %.2f s\n", records,
            start, end - 1, rotations, mode, now_s() - t_start);
    return 0;
}
