/*
 * The client session transcripts through the C API: every
 * tests/client_scripts/NAME.script drives an epp_client_session through
 * include/epp.h, and the transcript it produces must equal NAME.transcript
 * beside it byte for byte, once with every feed as written and once fed one
 * byte per call. The script and transcript formats are in
 * tests/client_scripts/README.md; the reference runner is
 * tests/client_transcripts.rs, which this one follows step for step.
 * Everything in a transcript comes from the C API's getters.
 *
 *   run_client_scripts DIR
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

#define SCRIPT_PROG "run_client_scripts"

#include <inttypes.h>

#include "script_common.h"

/* The same for a call that changes the client session `s`: adds its last
 * error. */
static int client_fail(error *e, const epp_client_session *s, const char *call, epp_result r) {
    const char *p = NULL;
    size_t n = 0;
    if (s != NULL && epp_client_session_get_last_error(s, &p, &n) == EPP_RESULT_OK && p != NULL)
        return fail(e, "%s returned %u (%s): %.*s", call, (unsigned)r, describe(r),
                    n > 300 ? 300 : (int)n, p);
    return api_fail(e, call, r);
}

#define API_S(e, s, call)                                                      \
    do {                                                                       \
        epp_result r_ = (call);                                                \
        if (r_ != EPP_RESULT_OK)                                               \
            return client_fail((e), (s), #call, r_);                           \
    } while (0)

/* ------------------------------------------------------------------ */
/* Scripts                                                              */
/* ------------------------------------------------------------------ */

enum config_key {
    CFG_NEW_PASSWORD,
    CFG_LANG,
    CFG_OBJECT_URI,
    CFG_REQUIRED_OBJECT_URI,
    CFG_EXTENSION_URI,
    CFG_REQUIRED_EXTENSION_URI,
    CFG_MAX_IN_FLIGHT,
    CFG_KEEP_ALIVE_MS,
    CFG_RESPONSE_DEADLINE_MS,
    CFG_CL_TRID_PREFIX,
    CFG_MAX_FRAME_SIZE,
};

/* One `config` line other than client_id and password, applied to the
 * builder in script order. */
struct config_item {
    enum config_key key;
    str name;        /* the script's key, for messages */
    str value;       /* strings */
    uint64_t number; /* numbers; keep_alive_ms off is EPP_KEEP_ALIVE_NEVER */
};

enum step_kind { STEP_START, STEP_NOW, STEP_FEED, STEP_EOF, STEP_TIMEOUT, STEP_CLOSE, STEP_COMMAND };

/* An optional string owned by a step (unescaped option values). */
typedef struct {
    char *p; /* NULL when absent */
    size_t n;
} owned;

struct step {
    enum step_kind kind;
    size_t lineno;
    str line;      /* as written, without the CR */
    uint64_t ms;   /* start, now */
    uint8_t *data; /* feed: the bytes */
    size_t data_len;
    size_t chunk;  /* feed: bytes per call; 0 = all at once */
    /* command */
    uint32_t command_kind; /* an epp_client_command_kind value */
    str xml;               /* the object XML; p NULL when absent */
    owned message_id;      /* ack */
    uint32_t op;           /* an epp_transfer_op value */
    owned extension, cl_trid;
    bool has_tag;
    uint64_t tag;
};

struct script {
    char *text;
    size_t text_len;
    str client_id, password;
    struct config_item *config;
    size_t n_config, cap_config;
    bool has_object_uri;
    struct step *steps;
    size_t n_steps, cap_steps;
};

static void owned_free(owned *o) {
    free(o->p);
    o->p = NULL;
    o->n = 0;
}

static void step_free(struct step *st) {
    free(st->data);
    owned_free(&st->message_id);
    owned_free(&st->extension);
    owned_free(&st->cl_trid);
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

/* Undoes the field escapes (`\\`, `\s`, `\n`, `\r`, `\t`, `\xHH`) of `s`
 * into a new string. */
static int unescape(error *e, str s, owned *out) {
    size_t i, k = 0;
    char *p = malloc(s.n + 1);
    if (p == NULL)
        out_of_memory();
    for (i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c != '\\') {
            p[k++] = c;
            continue;
        }
        if (++i == s.n) {
            free(p);
            return fail(e, "bad escape \\ at the end of \"%.*s\"", s.n > 60 ? 60 : (int)s.n, s.p);
        }
        switch (s.p[i]) {
        case '\\': p[k++] = '\\'; break;
        case 's': p[k++] = ' '; break;
        case 'n': p[k++] = '\n'; break;
        case 'r': p[k++] = '\r'; break;
        case 't': p[k++] = '\t'; break;
        case 'x': {
            int hi = i + 2 < s.n ? hex_digit(s.p[i + 1]) : -1;
            int lo = i + 2 < s.n ? hex_digit(s.p[i + 2]) : -1;
            unsigned v;
            if (hi < 0 || lo < 0) {
                free(p);
                return fail(e, "bad escape \\x in \"%.*s\"", s.n > 60 ? 60 : (int)s.n, s.p);
            }
            v = (unsigned)(hi << 4 | lo);
            /* U+0080 and above take two bytes in UTF-8 (four bytes of
             * the escape make at most two). */
            if (v < 0x80) {
                p[k++] = (char)v;
            } else {
                p[k++] = (char)(0xC0 | (v >> 6));
                p[k++] = (char)(0x80 | (v & 0x3F));
            }
            i += 2;
            break;
        }
        default: {
            char bad = s.p[i];
            free(p);
            return fail(e, "bad escape \\%c in \"%.*s\"", bad, s.n > 60 ? 60 : (int)s.n, s.p);
        }
        }
    }
    p[k] = '\0';
    out->p = p;
    out->n = k;
    return 0;
}

static const struct {
    const char *name;
    uint32_t kind;
} VERBS[] = {
    {"check", EPP_CLIENT_COMMAND_KIND_CHECK},   {"info", EPP_CLIENT_COMMAND_KIND_INFO},
    {"create", EPP_CLIENT_COMMAND_KIND_CREATE}, {"update", EPP_CLIENT_COMMAND_KIND_UPDATE},
    {"delete", EPP_CLIENT_COMMAND_KIND_DELETE}, {"renew", EPP_CLIENT_COMMAND_KIND_RENEW},
    {"transfer", EPP_CLIENT_COMMAND_KIND_TRANSFER},
};

static const struct {
    const char *name;
    uint32_t op;
} OPS[] = {
    {"request", EPP_TRANSFER_OP_REQUEST}, {"approve", EPP_TRANSFER_OP_APPROVE},
    {"cancel", EPP_TRANSFER_OP_CANCEL},   {"query", EPP_TRANSFER_OP_QUERY},
    {"reject", EPP_TRANSFER_OP_REJECT},
};

/* Parses the options at the start of `rest`. With `xml_follows`, they end
 * at the first word starting with `<`, which starts `*xml`. */
static int parse_options(error *e, str rest, bool xml_follows, struct step *st, str *xml) {
    bool seen_cltrid = false, seen_tag = false, seen_ext = false, seen_op = false;
    for (;;) {
        str w, tail, key, value;
        const char *eq;
        if (rest.n == 0) {
            if (xml_follows)
                return fail(e, "the object XML (a word starting with <) is missing");
            return 0;
        }
        if (xml_follows && rest.p[0] == '<') {
            *xml = rest;
            return 0;
        }
        word(rest, &w, &tail);
        eq = w.n ? memchr(w.p, '=', w.n) : NULL;
        if (eq == NULL)
            return fail(e, "\"%.*s\" is not an option key=value", w.n > 60 ? 60 : (int)w.n, w.p);
        key.p = w.p;
        key.n = (size_t)(eq - w.p);
        value.p = eq + 1;
        value.n = w.n - key.n - 1;
        if (str_is(key, "cltrid")) {
            if (seen_cltrid)
                return fail(e, "option cltrid given twice");
            seen_cltrid = true;
            if (unescape(e, value, &st->cl_trid) != 0)
                return -1;
        } else if (str_is(key, "tag")) {
            if (seen_tag)
                return fail(e, "option tag given twice");
            seen_tag = true;
            if (parse_u64(e, value, "tag", &st->tag) != 0)
                return -1;
            st->has_tag = true;
        } else if (str_is(key, "ext")) {
            if (seen_ext)
                return fail(e, "option ext given twice");
            seen_ext = true;
            if (unescape(e, value, &st->extension) != 0)
                return -1;
        } else if (str_is(key, "op")) {
            size_t i;
            if (seen_op)
                return fail(e, "option op given twice");
            seen_op = true;
            for (i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
                if (str_is(value, OPS[i].name))
                    break;
            if (i == sizeof OPS / sizeof OPS[0])
                return fail(e, "unknown transfer op \"%.*s\"", (int)value.n, value.p);
            st->op = OPS[i].op;
        } else {
            return fail(e, "unknown option \"%.*s\"", (int)key.n, key.p);
        }
        rest = tail;
    }
}

static const struct {
    const char *name;
    enum config_key key;
    bool number;
} CONFIG_KEYS[] = {
    {"new_password", CFG_NEW_PASSWORD, false},
    {"lang", CFG_LANG, false},
    {"object_uri", CFG_OBJECT_URI, false},
    {"required_object_uri", CFG_REQUIRED_OBJECT_URI, false},
    {"extension_uri", CFG_EXTENSION_URI, false},
    {"required_extension_uri", CFG_REQUIRED_EXTENSION_URI, false},
    {"max_in_flight", CFG_MAX_IN_FLIGHT, true},
    {"keep_alive_ms", CFG_KEEP_ALIVE_MS, true},
    {"response_deadline_ms", CFG_RESPONSE_DEADLINE_MS, true},
    {"cl_trid_prefix", CFG_CL_TRID_PREFIX, false},
    {"max_frame_size", CFG_MAX_FRAME_SIZE, true},
};

static int set_config(error *e, struct script *s, str rest) {
    str key, value;
    struct config_item item;
    size_t i;
    void *items;
    word(rest, &key, &value);
    if (str_is(key, "client_id")) {
        s->client_id = value;
        return 0;
    }
    if (str_is(key, "password")) {
        s->password = value;
        return 0;
    }
    for (i = 0; i < sizeof CONFIG_KEYS / sizeof CONFIG_KEYS[0]; i++)
        if (str_is(key, CONFIG_KEYS[i].name))
            break;
    if (i == sizeof CONFIG_KEYS / sizeof CONFIG_KEYS[0])
        return fail(e, "unknown config key \"%.*s\"", (int)key.n, key.p);
    memset(&item, 0, sizeof item);
    item.key = CONFIG_KEYS[i].key;
    item.name = key;
    item.value = value;
    if (item.key == CFG_KEEP_ALIVE_MS && str_is(value, "off")) {
        item.number = EPP_KEEP_ALIVE_NEVER;
    } else if (CONFIG_KEYS[i].number) {
        if (parse_u64(e, value, CONFIG_KEYS[i].name, &item.number) != 0)
            return -1;
        if (item.key == CFG_MAX_FRAME_SIZE && item.number > UINT32_MAX)
            return fail(e, "max_frame_size: number too large");
        if (item.key == CFG_MAX_IN_FLIGHT && item.number > SIZE_MAX)
            return fail(e, "max_in_flight: number too large");
    }
    if (item.key == CFG_OBJECT_URI || item.key == CFG_REQUIRED_OBJECT_URI)
        s->has_object_uri = true;
    items = s->config;
    grow(&items, &s->cap_config, s->n_config, 1, sizeof *s->config);
    s->config = items;
    s->config[s->n_config++] = item;
    return 0;
}

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
    if (str_is(keyword, "server")) {
        st->kind = STEP_FEED;
        return frame_bytes(e, rest, &st->data, &st->data_len);
    }
    if (str_is(keyword, "raw")) {
        st->kind = STEP_FEED;
        return parse_raw_hex(e, rest, &st->data, &st->data_len);
    }
    if (str_is(keyword, "split")) {
        str n, xml;
        word(rest, &n, &xml);
        st->kind = STEP_FEED;
        if (parse_size(e, n, "split size", &st->chunk) != 0)
            return -1;
        if (st->chunk == 0)
            return fail(e, "split size must be at least 1");
        return frame_bytes(e, xml, &st->data, &st->data_len);
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
    st->kind = STEP_COMMAND;
    st->op = EPP_TRANSFER_OP_NONE;
    if (str_is(keyword, "hello") || str_is(keyword, "login") || str_is(keyword, "logout") ||
        str_is(keyword, "poll")) {
        st->command_kind = str_is(keyword, "hello")   ? EPP_CLIENT_COMMAND_KIND_HELLO
                           : str_is(keyword, "login") ? EPP_CLIENT_COMMAND_KIND_LOGIN
                           : str_is(keyword, "logout") ? EPP_CLIENT_COMMAND_KIND_LOGOUT
                                                       : EPP_CLIENT_COMMAND_KIND_POLL_REQUEST;
        if (parse_options(e, rest, false, st, NULL) != 0)
            return -1;
    } else if (str_is(keyword, "ack")) {
        str id, tail;
        word(rest, &id, &tail);
        if (id.n == 0)
            return fail(e, "ack needs a message id");
        st->command_kind = EPP_CLIENT_COMMAND_KIND_POLL_ACK;
        if (unescape(e, id, &st->message_id) != 0 || parse_options(e, tail, false, st, NULL) != 0)
            return -1;
    } else if (str_is(keyword, "command")) {
        str verb, tail;
        size_t i;
        word(rest, &verb, &tail);
        for (i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
            if (str_is(verb, VERBS[i].name))
                break;
        if (i == sizeof VERBS / sizeof VERBS[0])
            return fail(e, "unknown verb \"%.*s\"", (int)verb.n, verb.p);
        st->command_kind = VERBS[i].kind;
        if (parse_options(e, tail, true, st, &st->xml) != 0)
            return -1;
    } else {
        return fail(e, "unknown step");
    }
    if (st->op != EPP_TRANSFER_OP_NONE && st->command_kind != EPP_CLIENT_COMMAND_KIND_TRANSFER)
        return fail(e, "op= is only for command transfer");
    return 0;
}

static int parse_script(error *e, struct script *s) {
    size_t pos = 0, lineno = 0;
    bool started = false;
    str line;
    s->client_id.p = "ClientX";
    s->client_id.n = strlen(s->client_id.p);
    s->password.p = "foo-BAR2";
    s->password.n = strlen(s->password.p);
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
    if (!s->has_object_uri)
        return fail(e, "no config object_uri");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transcript lines                                                     */
/* ------------------------------------------------------------------ */

static const char *kind_name(epp_client_command_kind k) {
    switch (k) {
    case EPP_CLIENT_COMMAND_KIND_HELLO: return "hello";
    case EPP_CLIENT_COMMAND_KIND_LOGIN: return "login";
    case EPP_CLIENT_COMMAND_KIND_LOGOUT: return "logout";
    case EPP_CLIENT_COMMAND_KIND_POLL_REQUEST: return "poll";
    case EPP_CLIENT_COMMAND_KIND_POLL_ACK: return "ack";
    case EPP_CLIENT_COMMAND_KIND_CHECK: return "check";
    case EPP_CLIENT_COMMAND_KIND_INFO: return "info";
    case EPP_CLIENT_COMMAND_KIND_CREATE: return "create";
    case EPP_CLIENT_COMMAND_KIND_UPDATE: return "update";
    case EPP_CLIENT_COMMAND_KIND_DELETE: return "delete";
    case EPP_CLIENT_COMMAND_KIND_RENEW: return "renew";
    case EPP_CLIENT_COMMAND_KIND_TRANSFER: return "transfer";
    }
    return NULL;
}

static const char *state_name(epp_client_state s) {
    switch (s) {
    case EPP_CLIENT_STATE_AWAITING_GREETING: return "awaiting-greeting";
    case EPP_CLIENT_STATE_GREETING_RECEIVED: return "greeting-received";
    case EPP_CLIENT_STATE_LOGIN_SENT: return "login-sent";
    case EPP_CLIENT_STATE_LOGGED_IN: return "logged-in";
    case EPP_CLIENT_STATE_LOGOUT_SENT: return "logout-sent";
    case EPP_CLIENT_STATE_CLOSING: return "closing";
    case EPP_CLIENT_STATE_CLOSED: return "closed";
    }
    return NULL;
}

/* The `! error` name of a refused command; NULL for a result that is a
 * failure of the runner (misuse of the API). */
static const char *command_error_name(epp_result r) {
    switch (r) {
    case EPP_RESULT_SESSION_CLOSED: return "closed";
    case EPP_RESULT_WRONG_STATE: return "wrong-state";
    case EPP_RESULT_SERVICE_NOT_OFFERED: return "service-not-offered";
    case EPP_RESULT_NO_OBJECT_SERVICE: return "no-object-service";
    case EPP_RESULT_VERSION_NOT_OFFERED: return "version-not-offered";
    case EPP_RESULT_LANGUAGE_NOT_OFFERED: return "language-not-offered";
    case EPP_RESULT_PASSWORD_TOO_LONG: return "password-too-long";
    case EPP_RESULT_NOT_LOGGED_IN_WITH: return "not-logged-in-with";
    case EPP_RESULT_INVALID_XML: return "invalid-xml";
    case EPP_RESULT_INVALID_COMMAND: return "invalid-command";
    default: return (unsigned)r >= 300 && (unsigned)r <= 399 ? "other" : NULL;
    }
}

typedef epp_result (*command_string)(const epp_client_command *, const char **, size_t *);
typedef epp_result (*event_string)(const epp_client_event *, const char **, size_t *);
typedef epp_result (*event_indexed)(const epp_client_event *, size_t, const char **, size_t *);
typedef epp_result (*event_count)(const epp_client_event *, size_t *);

/* ` KEY=VALUE` of an optional string getter. */
static int put_string(error *e, buf *t, const char *key, const epp_client_event *ev,
                      event_string get, const char *name) {
    str v = {NULL, 0};
    epp_result r = get(ev, &v.p, &v.n);
    if (r != EPP_RESULT_OK)
        return api_fail(e, name, r);
    buf_printf(t, " %s=", key);
    put_opt_field(t, v);
    return 0;
}

/* ` KEY=ITEM` for every item of an indexed list. */
static int put_list(error *e, buf *t, const char *key, const epp_client_event *ev,
                    event_count count, event_indexed get, const char *name) {
    size_t n = 0, i;
    epp_result r = count(ev, &n);
    if (r != EPP_RESULT_OK)
        return api_fail(e, name, r);
    for (i = 0; i < n; i++) {
        str v = {NULL, 0};
        r = get(ev, i, &v.p, &v.n);
        if (r != EPP_RESULT_OK)
            return api_fail(e, name, r);
        buf_printf(t, " %s=", key);
        put_opt_field(t, v);
    }
    return 0;
}

#define PUT_STRING(key, fn) if (put_string(e, t, key, ev, fn, #fn) != 0) return -1
#define PUT_LIST(key, count, get) if (put_list(e, t, key, ev, count, get, #get) != 0) return -1

/* `id kind=.. tag=.. cltrid=..`, the fields of a command. */
static int put_command(error *e, buf *t, const epp_client_command *c, bool with_sent) {
    uint64_t id = 0, tag = 0, at = 0;
    epp_client_command_kind kind;
    str cl = {NULL, 0};
    const char *k;
    epp_result r;
    API(e, epp_client_command_get_id(c, &id));
    API(e, epp_client_command_get_kind(c, &kind));
    k = kind_name(kind);
    if (k == NULL)
        return fail(e, "unknown epp_client_command_kind %u", (unsigned)kind);
    buf_printf(t, "%" PRIu64 " kind=%s tag=", id, k);
    r = epp_client_command_get_tag(c, &tag);
    if (r == EPP_RESULT_OK)
        buf_printf(t, "%" PRIu64, tag);
    else if (r == EPP_RESULT_NOT_APPLICABLE)
        buf_putc(t, '-');
    else
        return api_fail(e, "epp_client_command_get_tag", r);
    API(e, epp_client_command_get_cl_trid(c, &cl.p, &cl.n));
    buf_puts(t, " cltrid=");
    put_opt_field(t, cl);
    if (with_sent) {
        buf_puts(t, " sent=");
        r = epp_client_command_get_sent_at(c, &at);
        if (r == EPP_RESULT_OK)
            buf_printf(t, "%" PRIu64, at);
        else if (r == EPP_RESULT_NOT_APPLICABLE)
            buf_putc(t, '-');
        else
            return api_fail(e, "epp_client_command_get_sent_at", r);
    }
    return 0;
}

/* ` cmd=<id> kind=...` of an event's command. */
static int put_event_command(error *e, buf *t, const epp_client_event *ev) {
    const epp_client_command *c = NULL;
    API(e, epp_client_event_get_command(ev, &c));
    if (c == NULL)
        return fail(e, "the event has no command");
    buf_puts(t, " cmd=");
    return put_command(e, t, c, false);
}

static int put_response(error *e, buf *t, const epp_client_event *ev) {
    uint16_t code = 0;
    size_t results = 0;
    bool has_q = false;
    str msg = {NULL, 0}, res_data = {NULL, 0}, ext = {NULL, 0};
    API(e, epp_client_event_get_code(ev, &code));
    API(e, epp_client_event_get_result_count(ev, &results));
    API(e, epp_client_event_get_result_message(ev, 0, &msg.p, &msg.n));
    buf_printf(t, " code=%u msg=", (unsigned)code);
    put_field(t, msg);
    buf_printf(t, " results=%zu", results);
    PUT_STRING("rcltrid", epp_client_event_get_response_cl_trid);
    PUT_STRING("svtrid", epp_client_event_get_sv_trid);
    API(e, epp_client_event_has_msgq(ev, &has_q));
    if (has_q) {
        uint64_t count = 0;
        API(e, epp_client_event_get_msgq_count(ev, &count));
        buf_printf(t, " msgq=%" PRIu64, count);
        PUT_STRING("msgid", epp_client_event_get_msgq_id);
        PUT_STRING("qdate", epp_client_event_get_msgq_date);
        PUT_STRING("qmsg", epp_client_event_get_msgq_message);
    } else {
        buf_puts(t, " msgq=- msgid=- qdate=- qmsg=-");
    }
    API(e, epp_client_event_get_res_data(ev, &res_data.p, &res_data.n));
    API(e, epp_client_event_get_extension(ev, &ext.p, &ext.n));
    buf_printf(t, " resdata=%s extension=%s", res_data.p ? "yes" : "no", ext.p ? "yes" : "no");
    return 0;
}

static const char *protocol_error_name(epp_client_protocol_error p) {
    switch (p) {
    case EPP_CLIENT_PROTOCOL_ERROR_BAD_FRAME_LENGTH: return "bad-frame-length";
    case EPP_CLIENT_PROTOCOL_ERROR_MALFORMED: return "malformed";
    case EPP_CLIENT_PROTOCOL_ERROR_GREETING_EXPECTED: return "greeting-expected";
    case EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING: return "unexpected-greeting";
    case EPP_CLIENT_PROTOCOL_ERROR_UNSOLICITED: return "unsolicited";
    case EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH: return "cltrid-mismatch";
    case EPP_CLIENT_PROTOCOL_ERROR_NONE: break;
    }
    return "other";
}

static int put_closed(error *e, buf *t, const epp_client_event *ev) {
    epp_client_close_reason reason;
    uint64_t a = 0, b = 0;
    size_t n = 0, i;
    API(e, epp_client_event_get_close_reason(ev, &reason));
    buf_puts(t, " reason=");
    switch (reason) {
    case EPP_CLIENT_CLOSE_REASON_LOGOUT: buf_puts(t, "logout"); break;
    case EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING:
        API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_RESULT_CODE, &a));
        buf_printf(t, "server-closing code=%" PRIu64, a);
        break;
    case EPP_CLIENT_CLOSE_REASON_PEER_CLOSED: buf_puts(t, "peer-closed"); break;
    case EPP_CLIENT_CLOSE_REASON_PEER_CLOSED_MID_FRAME:
        API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_BYTES_RECEIVED, &a));
        buf_printf(t, "peer-closed-mid-frame received=%" PRIu64, a);
        break;
    case EPP_CLIENT_CLOSE_REASON_PROTOCOL: {
        epp_client_protocol_error p;
        API(e, epp_client_event_get_protocol_error(ev, &p));
        buf_printf(t, "protocol error=%s", protocol_error_name(p));
        if (p == EPP_CLIENT_PROTOCOL_ERROR_BAD_FRAME_LENGTH) {
            API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_FRAME_LENGTH, &a));
            API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_FRAME_LIMIT, &b));
            buf_printf(t, " length=%" PRIu64 " limit=%" PRIu64, a, b);
        } else if (p == EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING) {
            const char *k;
            API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_COMMAND_KIND, &a));
            k = a <= UINT32_MAX ? kind_name((epp_client_command_kind)a) : NULL;
            buf_printf(t, " answering=%s", k ? k : "?");
        } else if (p == EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH) {
            PUT_STRING("expected", epp_client_event_get_close_expected_cl_trid);
            PUT_STRING("received", epp_client_event_get_close_received_cl_trid);
        }
        break;
    }
    case EPP_CLIENT_CLOSE_REASON_GREETING_OVERDUE: buf_puts(t, "greeting-overdue"); break;
    case EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE:
        API(e, epp_client_event_get_close_detail(ev, EPP_CLOSE_DETAIL_COMMAND_ID, &a));
        buf_printf(t, "response-overdue cmd=%" PRIu64, a);
        break;
    case EPP_CLIENT_CLOSE_REASON_HOST: buf_puts(t, "host"); break;
    default: buf_puts(t, "other");
    }
    API(e, epp_client_event_get_unanswered_count(ev, &n));
    for (i = 0; i < n; i++) {
        const epp_client_command *c = NULL;
        uint64_t id = 0;
        API(e, epp_client_event_get_unanswered(ev, i, &c));
        API(e, epp_client_command_get_id(c, &id));
        buf_printf(t, " unanswered=%" PRIu64, id);
    }
    return 0;
}

