/* tests/unit/test_checkpoint.c: what a file's checkpoint may claim, and how it is stored.
 *
 * fl_acks: acknowledgements arrive in any order; the safe offset only ever covers the
 * longest acknowledged prefix (table of sequences, then random orders against a model),
 * also while the ring grows past its first 1024 slots with the window wrapped.
 * fl_ckpt: the file round-trips, a leftover .tmp from a crash is ignored, a corrupt line
 * is refused with its line number, offsets only move forward, old entries expire, and a
 * save that cannot be completed leaves the previous file whole. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/checkpoint.h"
#include "tests/unit/unit.h"

/* ---- fl_acks ---------------------------------------------------------------------------- */

struct ack_case {
    const char *name;
    uint64_t start;
    uint64_t ends[8];  /* end offsets pushed, in read order (0 ends the list) */
    int order[8];      /* seqs acknowledged, in this order (-1 ends the list) */
    uint64_t want[8];  /* acked_offset after each acknowledgement */
};

static const struct ack_case ack_cases[] = {
    {"in order", 0, {10, 20, 30}, {0, 1, 2, -1}, {10, 20, 30}},
    {"newest first waits for the oldest", 0, {10, 20, 30}, {2, 1, 0, -1}, {0, 0, 30}},
    {"hole in the middle", 0, {10, 20, 30, 40}, {0, 2, 3, 1, -1}, {10, 10, 10, 40}},
    {"start offset from the checkpoint", 500, {510, 520}, {1, 0, -1}, {500, 520}},
    {"repeated ack changes nothing", 0, {10, 20}, {1, 1, 0, 0, -1}, {0, 0, 20, 20}},
    {"unknown seq ignored", 0, {10, 20}, {7, 0, 5, 1, -1}, {0, 10, 10, 20}},
    {"records of zero length", 0, {10, 10, 10, 25}, {1, 2, 0, 3, -1}, {0, 0, 10, 25}},
    {"two holes filled last to first", 0, {5, 9, 14, 20, 27}, {4, 2, 0, 3, 1, -1},
     {0, 0, 5, 5, 27}},
};

static void acks_advance_only_over_the_acknowledged_prefix(void)
{
    for (size_t c = 0; c < sizeof ack_cases / sizeof ack_cases[0]; c++) {
        const struct ack_case *k = &ack_cases[c];
        struct fl_acks a;
        fl_acks_init(&a, k->start);
        CHECK_INT(a.acked_offset, k->start);
        size_t n_pushed = 0;
        for (size_t i = 0; i < 8 && k->ends[i]; i++) {
            uint64_t seq = 99;
            CHECK_INT(fl_acks_push(&a, k->ends[i], &seq), 0);
            CHECK_INT(seq, i);
            n_pushed++;
        }
        CHECK_INT(fl_acks_in_flight(&a), n_pushed);
        for (size_t i = 0; i < 8 && k->order[i] >= 0; i++) {
            fl_acks_done(&a, (uint64_t)k->order[i]);
            if (a.acked_offset != k->want[i])
                fprintf(stderr, "    case '%s', ack #%zu (seq %d): acked %llu, want %llu\n",
                        k->name, i, k->order[i], (unsigned long long)a.acked_offset,
                        (unsigned long long)k->want[i]);
            CHECK_INT(a.acked_offset, k->want[i]);
        }
        CHECK_INT(fl_acks_in_flight(&a), 0);
        fl_acks_free(&a);
    }
}

static void acks_before_any_push_are_ignored(void)
{
    struct fl_acks a;
    fl_acks_init(&a, 42);
    fl_acks_done(&a, 0);
    fl_acks_done(&a, 12345);
    CHECK_INT(a.acked_offset, 42);
    CHECK_INT(fl_acks_in_flight(&a), 0);
    fl_acks_free(&a);
}

/* Deterministic xorshift so a failure reproduces. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* More than 1024 records in flight, with the window wrapped around the ring when it grows:
 * the safe offset always equals the model's longest acknowledged prefix. */
