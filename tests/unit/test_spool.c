/* tests/unit/test_spool.c: the spool keeps events while Kafka is away, in order, bounded.
 *
 * Records come back oldest first across segments (segments roll at their size and when
 * replay reaches the one being written), with every field intact; a segment is deleted
 * once all it held are delivered, and not before; rewind re-reads from the oldest segment,
 * and deliveries of reads made before the rewind delete nothing; past max_bytes the oldest
 * segment is dropped and counted; segments left by a previous run are replayed by the next
 * fl_spool_open, before anything new. */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "ingest/spool.h"
#include "tests/unit/unit.h"

static char dir[64], spool_dir[96];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/fl-spool-XXXXXX");
    if (!mkdtemp(dir))
        dir[0] = 0;
    snprintf(spool_dir, sizeof spool_dir, "%s/spool", dir); /* created by fl_spool_open */
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    could not remove %s\n", dir);
}

static size_t segment_files(void)
{
    DIR *d = opendir(spool_dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strncmp(de->d_name, "seg-", 4) == 0;
    closedir(d);
    return n;
}

/* Record i: its JSON says which it is, so order and identity can be checked. */
static int append(struct fl_spool *s, int i)
{
    char json[96], key[32];
    snprintf(json, sizeof json, "{\"n\":%d,\"message\":\"event %d\"}", i, i);
    snprintf(key, sizeof key, "cell-%d", i % 3);
    struct fl_spool_rec rec = {
        .key = fl_str_c(key),
        .source = FL_STR_LIT("ignition"),
        .category = FL_STR_LIT("opcua.session_lost"),
        .cell = fl_str_c(key),
        .ts_ms = 1700000000000 + i,
        .json = fl_str_c(json),
    };
    return fl_spool_append(s, &rec);
}

static int append_range(struct fl_spool *s, int from, int to)
{
    for (int i = from; i < to; i++) {
        int rc = append(s, i);
        if (rc)
            return rc;
    }
    return fl_spool_sync(s);
}

/* The record number in a replayed JSON, or -1. */
static int number_of(const struct fl_spool_rec *rec)
{
    int n = -1;
    if (rec->json.len > 5 && sscanf(rec->json.p, "{\"n\":%d", &n) != 1)
        return -1;
    return n;
}

/* Reads up to max records; stores their numbers and tokens. Returns the count. */
static size_t replay(struct fl_spool *s, int *numbers, uint64_t *tokens, size_t max)
{
    size_t n = 0;
    struct fl_spool_rec rec;
    uint64_t token;
    while (n < max && fl_spool_next(s, &rec, &token) == 1) {
        numbers[n] = number_of(&rec);
        tokens[n] = token;
        n++;
    }
    return n;
}

static bool is_sequence(const int *numbers, size_t n, int first)
{
    for (size_t i = 0; i < n; i++)
        if (numbers[i] != first + (int)i) {
            fprintf(stderr, "    record %zu is %d, expected %d\n", i, numbers[i], first + (int)i);
            return false;
        }
    return true;
}

static void records_come_back_in_order_with_every_field(void)
{
    make_dir();
    struct fl_err err;
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(fl_spool_is_empty(s));
    /* Fields with TAB / newlines are cleaned so that the record stays one line. */
    struct fl_spool_rec in = {
        .key = FL_STR_LIT("line4"),
        .source = FL_STR_LIT("kepware"),
        .category = FL_STR_LIT("cat\twith\ntabs"),
        .cell = FL_STR_LIT(""),
        .ts_ms = -5,
        .json = FL_STR_LIT("{\"message\":\"a\\tb\\nc\"}"),
    };
    CHECK_INT(fl_spool_append(s, &in), 0);
    CHECK_INT(fl_spool_sync(s), 0);
    CHECK(!fl_spool_is_empty(s));
    struct fl_spool_rec out;
    uint64_t token;
    CHECK_INT(fl_spool_next(s, &out, &token), 1);
    CHECK_MEM(out.key.p, out.key.len, "line4");
    CHECK_MEM(out.source.p, out.source.len, "kepware");
    CHECK_MEM(out.category.p, out.category.len, "cat with tabs");
    CHECK_MEM(out.cell.p, out.cell.len, "");
    CHECK_INT(out.ts_ms, -5);
    CHECK_MEM(out.json.p, out.json.len, "{\"message\":\"a\\tb\\nc\"}");
    CHECK_INT(fl_spool_next(s, &out, &token), 0);
    fl_spool_delivered(s, token);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_close(s), 0);
    remove_dir();
}

