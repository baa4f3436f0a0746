/*
 * C tests of the ETP half of libepp's C API (the epp_etp_* functions of
 * include/epp.h). Built by tests/c/run.sh with -std=c11 -Wall -Wextra
 * -Werror against a libepp built with the cargo feature ffi-test-panic (so
 * EPP_TEST_PANIC is defined), and run under valgrind and AddressSanitizer.
 * The scripted exchanges (tests/etp_scripts) are run_etp_scripts.c's; these
 * tests cover the API itself: every function, its arguments, its results,
 * ownership, threads and the panic boundary.
 *
 * One "ok - NAME" or "not ok - NAME" line per test, then "N passed, M failed".
 * Exit status 0 only when every test passed.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
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
/* A tiny test harness (as test_epp.c's)                                */
/* ------------------------------------------------------------------ */

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

#define S(lit) (lit), (sizeof(lit) - 1)

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

/* ------------------------------------------------------------------ */
/* Avro binary, both ways, for the tests' own messages                  */
/* ------------------------------------------------------------------ */

/* A message under construction (or one taken from a session). */
typedef struct {
    uint8_t b[1024];
    size_t n;
} msg;

static void put_long(msg *m, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    while (z >= 0x80) {
        m->b[m->n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    m->b[m->n++] = (uint8_t)z;
}

static void put_bytes(msg *m, const void *p, size_t n) {
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void put_string(msg *m, const char *s) {
    put_long(m, (int64_t)strlen(s));
    put_bytes(m, s, strlen(s));
}

static void put_header(msg *m, int32_t protocol, int32_t type, int64_t corr, int64_t id, int32_t flags) {
    m->n = 0;
    put_long(m, protocol);
    put_long(m, type);
    put_long(m, corr);
    put_long(m, id);
    put_long(m, flags);
}

/* RequestSession (message id `id`) from "probe" 0 for protocols[i] in
 * roles[i] (version 1.1.0.0, no capabilities) and the given objects. */
static void request_session(msg *m, int64_t id, const int32_t *protocols, const char *const *roles,
                            size_t n, const char *const *objects, size_t n_objects) {
    size_t i;
    put_header(m, EPP_ETP_PROTOCOL_CORE, 1, 0, id, 0);
    put_string(m, "probe");
    put_string(m, "0");
    if (n) {
        put_long(m, (int64_t)n);
        for (i = 0; i < n; i++) {
            put_long(m, protocols[i]);
            put_long(m, 1), put_long(m, 1), put_long(m, 0), put_long(m, 0);
            put_string(m, roles[i]);
            put_long(m, 0); /* no capabilities */
        }
    }
    put_long(m, 0);
    if (n_objects) {
        put_long(m, (int64_t)n_objects);
        for (i = 0; i < n_objects; i++)
            put_string(m, objects[i]);
    }
    put_long(m, 0);
}

/* A reader over a message. */
typedef struct {
    const uint8_t *p;
    size_t n, i;
    bool bad;
} reader;

static int64_t rd_long(reader *r) {
    uint64_t z = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b;
        if (r->i >= r->n || shift > 63) {
            r->bad = true;
            return 0;
        }
        b = r->p[r->i++];
        z |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* A string, as (pointer, length) into the message. */
static const char *rd_string(reader *r, size_t *len) {
    int64_t n = rd_long(r);
    const char *p;
    if (r->bad || n < 0 || (uint64_t)n > r->n - r->i) {
        r->bad = true;
        *len = 0;
        return "";
    }
    p = (const char *)r->p + r->i;
    r->i += (size_t)n;
    *len = (size_t)n;
    return p;
}

static epp_etp_message_header rd_header(reader *r) {
    epp_etp_message_header h;
    h.protocol = (int32_t)rd_long(r);
    h.message_type = (int32_t)rd_long(r);
    h.correlation_id = rd_long(r);
    h.message_id = rd_long(r);
    h.message_flags = (int32_t)rd_long(r);
    return h;
}

static bool header_is(const epp_etp_message_header *h, int32_t protocol, int32_t type, int64_t corr,
                      int64_t id, int32_t flags) {
    return h->protocol == protocol && h->message_type == type && h->correlation_id == corr &&
           h->message_id == id && h->message_flags == flags;
}

/* ------------------------------------------------------------------ */
/* Session helpers                                                      */
/* ------------------------------------------------------------------ */

static const uint8_t SESSION_ID[EPP_ETP_SESSION_ID_LEN] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
#define SESSION_ID_TEXT "00112233-4455-6677-8899-aabbccddeeff"

/* A config: "C test store" 2.0, Discovery and Store in the role "store",
 * one supported object, and optional limits (pairs of epp_etp_limit and
 * value, ended by 0). */
static epp_etp_config *make_config(const uint64_t *limits) {
    epp_etp_config_builder *b = NULL;
    epp_etp_config *c = NULL;
    OK(epp_etp_config_builder_new(&b));
    OK(epp_etp_config_builder_set_application_name(b, S("C test store")));
    OK(epp_etp_config_builder_set_application_version(b, S("2.0")));
    OK(epp_etp_config_builder_add_protocol(b, EPP_ETP_PROTOCOL_DISCOVERY, 1, 1, 0, 0, S("store")));
    OK(epp_etp_config_builder_add_protocol(b, EPP_ETP_PROTOCOL_STORE, 1, 1, 0, 0, S("store")));
    OK(epp_etp_config_builder_add_supported_object(b, S("witsml14.well")));
    for (; limits && limits[0] != 0; limits += 2)
        OK(epp_etp_config_builder_set_limit(b, (epp_etp_limit)limits[0], limits[1]));
    OK(epp_etp_config_builder_build(b, &c));
    epp_etp_config_builder_free(b);
    CHECK(c != NULL);
    return c;
}

static epp_etp_session *new_session(const epp_etp_config *c) {
    epp_etp_session *s = NULL;
    OK(epp_etp_session_new(c, SESSION_ID, &s));
    CHECK(s != NULL);
    return s;
}

static void feed(epp_etp_session *s, const msg *m) { OK(epp_etp_session_feed_message(s, m->b, m->n)); }

/* Takes the next message sent into `out`; false when there is none. */
static bool take(epp_etp_session *s, msg *out) {
    const uint8_t *p = (const uint8_t *)"sentinel";
    size_t n = 4242;
    OK(epp_etp_session_peek_output(s, &p, &n));
    if (p == NULL) {
        CHECK(n == 0);
        return false;
    }
    CHECK(n > 0 && n <= sizeof out->b);
    if (n > sizeof out->b)
        n = sizeof out->b;
    memcpy(out->b, p, n);
    out->n = n;
    OK(epp_etp_session_consume_output(s));
    return true;
}

/* Takes the next message and reads its header; the reader is left at
 * its body. */
static epp_etp_message_header take_header(epp_etp_session *s, msg *out, reader *r) {
    epp_etp_message_header h;
    memset(&h, 0, sizeof h);
    CHECK(take(s, out));
    r->p = out->b;
    r->n = out->n;
    r->i = 0;
    r->bad = false;
    h = rd_header(r);
    CHECK(!r->bad);
    return h;
}

static void expect_no_output(epp_etp_session *s) {
    msg m;
    CHECK(!take(s, &m));
}

static epp_etp_request *next_item(epp_etp_session *s, epp_etp_request_kind want) {
    epp_etp_request *r = NULL;
    epp_etp_request_kind k = 0;
    OK(epp_etp_session_poll_queue(s, &r));
    CHECK(r != NULL);
    if (!r)
        return NULL;
    OK(epp_etp_request_get_kind(r, &k));
    CHECK(k == want);
    return r;
}

static void expect_queue_empty(epp_etp_session *s) {
    epp_etp_request *r = (epp_etp_request *)1;
    OK(epp_etp_session_poll_queue(s, &r));
    CHECK(r == NULL);
}

static uint64_t item_id(const epp_etp_request *r) {
    uint64_t id = 0;
    OK(epp_etp_request_get_id(r, &id));
    return id;
}

static epp_etp_session_state state_of(const epp_etp_session *s) {
    epp_etp_session_state st = 0;
    OK(epp_etp_session_get_state(s, &st));
    return st;
}

/* A session opened for Discovery and Store (RequestSession message id 1);
 * OpenSession and the opened item are taken. */
static epp_etp_session *opened(const epp_etp_config *c) {
    static const int32_t protocols[] = {EPP_ETP_PROTOCOL_DISCOVERY, EPP_ETP_PROTOCOL_STORE};
    static const char *const roles[] = {"store", "store"};
    epp_etp_session *s = new_session(c);
    msg m, out;
    reader r;
    epp_etp_message_header h;
    request_session(&m, 1, protocols, roles, 2, NULL, 0);
    feed(s, &m);
    h = take_header(s, &out, &r);
    CHECK(header_is(&h, 0, 2, 1, 1, 0));
    expect_no_output(s);
    epp_etp_request_free(next_item(s, EPP_ETP_REQUEST_KIND_OPENED));
    expect_queue_empty(s);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);
    return s;
}

/* A message of `protocol` (type `type`, message id `id`) with `body`. */
static void message(msg *m, int32_t protocol, int32_t type, int64_t id, int32_t flags, const char *body) {
    put_header(m, protocol, type, 0, id, flags);
    put_bytes(m, body, strlen(body));
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_constants(void) {
    CHECK(EPP_ETP_SESSION_ID_LEN == 16);
    CHECK(EPP_ETP_PROTOCOL_CORE == 0 && EPP_ETP_PROTOCOL_DISCOVERY == 3 && EPP_ETP_PROTOCOL_STORE == 4);
    CHECK(EPP_ETP_FLAG_MULTI_PART == 1 && EPP_ETP_FLAG_FINAL_PART == 2);
    CHECK(EPP_ETP_MESSAGE_TYPE_PROTOCOL_EXCEPTION == 1000 && EPP_ETP_MESSAGE_TYPE_ACKNOWLEDGE == 1001);
    CHECK(EPP_ETP_ERROR_ENOROLE == 1 && EPP_ETP_ERROR_ENOSUPPORTEDPROTOCOLS == 2 &&
          EPP_ETP_ERROR_EINVALID_MESSAGETYPE == 3 && EPP_ETP_ERROR_EUNSUPPORTED_PROTOCOL == 4 &&
          EPP_ETP_ERROR_EINVALID_ARGUMENT == 5 && EPP_ETP_ERROR_EPERMISSION_DENIED == 6 &&
          EPP_ETP_ERROR_ENOTSUPPORTED == 7 && EPP_ETP_ERROR_EINVALID_STATE == 8 &&
          EPP_ETP_ERROR_EINVALID_URI == 9 && EPP_ETP_ERROR_EEXPIRED_TOKEN == 10 &&
          EPP_ETP_ERROR_ENOT_FOUND == 11);
    CHECK(EPP_ETP_LIMIT_MAX_IN_FLIGHT == 1 && EPP_ETP_LIMIT_MAX_PENDING_OUTPUT == 2 &&
          EPP_ETP_LIMIT_MAX_BUFFERED_INPUT == 3);
    CHECK(EPP_ETP_SESSION_STATE_AWAITING_REQUEST == 1 && EPP_ETP_SESSION_STATE_CLOSED == 4);
    CHECK(EPP_ETP_CLOSE_REASON_NONE == 0 && EPP_ETP_CLOSE_REASON_HOST == 5);
    CHECK(EPP_ETP_REQUEST_KIND_OPENED == 1 && EPP_ETP_REQUEST_KIND_SESSION_END == 6);
    /* The plain-data structs: fields in the schema's order, C layout. */
    CHECK(sizeof(epp_etp_version) == 16);
    CHECK(offsetof(epp_etp_message_header, protocol) == 0);
    CHECK(offsetof(epp_etp_message_header, message_type) == 4);
    CHECK(offsetof(epp_etp_message_header, correlation_id) == 8);
    CHECK(offsetof(epp_etp_message_header, message_id) == 16);
    CHECK(offsetof(epp_etp_message_header, message_flags) == 24);
    CHECK(sizeof(epp_etp_session_state) == 4 && sizeof(epp_etp_close_reason) == 4 &&
          sizeof(epp_etp_request_kind) == 4 && sizeof(epp_etp_limit) == 4);
    CHECK(strcmp(epp_version(), EXPECTED_VERSION) == 0);
}

/* OpenSession of a session of `c`, opened for Discovery and Store:
 * application name and version, session id, then the raw protocol list
 * and objects in `rest`. */
static void open_with(const epp_etp_config *c, msg *out, reader *r) {
    static const int32_t protocols[] = {EPP_ETP_PROTOCOL_DISCOVERY, EPP_ETP_PROTOCOL_STORE};
    static const char *const roles[] = {"store", "store"};
    epp_etp_session *s = new_session(c);
    msg m;
    epp_etp_message_header h;
    request_session(&m, 1, protocols, roles, 2, NULL, 0);
    feed(s, &m);
    h = take_header(s, out, r);
    CHECK(header_is(&h, 0, 2, 1, 1, 0));
    epp_etp_session_free(s);
}

static void test_config_builder(void) {
    epp_etp_config_builder *b = NULL, *untouched = (epp_etp_config_builder *)&b;
    epp_etp_config *c = NULL, *c2 = NULL;
    epp_etp_config *cout = (epp_etp_config *)&c;
    const char *p = (const char *)"x";
    size_t n = 99, len;
    msg out;
    reader r;
    const char *s;

    /* Defaults: libepp at its version, Discovery and Store as "store". */
    OK(epp_etp_config_builder_new(&b));
    OK(epp_etp_config_builder_get_last_error(b, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_etp_config_builder_build(b, &c));
    OK(epp_etp_config_builder_get_last_error(b, &p, &n));
    CHECK(p == NULL && n == 0);
    open_with(c, &out, &r);
    s = rd_string(&r, &len);
    CHECK(str_is(s, len, "libepp"));
    s = rd_string(&r, &len);
    CHECK(str_is(s, len, EXPECTED_VERSION));
    s = rd_string(&r, &len);
    CHECK(str_is(s, len, SESSION_ID_TEXT));
    {
        /* [3 1.1.0.0 store {}, 4 1.1.0.0 store {}], [] */
        static const uint8_t want[] = {0x04, 0x06, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00,
                                       0x08, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00,
                                       0x00, 0x00};
        CHECK(!r.bad && r.n - r.i == sizeof want && memcmp(r.p + r.i, want, sizeof want) == 0);
    }
    epp_etp_config_free(c);
    c = NULL;

    /* Settings; the first protocol replaces the defaults. */
    OK(epp_etp_config_builder_set_application_name(b, S("Store \xc3\xa9")));
    OK(epp_etp_config_builder_set_application_version(b, S("")));
    OK(epp_etp_config_builder_add_protocol(b, 4, 1, 2, 3, 4, S("store")));
    OK(epp_etp_config_builder_add_supported_object(b, S("a")));
    OK(epp_etp_config_builder_add_supported_object(b, S("b")));
    OK(epp_etp_config_builder_set_limit(b, EPP_ETP_LIMIT_MAX_IN_FLIGHT, 1));
    OK(epp_etp_config_builder_set_limit(b, EPP_ETP_LIMIT_MAX_PENDING_OUTPUT, 1));
    OK(epp_etp_config_builder_set_limit(b, EPP_ETP_LIMIT_MAX_BUFFERED_INPUT, 1));
    OK(epp_etp_config_builder_build(b, &c));
    OK(epp_etp_config_builder_build(b, &c2)); /* reusable */
    CHECK(c != NULL && c2 != NULL && c != c2);
    open_with(c2, &out, &r);
    s = rd_string(&r, &len);
    CHECK(str_is(s, len, "Store \xc3\xa9"));
    s = rd_string(&r, &len);
    CHECK(len == 0);
    s = rd_string(&r, &len);
    CHECK(str_is(s, len, SESSION_ID_TEXT));
    {
        /* [4 1.2.3.4 store {}] (Discovery is no longer offered), ["a", "b"] */
        static const uint8_t want[] = {0x02, 0x08, 0x02, 0x04, 0x06, 0x08, 0x0a, 's', 't', 'o', 'r', 'e', 0x00,
                                       0x00, 0x04, 0x02, 'a', 0x02, 'b', 0x00};
        CHECK(!r.bad && r.n - r.i == sizeof want && memcmp(r.p + r.i, want, sizeof want) == 0);
    }
    epp_etp_config_free(c);
    epp_etp_config_free(c2);
    epp_etp_config_builder_free(b);

    /* Refused configurations: the result, the reason, nothing written. */
    {
        static const struct {
            int32_t protocol;
            const char *role;
            int32_t protocol2;
            const char *why;
        } bad[] = {
            {0, "store", 3, "Core"},          /* Core is libepp's */
            {-1, "store", 3, "-1"},           /* negative */
            {3, "store", 3, "twice"},         /* twice */
            {3, "", 4, "empty role"},         /* empty role */
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            OK(epp_etp_config_builder_new(&b));
            OK(epp_etp_config_builder_add_protocol(b, bad[i].protocol, 1, 1, 0, 0, bad[i].role, strlen(bad[i].role)));
            OK(epp_etp_config_builder_add_protocol(b, bad[i].protocol2, 1, 1, 0, 0, S("customer")));
            cout = (epp_etp_config *)&c;
            EXPECT(epp_etp_config_builder_build(b, &cout), EPP_RESULT_INVALID_CONFIG);
            CHECK(cout == (epp_etp_config *)&c);
            OK(epp_etp_config_builder_get_last_error(b, &p, &n));
            if (!has(p, n, bad[i].why)) {
                fprintf(stderr, "last error lacks \"%s\": %.*s\n", bad[i].why, (int)n, p ? p : "");
                check_failures++;
            }
            epp_etp_config_builder_free(b);
        }
    }
    OK(epp_etp_config_builder_new(&b));
    OK(epp_etp_config_builder_set_limit(b, EPP_ETP_LIMIT_MAX_PENDING_OUTPUT, 0));
    EXPECT(epp_etp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
    OK(epp_etp_config_builder_get_last_error(b, &p, &n));
    CHECK(has(p, n, "limit"));
    /* ...and fixed: the last error goes. */
    OK(epp_etp_config_builder_set_limit(b, EPP_ETP_LIMIT_MAX_PENDING_OUTPUT, 65536));
    OK(epp_etp_config_builder_build(b, &c));
    OK(epp_etp_config_builder_get_last_error(b, &p, &n));
    CHECK(p == NULL && n == 0);
    epp_etp_config_free(c);
    /* 65 protocols are too many. */
    {
        int32_t i;
        for (i = 1; i <= 65; i++)
            OK(epp_etp_config_builder_add_protocol(b, i + 100, 1, 1, 0, 0, S("store")));
        EXPECT(epp_etp_config_builder_build(b, &c), EPP_RESULT_INVALID_CONFIG);
        OK(epp_etp_config_builder_get_last_error(b, &p, &n));
        CHECK(has(p, n, "64"));
    }
    epp_etp_config_builder_free(b);

    /* Argument errors. */
    OK(epp_etp_config_builder_new(&b));
    EXPECT(epp_etp_config_builder_set_limit(b, (epp_etp_limit)0, 1), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_etp_config_builder_set_limit(b, (epp_etp_limit)4, 1), EPP_RESULT_INVALID_ARGUMENT);
    EXPECT(epp_etp_config_builder_set_application_name(b, S("\xff")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_etp_config_builder_add_protocol(b, 3, 1, 1, 0, 0, S("st\xc3")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_etp_config_builder_add_supported_object(b, "x", SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_etp_config_builder_set_application_version(b, "x", (size_t)PTRDIFF_MAX + 1),
           EPP_RESULT_INVALID_LENGTH);
    /* A capability needs a protocol added first (the defaults take none). */
    EXPECT(epp_etp_config_builder_add_capability_null(b, S("c")), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_config_builder_add_capability_int(b, S("c"), 1), EPP_RESULT_NOT_APPLICABLE);
    /* ...but argument errors come first. */
    EXPECT(epp_etp_config_builder_add_capability_string(b, S("c"), S("\x80")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_etp_config_builder_add_capability_long(b, S("\xc0\xaf"), 1), EPP_RESULT_INVALID_UTF8);
    /* Nothing failed was applied: the builder still builds the defaults. */
    OK(epp_etp_config_builder_build(b, &c));
    epp_etp_config_free(c);
    epp_etp_config_builder_free(b);

    /* Out-parameters are left alone on failure. */
    EXPECT(epp_etp_config_builder_get_last_error(NULL, &p, &n), EPP_RESULT_NULL_PARAMETER);
    CHECK(untouched == (epp_etp_config_builder *)&b);
    epp_etp_config_builder_free(NULL);
    epp_etp_config_free(NULL);
}

static void test_capabilities_on_the_wire(void) {
    epp_etp_config_builder *b = NULL;
    epp_etp_config *c = NULL;
    msg out;
    reader r;
    size_t len;
    /* Store 1.1.0.0 "store" with one capability of every kind, in order. */
    static const uint8_t want[] = {
        0x02,                                    /* one protocol */
        0x08, 0x02, 0x02, 0x00, 0x00,            /* 4, 1.1.0.0 */
        0x0a, 's', 't', 'o', 'r', 'e',           /* "store" */
        0x0c,                                    /* six capabilities */
        0x02, 'n', 0x00,                         /* n: null (branch 0) */
        0x02, 'b', 0x0e, 0x01,                   /* b: boolean (7) true */
        0x02, 'i', 0x06, 0x0a,                   /* i: int (3) 5 */
        0x02, 'l', 0x08, 0x03,                   /* l: long (4) -2 */
        0x02, 'd', 0x02, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, /* d: double (1) 1.5 */
        0x02, 's', 0x0a, 0x04, 'x', ' ',         /* s: string (5) "x " */
        0x00,                                    /* end of the map */
        0x00,                                    /* end of the protocols */
        0x00,                                    /* no supported objects */
    };
    OK(epp_etp_config_builder_new(&b));
    OK(epp_etp_config_builder_add_protocol(b, EPP_ETP_PROTOCOL_STORE, 1, 1, 0, 0, S("store")));
    OK(epp_etp_config_builder_add_capability_null(b, S("n")));
    OK(epp_etp_config_builder_add_capability_boolean(b, S("b"), true));
    OK(epp_etp_config_builder_add_capability_int(b, S("i"), 5));
    OK(epp_etp_config_builder_add_capability_long(b, S("l"), -2));
    OK(epp_etp_config_builder_add_capability_double(b, S("d"), 1.5));
    OK(epp_etp_config_builder_add_capability_string(b, S("s"), S("x ")));
    OK(epp_etp_config_builder_build(b, &c));
    epp_etp_config_builder_free(b);
    open_with(c, &out, &r);
    epp_etp_config_free(c);
    rd_string(&r, &len);
    rd_string(&r, &len);
    rd_string(&r, &len);
    CHECK(!r.bad && r.n - r.i == sizeof want && memcmp(r.p + r.i, want, sizeof want) == 0);
}

static void test_open(void) {
    static const int32_t protocols[] = {7, EPP_ETP_PROTOCOL_STORE, EPP_ETP_PROTOCOL_DISCOVERY, EPP_ETP_PROTOCOL_STORE};
    static const char *const roles[] = {"store", "customer", "store", "store"};
    static const char *const objects[] = {"x", "y z"};
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = new_session(c);
    epp_etp_request *r;
    epp_etp_message_header h;
    epp_etp_version v;
    epp_etp_close_reason why = 99;
    msg m, out;
    reader rd;
    const char *p;
    const uint8_t *bp;
    size_t n, len;
    int32_t id = 0, code = 0;
    uint64_t u = 0;
    bool b = true;

    /* Before RequestSession: nothing is sent, the session wants input. */
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_AWAITING_REQUEST);
    OK(epp_etp_session_wants_input(s, &b));
    CHECK(b);
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(!b);
    OK(epp_etp_session_get_close_reason(s, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_NONE);
    p = "x";
    n = 7;
    OK(epp_etp_session_get_close_reason_text(s, &p, &n));
    CHECK(p == NULL && n == 0);
    expect_no_output(s);
    expect_queue_empty(s);

    /* RequestSession (message id 5): unsupported protocol 7, Store in a
     * role the server does not play, Discovery and Store as "store". */
    request_session(&m, 5, protocols, roles, 4, objects, 2);
    feed(s, &m);
    OK(epp_etp_session_get_pending_output(s, &n));
    CHECK(n == 1);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 2, 5, 1, 0));
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, "C test store"));
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, "2.0"));
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, SESSION_ID_TEXT));
    {
        /* Both, in configuration order, then the server's object. */
        static const uint8_t want[] = {0x04, 0x06, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00,
                                       0x08, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00,
                                       0x00, 0x02, 0x1a, 'w', 'i', 't', 's', 'm', 'l', '1', '4', '.', 'w',
                                       'e', 'l', 'l', 0x00};
        CHECK(!rd.bad && rd.n - rd.i == sizeof want && memcmp(rd.p + rd.i, want, sizeof want) == 0);
    }
    expect_no_output(s);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);

    /* The opened item and its getters. */
    r = next_item(s, EPP_ETP_REQUEST_KIND_OPENED);
    expect_queue_empty(s);
    OK(epp_etp_request_get_header(r, &h));
    CHECK(header_is(&h, 0, 1, 0, 5, 0));
    OK(epp_etp_request_get_application_name(r, &p, &n));
    CHECK(str_is(p, n, "probe"));
    OK(epp_etp_request_get_application_version(r, &p, &n));
    CHECK(str_is(p, n, "0"));
    OK(epp_etp_request_get_protocol_count(r, &n));
    CHECK(n == 2);
    OK(epp_etp_request_get_protocol(r, 0, &id, &v, &p, &n));
    CHECK(id == 3 && v.major == 1 && v.minor == 1 && v.revision == 0 && v.patch == 0 && str_is(p, n, "store"));
    OK(epp_etp_request_get_protocol(r, 1, &id, &v, &p, &n));
    CHECK(id == 4 && str_is(p, n, "store"));
    id = -5;
    EXPECT(epp_etp_request_get_protocol(r, 2, &id, &v, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    EXPECT(epp_etp_request_get_protocol(r, SIZE_MAX, &id, &v, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    CHECK(id == -5);
    OK(epp_etp_request_get_supported_object_count(r, &n));
    CHECK(n == 2);
    OK(epp_etp_request_get_supported_object(r, 0, &p, &n));
    CHECK(str_is(p, n, "x"));
    OK(epp_etp_request_get_supported_object(r, 1, &p, &n));
    CHECK(str_is(p, n, "y z"));
    EXPECT(epp_etp_request_get_supported_object(r, 2, &p, &n), EPP_RESULT_INDEX_OUT_OF_RANGE);
    /* Getters of other kinds. */
    u = 77;
    EXPECT(epp_etp_request_get_id(r, &u), EPP_RESULT_NOT_APPLICABLE);
    CHECK(u == 77);
    EXPECT(epp_etp_request_get_body(r, &bp, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_token(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_error_code(r, &code), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_error_message(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_close_reason(r, &why), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_close_message(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_close_reason_text(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    epp_etp_request_free(r);

    /* Another RequestSession now: EINVALID_STATE, correlated to it. */
    request_session(&m, 6, protocols, roles, 1, NULL, 0);
    feed(s, &m);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, EPP_ETP_MESSAGE_TYPE_PROTOCOL_EXCEPTION, 6, 2, 0));
    CHECK(rd_long(&rd) == EPP_ETP_ERROR_EINVALID_STATE);
    p = rd_string(&rd, &len);
    CHECK(has(p, len, "EINVALID_STATE"));
    expect_queue_empty(s);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 0);

    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_no_supported_protocols(void) {
    static const int32_t protocols[] = {EPP_ETP_PROTOCOL_STORE};
    static const char *const roles[] = {"customer"};
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = new_session(c);
    epp_etp_request *r;
    epp_etp_message_header h;
    epp_etp_close_reason why;
    msg m, out;
    reader rd;
    const char *p;
    size_t n, len;
    bool b;

    request_session(&m, 1, protocols, roles, 1, NULL, 0);
    feed(s, &m);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSING);
    OK(epp_etp_session_wants_input(s, &b));
    CHECK(!b);
    OK(epp_etp_session_get_pending_output(s, &n));
    CHECK(n == 2);
    OK(epp_etp_session_get_close_reason(s, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_NO_SUPPORTED_PROTOCOLS);
    OK(epp_etp_session_get_close_reason_text(s, &p, &n));
    CHECK(str_is(p, n, "no requested protocol is supported"));
    /* ProtocolException ENOSUPPORTEDPROTOCOLS, then CloseSession. */
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 1000, 1, 1, 0));
    CHECK(rd_long(&rd) == EPP_ETP_ERROR_ENOSUPPORTEDPROTOCOLS);
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(!b);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 5, 0, 2, 0));
    CHECK(rd_long(&rd) == 1); /* the union's string branch */
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, "no supported protocols"));
    /* Every message taken: closed, finished. */
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(b);
    r = next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END);
    OK(epp_etp_request_get_close_reason(r, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_NO_SUPPORTED_PROTOCOLS);
    p = "x";
    n = 1;
    OK(epp_etp_request_get_close_message(r, &p, &n));
    CHECK(p == NULL && n == 0);
    OK(epp_etp_request_get_close_reason_text(r, &p, &n));
    CHECK(str_is(p, n, "no requested protocol is supported"));
    EXPECT(epp_etp_request_get_header(r, &h), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_application_name(r, &p, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_protocol_count(r, &n), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_supported_object_count(r, &n), EPP_RESULT_NOT_APPLICABLE);
    epp_etp_request_free(r);
    expect_queue_empty(s);
    /* The end is sticky. */
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_SESSION_CLOSED);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "closed"));
    EXPECT(epp_etp_session_close_session(s, NULL, 0), EPP_RESULT_SESSION_CLOSED);
    OK(epp_etp_session_close(s)); /* nothing happens */
    OK(epp_etp_session_handle_eof(s));
    OK(epp_etp_session_get_close_reason(s, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_NO_SUPPORTED_PROTOCOLS);
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_messages_and_answers(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = opened(c);
    epp_etp_request *r1, *r2, *r3, *r4;
    epp_etp_message_header h;
    msg m, out;
    reader rd;
    const uint8_t *bp;
    const char *p;
    size_t n, len;
    uint64_t id1, id2, id3, id4;
    int32_t code;

    /* Discovery (message id 2, flags 0x10), Store (3), Store with an empty
     * body (4), Store ProtocolException (5): all go to the host. */
    message(&m, 3, 1, 2, 0x10, "\x0c" "eml://");
    feed(s, &m);
    message(&m, 4, 1, 3, 0, "\x02w");
    feed(s, &m);
    message(&m, 4, 1, 4, 0, "");
    feed(s, &m);
    message(&m, 4, 1000, 5, 0, "\x16\x02x");
    feed(s, &m);
    expect_no_output(s);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 4);
    r1 = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    r2 = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    r3 = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    r4 = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    expect_queue_empty(s);
    id1 = item_id(r1), id2 = item_id(r2), id3 = item_id(r3), id4 = item_id(r4);
    CHECK(id1 != id2 && id2 != id3 && id3 != id4 && id1 != id4);
    OK(epp_etp_request_get_header(r1, &h));
    CHECK(header_is(&h, 3, 1, 0, 2, 0x10));
    OK(epp_etp_request_get_body(r1, &bp, &n));
    CHECK(n == 7 && memcmp(bp, "\x0c" "eml://", 7) == 0);
    bp = NULL;
    n = 9;
    OK(epp_etp_request_get_body(r3, &bp, &n));
    CHECK(bp != NULL && n == 0); /* present and empty */
    OK(epp_etp_request_get_header(r4, &h));
    CHECK(header_is(&h, 4, 1000, 0, 5, 0));
    EXPECT(epp_etp_request_get_error_code(r4, &code), EPP_RESULT_NOT_APPLICABLE);
    EXPECT(epp_etp_request_get_token(r1, &p, &n), EPP_RESULT_NOT_APPLICABLE);

    /* Answers in any order; each message goes out when known. The
     * response takes the request's protocol and correlation. */
    OK(epp_etp_session_respond(s, id2, 4, 0, (const uint8_t *)"\x02" "a", 2));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 4, 4, 3, 2, 0));
    CHECK(rd.n - rd.i == 2 && memcmp(rd.p + rd.i, "\x02" "a", 2) == 0);
    expect_no_output(s);
    EXPECT(epp_etp_session_respond(s, id2, 4, 0, NULL, 0), EPP_RESULT_ALREADY_ANSWERED);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "already answered"));
    /* Multi-part: the request stays outstanding until the final part. */
    OK(epp_etp_session_respond(s, id1, 2, EPP_ETP_FLAG_MULTI_PART, (const uint8_t *)"\x02" "b", 2));
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(p == NULL && n == 0); /* a success clears it */
    OK(epp_etp_session_respond(s, id1, 2, EPP_ETP_FLAG_MULTI_PART | EPP_ETP_FLAG_FINAL_PART, NULL, 0));
    EXPECT(epp_etp_session_respond(s, id1, 2, 0, NULL, 0), EPP_RESULT_ALREADY_ANSWERED);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 3, 2, 2, 3, 1));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 3, 2, 2, 4, 3));
    CHECK(rd.i == rd.n); /* (NULL, 0): an empty body */
    /* raise: a ProtocolException in the request's protocol. */
    OK(epp_etp_session_raise(s, id3, EPP_ETP_ERROR_ENOT_FOUND, S("ENOT_FOUND: \xc3\xa9")));
    EXPECT(epp_etp_session_raise(s, id3, 1, NULL, 0), EPP_RESULT_ALREADY_ANSWERED);
    EXPECT(epp_etp_session_finish(s, id3), EPP_RESULT_ALREADY_ANSWERED);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 4, 1000, 4, 5, 0));
    CHECK(rd_long(&rd) == 11);
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, "ENOT_FOUND: \xc3\xa9") && rd.i == rd.n);
    /* Argument errors answer nothing. */
    EXPECT(epp_etp_session_raise(s, id4, 1, S("\xff")), EPP_RESULT_INVALID_UTF8);
    EXPECT(epp_etp_session_respond(s, id4, 1, 0, NULL, 3), EPP_RESULT_NULL_PARAMETER);
    EXPECT(epp_etp_session_respond(s, id4, 1, 0, (const uint8_t *)"x", SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "length"));
    expect_no_output(s);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 1);
    /* An empty error message, (NULL, 0). */
    OK(epp_etp_session_raise(s, id4, -7, NULL, 0));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 4, 1000, 5, 6, 0));
    CHECK(rd_long(&rd) == -7);
    rd_string(&rd, &len);
    CHECK(len == 0 && !rd.bad);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 0);
    /* Ids never issued. */
    EXPECT(epp_etp_session_finish(s, 0), EPP_RESULT_UNKNOWN_REQUEST);
    EXPECT(epp_etp_session_finish(s, id4 + 1000), EPP_RESULT_UNKNOWN_REQUEST);
    EXPECT(epp_etp_session_respond(s, UINT64_MAX, 1, 0, NULL, 0), EPP_RESULT_UNKNOWN_REQUEST);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && n > 0);
    /* A protocol not negotiated: EUNSUPPORTED_PROTOCOL, in Core. */
    message(&m, 5, 1, 9, 0, "");
    feed(s, &m);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 1000, 9, 7, 0));
    CHECK(rd_long(&rd) == EPP_ETP_ERROR_EUNSUPPORTED_PROTOCOL);
    expect_queue_empty(s);
    /* An empty WebSocket message: its header does not decode. */
    OK(epp_etp_session_feed_message(s, (const uint8_t *)"", 0));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 1000, 0, 8, 0));
    CHECK(rd_long(&rd) == EPP_ETP_ERROR_EINVALID_ARGUMENT);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);

    epp_etp_request_free(r1);
    epp_etp_request_free(r2);
    epp_etp_request_free(r3);
    epp_etp_request_free(r4);
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_core_news_and_tokens(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = opened(c);
    epp_etp_request *r;
    epp_etp_message_header h;
    epp_etp_close_reason why;
    msg m, out;
    reader rd;
    const char *p;
    size_t n, len;
    int32_t code = 0;
    uint64_t id;

    /* RenewSecurityToken: the host accepts (finish) or refuses (raise). */
    message(&m, 0, 6, 2, 0, "\x0e" "token-2");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_RENEW_TOKEN);
    OK(epp_etp_request_get_token(r, &p, &n));
    CHECK(str_is(p, n, "token-2"));
    OK(epp_etp_request_get_header(r, &h));
    CHECK(header_is(&h, 0, 6, 0, 2, 0));
    id = item_id(r);
    epp_etp_request_free(r);
    OK(epp_etp_session_finish(s, id));
    expect_no_output(s);
    message(&m, 0, 6, 3, 0, "\x02x");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_RENEW_TOKEN);
    id = item_id(r);
    epp_etp_request_free(r);
    OK(epp_etp_session_raise(s, id, EPP_ETP_ERROR_EEXPIRED_TOKEN, S("EEXPIRED_TOKEN")));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 1000, 3, 2, 0));
    CHECK(rd_long(&rd) == 10);

    /* The client's ProtocolException and Acknowledge in Core: news. */
    put_header(&m, 0, 1000, 2, 4, 0); /* correlated to our message 2 */
    put_bytes(&m, "\x08\x0c" "no way", 8);
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_PEER_EXCEPTION);
    OK(epp_etp_request_get_error_code(r, &code));
    CHECK(code == 4);
    OK(epp_etp_request_get_error_message(r, &p, &n));
    CHECK(str_is(p, n, "no way"));
    OK(epp_etp_request_get_header(r, &h));
    CHECK(header_is(&h, 0, 1000, 2, 4, 0));
    EXPECT(epp_etp_request_get_id(r, &id), EPP_RESULT_NOT_APPLICABLE);
    epp_etp_request_free(r);
    message(&m, 0, 1001, 5, 0, "");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_ACKNOWLEDGED);
    OK(epp_etp_request_get_header(r, &h));
    CHECK(header_is(&h, 0, 1001, 0, 5, 0));
    EXPECT(epp_etp_request_get_body(r, (const uint8_t **)&p, &n), EPP_RESULT_NOT_APPLICABLE);
    epp_etp_request_free(r);
    expect_no_output(s);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 0);

    /* A request outstanding when the client closes is dropped. */
    message(&m, 3, 1, 6, 0, "\x02x");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    id = item_id(r);
    epp_etp_request_free(r);
    /* CloseSession "bye \xc3\xa9" (union branch 1). */
    message(&m, 0, 5, 7, 0, "\x02\x0c" "bye \xc3\xa9");
    feed(s, &m);
    expect_no_output(s);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
    r = next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END);
    OK(epp_etp_request_get_close_reason(r, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_CLIENT_CLOSED);
    OK(epp_etp_request_get_close_message(r, &p, &n));
    CHECK(str_is(p, n, "bye \xc3\xa9"));
    OK(epp_etp_request_get_close_reason_text(r, &p, &n));
    CHECK(str_is(p, n, "the client sent CloseSession"));
    epp_etp_request_free(r);
    expect_queue_empty(s);
    EXPECT(epp_etp_session_finish(s, id), EPP_RESULT_SESSION_CLOSED);
    EXPECT(epp_etp_session_respond(s, id, 1, 0, NULL, 0), EPP_RESULT_SESSION_CLOSED);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 0);
    (void)len;
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_host_close(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = opened(c);
    epp_etp_request *r;
    epp_etp_message_header h;
    epp_etp_close_reason why;
    msg m, out;
    reader rd;
    const char *p;
    const uint8_t *bp, *bp2;
    size_t n, n2, len;
    bool b;
    uint64_t id;

    message(&m, 4, 1, 2, 0, "\x02x");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    id = item_id(r);
    epp_etp_request_free(r);
    /* CloseSession with a reason, after what was already sent. */
    OK(epp_etp_session_respond(s, id, 4, EPP_ETP_FLAG_MULTI_PART, NULL, 0));
    OK(epp_etp_session_close_session(s, S("maintenance")));
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSING);
    EXPECT(epp_etp_session_close_session(s, NULL, 0), EPP_RESULT_SESSION_CLOSED);
    EXPECT(epp_etp_session_finish(s, id), EPP_RESULT_SESSION_CLOSED); /* dropped */
    OK(epp_etp_session_wants_input(s, &b));
    CHECK(!b);
    OK(epp_etp_session_get_close_reason(s, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_HOST_CLOSED_SESSION);
    r = next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END);
    OK(epp_etp_request_get_close_reason(r, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_HOST_CLOSED_SESSION);
    p = "x";
    OK(epp_etp_request_get_close_message(r, &p, &n));
    CHECK(p == NULL && n == 0); /* the client's reason: none */
    epp_etp_request_free(r);
    /* Peeking twice gives the same message; nothing is consumed. */
    OK(epp_etp_session_peek_output(s, &bp, &n));
    OK(epp_etp_session_peek_output(s, &bp2, &n2));
    CHECK(bp != NULL && bp == bp2 && n == n2);
    OK(epp_etp_session_get_pending_output(s, &n));
    CHECK(n == 2);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 4, 4, 2, 2, 1));
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(!b);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 5, 0, 3, 0));
    CHECK(rd_long(&rd) == 1);
    p = rd_string(&rd, &len);
    CHECK(str_is(p, len, "maintenance"));
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(b);
    /* Nothing to consume: NOT_APPLICABLE, with a last error. */
    EXPECT(epp_etp_session_consume_output(s), EPP_RESULT_NOT_APPLICABLE);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "not applicable"));
    epp_etp_session_free(s);

    /* CloseSession without a reason: the union's null. */
    s = opened(c);
    OK(epp_etp_session_close_session(s, NULL, 0));
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 0, 5, 0, 2, 0));
    CHECK(rd_long(&rd) == 0 && rd.i == rd.n);
    epp_etp_session_free(s);

    /* close: nothing more is sent, output not taken is dropped. */
    s = new_session(c);
    message(&m, 3, 1, 1, 0, "");
    feed(s, &m); /* EINVALID_STATE, not taken */
    OK(epp_etp_session_get_pending_output(s, &n));
    CHECK(n == 1);
    OK(epp_etp_session_close(s));
    OK(epp_etp_session_get_pending_output(s, &n));
    CHECK(n == 0);
    expect_no_output(s);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
    OK(epp_etp_session_is_finished(s, &b));
    CHECK(b);
    OK(epp_etp_session_get_close_reason_text(s, &p, &n));
    CHECK(str_is(p, n, "the host closed the session"));
    r = next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END);
    OK(epp_etp_request_get_close_reason(r, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_HOST);
    epp_etp_request_free(r);
    OK(epp_etp_session_close(s)); /* again: nothing happens */
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_SESSION_CLOSED);
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_backpressure_and_eof(void) {
    static const uint64_t limits[] = {EPP_ETP_LIMIT_MAX_IN_FLIGHT, 1, EPP_ETP_LIMIT_MAX_BUFFERED_INPUT, 16, 0};
    epp_etp_config *c = make_config(limits);
    epp_etp_session *s = opened(c);
    epp_etp_request *r;
    epp_etp_close_reason why;
    msg m, held, out;
    reader rd;
    epp_etp_message_header h;
    const char *p;
    size_t n;
    bool b;
    uint64_t id;

    message(&m, 3, 1, 2, 0, "\x02" "a");
    feed(s, &m);
    OK(epp_etp_session_wants_input(s, &b));
    CHECK(!b); /* one request with the host */
    /* Fed anyway: held (a copy: the caller's buffer may go at once). */
    message(&held, 3, 1, 3, 0, "\x02" "b");
    {
        uint8_t *copy = malloc(held.n);
        memcpy(copy, held.b, held.n);
        OK(epp_etp_session_feed_message(s, copy, held.n));
        free(copy);
    }
    OK(epp_etp_session_get_buffered_input(s, &n));
    CHECK(n == held.n);
    /* Past the bound: refused whole, taking nothing. */
    message(&m, 3, 1, 4, 0, "\x0e" "0123456");
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_INPUT_BUFFER_FULL);
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(has(p, n, "16"));
    OK(epp_etp_session_get_buffered_input(s, &n));
    CHECK(n == held.n);
    r = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);
    expect_queue_empty(s);
    id = item_id(r);
    epp_etp_request_free(r);
    /* The end of input counts after what was fed before it. */
    OK(epp_etp_session_handle_eof(s));
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_INPUT_AFTER_EOF);
    OK(epp_etp_session_handle_eof(s)); /* twice: nothing more */
    /* The answer makes room: the held message is handled, then the end
     * of input, which drops the request it made (none can be answered
     * after the end: docs/etp.md). */
    OK(epp_etp_session_respond(s, id, 2, 0, NULL, 0));
    OK(epp_etp_session_get_buffered_input(s, &n));
    CHECK(n == 0);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 0);
    r = next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END);
    OK(epp_etp_request_get_close_reason(r, &why));
    CHECK(why == EPP_ETP_CLOSE_REASON_PEER_CLOSED);
    epp_etp_request_free(r);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSING);
    h = take_header(s, &out, &rd);
    CHECK(header_is(&h, 3, 2, 2, 2, 0));
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_SESSION_CLOSED);
    epp_etp_session_free(s);

    /* Too much output waiting: no input wanted until it is consumed. */
    {
        static const uint64_t small_output[] = {EPP_ETP_LIMIT_MAX_PENDING_OUTPUT, 1, 0};
        epp_etp_config *c2 = make_config(small_output);
        s = new_session(c2);
        epp_etp_config_free(c2); /* the session keeps its own reference */
        message(&m, 3, 1, 1, 0, "");
        feed(s, &m); /* EINVALID_STATE waits */
        OK(epp_etp_session_wants_input(s, &b));
        CHECK(!b);
        feed(s, &m); /* held */
        OK(epp_etp_session_get_pending_output(s, &n));
        CHECK(n == 1);
        CHECK(take(s, &out)); /* room: the held message is handled */
        OK(epp_etp_session_get_pending_output(s, &n));
        CHECK(n == 1);
        CHECK(take(s, &out));
        OK(epp_etp_session_wants_input(s, &b));
        CHECK(b);
        /* eof before open: closing at once, closed when drained. */
        OK(epp_etp_session_handle_eof(s));
        CHECK(state_of(s) == EPP_ETP_SESSION_STATE_CLOSED);
        epp_etp_request_free(next_item(s, EPP_ETP_REQUEST_KIND_SESSION_END));
        epp_etp_session_free(s);
    }
    epp_etp_config_free(c);
}