static void acks_ring_grows_past_1024_in_flight_without_losing_order(void)
{
    enum { N = 6000 };
    static uint64_t ends[N];
    static bool is_acked[N];
    memset(is_acked, 0, sizeof is_acked);
    struct fl_acks a;
    fl_acks_init(&a, 0);
    uint64_t seq, off = 0;
    /* Steady state first: 700 records pushed and acked, so head_seq % 1024 != 0 later. */
    for (int i = 0; i < 700; i++) {
        off += 1 + rng() % 200;
        ends[i] = off;
        CHECK_INT(fl_acks_push(&a, off, &seq), 0);
        fl_acks_done(&a, seq);
        is_acked[i] = true;
    }
    CHECK_INT(a.acked_offset, ends[699]);
    /* Now 5,300 in flight: the ring grows (1024 -> 2048 -> 4096 -> 8192) while wrapped. */
    for (int i = 700; i < N; i++) {
        off += 1 + rng() % 200;
        ends[i] = off;
        CHECK_INT(fl_acks_push(&a, off, &seq), 0);
        CHECK_INT(seq, i);
    }
    CHECK_INT(fl_acks_in_flight(&a), N - 700);
    CHECK(a.cap >= N - 700);
    /* Acknowledge in random order; after each, compare with the model. */
    static int order[N - 700];
    for (int i = 0; i < N - 700; i++)
        order[i] = 700 + i;
    for (int i = N - 700 - 1; i > 0; i--) {
        int j = (int)(rng() % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t prefix = 700;
    int n_bad = 0;
    for (int i = 0; i < N - 700; i++) {
        fl_acks_done(&a, (uint64_t)order[i]);
        is_acked[order[i]] = true;
        while (prefix < N && is_acked[prefix])
            prefix++;
        if (a.acked_offset != ends[prefix - 1] && n_bad++ < 3)
            fprintf(stderr, "    after %d acks: acked %llu, model %llu\n", i + 1,
                    (unsigned long long)a.acked_offset, (unsigned long long)ends[prefix - 1]);
    }
    CHECK_INT(n_bad, 0);
    CHECK_INT(a.acked_offset, ends[N - 1]);
    CHECK_INT(fl_acks_in_flight(&a), 0);
    /* The ring still works after growing: more records, acked newest first. */
    uint64_t s1, s2;
    CHECK_INT(fl_acks_push(&a, off + 10, &s1), 0);
    CHECK_INT(fl_acks_push(&a, off + 20, &s2), 0);
    fl_acks_done(&a, s2);
    CHECK_INT(a.acked_offset, ends[N - 1]);
    fl_acks_done(&a, s1);
    CHECK_INT(a.acked_offset, off + 20);
    fl_acks_free(&a);
}

/* ---- fl_ckpt ---------------------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/fl-ckpt-XXXXXX");
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

static void ckpt_path(char *out, size_t cap)
{
    snprintf(out, cap, "%s/checkpoints", dir);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void missing_checkpoint_file_is_a_first_start(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(ck.n, 0);
    CHECK(fl_ckpt_get(&ck, 1) == NULL);
    /* Nothing changed: nothing is written. */
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    CHECK(access(path, F_OK) != 0);
    fl_ckpt_close(&ck);
    remove_dir();
}

static void checkpoint_file_round_trips(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    static const struct fl_ckpt_entry want[] = {
        {0x0123456789abcdefull, 98765, 2049, 131, 1700000000123, "/mnt/ign01/logs/wrapper.log"},
        {0xffffffffffffffffull, 0xffffffffffffull, 0, 0, 1, "/mnt/kep01/event log/with spaces.txt"},
        {1, 1, 1, 1, 1700000000999, ""},
        {0x42, 7, 8, 9, 1700000001000, "/mnt/ftsrv/diag/\xc3\xa9v\xc3\xa9nements.txt"},
    };
    enum { N_WANT = sizeof want / sizeof want[0] };
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    for (size_t i = 0; i < N_WANT; i++)
        CHECK_INT(fl_ckpt_set(&ck, want[i].fingerprint, want[i].offset, want[i].dev,
                              want[i].ino, want[i].path, want[i].updated_ms),
                  0);
    CHECK(ck.is_dirty);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    CHECK(!ck.is_dirty);
    fl_ckpt_close(&ck);

    struct fl_ckpt back;
    CHECK_INT(fl_ckpt_open(&back, path, &err), 0);
    CHECK_INT(back.n, N_WANT);
    CHECK(!back.is_dirty);
    for (size_t i = 0; i < N_WANT; i++) {
        const struct fl_ckpt_entry *e = fl_ckpt_get(&back, want[i].fingerprint);
        CHECK(e != NULL);
        if (!e)
            continue;
        CHECK_INT(e->offset, want[i].offset);
        CHECK_INT(e->dev, want[i].dev);
        CHECK_INT(e->ino, want[i].ino);
        CHECK_INT(e->updated_ms, want[i].updated_ms);
        CHECK_STR(e->path, want[i].path);
    }
    /* No temp file is left behind by a successful save. */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);
    fl_ckpt_close(&back);
    remove_dir();
}

