/*
 * C tests of libepp's C API (include/epp.h). Built by tests/c/run.sh with
 * -std=c11 -Wall -Wextra -Werror against a libepp built with the cargo
 * feature ffi-test-panic (so EPP_TEST_PANIC is defined), and run under
 * valgrind and AddressSanitizer.
 *
 * One "ok - NAME" or "not ok - NAME" line per test, then "N passed, M failed".
 * Exit status 0 only when every test passed.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epp.h"

#ifndef EXPECTED_VERSION
#error "build with -DEXPECTED_VERSION=\"x.y.z\" (the version in Cargo.toml)"
#endif
#ifndef EPP_TEST_PANIC
#error "build with -DEPP_TEST_PANIC against a libepp built with --features ffi-test-panic"
#endif

/* ------------------------------------------------------------------ */
/* A tiny test harness                                                  */
/* ------------------------------------------------------------------ */

/* Atomic: the thread test's workers check too. */
static _Atomic int check_failures; /* failures in the current test */
static _Atomic bool result_seen[1000];

static const char *describe(epp_result r) {
    static char buf[EPP_RESULT_DESCRIBE_MAX];
    size_t n;
    if (epp_result_describe(r, buf, sizeof buf, &n) != EPP_RESULT_OK)
        snprintf(buf, sizeof buf, "(unknown result %u)", (unsigned)r);
    return buf;
}

