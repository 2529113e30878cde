/* tests/unit/test_opcua.c: the OPC UA status table and the status scan
 * (formats/opcua-status-codes.md). */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "parsers/opcua.h"
#include "parsers/opcua_table.h"
#include "tests/unit/unit.h"

static const struct fl_opcua_status *by_name(const char *s)
{
    return fl_opcua_by_name(s, strlen(s));
}

static const struct fl_opcua_status *by_desc(const char *s)
{
    return fl_opcua_by_desc(s, strlen(s));
}

static struct fl_opcua_hit scan(const char *s)
{
    struct fl_opcua_hit hit;
    memset(&hit, 0xA5, sizeof hit); /* the scan must fill every field */
    bool found = fl_opcua_scan(s, strlen(s), &hit);
    CHECK(found == (hit.status != NULL));
    return hit;
}

static const char *status_of(const char *s)
{
    struct fl_opcua_hit hit = scan(s);
    return hit.status ? hit.status->canonical : "(none)";
}

static void connection_rejected_is_0x80AC0000_not_0x80040000(void)
{
    const struct fl_opcua_status *s = by_name("Bad_ConnectionRejected");
    CHECK(s != NULL);
    if (s) {
        CHECK_INT(s->hex, 0x80AC0000u);
        CHECK_STR(s->name, "BadConnectionRejected");
        CHECK_STR(s->canonical, "Bad_ConnectionRejected");
        CHECK_STR(s->desc, "Could not establish a network connection to remote server.");
        CHECK_STR(s->category, "opcua.connect_refused");
    }
    CHECK(fl_opcua_by_hex(0x80AC0000u) == s);
    s = fl_opcua_by_hex(0x80040000u);
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->canonical, "Bad_ResourceUnavailable");
        CHECK(s->category == NULL);
    }
}

static void hex_lookup_compares_high_16_bits_only(void)
{
    const struct fl_opcua_status *s = fl_opcua_by_hex(0x80AC0400u); /* info bits set */
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s->canonical, "Bad_ConnectionRejected");
    CHECK(fl_opcua_by_hex(0xC0040008u) == NULL); /* OPC DA HRESULT */
    CHECK(fl_opcua_by_hex(0x8ABB0001u) == NULL); /* Kepware vendor code */
}

static void codes_with_0x81_high_word_are_found(void)
{
    const struct fl_opcua_status *s = fl_opcua_by_hex(0x810D0000u);
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->canonical, "Bad_CertificateChainIncomplete");
        CHECK_STR(s->category, "opcua.cert_rejected");
    }
    s = by_name("BadCertificatePolicyCheckFailed");
    CHECK(s != NULL);
    if (s)
        CHECK_INT(s->hex, 0x81140000u);
}

