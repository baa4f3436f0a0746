/*
 * The session transcripts through the C API: every tests/scripts/NAME.script
 * is run through include/epp.h and the transcript it produces must equal
 * NAME.transcript beside it byte for byte, once with every feed as written
 * and once fed one byte per call. The script and transcript formats are in
 * tests/scripts/README.md; the reference runner is tests/transcripts.rs,
 * which this one follows step for step. Everything in a transcript comes
 * from the C API's getters.
 *
 *   run_scripts DIR
 *
 * Prints one line per script ("ok   NAME", or "FAIL NAME (mode): ..." with
 * the first differing line, expected and actual, indented below it), then
 * "N passed, M failed". Exit status 0 only when every script passed; 2 for
 * a usage or I/O error. A transcript without its script is a failure.
 *
 * Built by tests/c/run.sh with -std=c11 -Wall -Wextra -Werror -pedantic
 * and run under valgrind and AddressSanitizer/UBSan: everything allocated
 * is freed, every epp_result is checked, every buffer grows with overflow
 * checks.
 */
#define _POSIX_C_SOURCE 200809L

#define SCRIPT_PROG "run_scripts"

#include <inttypes.h>

#include "script_common.h"

/* The text of a poll message answered with `poll resdata` or
 * `poll extension`. */
static const char DATA_MESSAGE_TEXT[] = "message with data";