static void note(epp_result r) {
    if ((unsigned)r < 1000)
        result_seen[r] = true;
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

#define EXPECT(call, want)                                                     \
    do {                                                                       \
        epp_result r_ = (call);                                                \
        note(r_);                                                              \
        if (r_ != (want)) {                                                    \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %s\n",       \
                    __FILE__, __LINE__, #call, (unsigned)r_, describe(r_),     \
                    #want);                                                    \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

#define OK(call) EXPECT(call, EPP_RESULT_OK)

/* Compares a (pointer, length) string with a C string. */
static bool str_is(const char *p, size_t n, const char *want) {
    return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

/* Whether the (pointer, length) string contains `needle`. */
static bool has(const char *p, size_t n, const char *needle) {
    size_t k = strlen(needle), i;
    if (p == NULL || k > n)
        return false;
    for (i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return true;
    return false;
}

#define S(lit) (lit), (sizeof(lit) - 1)

static const uint64_t T0 = 1800000000000ull; /* 2027-01-15, in ms */

#define DOMAIN_NS "urn:ietf:params:xml:ns:domain-1.0"
#define CONTACT_NS "urn:ietf:params:xml:ns:contact-1.0"
#define SECDNS_NS "urn:ietf:params:xml:ns:secDNS-1.1"
#define EPP_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
                 "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"

#define LOGIN_XML(clid, pw, cltrid)                                            \
    EPP_OPEN "<command><login><clID>" clid "</clID><pw>" pw "</pw>"            \
             "<options><version>1.0</version><lang>en</lang></options>"        \
             "<svcs><objURI>" DOMAIN_NS "</objURI>"                            \
             "<svcExtension><extURI>" SECDNS_NS "</extURI></svcExtension>"     \
             "</svcs></login><clTRID>" cltrid "</clTRID></command></epp>"

#define LOGINSEC_NS "urn:ietf:params:xml:ns:epp:loginSec-1.0"
#define UNHANDLED_NS "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"
#define EXT_NS "urn:example:ext-1.0"

/* A login using RFC 8807: the real password in <loginSec:pw>, after the
 * user agent `ua` (the children of <loginSec:loginSec> before it), asking
 * for the extension URIs `ext` (<extURI> elements). */
#define LOGINSEC_LOGIN_XML(ua, ext)                                            \
    EPP_OPEN "<command><login><clID>registrar1</clID><pw>[LOGIN-SECURITY]</pw>" \
             "<options><version>1.0</version><lang>en</lang></options>"        \
             "<svcs><objURI>" DOMAIN_NS "</objURI>"                            \
             "<svcExtension>" ext "</svcExtension></svcs></login>"             \
             "<extension><loginSec:loginSec xmlns:loginSec=\"" LOGINSEC_NS "\">" \
             ua "<loginSec:pw>this is a long password</loginSec:pw>"           \
             "</loginSec:loginSec></extension><clTRID>LS-1</clTRID></command></epp>"
#define USER_AGENT_XML                                                         \
    "<loginSec:userAgent><loginSec:app>EPP SDK 1.0.0</loginSec:app>"           \
    "<loginSec:tech>Vendor Java 11.0.6</loginSec:tech>"                        \
    "<loginSec:os>x86_64 Mac OS X 10.21</loginSec:os></loginSec:userAgent>"

/* A login asking for the example extension EXT_NS. */
#define EXT_LOGIN_XML                                                          \
    EPP_OPEN "<command><login><clID>registrar1</clID><pw>secret-pw1</pw>"      \
             "<options><version>1.0</version><lang>en</lang></options>"        \
             "<svcs><objURI>" DOMAIN_NS "</objURI>"                            \
             "<svcExtension><extURI>" EXT_NS "</extURI></svcExtension>"        \
             "</svcs></login><clTRID>X-1</clTRID></command></epp>"

/* An RFC 3735 protocol extension: two elements of EXT_NS. */
#define PING_XML                                                               \
    EPP_OPEN "<extension><x:ping xmlns:x=\"" EXT_NS "\"><x:clTRID>P-1</x:clTRID>" \
             "</x:ping><x:note xmlns:x=\"" EXT_NS "\">two</x:note></extension></epp>"

#define HELLO_XML EPP_OPEN "<hello/></epp>"
#define POLL_REQ_XML EPP_OPEN "<command><poll op=\"req\"/><clTRID>P-1</clTRID></command></epp>"
#define POLL_ACK_XML(id) EPP_OPEN "<command><poll op=\"ack\" msgID=\"" id "\"/><clTRID>A-1</clTRID></command></epp>"
#define LOGOUT_XML EPP_OPEN "<command><logout/><clTRID>L-1</clTRID></command></epp>"
#define CHECK_XML                                                              \
    EPP_OPEN "<command><check><domain:check xmlns:domain=\"" DOMAIN_NS "\">"   \
             "<domain:name>example.com</domain:name></domain:check></check>"   \
             "<clTRID>C-1</clTRID></command></epp>"
#define TRANSFER_XML                                                           \
    EPP_OPEN "<command><transfer op=\"query\"><domain:transfer xmlns:domain=\"" \
             DOMAIN_NS "\"><domain:name>example.com</domain:name>"             \
             "</domain:transfer></transfer></command></epp>"

/* ------------------------------------------------------------------ */
/* Session helpers                                                      */
/* ------------------------------------------------------------------ */

/* The test config, with optional extra limits (pairs of epp_limit and
 * value, ended by 0). */
static epp_config *make_config_with(bool log, const uint64_t *limits) {
    epp_config_builder *b = NULL;
    epp_config *c = NULL;
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_object_uri(b, S(CONTACT_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    OK(epp_config_builder_set_sv_trid_prefix(b, S("CTEST")));
    OK(epp_config_builder_set_sv_trid_epoch(b, 42));
    OK(epp_config_builder_set_transaction_log(b, log));
    for (; limits && limits[0] != 0; limits += 2)
        OK(epp_config_builder_set_limit(b, (epp_limit)limits[0], limits[1]));
    OK(epp_config_builder_build(b, &c));
    epp_config_builder_free(b);
    CHECK(c != NULL);
    return c;
}

/* A server on the test config, with a registrar counter or none; the
 * config is freed at once (the server keeps its own reference). */
static epp_server *make_server_with(epp_registrar_sessions *counter, bool log, const uint64_t *limits) {
    epp_config *c = make_config_with(log, limits);
    epp_server *srv = NULL;
    OK(epp_server_new(c, T0, counter, &srv));
    epp_config_free(c);
    CHECK(srv != NULL);
    return srv;
}

static epp_server *make_server(epp_registrar_sessions *counter, bool log) {
    return make_server_with(counter, log, NULL);
}

/* Writes the RFC 5734 frame holding `xml` to `f` (room for strlen(xml) + 4
 * bytes); returns its length. */
static size_t frame_into(unsigned char *f, const char *xml) {
    size_t n = strlen(xml);
    uint32_t len = (uint32_t)(n + 4);
    f[0] = (unsigned char)(len >> 24);
    f[1] = (unsigned char)(len >> 16);
    f[2] = (unsigned char)(len >> 8);
    f[3] = (unsigned char)len;
    memcpy(f + 4, xml, n);
    return n + 4;
}

/* Feeds one frame holding `xml`. */
static void feed_xml(epp_session *s, const char *xml, uint64_t now) {
    unsigned char *f = malloc(strlen(xml) + 4);
    size_t n = frame_into(f, xml);
    OK(epp_session_feed_input(s, f, n, now));
    free(f);
}

/* Takes every pending output byte; returns the frames' XML, each frame
 * NUL-terminated and the whole list ended by an empty string. */
static char *drain(epp_session *s) {
    const uint8_t *p = NULL;
    size_t n = 0, pos = 0, outlen = 0;
    char *out;
    OK(epp_session_take_output(s, &p, &n));
    out = calloc(n + 2, 1);
    while (pos + 4 <= n) {
        size_t flen = ((size_t)p[pos] << 24) | ((size_t)p[pos + 1] << 16) |
                      ((size_t)p[pos + 2] << 8) | (size_t)p[pos + 3];
        CHECK(flen >= 5 && pos + flen <= n);
        if (flen < 5 || pos + flen > n)
            break;
        memcpy(out + outlen, p + pos + 4, flen - 4);
        outlen += flen - 4;
        out[outlen++] = '\0';
        pos += flen;
    }
    CHECK(pos == n);
    out[outlen] = '\0';
    OK(epp_session_consume_output(s, n));
    return out;
}

/* Drains the output and checks it is exactly one frame containing every
 * needle. */
static void expect_frame(epp_session *s, const char *needle1, const char *needle2) {
    char *out = drain(s);
    CHECK(out[0] != '\0');
    CHECK(out[strlen(out) + 1] == '\0'); /* one frame */
    if (needle1 && !strstr(out, needle1)) {
        fprintf(stderr, "frame lacks %s: %s\n", needle1, out);
        check_failures++;
    }
    if (needle2 && !strstr(out, needle2)) {
        fprintf(stderr, "frame lacks %s: %s\n", needle2, out);
        check_failures++;
    }
    free(out);
}

static epp_request *next_request(epp_session *s, epp_request_kind want) {
    epp_request *r = NULL;
    epp_request_kind k = 0;
    OK(epp_session_poll_queue(s, &r));
    CHECK(r != NULL);
    if (!r)
        return NULL;
    OK(epp_request_get_kind(r, &k));
    CHECK(k == want);
    return r;
}

static uint64_t req_id(const epp_request *r) {
    uint64_t id = 0;
    OK(epp_request_get_id(r, &id));
    return id;
}

static void expect_queue_empty(epp_session *s) {
    epp_request *r = (epp_request *)1;
    OK(epp_session_poll_queue(s, &r));
    CHECK(r == NULL);
}

/* A session logged in as registrar1; the greeting and login response are
 * drained. */
static epp_session *logged_in(const epp_server *c) {
    epp_session *s = NULL;
    epp_request *r;
    uint16_t code = 0;
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "ABC-1"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    CHECK(code == 1000);
    epp_request_free(r);
    expect_frame(s, "<result code=\"1000\">", NULL);
    return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_version(void) {
    char macro[64];
    const char *v = epp_version();
    snprintf(macro, sizeof macro, "%d.%d.%d", EPP_VERSION_MAJOR,
             EPP_VERSION_MINOR, EPP_VERSION_PATCH);
    CHECK(v != NULL);
    CHECK(strcmp(v, macro) == 0);
    CHECK(strcmp(v, EXPECTED_VERSION) == 0);
    CHECK(strcmp(macro, EXPECTED_VERSION) == 0);
}

/* Every epp_result value, in ascending order. */
static const epp_result ALL_RESULTS[] = {
    EPP_RESULT_OK,
    EPP_RESULT_PANIC,
    EPP_RESULT_NULL_PARAMETER,
    EPP_RESULT_INVALID_LENGTH,
    EPP_RESULT_INSUFFICIENT_SIZE,
    EPP_RESULT_INVALID_UTF8,
    EPP_RESULT_INVALID_ARGUMENT,
    EPP_RESULT_INDEX_OUT_OF_RANGE,
    EPP_RESULT_NOT_APPLICABLE,
    EPP_RESULT_INVALID_CONFIG,
    EPP_RESULT_SESSION_CLOSED,
    EPP_RESULT_UNKNOWN_REQUEST,
    EPP_RESULT_WRONG_ANSWER,
    EPP_RESULT_INVALID_XML,
    EPP_RESULT_INVALID_ANSWER,
    EPP_RESULT_ALREADY_ANSWERED,
    EPP_RESULT_INPUT_AFTER_EOF,
    EPP_RESULT_INPUT_BUFFER_FULL,
    EPP_RESULT_WRONG_STATE,
    EPP_RESULT_SERVICE_NOT_OFFERED,
    EPP_RESULT_NO_OBJECT_SERVICE,
    EPP_RESULT_VERSION_NOT_OFFERED,
    EPP_RESULT_LANGUAGE_NOT_OFFERED,
    EPP_RESULT_PASSWORD_TOO_LONG,
    EPP_RESULT_NOT_LOGGED_IN_WITH,
    EPP_RESULT_INVALID_COMMAND,
};
#define N_RESULTS (sizeof ALL_RESULTS / sizeof ALL_RESULTS[0])

static void test_result_describe(void) {
    char buf[EPP_RESULT_DESCRIBE_MAX];
    size_t n = 12345, i, described = 0;
    unsigned v;
    /* The list above is complete: describe accepts exactly its values. */
    for (v = 0; v < 100000; v++) {
        epp_result r = epp_result_describe(v, buf, sizeof buf, &n);
        if (r == EPP_RESULT_OK) {
            bool listed = false;
            for (i = 0; i < N_RESULTS; i++)
                listed |= ALL_RESULTS[i] == v;
            CHECK(listed);
            CHECK(n > 0 && n < sizeof buf && strlen(buf) == n);
            described++;
        } else {
            CHECK(r == EPP_RESULT_INVALID_ARGUMENT);
        }
    }
    CHECK(described == N_RESULTS);

    OK(epp_result_describe(EPP_RESULT_OK, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "success") == 0 && n == 7);
    /* Too small: nothing written, out-parameter untouched. */
    memset(buf, 'x', sizeof buf);
    n = 999;
    EXPECT(epp_result_describe(EPP_RESULT_OK, buf, 7, &n), EPP_RESULT_INSUFFICIENT_SIZE);
    CHECK(buf[0] == 'x' && n == 999);
    OK(epp_result_describe(EPP_RESULT_OK, buf, 8, &n)); /* exactly fits */
    EXPECT(epp_result_describe(EPP_RESULT_OK, buf, 0, &n), EPP_RESULT_INSUFFICIENT_SIZE);
    EXPECT(epp_result_describe(EPP_RESULT_OK, NULL, 8, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_result_describe(EPP_RESULT_OK, buf, 8, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_result_describe(EPP_RESULT_OK, buf, SIZE_MAX, &n), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_result_describe(12345, buf, sizeof buf, &n), EPP_RESULT_INVALID_ARGUMENT);
    CHECK(n == 8 - 1);
}

static void test_config_builder(void) {
    epp_config_builder *b = NULL, *untouched = (epp_config_builder *)&b;
    epp_config *c = NULL, *c2 = NULL;
    epp_server *srv = NULL;
    epp_session *s = NULL;
    const char *p = NULL;
    size_t n = 0;
    char *out;

    /* Argument checks. */
    EXPECT(epp_config_builder_new(NULL, 0, &b), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_config_builder_new(S("server"), NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_config_builder_new("server", SIZE_MAX, &b), EPP_RESULT_INVALID_LENGTH);
    b = untouched;
    EXPECT(epp_config_builder_new(S("bad \xff utf-8"), &b), EPP_RESULT_INVALID_UTF8);
    CHECK(b == untouched);

    OK(epp_config_builder_new(S("Example Registry EPP"), &b));
    /* No object URI yet: refused, with a reason. */
    c = (epp_config *)untouched;
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    CHECK(c == (epp_config *)untouched);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && n > 0 && has(p, n, "object_uris"));

    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    OK(epp_config_builder_add_version(b, S("1.0")));
    OK(epp_config_builder_add_language(b, S("en")));
    OK(epp_config_builder_add_language(b, S("fr")));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_FRAME_SIZE, 65536));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_IN_FLIGHT, 8));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_PENDING_OUTPUT, 1 << 20));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_FAILED_LOGINS, 2));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_LOGIN_DEADLINE_MS, 30000));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_IDLE_TIMEOUT_MS, 120000));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_XML_DEPTH, 32));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_XML_ATTRIBUTES, 16));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_XML_TEXT, 4096));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_BUFFERED_INPUT, 65535));
    EXPECT(epp_config_builder_set_limit(b, 0, 1), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_config_builder_set_limit(b, 999, 1), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_FRAME_SIZE, 1ull << 40),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_config_builder_set_limit(NULL, EPP_LIMIT_MAX_FRAME_SIZE, 1), EPP_RESULT_NULL_PARAMETER);

    /* DCP: access, two statements (the first replaces the default), a
     * recDesc, an expiry. */
    EXPECT(epp_config_builder_add_dcp_ours_description(b, S("not yet")), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_config_builder_set_dcp_access(b, EPP_DCP_ACCESS_PERSONAL_AND_OTHER));
    EXPECT(epp_config_builder_set_dcp_access(b, 77), EPP_RESULT_INVALID_ARGUMENT);
    OK(epp_config_builder_add_dcp_statement(b, EPP_DCP_PURPOSE_ADMIN | EPP_DCP_PURPOSE_PROV,
                                            EPP_DCP_RECIPIENT_OURS | EPP_DCP_RECIPIENT_PUBLIC,
                                            EPP_DCP_RETENTION_STATED));
    OK(epp_config_builder_add_dcp_ours_description(b, S("Registry staff")));
    OK(epp_config_builder_add_dcp_statement(b, EPP_DCP_PURPOSE_CONTACT, EPP_DCP_RECIPIENT_SAME,
                                            EPP_DCP_RETENTION_LEGAL));
    EXPECT(epp_config_builder_add_dcp_statement(b, 1u << 20, EPP_DCP_RECIPIENT_SAME,
                                                EPP_DCP_RETENTION_LEGAL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_config_builder_add_dcp_statement(b, EPP_DCP_PURPOSE_ADMIN, 1u << 20,
                                                EPP_DCP_RETENTION_LEGAL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_config_builder_add_dcp_statement(b, EPP_DCP_PURPOSE_ADMIN, EPP_DCP_RECIPIENT_SAME, 0),
           EPP_RESULT_INVALID_ARGUMENT);
    OK(epp_config_builder_set_dcp_expiry_absolute(b, T0));
    OK(epp_config_builder_set_dcp_expiry_relative(b, 86400000));

    /* The buffered input bound is below the frame size. */
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && has(p, n, "max_buffered_input"));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_BUFFERED_INPUT, 65536));

    OK(epp_config_builder_build(b, &c));
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p == NULL && n == 0); /* the last build succeeded */
    /* The builder builds again, independently. */
    OK(epp_config_builder_add_language(b, S("not a language!")));
    EXPECT(epp_config_builder_build(b, &c2), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && has(p, n, "language"));
    epp_config_builder_free(b);

    /* A server: argument checks, then the greeting shows the settings. */
    EXPECT(epp_server_new(NULL, T0, NULL, &srv), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_server_new(c, T0, NULL, NULL), EPP_RESULT_NULL_PARAMETER);
    CHECK(srv == NULL);
    OK(epp_server_new(c, T0, NULL, &srv));
    epp_config_free(c); /* the server keeps its own reference */
    OK(epp_session_new(srv, T0, &s));
    epp_server_free(srv); /* the session keeps its own reference */
    out = drain(s);
    CHECK(strstr(out, "<svID>Example Registry EPP</svID>") != NULL);
    CHECK(strstr(out, "<svDate>2027-01-15T08:00:00.000Z</svDate>") != NULL);
    CHECK(strstr(out, "<lang>en</lang><lang>fr</lang>") != NULL);
    CHECK(strstr(out, "<extURI>" SECDNS_NS "</extURI>") != NULL);
    CHECK(strstr(out, "<personalAndOther/>") != NULL);
    CHECK(strstr(out, "<ours><recDesc>Registry staff</recDesc></ours>") != NULL);
    CHECK(strstr(out, "<contact/>") != NULL && strstr(out, "<legal/>") != NULL);
    CHECK(strstr(out, "<relative>PT86400S</relative>") != NULL);
    free(out);
    epp_session_free(s);

    /* The same builder, changed and built again: a config of its own. */
    OK(epp_config_builder_new(S("Rebuilt EPP server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    OK(epp_config_builder_set_sv_trid_prefix(b, S("ONE")));
    OK(epp_config_builder_build(b, &c));
    OK(epp_config_builder_set_sv_trid_prefix(b, S("TWO")));
    OK(epp_config_builder_add_version(b, S("1.0")));
    OK(epp_config_builder_add_version(b, S("2.0"))); /* added to the list */
    EXPECT(epp_config_builder_build(b, &c2), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && has(p, n, "2.0"));
    epp_config_builder_free(b);
    {
        epp_session *s1 = NULL;
        epp_request *r;
        uint16_t code = 0;
        OK(epp_server_new(c, T0, NULL, &srv));
        OK(epp_session_new(srv, T0, &s1));
        free(drain(s1));
        feed_xml(s1, LOGIN_XML("registrar1", "secret-pw1", "R-1"), T0);
        r = next_request(s1, EPP_REQUEST_KIND_LOGIN);
        OK(epp_session_answer_login(s1, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
        epp_request_free(r);
        expect_frame(s1, "<svTRID>ONE-", NULL);
        epp_session_free(s1);
        epp_server_free(srv);
        epp_config_free(c);
    }

    /* Freeing NULL is fine. */
    epp_config_builder_free(NULL);
    epp_config_free(NULL);
    epp_server_free(NULL);
}

static void test_full_session(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    epp_request *r;
    epp_poll_message *m = NULL;
    epp_session_state st = 0;
    epp_close_reason why = 99;
    const char *p;
    size_t n, count;
    uint64_t v, timeout;
    uint16_t code = 0;
    bool finished = true;
    char *out;

    OK(epp_session_new(c, T0, &s));
    OK(epp_session_get_state(s, &st));
    CHECK(st == EPP_SESSION_STATE_AWAITING_LOGIN);
    OK(epp_session_get_client_id(s, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_session_get_next_timeout(s, &timeout));
    CHECK(timeout == T0 + 60000);

    /* Greeting. */
    expect_frame(s, "<greeting><svID>libepp C test server</svID>", "<objURI>" DOMAIN_NS "</objURI>");
    {
        const uint8_t *bp = NULL;
        OK(epp_session_take_output(s, &bp, &n));
        CHECK(n == 0);
    }

    /* Login: every getter. */
    feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "ABC-1"), T0 + 10);
    OK(epp_session_get_state(s, &st));
    CHECK(st == EPP_SESSION_STATE_LOGIN_PENDING);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    expect_queue_empty(s);
    OK(epp_request_get_client_id(r, &p, &n));
    CHECK(str_is(p, n, "registrar1"));
    OK(epp_request_get_password(r, &p, &n));
    CHECK(str_is(p, n, "secret-pw1"));
    OK(epp_request_get_new_password(r, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_request_get_lang(r, &p, &n));
    CHECK(str_is(p, n, "en"));
    OK(epp_request_get_obj_uri_count(r, &count));
    CHECK(count == 1);
    OK(epp_request_get_obj_uri(r, 0, &p, &n));
    CHECK(str_is(p, n, DOMAIN_NS));
    EXPECT(epp_request_get_obj_uri(r, 1, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_request_get_ext_uri_count(r, &count));
    CHECK(count == 1);
    OK(epp_request_get_ext_uri(r, 0, &p, &n));
    CHECK(str_is(p, n, SECDNS_NS));
    EXPECT(epp_request_get_ext_uri(r, SIZE_MAX, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_request_get_extension_xml(r, &p, &n));
    CHECK(p == NULL);
    OK(epp_request_get_client_transaction_id(r, &p, &n));
    CHECK(str_is(p, n, "ABC-1"));
    /* The svTRID its response will carry (checked against the frame below). */
    char login_sv[96];
    OK(epp_request_get_server_transaction_id(r, &p, &n));
    CHECK(n > 9 && n < 64 && memcmp(p, "CTEST-42-", 9) == 0);
    snprintf(login_sv, sizeof login_sv, "<clTRID>ABC-1</clTRID><svTRID>%.*s</svTRID>", (int)n, p);
    /* Getters of other kinds. */
    EXPECT(epp_request_get_message_id(r, &v), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_object_xml(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_close_reason(r, &why), EPP_RESULT_NOT_APPLICABLE);
    CHECK(why == 99);
    OK(epp_session_get_next_timeout(s, &timeout));
    CHECK(timeout == EPP_TIMEOUT_NONE); /* the host holds a request */
    /* Wrong answers. */
    EXPECT(epp_session_answer_poll_empty(s, req_id(r)), EPP_RESULT_WRONG_ANSWER);
    EXPECT(epp_session_answer_login(s, req_id(r) + 100, EPP_LOGIN_ANSWER_ACCEPTED, &code),
           EPP_RESULT_UNKNOWN_REQUEST);
    EXPECT(epp_session_answer_login(s, req_id(r), 99, &code), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, NULL),
           EPP_RESULT_NULL_PARAMETER);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && n > 0);
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    CHECK(code == 1000);
    /* Answered already: told apart from an id never issued. */
    EXPECT(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code),
           EPP_RESULT_ALREADY_ANSWERED);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "already answered"));
    epp_request_free(r);
    expect_frame(s, "<result code=\"1000\">", login_sv);
    OK(epp_session_get_state(s, &st));
    CHECK(st == EPP_SESSION_STATE_LOGGED_IN);
    OK(epp_session_get_client_id(s, &p, &n));
    CHECK(str_is(p, n, "registrar1"));
    OK(epp_session_get_next_timeout(s, &timeout));
    CHECK(timeout == T0 + 10 + 600000);

    /* Hello: answered by libepp itself. */
    feed_xml(s, HELLO_XML, T0 + 20);
    expect_queue_empty(s);
    expect_frame(s, "<greeting>", NULL);

    /* Poll req: a message. */
    feed_xml(s, POLL_REQ_XML, T0 + 30);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_request_get_client_transaction_id(r, &p, &n));
    CHECK(str_is(p, n, "P-1"));
    OK(epp_request_get_client_id(r, &p, &n));
    CHECK(str_is(p, n, "registrar1"));
    EXPECT(epp_request_get_password(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_poll_message_new(7, 2, T0, S("Transfer requested."), &m));
    OK(epp_poll_message_set_lang(m, S("en")));
    OK(epp_poll_message_set_res_data(m, NULL, 0));
    OK(epp_poll_message_set_extension(m, NULL, 0));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    epp_poll_message_free(m);
    epp_request_free(r);
    expect_frame(s, "<result code=\"1301\">", "<msgQ count=\"2\" id=\"7\"><qDate>2027-01-15T08:00:00.000Z</qDate><msg lang=\"en\">Transfer requested.</msg></msgQ>");

    /* Poll ack. */
    feed_xml(s, POLL_ACK_XML("7"), T0 + 40);
    r = next_request(s, EPP_REQUEST_KIND_POLL_ACK);
    OK(epp_request_get_message_id(r, &v));
    CHECK(v == 7);
    OK(epp_request_get_client_id(r, &p, &n));
    CHECK(str_is(p, n, "registrar1"));
    OK(epp_session_answer_ack(s, req_id(r), 1));
    epp_request_free(r);
    expect_frame(s, "<result code=\"1000\">", "<msgQ count=\"1\" id=\"7\"/>");

    /* Ack of an unknown message. */
    feed_xml(s, POLL_ACK_XML("8"), T0 + 41);
    r = next_request(s, EPP_REQUEST_KIND_POLL_ACK);
    OK(epp_session_answer_ack_unknown(s, req_id(r)));
    epp_request_free(r);
    expect_frame(s, "<result code=\"2303\">", NULL);

    /* Poll req: empty. */
    feed_xml(s, POLL_REQ_XML, T0 + 50);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_session_answer_poll_empty(s, req_id(r)));
    epp_request_free(r);
    expect_frame(s, "<result code=\"1300\">", NULL);

    /* Logout. */
    feed_xml(s, LOGOUT_XML, T0 + 60);
    expect_frame(s, "<result code=\"1500\">", "<clTRID>L-1</clTRID>");
    r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
    OK(epp_request_get_close_reason(r, &why));
    CHECK(why == EPP_CLOSE_REASON_LOGOUT);
    OK(epp_request_get_close_reason_text(r, &p, &n));
    CHECK(str_is(p, n, "client logged out"));
    EXPECT(epp_request_get_id(r, &v), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_client_transaction_id(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_server_transaction_id(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_client_id(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_close_detail(r, EPP_CLOSE_DETAIL_RESULT_CODE, &v), EPP_RESULT_NOT_APPLICABLE);
    epp_request_free(r);
    expect_queue_empty(s);

    OK(epp_session_get_state(s, &st));
    CHECK(st == EPP_SESSION_STATE_CLOSED);
    OK(epp_session_is_finished(s, &finished));
    CHECK(finished);
    OK(epp_session_get_close_reason(s, &why));
    CHECK(why == EPP_CLOSE_REASON_LOGOUT);
    OK(epp_session_get_close_reason_text(s, &p, &n));
    CHECK(str_is(p, n, "client logged out"));
    EXPECT(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_FRAME_LENGTH, &v), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_session_get_next_timeout(s, &timeout));
    CHECK(timeout == EPP_TIMEOUT_NONE);

    /* Input after the end: refused, sticky, with a reason. */
    {
        const uint8_t junk[4] = {0, 0, 0, 9};
        bool wants = true;
        OK(epp_session_wants_input(s, &wants));
        CHECK(!wants);
        EXPECT(epp_session_feed_input(s, junk, sizeof junk, T0 + 70), EPP_RESULT_SESSION_CLOSED);
        OK(epp_session_get_last_error(s, &p, &n));
        CHECK(p != NULL && has(p, n, "closed"));
    }
    out = drain(s);
    CHECK(out[0] == '\0');
    free(out);
    epp_session_free(s);
    epp_server_free(c);
}

static void test_commands_and_responses(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = logged_in(c);
    epp_request *r, *r2;
    epp_response *resp = NULL;
    epp_command_verb verb = 0;
    epp_transfer_op op = 99;
    const char *p;
    size_t n;
    uint64_t id;

    /* A check command. */
    feed_xml(s, CHECK_XML, T0 + 100);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    OK(epp_request_get_command_verb(r, &verb));
    CHECK(verb == EPP_COMMAND_VERB_CHECK);
    OK(epp_request_get_transfer_op(r, &op));
    CHECK(op == EPP_TRANSFER_OP_NONE);
    OK(epp_request_get_object_uri(r, &p, &n));
    CHECK(str_is(p, n, DOMAIN_NS));
    OK(epp_request_get_object_xml(r, &p, &n));
    CHECK(has(p, n, "<domain:name>example.com</domain:name>"));
    OK(epp_request_get_ext_uri_count(r, &n));
    CHECK(n == 0);
    OK(epp_request_get_extension_xml(r, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_request_get_client_transaction_id(r, &p, &n));
    CHECK(str_is(p, n, "C-1"));
    EXPECT(epp_request_get_obj_uri_count(r, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_password(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_request_get_client_id(r, &p, &n)); /* the logged-in client */
    CHECK(str_is(p, n, "registrar1"));
    id = req_id(r);

    /* Response builder: argument checks. */
    EXPECT(epp_response_new(1234, &resp), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_response_new(1000, NULL), EPP_RESULT_NULL_PARAMETER);
    CHECK(resp == NULL);

    /* Bad XML in a value: refused, the request stays outstanding. */
    OK(epp_response_new(2303, &resp));
    OK(epp_response_add_value(resp, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">unclosed")));
    EXPECT(epp_session_answer_command(s, id, resp), EPP_RESULT_INVALID_XML);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && n > 0);
    epp_response_free(resp);

    /* A bad language tag. */
    OK(epp_response_new(1000, &resp));
    OK(epp_response_set_lang(resp, S("not a language!")));
    EXPECT(epp_session_answer_command(s, id, resp), EPP_RESULT_INVALID_ANSWER);
    epp_response_free(resp);

    /* A full response: two results, values, extValue, resData. */
    OK(epp_response_new(1000, &resp));
    OK(epp_response_set_message(resp, S("Checked")));
    OK(epp_response_set_lang(resp, S("en")));
    OK(epp_response_set_res_data(resp, S("<domain:chkData xmlns:domain=\"" DOMAIN_NS "\">"
                                         "<domain:cd><domain:name avail=\"1\">example.com</domain:name>"
                                         "</domain:cd></domain:chkData>")));
    OK(epp_response_set_extension(resp, NULL, 0));
    OK(epp_response_add_result(resp, 2306));
    OK(epp_response_add_value(resp, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">a.example</domain:name>")));
    OK(epp_response_add_ext_value(resp, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">b.example</domain:name>"),
                                  S("reserved name")));
    EXPECT(epp_response_add_result(resp, 3000), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_response_set_message(resp, NULL, 5), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_response_set_message(resp, S("\xc3\x28")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_session_answer_poll_empty(s, id), EPP_RESULT_WRONG_ANSWER);
    OK(epp_session_answer_command(s, id, resp));
    EXPECT(epp_session_answer_command(s, id, resp), EPP_RESULT_ALREADY_ANSWERED);
    EXPECT(epp_session_answer_failure(s, id, NULL, 0), EPP_RESULT_ALREADY_ANSWERED);
    EXPECT(epp_session_answer_command(s, id + 1000, resp), EPP_RESULT_UNKNOWN_REQUEST);
    epp_response_free(resp);
    epp_request_free(r);
    {
        char *out = drain(s);
        CHECK(strstr(out, "<result code=\"1000\"><msg") != NULL && strstr(out, ">Checked</msg></result>") != NULL);
        CHECK(strstr(out, "<result code=\"2306\">") != NULL);
        CHECK(strstr(out, "<value><domain:name") != NULL);
        CHECK(strstr(out, "<reason>reserved name</reason>") != NULL);
        CHECK(strstr(out, "<resData><domain:chkData") != NULL);
        CHECK(strstr(out, "<clTRID>C-1</clTRID>") != NULL);
        free(out);
    }

    /* Pipelining: two commands, answered out of order, written in order. */
    feed_xml(s, TRANSFER_XML, T0 + 200);
    feed_xml(s, CHECK_XML, T0 + 201);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    r2 = next_request(s, EPP_REQUEST_KIND_COMMAND);
    OK(epp_request_get_command_verb(r, &verb));
    CHECK(verb == EPP_COMMAND_VERB_TRANSFER);
    OK(epp_request_get_transfer_op(r, &op));
    CHECK(op == EPP_TRANSFER_OP_QUERY);
    OK(epp_request_get_client_transaction_id(r, &p, &n));
    CHECK(p == NULL && n == 0);
    {
        size_t outstanding = 0;
        OK(epp_session_get_outstanding(s, &outstanding));
        CHECK(outstanding == 2);
    }
    OK(epp_response_new(2101, &resp));
    OK(epp_session_answer_command(s, req_id(r2), resp));
    expect_queue_empty(s);
    {
        char *out = drain(s);
        CHECK(out[0] == '\0'); /* waits for the transfer's answer */
        free(out);
    }
    OK(epp_session_answer_failure(s, req_id(r), S("database down")));
    epp_response_free(resp);
    epp_request_free(r);
    epp_request_free(r2);
    {
        char *out = drain(s);
        char *second = out + strlen(out) + 1;
        CHECK(strstr(out, "<result code=\"2400\"><msg>database down</msg>") != NULL);
        CHECK(strstr(second, "<result code=\"2101\">") != NULL);
        free(out);
    }

    /* A 25xx response closes the session. */
    feed_xml(s, CHECK_XML, T0 + 300);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    OK(epp_response_new(2500, &resp));
    OK(epp_session_answer_command(s, req_id(r), resp));
    epp_response_free(resp);
    epp_request_free(r);
    expect_frame(s, "<result code=\"2500\">", NULL);
    {
        epp_close_reason why = 0;
        uint64_t v = 0;
        OK(epp_session_get_close_reason(s, &why));
        CHECK(why == EPP_CLOSE_REASON_CLOSING_RESPONSE);
        OK(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_RESULT_CODE, &v));
        CHECK(v == 2500);
        EXPECT(epp_session_get_close_detail(s, 0, &v), EPP_RESULT_INVALID_ARGUMENT);
        r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
        OK(epp_request_get_close_detail(r, EPP_CLOSE_DETAIL_RESULT_CODE, &v));
        CHECK(v == 2500);
        epp_request_free(r);
    }
    epp_session_free(s);
    epp_server_free(c);
}

static void test_output_and_input_sizes(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    const uint8_t *p = NULL, *p2 = NULL;
    size_t n = 0, n2 = 0, held = 99;
    uint8_t byte = 0;
    bool wants = false;

    OK(epp_session_new(c, T0, &s));
    OK(epp_session_take_output(s, &p, &n));
    CHECK(n > 100 && p[0] == 0 && p[1] == 0);
    /* Partial consumption. */
    OK(epp_session_consume_output(s, 10));
    OK(epp_session_take_output(s, &p2, &n2));
    CHECK(n2 == n - 10);
    EXPECT(epp_session_consume_output(s, n2 + 1), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_session_consume_output(s, SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    OK(epp_session_consume_output(s, n2));
    OK(epp_session_take_output(s, &p2, &n2));
    CHECK(n2 == 0);
    OK(epp_session_consume_output(s, 0));
    EXPECT(epp_session_take_output(s, NULL, &n2), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_session_take_output(s, &p2, NULL), EPP_RESULT_NULL_PARAMETER);

    /* Input: NULL, huge lengths. */
    EXPECT(epp_session_feed_input(s, NULL, 0, T0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_session_feed_input(s, &byte, SIZE_MAX, T0), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_session_feed_input(s, &byte, (size_t)PTRDIFF_MAX + 1, T0), EPP_RESULT_INVALID_LENGTH);
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 0);
    OK(epp_session_wants_input(s, &wants));
    CHECK(wants);
    /* A header split over calls: every byte is taken and held. */
    OK(epp_session_feed_input(s, &byte, 1, T0));
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 1);
    OK(epp_session_feed_input(s, &byte, 0, T0));
    OK(epp_session_feed_input(s, &byte, 1, T0));
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 2);
    OK(epp_session_wants_input(s, &wants));
    CHECK(wants);
    epp_session_free(s);

    /* A frame length over the limit: 2500, and the details. */
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    {
        const uint8_t huge[4] = {0x7f, 0, 0, 0};
        uint64_t v = 0;
        epp_request *r;
        OK(epp_session_feed_input(s, huge, 4, T0));
        expect_frame(s, "<result code=\"2500\">", NULL);
        OK(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_FRAME_LENGTH, &v));
        CHECK(v == 0x7f000000u);
        OK(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_FRAME_LIMIT, &v));
        CHECK(v == 262144);
        r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
        OK(epp_request_get_close_detail(r, EPP_CLOSE_DETAIL_FRAME_LIMIT, &v));
        CHECK(v == 262144);
        EXPECT(epp_request_get_close_detail(r, EPP_CLOSE_DETAIL_BYTES_RECEIVED, &v), EPP_RESULT_NOT_APPLICABLE);
        EXPECT(epp_request_get_close_detail(r, 42, &v), EPP_RESULT_INVALID_ARGUMENT);
        epp_request_free(r);
    }
    epp_session_free(s);

    /* The peer closes inside a frame. */
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    {
        const uint8_t partial[6] = {0, 0, 0, 50, '<', 'e'};
        epp_close_reason why = 0;
        uint64_t v = 0;
        bool finished = false;
        OK(epp_session_feed_input(s, partial, sizeof partial, T0));
        OK(epp_session_get_buffered_input(s, &held));
        CHECK(held == sizeof partial);
        OK(epp_session_handle_eof(s, T0 + 1));
        OK(epp_session_get_close_reason(s, &why));
        CHECK(why == EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME);
        OK(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_BYTES_RECEIVED, &v));
        CHECK(v == 6);
        OK(epp_session_is_finished(s, &finished));
        CHECK(finished);
        OK(epp_session_get_buffered_input(s, &held));
        CHECK(held == 0);
    }
    epp_session_free(s);

    /* The peer closes between frames. */
    OK(epp_session_new(c, T0, &s));
    OK(epp_session_handle_eof(s, T0 + 1));
    {
        epp_close_reason why = 0;
        OK(epp_session_get_close_reason(s, &why));
        CHECK(why == EPP_CLOSE_REASON_PEER_CLOSED);
    }
    epp_session_free(s);

    /* The host closes: the greeting not yet taken is dropped. */
    OK(epp_session_new(c, T0, &s));
    OK(epp_session_take_output(s, &p, &n));
    CHECK(n > 100);
    OK(epp_session_close(s));
    p = NULL;
    n = 12345;
    OK(epp_session_take_output(s, &p, &n));
    CHECK(n == 0);
    EXPECT(epp_session_consume_output(s, 1), EPP_RESULT_INVALID_LENGTH);
    {
        epp_close_reason why = 0;
        bool finished = false;
        OK(epp_session_get_close_reason(s, &why));
        CHECK(why == EPP_CLOSE_REASON_HOST);
        OK(epp_session_is_finished(s, &finished));
        CHECK(finished);
        OK(epp_session_wants_input(s, &wants));
        CHECK(!wants);
        EXPECT(epp_session_feed_input(s, &byte, 1, T0), EPP_RESULT_SESSION_CLOSED);
    }
    epp_session_free(s);

    /* The host closes with a response half written: the rest is dropped. */
    s = logged_in(c);
    feed_xml(s, HELLO_XML, T0 + 1);
    OK(epp_session_take_output(s, &p, &n));
    CHECK(n > 100);
    OK(epp_session_consume_output(s, n / 2));
    OK(epp_session_close(s));
    OK(epp_session_take_output(s, &p, &n));
    CHECK(n == 0);
    epp_session_free(s);
    epp_server_free(c);
}