static void names_are_found_with_or_without_underscore(void)
{
    static const struct {
        const char *in, *canonical;
        unsigned hex;
    } cases[] = {
        {"Bad_SecurityChecksFailed", "Bad_SecurityChecksFailed", 0x80130000u},
        {"BadSecurityChecksFailed", "Bad_SecurityChecksFailed", 0x80130000u},
        {"Bad_Timeout", "Bad_Timeout", 0x800A0000u},
        {"BadTimeout", "Bad_Timeout", 0x800A0000u},
        {"GoodOverload", "Good_Overload", 0x002F0000u},
        {"Uncertain_LastUsableValue", "Uncertain_LastUsableValue", 0x40900000u},
        {"BadEdited_OutOfRange", "Bad_Edited_OutOfRange", 0x81190000u},
        {"Bad_Edited_OutOfRange", "Bad_Edited_OutOfRange", 0x81190000u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fl_opcua_status *s = by_name(cases[i].in);
        CHECK(s != NULL);
        if (!s)
            continue;
        CHECK_STR(s->canonical, cases[i].canonical);
        CHECK_INT(s->hex, cases[i].hex);
        CHECK(fl_opcua_by_hex(cases[i].hex) == s);
    }
    CHECK(by_name("Bad_NoSuchCode") == NULL);
    CHECK(by_name("bad_Timeout") == NULL);
    CHECK(by_name("Bad__Timeout") == NULL);
    CHECK(by_name("Timeout") == NULL);
    CHECK(fl_opcua_by_name("Bad_TimeoutX", 11) != NULL); /* a view: n bytes only */
}

static void bare_severity_words_are_not_codes(void)
{
    CHECK(by_name("Bad") == NULL);
    CHECK(by_name("Good") == NULL);
    CHECK(by_name("Uncertain") == NULL);
    CHECK(by_name("Bad_") == NULL);
    CHECK_STR(status_of("StatusCode[Severity=Bad, Subcode=Good]"), "(none)");
    CHECK_STR(status_of("quality=Bad value=Uncertain Good"), "(none)");
    CHECK_STR(status_of("StatusCode[Severity=Bad, Subcode=Bad_ConnectionRejected]"),
              "Bad_ConnectionRejected");
}

static void categories_follow_the_status_code_note(void)
{
    static const struct {
        const char *name, *category;
    } cases[] = {
        {"Bad_SecurityChecksFailed", "opcua.cert_rejected"},
        {"Bad_CertificateInvalid", "opcua.cert_rejected"},
        {"Bad_CertificateTimeInvalid", "opcua.cert_rejected"},
        {"Bad_CertificateIssuerTimeInvalid", "opcua.cert_rejected"},
        {"Bad_CertificateHostNameInvalid", "opcua.cert_rejected"},
        {"Bad_CertificateUriInvalid", "opcua.cert_rejected"},
        {"Bad_CertificateUseNotAllowed", "opcua.cert_rejected"},
        {"Bad_CertificateIssuerUseNotAllowed", "opcua.cert_rejected"},
        {"Bad_CertificateRevoked", "opcua.cert_rejected"},
        {"Bad_CertificateIssuerRevoked", "opcua.cert_rejected"},
        {"Bad_CertificateRevocationUnknown", "opcua.cert_rejected"},
        {"Bad_CertificateIssuerRevocationUnknown", "opcua.cert_rejected"},
        {"Bad_CertificateChainIncomplete", "opcua.cert_rejected"},
        {"Bad_CertificatePolicyCheckFailed", "opcua.cert_rejected"},
        {"Bad_NoValidCertificates", "opcua.cert_rejected"},
        {"Bad_CertificateUntrusted", "opcua.cert_untrusted"},
        {"Bad_ConnectionRejected", "opcua.connect_refused"},
        {"Bad_Timeout", "opcua.connect_timeout"},
        {"Bad_RequestTimeout", "opcua.connect_timeout"},
        {"Bad_ConnectionClosed", "opcua.session_lost"},
        {"Bad_Disconnect", "opcua.session_lost"},
        {"Bad_SecureChannelClosed", "opcua.session_lost"},
        {"Bad_SessionClosed", "opcua.session_lost"},
        {"Bad_SessionIdInvalid", "opcua.session_lost"},
        {"Bad_ServerHalted", "opcua.session_lost"},
        {"Bad_Shutdown", "opcua.session_lost"},
        {"Bad_ServerNotConnected", "opcua.session_lost"},
        {"Bad_NotConnected", "opcua.session_lost"},
        {"Bad_SubscriptionIdInvalid", "opcua.subscription_failed"},
        {"Bad_NoSubscription", "opcua.subscription_failed"},
        {"Bad_TooManySubscriptions", "opcua.subscription_failed"},
        {"Bad_NoCommunication", "device.comm_timeout"},
        /* unclassified in the note */
        {"Bad_SecurityPolicyRejected", NULL},
        {"Bad_SecurityModeRejected", NULL},
        {"Bad_TcpEndpointUrlInvalid", NULL},
        {"Bad_TcpServerTooBusy", NULL},
        {"Bad_IdentityTokenRejected", NULL},
        {"Bad_UserAccessDenied", NULL},
        {"Bad_ConfigurationError", NULL},
        {"Bad_ResourceUnavailable", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fl_opcua_status *s = by_name(cases[i].name);
        CHECK(s != NULL);
        if (!s)
            continue;
        if (cases[i].category)
            CHECK_STR(s->category, cases[i].category);
        else
            CHECK(s->category == NULL);
    }
}

static void description_lookup_ignores_case_and_trailing_period(void)
{
    const struct fl_opcua_status *s = by_desc("The Certificate is not trusted");
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s->canonical, "Bad_CertificateUntrusted");
    s = by_desc("An error occurred verifying security.");
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s->canonical, "Bad_SecurityChecksFailed");
    s = by_desc("not enough memory to complete the operation"); /* uncategorised rows too */
    CHECK(s != NULL);
    if (s)
        CHECK_STR(s->canonical, "Bad_OutOfMemory");
    s = by_desc("No data exists for the requested time range or event filter.");
    CHECK(s != NULL);
    if (s) /* BadNoData and GoodNoData share it: the first CSV row wins */
        CHECK_STR(s->canonical, "Bad_NoData");
    CHECK(by_desc("The operation timed out..") == NULL); /* one period only */
    CHECK(by_desc("The operation timed") == NULL);
    CHECK(by_desc("") == NULL);
}