/* Appends continue while replay reads: each time replay reaches the segment being written
 * it is sealed and new records go to a new segment, so order holds across segments. */
static void replay_interleaved_with_appends_keeps_order_across_segments(void)
{
    make_dir();
    struct fl_err err;
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    static int numbers[2000];
    static uint64_t tokens[2000];
    size_t n_read = 0;
    int next_append = 0;
    for (int round = 0; round < 6; round++) {
        CHECK_INT(append_range(s, next_append, next_append + 100), 0);
        next_append += 100;
        /* read only part of what is there */
        n_read += replay(s, numbers + n_read, tokens + n_read, 60);
    }
    n_read += replay(s, numbers + n_read, tokens + n_read, 2000 - n_read);
    CHECK_INT(n_read, 600);
    CHECK(is_sequence(numbers, n_read, 0));
    CHECK(fl_spool_stats(s)->segments >= 3);
    CHECK_INT(fl_spool_stats(s)->records_spooled, 600);
    CHECK_INT(fl_spool_stats(s)->records_replayed, 600);
    for (size_t i = 0; i < n_read; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_stats(s)->segments, 0);
    CHECK_INT(fl_spool_stats(s)->bytes, 0);
    CHECK_INT(segment_files(), 0);
    CHECK_INT(fl_spool_close(s), 0);
    remove_dir();
}

/* A segment file is removed only when every record read from it is delivered. */
static void segment_is_deleted_only_when_all_its_records_are_delivered(void)
{
    make_dir();
    struct fl_err err;
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    int numbers[100];
    uint64_t tokens[100];
    CHECK_INT(append_range(s, 0, 10), 0);
    size_t n = replay(s, numbers, tokens, 100); /* seals segment 1, reads it to its end */
    CHECK_INT(n, 10);
    CHECK_INT(append_range(s, 10, 20), 0); /* segment 2 */
    CHECK_INT(segment_files(), 2);
    /* Out of order, all but one of segment 1: it stays. */
    for (size_t i = 9; i > 0; i--)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 2);
    CHECK(!fl_spool_is_empty(s));
    fl_spool_delivered(s, tokens[0]);
    CHECK_INT(segment_files(), 1);
    CHECK_INT(fl_spool_stats(s)->segments, 1);
    /* Deliveries that arrive while the segment is still being read. */
    n = replay(s, numbers, tokens, 4);
    CHECK_INT(n, 4);
    CHECK(is_sequence(numbers, n, 10));
    for (size_t i = 0; i < n; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 1);
    size_t rest = replay(s, numbers, tokens, 100);
    CHECK_INT(rest, 6);
    CHECK(is_sequence(numbers, rest, 14));
    CHECK_INT(segment_files(), 1); /* read to its end, 6 not yet delivered */
    for (size_t i = 0; i < rest; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 0);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_close(s), 0);
    remove_dir();
}

static void rewind_rereads_from_the_oldest_and_ignores_late_deliveries(void)
{
    make_dir();
    struct fl_err err;
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    int numbers[100];
    uint64_t tokens[100];
    CHECK_INT(append_range(s, 0, 10), 0);
    size_t n = replay(s, numbers, tokens, 100);
    CHECK_INT(n, 10);
    CHECK_INT(append_range(s, 10, 15), 0);
    n = replay(s, numbers + 10, tokens + 10, 3); /* 10, 11, 12 of segment 2 */
    CHECK_INT(n, 3);
    fl_spool_delivered(s, tokens[0]);
    /* The brokers went away again: replay restarts at the oldest segment. */
    fl_spool_rewind(s);
    /* Delivery reports of the earlier sends still arrive: they must not delete segment 1,
     * whose records are being sent again. */
    for (size_t i = 1; i < 13; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 2);
    int again[100];
    uint64_t again_tokens[100];
    n = replay(s, again, again_tokens, 100);
    CHECK_INT(n, 15);
    CHECK(is_sequence(again, n, 0));
    CHECK_INT(segment_files(), 2);
    for (size_t i = 0; i < n; i++)
        fl_spool_delivered(s, again_tokens[i]);
    CHECK_INT(segment_files(), 0);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_close(s), 0);
    remove_dir();
}