/* The session takes every byte: what it cannot handle yet waits behind a
 * login with the host, and the end of input waits for it. */
static void test_buffered_input(void) {
    static const uint64_t small[] = {EPP_LIMIT_MAX_FRAME_SIZE, 1024, EPP_LIMIT_MAX_BUFFERED_INPUT, 2048, 0};
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    epp_request *r;
    unsigned char buf[4096];
    size_t n, held = 0, hello_len;
    int i;
    uint16_t code = 0;
    bool wants = true, finished = true;
    epp_close_reason why = 0;
    const char *p;
    size_t pn;

    /* A login and a hello in one read. */
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    n = frame_into(buf, LOGIN_XML("registrar1", "secret-pw1", "B-1"));
    hello_len = frame_into(buf + n, HELLO_XML);
    n += hello_len;
    OK(epp_session_feed_input(s, buf, n, T0));
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    expect_queue_empty(s);
    /* The hello waits for the login's answer; the host stops reading. */
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == hello_len);
    OK(epp_session_wants_input(s, &wants));
    CHECK(!wants);
    /* The end of input arrives now, and waits too. */
    OK(epp_session_handle_eof(s, T0 + 1));
    OK(epp_session_get_close_reason(s, &why));
    CHECK(why == EPP_CLOSE_REASON_NONE);
    EXPECT(epp_session_feed_input(s, buf, 1, T0 + 2), EPP_RESULT_INPUT_AFTER_EOF);
    OK(epp_session_get_last_error(s, &p, &pn));
    CHECK(has(p, pn, "end of input"));
    /* The answer lets the hello through, then the end of input. */
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    CHECK(code == 1000);
    epp_request_free(r);
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 0);
    {
        char *out = drain(s);
        CHECK(strstr(out, "<result code=\"1000\">") != NULL);
        CHECK(strstr(out + strlen(out) + 1, "<greeting>") != NULL);
        free(out);
    }
    r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
    OK(epp_request_get_close_reason(r, &why));
    CHECK(why == EPP_CLOSE_REASON_PEER_CLOSED);
    epp_request_free(r);
    OK(epp_session_is_finished(s, &finished));
    CHECK(finished);
    epp_session_free(s);
    epp_server_free(c);

    /* The bound on held input. A feed made while the session wants input
     * is always taken, whatever its size: 30 hellos in one read. */
    c = make_server_with(NULL, false, small);
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    for (n = 0, i = 0; i < 30; i++)
        n += frame_into(buf + n, HELLO_XML);
    CHECK(n > 2048 && n <= sizeof buf);
    OK(epp_session_feed_input(s, buf, n, T0));
    {
        char *out = drain(s), *f = out;
        int greetings = 0;
        for (; *f; f += strlen(f) + 1)
            greetings += strstr(f, "<greeting>") != NULL;
        CHECK(greetings == 30);
        free(out);
    }
    /* While a login is with the host, the session wants no input; a feed
     * then that would hold more than the bound is refused whole. */
    feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "B-2"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_wants_input(s, &wants));
    CHECK(!wants);
    EXPECT(epp_session_feed_input(s, buf, 2049, T0), EPP_RESULT_INPUT_BUFFER_FULL);
    OK(epp_session_get_last_error(s, &p, &pn));
    CHECK(has(p, pn, "2048"));
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 0);
    OK(epp_session_feed_input(s, buf, 600, T0)); /* within the bound: held */
    EXPECT(epp_session_feed_input(s, buf, 1449, T0), EPP_RESULT_INPUT_BUFFER_FULL);
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 600);
    OK(epp_session_feed_input(s, buf + 600, 1448, T0)); /* exactly the bound */
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held == 2048);
    /* The answer lets the 2048 bytes (hellos) through. */
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    epp_request_free(r);
    OK(epp_session_get_buffered_input(s, &held));
    CHECK(held < 100); /* an unfinished hello */
    OK(epp_session_wants_input(s, &wants));
    CHECK(wants);
    epp_session_free(s);
    epp_server_free(c);
}

static void test_timeouts(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    uint64_t at = 0;
    bool closed = true;
    epp_close_reason why = 0;
    epp_request *r;

    OK(epp_session_new(c, T0, &s));
    OK(epp_session_get_next_timeout(s, &at));
    CHECK(at == T0 + 60000);
    OK(epp_session_handle_timeout(s, at - 1, &closed));
    CHECK(!closed);
    EXPECT(epp_session_handle_timeout(s, at, NULL), EPP_RESULT_NULL_PARAMETER);
    OK(epp_session_handle_timeout(s, at, &closed));
    CHECK(closed);
    OK(epp_session_get_close_reason(s, &why));
    CHECK(why == EPP_CLOSE_REASON_LOGIN_DEADLINE);
    r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
    OK(epp_request_get_close_reason(r, &why));
    CHECK(why == EPP_CLOSE_REASON_LOGIN_DEADLINE);
    epp_request_free(r);
    epp_session_free(s);

    s = logged_in(c);
    OK(epp_session_get_next_timeout(s, &at));
    CHECK(at == T0 + 600000);
    OK(epp_session_handle_timeout(s, at, &closed));
    CHECK(closed);
    OK(epp_session_get_close_reason(s, &why));
    CHECK(why == EPP_CLOSE_REASON_IDLE_TIMEOUT);
    epp_session_free(s);
    epp_server_free(c);
}

static void test_failed_logins(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    epp_request *r;
    uint16_t code = 0;
    int i;
    const uint16_t want[3] = {2200, 2200, 2501};

    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    for (i = 0; i < 3; i++) {
        feed_xml(s, LOGIN_XML("registrar1", "wrong-password", "F-1"), T0 + (uint64_t)i);
        r = next_request(s, EPP_REQUEST_KIND_LOGIN);
        OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_BAD_CREDENTIALS, &code));
        CHECK(code == want[i]);
        epp_request_free(r);
    }
    {
        epp_close_reason why = 0;
        OK(epp_session_get_close_reason(s, &why));
        CHECK(why == EPP_CLOSE_REASON_TOO_MANY_FAILED_LOGINS);
    }
    epp_session_free(s);

    /* The other login answers. */
    {
        const epp_login_answer answers[3] = {EPP_LOGIN_ANSWER_ACCOUNT_DISABLED, EPP_LOGIN_ANSWER_FAILED,
                                             EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED};
        const uint16_t codes[3] = {2201, 2400, 2502};
        for (i = 0; i < 3; i++) {
            OK(epp_session_new(c, T0, &s));
            free(drain(s));
            feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "X-1"), T0);
            r = next_request(s, EPP_REQUEST_KIND_LOGIN);
            OK(epp_session_answer_login(s, req_id(r), answers[i], &code));
            CHECK(code == codes[i]);
            epp_request_free(r);
            expect_frame(s, i == 0 ? "<result code=\"2201\">" : i == 1 ? "<result code=\"2400\">"
                                                                      : "<result code=\"2502\">",
                         NULL);
            epp_session_free(s);
        }
    }
    epp_server_free(c);
}