/* A crash between writing the temp file and the rename leaves "<file>.tmp": the checkpoint
 * read back is the last complete one, and the next save replaces the leftover. */
static void leftover_temp_file_from_a_crash_does_not_matter(void)
{
    make_dir();
    char path[128], tmp[160];
    ckpt_path(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 0xabc, 1000, 1, 2, "/mnt/a.log", 10), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_close(&ck);
    write_file(tmp, "# faultline checkpoints\nv1 0000000000000abc 99999 1 2 10 /mnt/a.lo");

    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    const struct fl_ckpt_entry *e = fl_ckpt_get(&ck, 0xabc);
    CHECK(e && e->offset == 1000);
    CHECK_INT(fl_ckpt_set(&ck, 0xabc, 2000, 1, 2, "/mnt/a.log", 20), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_close(&ck);
    CHECK(access(tmp, F_OK) != 0);
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    e = fl_ckpt_get(&ck, 0xabc);
    CHECK(e && e->offset == 2000);
    fl_ckpt_close(&ck);
    remove_dir();
}

static void corrupt_line_is_refused_with_its_line_number(void)
{
    static const struct {
        const char *name, *text;
        uint32_t line;
    } cases[] = {
        {"garbage", "# header\nv1 0000000000000001 10 1 2 3 /a\nthis is not a checkpoint\n", 3},
        {"missing fields", "v1 0000000000000001 10 1 2 3 /a\nv1 0000000000000002 10\n", 2},
        {"unknown version", "\n# c\nv2 0000000000000001 10 1 2 3 /a\n", 3},
        {"offset not a number", "v1 0000000000000001 ten 1 2 3 /a\n", 1},
        {"NUL bytes from a torn write", "v1 0000000000000001 10 1 2 3 /a\n\0\0\0\0\n", 2},
    };
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        /* sizeof - 1 keeps embedded NULs */
        fwrite(cases[i].text, 1, strlen(cases[i].text) + (i == 4 ? 5 : 0), f);
        fclose(f);
        struct fl_ckpt ck;
        struct fl_err err;
        fl_err_clear(&err);
        int rc = fl_ckpt_open(&ck, path, &err);
        if (rc != FL_ECORRUPT || err.line != cases[i].line)
            fprintf(stderr, "    case '%s': rc %d, line %u: %s\n", cases[i].name, rc, err.line,
                    err.msg);
        CHECK_INT(rc, FL_ECORRUPT);
        CHECK_INT(err.line, cases[i].line);
        CHECK_STR(err.file, path);
        fl_ckpt_close(&ck);
    }
    remove_dir();
}

