/* tests/unit/test_catalog.c: message catalogs, first row in table order wins. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/catalog.h"
#include "tests/unit/unit.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ignition.md §8 rows 1-5, trimmed: enough to show table order against text order. */
static const struct fl_catalog_row opcua_rows[] = {
    {"Bad_?CertificateUntrusted|[Cc]ertificate is not trusted|"
     "unable to find valid certification path|SunCertPathBuilderException",
     "opcua.cert_untrusted"},
    {"Bad_?SecurityChecksFailed|An error occurred verifying security|Bad_?Certificate\\w+",
     "opcua.cert_rejected"},
    {"Bad_?ConnectionRejected", "opcua.connect_refused"},
    {"Bad_?(?:Request)?Timeout\\b|requestId=\\d+ timed out after", "opcua.connect_timeout"},
    {"UaException: connection closed", "opcua.session_lost"},
};
#define N_OPCUA_ROWS (sizeof opcua_rows / sizeof opcua_rows[0])

static int match(struct fl_catalog *c, const char *text)
{
    return fl_catalog_match(c, text, strlen(text));
}

static void first_row_wins_when_a_later_row_matches_earlier_in_text(void)
{
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_catalog *c = fl_catalog_new(opcua_rows, N_OPCUA_ROWS, &err);
    CHECK(c != NULL);
    if (!c)
        return;
    /* row 1 (SecurityChecksFailed) comes first in the text, row 0 (not trusted) wins */
    CHECK_INT(match(c, "UaException: status=Bad_SecurityChecksFailed, "
                       "message=Certificate is not trusted."),
              0);
    /* row 3 first in text, row 2 later: row 2 */
    CHECK_INT(match(c, "requestId=7 timed out after 30000ms; later Bad_ConnectionRejected"), 2);
    /* only a later row matches */
    CHECK_INT(match(c, "org.eclipse.milo.opcua.stack.core.UaException: connection closed"), 4);
    CHECK_INT(match(c, "UaServiceFaultException: status=Bad_Timeout, message=x"), 3);
    CHECK_INT(match(c, "BadRequestTimeout"), 3);
    CHECK_INT(match(c, "Bad_Timeouts (a word, not the code)"), -1);
    const struct fl_catalog_row *row = fl_catalog_row(c, 0);
    CHECK(row != NULL && strcmp(row->category, "opcua.cert_untrusted") == 0);
    fl_catalog_free(c);
}

static void record_matching_no_row_gives_minus_one(void)
{
    struct fl_catalog *c = fl_catalog_new(opcua_rows, N_OPCUA_ROWS, NULL);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_INT(match(c, ""), -1);
    CHECK_INT(match(c, "INFO   | jvm 1    | 2023/01/05 | Gateway started"), -1);
    CHECK_INT(fl_catalog_match(c, "Bad_Timeout", 0), -1);
    CHECK_INT(fl_catalog_match(c, "Bad_ConnectionRejected", 9), -1); /* only n bytes are read */
    CHECK(fl_catalog_row(c, -1) == NULL);
    CHECK(fl_catalog_row(c, (int)N_OPCUA_ROWS) == NULL);
    fl_catalog_free(c);
}

static void whole_multi_line_record_is_matched(void)
{
    struct fl_catalog *c = fl_catalog_new(opcua_rows, N_OPCUA_ROWS, NULL);
    CHECK(c != NULL);
    if (!c)
        return;
    /* corpus/opcua-clients/milo-client-certpath-untrusted.txt, first lines */
    CHECK_INT(match(c, "Caused by: sun.security.provider.certpath.SunCertPathBuilderException: "
                       "unable to find valid certification path to requested target. \n"
                       "    at sun.security.provider.certpath.SunCertPathBuilder.build("
                       "SunCertPathBuilder.java:148)"),
              0);
    CHECK_INT(match(c, "first line\nsecond line Bad_CertificateRevoked"), 1);
    fl_catalog_free(c);
}