static void test_registrar_sessions(void) {
    epp_registrar_sessions *counter = NULL;
    epp_server *c;
    epp_session *a, *b = NULL;
    epp_request *r;
    size_t count = 99, max = 0;
    uint16_t code = 0;

    EXPECT(epp_registrar_sessions_new(1, NULL), EPP_RESULT_NULL_PARAMETER);
    OK(epp_registrar_sessions_new(1, &counter));
    OK(epp_registrar_sessions_get_max_per_client(counter, &max));
    CHECK(max == 1);
    c = make_server(counter, false);
    EXPECT(epp_registrar_sessions_count(NULL, S("registrar1"), &count), EPP_RESULT_NULL_PARAMETER);

    a = logged_in(c);
    OK(epp_registrar_sessions_count(counter, S("registrar1"), &count));
    CHECK(count == 1);
    OK(epp_registrar_sessions_count(counter, S("registrar2"), &count));
    CHECK(count == 0);
    EXPECT(epp_registrar_sessions_count(counter, S("\xff"), &count), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_registrar_sessions_count(counter, S("registrar1"), NULL), EPP_RESULT_NULL_PARAMETER);

    /* The second session of registrar1 is refused with 2502. */
    OK(epp_session_new(c, T0, &b));
    free(drain(b));
    feed_xml(b, LOGIN_XML("registrar1", "secret-pw1", "B-1"), T0);
    r = next_request(b, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login(b, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    CHECK(code == 2502);
    epp_request_free(r);
    expect_frame(b, "<result code=\"2502\">", NULL);
    {
        epp_close_reason why = 0;
        OK(epp_session_get_close_reason(b, &why));
        CHECK(why == EPP_CLOSE_REASON_SESSION_LIMIT_EXCEEDED);
    }
    epp_session_free(b);

    /* A second server sharing the counter: the limit spans both. */
    {
        epp_server *c2 = make_server(counter, false);
        b = NULL;
        OK(epp_session_new(c2, T0, &b));
        free(drain(b));
        feed_xml(b, LOGIN_XML("registrar1", "secret-pw1", "B-2"), T0);
        r = next_request(b, EPP_REQUEST_KIND_LOGIN);
        OK(epp_session_answer_login(b, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
        CHECK(code == 2502);
        epp_request_free(r);
        epp_session_free(b);
        epp_server_free(c2);
    }

    /* Freeing the first session releases its slot. */
    epp_session_free(a);
    OK(epp_registrar_sessions_count(counter, S("registrar1"), &count));
    CHECK(count == 0);
    /* The counter may be freed before the server that uses it. */
    epp_registrar_sessions_free(counter);
    epp_registrar_sessions_free(NULL);
    a = logged_in(c);
    epp_session_free(a);
    epp_server_free(c);

    /* A server without a counter lets every session in. */
    c = make_server(NULL, false);
    a = logged_in(c);
    b = logged_in(c);
    epp_session_free(a);
    epp_session_free(b);
    epp_server_free(c);
}

/* Threads: one shared server and counter. Half the sessions are made on
 * the main thread and moved to workers, the others made by the workers
 * from the shared server; all log in at the same time. */
#define N_THREADS 8
#define MAX_PER_CLIENT 3

struct worker {
    pthread_t thread;
    epp_session *session; /* NULL: the worker makes it */
    const epp_server *server;
    const epp_registrar_sessions *counter;
    pthread_barrier_t *barrier;
    uint16_t code;
    char sv_trid[64];
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    epp_request *r;
    size_t count = 0;
    char *out, *at, *end;
    if (!w->session)
        OK(epp_session_new(w->server, T0, &w->session));
    free(drain(w->session));
    pthread_barrier_wait(w->barrier);
    feed_xml(w->session, LOGIN_XML("registrar1", "secret-pw1", "T-1"), T0);
    r = next_request(w->session, EPP_REQUEST_KIND_LOGIN);
    if (r) {
        OK(epp_session_answer_login(w->session, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &w->code));
        epp_request_free(r);
    }
    OK(epp_registrar_sessions_count(w->counter, S("registrar1"), &count));
    CHECK(count >= 1 && count <= MAX_PER_CLIENT);
    /* The response's svTRID, to check they are all distinct. */
    out = drain(w->session);
    at = strstr(out, "<svTRID>");
    end = at ? strstr(at, "</svTRID>") : NULL;
    CHECK(end != NULL && (size_t)(end - at) < sizeof w->sv_trid + 8);
    if (end && (size_t)(end - at) < sizeof w->sv_trid + 8)
        memcpy(w->sv_trid, at + 8, (size_t)(end - at) - 8);
    free(out);
    /* Everyone holds their session until all have logged in. */
    pthread_barrier_wait(w->barrier);
    return NULL;
}

static void test_threads(void) {
    epp_registrar_sessions *counter = NULL;
    epp_server *c;
    struct worker w[N_THREADS];
    pthread_barrier_t barrier;
    int i, accepted = 0, refused = 0;
    size_t count = 99;

    OK(epp_registrar_sessions_new(MAX_PER_CLIENT, &counter));
    c = make_server(counter, false);
    pthread_barrier_init(&barrier, NULL, N_THREADS);
    for (i = 0; i < N_THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        if (i % 2 == 0)
            OK(epp_session_new(c, T0, &w[i].session));
        w[i].server = c;
        w[i].counter = counter;
        w[i].barrier = &barrier;
    }
    for (i = 0; i < N_THREADS; i++)
        CHECK(pthread_create(&w[i].thread, NULL, worker_main, &w[i]) == 0);
    for (i = 0; i < N_THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        accepted += w[i].code == 1000;
        refused += w[i].code == 2502;
    }
    CHECK(accepted == MAX_PER_CLIENT);
    CHECK(refused == N_THREADS - MAX_PER_CLIENT);
    for (i = 0; i < N_THREADS; i++) {
        int k;
        CHECK(strncmp(w[i].sv_trid, "CTEST-42-", 9) == 0);
        for (k = 0; k < i; k++)
            CHECK(strcmp(w[i].sv_trid, w[k].sv_trid) != 0);
    }
    OK(epp_registrar_sessions_count(counter, S("registrar1"), &count));
    CHECK(count == MAX_PER_CLIENT);
    for (i = 0; i < N_THREADS; i++)
        epp_session_free(w[i].session);
    OK(epp_registrar_sessions_count(counter, S("registrar1"), &count));
    CHECK(count == 0);
    pthread_barrier_destroy(&barrier);
    epp_server_free(c);
    epp_registrar_sessions_free(counter);
}

static void test_transaction_log(void) {
    epp_server *c = make_server(NULL, true);
    epp_session *s = logged_in(c);
    epp_transaction *t = NULL;
    const char *p;
    size_t n;
    uint16_t code = 0;
    uint64_t at = 0;
    bool saw_login = false;

    for (;;) {
        OK(epp_session_poll_transaction(s, &t));
        if (!t)
            break;
        OK(epp_transaction_get_command(t, &p, &n));
        if (str_is(p, n, "login")) {
            saw_login = true;
            OK(epp_transaction_get_result_code(t, &code));
            CHECK(code == 1000);
            OK(epp_transaction_get_client_id(t, &p, &n));
            CHECK(str_is(p, n, "registrar1"));
            OK(epp_transaction_get_client_transaction_id(t, &p, &n));
            CHECK(str_is(p, n, "ABC-1"));
            OK(epp_transaction_get_server_transaction_id(t, &p, &n));
            CHECK(p != NULL && n > 9 && memcmp(p, "CTEST-42-", 9) == 0);
            OK(epp_transaction_get_received_at(t, &at));
            CHECK(at == T0);
        }
        epp_transaction_free(t);
    }
    CHECK(saw_login);

    /* The command names, one per response in order. */
    {
        static const char *const want[] = {"hello", "poll req", "check", "poll ack", "invalid", "logout"};
        epp_request *r;
        epp_response *resp = NULL;
        size_t i = 0;
        feed_xml(s, HELLO_XML, T0 + 1);
        feed_xml(s, POLL_REQ_XML, T0 + 2);
        r = next_request(s, EPP_REQUEST_KIND_POLL);
        OK(epp_session_answer_poll_empty(s, req_id(r)));
        epp_request_free(r);
        feed_xml(s, CHECK_XML, T0 + 3);
        r = next_request(s, EPP_REQUEST_KIND_COMMAND);
        OK(epp_response_new(2101, &resp));
        OK(epp_session_answer_command(s, req_id(r), resp));
        epp_response_free(resp);
        epp_request_free(r);
        feed_xml(s, POLL_ACK_XML("5"), T0 + 4);
        r = next_request(s, EPP_REQUEST_KIND_POLL_ACK);
        OK(epp_session_answer_ack_unknown(s, req_id(r)));
        epp_request_free(r);
        feed_xml(s, EPP_OPEN "<command><frobnicate/></command></epp>", T0 + 5);
        feed_xml(s, LOGOUT_XML, T0 + 6);
        free(drain(s));
        for (;;) {
            OK(epp_session_poll_transaction(s, &t));
            if (!t)
                break;
            OK(epp_transaction_get_command(t, &p, &n));
            CHECK(i < sizeof want / sizeof want[0] && str_is(p, n, want[i]));
            if (i < sizeof want / sizeof want[0] && !str_is(p, n, want[i]))
                fprintf(stderr, "transaction %zu is %.*s, expected %s\n", i, (int)n, p, want[i]);
            i++;
            epp_transaction_free(t);
        }
        CHECK(i == sizeof want / sizeof want[0]);
    }
    EXPECT(epp_session_poll_transaction(s, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_command(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_result_code(NULL, &code), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_client_id(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_client_transaction_id(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_server_transaction_id(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_transaction_get_received_at(NULL, &at), EPP_RESULT_NULL_PARAMETER);
    epp_transaction_free(NULL);
    epp_session_free(s);

    /* Without the log: nothing. */
    epp_server_free(c);
    c = make_server(NULL, false);
    s = logged_in(c);
    t = (epp_transaction *)1;
    OK(epp_session_poll_transaction(s, &t));
    CHECK(t == NULL);
    epp_session_free(s);
    epp_server_free(c);
}

static void test_request_outlives_session(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    epp_request *r;
    const char *p;
    size_t n;
    OK(epp_session_new(c, T0, &s));
    feed_xml(s, LOGIN_XML("registrar9", "pw-of-nine", "Z-1"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    epp_session_free(s);
    epp_server_free(c);
    OK(epp_request_get_client_id(r, &p, &n));
    CHECK(str_is(p, n, "registrar9"));
    OK(epp_request_get_password(r, &p, &n));
    CHECK(str_is(p, n, "pw-of-nine"));
    epp_request_free(r);
}

/* Every export given NULL where a handle or out-parameter belongs. */
static void test_null_arguments(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = logged_in(c);
    epp_request *r;
    epp_config_builder *b = NULL;
    epp_response *resp = NULL;
    epp_poll_message *m = NULL;
    const char *p = (const char *)"sentinel";
    size_t n = 4242;
    uint64_t v = 0;
    uint16_t code = 0;
    bool flag = false;
    const uint8_t *bp;
    epp_session *sout = NULL;
    epp_server *srvout = NULL;

    OK(epp_config_builder_new(S("null test server"), &b));
    OK(epp_response_new(1000, &resp));
    OK(epp_poll_message_new(1, 1, T0, S("m"), &m));
    feed_xml(s, CHECK_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);

#define NUL(call) EXPECT(call, EPP_RESULT_NULL_PARAMETER)
    /* config builder */
    NUL(epp_config_builder_add_version(NULL, S("1.0")));
    NUL(epp_config_builder_add_version(b, NULL, 3));
    NUL(epp_config_builder_add_language(NULL, S("en")));
    NUL(epp_config_builder_add_language(b, NULL, 0));
    NUL(epp_config_builder_add_object_uri(NULL, S(DOMAIN_NS)));
    NUL(epp_config_builder_add_object_uri(b, NULL, 0));
    NUL(epp_config_builder_add_extension_uri(NULL, S(SECDNS_NS)));
    NUL(epp_config_builder_add_extension_uri(b, NULL, 1));
    NUL(epp_config_builder_set_dcp_access(NULL, EPP_DCP_ACCESS_ALL));
    NUL(epp_config_builder_add_dcp_statement(NULL, EPP_DCP_PURPOSE_ADMIN, EPP_DCP_RECIPIENT_OURS,
                                             EPP_DCP_RETENTION_NONE));
    NUL(epp_config_builder_add_dcp_ours_description(NULL, S("x")));
    NUL(epp_config_builder_add_dcp_ours_description(b, NULL, 0));
    NUL(epp_config_builder_set_dcp_expiry_absolute(NULL, T0));
    NUL(epp_config_builder_set_dcp_expiry_relative(NULL, 1));
    NUL(epp_config_builder_set_sv_trid_prefix(NULL, S("P")));
    NUL(epp_config_builder_set_sv_trid_prefix(b, NULL, 0));
    NUL(epp_config_builder_set_sv_trid_epoch(NULL, 1));
    NUL(epp_config_builder_set_transaction_log(NULL, true));
    NUL(epp_config_builder_build(NULL, NULL));
    NUL(epp_config_builder_build(b, NULL));
    NUL(epp_config_builder_get_last_error(NULL, &p, &n));
    NUL(epp_config_builder_get_last_error(b, NULL, &n));
    NUL(epp_config_builder_get_last_error(b, &p, NULL));
    NUL(epp_registrar_sessions_get_max_per_client(NULL, &n));
    /* server */
    NUL(epp_server_new(NULL, T0, NULL, &srvout));
    /* session */
    NUL(epp_session_new(NULL, T0, &sout));
    NUL(epp_session_new(c, T0, NULL));
    NUL(epp_session_feed_input(NULL, (const uint8_t *)"x", 1, T0));
    NUL(epp_session_feed_input(s, NULL, 1, T0));
    NUL(epp_session_wants_input(NULL, &flag));
    NUL(epp_session_wants_input(s, NULL));
    NUL(epp_session_get_buffered_input(NULL, &n));
    NUL(epp_session_get_buffered_input(s, NULL));
    NUL(epp_session_take_output(NULL, &bp, &n));
    NUL(epp_session_consume_output(NULL, 0));
    NUL(epp_session_poll_queue(NULL, &r));
    NUL(epp_session_poll_queue(s, NULL));
    NUL(epp_session_poll_transaction(NULL, NULL));
    NUL(epp_session_answer_login(NULL, 1, EPP_LOGIN_ANSWER_ACCEPTED, &code));
    NUL(epp_session_answer_poll_empty(NULL, 1));
    NUL(epp_session_answer_poll_message(NULL, 1, m));
    NUL(epp_session_answer_poll_message(s, req_id(r), NULL));
    NUL(epp_session_answer_ack(NULL, 1, 0));
    NUL(epp_session_answer_ack_unknown(NULL, 1));
    NUL(epp_session_answer_command(NULL, 1, resp));
    NUL(epp_session_answer_command(s, req_id(r), NULL));
    NUL(epp_session_answer_failure(NULL, 1, NULL, 0));
    NUL(epp_session_answer_failure(s, req_id(r), NULL, 3));
    NUL(epp_session_handle_eof(NULL, T0));
    NUL(epp_session_close(NULL));
    NUL(epp_session_get_next_timeout(NULL, &v));
    NUL(epp_session_get_next_timeout(s, NULL));
    NUL(epp_session_handle_timeout(NULL, T0, &flag));
    NUL(epp_session_get_state(NULL, NULL));
    NUL(epp_session_get_state(s, NULL));
    NUL(epp_session_is_finished(NULL, &flag));
    NUL(epp_session_is_finished(s, NULL));
    NUL(epp_session_get_outstanding(NULL, &n));
    NUL(epp_session_get_outstanding(s, NULL));
    NUL(epp_session_get_client_id(NULL, &p, &n));
    NUL(epp_session_get_client_id(s, NULL, &n));
    NUL(epp_session_get_client_id(s, &p, NULL));
    NUL(epp_session_get_close_reason(NULL, NULL));
    NUL(epp_session_get_close_reason(s, NULL));
    NUL(epp_session_get_close_detail(NULL, EPP_CLOSE_DETAIL_RESULT_CODE, &v));
    NUL(epp_session_get_close_detail(s, EPP_CLOSE_DETAIL_RESULT_CODE, NULL));
    NUL(epp_session_get_close_reason_text(NULL, &p, &n));
    NUL(epp_session_get_close_reason_text(s, &p, NULL));
    NUL(epp_session_get_last_error(NULL, &p, &n));
    NUL(epp_session_get_last_error(s, NULL, &n));
    /* request */
    NUL(epp_request_get_kind(NULL, NULL));
    NUL(epp_request_get_kind(r, NULL));
    NUL(epp_request_get_id(NULL, &v));
    NUL(epp_request_get_id(r, NULL));
    NUL(epp_request_get_client_id(NULL, &p, &n));
    NUL(epp_request_get_password(NULL, &p, &n));
    NUL(epp_request_get_new_password(NULL, &p, &n));
    NUL(epp_request_get_lang(NULL, &p, &n));
    NUL(epp_request_get_obj_uri_count(NULL, &n));
    NUL(epp_request_get_obj_uri(NULL, 0, &p, &n));
    NUL(epp_request_get_ext_uri_count(NULL, &n));
    NUL(epp_request_get_ext_uri_count(r, NULL));
    NUL(epp_request_get_ext_uri(NULL, 0, &p, &n));
    NUL(epp_request_get_extension_xml(NULL, &p, &n));
    NUL(epp_request_get_extension_xml(r, NULL, &n));
    NUL(epp_request_get_client_transaction_id(NULL, &p, &n));
    NUL(epp_request_get_message_id(NULL, &v));
    NUL(epp_request_get_command_verb(NULL, NULL));
    NUL(epp_request_get_command_verb(r, NULL));
    NUL(epp_request_get_transfer_op(NULL, NULL));
    NUL(epp_request_get_transfer_op(r, NULL));
    NUL(epp_request_get_object_uri(NULL, &p, &n));
    NUL(epp_request_get_object_uri(r, &p, NULL));
    NUL(epp_request_get_object_xml(NULL, &p, &n));
    NUL(epp_request_get_close_reason(NULL, NULL));
    NUL(epp_request_get_close_detail(NULL, EPP_CLOSE_DETAIL_RESULT_CODE, &v));
    NUL(epp_request_get_close_reason_text(NULL, &p, &n));
    /* response and poll message */
    NUL(epp_response_add_result(NULL, 1000));
    NUL(epp_response_set_message(NULL, S("x")));
    NUL(epp_response_set_lang(NULL, S("en")));
    NUL(epp_response_set_lang(resp, NULL, 2));
    NUL(epp_response_add_value(NULL, S("<a/>")));
    NUL(epp_response_add_value(resp, NULL, 0));
    NUL(epp_response_add_ext_value(NULL, S("<a/>"), S("r")));
    NUL(epp_response_add_ext_value(resp, S("<a/>"), NULL, 0));
    NUL(epp_response_set_res_data(NULL, NULL, 0));
    NUL(epp_response_set_res_data(resp, NULL, 1));
    NUL(epp_response_set_extension(NULL, NULL, 0));
    NUL(epp_poll_message_new(1, 1, T0, NULL, 0, &m));
    NUL(epp_poll_message_new(1, 1, T0, S("x"), NULL));
    NUL(epp_poll_message_set_lang(NULL, S("en")));
    NUL(epp_poll_message_set_res_data(NULL, NULL, 0));
    NUL(epp_poll_message_set_extension(NULL, NULL, 0));
    NUL(epp_poll_message_set_extension(m, NULL, 7));
    NUL(epp_test_session_panic(NULL));
#undef NUL
    /* Out-parameters were left alone. */
    CHECK(n == 4242 && p != NULL && strcmp(p, "sentinel") == 0);
    CHECK(sout == NULL && srvout == NULL && v == 0 && code == 0 && !flag);

    /* The session is still fine: answer and check. */
    OK(epp_session_answer_command(s, req_id(r), resp));
    expect_frame(s, "<result code=\"1000\">", NULL);

    /* Frees accept NULL. */
    epp_request_free(NULL);
    epp_response_free(NULL);
    epp_poll_message_free(NULL);
    epp_session_free(NULL);

    epp_request_free(r);
    epp_response_free(resp);
    epp_poll_message_free(m);
    epp_config_builder_free(b);
    epp_session_free(s);
    epp_server_free(c);
}

static void test_poll_message_checks(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = logged_in(c);
    epp_request *r;
    epp_poll_message *m = NULL;

    feed_xml(s, POLL_REQ_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_poll_message_new(3, 1, T0, S("with data"), &m));
    OK(epp_poll_message_set_lang(m, S("no such language!")));
    EXPECT(epp_session_answer_poll_message(s, req_id(r), m), EPP_RESULT_INVALID_ANSWER);
    OK(epp_poll_message_set_lang(m, S("fr")));
    OK(epp_poll_message_set_res_data(m, S("<domain:trnData xmlns:domain=\"" DOMAIN_NS "\"><domain:name>")));
    EXPECT(epp_session_answer_poll_message(s, req_id(r), m), EPP_RESULT_INVALID_XML);
    OK(epp_poll_message_set_res_data(m, S("<domain:trnData xmlns:domain=\"" DOMAIN_NS "\">"
                                          "<domain:name>example.com</domain:name></domain:trnData>")));
    OK(epp_poll_message_set_extension(m, NULL, 0));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    expect_frame(s, "<msg lang=\"fr\">with data</msg>", "<resData><domain:trnData");
    epp_poll_message_free(m);
    epp_request_free(r);
    epp_session_free(s);
    epp_server_free(c);
}

/* Builds a server on `b` (freed), with the transaction log when `log`. */
static epp_server *build_server(epp_config_builder *b, bool log) {
    epp_config *c = NULL;
    epp_server *srv = NULL;
    OK(epp_config_builder_set_sv_trid_epoch(b, 42));
    OK(epp_config_builder_set_transaction_log(b, log));
    OK(epp_config_builder_build(b, &c));
    epp_config_builder_free(b);
    OK(epp_server_new(c, T0, NULL, &srv));
    epp_config_free(c);
    CHECK(srv != NULL);
    return srv;
}

static void test_login_security_and_unhandled_namespaces_config(void) {
    epp_config_builder *b = NULL;
    epp_config *c = NULL;
    epp_server *srv;
    epp_session *s = NULL;
    const char *p = NULL;
    size_t n = 0;
    char *out;

    /* Neither offered by default. */
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    srv = build_server(b, false);
    OK(epp_session_new(srv, T0, &s));
    out = drain(s);
    CHECK(strstr(out, "<svcExtension><extURI>" SECDNS_NS "</extURI></svcExtension>") != NULL);
    free(out);
    epp_session_free(s);
    epp_server_free(srv);

    /* Both offered: after the other extension URIs, RFC 9038 first. */
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    OK(epp_config_builder_set_login_security(b, 8, 64));
    OK(epp_config_builder_set_unhandled_namespaces(b, true));
    srv = build_server(b, false);
    OK(epp_session_new(srv, T0, &s));
    out = drain(s);
    CHECK(strstr(out, "<svcExtension><extURI>" SECDNS_NS "</extURI><extURI>" UNHANDLED_NS
                      "</extURI><extURI>" LOGINSEC_NS "</extURI></svcExtension>") != NULL);
    free(out);
    epp_session_free(s);
    epp_server_free(srv);

    /* Turned on, then off again; listed already: not twice. */
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(UNHANDLED_NS)));
    OK(epp_config_builder_set_unhandled_namespaces(b, true));
    OK(epp_config_builder_build(b, &c));
    epp_config_free(c);
    OK(epp_config_builder_set_unhandled_namespaces(b, false));
    srv = build_server(b, false);
    OK(epp_session_new(srv, T0, &s));
    out = drain(s);
    CHECK(strstr(out, "<svcExtension><extURI>" UNHANDLED_NS "</extURI></svcExtension>") != NULL);
    free(out);
    epp_session_free(s);
    epp_server_free(srv);

    /* The password bounds are checked by the build. */
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    c = (epp_config *)&b;
    OK(epp_config_builder_set_login_security(b, 5, 64));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    CHECK(c == (epp_config *)&b);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && has(p, n, "login_security"));
    OK(epp_config_builder_set_login_security(b, 65, 64));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_set_login_security(b, 6, 1025));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_set_login_security(b, 6, 1024));
    OK(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_XML_TEXT, 512));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG); /* above max_xml_text */
    OK(epp_config_builder_set_login_security(b, SIZE_MAX, SIZE_MAX));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_set_login_security(b, 6, 512));
    OK(epp_config_builder_build(b, &c));
    epp_config_free(c);
    epp_config_builder_free(b);

    /* The RFC 8807 URI as a plain extension URI is refused. */
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(LOGINSEC_NS)));
    EXPECT(epp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_config_builder_get_last_error(b, &p, &n));
    CHECK(p != NULL && has(p, n, "extension_uris"));
    /* Offered through the setter as well, it is accepted (listed once). */
    OK(epp_config_builder_set_login_security(b, 6, 128));
    srv = build_server(b, false);
    OK(epp_session_new(srv, T0, &s));
    out = drain(s);
    CHECK(strstr(out, "<svcExtension><extURI>" LOGINSEC_NS "</extURI></svcExtension>") != NULL);
    free(out);
    epp_session_free(s);
    epp_server_free(srv);

    EXPECT(epp_config_builder_set_login_security(NULL, 6, 128), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_config_builder_set_unhandled_namespaces(NULL, true), EPP_RESULT_NULL_PARAMETER);
}

/* A server offering secDNS and RFC 8807 (passwords of 8 to 64). */
static epp_server *login_security_server(void) {
    epp_config_builder *b = NULL;
    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(SECDNS_NS)));
    OK(epp_config_builder_set_login_security(b, 8, 64));
    return build_server(b, false);
}

