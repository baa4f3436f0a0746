/*
 * The ETP session transcripts through the C API: every
 * tests/etp_scripts/NAME.script is run through include/epp.h (the
 * epp_etp_* functions) and the transcript it produces must equal
 * NAME.transcript beside it byte for byte. The script and transcript
 * formats are in tests/etp_scripts/README.md; the reference runner is
 * tests/etp_transcripts.rs, which this one follows step for step (output
 * is taken with epp_etp_session_peek_output + _consume_output, the C API's
 * only way). Everything in a transcript comes from the C API's getters,
 * and every config line goes through the epp_etp_config_builder_* calls.
 *
 *   run_etp_scripts DIR
 *
 * Each script is run twice, and both runs must give the transcript:
 *   "as parsed"        every message and answer body is fed from the
 *                      parsed script, which lives as long as the run;
 *   "transient input"  each is fed from a heap copy of its exact size,
 *                      freed as soon as the call returns (under ASan or
 *                      valgrind this proves the session copies what it
 *                      holds and never reads past a message).
 *
 * Prints one line per script ("ok   NAME", or "FAIL NAME (mode): ..." with
 * the first differing line, expected and actual, indented below it), then
 * "N passed, M failed". Exit status 0 only when every script passed; 2 for
 * a usage or I/O error. A transcript without its script is a failure.
 *
 * Built by tests/c/run.sh with -std=c11 -Wall -Wextra -Werror -pedantic
 * and run under AddressSanitizer/UBSan and valgrind: everything allocated
 * is freed, every epp_result is checked, every buffer grows with overflow
 * checks.
 */
#define _POSIX_C_SOURCE 200809L

#define SCRIPT_PROG "run_etp_scripts"

#include <inttypes.h>

#include "script_common.h"

/* Splits `s` at its first `parts - 1` spaces, as Rust's splitn: returns
 * how many parts there are (at most `parts`). */
static size_t splitn(str s, str *out, size_t parts, char sep) {
    size_t k = 0;
    str rest = s;
    while (k + 1 < parts) {
        const char *sp = rest.n ? memchr(rest.p, sep, rest.n) : NULL;
        if (sp == NULL)
            break;
        out[k].p = rest.p;
        out[k].n = (size_t)(sp - rest.p);
        rest.n -= out[k].n + 1;
        rest.p = sp + 1;
        k++;
    }
    out[k++] = rest;
    return k;
}

/* The same for a call given a session: adds its last error. */
static int session_fail(error *e, const epp_etp_session *s, const char *call, epp_result r) {
    const char *p = NULL;
    size_t n = 0;
    if (s != NULL && epp_etp_session_get_last_error(s, &p, &n) == EPP_RESULT_OK && p != NULL)
        return fail(e, "%s returned %u (%s): %.*s", call, (unsigned)r, describe(r),
                    n > 300 ? 300 : (int)n, p);
    return api_fail(e, call, r);
}