/* The same for a call that changes `s`: adds its last error. */
static int session_fail(error *e, const epp_session *s, const char *call, epp_result r) {
    const char *p = NULL;
    size_t n = 0;
    if (s != NULL && epp_session_get_last_error(s, &p, &n) == EPP_RESULT_OK && p != NULL)
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

/* ------------------------------------------------------------------ */
/* Scripts                                                              */
/* ------------------------------------------------------------------ */

enum config_key {
    CFG_OBJECT_URI,
    CFG_EXTENSION_URI,
    CFG_LANGUAGE,
    CFG_SV_TRID_PREFIX,
    CFG_SV_TRID_EPOCH,
    CFG_LIMIT,
    CFG_UNHANDLED_NAMESPACES,
};

/* One `config` line other than server_id and registrar_sessions, applied
 * to the builder in script order. */
struct config_item {
    enum config_key key;
    str name;       /* the script's key, for messages */
    str value;      /* URIs, languages, the prefix */
    epp_limit limit; /* CFG_LIMIT */
    uint64_t number; /* CFG_SV_TRID_EPOCH, CFG_LIMIT */
    bool on;         /* CFG_UNHANDLED_NAMESPACES */
};

enum step_kind { STEP_START, STEP_NOW, STEP_FEED, STEP_EOF, STEP_TIMEOUT, STEP_CLOSE, STEP_ANSWER };

enum answer_kind {
    ANSWER_LOGIN,
    ANSWER_POLL_EMPTY,
    ANSWER_POLL_MESSAGE,
    ANSWER_ACK,
    ANSWER_ACK_UNKNOWN,
    ANSWER_COMMAND,
    ANSWER_FAILURE,
};

struct step {
    enum step_kind kind;
    size_t lineno;
    str line;     /* as written, without the CR */
    uint64_t ms;  /* start, now */
    uint8_t *data; /* feed: the bytes */
    size_t data_len;
    size_t chunk; /* feed: bytes per call; 0 = all at once */
    size_t n;     /* answer: the request's number, from 1 */
    enum answer_kind answer;
    epp_login_answer login;       /* ANSWER_LOGIN */
    uint64_t remaining;           /* ANSWER_ACK */
    epp_poll_message *message;    /* ANSWER_POLL_MESSAGE */
    epp_response *response;       /* ANSWER_COMMAND */
    str failure_message;          /* ANSWER_FAILURE; p NULL when absent */
};

struct script {
    char *text;
    size_t text_len;
    str server_id;
    struct config_item *config;
    size_t n_config, cap_config;
    bool has_registrar_sessions;
    uint64_t registrar_sessions;
    struct step *steps;
    size_t n_steps, cap_steps;
};

static void step_free(struct step *st) {
    free(st->data);
    epp_poll_message_free(st->message);
    epp_response_free(st->response);
    memset(st, 0, sizeof *st);
}

static void script_free(struct script *s) {
    size_t i;
    for (i = 0; i < s->n_steps; i++)
        step_free(&s->steps[i]);
    free(s->steps);
    free(s->config);
    free(s->text);
    memset(s, 0, sizeof *s);
}

static int parse_size(error *e, str s, const char *what, size_t *out) {
    uint64_t v;
    if (parse_u64(e, s, what, &v) != 0)
        return -1;
    if (v > SIZE_MAX)
        return fail(e, "%s: number too large", what);
    *out = (size_t)v;
    return 0;
}

/* Makes the response of `command`, `resdata` and `extension` answers:
 * one result of `code`; the C API says whether it is an RFC 5730 code. */
static int new_response(error *e, str code, epp_response **out) {
    uint64_t v;
    epp_result r;
    if (parse_u64(e, code, "result code", &v) != 0)
        return -1;
    if (v > UINT16_MAX)
        return fail(e, "%.*s is not an RFC 5730 result code", (int)code.n, code.p);
    r = epp_response_new((uint16_t)v, out);
    if (r == EPP_RESULT_INVALID_ARGUMENT)
        return fail(e, "%.*s is not an RFC 5730 result code", (int)code.n, code.p);
    API(e, r);
    return 0;
}

/* Splits `s` at its first `parts - 1` spaces, as Rust's splitn: returns
 * how many parts there are (at most `parts`). */
static size_t splitn(str s, str *out, size_t parts) {
    size_t k = 0;
    str rest = s;
    while (k + 1 < parts) {
        str head;
        if (rest.n == 0 || memchr(rest.p, ' ', rest.n) == NULL)
            break;
        word(rest, &head, &rest);
        out[k++] = head;
    }
    out[k++] = rest;
    return k;
}

static int new_poll_message(error *e, const str *p, const char *text, size_t text_len,
                            epp_poll_message **out) {
    uint64_t id, count, qdate;
    if (parse_u64(e, p[0], "msgid", &id) != 0 || parse_u64(e, p[1], "count", &count) != 0 ||
        parse_u64(e, p[2], "qdate_ms", &qdate) != 0)
        return -1;
    API(e, epp_poll_message_new(id, count, qdate, text, text_len, out));
    return 0;
}

static int parse_answer(error *e, str rest, struct step *st) {
    str n, kind, what;
    word(rest, &n, &rest);
    if (parse_size(e, n, "answer number", &st->n) != 0)
        return -1;
    if (st->n == 0)
        return fail(e, "answer numbers start at 1");
    word(rest, &kind, &rest);
    if (str_is(kind, "login")) {
        st->answer = ANSWER_LOGIN;
        if (str_is(rest, "accept"))
            st->login = EPP_LOGIN_ANSWER_ACCEPTED;
        else if (str_is(rest, "bad"))
            st->login = EPP_LOGIN_ANSWER_BAD_CREDENTIALS;
        else if (str_is(rest, "disabled"))
            st->login = EPP_LOGIN_ANSWER_ACCOUNT_DISABLED;
        else if (str_is(rest, "limit"))
            st->login = EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED;
        else if (str_is(rest, "failed"))
            st->login = EPP_LOGIN_ANSWER_FAILED;
        else
            return fail(e, "unknown login answer \"%.*s\"", (int)rest.n, rest.p);
    } else if (str_is(kind, "poll")) {
        str p[5];
        word(rest, &what, &rest);
        if (str_is(what, "empty") && rest.n == 0) {
            st->answer = ANSWER_POLL_EMPTY;
        } else if (str_is(what, "message")) {
            size_t k = splitn(rest, p, 5);
            if (k < 4)
                return fail(e, "poll message needs <msgid> <count> <qdate_ms> <lang> <text>");
            st->answer = ANSWER_POLL_MESSAGE;
            /* The text is never NULL: "" when absent. */
            if (new_poll_message(e, p, k > 4 ? p[4].p : "", k > 4 ? p[4].n : 0, &st->message) != 0)
                return -1;
            if (!str_is(p[3], "-"))
                API(e, epp_poll_message_set_lang(st->message, p[3].p, p[3].n));
        } else if (str_is(what, "msgxml")) {
            size_t k = splitn(rest, p, 4);
            if (k < 4)
                return fail(e, "poll msgxml needs <msgid> <count> <qdate_ms> <xml>");
            st->answer = ANSWER_POLL_MESSAGE;
            if (new_poll_message(e, p, "", 0, &st->message) != 0)
                return -1;
            /* The XML is present even when empty: never (NULL, 0). */
            API(e, epp_poll_message_set_msg_xml(st->message, p[3].n ? p[3].p : "", p[3].n));
        } else if (str_is(what, "resdata") || str_is(what, "extension")) {
            size_t k = splitn(rest, p, 4);
            if (k < 4)
                return fail(e, "poll %.*s needs <msgid> <count> <qdate_ms> <xml>", (int)what.n, what.p);
            st->answer = ANSWER_POLL_MESSAGE;
            if (new_poll_message(e, p, DATA_MESSAGE_TEXT, sizeof DATA_MESSAGE_TEXT - 1, &st->message) != 0)
                return -1;
            if (str_is(what, "resdata"))
                API(e, epp_poll_message_set_res_data(st->message, p[3].p, p[3].n));
            else
                API(e, epp_poll_message_set_extension(st->message, p[3].p, p[3].n));
        } else {
            return fail(e, "unknown poll answer \"%.*s\"", (int)rest.n, rest.p);
        }
    } else if (str_is(kind, "ack")) {
        word(rest, &what, &rest);
        if (str_is(what, "acked")) {
            st->answer = ANSWER_ACK;
            if (parse_u64(e, rest, "remaining", &st->remaining) != 0)
                return -1;
        } else if (str_is(what, "unknown") && rest.n == 0) {
            st->answer = ANSWER_ACK_UNKNOWN;
        } else {
            return fail(e, "unknown ack answer \"%.*s\"", (int)what.n, what.p);
        }
    } else if (str_is(kind, "command")) {
        str code;
        word(rest, &code, &rest);
        st->answer = ANSWER_COMMAND;
        if (new_response(e, code, &st->response) != 0)
            return -1;
        if (rest.n > 0)
            API(e, epp_response_set_message(st->response, rest.p, rest.n));
    } else if (str_is(kind, "resdata") || str_is(kind, "extension")) {
        str code;
        word(rest, &code, &rest);
        st->answer = ANSWER_COMMAND;
        if (new_response(e, code, &st->response) != 0)
            return -1;
        /* The XML is present even when empty: never (NULL, 0). */
        if (str_is(kind, "resdata"))
            API(e, epp_response_set_res_data(st->response, rest.n ? rest.p : "", rest.n));
        else
            API(e, epp_response_set_extension(st->response, rest.n ? rest.p : "", rest.n));
    } else if (str_is(kind, "failure")) {
        st->answer = ANSWER_FAILURE;
        if (rest.n > 0)
            st->failure_message = rest;
    } else {
        return fail(e, "unknown answer kind \"%.*s\"", (int)kind.n, kind.p);
    }
    return 0;
}

static const struct {
    const char *name;
    epp_limit limit;
} LIMIT_KEYS[] = {
    {"max_frame_size", EPP_LIMIT_MAX_FRAME_SIZE},
    {"max_in_flight", EPP_LIMIT_MAX_IN_FLIGHT},
    {"max_failed_logins", EPP_LIMIT_MAX_FAILED_LOGINS},
    {"login_deadline_ms", EPP_LIMIT_LOGIN_DEADLINE_MS},
    {"idle_timeout_ms", EPP_LIMIT_IDLE_TIMEOUT_MS},
};

static int set_config(error *e, struct script *s, str rest) {
    str key, value;
    struct config_item item;
    size_t i;
    void *p;
    word(rest, &key, &value);
    memset(&item, 0, sizeof item);
    item.name = key;
    item.value = value;
    if (str_is(key, "server_id")) {
        s->server_id = value;
        return 0;
    } else if (str_is(key, "registrar_sessions")) {
        s->has_registrar_sessions = true;
        return parse_u64(e, value, "registrar_sessions", &s->registrar_sessions);
    } else if (str_is(key, "object_uri")) {
        item.key = CFG_OBJECT_URI;
    } else if (str_is(key, "extension_uri")) {
        item.key = CFG_EXTENSION_URI;
    } else if (str_is(key, "language")) {
        item.key = CFG_LANGUAGE;
    } else if (str_is(key, "sv_trid_prefix")) {
        item.key = CFG_SV_TRID_PREFIX;
    } else if (str_is(key, "sv_trid_epoch")) {
        item.key = CFG_SV_TRID_EPOCH;
        if (parse_u64(e, value, "sv_trid_epoch", &item.number) != 0)
            return -1;
    } else if (str_is(key, "unhandled_namespaces")) {
        item.key = CFG_UNHANDLED_NAMESPACES;
        if (str_is(value, "on"))
            item.on = true;
        else if (str_is(value, "off"))
            item.on = false;
        else
            return fail(e, "unhandled_namespaces: \"%.*s\" is not on or off",
                        value.n > 40 ? 40 : (int)value.n, value.p);
    } else {
        for (i = 0; i < sizeof LIMIT_KEYS / sizeof LIMIT_KEYS[0]; i++)
            if (str_is(key, LIMIT_KEYS[i].name))
                break;
        if (i == sizeof LIMIT_KEYS / sizeof LIMIT_KEYS[0])
            return fail(e, "unknown config key \"%.*s\"", (int)key.n, key.p);
        item.key = CFG_LIMIT;
        item.limit = LIMIT_KEYS[i].limit;
        if (parse_u64(e, value, LIMIT_KEYS[i].name, &item.number) != 0)
            return -1;
    }
    p = s->config;
    grow(&p, &s->cap_config, s->n_config, 1, sizeof *s->config);
    s->config = p;
    s->config[s->n_config++] = item;
    return 0;
}

/* Parses one step line (not a comment, not a config line). */
static int parse_step(error *e, str line, bool started, struct step *st) {
    str keyword, rest;
    word(line, &keyword, &rest);
    if (str_is(keyword, "start")) {
        if (started)
            return fail(e, "one session per script");
        st->kind = STEP_START;
        return parse_u64(e, rest, "start", &st->ms);
    }
    if (!started)
        return fail(e, "a step before start");
    if (str_is(keyword, "now")) {
        st->kind = STEP_NOW;
        return parse_u64(e, rest, "now", &st->ms);
    }
    if (str_is(keyword, "frame")) {
        st->kind = STEP_FEED;
        return frame_bytes(e, rest, &st->data, &st->data_len);
    }
    if (str_is(keyword, "raw")) {
        st->kind = STEP_FEED;
        return parse_raw_hex(e, rest, &st->data, &st->data_len);
    }
    if (str_is(keyword, "split")) {
        str n;
        word(rest, &n, &rest);
        st->kind = STEP_FEED;
        if (parse_size(e, n, "split size", &st->chunk) != 0)
            return -1;
        if (st->chunk == 0)
            return fail(e, "split size must be at least 1");
        return frame_bytes(e, rest, &st->data, &st->data_len);
    }
    if (rest.n == 0 && str_is(keyword, "eof")) {
        st->kind = STEP_EOF;
        return 0;
    }
    if (rest.n == 0 && str_is(keyword, "timeout")) {
        st->kind = STEP_TIMEOUT;
        return 0;
    }
    if (rest.n == 0 && str_is(keyword, "close")) {
        st->kind = STEP_CLOSE;
        return 0;
    }
    if (str_is(keyword, "answer")) {
        st->kind = STEP_ANSWER;
        return parse_answer(e, rest, st);
    }
    return fail(e, "unknown step");
}

/* Parses `s->text`. */
static int parse_script(error *e, struct script *s) {
    size_t pos = 0, lineno = 0;
    bool started = false;
    str line;
    s->server_id.p = "libepp test server";
    s->server_id.n = strlen(s->server_id.p);
    if (s->text_len > 0 && !utf8_valid((const unsigned char *)s->text, s->text_len))
        return fail(e, "the script is not UTF-8");
    while (next_line(s->text, s->text_len, &pos, &lineno, &line)) {
        str keyword, rest;
        struct step st;
        void *steps;
        word(line, &keyword, &rest);
        if (str_is(keyword, "config")) {
            if (started) {
                fail(e, "config after start");
                return fail_at(e, lineno, line);
            }
            if (set_config(e, s, rest) != 0)
                return fail_at(e, lineno, line);
            continue;
        }
        memset(&st, 0, sizeof st);
        if (parse_step(e, line, started, &st) != 0) {
            step_free(&st);
            return fail_at(e, lineno, line);
        }
        started = true;
        st.lineno = lineno;
        st.line = line;
        steps = s->steps;
        grow(&steps, &s->cap_steps, s->n_steps, 1, sizeof *s->steps);
        s->steps = steps;
        s->steps[s->n_steps++] = st;
    }
    if (!started)
        return fail(e, "no start step");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transcript lines                                                     */
/* ------------------------------------------------------------------ */

static const char *state_name(epp_session_state s) {
    switch (s) {
    case EPP_SESSION_STATE_AWAITING_LOGIN: return "awaiting-login";
    case EPP_SESSION_STATE_LOGIN_PENDING: return "login-pending";
    case EPP_SESSION_STATE_LOGGED_IN: return "logged-in";
    case EPP_SESSION_STATE_CLOSING: return "closing";
    case EPP_SESSION_STATE_CLOSED: return "closed";
    default: return NULL;
    }
}

/* The `! error` name of an answer's result; NULL for a result no answer
 * should give (a misuse of the API or a panic: a failure of the run). */
static const char *answer_error_name(epp_result r) {
    switch (r) {
    case EPP_RESULT_SESSION_CLOSED: return "closed";
    case EPP_RESULT_UNKNOWN_REQUEST: return "unknown-request";
    case EPP_RESULT_ALREADY_ANSWERED: return "already-answered";
    case EPP_RESULT_WRONG_ANSWER: return "wrong-answer";
    case EPP_RESULT_INVALID_XML: return "invalid-xml";
    case EPP_RESULT_INVALID_ANSWER: return "invalid-answer";
    default: return r >= 200 && r <= 299 ? "other" : NULL;
    }
}

static const char *verb_name(epp_command_verb v) {
    switch (v) {
    case EPP_COMMAND_VERB_CHECK: return "check";
    case EPP_COMMAND_VERB_INFO: return "info";
    case EPP_COMMAND_VERB_CREATE: return "create";
    case EPP_COMMAND_VERB_UPDATE: return "update";
    case EPP_COMMAND_VERB_DELETE: return "delete";
    case EPP_COMMAND_VERB_RENEW: return "renew";
    case EPP_COMMAND_VERB_TRANSFER: return "transfer";
    default: return NULL;
    }
}

/* The transfer op's name; "" for none (written `-`), NULL when unknown. */
static const char *op_name(epp_transfer_op op) {
    switch (op) {
    case EPP_TRANSFER_OP_NONE: return "";
    case EPP_TRANSFER_OP_REQUEST: return "request";
    case EPP_TRANSFER_OP_APPROVE: return "approve";
    case EPP_TRANSFER_OP_CANCEL: return "cancel";
    case EPP_TRANSFER_OP_QUERY: return "query";
    case EPP_TRANSFER_OP_REJECT: return "reject";
    default: return NULL;
    }
}

typedef epp_result (*string_getter)(const epp_request *, const char **, size_t *);
typedef epp_result (*indexed_getter)(const epp_request *, size_t, const char **, size_t *);

/* Appends ` KEY=VALUE` from a string getter: `-` for an absent optional
 * value; an absent required value is a failure. */
static int put_getter(error *e, buf *t, const char *key, const epp_request *r, string_getter get,
                      const char *get_name, bool optional) {
    str s = {NULL, 0};
    epp_result res = get(r, &s.p, &s.n);
    if (res != EPP_RESULT_OK)
        return api_fail(e, get_name, res);
    if (s.p == NULL && !optional)
        return fail(e, "%s gave (NULL, 0) for a value that is never absent", get_name);
    if (s.p == NULL && s.n != 0)
        return fail(e, "%s gave (NULL, %zu)", get_name, s.n);
    buf_printf(t, " %s=", key);
    put_opt_field(t, s);
    return 0;
}

#define PUT(e, t, key, r, get, optional) put_getter((e), (t), (key), (r), (get), #get, (optional))

/* Appends ` KEY=URI` for each URI of a counted list. */
static int put_uris(error *e, buf *t, const char *key, const epp_request *r, size_t count,
                    indexed_getter get, const char *get_name) {
    size_t i;
    for (i = 0; i < count; i++) {
        str s = {NULL, 0};
        epp_result res = get(r, i, &s.p, &s.n);
        if (res != EPP_RESULT_OK)
            return api_fail(e, get_name, res);
        if (s.p == NULL)
            return fail(e, "%s(%zu) gave (NULL, 0)", get_name, i);
        buf_printf(t, " %s=", key);
        put_field(t, s);
    }
    return 0;
}

/* The `?` line of request number `n`, without its LF. */
static int request_line(error *e, buf *t, const epp_request *r, epp_request_kind kind, size_t n) {
    size_t count;
    switch (kind) {
    case EPP_REQUEST_KIND_LOGIN:
        buf_printf(t, "? %zu login", n);
        if (PUT(e, t, "clid", r, epp_request_get_client_id, false) != 0 ||
            PUT(e, t, "cltrid", r, epp_request_get_client_transaction_id, true) != 0 ||
            PUT(e, t, "pw", r, epp_request_get_password, false) != 0 ||
            PUT(e, t, "newpw", r, epp_request_get_new_password, true) != 0 ||
            PUT(e, t, "lang", r, epp_request_get_lang, false) != 0)
            return -1;
        API(e, epp_request_get_obj_uri_count(r, &count));
        if (put_uris(e, t, "obj", r, count, epp_request_get_obj_uri, "epp_request_get_obj_uri") != 0)
            return -1;
        API(e, epp_request_get_ext_uri_count(r, &count));
        if (put_uris(e, t, "ext", r, count, epp_request_get_ext_uri, "epp_request_get_ext_uri") != 0)
            return -1;
        return PUT(e, t, "extxml", r, epp_request_get_extension_xml, true);
    case EPP_REQUEST_KIND_POLL:
        buf_printf(t, "? %zu poll", n);
        if (PUT(e, t, "cltrid", r, epp_request_get_client_transaction_id, true) != 0)
            return -1;
        return PUT(e, t, "extxml", r, epp_request_get_extension_xml, true);
    case EPP_REQUEST_KIND_POLL_ACK: {
        uint64_t msgid;
        API(e, epp_request_get_message_id(r, &msgid));
        buf_printf(t, "? %zu ack msgid=%" PRIu64, n, msgid);
        if (PUT(e, t, "cltrid", r, epp_request_get_client_transaction_id, true) != 0)
            return -1;
        return PUT(e, t, "extxml", r, epp_request_get_extension_xml, true);
    }
    case EPP_REQUEST_KIND_COMMAND: {
        epp_command_verb verb;
        epp_transfer_op op;
        const char *verb_s, *op_s;
        API(e, epp_request_get_command_verb(r, &verb));
        API(e, epp_request_get_transfer_op(r, &op));
        verb_s = verb_name(verb);
        op_s = op_name(op);
        if (verb_s == NULL)
            return fail(e, "unknown epp_command_verb %u", (unsigned)verb);
        if (op_s == NULL)
            return fail(e, "unknown epp_transfer_op %u", (unsigned)op);
        buf_printf(t, "? %zu command verb=%s", n, verb_s);
        if (PUT(e, t, "object", r, epp_request_get_object_uri, false) != 0 ||
            PUT(e, t, "cltrid", r, epp_request_get_client_transaction_id, true) != 0)
            return -1;
        buf_printf(t, " op=%s", *op_s ? op_s : "-");
        API(e, epp_request_get_ext_uri_count(r, &count));
        if (put_uris(e, t, "ext", r, count, epp_request_get_ext_uri, "epp_request_get_ext_uri") != 0)
            return -1;
        if (PUT(e, t, "extxml", r, epp_request_get_extension_xml, true) != 0)
            return -1;
        return PUT(e, t, "xml", r, epp_request_get_object_xml, false);
    }
    case EPP_REQUEST_KIND_EXTENSION:
        buf_printf(t, "? %zu extension", n);
        API(e, epp_request_get_ext_uri_count(r, &count));
        if (put_uris(e, t, "ext", r, count, epp_request_get_ext_uri, "epp_request_get_ext_uri") != 0)
            return -1;
        return PUT(e, t, "xml", r, epp_request_get_extension_xml, false);
    default:
        return fail(e, "unknown epp_request_kind %u", (unsigned)kind);
    }
}

static int close_detail(error *e, const epp_request *r, epp_close_detail which, uint64_t *v) {
    epp_result res = epp_request_get_close_detail(r, which, v);
    if (res != EPP_RESULT_OK)
        return fail(e, "epp_request_get_close_detail(%u) returned %u (%s)", (unsigned)which,
                    (unsigned)res, describe(res));
    return 0;
}

/* The `! end` line of a session end, without its LF. */
static int end_line(error *e, buf *t, const epp_request *r) {
    epp_close_reason reason;
    uint64_t a, b;
    API(e, epp_request_get_close_reason(r, &reason));
    buf_puts(t, "! end ");
    switch (reason) {
    case EPP_CLOSE_REASON_LOGOUT: buf_puts(t, "logout"); break;
    case EPP_CLOSE_REASON_LOGIN_DEADLINE: buf_puts(t, "login-deadline"); break;
    case EPP_CLOSE_REASON_IDLE_TIMEOUT: buf_puts(t, "idle-timeout"); break;
    case EPP_CLOSE_REASON_BAD_FRAME_LENGTH:
        if (close_detail(e, r, EPP_CLOSE_DETAIL_FRAME_LENGTH, &a) != 0 ||
            close_detail(e, r, EPP_CLOSE_DETAIL_FRAME_LIMIT, &b) != 0)
            return -1;
        buf_printf(t, "bad-frame-length length=%" PRIu64 " limit=%" PRIu64, a, b);
        break;
    case EPP_CLOSE_REASON_PEER_CLOSED: buf_puts(t, "peer-closed"); break;
    case EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME:
        if (close_detail(e, r, EPP_CLOSE_DETAIL_BYTES_RECEIVED, &a) != 0)
            return -1;
        buf_printf(t, "peer-closed-mid-frame received=%" PRIu64, a);
        break;
    case EPP_CLOSE_REASON_TOO_MANY_FAILED_LOGINS: buf_puts(t, "too-many-failed-logins"); break;
    case EPP_CLOSE_REASON_SESSION_LIMIT_EXCEEDED: buf_puts(t, "session-limit-exceeded"); break;
    case EPP_CLOSE_REASON_CLOSING_RESPONSE:
        if (close_detail(e, r, EPP_CLOSE_DETAIL_RESULT_CODE, &a) != 0)
            return -1;
        buf_printf(t, "closing-response code=%" PRIu64, a);
        break;
    case EPP_CLOSE_REASON_HOST: buf_puts(t, "host"); break;
    case EPP_CLOSE_REASON_NONE:
        return fail(e, "a session end request with EPP_CLOSE_REASON_NONE");
    default: {
        /* A reason added later: its text, as the reference runner does. */
        str s = {NULL, 0};
        API(e, epp_request_get_close_reason_text(r, &s.p, &s.n));
        buf_puts(t, "unknown ");
        put_field(t, s);
        break;
    }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                           */
/* ------------------------------------------------------------------ */

/* What one step produced. */
struct block {
    const char *error; /* the `! error` name, or NULL */
    buf output;        /* output bytes */
    buf queue;         /* `?` and `! end` lines, in poll-queue order */
};

struct runner {
    epp_session *session;
    uint64_t now;
    bool eof_seen;
    uint64_t *ids; /* requests handed out that take an answer, in order */
    size_t n_ids, cap_ids;
};

/* Takes everything the session has for the host: requests, then output. */
static int collect(error *e, struct runner *rn, struct block *b) {
    const uint8_t *out = NULL;
    size_t out_len = 0;
    for (;;) {
        epp_request *r = NULL;
        epp_request_kind kind;
        epp_result res;
        int rc;
        API_S(e, rn->session, epp_session_poll_queue(rn->session, &r));
        if (r == NULL)
            break;
        res = epp_request_get_kind(r, &kind);
        if (res != EPP_RESULT_OK) {
            epp_request_free(r);
            return api_fail(e, "epp_request_get_kind", res);
        }
        if (kind == EPP_REQUEST_KIND_SESSION_END) {
            rc = end_line(e, &b->queue, r);
        } else {
            uint64_t id;
            void *ids = rn->ids;
            res = epp_request_get_id(r, &id);
            if (res != EPP_RESULT_OK) {
                epp_request_free(r);
                return api_fail(e, "epp_request_get_id", res);
            }
            grow(&ids, &rn->cap_ids, rn->n_ids, 1, sizeof *rn->ids);
            rn->ids = ids;
            rn->ids[rn->n_ids++] = id;
            rc = request_line(e, &b->queue, r, kind, rn->n_ids);
        }
        epp_request_free(r);
        if (rc != 0)
            return -1;
        buf_putc(&b->queue, '\n');
    }
    API_S(e, rn->session, epp_session_take_output(rn->session, &out, &out_len));
    if (out_len > 0) {
        buf_put(&b->output, out, out_len);
        API_S(e, rn->session, epp_session_consume_output(rn->session, out_len));
    }
    return 0;
}

static int answer(error *e, struct runner *rn, const struct step *st, struct block *b) {
    epp_session *s = rn->session;
    uint64_t id;
    uint16_t code;
    epp_result r;
    const char *name;
    if (st->n > rn->n_ids)
        return fail(e, "request %zu was not handed out (%zu so far)", st->n, rn->n_ids);
    id = rn->ids[st->n - 1];
    switch (st->answer) {
    case ANSWER_LOGIN: r = epp_session_answer_login(s, id, st->login, &code); break;
    case ANSWER_POLL_EMPTY: r = epp_session_answer_poll_empty(s, id); break;
    case ANSWER_POLL_MESSAGE: r = epp_session_answer_poll_message(s, id, st->message); break;
    case ANSWER_ACK: r = epp_session_answer_ack(s, id, st->remaining); break;
    case ANSWER_ACK_UNKNOWN: r = epp_session_answer_ack_unknown(s, id); break;
    case ANSWER_COMMAND: r = epp_session_answer_command(s, id, st->response); break;
    case ANSWER_FAILURE:
        r = epp_session_answer_failure(s, id, st->failure_message.p, st->failure_message.n);
        break;
    default: return fail(e, "unknown answer kind %d", (int)st->answer);
    }
    if (r == EPP_RESULT_OK)
        return 0;
    name = answer_error_name(r);
    if (name == NULL)
        return session_fail(e, s, "the answer", r);
    b->error = name;
    return 0;
}

static int run_step(error *e, struct runner *rn, const struct step *st, bool byte_by_byte,
                    struct block *b) {
    bool closed;
    switch (st->kind) {
    case STEP_START: return fail(e, "one session per script");
    case STEP_NOW: {
        size_t held;
        API(e, epp_session_get_buffered_input(rn->session, &held));
        if (held > 0)
            return fail(e, "time may not move while input is held back (answer the requests first)");
        rn->now = st->ms;
        break;
    }
    case STEP_FEED: {
        size_t size = byte_by_byte ? 1 : st->chunk ? st->chunk : st->data_len, off;
        if (rn->eof_seen)
            return fail(e, "input after eof");
        if (size == 0)
            size = 1;
        for (off = 0; off < st->data_len; off += size) {
            size_t c = st->data_len - off < size ? st->data_len - off : size;
            epp_result r = epp_session_feed_input(rn->session, st->data + off, c, rn->now);
            /* The session takes every byte; after it ended (a session
             * error), the rest is dropped, as a host drops what it read
             * then. Anything else is a failure. */
            if (r != EPP_RESULT_OK && !(r >= 200 && r <= 299))
                return session_fail(e, rn->session, "epp_session_feed_input", r);
            if (collect(e, rn, b) != 0)
                return -1;
        }
        break;
    }
    case STEP_EOF:
        rn->eof_seen = true;
        API_S(e, rn->session, epp_session_handle_eof(rn->session, rn->now));
        break;
    case STEP_TIMEOUT:
        API_S(e, rn->session, epp_session_handle_timeout(rn->session, rn->now, &closed));
        break;
    case STEP_CLOSE:
        API_S(e, rn->session, epp_session_close(rn->session));
        break;
    case STEP_ANSWER:
        if (answer(e, rn, st, b) != 0)
            return -1;
        break;
    }
    return collect(e, rn, b);
}

/* A fresh server (configuration and registrar counter) for one run,
 * started at `now`. */
static int make_server(error *e, const struct script *s, uint64_t now, epp_server **out) {
    epp_config_builder *builder = NULL;
    epp_config *config = NULL;
    epp_registrar_sessions *counter = NULL;
    epp_result r;
    size_t i;
    int rc = -1;
    r = epp_config_builder_new(s->server_id.p, s->server_id.n, &builder);
    if (r != EPP_RESULT_OK)
        return api_fail(e, "epp_config_builder_new", r);
    for (i = 0; i < s->n_config; i++) {
        const struct config_item *c = &s->config[i];
        switch (c->key) {
        case CFG_OBJECT_URI:
            r = epp_config_builder_add_object_uri(builder, c->value.p, c->value.n);
            break;
        case CFG_EXTENSION_URI:
            r = epp_config_builder_add_extension_uri(builder, c->value.p, c->value.n);
            break;
        case CFG_LANGUAGE:
            r = epp_config_builder_add_language(builder, c->value.p, c->value.n);
            break;
        case CFG_SV_TRID_PREFIX:
            r = epp_config_builder_set_sv_trid_prefix(builder, c->value.p, c->value.n);
            break;
        case CFG_SV_TRID_EPOCH:
            r = epp_config_builder_set_sv_trid_epoch(builder, c->number);
            break;
        case CFG_LIMIT:
            r = epp_config_builder_set_limit(builder, c->limit, c->number);
            break;
        case CFG_UNHANDLED_NAMESPACES:
            r = epp_config_builder_set_unhandled_namespaces(builder, c->on);
            break;
        default:
            r = EPP_RESULT_INVALID_ARGUMENT;
        }
        if (r != EPP_RESULT_OK) {
            fail(e, "configuration refused: config %.*s: %s", (int)c->name.n, c->name.p, describe(r));
            goto done;
        }
    }
    r = epp_config_builder_build(builder, &config);
    if (r != EPP_RESULT_OK) {
        str why = {NULL, 0};
        if (epp_config_builder_get_last_error(builder, &why.p, &why.n) != EPP_RESULT_OK || why.p == NULL)
            why.p = describe(r), why.n = strlen(why.p);
        fail(e, "configuration refused: %.*s", why.n > 300 ? 300 : (int)why.n, why.p);
        goto done;
    }
    if (s->has_registrar_sessions) {
        if (s->registrar_sessions > SIZE_MAX) {
            fail(e, "registrar_sessions: number too large");
            goto done;
        }
        r = epp_registrar_sessions_new((size_t)s->registrar_sessions, &counter);
        if (r != EPP_RESULT_OK) {
            api_fail(e, "epp_registrar_sessions_new", r);
            goto done;
        }
    }
    r = epp_server_new(config, now, counter, out);
    if (r != EPP_RESULT_OK) {
        api_fail(e, "epp_server_new", r);
        goto done;
    }
    rc = 0;
done:
    /* The server keeps its own references to the config and counter. */
    epp_registrar_sessions_free(counter);
    epp_config_free(config);
    epp_config_builder_free(builder);
    return rc;
}

/* Runs a script; its transcript goes to `t`. */
static int run(error *e, const struct script *s, bool byte_by_byte, buf *t) {
    struct runner rn;
    struct block b;
    epp_server *server = NULL;
    size_t i;
    int rc = -1;
    memset(&rn, 0, sizeof rn);
    memset(&b, 0, sizeof b);
    t->len = 0;
    if (s->n_steps == 0 || s->steps[0].kind != STEP_START)
        return fail(e, "the first step must be start");
    rn.now = s->steps[0].ms;
    if (make_server(e, s, rn.now, &server) != 0)
        return -1;
    {
        epp_result r = epp_session_new(server, rn.now, &rn.session);
        if (r != EPP_RESULT_OK) {
            api_fail(e, "epp_session_new", r);
            goto done;
        }
    }
    for (i = 0; i < s->n_steps; i++) {
        const struct step *st = &s->steps[i];
        epp_session_state state;
        const char *state_s;
        epp_result r;
        b.error = NULL;
        b.output.len = 0;
        b.queue.len = 0;
        if ((i == 0 ? collect(e, &rn, &b) : run_step(e, &rn, st, byte_by_byte, &b)) != 0) {
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        buf_puts(t, "> ");
        buf_str(t, st->line);
        buf_putc(t, '\n');
        if (b.error != NULL)
            buf_printf(t, "! error %s\n", b.error);
        frame_lines(t, '<', (const uint8_t *)b.output.p, b.output.len);
        buf_put(t, b.queue.p, b.queue.len);
        r = epp_session_get_state(rn.session, &state);
        if (r != EPP_RESULT_OK) {
            api_fail(e, "epp_session_get_state", r);
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        state_s = state_name(state);
        if (state_s == NULL) {
            fail(e, "unknown epp_session_state %u", (unsigned)state);
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        buf_printf(t, "= %s\n", state_s);
    }
    rc = 0;
done:
    epp_session_free(rn.session);
    epp_server_free(server);
    free(rn.ids);
    buf_free(&b.output);
    buf_free(&b.queue);
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

static int run_script(error *e, const void *script, bool byte_by_byte, buf *t) {
    return run(e, script, byte_by_byte, t);
}

static void free_script(void *script) { script_free(script); }

int main(int argc, char **argv) {
    static const harness h = {"the scripts", {"as written", "one byte per call"}, sizeof(struct script), parse_text, run_script,
                              free_script};
    return run_folder(argc, argv, &h);
}
