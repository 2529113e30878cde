/* tests/unit/test_ignition_idb.c: reading Ignition's system_logs.idb (parsers/ignition_idb.h).
 *
 * Each test builds a small store with logback's DBAppender schema (formats/ignition.md §2) in
 * a fresh /tmp directory, reads it through fl_ignition_idb_read, and checks the events as a
 * user sees them: the JSON the event writer produces. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "parsers/ignition_idb.h"
#include "schemas/event.h"
#include "unit.h"

#define MAX_EVENTS 16

struct collected {
    json_t *ev[MAX_EVENTS];
    size_t n;
    size_t stop_after; /* the sink refuses the event after this many (0: never) */
};

static int collect(void *ctx, struct fl_event *ev)
{
    struct collected *c = ctx;
    if (c->stop_after && c->n == c->stop_after)
        return 42;
    struct fl_buf out;
    fl_buf_init(&out, 0);
    if (fl_event_write_json(ev, &out) != 0 || c->n == MAX_EVENTS) {
        fl_buf_free(&out);
        return -1;
    }
    json_error_t jerr;
    c->ev[c->n++] = json_loadb(out.data, out.len, 0, &jerr);
    fl_buf_free(&out);
    return 0;
}

static void collected_free(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++)
        json_decref(c->ev[i]);
    c->n = 0;
}