static void offsets_only_move_forward_and_hints_follow_the_file(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 7, 1000, 1, 100, "/mnt/a.log", 10), 0);
    CHECK_INT(fl_ckpt_set(&ck, 7, 900, 1, 100, "/mnt/a.log", 11), 0); /* late, older ack */
    const struct fl_ckpt_entry *e = fl_ckpt_get(&ck, 7);
    CHECK_INT(e->offset, 1000);
    /* Rename rotation: same content fingerprint, new name and inode; offset kept. */
    CHECK_INT(fl_ckpt_set(&ck, 7, 1000, 1, 200, "/mnt/a.log.1", 12), 0);
    e = fl_ckpt_get(&ck, 7);
    CHECK_INT(e->offset, 1000);
    CHECK_INT(e->ino, 200);
    CHECK_STR(e->path, "/mnt/a.log.1");
    CHECK_INT(e->updated_ms, 12);
    CHECK_INT(fl_ckpt_set(&ck, 7, 1500, 1, 200, "/mnt/a.log.1", 13), 0);
    CHECK_INT(fl_ckpt_get(&ck, 7)->offset, 1500);
    CHECK_INT(ck.n, 1);
    /* Many files: the table grows. */
    for (uint64_t fp = 100; fp < 300; fp++)
        CHECK_INT(fl_ckpt_set(&ck, fp, fp * 10, 1, fp, "/mnt/many.log", 20), 0);
    CHECK_INT(ck.n, 201);
    CHECK_INT(fl_ckpt_get(&ck, 299)->offset, 2990);
    fl_ckpt_close(&ck);
    remove_dir();
}

static void forgotten_entry_starts_again_lower_and_stays_gone_on_disk(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 7, 600, 1, 100, "/gw/system_logs.idb", 10), 0);
    CHECK_INT(fl_ckpt_set(&ck, 8, 50, 1, 101, "/gw/other.log", 10), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    /* A recreated store: its event_ids start again at 1. */
    fl_ckpt_forget(&ck, 7);
    CHECK(fl_ckpt_get(&ck, 7) == NULL);
    CHECK_INT(fl_ckpt_get(&ck, 8)->offset, 50);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_close(&ck);
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK(fl_ckpt_get(&ck, 7) == NULL);
    CHECK_INT(ck.n, 1);
    CHECK_INT(fl_ckpt_set(&ck, 7, 20, 1, 102, "/gw/system_logs.idb", 11), 0);
    CHECK_INT(fl_ckpt_get(&ck, 7)->offset, 20);
    fl_ckpt_forget(&ck, 12345); /* unknown: nothing happens */
    CHECK_INT(ck.n, 2);
    fl_ckpt_close(&ck);
    remove_dir();
}

static void entries_not_updated_since_the_cutoff_expire(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 1, 10, 0, 0, "/old", 1000), 0);
    CHECK_INT(fl_ckpt_set(&ck, 2, 10, 0, 0, "/fresh", 5000), 0);
    CHECK_INT(fl_ckpt_set(&ck, 3, 10, 0, 0, "/edge", 3000), 0);
    CHECK_INT(fl_ckpt_set(&ck, 4, 10, 0, 0, "/old2", 2999), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_expire(&ck, 3000);
    CHECK_INT(ck.n, 2);
    CHECK(fl_ckpt_get(&ck, 1) == NULL);
    CHECK(fl_ckpt_get(&ck, 4) == NULL);
    CHECK(fl_ckpt_get(&ck, 2) != NULL);
    CHECK(fl_ckpt_get(&ck, 3) != NULL);
    CHECK(ck.is_dirty); /* the expiry itself must reach the file */
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_close(&ck);
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(ck.n, 2);
    CHECK(fl_ckpt_get(&ck, 1) == NULL);
    fl_ckpt_close(&ck);
    remove_dir();
}

/* A file name may contain a newline, CR or backslash (a hostile or careless writer): the
 * checkpoint file must still load at the next start, with the names as they were. */