/* The user agent getters: (app, tech, os), NULL for an absent part. */
static void expect_user_agent(const epp_request *r, const char *app, const char *tech, const char *os) {
    const char *want[3] = {app, tech, os};
    epp_result (*get[3])(const epp_request *, const char **, size_t *) = {
        epp_request_get_user_agent_app, epp_request_get_user_agent_tech,
        epp_request_get_user_agent_os};
    size_t i;
    for (i = 0; i < 3; i++) {
        const char *p = (const char *)"sentinel";
        size_t n = 99;
        OK(get[i](r, &p, &n));
        if (want[i] == NULL)
            CHECK(p == NULL && n == 0);
        else
            CHECK(str_is(p, n, want[i]));
    }
}

static void test_login_security_requests(void) {
    epp_server *srv = login_security_server();
    epp_session *s = NULL;
    epp_request *r;
    const char *p;
    size_t n;
    uint16_t code = 0;
    char *out;

    /* Every part of the user agent, and the real password. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML(USER_AGENT_XML, "<extURI>" LOGINSEC_NS "</extURI>"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_request_get_password(r, &p, &n));
    CHECK(str_is(p, n, "this is a long password"));
    OK(epp_request_get_new_password(r, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_request_get_extension_xml(r, &p, &n)); /* loginSec is read, not passed on */
    CHECK(p == NULL && n == 0);
    OK(epp_request_get_ext_uri(r, 0, &p, &n));
    CHECK(str_is(p, n, LOGINSEC_NS));
    expect_user_agent(r, "EPP SDK 1.0.0", "Vendor Java 11.0.6", "x86_64 Mac OS X 10.21");
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    CHECK(code == 1000);
    epp_request_free(r);
    out = drain(s);
    CHECK(strstr(out, "<result code=\"1000\">") != NULL && strstr(out, "loginSec") == NULL);
    free(out);
    epp_session_free(s);

    /* One part only; whitespace collapsed. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML("<loginSec:userAgent><loginSec:os>  Linux \n 6.1 </loginSec:os>"
                                   "</loginSec:userAgent>",
                                   "<extURI>" LOGINSEC_NS "</extURI>"),
             T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    expect_user_agent(r, NULL, NULL, "Linux 6.1");
    epp_request_free(r);
    epp_session_free(s);

    /* No user agent; and a login without the extension at all. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML("", "<extURI>" LOGINSEC_NS "</extURI>"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    expect_user_agent(r, NULL, NULL, NULL);
    epp_request_free(r);
    epp_session_free(s);
    s = logged_in(srv);
    feed_xml(s, CHECK_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    /* Not a login: the user agent does not apply. */
    p = (const char *)"sentinel";
    n = 77;
    EXPECT(epp_request_get_user_agent_app(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_user_agent_tech(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_user_agent_os(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    CHECK(n == 77 && strcmp(p, "sentinel") == 0);
    EXPECT(epp_request_get_user_agent_app(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_request_get_user_agent_tech(r, NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_request_get_user_agent_os(r, &p, NULL), EPP_RESULT_NULL_PARAMETER);
    epp_request_free(r);
    epp_session_free(s);

    /* A password outside the configured bounds: 2306, asked of nobody. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, EPP_OPEN "<command><login><clID>registrar1</clID><pw>[LOGIN-SECURITY]</pw>"
                "<options><version>1.0</version><lang>en</lang></options><svcs><objURI>" DOMAIN_NS
                "</objURI><svcExtension><extURI>" LOGINSEC_NS "</extURI></svcExtension></svcs>"
                "</login><extension><loginSec:loginSec xmlns:loginSec=\"" LOGINSEC_NS "\">"
                "<loginSec:pw>short</loginSec:pw></loginSec:loginSec></extension></command></epp>",
             T0);
    expect_queue_empty(s);
    expect_frame(s, "<result code=\"2001\">", NULL); /* under the schema's 6... */
    feed_xml(s, EPP_OPEN "<command><login><clID>registrar1</clID><pw>[LOGIN-SECURITY]</pw>"
                "<options><version>1.0</version><lang>en</lang></options><svcs><objURI>" DOMAIN_NS
                "</objURI><svcExtension><extURI>" LOGINSEC_NS "</extURI></svcExtension></svcs>"
                "</login><extension><loginSec:loginSec xmlns:loginSec=\"" LOGINSEC_NS "\">"
                "<loginSec:pw>shorter</loginSec:pw></loginSec:loginSec></extension></command></epp>",
             T0);
    expect_queue_empty(s);
    expect_frame(s, "<result code=\"2306\">", NULL); /* ...and under the config's 8 */
    epp_session_free(s);
    epp_server_free(srv);
}

/* Makes the events of RFC 8807 section 4.2's example; returns how many. */
static size_t rfc_events(epp_security_event **ev) {
    size_t k = 0;
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_PASSWORD, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_expires_at(ev[k], 1585094400000ull)); /* 2020-03-25 */
    OK(epp_security_event_set_lang(ev[k], S("en")));
    OK(epp_security_event_set_text(ev[k++], S("Password expiration soon")));
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CERTIFICATE, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_expires_at(ev[k++], 1585699200000ull)); /* 2020-04-01 */
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_value(ev[k], S("TLS_RSA_WITH_AES_128_CBC_SHA")));
    OK(epp_security_event_set_text(ev[k++], S("Non-PFS Cipher negotiated")));
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_value(ev[k], S("TLSv1.0")));
    OK(epp_security_event_set_text(ev[k++], S("Insecure TLS protocol")));
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD, EPP_SECURITY_EVENT_LEVEL_ERROR, &ev[k]));
    OK(epp_security_event_set_text(ev[k++], S("New password does not meet complexity requirements")));
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_STAT, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_name(ev[k], S("failedLogins")));
    OK(epp_security_event_set_value(ev[k], S("100")));
    OK(epp_security_event_set_duration(ev[k], 86400000));
    OK(epp_security_event_set_text(ev[k++], S("Excessive invalid daily logins")));
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CUSTOM, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev[k]));
    OK(epp_security_event_set_name(ev[k], S("myCustomEvent")));
    OK(epp_security_event_set_text(ev[k++], S("A custom login security event occured")));
    return k;
}

static void test_security_events(void) {
    epp_server *srv = login_security_server();
    epp_session *s = NULL;
    epp_request *r;
    epp_security_event *ev[8] = {NULL}, *bad = NULL, *untouched = (epp_security_event *)&bad;
    const epp_security_event *list[8];
    const char *p;
    size_t n, k, i;
    uint16_t code = 0;
    char *out;

    /* The handle: argument checks. */
    bad = untouched;
    EXPECT(epp_security_event_new(0, EPP_SECURITY_EVENT_LEVEL_WARNING, &bad), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_security_event_new(8, EPP_SECURITY_EVENT_LEVEL_WARNING, &bad), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, 0, &bad), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, 3, &bad), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, EPP_SECURITY_EVENT_LEVEL_ERROR, NULL),
           EPP_RESULT_NULL_PARAMETER);
    CHECK(bad == untouched);
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, EPP_SECURITY_EVENT_LEVEL_ERROR, &bad));
    EXPECT(epp_security_event_set_name(bad, S("cipherName")), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_security_event_set_name(bad, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_name(NULL, S("x")), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_value(bad, S("bad \xff utf-8")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_security_event_set_value(bad, NULL, 4), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_text(bad, "x", SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_security_event_set_value(NULL, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_lang(NULL, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_text(NULL, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_expires_at(NULL, T0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_security_event_set_duration(NULL, 1), EPP_RESULT_NULL_PARAMETER);
    OK(epp_security_event_set_value(bad, NULL, 0)); /* removes: absent is fine */
    OK(epp_security_event_set_lang(bad, NULL, 0));
    OK(epp_security_event_set_text(bad, NULL, 0));
    epp_security_event_free(bad);
    epp_security_event_free(NULL);

    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML(USER_AGENT_XML, "<extURI>" LOGINSEC_NS "</extURI>"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    k = rfc_events(ev);
    for (i = 0; i < k; i++)
        list[i] = ev[i];

    /* Refused, answering nothing: arguments first... */
    code = 0;
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, NULL, 2, &code),
           EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, SIZE_MAX, &code),
           EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k, NULL),
           EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), 99, list, k, &code),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_session_answer_login_with_events(NULL, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k, &code),
           EPP_RESULT_NULL_PARAMETER);
    list[k] = NULL;
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k + 1, &code),
           EPP_RESULT_NULL_PARAMETER);
    /* A misaligned array (never read). */
    EXPECT(epp_session_answer_login_with_events(
               s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED,
               (const epp_security_event *const *)(uintptr_t)((uintptr_t)list + 1), 1, &code),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r) + 100, EPP_LOGIN_ANSWER_ACCEPTED, list, k, &code),
           EPP_RESULT_UNKNOWN_REQUEST);
    /* ...then what RFC 8807 requires of the events. */
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_PASSWORD, EPP_SECURITY_EVENT_LEVEL_WARNING, &bad));
    list[k] = bad;
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k + 1, &code),
           EPP_RESULT_INVALID_ANSWER);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && has(p, n, "exDate"));
    epp_security_event_free(bad);
    OK(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_STAT, EPP_SECURITY_EVENT_LEVEL_WARNING, &bad));
    list[k] = bad;
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k + 1, &code),
           EPP_RESULT_INVALID_ANSWER);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && has(p, n, "name"));
    OK(epp_security_event_set_name(bad, S("  ")));
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k + 1, &code),
           EPP_RESULT_INVALID_ANSWER);
    OK(epp_security_event_set_name(bad, S("failedLogins")));
    OK(epp_security_event_set_lang(bad, S("en_GB")));
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k + 1, &code),
           EPP_RESULT_INVALID_ANSWER);
    epp_security_event_free(bad);
    CHECK(code == 0);
    free(drain(s)); /* nothing was answered: nothing written */

    /* Accepted with every kind of event, in the schema's attribute order. */
    OK(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k, &code));
    CHECK(code == 1000);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k, &code),
           EPP_RESULT_ALREADY_ANSWERED);
    out = drain(s);
    CHECK(out[0] != '\0' && out[strlen(out) + 1] == '\0');
    if (!has(out, strlen(out),
             "<result code=\"1000\"><msg>Command completed successfully</msg></result><extension>"
             "<loginSec:loginSecData xmlns:loginSec=\"" LOGINSEC_NS "\">"
             "<loginSec:event type=\"password\" level=\"warning\" exDate=\"2020-03-25T00:00:00Z\" "
             "lang=\"en\">Password expiration soon</loginSec:event>"
             "<loginSec:event type=\"certificate\" level=\"warning\" exDate=\"2020-04-01T00:00:00Z\"/>"
             "<loginSec:event type=\"cipher\" level=\"warning\" value=\"TLS_RSA_WITH_AES_128_CBC_SHA\">"
             "Non-PFS Cipher negotiated</loginSec:event>"
             "<loginSec:event type=\"tlsProtocol\" level=\"warning\" value=\"TLSv1.0\">"
             "Insecure TLS protocol</loginSec:event>"
             "<loginSec:event type=\"newPW\" level=\"error\">"
             "New password does not meet complexity requirements</loginSec:event>"
             "<loginSec:event type=\"stat\" name=\"failedLogins\" level=\"warning\" value=\"100\" "
             "duration=\"P1D\">Excessive invalid daily logins</loginSec:event>"
             "<loginSec:event type=\"custom\" name=\"myCustomEvent\" level=\"warning\">"
             "A custom login security event occured</loginSec:event>"
             "</loginSec:loginSecData></extension>")) {
        fprintf(stderr, "unexpected login response: %s\n", out);
        check_failures++;
    }
    free(out);
    epp_request_free(r);

    /* On a login request only. */
    feed_xml(s, POLL_REQ_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    EXPECT(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list, k, &code),
           EPP_RESULT_WRONG_ANSWER);
    OK(epp_session_answer_poll_empty(s, req_id(r)));
    free(drain(s));
    epp_request_free(r);
    epp_session_free(s);

    /* A failed login gets its events too; the array is only read. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML("", "<extURI>" LOGINSEC_NS "</extURI>"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_BAD_CREDENTIALS, list + 4, 1, &code));
    CHECK(code == 2200);
    expect_frame(s, "<result code=\"2200\">", "<loginSec:event type=\"newPW\" level=\"error\">");
    epp_request_free(r);
    epp_session_free(s);

    /* No events, (NULL, 0): epp_session_answer_login's response. */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGINSEC_LOGIN_XML("", "<extURI>" LOGINSEC_NS "</extURI>"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, NULL, 0, &code));
    CHECK(code == 1000);
    out = drain(s);
    CHECK(strstr(out, "<result code=\"1000\">") != NULL && strstr(out, "<extension>") == NULL);
    free(out);
    epp_request_free(r);
    epp_session_free(s);

    /* A client that did not log in with RFC 8807: the events move into
     * <extValue> (RFC 9038). */
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "ABC-1"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    expect_user_agent(r, NULL, NULL, NULL);
    OK(epp_session_answer_login_with_events(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, list + 2, 1, &code));
    CHECK(code == 1000);
    expect_frame(s, "<extValue><value><loginSec:loginSecData xmlns:loginSec=\"" LOGINSEC_NS "\">"
                    "<loginSec:event type=\"cipher\"",
                 "<reason>" LOGINSEC_NS " not in login services</reason></extValue>");
    epp_request_free(r);
    epp_session_free(s);

    for (i = 0; i < k; i++)
        epp_security_event_free(ev[i]);
    epp_server_free(srv);
}