/* Over its bound the spool drops whole oldest segments, counts them, and keeps going. */
static void over_the_bound_the_oldest_segment_is_dropped_and_counted(void)
{
    make_dir();
    struct fl_err err;
    fl_log_set_level(FL_LOG_ERROR);
    struct fl_spool *s = fl_spool_open(spool_dir, 1, &err); /* any two segments exceed it */
    int numbers[400];
    uint64_t tokens[400];
    CHECK_INT(append_range(s, 0, 100), 0);
    size_t n = replay(s, numbers, tokens, 1); /* seals segment 1 (records 0..99) */
    CHECK_INT(n, 1);
    uint64_t seg1_bytes = fl_spool_stats(s)->bytes;
    CHECK(seg1_bytes > 0);
    CHECK_INT(append_range(s, 100, 200), 0); /* segment 2: over the bound, segment 1 goes */
    const struct fl_spool_stats *st = fl_spool_stats(s);
    CHECK_INT(st->segments_dropped, 1);
    CHECK_INT(st->bytes_dropped, seg1_bytes);
    CHECK_INT(st->segments, 1);
    CHECK_INT(segment_files(), 1);
    /* Replay goes on with what is left, in order. */
    n = replay(s, numbers, tokens, 400);
    CHECK_INT(n, 100);
    CHECK(is_sequence(numbers, n, 100));
    fl_spool_delivered(s, tokens[0]); /* for a dropped segment: ignored */
    for (size_t i = 0; i < n; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_close(s), 0);
    fl_log_set_level(FL_LOG_INFO);
    remove_dir();
}

/* The bound is enforced while replay seals the segment it is about to read; every record
 * still on disk must come back exactly once (no re-read of a segment, no crash). */
