/* tests/unit/test_zfile.c: what survives in a zstd spool or archive file.
 *
 * Lines written and synced read back exactly (empty, long, binary-ish). A file cut at any
 * byte after a sync (a crash) reads back as whole written lines, in order, at least every
 * line synced before the cut, never garbage. A second frame appended later reads after the
 * first, also when the first was left unfinished by a crash (cut anywhere). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/zfile.h"
#include "tests/unit/unit.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/fl-zfile-XXXXXX");
    if (!mkdtemp(dir))
        dir[0] = 0;
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    could not remove %s\n", dir);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Test lines: numbered text (compresses well) mixed with random bytes (no '\n'; zstd stores
 * those as raw blocks, which a reader may hand out before the block is whole). */
struct lines {
    char **text;
    size_t *len;
    size_t n;
};

static void lines_make(struct lines *ls, size_t n, size_t max_random)
{
    ls->text = calloc(n, sizeof *ls->text);
    ls->len = calloc(n, sizeof *ls->len);
    ls->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *t;
        if (i % 3 == 2) {
            len = (size_t)(rng() % (max_random + 1));
            t = malloc(len + 1);
            for (size_t k = 0; k < len; k++) {
                char c = (char)(rng() & 0xff);
                t[k] = c == '\n' ? 'n' : c;
            }
        } else {
            t = malloc(128);
            len = (size_t)snprintf(t, 128, "2024-03-01 12:00:%02zu line %zu of the plant log",
                                   i % 60, i);
        }
        ls->text[i] = t;
        ls->len[i] = len;
    }
}

static void lines_free(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->text[i]);
    free(ls->text);
    free(ls->len);
}

static int write_line(struct fl_zwriter *w, const struct lines *ls, size_t i)
{
    int rc = fl_zwriter_write(w, ls->text[i], ls->len[i]);
    return rc ? rc : fl_zwriter_write(w, "\n", 1);
}

/* Reads path; checks that its lines are want->text[first..] in order. Returns the number of
 * lines read, or -1 on a mismatch (garbage) or a reader error. */
static long read_back(const char *path, const struct lines *want, size_t first)
{
    struct fl_err err;
    struct fl_zreader *r = fl_zreader_open(path, &err);
    if (!r)
        return -1;
    long n = 0;
    const char *line;
    size_t len;
    int rc;
    while ((rc = fl_zreader_line(r, &line, &len)) == 1) {
        size_t i = first + (size_t)n;
        if (i >= want->n || len != want->len[i] || memcmp(line, want->text[i], len) != 0) {
            fl_zreader_close(r);
            return -1;
        }
        n++;
    }
    fl_zreader_close(r);
    return rc == 0 ? n : -1;
}

static void put_file(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, n, f);
    fclose(f);
}

static void synced_lines_read_back_exactly(void)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/a.zst", dir);
    struct lines ls;
    lines_make(&ls, 300, 300);
    /* edge lines: empty, and one longer than a zstd block (128 KiB) */
    free(ls.text[10]);
    ls.text[10] = strdup("");
    ls.len[10] = 0;
    free(ls.text[11]);
    ls.len[11] = 300000;
    ls.text[11] = malloc(ls.len[11]);
    for (size_t k = 0; k < ls.len[11]; k++)
        ls.text[11][k] = (char)('a' + k % 26);
    struct fl_err err;
    struct fl_zwriter *w = fl_zwriter_open(path, 3, false, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    CHECK_INT(fl_zwriter_bytes(w), 0);
    for (size_t i = 0; i < ls.n; i++) {
        CHECK_INT(write_line(w, &ls, i), 0);
        if (i % 50 == 49)
            CHECK_INT(fl_zwriter_sync(w), 0);
    }
    CHECK_INT(fl_zwriter_sync(w), 0);
    struct stat st;
    stat(path, &st);
    CHECK_INT(fl_zwriter_bytes(w), st.st_size); /* on disk after the sync */
    /* Readable while the writer is still open (the frame not ended): all synced lines. */
    CHECK_INT(read_back(path, &ls, 0), (long)ls.n);
    CHECK_INT(fl_zwriter_close(w), 0);
    CHECK_INT(read_back(path, &ls, 0), (long)ls.n);
    lines_free(&ls);
    remove_dir();
}