static const char *str_of(json_t *ev, const char *key)
{
    json_t *v = ev ? json_object_get(ev, key) : NULL;
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static long long int_of(json_t *ev, const char *key)
{
    json_t *v = ev ? json_object_get(ev, key) : NULL;
    return v && json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static const char *attr_of(json_t *ev, const char *key)
{
    json_t *attrs = ev ? json_object_get(ev, "attrs") : NULL;
    json_t *v = attrs ? json_object_get(attrs, key) : NULL;
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

/* A fresh directory per test; paths inside it. */
struct scratch {
    char dir[64];
    char db[128];
};

static void scratch_make(struct scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/fl-test-idb-XXXXXX");
    if (!mkdtemp(s->dir))
        s->dir[0] = 0;
    snprintf(s->db, sizeof s->db, "%s/system_logs.idb", s->dir);
}

static void scratch_remove(struct scratch *s)
{
    char p[160];
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", s->db, suffixes[i]);
        unlink(p);
    }
    rmdir(s->dir);
}

static const char schema_sql[] =
    "CREATE TABLE logging_event (timestmp BIGINT NOT NULL, formatted_message TEXT NOT NULL,"
    " logger_name VARCHAR(254) NOT NULL, level_string VARCHAR(254) NOT NULL,"
    " thread_name VARCHAR(254), reference_flag SMALLINT, arg0 VARCHAR(254), arg1 VARCHAR(254),"
    " arg2 VARCHAR(254), arg3 VARCHAR(254), caller_filename VARCHAR(254),"
    " caller_class VARCHAR(254), caller_method VARCHAR(254), caller_line CHAR(4),"
    " event_id INTEGER PRIMARY KEY AUTOINCREMENT);"
    "CREATE TABLE logging_event_property (event_id BIGINT NOT NULL,"
    " mapped_key VARCHAR(254) NOT NULL, mapped_value TEXT, PRIMARY KEY(event_id, mapped_key));"
    "CREATE TABLE logging_event_exception (event_id BIGINT NOT NULL, i SMALLINT NOT NULL,"
    " trace_line VARCHAR(254) NOT NULL, PRIMARY KEY(event_id, i));";

/* Three events as a gateway writes them; the exception rows go in out of order. */
static const char rows_sql[] =
    "INSERT INTO logging_event (event_id, timestmp, formatted_message, logger_name,"
    " level_string, thread_name) VALUES"
    " (1, 1615711765000, 'Ignition Created Tag history partition sqlt_data_1_20210314',"
    "  't.h.q.PartitionManager', 'INFO', 'gateway-1'),"
    " (2, 1615711766123, 'Connection failed', 'o.e.m.o.s.c.t.u.UascClientAcknowledgeHandler',"
    "  'ERROR', 'milo-netty-1'),"
    " (3, 1615711767000, 'Clock drift detected', 'c.i.i.g.ClockDriftDetector', 'TRACE', 'x');"
    "INSERT INTO logging_event_property VALUES (2, 'connection-name', 'Kepware'),"
    " (2, 'tag-provider', 'default');"
    "INSERT INTO logging_event_exception VALUES"
    " (2, 1, '\tat org.eclipse.milo.opcua.stack.client.transport.uasc."
    "UascClientAcknowledgeHandler.onError(UascClientAcknowledgeHandler.java:290)'),"
    " (2, 0, 'org.eclipse.milo.opcua.stack.core.UaException: status=Bad_SecurityChecksFailed,"
    " message=An error occurred verifying security.');";

static int make_store(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static int read_store(const char *path, int64_t after, struct collected *c, int64_t *last,
                      struct fl_err *err)
{
    struct fl_sink sink = {.emit = collect, .ctx = c};
    fl_err_clear(err);
    return fl_ignition_idb_read(path, after, &sink, last, err);
}

static void idb_rows_become_events_with_utc_time_and_stack(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 0, &c, &last, &err), 0);
    CHECK_INT(c.n, 3);
    CHECK_INT(last, 3);
    if (c.n == 3) {
        json_t *e1 = c.ev[0], *e2 = c.ev[1], *e3 = c.ev[2];
        CHECK_STR(str_of(e1, "source"), "ignition");
        CHECK_STR(str_of(e1, "ts"), "2021-03-14T08:49:25.000Z");
        CHECK_STR(str_of(e1, "severity"), "info");
        CHECK_STR(str_of(e1, "severity_raw"), "INFO");
        CHECK_STR(str_of(e1, "component"), "t.h.q.PartitionManager");
        CHECK_STR(str_of(e1, "category"), "unclassified");
        CHECK_STR(str_of(e1, "message"),
                  "Ignition Created Tag history partition sqlt_data_1_20210314");
        CHECK_INT(int_of(e1, "offset"), 1);
        CHECK_INT(int_of(e1, "lines"), 1);
        CHECK(attr_of(e1, "ts_source") == NULL);

        CHECK_STR(str_of(e2, "ts"), "2021-03-14T08:49:26.123Z");
        CHECK_STR(str_of(e2, "severity"), "error");
        CHECK_STR(str_of(e2, "component"), "o.e.m.o.s.c.t.u.UascClientAcknowledgeHandler");
        CHECK_STR(str_of(e2, "message"),
                  "Connection failed\n"
                  "org.eclipse.milo.opcua.stack.core.UaException: status=Bad_SecurityChecksFailed,"
                  " message=An error occurred verifying security.\n"
                  "\tat org.eclipse.milo.opcua.stack.client.transport.uasc."
                  "UascClientAcknowledgeHandler.onError(UascClientAcknowledgeHandler.java:290)");
        CHECK_STR(str_of(e2, "category"), "opcua.cert_rejected");
        CHECK_STR(str_of(e2, "code"), "Bad_SecurityChecksFailed");
        CHECK_STR(attr_of(e2, "status_hex"), "0x80130000");
        CHECK_STR(attr_of(e2, "connection-name"), "Kepware");
        CHECK_STR(attr_of(e2, "connection"), "Kepware");
        CHECK_STR(attr_of(e2, "tag-provider"), "default");
        CHECK_STR(attr_of(e2, "exception"), "org.eclipse.milo.opcua.stack.core.UaException");
        CHECK_INT(int_of(e2, "offset"), 2);
        CHECK_INT(int_of(e2, "lines"), 1);

        CHECK_STR(str_of(e3, "severity"), "debug"); /* TRACE */
        CHECK_STR(str_of(e3, "severity_raw"), "TRACE");
        CHECK_STR(str_of(e3, "category"), "clock.drift"); /* by the logger */
        CHECK_INT(int_of(e3, "offset"), 3);
    }
    collected_free(&c);
    scratch_remove(&s);
}

static void idb_cursor_returns_only_newer_rows(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 2, &c, &last, &err), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(last, 3);
    if (c.n == 1)
        CHECK_INT(int_of(c.ev[0], "offset"), 3);
    collected_free(&c);

    /* Nothing new: no event, the cursor stays. */
    CHECK_INT(read_store(s.db, 3, &c, &last, &err), 0);
    CHECK_INT(c.n, 0);
    CHECK_INT(last, 3);

    /* A row written since: only it comes. */
    CHECK(make_store(s.db, "INSERT INTO logging_event (event_id, timestmp, formatted_message,"
                           " logger_name, level_string) VALUES (4, 1615711768000, 'Tag group"
                           " executed', 'T.P.Config', 'WARN');") == 0);
    CHECK_INT(read_store(s.db, last, &c, &last, &err), 0);
    CHECK_INT(c.n, 1);
    CHECK_INT(last, 4);
    if (c.n == 1)
        CHECK_STR(str_of(c.ev[0], "severity"), "warning");
    collected_free(&c);
    scratch_remove(&s);
}