static void bound_enforced_while_sealing_for_replay_returns_each_record_once(void)
{
    make_dir();
    struct fl_err err;
    fl_log_set_level(FL_LOG_ERROR);
    struct fl_spool *s = fl_spool_open(spool_dir, 1, &err);
    static int numbers[1000];
    static uint64_t tokens[1000];
    CHECK_INT(append_range(s, 0, 50), 0);
    size_t n = replay(s, numbers, tokens, 1000); /* segment 1 read to its end, undelivered */
    CHECK_INT(n, 50);
    /* Records in segment 2, appended but not synced: replay syncs them when it seals the
     * segment, the sync puts the spool over its bound and drops segment 1 (index 0). */
    for (int i = 50; i < 100; i++)
        CHECK_INT(append(s, i), 0);
    size_t m = replay(s, numbers + n, tokens + n, 1000 - n);
    CHECK_INT(m, 50);
    CHECK(is_sequence(numbers + n, m, 50));
    size_t extra = replay(s, numbers + n + m, tokens + n + m, 1000 - n - m);
    if (extra)
        fprintf(stderr, "    %zu records came back a second time (first: %d)\n", extra,
                numbers[n + m]);
    CHECK_INT(extra, 0);
    for (size_t i = 0; i < n + m + extra; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(segment_files(), 0);
    CHECK_INT(fl_spool_close(s), 0);
    fl_log_set_level(FL_LOG_INFO);
    remove_dir();
}

static void segments_left_by_a_previous_run_are_replayed_first(void)
{
    make_dir();
    struct fl_err err;
    fl_log_set_level(FL_LOG_WARN); /* "segments from a previous run will be replayed" */
    int numbers[400];
    uint64_t tokens[400];
    /* Run 1: two segments; part of the first read but never delivered; then a stop. */
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    CHECK_INT(append_range(s, 0, 30), 0);
    CHECK_INT(replay(s, numbers, tokens, 5), 5);
    for (int i = 30; i < 60; i++)
        CHECK_INT(append(s, i), 0); /* close syncs these */
    CHECK_INT(fl_spool_close(s), 0);
    CHECK_INT(segment_files(), 2);
    /* Run 2: finds both, replays all 60 before records appended now. */
    s = fl_spool_open(spool_dir, 1ull << 30, &err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(!fl_spool_is_empty(s));
    CHECK_INT(fl_spool_stats(s)->segments, 2);
    CHECK(fl_spool_stats(s)->bytes > 0);
    CHECK_INT(append_range(s, 60, 70), 0);
    size_t n = replay(s, numbers, tokens, 400);
    CHECK_INT(n, 70);
    CHECK(is_sequence(numbers, n, 0));
    /* Run 3 after a stop with nothing delivered: everything again, still in order. */
    CHECK_INT(fl_spool_close(s), 0);
    s = fl_spool_open(spool_dir, 1ull << 30, &err);
    n = replay(s, numbers, tokens, 400);
    CHECK_INT(n, 70);
    CHECK(is_sequence(numbers, n, 0));
    for (size_t i = 0; i < n; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 0);
    CHECK_INT(fl_spool_close(s), 0);
    /* Run 4: nothing left. */
    s = fl_spool_open(spool_dir, 1ull << 30, &err);
    CHECK(fl_spool_is_empty(s));
    CHECK_INT(fl_spool_close(s), 0);
    fl_log_set_level(FL_LOG_INFO);
    remove_dir();
}

/* Incompressible events past 8 MiB of segment: a new segment starts, order holds. */
static void segment_rolls_at_its_size(void)
{
    make_dir();
    struct fl_err err;
    struct fl_spool *s = fl_spool_open(spool_dir, 1ull << 30, &err);
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789+/";
    static char json[4200];
    uint64_t x = 12345;
    enum { N = 3000 };
    for (int i = 0; i < N; i++) {
        int len = snprintf(json, sizeof json, "{\"n\":%d,\"blob\":\"", i);
        for (int k = 0; k < 4096; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            json[len++] = alphabet[x & 63];
        }
        json[len++] = '"';
        json[len++] = '}';
        struct fl_spool_rec rec = {.key = FL_STR_LIT("k"), .source = FL_STR_LIT("s"),
                                   .category = FL_STR_LIT("c"), .cell = FL_STR_LIT("k"),
                                   .json = fl_str_make(json, (size_t)len)};
        CHECK_INT(fl_spool_append(s, &rec), 0);
        if (i % 100 == 99)
            CHECK_INT(fl_spool_sync(s), 0);
    }
    CHECK_INT(fl_spool_sync(s), 0);
    CHECK(fl_spool_stats(s)->segments >= 2);
    CHECK(segment_files() >= 2);
    static int numbers[N + 1];
    static uint64_t tokens[N + 1];
    size_t n = replay(s, numbers, tokens, N + 1); /* to the end: replay sees it is done */
    CHECK_INT(n, N);
    CHECK(is_sequence(numbers, n, 0));
    for (size_t i = 0; i < n; i++)
        fl_spool_delivered(s, tokens[i]);
    CHECK_INT(segment_files(), 0);
    CHECK_INT(fl_spool_close(s), 0);
    remove_dir();
}

static void unusable_directory_is_refused_with_its_path(void)
{
    struct fl_err err;
    fl_err_clear(&err);
    CHECK(fl_spool_open("/proc/faultline-spool", 1 << 20, &err) == NULL);
    CHECK_STR(err.file, "/proc/faultline-spool");
}

UNIT_MAIN(UNIT_TEST(records_come_back_in_order_with_every_field),
          UNIT_TEST(replay_interleaved_with_appends_keeps_order_across_segments),
          UNIT_TEST(segment_is_deleted_only_when_all_its_records_are_delivered),
          UNIT_TEST(rewind_rereads_from_the_oldest_and_ignores_late_deliveries),
          UNIT_TEST(over_the_bound_the_oldest_segment_is_dropped_and_counted),
          UNIT_TEST(bound_enforced_while_sealing_for_replay_returns_each_record_once),
          UNIT_TEST(segments_left_by_a_previous_run_are_replayed_first),
          UNIT_TEST(segment_rolls_at_its_size),
          UNIT_TEST(unusable_directory_is_refused_with_its_path))