static void name_in_text_is_found_and_canonicalised(void)
{
    CHECK_STR(status_of("UaServiceFaultException: status=BadTimeout, message=x"), "Bad_Timeout");
    CHECK_STR(status_of("node-opcua: BadSecurityChecksFailed (0x80130000)"),
              "Bad_SecurityChecksFailed");
    CHECK_STR(status_of("prefixBad_Timeout is glued to a word"), "(none)");
    CHECK_STR(status_of("Bad_TimeoutX is not a row"), "(none)");
    CHECK_STR(status_of("Bad_Timeout"), "Bad_Timeout");
    CHECK_STR(status_of("(Bad_Timeout)"), "Bad_Timeout");
    CHECK_STR(status_of("Bad_timeout is lower case"), "(none)");
}

static void untrusted_wins_over_security_checks_failed_in_either_order(void)
{
    static const char *const texts[] = {
        "UaException: status=Bad_SecurityChecksFailed, message=Certificate is not trusted.",
        "Certificate is NOT TRUSTED; status=Bad_SecurityChecksFailed",
        "Bad_SecurityChecksFailed then Bad_CertificateUntrusted",
        "BadCertificateUntrusted then BadSecurityChecksFailed",
        "0x80130000 ... SunCertPathBuilderException: unable to find valid certification path",
        "status=Bad_SecurityChecksFailed caused by: Unable to find valid certification path to "
        "requested target",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct fl_opcua_hit hit = scan(texts[i]);
        CHECK(hit.is_untrusted);
        CHECK(hit.status != NULL);
        if (hit.status) {
            CHECK_STR(hit.status->canonical, "Bad_CertificateUntrusted");
            CHECK_STR(hit.status->category, "opcua.cert_untrusted");
        }
    }
}

static void untrusted_phrase_alone_gives_untrusted_status(void)
{
    struct fl_opcua_hit hit = scan("ServiceResultException : Certificate is not trusted.");
    CHECK(hit.is_untrusted);
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_CertificateUntrusted") == 0);
    CHECK(!hit.has_hex);
    hit = scan("Please check that client certificate is trusted by server.");
    CHECK(!hit.is_untrusted);
    CHECK(hit.status == NULL);
}

static void first_code_in_text_wins_otherwise(void)
{
    CHECK_STR(status_of("Bad_Timeout after Bad_ConnectionRejected"), "Bad_Timeout");
    CHECK_STR(status_of("Bad_ConnectionRejected after Bad_Timeout"), "Bad_ConnectionRejected");
    CHECK_STR(status_of("code=0x80AC0000 then Bad_Timeout"), "Bad_ConnectionRejected");
    CHECK_STR(status_of("Bad_Timeout then code=0x80AC0000"), "Bad_Timeout");
    /* a hex that is not a UA row does not decide */
    CHECK_STR(status_of("0xC0040008 then Bad_Disconnect"), "Bad_Disconnect");
}

static void hex_records_first_hex_even_when_not_a_ua_code(void)
{
    struct fl_opcua_hit hit = scan("Add item failed for 'Channel1.Device1.Tag1' on device "
                                   "'Channel1.Device1'. Item error: 0xC0040008 "
                                   "'OPC_E_BADRIGHTS(0xC0040008) The item's access rights do "
                                   "not allow the operation. '");
    CHECK(hit.has_hex);
    CHECK_INT(hit.first_hex, 0xC0040008u);
    CHECK(hit.status == NULL);
    CHECK(!hit.is_untrusted);

    hit = scan("Status code = 0x80ac0400.");
    CHECK(hit.has_hex);
    CHECK_INT(hit.first_hex, 0x80AC0400u);
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_ConnectionRejected") == 0);

    hit = scan("vendor 0x8ABB0001 then 0x80130000");
    CHECK_INT(hit.first_hex, 0x8ABB0001u);
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_SecurityChecksFailed") == 0);
}