/* The `?` line of an event (without the LF). */
static int event_line(error *e, buf *t, const epp_client_event *ev) {
    epp_client_event_kind kind;
    API(e, epp_client_event_get_kind(ev, &kind));
    switch (kind) {
    case EPP_CLIENT_EVENT_KIND_GREETING: {
        const epp_client_command *hello = NULL;
        uint64_t id = 0;
        API(e, epp_client_event_get_command(ev, &hello));
        buf_puts(t, "? greeting hello=");
        if (hello == NULL) {
            buf_putc(t, '-');
        } else {
            API(e, epp_client_command_get_id(hello, &id));
            buf_printf(t, "%" PRIu64, id);
        }
        PUT_STRING("svid", epp_client_event_get_greeting_sv_id);
        PUT_STRING("svdate", epp_client_event_get_greeting_sv_date);
        PUT_LIST("version", epp_client_event_get_greeting_version_count,
                 epp_client_event_get_greeting_version);
        PUT_LIST("lang", epp_client_event_get_greeting_lang_count,
                 epp_client_event_get_greeting_lang);
        PUT_LIST("obj", epp_client_event_get_greeting_obj_uri_count,
                 epp_client_event_get_greeting_obj_uri);
        PUT_LIST("ext", epp_client_event_get_greeting_ext_uri_count,
                 epp_client_event_get_greeting_ext_uri);
        PUT_STRING("dcp", epp_client_event_get_greeting_dcp);
        return 0;
    }
    case EPP_CLIENT_EVENT_KIND_LOGIN: {
        bool has = false;
        buf_puts(t, "? login");
        if (put_event_command(e, t, ev) != 0 || put_response(e, t, ev) != 0)
            return -1;
        API(e, epp_client_event_has_services(ev, &has));
        buf_printf(t, " services=%s", has ? "yes" : "no");
        if (has) {
            bool sec = false;
            PUT_LIST("obj", epp_client_event_get_service_obj_uri_count,
                     epp_client_event_get_service_obj_uri);
            PUT_LIST("ext", epp_client_event_get_service_ext_uri_count,
                     epp_client_event_get_service_ext_uri);
            PUT_STRING("lang", epp_client_event_get_service_lang);
            API(e, epp_client_event_get_service_login_security(ev, &sec));
            buf_printf(t, " loginsec=%s", sec ? "yes" : "no");
        }
        return 0;
    }
    case EPP_CLIENT_EVENT_KIND_RESPONSE:
        buf_puts(t, "? response");
        if (put_event_command(e, t, ev) != 0)
            return -1;
        return put_response(e, t, ev);
    case EPP_CLIENT_EVENT_KIND_KEEP_ALIVE:
        buf_puts(t, "? keepalive");
        return put_event_command(e, t, ev);
    case EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE:
        buf_puts(t, "? overdue");
        return put_event_command(e, t, ev);
    case EPP_CLIENT_EVENT_KIND_CLOSED:
        buf_puts(t, "? closed");
        return put_closed(e, t, ev);
    }
    return fail(e, "unknown epp_client_event_kind %u", (unsigned)kind);
}