static void test_protocol_extension(void) {
    epp_config_builder *b = NULL;
    epp_server *srv;
    epp_session *s = NULL;
    epp_request *r;
    epp_response *resp = NULL;
    epp_transaction *t = NULL;
    const char *p = (const char *)"sentinel";
    size_t n = 0;
    uint64_t v = 0;
    uint16_t code = 0;

    OK(epp_config_builder_new(S("libepp C test server"), &b));
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    OK(epp_config_builder_add_extension_uri(b, S(EXT_NS)));
    srv = build_server(b, true);
    OK(epp_session_new(srv, T0, &s));
    free(drain(s));
    /* Not logged in: 2002, asked of nobody. */
    feed_xml(s, PING_XML, T0);
    expect_queue_empty(s);
    expect_frame(s, "<result code=\"2002\">", NULL);
    feed_xml(s, EXT_LOGIN_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    epp_request_free(r);
    free(drain(s));

    feed_xml(s, PING_XML, T0 + 5);
    r = next_request(s, EPP_REQUEST_KIND_EXTENSION);
    expect_queue_empty(s);
    CHECK(req_id(r) > 0);
    OK(epp_request_get_client_id(r, &p, &n));
    CHECK(str_is(p, n, "registrar1"));
    OK(epp_request_get_ext_uri_count(r, &n));
    CHECK(n == 2);
    OK(epp_request_get_ext_uri(r, 0, &p, &n));
    CHECK(str_is(p, n, EXT_NS));
    OK(epp_request_get_ext_uri(r, 1, &p, &n));
    CHECK(str_is(p, n, EXT_NS));
    EXPECT(epp_request_get_ext_uri(r, 2, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_request_get_extension_xml(r, &p, &n));
    /* Each element stands alone: with the declarations it inherits. */
    CHECK(str_is(p, n, "<x:ping xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:x=\"" EXT_NS "\">"
                       "<x:clTRID>P-1</x:clTRID></x:ping><x:note xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" "
                       "xmlns:x=\"" EXT_NS "\">two</x:note>"));
    /* What an extension request does not have. */
    p = (const char *)"sentinel";
    n = 4242;
    EXPECT(epp_request_get_client_transaction_id(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_password(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_lang(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_obj_uri_count(r, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_object_uri(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_object_xml(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_message_id(r, &v), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_close_reason_text(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_request_get_user_agent_app(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    CHECK(n == 4242 && strcmp(p, "sentinel") == 0 && v == 0);
    /* Answered like an object command. */
    EXPECT(epp_session_answer_poll_empty(s, req_id(r)), EPP_RESULT_WRONG_ANSWER);
    OK(epp_response_new(1000, &resp));
    OK(epp_response_set_extension(resp, S("<x:pong xmlns:x=\"" EXT_NS "\"><x:clTRID>P-1</x:clTRID></x:pong>")));
    OK(epp_session_answer_command(s, req_id(r), resp));
    expect_frame(s, "<result code=\"1000\">",
                 "<extension><x:pong xmlns:x=\"" EXT_NS "\"><x:clTRID>P-1</x:clTRID></x:pong></extension>");
    epp_response_free(resp);
    epp_request_free(r);

    /* Or with a failure. */
    feed_xml(s, EPP_OPEN "<extension><x:ping xmlns:x=\"" EXT_NS "\"/></extension></epp>", T0 + 6);
    r = next_request(s, EPP_REQUEST_KIND_EXTENSION);
    OK(epp_session_answer_failure(s, req_id(r), NULL, 0));
    expect_frame(s, "<result code=\"2400\">", NULL);
    epp_request_free(r);
    /* A namespace the client did not log in with: 2103, asked of nobody. */
    feed_xml(s, EPP_OPEN "<extension><u:ping xmlns:u=\"urn:example:unknown-1.0\"/></extension></epp>", T0 + 7);
    expect_queue_empty(s);
    expect_frame(s, "<result code=\"2103\">", NULL);

    /* The transaction log names it "extension". */
    {
        static const char *const want[][2] = {{"extension", "2002"}, {"login", "1000"},
                                              {"extension", "1000"}, {"extension", "2400"},
                                              {"extension", "2103"}};
        size_t i = 0;
        for (;;) {
            char code_s[8];
            OK(epp_session_poll_transaction(s, &t));
            if (t == NULL)
                break;
            OK(epp_transaction_get_command(t, &p, &n));
            OK(epp_transaction_get_result_code(t, &code));
            snprintf(code_s, sizeof code_s, "%u", (unsigned)code);
            if (i < sizeof want / sizeof want[0]) {
                if (!str_is(p, n, want[i][0]) || strcmp(code_s, want[i][1]) != 0) {
                    fprintf(stderr, "transaction %zu: %.*s %s, expected %s %s\n", i, (int)n, p,
                            code_s, want[i][0], want[i][1]);
                    check_failures++;
                }
            }
            i++;
            epp_transaction_free(t);
        }
        CHECK(i == sizeof want / sizeof want[0]);
    }
    epp_session_free(s);
    epp_server_free(srv);
}

static void test_poll_msg_xml(void) {
    epp_server *srv = make_server(NULL, false);
    epp_session *s = logged_in(srv);
    epp_request *r;
    epp_poll_message *m = NULL;

    feed_xml(s, POLL_REQ_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_poll_message_new(7, 2, T0, S(""), &m));
    OK(epp_poll_message_set_msg_xml(m, S("plain text is not an element")));
    EXPECT(epp_session_answer_poll_message(s, req_id(r), m), EPP_RESULT_INVALID_XML);
    OK(epp_poll_message_set_msg_xml(m, S("<lowCreditData/>")));
    EXPECT(epp_session_answer_poll_message(s, req_id(r), m), EPP_RESULT_INVALID_XML);
    EXPECT(epp_poll_message_set_msg_xml(m, S("bad \xff utf-8")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_poll_message_set_msg_xml(m, NULL, 3), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_poll_message_set_msg_xml(NULL, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    /* An element of a namespace the client logged in with stays in <msg>,
     * after the text... */
    OK(epp_poll_message_set_msg_xml(m, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">example.com</domain:name>"
                                         "<x:data xmlns:x=\"urn:example:not-logged-in\">1</x:data>")));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    /* ...and one of another namespace moves into <extValue>. */
    expect_frame(s, "<msg lang=\"en\"><domain:name xmlns:domain=\"" DOMAIN_NS "\">example.com</domain:name></msg>",
                 "<extValue><value><x:data xmlns:x=\"urn:example:not-logged-in\">1</x:data></value>");
    epp_request_free(r);
    epp_poll_message_free(m);

    /* Text and structured content together; (NULL, 0) removes it again. */
    feed_xml(s, POLL_REQ_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_poll_message_new(8, 1, T0, S("Low credit"), &m));
    OK(epp_poll_message_set_msg_xml(m, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">x.com</domain:name>")));
    OK(epp_poll_message_set_msg_xml(m, NULL, 0));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    expect_frame(s, "<msg lang=\"en\">Low credit</msg>", NULL);
    epp_request_free(r);
    feed_xml(s, POLL_REQ_XML, T0);
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_poll_message_set_msg_xml(m, S("<domain:name xmlns:domain=\"" DOMAIN_NS "\">x.com</domain:name>")));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    expect_frame(s, "<msg lang=\"en\">Low credit<domain:name xmlns:domain=\"" DOMAIN_NS "\">x.com</domain:name></msg>",
                 NULL);
    epp_request_free(r);
    epp_poll_message_free(m);
    epp_session_free(s);
    epp_server_free(srv);
}

static void test_panic(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = logged_in(c);
    epp_request *r = NULL;
    const char *p = NULL;
    size_t n = 0;
    epp_session_state st = 0;
    bool wants = false;
    const uint8_t *bp;

    /* A panic in a call given no handle. */
    EXPECT(epp_test_panic(), EPP_RESULT_PANIC);
    /* A panic in a session: reported, never unwound into C... */
    EXPECT(epp_test_session_panic(s), EPP_RESULT_PANIC);
    /* ...and the session is poisoned. */
    EXPECT(epp_session_feed_input(s, (const uint8_t *)"x", 1, T0), EPP_RESULT_PANIC);
    EXPECT(epp_session_wants_input(s, &wants), EPP_RESULT_PANIC);
    EXPECT(epp_session_get_buffered_input(s, &n), EPP_RESULT_PANIC);
    EXPECT(epp_session_take_output(s, &bp, &n), EPP_RESULT_PANIC);
    EXPECT(epp_session_poll_queue(s, &r), EPP_RESULT_PANIC);
    EXPECT(epp_session_get_state(s, &st), EPP_RESULT_PANIC);
    EXPECT(epp_session_get_client_id(s, &p, &n), EPP_RESULT_PANIC);
    EXPECT(epp_session_answer_poll_empty(s, 1), EPP_RESULT_PANIC);
    EXPECT(epp_session_close(s), EPP_RESULT_PANIC);
    EXPECT(epp_test_session_panic(s), EPP_RESULT_PANIC);
    CHECK(r == NULL && st == 0 && !wants && n == 0);
    /* The error text says what happened. */
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && has(p, n, "panic") && has(p, n, "forced panic"));
    epp_session_free(s);

    /* Other sessions of the same server are unaffected. */
    s = logged_in(c);
    OK(epp_session_get_state(s, &st));
    CHECK(st == EPP_SESSION_STATE_LOGGED_IN);
    epp_session_free(s);
    epp_server_free(c);
}

/* ------------------------------------------------------------------ */
/* The client engine (epp_client_*)                                     */
/* ------------------------------------------------------------------ */

#define CLIENT_GREETING(objs, exts)                                            \
    EPP_OPEN "<greeting><svID>Example EPP server</svID>"                       \
             "<svDate>2027-01-15T08:00:00.0Z</svDate><svcMenu>"                \
             "<version>1.0</version><lang>en</lang>" objs                      \
             "<svcExtension>" exts "</svcExtension></svcMenu>"                 \
             "<dcp><access><all/></access><statement><purpose><admin/>"        \
             "</purpose><recipient><ours/></recipient><retention><stated/>"    \
             "</retention></statement></dcp></greeting></epp>"
#define OBJ(uri) "<objURI>" uri "</objURI>"
#define EXT(uri) "<extURI>" uri "</extURI>"
#define GREETING_STD CLIENT_GREETING(OBJ(DOMAIN_NS) OBJ(CONTACT_NS), EXT(SECDNS_NS))

#define CLIENT_RESPONSE(code, msg, cltrid, inner)                              \
    EPP_OPEN "<response><result code=\"" code "\"><msg>" msg "</msg></result>" \
             inner "<trID><clTRID>" cltrid "</clTRID><svTRID>SV-1</svTRID>"    \
             "</trID></response></epp>"
#define OK_RESPONSE(cltrid) CLIENT_RESPONSE("1000", "Command completed successfully", cltrid, "")

#define DOMAIN_CHECK                                                           \
    "<domain:check xmlns:domain=\"" DOMAIN_NS "\">"                            \
    "<domain:name>example.com</domain:name></domain:check>"

/* A client config: ClientX / foo-BAR2 (or `password`), domain required,
 * contact wanted, secDNS wanted, `in_flight` at most, clTRIDs "T-n". */
static epp_client_config *client_config_with(const char *password, size_t in_flight) {
    epp_client_config_builder *b = NULL;
    epp_client_config *c = NULL;
    OK(epp_client_config_builder_new(S("ClientX"), password, strlen(password), &b));
    OK(epp_client_config_builder_add_object_uri(b, S(DOMAIN_NS), true));
    OK(epp_client_config_builder_add_object_uri(b, S(CONTACT_NS), false));
    OK(epp_client_config_builder_add_extension_uri(b, S(SECDNS_NS), false));
    OK(epp_client_config_builder_set_max_in_flight(b, in_flight));
    OK(epp_client_config_builder_set_cl_trid_prefix(b, S("T-")));
    OK(epp_client_config_builder_set_response_deadline_ms(b, 10000));
    OK(epp_client_config_builder_set_keep_alive_ms(b, 30000));
    OK(epp_client_config_builder_build(b, &c));
    epp_client_config_builder_free(b);
    CHECK(c != NULL);
    return c;
}

static epp_client_session *new_client(const char *password, size_t in_flight) {
    epp_client_config *c = client_config_with(password, in_flight);
    epp_client_session *s = NULL;
    OK(epp_client_session_new(c, T0, &s));
    epp_client_config_free(c); /* the session keeps its own reference */
    CHECK(s != NULL);
    return s;
}

static void client_feed(epp_client_session *s, const char *xml, uint64_t now) {
    unsigned char *f = malloc(strlen(xml) + 4);
    size_t n = frame_into(f, xml);
    OK(epp_client_session_feed_input(s, f, n, now));
    free(f);
}

/* The next event, which must be of kind `want`. */
static epp_client_event *client_next(epp_client_session *s, epp_client_event_kind want) {
    epp_client_event *e = NULL;
    epp_client_event_kind k = 0;
    OK(epp_client_session_poll_queue(s, &e));
    CHECK(e != NULL);
    if (!e)
        return NULL;
    OK(epp_client_event_get_kind(e, &k));
    if (k != want) {
        fprintf(stderr, "event kind %u, expected %u\n", (unsigned)k, (unsigned)want);
        check_failures++;
    }
    return e;
}

static void client_queue_empty(epp_client_session *s) {
    epp_client_event *e = (epp_client_event *)1;
    OK(epp_client_session_poll_queue(s, &e));
    CHECK(e == NULL);
}

/* Takes the client's output: the frames' XML as `drain` gives it. */
static char *client_drain(epp_client_session *s) {
    const uint8_t *p = NULL;
    size_t n = 0, pos = 0, outlen = 0;
    char *out;
    OK(epp_client_session_take_output(s, &p, &n));
    out = calloc(n + 2, 1);
    while (pos + 4 <= n) {
        size_t flen = ((size_t)p[pos] << 24) | ((size_t)p[pos + 1] << 16) |
                      ((size_t)p[pos + 2] << 8) | (size_t)p[pos + 3];
        CHECK(flen >= 5 && pos + flen <= n);
        if (flen < 5 || pos + flen > n)
            break;
        memcpy(out + outlen, p + pos + 4, flen - 4);
        outlen += flen - 4;
        out[outlen++] = '\0';
        pos += flen;
    }
    CHECK(pos == n);
    out[outlen] = '\0';
    OK(epp_client_session_consume_output(s, n));
    return out;
}

/* A client logged in (greeting GREETING_STD, login T-1 answered 1000);
 * events and output taken. */
static epp_client_session *client_logged_in(size_t in_flight) {
    epp_client_session *s = new_client("foo-BAR2", in_flight);
    epp_client_event *e;
    client_feed(s, GREETING_STD, T0);
    epp_client_event_free(client_next(s, EPP_CLIENT_EVENT_KIND_GREETING));
    OK(epp_client_session_login(s, T0, NULL));
    free(client_drain(s));
    client_feed(s, OK_RESPONSE("T-1"), T0);
    e = client_next(s, EPP_CLIENT_EVENT_KIND_LOGIN);
    epp_client_event_free(e);
    client_queue_empty(s);
    return s;
}

static void test_client_config_builder(void) {
    epp_client_config_builder *b = NULL, *untouched = (epp_client_config_builder *)&b;
    epp_client_config *c = NULL;
    const char *p = NULL;
    size_t n = 0;
    const char bad_utf8[] = {'C', 'l', (char)0xff};

    EXPECT(epp_client_config_builder_new(NULL, 0, S("foo-BAR2"), &b), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_new(S("ClientX"), NULL, 0, &b), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_new(S("ClientX"), S("foo-BAR2"), NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_new(bad_utf8, sizeof bad_utf8, S("foo-BAR2"), &b),
           EPP_RESULT_INVALID_UTF8);
    b = untouched;
    EXPECT(epp_client_config_builder_new(S("ClientX"), S("foo-BAR2"), (epp_client_config_builder **)((char *)&b + 1)),
           EPP_RESULT_INVALID_ARGUMENT);
    CHECK(b == untouched);
    OK(epp_client_config_builder_new(S("ClientX"), S("foo-BAR2"), &b));

    /* No objURI: refused, with a reason; the builder stays usable. */
    c = (epp_client_config *)1;
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    CHECK(c == (epp_client_config *)1);
    OK(epp_client_config_builder_get_last_error(b, &p, &n));
    CHECK(has(p, n, "objURI"));
    OK(epp_client_config_builder_add_object_uri(b, S(DOMAIN_NS), false));
    OK(epp_client_config_builder_build(b, &c));
    OK(epp_client_config_builder_get_last_error(b, &p, &n));
    CHECK(p == NULL && n == 0);
    epp_client_config_free(c);

    /* Every setter; each bad value is caught by build. */
    OK(epp_client_config_builder_set_max_in_flight(b, 0));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_get_last_error(b, &p, &n));
    CHECK(has(p, n, "max_in_flight"));
    OK(epp_client_config_builder_set_max_in_flight(b, 4));
    OK(epp_client_config_builder_set_keep_alive_ms(b, 0));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_set_keep_alive_ms(b, EPP_KEEP_ALIVE_NEVER));
    OK(epp_client_config_builder_set_response_deadline_ms(b, 0));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_set_response_deadline_ms(b, 5000));
    OK(epp_client_config_builder_set_max_frame_size(b, 1000));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_set_max_frame_size(b, 4096));
    OK(epp_client_config_builder_set_cl_trid_prefix(b, S("a b")));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_set_cl_trid_prefix(b, S("AB-")));
    OK(epp_client_config_builder_set_lang(b, S("not a tag")));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_set_lang(b, S("fr")));
    OK(epp_client_config_builder_set_new_password(b, S("short")));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_get_last_error(b, &p, &n));
    CHECK(has(p, n, "new_password"));
    OK(epp_client_config_builder_set_new_password(b, S("new-PASS3")));
    OK(epp_client_config_builder_add_extension_uri(b, S(SECDNS_NS), true));
    OK(epp_client_config_builder_add_extension_uri(b, S("bad uri"), false));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    epp_client_config_builder_free(b);

    /* A bad clID. */
    OK(epp_client_config_builder_new(S("X"), S("foo-BAR2"), &b));
    OK(epp_client_config_builder_add_object_uri(b, S(DOMAIN_NS), true));
    EXPECT(epp_client_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_client_config_builder_get_last_error(b, &p, &n));
    CHECK(has(p, n, "client_id"));
    EXPECT(epp_client_config_builder_set_lang(b, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_lang(b, bad_utf8, sizeof bad_utf8), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_client_config_builder_add_object_uri(b, S(DOMAIN_NS) + (size_t)PTRDIFF_MAX, false),
           EPP_RESULT_INVALID_LENGTH);
    epp_client_config_builder_free(b);
    epp_client_config_builder_free(NULL);
    epp_client_config_free(NULL);
}

/* The client C API against the server C API, in memory: greeting, login,
 * a check with a tag answered with resData, poll and ack, logout. */
static void test_client_against_server(void) {
    epp_server *srv = make_server(NULL, false);
    epp_session *s = NULL;
    epp_client_session *c = new_client("secret-pw1", 2);
    epp_client_event *e;
    epp_client_command *cmd = NULL;
    const epp_client_command *borrowed = NULL;
    epp_request *r;
    epp_response *resp = NULL;
    epp_poll_message *m = NULL;
    const uint8_t *p;
    size_t n, i;
    const char *str = NULL;
    uint64_t v = 0, tag = 7;
    uint16_t code = 0;
    bool b = false;
    epp_client_command_kind kind;
    epp_client_state st;

    /* Pumps bytes both ways until neither side has output. */
#define PUMP()                                                                 \
    do {                                                                       \
        int moved_;                                                            \
        do {                                                                   \
            moved_ = 0;                                                        \
            OK(epp_session_take_output(s, &p, &n));                            \
            if (n) {                                                           \
                OK(epp_client_session_feed_input(c, p, n, T0));                \
                OK(epp_session_consume_output(s, n));                          \
                moved_ = 1;                                                    \
            }                                                                  \
            OK(epp_client_session_take_output(c, &p, &n));                     \
            if (n) {                                                           \
                OK(epp_session_feed_input(s, p, n, T0));                       \
                OK(epp_client_session_consume_output(c, n));                   \
                moved_ = 1;                                                    \
            }                                                                  \
        } while (moved_);                                                      \
    } while (0)

    OK(epp_session_new(srv, T0, &s));
    OK(epp_client_session_get_state(c, &st));
    CHECK(st == EPP_CLIENT_STATE_AWAITING_GREETING);
    PUMP();
    e = client_next(c, EPP_CLIENT_EVENT_KIND_GREETING);
    OK(epp_client_event_get_command(e, &borrowed));
    CHECK(borrowed == NULL);
    OK(epp_client_event_get_greeting_sv_id(e, &str, &n));
    CHECK(str_is(str, n, "libepp C test server"));
    OK(epp_client_event_get_greeting_sv_date_ms(e, &v));
    CHECK(v == T0);
    epp_client_event_free(e);

    OK(epp_client_session_login(c, T0, &cmd));
    OK(epp_client_command_get_kind(cmd, &kind));
    CHECK(kind == EPP_CLIENT_COMMAND_KIND_LOGIN);
    OK(epp_client_command_get_cl_trid(cmd, &str, &n));
    CHECK(str_is(str, n, "T-1"));
    OK(epp_client_command_get_sent_at(cmd, &v));
    CHECK(v == T0);
    EXPECT(epp_client_command_get_tag(cmd, &v), EPP_RESULT_NOT_APPLICABLE);
    epp_client_command_free(cmd);
    PUMP();
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_request_get_client_id(r, &str, &n));
    CHECK(str_is(str, n, "ClientX"));
    OK(epp_request_get_password(r, &str, &n));
    CHECK(str_is(str, n, "secret-pw1"));
    OK(epp_request_get_ext_uri_count(r, &n));
    CHECK(n == 1);
    OK(epp_session_answer_login(s, req_id(r), EPP_LOGIN_ANSWER_ACCEPTED, &code));
    epp_request_free(r);
    PUMP();
    e = client_next(c, EPP_CLIENT_EVENT_KIND_LOGIN);
    OK(epp_client_event_get_code(e, &code));
    CHECK(code == 1000);
    OK(epp_client_event_has_services(e, &b));
    CHECK(b);
    OK(epp_client_event_get_service_obj_uri_count(e, &n));
    CHECK(n == 2);
    OK(epp_client_event_get_service_obj_uri(e, 1, &str, &n));
    CHECK(str_is(str, n, CONTACT_NS));
    OK(epp_client_event_get_service_ext_uri_count(e, &n));
    CHECK(n == 1);
    OK(epp_client_event_get_service_ext_uri(e, 0, &str, &n));
    CHECK(str_is(str, n, SECDNS_NS));
    OK(epp_client_event_get_service_lang(e, &str, &n));
    CHECK(str_is(str, n, "en"));
    OK(epp_client_event_get_service_login_security(e, &b));
    CHECK(!b);
    OK(epp_client_event_get_sv_trid(e, &str, &n));
    CHECK(has(str, n, "CTEST"));
    epp_client_event_free(e);

    /* A check with a tag; the server answers with resData. */
    OK(epp_client_session_object(c, EPP_COMMAND_VERB_CHECK, S(DOMAIN_CHECK), NULL, 0, &tag, T0, &cmd));
    OK(epp_client_command_get_tag(cmd, &v));
    CHECK(v == 7);
    OK(epp_client_command_get_kind(cmd, &kind));
    CHECK(kind == EPP_CLIENT_COMMAND_KIND_CHECK);
    PUMP();
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    OK(epp_request_get_client_transaction_id(r, &str, &n));
    CHECK(str_is(str, n, "T-2"));
    OK(epp_response_new(1000, &resp));
    OK(epp_response_set_res_data(resp, S("<domain:chkData xmlns:domain=\"" DOMAIN_NS "\"><domain:cd>"
                                           "<domain:name avail=\"1\">example.com</domain:name>"
                                           "</domain:cd></domain:chkData>")));
    OK(epp_session_answer_command(s, req_id(r), resp));
    epp_response_free(resp);
    epp_request_free(r);
    PUMP();
    e = client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE);
    OK(epp_client_event_get_command(e, &borrowed));
    OK(epp_client_command_get_id(borrowed, &v));
    {
        uint64_t id = 0;
        OK(epp_client_command_get_id(cmd, &id));
        CHECK(v == id);
    }
    OK(epp_client_command_get_tag(borrowed, &v));
    CHECK(v == 7);
    OK(epp_client_event_get_res_data(e, &str, &n));
    CHECK(has(str, n, "avail=\"1\"") && has(str, n, "xmlns:domain="));
    OK(epp_client_event_get_extension(e, &str, &n));
    CHECK(str == NULL && n == 0);
    OK(epp_client_event_has_msgq(e, &b));
    CHECK(!b);
    EXPECT(epp_client_event_get_msgq_count(e, &v), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_has_services(e, &b), EPP_RESULT_NOT_APPLICABLE);
    epp_client_event_free(e);
    epp_client_command_free(cmd);

    /* Poll: a message; ack it. */
    OK(epp_client_session_poll_request(c, T0, NULL));
    PUMP();
    r = next_request(s, EPP_REQUEST_KIND_POLL);
    OK(epp_poll_message_new(101, 2, T0 - 3600000, S("Transfer requested"), &m));
    OK(epp_session_answer_poll_message(s, req_id(r), m));
    epp_poll_message_free(m);
    epp_request_free(r);
    PUMP();
    e = client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE);
    OK(epp_client_event_get_code(e, &code));
    CHECK(code == 1301);
    OK(epp_client_event_has_msgq(e, &b));
    CHECK(b);
    OK(epp_client_event_get_msgq_count(e, &v));
    CHECK(v == 2);
    OK(epp_client_event_get_msgq_id(e, &str, &n));
    CHECK(str_is(str, n, "101"));
    OK(epp_client_event_get_msgq_date_ms(e, &v));
    CHECK(v == T0 - 3600000);
    OK(epp_client_event_get_msgq_message(e, &str, &n));
    CHECK(str_is(str, n, "Transfer requested"));
    OK(epp_client_event_get_msgq_lang(e, &str, &n));
    CHECK(str_is(str, n, "en") || str == NULL);
    OK(epp_client_session_poll_ack(c, S("101"), T0, NULL));
    epp_client_event_free(e);
    PUMP();
    r = next_request(s, EPP_REQUEST_KIND_POLL_ACK);
    OK(epp_session_answer_ack(s, req_id(r), 1));
    epp_request_free(r);
    PUMP();
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE));

    /* A hello: answered by a greeting naming it. */
    OK(epp_client_session_hello(c, T0, &cmd));
    OK(epp_client_command_get_cl_trid(cmd, &str, &n));
    CHECK(str == NULL && n == 0);
    PUMP();
    e = client_next(c, EPP_CLIENT_EVENT_KIND_GREETING);
    OK(epp_client_event_get_command(e, &borrowed));
    CHECK(borrowed != NULL);
    OK(epp_client_command_is_keep_alive(borrowed, &b));
    CHECK(!b);
    epp_client_event_free(e);
    epp_client_command_free(cmd);

    /* Logout: 1500, closing; the server closes its side. */
    OK(epp_client_session_logout(c, T0, NULL));
    PUMP();
    r = next_request(s, EPP_REQUEST_KIND_SESSION_END);
    epp_request_free(r);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE);
    OK(epp_client_event_get_code(e, &code));
    CHECK(code == 1500);
    epp_client_event_free(e);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_unanswered_count(e, &n));
    CHECK(n == 0);
    epp_client_event_free(e);
    OK(epp_client_session_get_state(c, &st));
    CHECK(st == EPP_CLIENT_STATE_CLOSING);
    OK(epp_client_session_wants_input(c, &b));
    CHECK(b);
    OK(epp_client_session_handle_eof(c, T0));
    OK(epp_client_session_is_finished(c, &b));
    CHECK(b);
    OK(epp_client_session_wants_input(c, &b));
    CHECK(!b);
    client_queue_empty(c);
    for (i = 0; i < 2; i++)
        EXPECT(epp_client_session_poll_request(c, T0, NULL), EPP_RESULT_SESSION_CLOSED);
    EXPECT(epp_client_session_feed_input(c, (const uint8_t *)"x", 1, T0), EPP_RESULT_SESSION_CLOSED);
    OK(epp_client_session_get_last_error(c, &str, &n));
    CHECK(has(str, n, "closed"));