static void file_name_with_a_newline_does_not_corrupt_the_checkpoint(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 5, 500, 1, 2, "/mnt/logs/evil\nname.log", 10), 0);
    CHECK_INT(fl_ckpt_set(&ck, 6, 600, 1, 3, "/mnt/logs/good.log", 10), 0);
    CHECK_INT(fl_ckpt_set(&ck, 7, 700, 1, 4, "/mnt/smb/D:\\Logs\\n.txt\r", 10), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    fl_ckpt_close(&ck);
    fl_err_clear(&err);
    int rc = fl_ckpt_open(&ck, path, &err);
    if (rc)
        fprintf(stderr, "    reload: rc %d at line %u: %s\n", rc, err.line, err.msg);
    CHECK_INT(rc, 0);
    CHECK(fl_ckpt_get(&ck, 5) && fl_ckpt_get(&ck, 5)->offset == 500);
    CHECK(fl_ckpt_get(&ck, 6) && fl_ckpt_get(&ck, 6)->offset == 600);
    CHECK(fl_ckpt_get(&ck, 7) && fl_ckpt_get(&ck, 7)->offset == 700);
    /* The path, a hint for messages and metrics, comes back as it was. */
    CHECK_STR(fl_ckpt_get(&ck, 5) ? fl_ckpt_get(&ck, 5)->path : NULL,
              "/mnt/logs/evil\nname.log");
    CHECK_STR(fl_ckpt_get(&ck, 7) ? fl_ckpt_get(&ck, 7)->path : NULL,
              "/mnt/smb/D:\\Logs\\n.txt\r");
    fl_ckpt_close(&ck);
    remove_dir();
}

/* The disk fills up (here: a file size limit) in the middle of a save: the save reports an
 * error and the previous checkpoint file stays whole. */
static void save_that_cannot_finish_keeps_the_previous_file(void)
{
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 1, 111, 1, 1, "/mnt/first.log", 10), 0);
    CHECK_INT(fl_ckpt_save(&ck, &err), 0);
    /* 400 entries of ~80 bytes: far more than one stdio buffer, past the limit below. */
    for (uint64_t fp = 1000; fp < 1400; fp++)
        CHECK_INT(fl_ckpt_set(&ck, fp, fp, 1, fp, "/mnt/logs/a-rather-long-file-name.log", 20),
                  0);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 6000;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = fl_ckpt_save(&ck, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    CHECK(rc != 0);
    CHECK(ck.is_dirty); /* still to be written */
    fl_ckpt_close(&ck);
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    if (ck.n != 1)
        fprintf(stderr, "    the checkpoint file now holds %zu entries (a truncated save?)\n",
                ck.n);
    CHECK_INT(ck.n, 1);
    CHECK(fl_ckpt_get(&ck, 1) && fl_ckpt_get(&ck, 1)->offset == 111);
    fl_ckpt_close(&ck);
    remove_dir();
}

static void unwritable_directory_fails_the_save_with_the_path(void)
{
    if (geteuid() == 0)
        return; /* root writes anywhere */
    make_dir();
    char path[128];
    ckpt_path(path, sizeof path);
    struct fl_ckpt ck;
    struct fl_err err;
    CHECK_INT(fl_ckpt_open(&ck, path, &err), 0);
    CHECK_INT(fl_ckpt_set(&ck, 1, 1, 1, 1, "/a", 1), 0);
    chmod(dir, 0500);
    fl_err_clear(&err);
    CHECK_INT(fl_ckpt_save(&ck, &err), FL_EIO);
    CHECK(strstr(err.file, dir) != NULL);
    chmod(dir, 0700);
    fl_ckpt_close(&ck);
    remove_dir();
}

UNIT_MAIN(UNIT_TEST(acks_advance_only_over_the_acknowledged_prefix),
          UNIT_TEST(acks_before_any_push_are_ignored),
          UNIT_TEST(acks_ring_grows_past_1024_in_flight_without_losing_order),
          UNIT_TEST(missing_checkpoint_file_is_a_first_start),
          UNIT_TEST(checkpoint_file_round_trips),
          UNIT_TEST(leftover_temp_file_from_a_crash_does_not_matter),
          UNIT_TEST(corrupt_line_is_refused_with_its_line_number),
          UNIT_TEST(offsets_only_move_forward_and_hints_follow_the_file),
          UNIT_TEST(forgotten_entry_starts_again_lower_and_stays_gone_on_disk),
          UNIT_TEST(entries_not_updated_since_the_cutoff_expire),
          UNIT_TEST(file_name_with_a_newline_does_not_corrupt_the_checkpoint),
          UNIT_TEST(save_that_cannot_finish_keeps_the_previous_file),
          UNIT_TEST(unwritable_directory_fails_the_save_with_the_path))