/* Requests own their data; a session keeps its config. */
static void test_ownership(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = new_session(c);
    epp_etp_request *opened_item, *m_item;
    static const int32_t protocols[] = {EPP_ETP_PROTOCOL_STORE};
    static const char *const roles[] = {"store"};
    msg m;
    const char *p;
    const uint8_t *bp;
    size_t n;
    int32_t id;
    epp_etp_version v;

    epp_etp_config_free(c);
    request_session(&m, 1, protocols, roles, 1, NULL, 0);
    feed(s, &m);
    message(&m, 4, 1, 2, 0, "\x02q");
    feed(s, &m);
    memset(m.b, 0, sizeof m.b); /* the session copied what it needs */
    OK(epp_etp_session_poll_queue(s, &opened_item));
    OK(epp_etp_session_poll_queue(s, &m_item));
    epp_etp_session_free(s);
    OK(epp_etp_request_get_application_name(opened_item, &p, &n));
    CHECK(str_is(p, n, "probe"));
    OK(epp_etp_request_get_protocol(opened_item, 0, &id, &v, &p, &n));
    CHECK(id == 4 && str_is(p, n, "store"));
    OK(epp_etp_request_get_body(m_item, &bp, &n));
    CHECK(n == 2 && memcmp(bp, "\x02q", 2) == 0);
    epp_etp_request_free(opened_item);
    epp_etp_request_free(m_item);
}