#undef PUMP
    epp_client_session_free(c);
    epp_session_free(s);
    epp_server_free(srv);
}

static void test_client_refusals(void) {
    epp_client_session *c = new_client("foo-BAR2", 1);
    epp_client_command *cmd = (epp_client_command *)1;
    const char *str = NULL;
    size_t n = 0;
    char *out;

    /* Before the greeting. */
    EXPECT(epp_client_session_login(c, T0, &cmd), EPP_RESULT_WRONG_STATE);
    CHECK(cmd == (epp_client_command *)1);
    OK(epp_client_session_get_last_error(c, &str, &n));
    CHECK(has(str, n, "login"));
    /* Negotiation, against each greeting in turn (a hello brings the next). */
    client_feed(c, CLIENT_GREETING("<objURI>urn:example:other</objURI>", ""), T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
    EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_SERVICE_NOT_OFFERED);
    OK(epp_client_session_get_last_error(c, &str, &n));
    CHECK(has(str, n, DOMAIN_NS));
    OK(epp_client_session_hello(c, T0, NULL));
    client_feed(c, EPP_OPEN "<greeting><svID>x</svID><svDate>2027-01-15T08:00:00Z</svDate>"
                            "<svcMenu><version>2.0</version><lang>en</lang>" OBJ(DOMAIN_NS)
                            "</svcMenu></greeting></epp>", T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
    EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_VERSION_NOT_OFFERED);
    OK(epp_client_session_hello(c, T0, NULL));
    client_feed(c, EPP_OPEN "<greeting><svID>x</svID><svDate>2027-01-15T08:00:00Z</svDate>"
                            "<svcMenu><version>1.0</version><lang>de</lang>" OBJ(DOMAIN_NS)
                            "</svcMenu></greeting></epp>", T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
    EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_LANGUAGE_NOT_OFFERED);
    free(client_drain(c));
    epp_client_session_free(c);

    /* No common objURI (none required). */
    {
        epp_client_config_builder *b = NULL;
        epp_client_config *cfg = NULL;
        OK(epp_client_config_builder_new(S("ClientX"), S("foo-BAR2"), &b));
        OK(epp_client_config_builder_add_object_uri(b, S(CONTACT_NS), false));
        OK(epp_client_config_builder_build(b, &cfg));
        epp_client_config_builder_free(b);
        OK(epp_client_session_new(cfg, T0, &c));
        epp_client_config_free(cfg);
        client_feed(c, CLIENT_GREETING(OBJ(DOMAIN_NS), ""), T0);
        epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
        EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_NO_OBJECT_SERVICE);
        epp_client_session_free(c);
    }

    /* A long password without RFC 8807; with it, the login goes out. */
    c = new_client("correct horse battery staple", 1);
    client_feed(c, GREETING_STD, T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
    EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_PASSWORD_TOO_LONG);
    OK(epp_client_session_hello(c, T0, NULL));
    free(client_drain(c));
    client_feed(c, CLIENT_GREETING(OBJ(DOMAIN_NS), EXT(LOGINSEC_NS)), T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_GREETING));
    OK(epp_client_session_login(c, T0, NULL));
    out = client_drain(c);
    CHECK(strstr(out, "<pw>[LOGIN-SECURITY]</pw>") != NULL);
    CHECK(strstr(out, "<loginSec:pw>correct horse battery staple</loginSec:pw>") != NULL);
    free(out);
    epp_client_session_free(c);

    /* Logged in: command checks. */
    c = client_logged_in(1);
    EXPECT(epp_client_session_login(c, T0, NULL), EPP_RESULT_WRONG_STATE);
    EXPECT(epp_client_session_object(c, EPP_COMMAND_VERB_CHECK,
                                     S("<host:check xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"/>"),
                                     NULL, 0, NULL, T0, NULL),
           EPP_RESULT_NOT_LOGGED_IN_WITH);
    EXPECT(epp_client_session_object(c, EPP_COMMAND_VERB_CHECK, S("<domain:check"), NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_XML);
    EXPECT(epp_client_session_object(c, EPP_COMMAND_VERB_CHECK, S(DOMAIN_CHECK),
                                     S("<rgp:x xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\"/>"), NULL, T0, NULL),
           EPP_RESULT_NOT_LOGGED_IN_WITH);
    EXPECT(epp_client_session_object(c, EPP_COMMAND_VERB_TRANSFER, S(DOMAIN_CHECK), NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_COMMAND);
    EXPECT(epp_client_session_poll_ack(c, S(""), T0, NULL), EPP_RESULT_INVALID_COMMAND);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_HELLO, NULL, 0, EPP_TRANSFER_OP_NONE, NULL, 0,
                                   S("HELLO-1"), NULL, T0, NULL),
           EPP_RESULT_INVALID_COMMAND);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_POLL_REQUEST, NULL, 0, EPP_TRANSFER_OP_NONE,
                                   NULL, 0, S("ab"), NULL, T0, NULL),
           EPP_RESULT_INVALID_COMMAND);
    /* Misuse of the call itself. */
    EXPECT(epp_client_session_send(c, 0, NULL, 0, 0, NULL, 0, NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, 13, NULL, 0, 0, NULL, 0, NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_CHECK, S(DOMAIN_CHECK), EPP_TRANSFER_OP_QUERY,
                                   NULL, 0, NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_TRANSFER, S(DOMAIN_CHECK), 6, NULL, 0, NULL, 0,
                                   NULL, T0, NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_LOGOUT, S("x"), EPP_TRANSFER_OP_NONE, NULL, 0,
                                   NULL, 0, NULL, T0, NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_CHECK, NULL, 0, EPP_TRANSFER_OP_NONE, NULL, 0,
                                   NULL, 0, NULL, T0, NULL),
           EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_object(c, 99, S(DOMAIN_CHECK), NULL, 0, NULL, T0, NULL), EPP_RESULT_INVALID_ARGUMENT);
    OK(epp_client_session_get_last_error(c, &str, &n));
    CHECK(str != NULL && n > 0);
    /* Nothing was sent, and no clTRID was used: the next is T-2. */
    out = client_drain(c);
    CHECK(out[0] == '\0');
    free(out);
    OK(epp_client_session_send(c, EPP_CLIENT_COMMAND_KIND_TRANSFER, S(DOMAIN_CHECK), EPP_TRANSFER_OP_QUERY,
                               S("<secDNS:update xmlns:secDNS=\"" SECDNS_NS "\"/>"), NULL, 0, NULL, T0, NULL));
    out = client_drain(c);
    CHECK(strstr(out, "<transfer op=\"query\">") != NULL);
    CHECK(strstr(out, "<extension><secDNS:update") != NULL);
    CHECK(strstr(out, "<clTRID>T-2</clTRID>") != NULL);
    free(out);
    epp_client_session_free(c);
}

static void test_client_events(void) {
    epp_client_session *c = new_client("foo-BAR2", 3);
    epp_client_event *e, *closed;
    epp_client_command *cmd = NULL;
    const epp_client_command *u = NULL;
    const char *str = NULL;
    size_t n = 0;
    uint64_t v = 0, tags[3] = {11, 12, 13};
    uint16_t code = 0;
    epp_client_close_reason reason;
    epp_client_protocol_error perr;
    epp_client_command_kind kind;
    size_t i;

    client_feed(c, CLIENT_GREETING(OBJ(DOMAIN_NS) OBJ(CONTACT_NS), EXT(SECDNS_NS) EXT(LOGINSEC_NS)), T0);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_GREETING);
    OK(epp_client_event_get_greeting_sv_date(e, &str, &n));
    CHECK(str_is(str, n, "2027-01-15T08:00:00.0Z"));
    OK(epp_client_event_get_greeting_version_count(e, &n));
    CHECK(n == 1);
    OK(epp_client_event_get_greeting_version(e, 0, &str, &n));
    CHECK(str_is(str, n, "1.0"));
    OK(epp_client_event_get_greeting_lang_count(e, &n));
    CHECK(n == 1);
    OK(epp_client_event_get_greeting_lang(e, 0, &str, &n));
    CHECK(str_is(str, n, "en"));
    OK(epp_client_event_get_greeting_obj_uri_count(e, &n));
    CHECK(n == 2);
    OK(epp_client_event_get_greeting_obj_uri(e, 1, &str, &n));
    CHECK(str_is(str, n, CONTACT_NS));
    EXPECT(epp_client_event_get_greeting_obj_uri(e, 2, &str, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_client_event_get_greeting_ext_uri_count(e, &n));
    CHECK(n == 2);
    OK(epp_client_event_get_greeting_ext_uri(e, 1, &str, &n));
    CHECK(str_is(str, n, LOGINSEC_NS));
    OK(epp_client_event_get_greeting_dcp(e, &str, &n));
    CHECK(has(str, n, "<dcp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"));
    /* Getters of other kinds. */
    EXPECT(epp_client_event_get_code(e, &code), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_get_close_reason(e, &reason), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_get_unanswered_count(e, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_get_result_message(e, 0, &str, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_get_service_lang(e, &str, &n), EPP_RESULT_NOT_APPLICABLE);
    epp_client_event_free(e);

    /* A failed login: no services; results, values and extValues. */
    OK(epp_client_session_login(c, T0, NULL));
    client_feed(c, EPP_OPEN "<response><result code=\"2200\"><msg lang=\"fr\">Erreur</msg></result>"
                            "<result code=\"2306\"><msg>Parameter value policy error</msg>"
                            "<value><domain:name xmlns:domain=\"" DOMAIN_NS "\">x</domain:name></value>"
                            "<extValue><value><t:x xmlns:t=\"urn:t\"/></value><reason>why</reason></extValue>"
                            "</result><trID><svTRID>SV-9</svTRID></trID></response></epp>", T0);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_LOGIN);
    OK(epp_client_event_get_code(e, &code));
    CHECK(code == 2200);
    OK(epp_client_event_get_result_count(e, &n));
    CHECK(n == 2);
    OK(epp_client_event_get_result_code(e, 1, &code));
    CHECK(code == 2306);
    EXPECT(epp_client_event_get_result_code(e, 2, &code), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_client_event_get_result_lang(e, 0, &str, &n));
    CHECK(str_is(str, n, "fr"));
    OK(epp_client_event_get_result_lang(e, 1, &str, &n));
    CHECK(str == NULL);
    OK(epp_client_event_get_result_message(e, 0, &str, &n));
    CHECK(str_is(str, n, "Erreur"));
    OK(epp_client_event_get_result_value_count(e, 1, &n));
    CHECK(n == 2);
    OK(epp_client_event_get_result_value(e, 1, 0, &str, &n));
    CHECK(has(str, n, "<domain:name ") && has(str, n, "xmlns:domain="));
    OK(epp_client_event_get_result_value_reason(e, 1, 0, &str, &n));
    CHECK(str == NULL);
    OK(epp_client_event_get_result_value(e, 1, 1, &str, &n));
    CHECK(has(str, n, "<t:x"));
    OK(epp_client_event_get_result_value_reason(e, 1, 1, &str, &n));
    CHECK(str_is(str, n, "why"));
    EXPECT(epp_client_event_get_result_value(e, 1, 2, &str, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    OK(epp_client_event_get_response_cl_trid(e, &str, &n));
    CHECK(str == NULL && n == 0); /* missing: accepted */
    {
        bool has_services = true;
        OK(epp_client_event_has_services(e, &has_services));
        CHECK(!has_services);
    }
    EXPECT(epp_client_event_get_service_obj_uri_count(e, &n), EPP_RESULT_NOT_APPLICABLE);
    epp_client_event_free(e);

    OK(epp_client_session_login(c, T0, NULL));
    client_feed(c, OK_RESPONSE("T-2"), T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_LOGIN));
    free(client_drain(c));

    /* Four commands, three in flight: the fourth waits. */
    for (i = 0; i < 3; i++)
        OK(epp_client_session_object(c, EPP_COMMAND_VERB_CHECK, S(DOMAIN_CHECK), NULL, 0, &tags[i], T0 + 5, NULL));
    OK(epp_client_session_poll_request(c, T0 + 5, &cmd));
    EXPECT(epp_client_command_get_sent_at(cmd, &v), EPP_RESULT_NOT_APPLICABLE);
    epp_client_command_free(cmd);
    OK(epp_client_session_get_in_flight(c, &n));
    CHECK(n == 3);
    OK(epp_client_session_get_queued(c, &n));
    CHECK(n == 1);
    /* A response with another clTRID: the session closes. */
    client_feed(c, OK_RESPONSE("T-99"), T0 + 6);
    closed = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    client_queue_empty(c);
    epp_client_session_free(c); /* the event outlives its session */
    OK(epp_client_event_get_close_reason(closed, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_PROTOCOL);
    OK(epp_client_event_get_protocol_error(closed, &perr));
    CHECK(perr == EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH);
    OK(epp_client_event_get_close_expected_cl_trid(closed, &str, &n));
    CHECK(str_is(str, n, "T-3"));
    OK(epp_client_event_get_close_received_cl_trid(closed, &str, &n));
    CHECK(str_is(str, n, "T-99"));
    OK(epp_client_event_get_close_reason_text(closed, &str, &n));
    CHECK(has(str, n, "T-99"));
    EXPECT(epp_client_event_get_close_detail(closed, EPP_CLOSE_DETAIL_RESULT_CODE, &v), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_client_event_get_close_detail(closed, (epp_close_detail)99, &v), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_event_get_command(closed, &u), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_client_event_get_unanswered_count(closed, &n));
    CHECK(n == 4);
    for (i = 0; i < 4; i++) {
        OK(epp_client_event_get_unanswered(closed, i, &u));
        OK(epp_client_command_get_kind(u, &kind));
        CHECK(kind == (i < 3 ? EPP_CLIENT_COMMAND_KIND_CHECK : EPP_CLIENT_COMMAND_KIND_POLL_REQUEST));
        if (i < 3) {
            OK(epp_client_command_get_tag(u, &v));
            CHECK(v == tags[i]);
            OK(epp_client_command_get_sent_at(u, &v));
            CHECK(v == T0 + 5);
        } else {
            EXPECT(epp_client_command_get_sent_at(u, &v), EPP_RESULT_NOT_APPLICABLE);
        }
    }
    EXPECT(epp_client_event_get_unanswered(closed, 4, &u), EPP_RESULT_INDEX_OUT_OF_RANGE);
    epp_client_event_free(closed);

    /* Bad frame length: the details; end of input inside a frame. */
    c = new_client("foo-BAR2", 1);
    OK(epp_client_session_feed_input(c, (const uint8_t *)"\x7f\xff\xff\xff", 4, T0));
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_FRAME_LENGTH, &v));
    CHECK(v == 0x7fffffff);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_FRAME_LIMIT, &v));
    CHECK(v == 16777216);
    epp_client_event_free(e);
    OK(epp_client_session_get_close_reason(c, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_PROTOCOL);
    OK(epp_client_session_get_protocol_error(c, &perr));
    CHECK(perr == EPP_CLIENT_PROTOCOL_ERROR_BAD_FRAME_LENGTH);
    OK(epp_client_session_get_close_detail(c, EPP_CLOSE_DETAIL_FRAME_LENGTH, &v));
    CHECK(v == 0x7fffffff);
    OK(epp_client_session_get_close_reason_text(c, &str, &n));
    CHECK(has(str, n, "frame length"));
    epp_client_session_free(c);

    c = new_client("foo-BAR2", 1);
    OK(epp_client_session_get_close_reason(c, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_NONE);
    OK(epp_client_session_get_protocol_error(c, &perr));
    CHECK(perr == EPP_CLIENT_PROTOCOL_ERROR_NONE);
    EXPECT(epp_client_session_get_close_detail(c, EPP_CLOSE_DETAIL_RESULT_CODE, &v), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_client_session_get_close_reason_text(c, &str, &n));
    CHECK(str == NULL && n == 0);
    OK(epp_client_session_feed_input(c, (const uint8_t *)"\0\0\0\x40<epp", 8, T0));
    OK(epp_client_session_get_buffered_input(c, &n));
    CHECK(n == 8);
    OK(epp_client_session_handle_eof(c, T0));
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_reason(e, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_PEER_CLOSED_MID_FRAME);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_BYTES_RECEIVED, &v));
    CHECK(v == 8);
    epp_client_event_free(e);
    epp_client_session_free(c);

    /* A greeting answering a check: unexpected-greeting, with its kind;
     * a 25xx: server-closing with its code. */
    c = client_logged_in(1);
    OK(epp_client_session_object(c, EPP_COMMAND_VERB_INFO, S(DOMAIN_CHECK), NULL, 0, NULL, T0, NULL));
    client_feed(c, GREETING_STD, T0);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_protocol_error(e, &perr));
    CHECK(perr == EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_COMMAND_KIND, &v));
    CHECK(v == EPP_CLIENT_COMMAND_KIND_INFO);
    epp_client_event_free(e);
    epp_client_session_free(c);

    c = client_logged_in(1);
    OK(epp_client_session_poll_request(c, T0, NULL));
    client_feed(c, CLIENT_RESPONSE("2500", "Command failed; server closing connection", "T-2", ""), T0);
    epp_client_event_free(client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE));
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_reason(e, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_RESULT_CODE, &v));
    CHECK(v == 2500);
    epp_client_event_free(e);
    /* Closing: input dropped, the host may close. */
    client_feed(c, OK_RESPONSE("T-2"), T0);
    client_queue_empty(c);
    OK(epp_client_session_close(c));
    client_queue_empty(c); /* the closed event came once */
    epp_client_session_free(c);
}