static void invalid_utf8_input_does_not_crash(void)
{
    static const struct fl_catalog_row rows[] = {
        {"caf\xc3\xa9 ferm\xc3\xa9", "x.cafe"},
        {"\\w+ timeout", "x.timeout"},
        {"(?i)device .* not responding", "x.device"},
    };
    struct fl_catalog *c = fl_catalog_new(rows, 3, NULL);
    CHECK(c != NULL);
    if (!c)
        return;
    static const char bad1[] = "\xff\xfe\xc3(caf\xc3 read timeout\x80 \xe2\x82";
    CHECK_INT(fl_catalog_match(c, bad1, sizeof bad1 - 1), 1);
    static const char bad2[] = "\xed\xa0\x80 Device 7 is NOT responding\xf8\x88\x80\x80\x80";
    CHECK_INT(fl_catalog_match(c, bad2, sizeof bad2 - 1), 2);
    /* PCRE2_MATCH_INVALID_UTF: an invalid sequence matches nothing, not even `.` */
    static const char bad2b[] = "Device \xf8\x88\x80\x80\x80 is not responding";
    CHECK_INT(fl_catalog_match(c, bad2b, sizeof bad2b - 1), -1);
    static const char bad3[] = "\xc3\xa9\xc3"
                               "caf\xc3\xa9 ferm\xc3\xa9\xff";
    CHECK_INT(fl_catalog_match(c, bad3, sizeof bad3 - 1), 0);
    static const char bad4[] = "\xc0\xaf\xe0\x80\xaf\xf4\x90\x80\x80";
    CHECK_INT(fl_catalog_match(c, bad4, sizeof bad4 - 1), -1);
    /* every truncation of a multi-byte sequence, matched repeatedly */
    static const char seq[] = "caf\xc3\xa9 ferm\xc3\xa9";
    for (size_t n = 0; n <= sizeof seq - 1; n++)
        CHECK_INT(fl_catalog_match(c, seq, n), n == sizeof seq - 1 ? 0 : -1);
    fl_catalog_free(c);
}

static void bad_pattern_names_row_and_pcre2_error(void)
{
    static const struct fl_catalog_row rows[] = {
        {"fine", "a.b"},
        {"also fine", "a.c"},
        {"broken (unclosed", "a.d"},
    };
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_catalog *c = fl_catalog_new(rows, 3, &err);
    CHECK(c == NULL);
    fl_catalog_free(c);
    CHECK(strstr(err.msg, "row 2") != NULL);
    CHECK(strstr(err.msg, "missing closing parenthesis") != NULL);
    CHECK(strstr(err.msg, "offset 16") != NULL);
    CHECK(strstr(err.msg, "broken (unclosed") != NULL);
    /* NULL err is allowed */
    CHECK(fl_catalog_new(rows, 3, NULL) == NULL);
}

static void rows_that_cannot_be_combined_still_match_in_table_order(void)
{
    /* A numbered back reference, a subroutine call by number, a (?x) comment running to the
     * end, and a start-of-pattern verb: each compiles alone but would not keep its meaning
     * (or would not compile) inside one alternation. */
    static const struct {
        const char *pattern, *hit, *miss;
    } cases[] = {
        {"(\\w+) again \\1", "word again word", "word again other"},
        {"(a|b)c(?1)", "xacb", "xacc"},
        {"(?x) late \\s row  # a comment", "late row", "laterow"},
        {"(*CRLF)crlf row", "crlf row", "crlf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fl_catalog_row rows[] = {
            {"(?<p>[0-9]+)(?<q>x)?first", "x.first"},
            {cases[i].pattern, "x.special"},
            {"plain", "x.plain"},
        };
        struct fl_err err;
        fl_err_clear(&err);
        struct fl_catalog *c = fl_catalog_new(rows, 3, &err);
        CHECK(c != NULL);
        if (!c) {
            fprintf(stderr, "  row %zu: %s\n", i, err.msg);
            continue;
        }
        char text[128];
        snprintf(text, sizeof text, "plain %s 12first", cases[i].hit);
        CHECK_INT(match(c, text), 0);
        snprintf(text, sizeof text, "plain %s", cases[i].hit);
        CHECK_INT(match(c, text), 1);
        snprintf(text, sizeof text, "plain %s", cases[i].miss);
        CHECK_INT(match(c, text), 2);
        CHECK_INT(match(c, cases[i].miss), -1);
        fl_catalog_free(c);
    }

    /* (?x) and \Q alone are fine when the rows combine */
    static const struct fl_catalog_row rows2[] = {
        {"(?x) a \\s b", "y.ab"},
        {"\\Q(literal)\\E", "y.lit"},
        {"(?<code>0x[0-9A-F]{8})", "y.hex"},
        {"(?<code>Bad_\\w+)", "y.name"}, /* same group name in two rows */
    };
    struct fl_err err;
    fl_err_clear(&err);
    struct fl_catalog *c = fl_catalog_new(rows2, 4, &err);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_INT(match(c, "x (literal) a b"), 0);
    CHECK_INT(match(c, "x (literal) ab"), 1);
    CHECK_INT(match(c, "Bad_Timeout 0x800A0000"), 2);
    CHECK_INT(match(c, "Bad_Timeout"), 3);
    CHECK_INT(match(c, "a b"), 0);
    CHECK_INT(match(c, "ab"), -1);
    fl_catalog_free(c);
}