/* ------------------------------------------------------------------ */
/* The driver                                                           */
/* ------------------------------------------------------------------ */

/* What one step produced. */
struct block {
    buf result; /* the `+` or `! error` line */
    buf output;
    buf events; /* `?` lines, in poll-queue order */
};

struct runner {
    epp_client_session *session;
    uint64_t now;
    bool eof_seen;
};

/* Takes everything the session has for the host: events, then output. */
static int collect(error *e, struct runner *rn, struct block *b) {
    const uint8_t *out = NULL;
    size_t out_len = 0;
    for (;;) {
        epp_client_event *ev = NULL;
        int rc;
        API_S(e, rn->session, epp_client_session_poll_queue(rn->session, &ev));
        if (ev == NULL)
            break;
        rc = event_line(e, &b->events, ev);
        epp_client_event_free(ev);
        if (rc != 0)
            return -1;
        buf_putc(&b->events, '\n');
    }
    API_S(e, rn->session, epp_client_session_take_output(rn->session, &out, &out_len));
    if (out_len > 0) {
        buf_put(&b->output, out, out_len);
        API_S(e, rn->session, epp_client_session_consume_output(rn->session, out_len));
    }
    return 0;
}

static int command(error *e, struct runner *rn, const struct step *st, struct block *b) {
    epp_client_command *c = NULL;
    const char *arg = NULL, *name;
    size_t arg_len = 0;
    epp_result r;
    int rc;
    if (st->command_kind == EPP_CLIENT_COMMAND_KIND_POLL_ACK) {
        arg = st->message_id.p, arg_len = st->message_id.n;
    } else if (st->xml.p != NULL) {
        arg = st->xml.p, arg_len = st->xml.n;
    }
    r = epp_client_session_send(rn->session, st->command_kind, arg, arg_len, st->op,
                                st->extension.p, st->extension.n, st->cl_trid.p, st->cl_trid.n,
                                st->has_tag ? &st->tag : NULL, rn->now, &c);
    if (r != EPP_RESULT_OK) {
        name = command_error_name(r);
        if (name == NULL)
            return client_fail(e, rn->session, "epp_client_session_send", r);
        buf_printf(&b->result, "! error %s\n", name);
        return 0;
    }
    buf_puts(&b->result, "+ ");
    rc = put_command(e, &b->result, c, true);
    epp_client_command_free(c);
    buf_putc(&b->result, '\n');
    return rc;
}