static void hex_needs_exactly_8_digits_and_word_bounds(void)
{
    static const char *const texts[] = {
        "0x8013000",  "0x801300000", "x0x80130000", "0x80130000g",
        "0X80130000", "0x8013000z",  "0x_80130000",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct fl_opcua_hit hit = scan(texts[i]);
        CHECK(!hit.has_hex);
        CHECK(hit.status == NULL);
    }
    struct fl_opcua_hit hit = scan("(0x80130000)");
    CHECK(hit.has_hex && hit.status);
    hit = scan("0x80130000");
    CHECK(hit.has_hex && hit.status);
}

static void bare_severity_hex_is_not_taken_as_a_status(void)
{
    struct fl_opcua_hit hit = scan("handle=0x00000000 flags=0x80000000 then Bad_Timeout");
    CHECK(hit.has_hex);
    CHECK_INT(hit.first_hex, 0);
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_Timeout") == 0);
    /* the table itself still knows them */
    CHECK(fl_opcua_by_hex(0x80000000u) && strcmp(fl_opcua_by_hex(0x80000000u)->name, "Bad") == 0);
}

static void description_alone_gives_the_status(void)
{
    CHECK_STR(status_of("Caused by: org.eclipse.milo.opcua.stack.core.UaException: An error "
                        "occurred verifying security."),
              "Bad_SecurityChecksFailed");
    CHECK_STR(status_of("Error received from remote host: an error occurred verifying security"),
              "Bad_SecurityChecksFailed");
    CHECK_STR(status_of("UaException: The operation timed out"), "Bad_Timeout");
    CHECK_STR(status_of("x The network connection has been closed."), "Bad_ConnectionClosed");
    /* a description runs to a word boundary */
    CHECK_STR(status_of("The operation timed outright"), "(none)");
    /* a name or UA hex anywhere beats a description */
    CHECK_STR(status_of("The operation timed out. status=Bad_ConnectionRejected"),
              "Bad_ConnectionRejected");
    CHECK_STR(status_of("The operation timed out (0x80AC0000)"), "Bad_ConnectionRejected");
    /* but a non-UA hex does not */
    CHECK_STR(status_of("The operation timed out (0xC0040008)"), "Bad_Timeout");
}

static void uncategorised_descriptions_are_not_matched_in_free_text(void)
{
    CHECK_STR(status_of("java: Not enough memory to complete the operation."), "(none)");
    CHECK_STR(status_of("The operation failed."), "(none)");
    CHECK_STR(status_of("An internal error occurred as a result of a programming or "
                        "configuration error."),
              "(none)");
}

/* corpus/opcua-clients/milo-client-securitychecksfailed.txt, copied verbatim. */
static void milo_error_message_line_gives_security_checks_failed(void)
{
    struct fl_opcua_hit hit = scan(
        "[remote=/139.24.230.201:53530] Received error message: "
        "ErrorMessage{error=StatusCode{name=Bad_SecurityChecksFailed, value=0x80130000, "
        "quality=bad}, reason=Bad_SecurityChecksFailed (code=0x80130000, description=\"An error "
        "occurred verifying security.\")}");
    CHECK(hit.status != NULL);
    if (hit.status) {
        CHECK_STR(hit.status->canonical, "Bad_SecurityChecksFailed");
        CHECK_STR(hit.status->category, "opcua.cert_rejected");
    }
    CHECK(hit.has_hex);
    CHECK_INT(hit.first_hex, 0x80130000u);
    CHECK(!hit.is_untrusted);
}

/* corpus/opcua-clients/milo-client-certpath-untrusted.txt, first two lines verbatim. */
static void milo_cert_path_failure_is_untrusted(void)
{
    struct fl_opcua_hit hit = scan(
        "Caused by: sun.security.provider.certpath.SunCertPathBuilderException: unable to find "
        "valid certification path to requested target. \n"
        "    at sun.security.provider.certpath.SunCertPathBuilder.build(SunCertPathBuilder.java:"
        "148)");
    CHECK(hit.is_untrusted);
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_CertificateUntrusted") == 0);
}

static void lines_without_codes_find_nothing(void)
{
    static const char *const texts[] = {
        "",
        "INFO   | jvm 1    | 2023/01/05 10:00:00 | I [c.i.g.GatewayContext] Gateway started",
        "Good morning, Bad weather, Uncertain future",
        "Gateway Error 600 BUG Bug GOOD 0x 0x1 0xZZZZZZZZ",
        "The operation",
        "n u S N U not trust unable to find",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct fl_opcua_hit hit = scan(texts[i]);
        CHECK(hit.status == NULL);
        CHECK(!hit.has_hex);
        CHECK(!hit.is_untrusted);
    }
}