static void empty_catalog_matches_nothing(void)
{
    struct fl_catalog *c = fl_catalog_new(NULL, 0, NULL);
    CHECK(c != NULL);
    CHECK_INT(fl_catalog_match(c, "anything", 8), -1);
    CHECK(fl_catalog_row(c, 0) == NULL);
    fl_catalog_free(c);
    fl_catalog_free(NULL);
}

static void long_record_is_matched_to_its_end(void)
{
    struct fl_catalog *c = fl_catalog_new(opcua_rows, N_OPCUA_ROWS, NULL);
    CHECK(c != NULL);
    if (!c)
        return;
    size_t n = 1 << 20;
    char *text = malloc(n + 32);
    CHECK(text != NULL);
    if (text) {
        for (size_t i = 0; i < n; i++)
            text[i] = (i % 80 == 79) ? '\n' : "at org.example.Foo.bar(Foo.java:1) "[i % 36];
        memcpy(text + n, " Bad_ConnectionRejected", 23);
        CHECK_INT(fl_catalog_match(c, text, n + 23), 2);
        CHECK_INT(fl_catalog_match(c, text, n), -1);
        free(text);
    }
    fl_catalog_free(c);
}

/* Catalogs in the style of the sources' tables, plus syntax the literal reading must get
 * right (case options, optional parts, lookarounds, escapes, UTF-8). */
static const struct fl_catalog_row mixed_rows[] = {
    {"Bad_?CertificateUntrusted|[Cc]ertificate is not trusted", "a"},
    {"Bad_?ConnectionRejected|(?s:Connection refused.*(?:UaException|opc\\.tcp://|opcua))"
     "|(?s:(?:UaException|opc\\.tcp://|opcua).*Connection refused)",
     "b"},
    {"Bad_?Timeout|requestId=\\d+ timed out after", "c"},
    {"(?i:\\bconnection\\b.{0,80}\\b(was|has been) lost\\b)", "d"},
    {"(?i)\\b(?:exit|exits|exited|crash\\w*|shut(?:ting)? ?down)\\b", "e"},
    {"(?is)\\A(?!.*expired).*\\b(?:grace|emergency) period|Software Update Service expired", "f"},
    {"(?is)\\A(?=.*licen[cs]e)(?=.*(?:invalid|expired|not found))", "g"},
    {"caf\xc3\xa9 ferm\xc3\xa9|(?i)CAF\xc3\xa9 x", "h"},
    {"a{b}cde|\\.\\$\\(xyz\\)|ab+cd{2}ef?gh*ijk", "i"},
    {"(?i)x(?-i:Abc)yz|(?i:sKs)", "j"},
    {"(?<=lookbehind )target|(?<!not )\\bconnected\\b", "k"},
    {"(?i)\\b(error|errors|fail|failed|lost|not licen[cs]ed)\\b", "l"},
    {"^Not connected to server$|^\\[\\d+\\] (Un)?[Dd]eploying \\d+ object", "m"},
};

static const char *const fragments[] = {
    "Bad_",
    "Bad",
    "Certificate",
    "Untrusted",
    "certificate is not trusted",
    "Certificate is not",
    "Connection refused",
    "UaException",
    "opc.tcp://",
    "opcua",
    "Timeout",
    "requestId=12",
    " timed out after",
    "error",
    "ERRORS",
    "lost",
    "LOST",
    "lo\xc5\xbft",
    "\xe2\x84\xaa",
    "connection",
    "CONNECTION",
    " was lost",
    " has been lost",
    " ",
    " ",
    " ",
    "\n",
    "x",
    "X",
    "exit",
    "EXITED",
    "crashed",
    "shut down",
    "shutdown",
    "grace period",
    "Emergency Period",
    "expired",
    "licence",
    "LICENSE",
    "invalid",
    "not found",
    "Software Update Service expired",
    "caf\xc3\xa9 ferm\xc3\xa9",
    "CAF\xc3\xa9 X",
    "caf\xc3\xa9 x",
    "\xff",
    "\xc3",
    "a{b}cde",
    ".$(xyz)",
    "abbcddegijk",
    "abcddefghhijk",
    "xAbcyz",
    "XAbcYZ",
    "xabcyz",
    "sks",
    "SKS",
    "\xc5\xbfk\xc5\xbf",
    "s\xe2\x84\xaas",
    "lookbehind target",
    "target",
    "not connected",
    "connected",
    "Not connected to server",
    "[12] Undeploying 3 object",
    "[7] deploying 1 object",
    "failed",
    "fail",
    "fails",
    "Bad_Timeout",
    "BadConnectionRejected",
    "Bad_SecurityChecksFailed",
    "UaException: connection closed",
    "Bad_CertificateRevoked",
    "An error occurred verifying security",
};