static void empty_and_missing_files(void)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/empty.zst", dir);
    struct fl_err err;
    struct fl_zwriter *w = fl_zwriter_open(path, 3, false, &err);
    CHECK_INT(fl_zwriter_close(w), 0);
    struct lines none = {0};
    CHECK_INT(read_back(path, &none, 0), 0);
    snprintf(path, sizeof path, "%s/zero-bytes.zst", dir);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    CHECK_INT(read_back(path, &none, 0), 0);
    snprintf(path, sizeof path, "%s/missing.zst", dir);
    fl_err_clear(&err);
    CHECK(fl_zreader_open(path, &err) == NULL);
    CHECK_STR(err.file, path);
    snprintf(path, sizeof path, "%s/no/such/dir.zst", dir);
    CHECK(fl_zwriter_open(path, 3, false, &err) == NULL);
    CHECK_STR(err.file, path);
    /* Appending to a file that is not zstd at all is refused; the file is left alone. */
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    put_file(path, "plain text, not zstd\n", 21);
    CHECK(fl_zwriter_open(path, 3, true, &err) == NULL);
    CHECK(strstr(err.msg, "not a zstd file") != NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 21);
    remove_dir();
}

/* Writes ls with a sync after every k-th line; returns the file bytes and, for each sync,
 * the file size and the lines it made durable. */
struct sync_point {
    uint64_t bytes;
    size_t lines;
};

static char *write_with_syncs(const char *path, const struct lines *ls, size_t every,
                              struct sync_point *points, size_t *n_points, size_t *size,
                              bool is_closed)
{
    struct fl_err err;
    struct fl_zwriter *w = fl_zwriter_open(path, 3, false, &err);
    if (!w)
        return NULL;
    *n_points = 0;
    for (size_t i = 0; i < ls->n; i++) {
        write_line(w, ls, i);
        if (i % every == every - 1 || i == ls->n - 1) {
            fl_zwriter_sync(w);
            points[*n_points] = (struct sync_point){fl_zwriter_bytes(w), i + 1};
            (*n_points)++;
        }
    }
    if (is_closed)
        fl_zwriter_close(w);
    FILE *f = fopen(path, "rb");
    struct stat st;
    fstat(fileno(f), &st);
    *size = (size_t)st.st_size;
    char *bytes = malloc(*size + 1);
    *size = fread(bytes, 1, *size, f);
    fclose(f);
    if (!is_closed)
        fl_zwriter_close(w); /* the copy above is the crash image */
    return bytes;
}

static void file_cut_at_any_byte_reads_back_whole_synced_lines(void)
{
    make_dir();
    char path[128], cut[128];
    snprintf(path, sizeof path, "%s/full.zst", dir);
    snprintf(cut, sizeof cut, "%s/cut.zst", dir);
    struct lines ls;
    lines_make(&ls, 120, 700);
    struct sync_point points[200];
    size_t n_points, size;
    for (int is_closed = 0; is_closed <= 1; is_closed++) {
        char *bytes = write_with_syncs(path, &ls, 7, points, &n_points, &size, is_closed);
        CHECK(bytes != NULL);
        if (!bytes)
            break;
        int n_bad = 0;
        put_file(cut, bytes, size);
        for (size_t len = size + 1; len-- > 0;) {
            CHECK_INT(truncate(cut, (off_t)len), 0); /* shorter and shorter crash images */
            long got = read_back(cut, &ls, 0);
            size_t synced = 0;
            for (size_t p = 0; p < n_points; p++)
                if (points[p].bytes <= len)
                    synced = points[p].lines;
            if ((got < 0 || (size_t)got < synced) && n_bad++ < 5)
                fprintf(stderr, "    cut at %zu of %zu (closed %d): read %ld lines, synced %zu\n",
                        len, size, is_closed, got, synced);
        }
        CHECK_INT(n_bad, 0);
        free(bytes);
    }
    lines_free(&ls);
    remove_dir();
}