/* One config shared by threads, each with its own sessions. */
struct worker {
    const epp_etp_config *config;
    int ok;
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    int i;
    for (i = 0; i < 50; i++) {
        static const int32_t protocols[] = {EPP_ETP_PROTOCOL_DISCOVERY};
        static const char *const roles[] = {"store"};
        epp_etp_session *s = NULL;
        epp_etp_request *r = NULL;
        msg m;
        uint64_t id = 0;
        size_t n = 0;
        bool finished = false;
        if (epp_etp_session_new(w->config, SESSION_ID, &s) != EPP_RESULT_OK)
            continue;
        request_session(&m, 1, protocols, roles, 1, NULL, 0);
        if (epp_etp_session_feed_message(s, m.b, m.n) == EPP_RESULT_OK &&
            epp_etp_session_consume_output(s) == EPP_RESULT_OK &&
            epp_etp_session_poll_queue(s, &r) == EPP_RESULT_OK && r != NULL) {
            epp_etp_request_free(r);
            message(&m, 3, 1, 2, 0, "\x02x");
            r = NULL;
            if (epp_etp_session_feed_message(s, m.b, m.n) == EPP_RESULT_OK &&
                epp_etp_session_poll_queue(s, &r) == EPP_RESULT_OK && r != NULL &&
                epp_etp_request_get_id(r, &id) == EPP_RESULT_OK &&
                epp_etp_session_respond(s, id, 2, 0, NULL, 0) == EPP_RESULT_OK &&
                epp_etp_session_close_session(s, NULL, 0) == EPP_RESULT_OK &&
                epp_etp_session_get_pending_output(s, &n) == EPP_RESULT_OK && n == 2 &&
                epp_etp_session_consume_output(s) == EPP_RESULT_OK &&
                epp_etp_session_consume_output(s) == EPP_RESULT_OK &&
                epp_etp_session_is_finished(s, &finished) == EPP_RESULT_OK && finished)
                w->ok++;
            epp_etp_request_free(r);
        }
        epp_etp_session_free(s);
    }
    return NULL;
}