static void test_client_timeouts_and_output(void) {
    epp_client_session *c = new_client("foo-BAR2", 1);
    epp_client_event *e;
    const epp_client_command *u = NULL;
    const uint8_t *p = NULL;
    size_t n = 0;
    uint64_t at = 0;
    bool due = true, b = false;
    epp_client_close_reason reason;
    char *out;

    /* Greeting deadline. */
    OK(epp_client_session_get_next_timeout(c, &at));
    CHECK(at == T0 + 10000);
    OK(epp_client_session_handle_timeout(c, T0 + 9999, &due));
    CHECK(!due);
    OK(epp_client_session_handle_timeout(c, T0 + 10000, &due));
    CHECK(due);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_reason(e, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_GREETING_OVERDUE);
    epp_client_event_free(e);
    OK(epp_client_session_get_next_timeout(c, &at));
    CHECK(at == EPP_TIMEOUT_NONE);
    epp_client_session_free(c);

    /* Keep-alive after 30 s idle, then an overdue response. */
    c = client_logged_in(1);
    OK(epp_client_session_get_next_timeout(c, &at));
    CHECK(at == T0 + 30000);
    OK(epp_client_session_handle_timeout(c, T0 + 30000, &due));
    CHECK(due);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_KEEP_ALIVE);
    OK(epp_client_event_get_command(e, &u));
    OK(epp_client_command_is_keep_alive(u, &b));
    CHECK(b);
    epp_client_event_free(e);
    /* Output taken in two parts. */
    OK(epp_client_session_take_output(c, &p, &n));
    CHECK(n > 10);
    EXPECT(epp_client_session_consume_output(c, n + 1), EPP_RESULT_INVALID_LENGTH);
    OK(epp_client_session_consume_output(c, 10));
    {
        size_t left = 0;
        OK(epp_client_session_take_output(c, &p, &left));
        CHECK(left == n - 10);
        OK(epp_client_session_consume_output(c, left));
    }
    OK(epp_client_session_get_next_timeout(c, &at));
    CHECK(at == T0 + 40000);
    OK(epp_client_session_handle_timeout(c, T0 + 40000, &due));
    e = client_next(c, EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE);
    epp_client_event_free(e);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_reason(e, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE);
    OK(epp_client_event_get_close_detail(e, EPP_CLOSE_DETAIL_COMMAND_ID, &at));
    CHECK(at == 2);
    epp_client_event_free(e);
    out = client_drain(c);
    CHECK(out[0] == '\0');
    free(out);
    epp_client_session_free(c);

    /* The host closes: output not taken is dropped. */
    c = client_logged_in(1);
    OK(epp_client_session_poll_request(c, T0, NULL));
    OK(epp_client_session_close(c));
    OK(epp_client_session_take_output(c, &p, &n));
    CHECK(n == 0);
    e = client_next(c, EPP_CLIENT_EVENT_KIND_CLOSED);
    OK(epp_client_event_get_close_reason(e, &reason));
    CHECK(reason == EPP_CLIENT_CLOSE_REASON_HOST);
    OK(epp_client_event_get_unanswered_count(e, &n));
    CHECK(n == 1);
    epp_client_event_free(e);
    epp_client_session_free(c);
}

static void test_client_null_arguments(void) {
    epp_client_session *c = client_logged_in(1);
    epp_client_event *e = NULL;
    epp_client_config_builder *b = NULL;
    epp_client_config *cfg = NULL;
    const epp_client_command *u = NULL;
    epp_client_command *cmd = NULL;
    const char *str;
    size_t n;
    uint64_t v;
    bool flag;
    epp_client_state st;

    OK(epp_client_config_builder_new(S("ClientX"), S("foo-BAR2"), &b));
    EXPECT(epp_client_config_builder_build(b, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_build(NULL, &cfg), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_get_last_error(NULL, &str, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_get_last_error(b, NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_new_password(NULL, S("foo-BAR3")), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_lang(NULL, S("en")), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_add_object_uri(NULL, S(DOMAIN_NS), true), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_add_extension_uri(b, NULL, 3, true), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_max_in_flight(NULL, 1), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_keep_alive_ms(NULL, 1), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_response_deadline_ms(NULL, 1), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_cl_trid_prefix(b, NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_config_builder_set_max_frame_size(NULL, 4096), EPP_RESULT_NULL_PARAMETER);
    epp_client_config_builder_free(b);

    EXPECT(epp_client_session_new(NULL, T0, (epp_client_session **)&e), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_feed_input(NULL, (const uint8_t *)"x", 1, T0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_feed_input(c, NULL, 0, T0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_feed_input(c, (const uint8_t *)"x", SIZE_MAX, T0), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_client_session_wants_input(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_buffered_input(NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_handle_eof(NULL, T0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_close(NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_take_output(c, NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_consume_output(NULL, 0), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_poll_queue(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_next_timeout(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_handle_timeout(c, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_hello(NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_login(NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_logout(NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_poll_request(NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_poll_ack(c, NULL, 0, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_object(NULL, 1, S(DOMAIN_CHECK), NULL, 0, NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_object(c, 1, S(DOMAIN_CHECK), NULL, 5, NULL, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_send(c, 4, NULL, 0, 0, NULL, 0, NULL, 0, (const uint64_t *)((char *)&v + 1), T0,
                                   NULL),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_send(c, 4, NULL, 0, 0, NULL, 0, NULL, 0, NULL, T0,
                                   (epp_client_command **)((char *)&cmd + 1)),
           EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_client_session_get_state(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_state(NULL, &st), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_is_finished(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_in_flight(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_queued(NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_close_reason(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_protocol_error(c, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_close_detail(c, EPP_CLOSE_DETAIL_RESULT_CODE, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_close_reason_text(c, &str, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_session_get_last_error(NULL, &str, &n), EPP_RESULT_NULL_PARAMETER);
    /* Argument errors leave their description as the last error. */
    EXPECT(epp_client_session_poll_ack(c, NULL, 0, T0, NULL), EPP_RESULT_NULL_PARAMETER);
    OK(epp_client_session_get_last_error(c, &str, &n));
    CHECK(has(str, n, "NULL"));

    EXPECT(epp_client_command_get_id(NULL, &v), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_command_get_kind(NULL, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_command_get_tag(NULL, &v), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_command_get_cl_trid(NULL, &str, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_command_get_sent_at(NULL, &v), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_command_is_keep_alive(NULL, &flag), EPP_RESULT_NULL_PARAMETER);

    OK(epp_client_session_poll_request(c, T0, &cmd));
    EXPECT(epp_client_command_get_id(cmd, NULL), EPP_RESULT_NULL_PARAMETER);
    epp_client_command_free(cmd);
    client_feed(c, OK_RESPONSE("T-2"), T0);
    OK(epp_client_session_poll_queue(c, &e));
    CHECK(e != NULL);
    EXPECT(epp_client_event_get_kind(NULL, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_kind(e, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_command(e, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_command(NULL, &u), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_res_data(e, NULL, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_result_message(e, 0, &str, NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_greeting_sv_id(NULL, &str, &n), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_client_event_get_unanswered(e, 0, NULL), EPP_RESULT_NULL_PARAMETER);
    epp_client_event_free(e);
    epp_client_event_free(NULL);
    epp_client_command_free(NULL);
    epp_client_session_free(NULL);
    epp_client_session_free(c);
}

static void test_client_panic(void) {
    epp_client_session *c = client_logged_in(1);
    epp_client_event *e = NULL;
    const char *p = NULL;
    size_t n = 0;
    bool wants = false;
    epp_client_state st = 0;

    EXPECT(epp_test_client_session_panic(NULL), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_test_client_session_panic(c), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_feed_input(c, (const uint8_t *)"x", 1, T0), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_wants_input(c, &wants), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_poll_queue(c, &e), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_get_state(c, &st), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_poll_request(c, T0, NULL), EPP_RESULT_PANIC);
    EXPECT(epp_client_session_close(c), EPP_RESULT_PANIC);
    CHECK(e == NULL && st == 0 && !wants);
    OK(epp_client_session_get_last_error(c, &p, &n));
    CHECK(has(p, n, "panic") && has(p, n, "forced panic"));
    epp_client_session_free(c);
}

/* epp_last_error holds exactly `want` (the whole text). */
static void expect_last_error(const char *want) {
    const char *p = NULL;
    size_t n = 0;
    OK(epp_last_error(&p, &n));
    if (!str_is(p, n, want)) {
        fprintf(stderr, "epp_last_error: \"%.*s\", expected \"%s\"\n", (int)n, p ? p : "", want);
        check_failures++;
    }
}

/* 0.6: a login accepted or refused in one call, a command answered by a
 * result code alone, and argument errors that name the argument and the
 * value (epp_last_error, and the session's last error). */
static void test_shortcuts_and_precise_errors(void) {
    epp_server *c = make_server(NULL, false);
    epp_session *s = NULL;
    epp_request *r;
    epp_response *resp = NULL;
    epp_config_builder *b = NULL;
    epp_security_event *ev = NULL;
    const char *p;
    size_t n;
    bool in = true;
    uint64_t id;

    /* Refused, then accepted; out_logged_in is optional. */
    OK(epp_session_new(c, T0, &s));
    free(drain(s));
    feed_xml(s, LOGIN_XML("registrar1", "wrong-pw1", "V-1"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    id = req_id(r);
    epp_request_free(r);
    EXPECT(epp_session_answer_code(s, id, 1000), EPP_RESULT_WRONG_ANSWER); /* not for a login */
    OK(epp_session_answer_login_verdict(s, id, false, &in));
    CHECK(!in);
    expect_frame(s, "<result code=\"2200\"><msg>Authentication error</msg></result>", "<clTRID>V-1</clTRID>");
    EXPECT(epp_session_answer_login_verdict(s, id, true, &in), EPP_RESULT_ALREADY_ANSWERED);
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "already answered"));
    feed_xml(s, LOGIN_XML("registrar1", "secret-pw1", "V-2"), T0);
    r = next_request(s, EPP_REQUEST_KIND_LOGIN);
    OK(epp_session_answer_login_verdict(s, req_id(r), true, NULL));
    epp_request_free(r);
    expect_frame(s, "<result code=\"1000\"><msg>Command completed successfully</msg></result>", "<clTRID>V-2</clTRID>");

    /* A command answered by a code alone: the same bytes as the three calls. */
    feed_xml(s, CHECK_XML, T0 + 1);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    id = req_id(r);
    epp_request_free(r);
    EXPECT(epp_session_answer_code(s, id, 1234), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("result_code: 1234 is not an EPP result code (RFC 5730 section 3)");
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(str_is(p, n, "result_code: 1234 is not an EPP result code (RFC 5730 section 3)"));
    OK(epp_session_answer_code(s, id, 2303));
    OK(epp_session_get_last_error(s, &p, &n));
    CHECK(p == NULL && n == 0);
    expect_frame(s, "<result code=\"2303\"><msg>Object does not exist</msg></result><trID><clTRID>C-1</clTRID>", NULL);
    /* A 25xx code closes the session once written. */
    feed_xml(s, CHECK_XML, T0 + 2);
    r = next_request(s, EPP_REQUEST_KIND_COMMAND);
    OK(epp_session_answer_code(s, req_id(r), 2500));
    epp_request_free(r);
    expect_frame(s, "<result code=\"2500\">", NULL);
    OK(epp_session_is_finished(s, &in));
    CHECK(in);
    EXPECT(epp_session_answer_code(NULL, 1, 1000), EPP_RESULT_NULL_PARAMETER);
    expect_last_error("a required pointer argument was NULL");
    EXPECT(epp_session_answer_login_verdict(NULL, 1, true, NULL), EPP_RESULT_NULL_PARAMETER);
    epp_session_free(s);

    /* Argument errors without a session. */
    EXPECT(epp_response_new(1234, &resp), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("result_code: 1234 is not an EPP result code (RFC 5730 section 3)");
    OK(epp_response_new(1000, &resp));
    EXPECT(epp_response_add_result(resp, 999), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("result_code: 999 is not an EPP result code (RFC 5730 section 3)");
    epp_response_free(resp);
    EXPECT(epp_security_event_new(42, EPP_SECURITY_EVENT_LEVEL_WARNING, &ev),
           EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("event_type: 42 is not an EPP_SECURITY_EVENT_TYPE_* value");
    EXPECT(epp_security_event_new(EPP_SECURITY_EVENT_TYPE_CIPHER, 9, &ev),
           EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("level: 9 is not an EPP_SECURITY_EVENT_LEVEL_* value");
    OK(epp_config_builder_new(S("t"), &b));
    EXPECT(epp_config_builder_set_limit(b, 77, 1), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("limit: 77 is not an EPP_LIMIT_* value");
    EXPECT(epp_config_builder_set_limit(b, EPP_LIMIT_MAX_FRAME_SIZE, 1ull << 33), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("value: 8589934592 is out of range for limit 1 (at most 4294967295)");
    EXPECT(epp_config_builder_set_dcp_access(b, 99), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("access: 99 is not an EPP_DCP_ACCESS_* value");
    /* Success leaves the text of the latest failure, like errno. */
    OK(epp_config_builder_add_object_uri(b, S(DOMAIN_NS)));
    expect_last_error("access: 99 is not an EPP_DCP_ACCESS_* value");
    epp_config_builder_free(b);
    EXPECT(epp_result_describe(4242, NULL, 0, &n), EPP_RESULT_INVALID_ARGUMENT);
    expect_last_error("result: 4242 is not an epp_result value");
    EXPECT(epp_last_error(NULL, &n), EPP_RESULT_NULL_PARAMETER);
    epp_server_free(c);
}

static void test_every_result_seen(void) {
    size_t i;
    for (i = 0; i < N_RESULTS; i++) {
        if (!result_seen[ALL_RESULTS[i]]) {
            fprintf(stderr, "no test produced %s (%u)\n", describe(ALL_RESULTS[i]),
                    (unsigned)ALL_RESULTS[i]);
            check_failures++;
        }
    }
}

/* ------------------------------------------------------------------ */

struct test {
    const char *name;
    void (*fn)(void);
};

int main(void) {
    static const struct test tests[] = {
        {"version macros match epp_version() and Cargo.toml", test_version},
        {"epp_result_describe", test_result_describe},
        {"config builder", test_config_builder},
        {"full session: greeting, login, hello, poll req/ack, logout", test_full_session},
        {"commands, responses, pipelining, closing responses", test_commands_and_responses},
        {"output and input sizes, frame limits, eof, host close", test_output_and_input_sizes},
        {"buffered input: backpressure, end of input, bound", test_buffered_input},
        {"timeouts", test_timeouts},
        {"failed logins and every login answer", test_failed_logins},
        {"registrar session counter (2502)", test_registrar_sessions},
        {"threads share a server and a counter", test_threads},
        {"transaction log", test_transaction_log},
        {"requests outlive their session", test_request_outlives_session},
        {"NULL arguments", test_null_arguments},
        {"poll message checks", test_poll_message_checks},
        {"login security and unhandled namespaces in the config", test_login_security_and_unhandled_namespaces_config},
        {"login security: passwords and user agents", test_login_security_requests},
        {"login security: events with the login answer", test_security_events},
        {"protocol extensions (RFC 3735)", test_protocol_extension},
        {"structured poll messages (msg_xml)", test_poll_msg_xml},
        {"forced panic", test_panic},
        {"client: config builder", test_client_config_builder},
        {"client: against the server API in memory", test_client_against_server},
        {"client: commands refused, nothing sent", test_client_refusals},
        {"client: event getters, close reasons", test_client_events},
        {"client: deadlines, keep-alive, output", test_client_timeouts_and_output},
        {"client: NULL arguments", test_client_null_arguments},
        {"client: forced panic", test_client_panic},
        {"0.6 shortcuts and precise argument errors", test_shortcuts_and_precise_errors},
        {"every epp_result is produced by some test", test_every_result_seen},
    };
    size_t i, n = sizeof tests / sizeof tests[0];
    int passed = 0, failed = 0;
    for (i = 0; i < n; i++) {
        check_failures = 0;
        tests[i].fn();
        if (check_failures == 0) {
            printf("ok %zu - %s\n", i + 1, tests[i].name);
            passed++;
        } else {
            printf("not ok %zu - %s (%d failed checks)\n", i + 1, tests[i].name, check_failures);
            failed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