static int run_step(error *e, struct runner *rn, const struct step *st, bool byte_by_byte,
                    struct block *b) {
    bool due;
    switch (st->kind) {
    case STEP_START: return fail(e, "one session per script");
    case STEP_NOW: rn->now = st->ms; break;
    case STEP_FEED: {
        size_t size = byte_by_byte ? 1 : st->chunk ? st->chunk : st->data_len, off;
        if (rn->eof_seen)
            return fail(e, "input after eof");
        if (size == 0)
            size = 1;
        for (off = 0; off < st->data_len; off += size) {
            size_t c = st->data_len - off < size ? st->data_len - off : size;
            epp_result r = epp_client_session_feed_input(rn->session, st->data + off, c, rn->now);
            /* After the session ended, the rest is dropped, as a host
             * drops what it read then. Anything else is a failure. */
            if (r != EPP_RESULT_OK && r != EPP_RESULT_SESSION_CLOSED)
                return client_fail(e, rn->session, "epp_client_session_feed_input", r);
            if (collect(e, rn, b) != 0)
                return -1;
        }
        break;
    }
    case STEP_EOF:
        rn->eof_seen = true;
        API_S(e, rn->session, epp_client_session_handle_eof(rn->session, rn->now));
        break;
    case STEP_TIMEOUT:
        API_S(e, rn->session, epp_client_session_handle_timeout(rn->session, rn->now, &due));
        break;
    case STEP_CLOSE:
        API_S(e, rn->session, epp_client_session_close(rn->session));
        break;
    case STEP_COMMAND:
        if (command(e, rn, st, b) != 0)
            return -1;
        break;
    }
    return collect(e, rn, b);
}