static void test_threads(void) {
    enum { N = 4 };
    epp_etp_config *c = make_config(NULL);
    pthread_t t[N];
    struct worker w[N];
    int i;
    for (i = 0; i < N; i++) {
        w[i].config = c;
        w[i].ok = 0;
        CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
    }
    for (i = 0; i < N; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK(w[i].ok == 50);
    }
    epp_etp_config_free(c);
}

/* Every export given NULL where a handle or out-parameter belongs, and
 * the other argument checks. */
static void test_arguments(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = opened(c);
    epp_etp_config_builder *b = NULL;
    epp_etp_request *r;
    epp_etp_session *sout = NULL;
    epp_etp_config *cout = NULL;
    epp_etp_config_builder *bout = NULL;
    epp_etp_message_header h;
    epp_etp_version v;
    epp_etp_session_state st = 0;
    epp_etp_close_reason why = 0;
    epp_etp_request_kind kind = 0;
    const char *p = (const char *)"sentinel";
    const uint8_t *bp = (const uint8_t *)"sentinel";
    size_t n = 4242;
    uint64_t u = 0;
    int32_t i32 = 0;
    bool flag = false;
    msg m;

    OK(epp_etp_config_builder_new(&b));
    message(&m, 4, 1, 2, 0, "\x02x");
    feed(s, &m);
    r = next_item(s, EPP_ETP_REQUEST_KIND_MESSAGE);

#define NUL(call) EXPECT(call, EPP_RESULT_NULL_PARAMETER)
    /* builder and config */
    NUL(epp_etp_config_builder_new(NULL));
    NUL(epp_etp_config_builder_set_application_name(NULL, S("x")));
    NUL(epp_etp_config_builder_set_application_name(b, NULL, 0));
    NUL(epp_etp_config_builder_set_application_version(NULL, S("x")));
    NUL(epp_etp_config_builder_set_application_version(b, NULL, 1));
    NUL(epp_etp_config_builder_add_protocol(NULL, 3, 1, 1, 0, 0, S("store")));
    NUL(epp_etp_config_builder_add_protocol(b, 3, 1, 1, 0, 0, NULL, 0));
    NUL(epp_etp_config_builder_add_capability_null(NULL, S("c")));
    NUL(epp_etp_config_builder_add_capability_null(b, NULL, 0));
    NUL(epp_etp_config_builder_add_capability_boolean(NULL, S("c"), true));
    NUL(epp_etp_config_builder_add_capability_boolean(b, NULL, 1, true));
    NUL(epp_etp_config_builder_add_capability_int(NULL, S("c"), 1));
    NUL(epp_etp_config_builder_add_capability_int(b, NULL, 0, 1));
    NUL(epp_etp_config_builder_add_capability_long(NULL, S("c"), 1));
    NUL(epp_etp_config_builder_add_capability_long(b, NULL, 0, 1));
    NUL(epp_etp_config_builder_add_capability_double(NULL, S("c"), 1.0));
    NUL(epp_etp_config_builder_add_capability_double(b, NULL, 0, 1.0));
    NUL(epp_etp_config_builder_add_capability_string(NULL, S("c"), S("v")));
    NUL(epp_etp_config_builder_add_capability_string(b, NULL, 0, S("v")));
    NUL(epp_etp_config_builder_add_capability_string(b, S("c"), NULL, 0));
    NUL(epp_etp_config_builder_add_supported_object(NULL, S("x")));
    NUL(epp_etp_config_builder_add_supported_object(b, NULL, 0));
    NUL(epp_etp_config_builder_set_limit(NULL, EPP_ETP_LIMIT_MAX_IN_FLIGHT, 1));
    NUL(epp_etp_config_builder_build(NULL, &cout));
    NUL(epp_etp_config_builder_build(b, NULL));
    NUL(epp_etp_config_builder_get_last_error(NULL, &p, &n));
    NUL(epp_etp_config_builder_get_last_error(b, NULL, &n));
    NUL(epp_etp_config_builder_get_last_error(b, &p, NULL));
    /* session */
    NUL(epp_etp_session_new(NULL, SESSION_ID, &sout));
    NUL(epp_etp_session_new(c, NULL, &sout));
    NUL(epp_etp_session_new(c, SESSION_ID, NULL));
    NUL(epp_etp_session_feed_message(NULL, m.b, m.n));
    NUL(epp_etp_session_feed_message(s, NULL, 0));
    NUL(epp_etp_session_feed_message(s, NULL, 5));
    NUL(epp_etp_session_wants_input(NULL, &flag));
    NUL(epp_etp_session_wants_input(s, NULL));
    NUL(epp_etp_session_get_buffered_input(NULL, &n));
    NUL(epp_etp_session_get_buffered_input(s, NULL));
    NUL(epp_etp_session_handle_eof(NULL));
    NUL(epp_etp_session_peek_output(NULL, &bp, &n));
    NUL(epp_etp_session_peek_output(s, NULL, &n));
    NUL(epp_etp_session_peek_output(s, &bp, NULL));
    NUL(epp_etp_session_consume_output(NULL));
    NUL(epp_etp_session_get_pending_output(NULL, &n));
    NUL(epp_etp_session_get_pending_output(s, NULL));
    NUL(epp_etp_session_poll_queue(NULL, &r));
    NUL(epp_etp_session_poll_queue(s, NULL));
    NUL(epp_etp_session_respond(NULL, 1, 1, 0, NULL, 0));
    NUL(epp_etp_session_respond(s, 1, 1, 0, NULL, 1));
    NUL(epp_etp_session_raise(NULL, 1, 1, NULL, 0));
    NUL(epp_etp_session_raise(s, 1, 1, NULL, 1));
    NUL(epp_etp_session_finish(NULL, 1));
    NUL(epp_etp_session_close_session(NULL, NULL, 0));
    NUL(epp_etp_session_close_session(s, NULL, 2));
    NUL(epp_etp_session_close(NULL));
    NUL(epp_etp_session_get_state(NULL, &st));
    NUL(epp_etp_session_get_state(s, NULL));
    NUL(epp_etp_session_is_finished(NULL, &flag));
    NUL(epp_etp_session_is_finished(s, NULL));
    NUL(epp_etp_session_get_outstanding(NULL, &n));
    NUL(epp_etp_session_get_outstanding(s, NULL));
    NUL(epp_etp_session_get_close_reason(NULL, &why));
    NUL(epp_etp_session_get_close_reason(s, NULL));
    NUL(epp_etp_session_get_close_reason_text(NULL, &p, &n));
    NUL(epp_etp_session_get_close_reason_text(s, NULL, &n));
    NUL(epp_etp_session_get_close_reason_text(s, &p, NULL));
    NUL(epp_etp_session_get_last_error(NULL, &p, &n));
    NUL(epp_etp_session_get_last_error(s, NULL, &n));
    NUL(epp_etp_session_get_last_error(s, &p, NULL));
    NUL(epp_test_etp_session_panic(NULL));
    /* request */
    NUL(epp_etp_request_get_kind(NULL, &kind));
    NUL(epp_etp_request_get_kind(r, NULL));
    NUL(epp_etp_request_get_id(NULL, &u));
    NUL(epp_etp_request_get_id(r, NULL));
    NUL(epp_etp_request_get_header(NULL, &h));
    NUL(epp_etp_request_get_header(r, NULL));
    NUL(epp_etp_request_get_body(NULL, &bp, &n));
    NUL(epp_etp_request_get_body(r, NULL, &n));
    NUL(epp_etp_request_get_body(r, &bp, NULL));
    NUL(epp_etp_request_get_token(NULL, &p, &n));
    NUL(epp_etp_request_get_token(r, NULL, &n));
    NUL(epp_etp_request_get_application_name(NULL, &p, &n));
    NUL(epp_etp_request_get_application_name(r, &p, NULL));
    NUL(epp_etp_request_get_application_version(NULL, &p, &n));
    NUL(epp_etp_request_get_protocol_count(NULL, &n));
    NUL(epp_etp_request_get_protocol_count(r, NULL));
    NUL(epp_etp_request_get_protocol(NULL, 0, &i32, &v, &p, &n));
    NUL(epp_etp_request_get_protocol(r, 0, NULL, &v, &p, &n));
    NUL(epp_etp_request_get_protocol(r, 0, &i32, NULL, &p, &n));
    NUL(epp_etp_request_get_protocol(r, 0, &i32, &v, NULL, &n));
    NUL(epp_etp_request_get_protocol(r, 0, &i32, &v, &p, NULL));
    NUL(epp_etp_request_get_supported_object_count(NULL, &n));
    NUL(epp_etp_request_get_supported_object(NULL, 0, &p, &n));
    NUL(epp_etp_request_get_error_code(NULL, &i32));
    NUL(epp_etp_request_get_error_code(r, NULL));
    NUL(epp_etp_request_get_error_message(NULL, &p, &n));
    NUL(epp_etp_request_get_close_reason(NULL, &why));
    NUL(epp_etp_request_get_close_reason(r, NULL));
    NUL(epp_etp_request_get_close_message(NULL, &p, &n));
    NUL(epp_etp_request_get_close_reason_text(NULL, &p, &n));
#undef NUL
    /* Out-parameters were left alone. */
    CHECK(n == 4242 && p != NULL && strcmp(p, "sentinel") == 0);
    CHECK(bp != NULL && memcmp(bp, "sentinel", 8) == 0);
    CHECK(sout == NULL && cout == NULL && bout == NULL && u == 0 && i32 == 0 && !flag);
    CHECK(st == 0 && why == 0 && kind == 0);

    /* Lengths above PTRDIFF_MAX. */
    EXPECT(epp_etp_session_feed_message(s, m.b, (size_t)PTRDIFF_MAX + 1), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_etp_session_raise(s, item_id(r), 1, "x", SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    EXPECT(epp_etp_session_close_session(s, "x", SIZE_MAX), EPP_RESULT_INVALID_LENGTH);
    /* UTF-8. */
    EXPECT(epp_etp_session_close_session(s, S("\xed\xa0\x80")), EPP_RESULT_INVALID_UTF8); /* a surrogate */
    /* Misaligned out-parameters. */
    {
        _Alignas(8) unsigned char raw[sizeof(epp_etp_message_header) + 8];
        EXPECT(epp_etp_request_get_header(r, (epp_etp_message_header *)(void *)(raw + 1)),
               EPP_RESULT_INVALID_ARGUMENT);
        EXPECT(epp_etp_request_get_id(r, (uint64_t *)(void *)(raw + 4)), EPP_RESULT_INVALID_ARGUMENT);
        EXPECT(epp_etp_session_get_pending_output(s, (size_t *)(void *)(raw + 2)),
               EPP_RESULT_INVALID_ARGUMENT);
    }
    /* Nothing was done: the request is still outstanding, the session
     * open, and it answers. */
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);
    OK(epp_etp_session_get_outstanding(s, &n));
    CHECK(n == 1);
    expect_no_output(s);
    OK(epp_etp_session_finish(s, item_id(r)));

    /* Frees accept NULL. */
    epp_etp_request_free(NULL);
    epp_etp_session_free(NULL);
    epp_etp_config_free(NULL);
    epp_etp_config_builder_free(NULL);

    epp_etp_request_free(r);
    epp_etp_config_builder_free(b);
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

static void test_panic(void) {
    epp_etp_config *c = make_config(NULL);
    epp_etp_session *s = opened(c);
    epp_etp_request *r = NULL;
    const char *p = NULL;
    const uint8_t *bp = NULL;
    size_t n = 0;
    epp_etp_session_state st = 0;
    epp_etp_close_reason why = 0;
    bool flag = false;
    msg m;

    message(&m, 3, 1, 2, 0, "");
    /* A panic in an ETP session: reported, never unwound into C... */
    EXPECT(epp_test_etp_session_panic(s), EPP_RESULT_PANIC);
    /* ...and the session is poisoned. */
    EXPECT(epp_etp_session_feed_message(s, m.b, m.n), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_wants_input(s, &flag), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_buffered_input(s, &n), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_handle_eof(s), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_peek_output(s, &bp, &n), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_consume_output(s), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_pending_output(s, &n), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_poll_queue(s, &r), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_respond(s, 1, 1, 0, NULL, 0), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_raise(s, 1, 1, NULL, 0), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_finish(s, 1), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_close_session(s, NULL, 0), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_close(s), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_state(s, &st), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_is_finished(s, &flag), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_outstanding(s, &n), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_close_reason(s, &why), EPP_RESULT_PANIC);
    EXPECT(epp_etp_session_get_close_reason_text(s, &p, &n), EPP_RESULT_PANIC);
    EXPECT(epp_test_etp_session_panic(s), EPP_RESULT_PANIC);
    CHECK(r == NULL && st == 0 && why == 0 && !flag && n == 0 && bp == NULL);
    /* The error text says what happened. */
    OK(epp_etp_session_get_last_error(s, &p, &n));
    CHECK(p != NULL && has(p, n, "panic") && has(p, n, "forced panic"));
    epp_etp_session_free(s);

    /* Other sessions of the same config are unaffected. */
    s = opened(c);
    CHECK(state_of(s) == EPP_ETP_SESSION_STATE_OPEN);
    epp_etp_session_free(s);
    epp_etp_config_free(c);
}

/* The results the ETP API documents, each produced by some test above;
 * and none other. */
static void test_results(void) {
    static const epp_result produced[] = {
        EPP_RESULT_OK,
        EPP_RESULT_PANIC,
        EPP_RESULT_NULL_PARAMETER,
        EPP_RESULT_INVALID_LENGTH,
        EPP_RESULT_INVALID_UTF8,
        EPP_RESULT_INVALID_ARGUMENT,
        EPP_RESULT_INDEX_OUT_OF_RANGE,
        EPP_RESULT_NOT_APPLICABLE,
        EPP_RESULT_INVALID_CONFIG,
        EPP_RESULT_SESSION_CLOSED,
        EPP_RESULT_UNKNOWN_REQUEST,
        EPP_RESULT_ALREADY_ANSWERED,
        EPP_RESULT_INPUT_AFTER_EOF,
        EPP_RESULT_INPUT_BUFFER_FULL,
    };
    size_t i;
    unsigned v;
    for (i = 0; i < sizeof produced / sizeof produced[0]; i++) {
        if (!result_seen[produced[i]]) {
            fprintf(stderr, "no test produced %s (%u)\n", describe(produced[i]), (unsigned)produced[i]);
            check_failures++;
        }
    }
    for (v = 0; v < 1000; v++) {
        bool listed = false;
        for (i = 0; i < sizeof produced / sizeof produced[0]; i++)
            listed |= produced[i] == v;
        if (result_seen[v] && !listed) {
            fprintf(stderr, "the ETP API returned %s (%u)\n", describe((epp_result)v), v);
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
        {"ETP constants and struct layout", test_constants},
        {"ETP config builder: defaults, settings, refusals", test_config_builder},
        {"ETP capabilities on the wire", test_capabilities_on_the_wire},
        {"ETP open: OpenSession and the opened item's getters", test_open},
        {"ETP no supported protocols: exception, CloseSession, end", test_no_supported_protocols},
        {"ETP messages and answers: respond, multi-part, raise, finish", test_messages_and_answers},
        {"ETP tokens, peer exceptions, acknowledges, client close", test_core_news_and_tokens},
        {"ETP host close: close_session, peek/consume, close", test_host_close},
        {"ETP backpressure, held input, end of input", test_backpressure_and_eof},
        {"ETP requests outlive their session, sessions their config", test_ownership},
        {"ETP threads share a config", test_threads},
        {"ETP NULL and other argument checks", test_arguments},
        {"ETP forced panic poisons the session", test_panic},
        {"ETP results: each documented one produced, none other", test_results},
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