static unsigned long long prng_state = 0x9E3779B97F4A7C15ull;

static unsigned prng(unsigned bound)
{
    prng_state ^= prng_state << 13;
    prng_state ^= prng_state >> 7;
    prng_state ^= prng_state << 17;
    return (unsigned)(prng_state % bound);
}

/* What the catalog promises, computed the slow way: each row alone, in table order. */
static int first_row_by_brute_force(pcre2_code *const *codes, size_t n_rows, pcre2_match_data *md,
                                    const char *text, size_t n)
{
    for (size_t k = 0; k < n_rows; k++)
        if (pcre2_match(codes[k], (PCRE2_SPTR)text, n, 0, 0, md, NULL) >= 0)
            return (int)k;
    return -1;
}

static void check_agrees_with_brute_force(const struct fl_catalog_row *rows, size_t n_rows)
{
    struct fl_catalog *c = fl_catalog_new(rows, n_rows, NULL);
    CHECK(c != NULL);
    if (!c)
        return;
    pcre2_code *codes[32];
    for (size_t k = 0; k < n_rows; k++) {
        int ec;
        PCRE2_SIZE eo;
        codes[k] = pcre2_compile((PCRE2_SPTR)rows[k].pattern, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
    }
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    int n_mismatch = 0, n_hits = 0;
    for (int round = 0; round < 20000; round++) {
        char text[512];
        size_t n = 0;
        int pieces = 1 + (int)prng(7);
        bool is_flipping = prng(2); /* half of the texts keep the fragments' case */
        for (int k = 0; k < pieces; k++) {
            const char *f = fragments[prng(sizeof fragments / sizeof fragments[0])];
            size_t len = strlen(f);
            if (n + len >= sizeof text)
                break;
            memcpy(text + n, f, len);
            for (size_t j = 0; j < len; j++) /* flip ASCII case now and then */
                if (is_flipping && prng(8) == 0 &&
                    ((text[n + j] | 0x20) >= 'a' && (text[n + j] | 0x20) <= 'z'))
                    text[n + j] ^= 0x20;
            n += len;
        }
        int want = first_row_by_brute_force(codes, n_rows, md, text, n);
        int got = fl_catalog_match(c, text, n);
        n_hits += want >= 0;
        if (got != want && n_mismatch++ < 5)
            fprintf(stderr, "  got %d, want %d for '%.*s'\n", got, want, (int)n, text);
    }
    CHECK_INT(n_mismatch, 0);
    CHECK(n_hits > 1000); /* the texts do exercise the rows */
    pcre2_match_data_free(md);
    for (size_t k = 0; k < n_rows; k++)
        pcre2_code_free(codes[k]);
    fl_catalog_free(c);
}

static void any_catalog_gives_the_first_matching_row_in_table_order(void)
{
    check_agrees_with_brute_force(mixed_rows, sizeof mixed_rows / sizeof mixed_rows[0]);
    check_agrees_with_brute_force(opcua_rows, N_OPCUA_ROWS);
    /* a row without a usable literal ("x" alone) puts the catalog on the alternation */
    static const struct fl_catalog_row with_short[] = {
        {"Bad_?Timeout", "a"},
        {"x", "b"},
        {"(?i)error", "c"},
        {"Connection refused", "d"},
    };
    check_agrees_with_brute_force(with_short, 4);
    /* and one that cannot be combined either: every row alone */
    static const struct fl_catalog_row with_backref[] = {
        {"(exit)\\w* \\1", "a"},
        {"(?i)lost", "b"},
        {"Timeout", "c"},
    };
    check_agrees_with_brute_force(with_backref, 3);
    check_agrees_with_brute_force(mixed_rows + 3, 6);
}

UNIT_MAIN(UNIT_TEST(first_row_wins_when_a_later_row_matches_earlier_in_text),
          UNIT_TEST(record_matching_no_row_gives_minus_one),
          UNIT_TEST(whole_multi_line_record_is_matched),
          UNIT_TEST(invalid_utf8_input_does_not_crash),
          UNIT_TEST(bad_pattern_names_row_and_pcre2_error),
          UNIT_TEST(rows_that_cannot_be_combined_still_match_in_table_order),
          UNIT_TEST(empty_catalog_matches_nothing), UNIT_TEST(long_record_is_matched_to_its_end),
          UNIT_TEST(any_catalog_gives_the_first_matching_row_in_table_order))