static void scan_reads_only_the_given_bytes(void)
{
    static const char text[] = "Bad_TimeoutXYZ";
    struct fl_opcua_hit hit;
    CHECK(fl_opcua_scan(text, 11, &hit));  /* "Bad_Timeout" */
    CHECK(!fl_opcua_scan(text, 10, &hit)); /* "Bad_Timeou" */
    static const char hex[] = "0x80130000";
    CHECK(!fl_opcua_scan(hex, 9, &hit));
    CHECK(!hit.has_hex);
    static const char desc[] = "The operation timed out";
    CHECK(!fl_opcua_scan(desc, sizeof desc - 2, &hit));
}

static void invalid_utf8_does_not_disturb_the_scan(void)
{
    static const char text[] = "\xff\xfe\xc3(Bad_Timeout\x80\xe2\x82 0x80AC0000\xf0";
    struct fl_opcua_hit hit;
    CHECK(fl_opcua_scan(text, sizeof text - 1, &hit));
    CHECK(hit.status && strcmp(hit.status->canonical, "Bad_Timeout") == 0);
    CHECK_INT(hit.first_hex, 0x80AC0000u);
}

static void hex_format_is_upper_case_zero_padded(void)
{
    char out[11];
    fl_hex32_format(0x80AC0000u, out);
    CHECK_STR(out, "0x80AC0000");
    fl_hex32_format(0, out);
    CHECK_STR(out, "0x00000000");
    fl_hex32_format(0xc0040008u, out);
    CHECK_STR(out, "0xC0040008");
    fl_hex32_format(0xABCu, out);
    CHECK_STR(out, "0x00000ABC");
}

static void every_csv_row_round_trips_by_name_hex_and_description(void)
{
    CHECK(fl_opcua_n_rows > 250);
    for (unsigned i = 0; i < fl_opcua_n_rows; i++) {
        const struct fl_opcua_row *r = &fl_opcua_rows[i];
        const struct fl_opcua_status *s = fl_opcua_by_hex(r->hex);
        CHECK(s != NULL);
        if (!s)
            continue;
        CHECK_STR(s->name, r->name);
        CHECK_INT(s->hex, r->hex);
        CHECK_STR(s->desc, r->desc);
        bool is_bare =
            !strcmp(r->name, "Good") || !strcmp(r->name, "Bad") || !strcmp(r->name, "Uncertain");
        if (is_bare) {
            CHECK_STR(s->canonical, s->name); /* bare severities stay bare */
            CHECK(fl_opcua_by_name(r->name, strlen(r->name)) == NULL);
        } else {
            CHECK(fl_opcua_by_name(s->name, strlen(s->name)) == s);
            CHECK(fl_opcua_by_name(s->canonical, strlen(s->canonical)) == s);
            CHECK(strchr(s->canonical, '_') != NULL);
        }
        /* descriptions are shared by a few rows: the lookup gives one with the same text */
        const struct fl_opcua_status *d = fl_opcua_by_desc(r->desc, strlen(r->desc));
        CHECK(d != NULL && strcmp(d->desc, r->desc) == 0);
    }
}

/* ---- The scan against a slow reference built from the note's regexes ----------------- */

static pcre2_code *ref_compile(const char *pattern, uint32_t opts)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &ec, &eo, NULL);
    CHECK(code != NULL);
    return code;
}