/* The configuration of a script. */
static int make_config(error *e, const struct script *s, epp_client_config **out) {
    epp_client_config_builder *builder = NULL;
    epp_result r;
    size_t i;
    int rc = -1;
    r = epp_client_config_builder_new(s->client_id.p, s->client_id.n, s->password.p,
                                      s->password.n, &builder);
    if (r != EPP_RESULT_OK)
        return api_fail(e, "epp_client_config_builder_new", r);
    for (i = 0; i < s->n_config; i++) {
        const struct config_item *c = &s->config[i];
        const char *p = c->value.p;
        size_t n = c->value.n;
        switch (c->key) {
        case CFG_NEW_PASSWORD: r = epp_client_config_builder_set_new_password(builder, p, n); break;
        case CFG_LANG: r = epp_client_config_builder_set_lang(builder, p, n); break;
        case CFG_OBJECT_URI: r = epp_client_config_builder_add_object_uri(builder, p, n, false); break;
        case CFG_REQUIRED_OBJECT_URI:
            r = epp_client_config_builder_add_object_uri(builder, p, n, true);
            break;
        case CFG_EXTENSION_URI:
            r = epp_client_config_builder_add_extension_uri(builder, p, n, false);
            break;
        case CFG_REQUIRED_EXTENSION_URI:
            r = epp_client_config_builder_add_extension_uri(builder, p, n, true);
            break;
        case CFG_MAX_IN_FLIGHT:
            r = epp_client_config_builder_set_max_in_flight(builder, (size_t)c->number);
            break;
        case CFG_KEEP_ALIVE_MS: r = epp_client_config_builder_set_keep_alive_ms(builder, c->number); break;
        case CFG_RESPONSE_DEADLINE_MS:
            r = epp_client_config_builder_set_response_deadline_ms(builder, c->number);
            break;
        case CFG_CL_TRID_PREFIX: r = epp_client_config_builder_set_cl_trid_prefix(builder, p, n); break;
        case CFG_MAX_FRAME_SIZE:
            r = epp_client_config_builder_set_max_frame_size(builder, (uint32_t)c->number);
            break;
        default: r = EPP_RESULT_INVALID_ARGUMENT;
        }
        if (r != EPP_RESULT_OK) {
            fail(e, "configuration refused: config %.*s: %s", (int)c->name.n, c->name.p, describe(r));
            goto done;
        }
    }
    r = epp_client_config_builder_build(builder, out);
    if (r != EPP_RESULT_OK) {
        str why = {NULL, 0};
        if (epp_client_config_builder_get_last_error(builder, &why.p, &why.n) != EPP_RESULT_OK ||
            why.p == NULL)
            why.p = describe(r), why.n = strlen(why.p);
        fail(e, "configuration refused: %.*s", why.n > 300 ? 300 : (int)why.n, why.p);
        goto done;
    }
    rc = 0;
done:
    epp_client_config_builder_free(builder);
    return rc;
}