static void idb_cursor_past_the_newest_row_rereads_a_recreated_store(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    /* The checkpoint says 500 but the store's newest row is 3: a restart recreated it. */
    CHECK_INT(read_store(s.db, 500, &c, &last, &err), 0);
    CHECK_INT(c.n, 3);
    CHECK_INT(last, 3);
    collected_free(&c);
    scratch_remove(&s);
}

static void idb_sink_refusal_stops_at_the_last_accepted_row(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    struct collected c = {.stop_after = 1};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 0, &c, &last, &err), 42);
    CHECK_INT(c.n, 1);
    CHECK_INT(last, 1);
    collected_free(&c);
    scratch_remove(&s);
}

static void idb_file_that_is_not_sqlite_is_corrupt_and_named(void)
{
    struct scratch s;
    scratch_make(&s);
    FILE *f = fopen(s.db, "wb");
    CHECK(f != NULL);
    if (f) {
        for (int i = 0; i < 200; i++)
            fputs("INFO   | jvm 1    | 2021/03/14 08:49:25 | not a database\n", f);
        fclose(f);
    }
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 7, &c, &last, &err), FL_ECORRUPT);
    CHECK_INT(c.n, 0);
    CHECK_INT(last, 7);
    CHECK_STR(err.file, s.db);
    CHECK(strstr(err.msg, "ignition") != NULL);
    scratch_remove(&s);
}

static void idb_truncated_sqlite_file_is_an_error_not_a_crash(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    /* Keep the 100-byte header and garble the rest of the first page. */
    FILE *f = fopen(s.db, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 100, SEEK_SET);
        for (int i = 0; i < 3000; i++)
            fputc(0xA5, f);
        fclose(f);
    }
    CHECK(truncate(s.db, 3100) == 0);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    int rc = read_store(s.db, 0, &c, &last, &err);
    CHECK(rc == FL_ECORRUPT || rc == FL_EIO);
    CHECK_STR(err.file, s.db);
    collected_free(&c);
    scratch_remove(&s);
}

static void idb_store_without_logging_event_is_corrupt(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, "CREATE TABLE other (x INTEGER);") == 0);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 0, &c, &last, &err), FL_ECORRUPT);
    CHECK_INT(c.n, 0);
    CHECK_STR(err.file, s.db);
    scratch_remove(&s);
}

static void idb_missing_file_is_an_io_error(void)
{
    struct scratch s;
    scratch_make(&s);
    struct collected c = {0};
    struct fl_err err;
    int64_t last = -5;
    CHECK_INT(read_store(s.db, 0, &c, &last, &err), FL_EIO);
    CHECK_INT(c.n, 0);
    CHECK_STR(err.file, s.db);
    scratch_remove(&s);
}

static void idb_read_leaves_the_store_unchanged(void)
{
    struct scratch s;
    scratch_make(&s);
    CHECK(make_store(s.db, schema_sql) == 0);
    CHECK(make_store(s.db, rows_sql) == 0);
    FILE *f = fopen(s.db, "rb");
    static unsigned char before[65536], after[65536];
    size_t n_before = f ? fread(before, 1, sizeof before, f) : 0;
    if (f)
        fclose(f);
    struct collected c = {0};
    struct fl_err err;
    int64_t last;
    CHECK_INT(read_store(s.db, 0, &c, &last, &err), 0);
    collected_free(&c);
    f = fopen(s.db, "rb");
    size_t n_after = f ? fread(after, 1, sizeof after, f) : 0;
    if (f)
        fclose(f);
    CHECK_INT(n_after, n_before);
    CHECK(memcmp(before, after, n_before) == 0);
    char journal[160];
    snprintf(journal, sizeof journal, "%s-journal", s.db);
    CHECK(access(journal, F_OK) != 0);
    scratch_remove(&s);
}

UNIT_MAIN(UNIT_TEST(idb_rows_become_events_with_utc_time_and_stack),
          UNIT_TEST(idb_cursor_returns_only_newer_rows),
          UNIT_TEST(idb_cursor_past_the_newest_row_rereads_a_recreated_store),
          UNIT_TEST(idb_sink_refusal_stops_at_the_last_accepted_row),
          UNIT_TEST(idb_file_that_is_not_sqlite_is_corrupt_and_named),
          UNIT_TEST(idb_truncated_sqlite_file_is_an_error_not_a_crash),
          UNIT_TEST(idb_store_without_logging_event_is_corrupt),
          UNIT_TEST(idb_missing_file_is_an_io_error),
          UNIT_TEST(idb_read_leaves_the_store_unchanged))