/* Offset and length of the first match of code in text at or after `from`; false if none. */
static bool ref_find(pcre2_code *code, pcre2_match_data *md, const char *text, size_t n,
                     size_t from, size_t *at, size_t *len)
{
    if (pcre2_match(code, (PCRE2_SPTR)text, n, from, 0, md, NULL) < 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *at = ov[0];
    *len = ov[1] - ov[0];
    return true;
}

struct ref {
    pcre2_code *name, *hex, *untrusted;
    pcre2_code *desc[64];
    const struct fl_opcua_status *desc_status[64];
    size_t n_desc;
    pcre2_match_data *md;
};

static void ref_init(struct ref *r)
{
    /* The note's name regex with \w+ after the first letter: the scan also takes the CSV
     * rows with an inner underscore (Bad_Edited_OutOfRange); for any other word both agree. */
    r->name = ref_compile("\\b(?:Good|Uncertain|Bad)_?[A-Z]\\w+\\b", 0);
    r->hex = ref_compile("\\b0x[0-9A-Fa-f]{8}\\b", 0);
    r->untrusted = ref_compile("(?i)\\bnot trusted|\\bunable to find valid certification path"
                               "|(?-i)\\bSunCertPathBuilderException",
                               0);
    r->n_desc = 0;
    for (unsigned i = 0; i < fl_opcua_n_rows && r->n_desc < 64; i++) {
        const struct fl_opcua_status *st = fl_opcua_by_hex(fl_opcua_rows[i].hex);
        if (!st || !st->category)
            continue;
        char pattern[256];
        size_t len = strlen(st->desc);
        if (len && st->desc[len - 1] == '.')
            len--;
        snprintf(pattern, sizeof pattern, "(?i)\\b\\Q%.*s\\E\\b", (int)len, st->desc);
        r->desc[r->n_desc] = ref_compile(pattern, 0);
        r->desc_status[r->n_desc++] = st;
    }
    r->md = pcre2_match_data_create(4, NULL);
}

static void ref_free(struct ref *r)
{
    pcre2_code_free(r->name);
    pcre2_code_free(r->hex);
    pcre2_code_free(r->untrusted);
    for (size_t k = 0; k < r->n_desc; k++)
        pcre2_code_free(r->desc[k]);
    pcre2_match_data_free(r->md);
}

static void ref_scan(struct ref *r, const char *text, size_t n, struct fl_opcua_hit *hit)
{
    const struct fl_opcua_status *untrusted = fl_opcua_by_name("Bad_CertificateUntrusted", 24);
    const struct fl_opcua_status *first = NULL;
    size_t first_at = SIZE_MAX, at, len;
    bool is_untrusted = false;
    memset(hit, 0, sizeof *hit);
    for (size_t from = 0; ref_find(r->name, r->md, text, n, from, &at, &len); from = at + len) {
        const struct fl_opcua_status *st = fl_opcua_by_name(text + at, len);
        if (!st)
            continue;
        is_untrusted |= st == untrusted;
        if (at < first_at) {
            first = st;
            first_at = at;
        }
    }
    for (size_t from = 0; ref_find(r->hex, r->md, text, n, from, &at, &len); from = at + len) {
        char digits[9];
        memcpy(digits, text + at + 2, 8);
        digits[8] = '\0';
        uint32_t v = (uint32_t)strtoul(digits, NULL, 16);
        if (!hit->has_hex) {
            hit->has_hex = true;
            hit->first_hex = v;
        }
        const struct fl_opcua_status *st = fl_opcua_by_hex(v);
        if (st && (st->hex & 0x3FFF0000u) && at < first_at) {
            first = st;
            first_at = at;
        }
    }
    is_untrusted |= ref_find(r->untrusted, r->md, text, n, 0, &at, &len);
    const struct fl_opcua_status *desc = NULL;
    size_t desc_at = SIZE_MAX, desc_len = 0;
    for (size_t k = 0; !first && k < r->n_desc; k++)
        if (ref_find(r->desc[k], r->md, text, n, 0, &at, &len) &&
            (at < desc_at || (at == desc_at && len > desc_len))) {
            desc = r->desc_status[k];
            desc_at = at;
            desc_len = len;
        }
    hit->is_untrusted = is_untrusted;
    hit->status = is_untrusted ? untrusted : first ? first : desc;
}

static const char *const scan_fragments[] = {
    "Bad_Timeout",
    "BadTimeout",
    "Bad_",
    "Bad",
    "Good",
    "GoodOverload",
    "Uncertain_LastUsableValue",
    "Bad_Edited_OutOfRange",
    "Bad_CertificateUntrusted",
    "BadCertificateUntrusted",
    "Bad_SecurityChecksFailed",
    "Bad_ConnectionRejected",
    "Bad_timeout",
    "Bad__Timeout",
    "0x80130000",
    "0x80ac0400",
    "0xC0040008",
    "0x00000000",
    "0x80000000",
    "0x8000000",
    "0x801300001",
    "0x810D0000",
    "0X80130000",
    "The operation timed out",
    "THE OPERATION TIMED OUT.",
    "An error occurred verifying security.",
    "not trusted",
    "Not Trusted",
    "cannot trusted",
    "unable to find valid certification path",
    "SunCertPathBuilderException",
    "The certificate is not trusted",
    "The network connection has been closed",
    "The session id is not valid",
    "The secure channel has been closed.",
    "Timeout occurred while processing the request",
    "The operation",
    "timed out",
    "Not enough memory to complete the operation.",
    "x",
    "X",
    "_",
    "\n",
    ".",
    "(",
    "=",
    ", ",
    "\xc3\xa9",
    "\xff",
    "123",
    "abc",
    "the",
    "status=",
    "StatusCode{name=",
    "value=",
    "                ",
    "Uncertain",
    "Good_",
    "unable",
    "SunCert",
};

static void scan_agrees_with_the_note_regexes_on_random_text(void)
{
    struct ref r;
    ref_init(&r);
    CHECK(r.n_desc >= 30);
    unsigned long long state = 0x2545F4914F6CDD1Dull;
    int n_mismatch = 0, n_status = 0;
    for (int round = 0; round < 30000; round++) {
        char text[400];
        size_t n = 0;
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        int pieces = 1 + (int)(state % 9);
        for (int k = 0; k < pieces; k++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            const char *f =
                scan_fragments[state % (sizeof scan_fragments / sizeof scan_fragments[0])];
            size_t len = strlen(f);
            if (n + len + 1 >= sizeof text)
                break;
            memcpy(text + n, f, len);
            n += len;
            if ((state >> 20) % 3) /* mostly separated, sometimes glued to the next piece */
                text[n++] = " ,;:/"[(state >> 24) % 5];
        }
        struct fl_opcua_hit want, got;
        ref_scan(&r, text, n, &want);
        fl_opcua_scan(text, n, &got);
        n_status += want.status != NULL;
        bool is_same = want.status == got.status && want.has_hex == got.has_hex &&
                       want.first_hex == got.first_hex && want.is_untrusted == got.is_untrusted;
        if (!is_same && n_mismatch++ < 5)
            fprintf(stderr, "  got %s/%d/%08x/%d, want %s/%d/%08x/%d for '%.*s'\n",
                    got.status ? got.status->canonical : "-", got.has_hex, got.first_hex,
                    got.is_untrusted, want.status ? want.status->canonical : "-", want.has_hex,
                    want.first_hex, want.is_untrusted, (int)n, text);
    }
    CHECK_INT(n_mismatch, 0);
    CHECK(n_status > 10000);
    ref_free(&r);
}

UNIT_MAIN(UNIT_TEST(connection_rejected_is_0x80AC0000_not_0x80040000),
          UNIT_TEST(hex_lookup_compares_high_16_bits_only),
          UNIT_TEST(codes_with_0x81_high_word_are_found),
          UNIT_TEST(names_are_found_with_or_without_underscore),
          UNIT_TEST(bare_severity_words_are_not_codes),
          UNIT_TEST(categories_follow_the_status_code_note),
          UNIT_TEST(description_lookup_ignores_case_and_trailing_period),
          UNIT_TEST(name_in_text_is_found_and_canonicalised),
          UNIT_TEST(untrusted_wins_over_security_checks_failed_in_either_order),
          UNIT_TEST(untrusted_phrase_alone_gives_untrusted_status),
          UNIT_TEST(first_code_in_text_wins_otherwise),
          UNIT_TEST(hex_records_first_hex_even_when_not_a_ua_code),
          UNIT_TEST(hex_needs_exactly_8_digits_and_word_bounds),
          UNIT_TEST(bare_severity_hex_is_not_taken_as_a_status),
          UNIT_TEST(description_alone_gives_the_status),
          UNIT_TEST(uncategorised_descriptions_are_not_matched_in_free_text),
          UNIT_TEST(milo_error_message_line_gives_security_checks_failed),
          UNIT_TEST(milo_cert_path_failure_is_untrusted),
          UNIT_TEST(lines_without_codes_find_nothing), UNIT_TEST(scan_reads_only_the_given_bytes),
          UNIT_TEST(invalid_utf8_does_not_disturb_the_scan),
          UNIT_TEST(hex_format_is_upper_case_zero_padded),
          UNIT_TEST(every_csv_row_round_trips_by_name_hex_and_description),
          UNIT_TEST(scan_agrees_with_the_note_regexes_on_random_text))