static void second_frame_appended_reads_after_the_first(void)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/hour.zst", dir);
    struct lines ls;
    lines_make(&ls, 60, 100);
    struct fl_err err;
    struct fl_zwriter *w = fl_zwriter_open(path, 3, true, &err); /* append creates */
    CHECK(w != NULL);
    for (size_t i = 0; i < 20; i++)
        write_line(w, &ls, i);
    CHECK_INT(fl_zwriter_close(w), 0);
    struct stat st;
    stat(path, &st);
    w = fl_zwriter_open(path, 3, true, &err);
    CHECK(w != NULL);
    CHECK_INT(fl_zwriter_bytes(w), st.st_size);
    for (size_t i = 20; i < 40; i++)
        write_line(w, &ls, i);
    CHECK_INT(fl_zwriter_sync(w), 0);
    CHECK_INT(read_back(path, &ls, 0), 40);
    CHECK_INT(fl_zwriter_close(w), 0);
    /* and a third, opened and closed without a line */
    w = fl_zwriter_open(path, 3, true, &err);
    CHECK_INT(fl_zwriter_close(w), 0);
    w = fl_zwriter_open(path, 3, true, &err);
    for (size_t i = 40; i < 60; i++)
        write_line(w, &ls, i);
    CHECK_INT(fl_zwriter_close(w), 0);
    CHECK_INT(read_back(path, &ls, 0), 60);
    lines_free(&ls);
    remove_dir();
}

/* `faultline run` appends to the hour's archive after a restart. When the previous run was
 * killed, the file ends inside an unfinished frame, possibly inside a block: the new lines
 * must still read back, after whatever whole lines the old frame kept. */
static void append_after_a_crash_keeps_old_synced_lines_and_new_ones(void)
{
    make_dir();
    char path[128], crashed[128];
    snprintf(path, sizeof path, "%s/run1.zst", dir);
    snprintf(crashed, sizeof crashed, "%s/crashed.zst", dir);
    struct lines ls;
    lines_make(&ls, 90, 400);
    struct lines old = {ls.text, ls.len, 60};
    struct sync_point points[100];
    size_t n_points, size;
    char *image = write_with_syncs(path, &old, 6, points, &n_points, &size, false);
    CHECK(image != NULL);
    if (!image)
        return;
    int n_bad = 0;
    fl_log_set_level(FL_LOG_ERROR); /* one "cut before appending" warning per case */
    /* Every byte near both ends and around each sync point, a stride elsewhere: each append
     * costs two fsyncs. */
    for (size_t len = 0; len <= size; len++) {
        bool is_near_sync = len < 24 || size - len < 24;
        for (size_t p = 0; p < n_points && !is_near_sync; p++)
            is_near_sync = len + 4 >= points[p].bytes && len <= points[p].bytes + 4;
        if (!is_near_sync && len % 23 != 0)
            continue;
        put_file(crashed, image, len);
        struct fl_err err;
        struct fl_zwriter *w = fl_zwriter_open(crashed, 3, true, &err);
        if (!w) {
            if (n_bad++ < 5)
                fprintf(stderr, "    cut at %zu: open for append failed: %s\n", len, err.msg);
            continue;
        }
        for (size_t i = 60; i < 90; i++)
            write_line(w, &ls, i);
        fl_zwriter_close(w);
        /* Read: a prefix of the old lines (at least the synced ones), then all new ones. */
        struct fl_zreader *r = fl_zreader_open(crashed, &err);
        size_t n_old = 0, n_new = 0;
        bool is_garbage = false;
        const char *line;
        size_t llen;
        int rc;
        while ((rc = fl_zreader_line(r, &line, &llen)) == 1) {
            size_t i = n_new == 0 && n_old < 60 && llen == ls.len[n_old] &&
                               memcmp(line, ls.text[n_old], llen) == 0
                           ? n_old++
                           : 60 + n_new++;
            if (i >= 60 && (i >= 90 || llen != ls.len[i] || memcmp(line, ls.text[i], llen))) {
                is_garbage = true;
                break;
            }
        }
        fl_zreader_close(r);
        size_t synced = 0;
        for (size_t p = 0; p < n_points; p++)
            if (points[p].bytes <= len)
                synced = points[p].lines;
        if ((is_garbage || rc < 0 || n_old < synced || n_new != 30) && n_bad++ < 5)
            fprintf(stderr, "    cut at %zu of %zu: old %zu (synced %zu), new %zu, garbage %d\n",
                    len, size, n_old, synced, n_new, is_garbage);
    }
    fl_log_set_level(FL_LOG_INFO);
    CHECK_INT(n_bad, 0);
    free(image);
    lines_free(&ls);
    remove_dir();
}

UNIT_MAIN(UNIT_TEST(synced_lines_read_back_exactly), UNIT_TEST(empty_and_missing_files),
          UNIT_TEST(file_cut_at_any_byte_reads_back_whole_synced_lines),
          UNIT_TEST(second_frame_appended_reads_after_the_first),
          UNIT_TEST(append_after_a_crash_keeps_old_synced_lines_and_new_ones))