/* The `=` line. */
static int state_line(error *e, buf *t, const epp_client_session *s) {
    epp_client_state state;
    size_t in_flight = 0, queued = 0, buffered = 0;
    uint64_t timeout = 0;
    const char *name;
    API(e, epp_client_session_get_state(s, &state));
    API(e, epp_client_session_get_in_flight(s, &in_flight));
    API(e, epp_client_session_get_queued(s, &queued));
    API(e, epp_client_session_get_buffered_input(s, &buffered));
    API(e, epp_client_session_get_next_timeout(s, &timeout));
    name = state_name(state);
    if (name == NULL)
        return fail(e, "unknown epp_client_state %u", (unsigned)state);
    buf_printf(t, "= %s inflight=%zu queued=%zu buffered=%zu timeout=", name, in_flight, queued,
               buffered);
    if (timeout == EPP_TIMEOUT_NONE)
        buf_puts(t, "-\n");
    else
        buf_printf(t, "%" PRIu64 "\n", timeout);
    return 0;
}

/* Runs a script; its transcript goes to `t`. */
static int run(error *e, const struct script *s, bool byte_by_byte, buf *t) {
    struct runner rn;
    struct block b;
    epp_client_config *config = NULL;
    size_t i;
    int rc = -1;
    memset(&rn, 0, sizeof rn);
    memset(&b, 0, sizeof b);
    t->len = 0;
    if (s->n_steps == 0 || s->steps[0].kind != STEP_START)
        return fail(e, "the first step must be start");
    rn.now = s->steps[0].ms;
    if (make_config(e, s, &config) != 0)
        return -1;
    {
        epp_result r = epp_client_session_new(config, rn.now, &rn.session);
        /* The session keeps its own reference to the config. */
        epp_client_config_free(config);
        if (r != EPP_RESULT_OK) {
            api_fail(e, "epp_client_session_new", r);
            goto done;
        }
    }
    for (i = 0; i < s->n_steps; i++) {
        const struct step *st = &s->steps[i];
        b.result.len = 0;
        b.output.len = 0;
        b.events.len = 0;
        if ((i == 0 ? collect(e, &rn, &b) : run_step(e, &rn, st, byte_by_byte, &b)) != 0) {
            fail_at(e, st->lineno, st->line);
            goto done;
        }
        buf_puts(t, "$ ");
        buf_str(t, st->line);
        buf_putc(t, '\n');
        buf_put(t, b.result.p, b.result.len);
        frame_lines(t, '>', (const uint8_t *)b.output.p, b.output.len);
        buf_put(t, b.events.p, b.events.len);
        if (state_line(e, t, rn.session) != 0) {
            fail_at(e, st->lineno, st->line);
            goto done;
        }
    }
    rc = 0;
done:
    epp_client_session_free(rn.session);
    buf_free(&b.result);
    buf_free(&b.output);
    buf_free(&b.events);
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
    static const harness h = {"the client scripts", {"as written", "one byte per call"}, sizeof(struct script), parse_text, run_script,
                              free_script};
    return run_folder(argc, argv, &h);
}