#define API_S(e, s, call)                                                      \
    do {                                                                       \
        epp_result r_ = (call);                                                \
        if (r_ != EPP_RESULT_OK)                                               \
            return session_fail((e), (s), #call, r_);                          \
    } while (0)

/* A valid pointer for an empty (pointer, length) argument: the C API
 * takes NULL only where documented optional. */
static const uint8_t EMPTY[1] = {0};

/* ------------------------------------------------------------------ */
/* Scripts                                                              */
/* ------------------------------------------------------------------ */

enum step_kind { STEP_START, STEP_MESSAGE, STEP_EOF, STEP_CLOSE, STEP_CLOSE_SESSION, STEP_ANSWER };

enum answer_kind { ANSWER_RESPOND, ANSWER_RAISE, ANSWER_FINISH };

struct step {
    enum step_kind kind;
    size_t lineno;
    str line;        /* as written, without the CR */
    uint8_t *data;   /* message, respond: the bytes (NULL when empty) */
    size_t data_len;
    str text;        /* close_session: the reason (p NULL: none); raise: the message */
    size_t n;        /* answer: the request's number, from 1 */
    enum answer_kind answer;
    int32_t message_type, flags, code;
};

struct script {
    char *text;
    size_t text_len;
    /* The config lines, applied as they are read. */
    epp_etp_config_builder *builder;
    uint8_t session_id[EPP_ETP_SESSION_ID_LEN];
    struct step *steps;
    size_t n_steps, cap_steps;
};

static void step_free(struct step *st) {
    free(st->data);
    memset(st, 0, sizeof *st);
}

static void script_free(struct script *s) {
    size_t i;
    for (i = 0; i < s->n_steps; i++)
        step_free(&s->steps[i]);
    free(s->steps);
    free(s->text);
    epp_etp_config_builder_free(s->builder);
    memset(s, 0, sizeof *s);
}

/* A decimal number, optionally negative, as the reference runner's
 * parse_i64 (digits only after the sign, at least one). */
static int parse_i64(error *e, str s, const char *what, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0, limit;
    if (s.n > 0 && s.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == s.n)
        return fail(e, "%s: \"%.*s\" is not a decimal number", what, (int)s.n, s.p);
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        unsigned d;
        if (s.p[i] < '0' || s.p[i] > '9')
            return fail(e, "%s: \"%.*s\" is not a decimal number", what,
                        s.n > 40 ? 40 : (int)s.n, s.p);
        d = (unsigned)(s.p[i] - '0');
        if (v > (limit - d) / 10)
            return fail(e, "%s: \"%.*s\": number out of range", what, s.n > 40 ? 40 : (int)s.n, s.p);
        v = v * 10 + d;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}

static int parse_i32(error *e, str s, const char *what, int32_t *out) {
    int64_t v;
    if (parse_i64(e, s, what, &v) != 0)
        return -1;
    if (v < INT32_MIN || v > INT32_MAX)
        return fail(e, "%s: %" PRId64 " is out of range", what, v);
    *out = (int32_t)v;
    return 0;
}

static int parse_size(error *e, str s, const char *what, size_t *out) {
    int64_t v;
    if (parse_i64(e, s, what, &v) != 0)
        return -1;
    if (v < 0 || (uint64_t)v > SIZE_MAX)
        return fail(e, "%s: %" PRId64 " is out of range", what, v);
    *out = (size_t)v;
    return 0;
}

/* Hex digits in either case, spaces anywhere; `-` or nothing is empty.
 * (A pair the reference runner's u8::from_str_radix reads with a leading
 * '+' is read the same way here.) `*out` is NULL for no bytes. */
static int parse_hex(error *e, str s, uint8_t **out, size_t *out_len) {
    size_t i, digits = 0, k = 0;
    char pair[2];
    int have = 0;
    uint8_t *data;
    *out = NULL;
    *out_len = 0;
    if (str_is(s, "-"))
        return 0;
    for (i = 0; i < s.n; i++)
        if (s.p[i] != ' ')
            digits++;
    if (digits % 2 != 0)
        return fail(e, "\"%.*s\" is not an even number of hex digits", s.n > 60 ? 60 : (int)s.n, s.p);
    if (digits == 0)
        return 0;
    data = malloc(digits / 2);
    if (data == NULL)
        out_of_memory();
    for (i = 0; i < s.n; i++) {
        int hi, lo;
        if (s.p[i] == ' ')
            continue;
        pair[have++] = s.p[i];
        if (have < 2)
            continue;
        have = 0;
        hi = pair[0] == '+' ? 0 : hex_digit(pair[0]);
        lo = hex_digit(pair[1]);
        if (hi < 0 || lo < 0) {
            free(data);
            return fail(e, "\"%c%c\" is not a hex byte", pair[0], pair[1]);
        }
        data[k++] = (uint8_t)(hi << 4 | lo);
    }
    *out = data;
    *out_len = k;
    return 0;
}

static int parse_version(error *e, str s, int32_t v[4]) {
    str p[5];
    static const char *const what[4] = {"major", "minor", "revision", "patch"};
    size_t i, n = splitn(s, p, 5, '.');
    if (n != 4)
        return fail(e, "version \"%.*s\" is not major.minor.revision.patch", (int)s.n, s.p);
    for (i = 0; i < 4; i++)
        if (parse_i32(e, p[i], what[i], &v[i]) != 0)
            return -1;
    return 0;
}

/* The builder call of a config line that failed: a script error. */
static int config_call(error *e, const char *call, epp_result r) {
    if (r == EPP_RESULT_OK)
        return 0;
    return api_fail(e, call, r);
}

static const struct {
    const char *name;
    epp_etp_limit limit;
} LIMIT_KEYS[] = {
    {"max_in_flight", EPP_ETP_LIMIT_MAX_IN_FLIGHT},
    {"max_pending_output", EPP_ETP_LIMIT_MAX_PENDING_OUTPUT},
    {"max_buffered_input", EPP_ETP_LIMIT_MAX_BUFFERED_INPUT},
};

/* One `config` line, applied to the builder at once. */
static int set_config(error *e, struct script *s, str rest) {
    epp_etp_config_builder *b = s->builder;
    str key, value;
    size_t i;
    word(rest, &key, &value);
    if (str_is(key, "application_name"))
        return config_call(e, "epp_etp_config_builder_set_application_name",
                           epp_etp_config_builder_set_application_name(b, value.p, value.n));
    if (str_is(key, "application_version"))
        return config_call(e, "epp_etp_config_builder_set_application_version",
                           epp_etp_config_builder_set_application_version(b, value.p, value.n));
    if (str_is(key, "protocol")) {
        str p[3];
        int32_t id, v[4];
        if (splitn(value, p, 3, ' ') != 3)
            return fail(e, "protocol <id> <version> <role>");
        if (parse_i32(e, p[0], "protocol", &id) != 0 || parse_version(e, p[1], v) != 0)
            return -1;
        return config_call(e, "epp_etp_config_builder_add_protocol",
                           epp_etp_config_builder_add_protocol(b, id, v[0], v[1], v[2], v[3], p[2].p, p[2].n));
    }
    if (str_is(key, "capability")) {
        str name, kind, v;
        epp_result r;
        word(value, &name, &rest);
        word(rest, &kind, &v);
        if (str_is(kind, "null") && v.n == 0) {
            r = epp_etp_config_builder_add_capability_null(b, name.p, name.n);
        } else if (str_is(kind, "int")) {
            int32_t x;
            if (parse_i32(e, v, "int", &x) != 0)
                return -1;
            r = epp_etp_config_builder_add_capability_int(b, name.p, name.n, x);
        } else if (str_is(kind, "long")) {
            int64_t x;
            if (parse_i64(e, v, "long", &x) != 0)
                return -1;
            r = epp_etp_config_builder_add_capability_long(b, name.p, name.n, x);
        } else if (str_is(kind, "string")) {
            r = epp_etp_config_builder_add_capability_string(b, name.p, name.n, v.p, v.n);
        } else if (str_is(kind, "boolean")) {
            bool x;
            if (str_is(v, "true"))
                x = true;
            else if (str_is(v, "false"))
                x = false;
            else
                return fail(e, "boolean \"%.*s\"", (int)v.n, v.p);
            r = epp_etp_config_builder_add_capability_boolean(b, name.p, name.n, x);
        } else {
            return fail(e, "capability kind \"%.*s\"", (int)kind.n, kind.p);
        }
        if (r == EPP_RESULT_NOT_APPLICABLE)
            return fail(e, "capability before any protocol line");
        return config_call(e, "epp_etp_config_builder_add_capability_*", r);
    }
    if (str_is(key, "supported_object"))
        return config_call(e, "epp_etp_config_builder_add_supported_object",
                           epp_etp_config_builder_add_supported_object(b, value.p, value.n));
    if (str_is(key, "session_id")) {
        uint8_t *id;
        size_t n;
        if (parse_hex(e, value, &id, &n) != 0)
            return -1;
        if (n != EPP_ETP_SESSION_ID_LEN) {
            free(id);
            return fail(e, "session_id takes 16 bytes");
        }
        memcpy(s->session_id, id, n);
        free(id);
        return 0;
    }
    for (i = 0; i < sizeof LIMIT_KEYS / sizeof LIMIT_KEYS[0]; i++) {
        if (str_is(key, LIMIT_KEYS[i].name)) {
            size_t v;
            if (parse_size(e, value, LIMIT_KEYS[i].name, &v) != 0)
                return -1;
            return config_call(e, "epp_etp_config_builder_set_limit",
                               epp_etp_config_builder_set_limit(b, LIMIT_KEYS[i].limit, (uint64_t)v));
        }
    }
    return fail(e, "unknown config key \"%.*s\"", (int)key.n, key.p);
}

static int parse_answer(error *e, str rest, struct step *st) {
    str n, kind;
    word(rest, &n, &rest);
    if (parse_size(e, n, "answer number", &st->n) != 0)
        return -1;
    if (st->n == 0)
        return fail(e, "answer numbers start at 1");
    word(rest, &kind, &rest);
    if (str_is(kind, "respond")) {
        str t, f;
        word(rest, &t, &rest);
        word(rest, &f, &rest);
        st->answer = ANSWER_RESPOND;
        if (parse_i32(e, t, "message type", &st->message_type) != 0 ||
            parse_i32(e, f, "flags", &st->flags) != 0)
            return -1;
        return parse_hex(e, rest, &st->data, &st->data_len);
    }
    if (str_is(kind, "raise")) {
        str code;
        word(rest, &code, &rest);
        st->answer = ANSWER_RAISE;
        st->text = rest;
        return parse_i32(e, code, "code", &st->code);
    }
    if (str_is(kind, "finish") && rest.n == 0) {
        st->answer = ANSWER_FINISH;
        return 0;
    }
    return fail(e, "unknown answer \"%.*s\"", (int)kind.n, kind.p);
}

/* Parses one step line (not a comment, not a config line). */
static int parse_step(error *e, str line, struct step *st) {
    str keyword, rest;
    word(line, &keyword, &rest);
    if (str_is(keyword, "start") && rest.n == 0) {
        st->kind = STEP_START;
        return 0;
    }
    if (str_is(keyword, "message")) {
        st->kind = STEP_MESSAGE;
        return parse_hex(e, rest, &st->data, &st->data_len);
    }
    if (str_is(keyword, "eof") && rest.n == 0) {
        st->kind = STEP_EOF;
        return 0;
    }
    if (str_is(keyword, "close") && rest.n == 0) {
        st->kind = STEP_CLOSE;
        return 0;
    }
    if (str_is(keyword, "close_session")) {
        st->kind = STEP_CLOSE_SESSION;
        if (rest.n > 0)
            st->text = rest;
        return 0;
    }
    if (str_is(keyword, "answer")) {
        st->kind = STEP_ANSWER;
        return parse_answer(e, rest, st);
    }
    return fail(e, "unknown line");
}

/* Parses `s->text`, applying its config lines to a new builder. */
static int parse_script(error *e, struct script *s) {
    static const uint8_t default_id[EPP_ETP_SESSION_ID_LEN] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    size_t pos = 0, lineno = 0;
    str line;
    if (s->text_len > 0 && !utf8_valid((const unsigned char *)s->text, s->text_len))
        return fail(e, "the script is not UTF-8");
    if (s->text_len == 0 || s->text[0] != '#')
        return fail(e, "a script starts with comments saying what it covers");
    memcpy(s->session_id, default_id, sizeof default_id);
    API(e, epp_etp_config_builder_new(&s->builder));
    API(e, epp_etp_config_builder_set_application_name(s->builder, "libepp test server", 18));
    API(e, epp_etp_config_builder_set_application_version(s->builder, "1.0", 3));
    while (next_line(s->text, s->text_len, &pos, &lineno, &line)) {
        str keyword, rest;
        struct step st;
        void *steps;
        word(line, &keyword, &rest);
        if (str_is(keyword, "config")) {
            if (s->n_steps > 0) {
                fail(e, "config after start");
                return fail_at(e, lineno, line);
            }
            if (set_config(e, s, rest) != 0)
                return fail_at(e, lineno, line);
            continue;
        }
        memset(&st, 0, sizeof st);
        if (parse_step(e, line, &st) != 0) {
            step_free(&st);
            return fail_at(e, lineno, line);
        }
        if ((s->n_steps == 0) != (st.kind == STEP_START)) {
            step_free(&st);
            fail(e, "start must be the first step, and only once");
            return fail_at(e, lineno, line);
        }
        st.lineno = lineno;
        st.line = line;
        steps = s->steps;
        grow(&steps, &s->cap_steps, s->n_steps, 1, sizeof *s->steps);
        s->steps = steps;
        s->steps[s->n_steps++] = st;
    }
    if (s->n_steps == 0)
        return fail(e, "no start");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transcript lines                                                     */
/* ------------------------------------------------------------------ */

static const char *state_name(epp_etp_session_state s) {
    switch (s) {
    case EPP_ETP_SESSION_STATE_AWAITING_REQUEST: return "awaiting-request";
    case EPP_ETP_SESSION_STATE_OPEN: return "open";
    case EPP_ETP_SESSION_STATE_CLOSING: return "closing";
    case EPP_ETP_SESSION_STATE_CLOSED: return "closed";
    default: return NULL;
    }
}

static const char *reason_name(epp_etp_close_reason r) {
    switch (r) {
    case EPP_ETP_CLOSE_REASON_CLIENT_CLOSED: return "client-closed";
    case EPP_ETP_CLOSE_REASON_NO_SUPPORTED_PROTOCOLS: return "no-supported-protocols";
    case EPP_ETP_CLOSE_REASON_HOST_CLOSED_SESSION: return "host-closed-session";
    case EPP_ETP_CLOSE_REASON_PEER_CLOSED: return "peer-closed";
    case EPP_ETP_CLOSE_REASON_HOST: return "host";
    default: return "other";
    }
}

/* The `! error` name of a failed call: the session errors of the
 * transcript format; NULL for anything else (a runner or library bug). */
static const char *error_name(epp_result r) {
    switch (r) {
    case EPP_RESULT_SESSION_CLOSED: return "closed";
    case EPP_RESULT_UNKNOWN_REQUEST: return "unknown-request";
    case EPP_RESULT_ALREADY_ANSWERED: return "already-answered";
    case EPP_RESULT_INPUT_AFTER_EOF: return "input-after-eof";
    case EPP_RESULT_INPUT_BUFFER_FULL: return "input-buffer-full";
    default:
        /* A session error added later (200 to 299) is "other", as in the
         * reference runner; an argument error is the runner's fault. */
        return r >= 200 && r < 300 ? "other" : NULL;
    }
}

/* ------------------------------------------------------------------ */
/* The runner                                                           */
/* ------------------------------------------------------------------ */

struct runner {
    epp_etp_session *session;
    uint64_t *ids; /* the ids of the requests handed out that take an answer */
    size_t n_ids, cap_ids;
};

typedef epp_result (*string_getter)(const epp_etp_request *, const char **, size_t *);

/* Appends " KEY=VALUE" (escaped) from a string getter. */
static int put_getter(error *e, buf *t, const char *key, const epp_etp_request *r, string_getter get,
                      const char *name) {
    const char *p = NULL;
    size_t n = 0;
    epp_result res = get(r, &p, &n);
    if (res != EPP_RESULT_OK)
        return api_fail(e, name, res);
    buf_printf(t, " %s=", key);
    put_text(t, p, n);
    return 0;
}

#define GETTER(e, t, key, r, fn) put_getter((e), (t), (key), (r), fn, #fn)

static int opened_line(error *e, buf *t, const epp_etp_request *r, const epp_etp_message_header *h) {
    size_t count, i;
    buf_printf(t, "! opened id=%" PRId64, h->message_id);
    if (GETTER(e, t, "app", r, epp_etp_request_get_application_name) != 0 ||
        GETTER(e, t, "version", r, epp_etp_request_get_application_version) != 0)
        return -1;
    API(e, epp_etp_request_get_protocol_count(r, &count));
    for (i = 0; i < count; i++) {
        int32_t id = 0;
        epp_etp_version v;
        const char *role = NULL;
        size_t role_len = 0;
        API(e, epp_etp_request_get_protocol(r, i, &id, &v, &role, &role_len));
        buf_printf(t, " protocol=%" PRId32 ":%" PRId32 ".%" PRId32 ".%" PRId32 ".%" PRId32 ":", id,
                   v.major, v.minor, v.revision, v.patch);
        put_text(t, role, role_len);
    }
    /* One past the end is out of range. */
    {
        int32_t id = 0;
        epp_etp_version v;
        const char *role = NULL;
        size_t role_len = 0;
        epp_result res = epp_etp_request_get_protocol(r, count, &id, &v, &role, &role_len);
        if (res != EPP_RESULT_INDEX_OUT_OF_RANGE)
            return api_fail(e, "epp_etp_request_get_protocol(count)", res);
    }
    API(e, epp_etp_request_get_supported_object_count(r, &count));
    for (i = 0; i < count; i++) {
        const char *p = NULL;
        size_t n = 0;
        API(e, epp_etp_request_get_supported_object(r, i, &p, &n));
        buf_puts(t, " object=");
        put_text(t, p, n);
    }
    return 0;
}

/* Appends the line of one queue item; an item with an id takes the next
 * number. */
static int request_line(error *e, buf *t, struct runner *rn, const epp_etp_request *r) {
    epp_etp_request_kind kind;
    epp_etp_message_header h;
    uint64_t id = 0;
    epp_result res;
    API(e, epp_etp_request_get_kind(r, &kind));
    res = epp_etp_request_get_id(r, &id);
    if (res == EPP_RESULT_OK) {
        void *p = rn->ids;
        grow(&p, &rn->cap_ids, rn->n_ids, 1, sizeof *rn->ids);
        rn->ids = p;
        rn->ids[rn->n_ids++] = id;
    } else if (res != EPP_RESULT_NOT_APPLICABLE) {
        return api_fail(e, "epp_etp_request_get_id", res);
    }
    if (kind != EPP_ETP_REQUEST_KIND_SESSION_END)
        API(e, epp_etp_request_get_header(r, &h));
    switch (kind) {
    case EPP_ETP_REQUEST_KIND_OPENED:
        return opened_line(e, t, r, &h);
    case EPP_ETP_REQUEST_KIND_MESSAGE: {
        const uint8_t *body = NULL;
        size_t n = 0;
        API(e, epp_etp_request_get_body(r, &body, &n));
        buf_printf(t,
                   "? %zu message protocol=%" PRId32 " type=%" PRId32 " correlation=%" PRId64
                   " id=%" PRId64 " flags=%" PRId32 " body=",
                   rn->n_ids, h.protocol, h.message_type, h.correlation_id, h.message_id,
                   h.message_flags);
        put_hex(t, body, n);
        return 0;
    }
    case EPP_ETP_REQUEST_KIND_RENEW_TOKEN:
        buf_printf(t, "? %zu renew-token id=%" PRId64, rn->n_ids, h.message_id);
        return GETTER(e, t, "token", r, epp_etp_request_get_token);
    case EPP_ETP_REQUEST_KIND_PEER_EXCEPTION: {
        int32_t code = 0;
        API(e, epp_etp_request_get_error_code(r, &code));
        buf_printf(t, "! exception id=%" PRId64 " correlation=%" PRId64 " code=%" PRId32,
                   h.message_id, h.correlation_id, code);
        return GETTER(e, t, "message", r, epp_etp_request_get_error_message);
    }
    case EPP_ETP_REQUEST_KIND_ACKNOWLEDGED:
        buf_printf(t, "! ack id=%" PRId64 " correlation=%" PRId64, h.message_id, h.correlation_id);
        return 0;
    case EPP_ETP_REQUEST_KIND_SESSION_END: {
        epp_etp_close_reason reason;
        const char *p = NULL;
        size_t n = 0;
        API(e, epp_etp_request_get_close_reason(r, &reason));
        API(e, epp_etp_request_get_close_message(r, &p, &n));
        buf_printf(t, "! end %s", reason_name(reason));
        if (p != NULL) {
            buf_puts(t, " message=");
            put_text(t, p, n);
        }
        return 0;
    }
    default:
        buf_printf(t, "! other kind=%u", (unsigned)kind);
        return 0;
    }
}

/* collect(): every message sent ("<" lines), then every queue item. */
static int collect(error *e, struct runner *rn, buf *t) {
    epp_etp_session *s = rn->session;
    size_t pending = 0, taken = 0;
    API(e, epp_etp_session_get_pending_output(s, &pending));
    for (;;) {
        const uint8_t *p = NULL;
        size_t n = 0;
        API(e, epp_etp_session_peek_output(s, &p, &n));
        if (p == NULL) {
            if (n != 0)
                return fail(e, "epp_etp_session_peek_output gave (NULL, %zu)", n);
            break;
        }
        if (n == 0)
            return fail(e, "epp_etp_session_peek_output gave an empty message");
        buf_puts(t, "< ");
        put_hex(t, p, n);
        buf_putc(t, '\n');
        API_S(e, s, epp_etp_session_consume_output(s));
        taken++;
    }
    /* Taking output can only let held input in, which sends more. */
    if (taken < pending)
        return fail(e, "%zu messages were pending, %zu taken", pending, taken);
    {
        epp_result r = epp_etp_session_consume_output(s);
        if (r != EPP_RESULT_NOT_APPLICABLE)
            return api_fail(e, "epp_etp_session_consume_output with nothing pending", r);
    }
    for (;;) {
        epp_etp_request *r = NULL;
        int rc;
        API_S(e, s, epp_etp_session_poll_queue(s, &r));
        if (r == NULL)
            break;
        rc = request_line(e, t, rn, r);
        epp_etp_request_free(r);
        if (rc != 0)
            return -1;
        buf_putc(t, '\n');
    }
    return 0;
}

/* Bytes for a call: the parsed bytes, or (transient) a heap copy of
 * their exact size that the caller frees right after the call. */
static const uint8_t *input(const uint8_t *data, size_t len, bool transient, uint8_t **copy) {
    *copy = NULL;
    if (len == 0)
        return EMPTY;
    if (!transient)
        return data;
    *copy = malloc(len);
    if (*copy == NULL)
        out_of_memory();
    memcpy(*copy, data, len);
    return *copy;
}

/* Runs one step; a session error goes to `*err` (NULL when none). */
static int run_step(error *e, struct runner *rn, const struct step *st, bool transient,
                    const char **err) {
    epp_etp_session *s = rn->session;
    uint8_t *copy = NULL;
    epp_result r = EPP_RESULT_OK;
    *err = NULL;
    switch (st->kind) {
    case STEP_START:
        return fail(e, "start twice");
    case STEP_MESSAGE:
        r = epp_etp_session_feed_message(s, input(st->data, st->data_len, transient, &copy), st->data_len);
        break;
    case STEP_EOF:
        API_S(e, s, epp_etp_session_handle_eof(s));
        return 0;
    case STEP_CLOSE:
        API_S(e, s, epp_etp_session_close(s));
        return 0;
    case STEP_CLOSE_SESSION:
        r = epp_etp_session_close_session(s, st->text.p, st->text.n);
        break;
    case STEP_ANSWER: {
        uint64_t id;
        if (st->n > rn->n_ids)
            return fail(e, "request %zu was not handed out", st->n);
        id = rn->ids[st->n - 1];
        switch (st->answer) {
        case ANSWER_RESPOND:
            r = epp_etp_session_respond(s, id, st->message_type, st->flags,
                                        input(st->data, st->data_len, transient, &copy), st->data_len);
            break;
        case ANSWER_RAISE: {
            /* The message runs to the end of the line; absent is empty. */
            const char *m = st->text.n ? (const char *)input((const uint8_t *)st->text.p, st->text.n,
                                                               transient, &copy)
                                       : (const char *)EMPTY;
            r = epp_etp_session_raise(s, id, st->code, m, st->text.n);
            break;
        }
        case ANSWER_FINISH:
            r = epp_etp_session_finish(s, id);
            break;
        }
        break;
    }
    }
    free(copy);
    if (r != EPP_RESULT_OK) {
        const char *p = NULL;
        size_t n = 0;
        *err = error_name(r);
        if (*err == NULL)
            return session_fail(e, s, "the step's call", r);
        /* A failed call leaves its detail. */
        API(e, epp_etp_session_get_last_error(s, &p, &n));
        if (p == NULL || n == 0)
            return fail(e, "a failed call left no last error");
    }
    return 0;
}

/* Runs a script; its transcript goes to `t`. */
static int run(error *e, const struct script *s, bool transient, buf *t) {
    struct runner rn;
    epp_etp_config *config = NULL;
    size_t i;
    int rc = -1;
    memset(&rn, 0, sizeof rn);
    t->len = 0;
    {
        epp_result r = epp_etp_config_builder_build(s->builder, &config);
        if (r != EPP_RESULT_OK) {
            const char *p = NULL;
            size_t n = 0;
            if (epp_etp_config_builder_get_last_error(s->builder, &p, &n) != EPP_RESULT_OK)
                p = NULL, n = 0;
            return fail(e, "configuration refused: %.*s", (int)n, p ? p : "");
        }
    }
    for (i = 0; i < s->n_steps; i++) {
        const struct step *st = &s->steps[i];
        const char *err = NULL;
        epp_etp_session_state state;
        const char *state_s;
        epp_result r;
        buf_puts(t, "> ");
        buf_str(t, st->line);
        buf_putc(t, '\n');
        if (st->kind == STEP_START) {
            r = epp_etp_session_new(config, s->session_id, &rn.session);
            /* The session keeps its own reference: the config may go. */
            epp_etp_config_free(config);
            config = NULL;
            if (r != EPP_RESULT_OK) {
                api_fail(e, "epp_etp_session_new", r);
                fail_at(e, st->lineno, st->line);
                goto done;
            }
        } else if (run_step(e, &rn, st, transient, &err) != 0) {
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        if (err != NULL)
            buf_printf(t, "! error %s\n", err);
        if (collect(e, &rn, t) != 0) {
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        r = epp_etp_session_get_state(rn.session, &state);
        if (r != EPP_RESULT_OK) {
            api_fail(e, "epp_etp_session_get_state", r);
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        state_s = state_name(state);
        if (state_s == NULL) {
            fail(e, "unknown epp_etp_session_state %u", (unsigned)state);
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        buf_printf(t, "= %s\n", state_s);
    }
    rc = 0;
done:
    epp_etp_config_free(config);
    epp_etp_session_free(rn.session);
    free(rn.ids);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The golden loop (script_common.h's), with this harness's scripts     */
/* ------------------------------------------------------------------ */

static int parse_text(error *e, void *script, char *text, size_t len) {
    struct script *s = script;
    s->text = text;
    s->text_len = len;
    return parse_script(e, s);
}

static int run_script(error *e, const void *script, bool transient, buf *t) {
    return run(e, script, transient, t);
}

static void free_script(void *script) { script_free(script); }

int main(int argc, char **argv) {
    static const harness h = {"the ETP scripts", {"as parsed", "transient input"}, sizeof(struct script), parse_text, run_script,
                              free_script};
    return run_folder(argc, argv, &h);
}
