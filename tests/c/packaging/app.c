/*
 * tests/c/packaging.sh builds this against an *installed* libepp (with
 * pkg-config, shared and static, and with CMake) and runs it without
 * LD_LIBRARY_PATH. It drives one server session in memory through the 0.6
 * shortcuts: a login refused and then accepted in one call each
 * (epp_session_answer_login_verdict), a command answered by a result code
 * alone (epp_session_answer_code), and the precise argument error of
 * epp_last_error. Prints "PASS app.c" and exits 0, or says what failed.
 */
#include <epp.h>
#include <stdio.h>
#include <string.h>

#define S(lit) (lit), (sizeof(lit) - 1)
#define NOW 1800000000000u

static int failures;

static void expect(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

/* Whether (text, len), not NUL-terminated, contains needle. */
static int contains(const char *text, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; text && i + n <= len; i++)
        if (memcmp(text + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Feeds one RFC 5734 frame holding xml. */
static int feed(epp_session *s, const char *xml) {
    unsigned char buf[2048];
    size_t n = strlen(xml), total = n + 4;
    if (total > sizeof buf)
        return 0;
    buf[0] = (unsigned char)(total >> 24), buf[1] = (unsigned char)(total >> 16);
    buf[2] = (unsigned char)(total >> 8), buf[3] = (unsigned char)total;
    memcpy(buf + 4, xml, n);
    return epp_session_feed_input(s, buf, total, NOW) == EPP_RESULT_OK;
}

/* Takes every pending output byte into out (NUL-terminated, frames
 * concatenated) and consumes them. */
static int drain(epp_session *s, char *out, size_t cap) {
    const uint8_t *p = NULL;
    size_t n = 0;
    if (epp_session_take_output(s, &p, &n) != EPP_RESULT_OK || n >= cap)
        return 0;
    memcpy(out, p, n);
    out[n] = 0;
    /* Frame headers hold NUL bytes: make the text searchable. */
    for (size_t i = 0; i < n; i++)
        if (out[i] == 0)
            out[i] = ' ';
    return epp_session_consume_output(s, n) == EPP_RESULT_OK;
}

/* The next request, which must be of kind `kind`; its id in *id. */
static int next_request(epp_session *s, epp_request_kind kind, uint64_t *id) {
    epp_request *r = NULL;
    epp_request_kind k;
    int ok = epp_session_poll_queue(s, &r) == EPP_RESULT_OK && r != NULL &&
             epp_request_get_kind(r, &k) == EPP_RESULT_OK && k == kind &&
             epp_request_get_id(r, id) == EPP_RESULT_OK;
    epp_request_free(r);
    return ok;
}

static const char *login(const char *pw) {
    static char xml[1024];
    snprintf(xml, sizeof xml,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"
             "<command><login><clID>registrar1</clID><pw>%s</pw><options><version>1.0</version>"
             "<lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
             "</svcs></login><clTRID>L-%s</clTRID></command></epp>",
             pw, pw);
    return xml;
}

int main(void) {
    epp_config_builder *b = NULL;
    epp_config *config = NULL;
    epp_server *server = NULL;
    epp_session *s = NULL;
    epp_response *resp = NULL;
    char out[8192];
    const char *text = NULL;
    size_t text_len = 0;
    uint64_t id = 0;
    bool logged_in = true;
    epp_result r;

    if (epp_config_builder_new(S("Packaging test"), &b) != EPP_RESULT_OK ||
        epp_config_builder_add_object_uri(b, S("urn:ietf:params:xml:ns:domain-1.0")) != EPP_RESULT_OK ||
        epp_config_builder_build(b, &config) != EPP_RESULT_OK)
        return 1;
    epp_config_builder_free(b);
    if (epp_server_new(config, NOW, NULL, &server) != EPP_RESULT_OK)
        return 1;
    epp_config_free(config);
    if (epp_session_new(server, NOW, &s) != EPP_RESULT_OK || !drain(s, out, sizeof out))
        return 1;
    expect(strstr(out, "<greeting>") != NULL, "greeting");

    /* A login refused in one call. */
    expect(feed(s, login("wrong-pw")) && next_request(s, EPP_REQUEST_KIND_LOGIN, &id), "login request");
    expect(epp_session_answer_login_verdict(s, id, false, &logged_in) == EPP_RESULT_OK && !logged_in,
           "login refused in one call");
    expect(drain(s, out, sizeof out) && strstr(out, "<result code=\"2200\">") != NULL &&
               strstr(out, "<clTRID>L-wrong-pw</clTRID>") != NULL,
           "2200 sent");

    /* And accepted in one call (out_logged_in is optional). */
    expect(feed(s, login("secret")) && next_request(s, EPP_REQUEST_KIND_LOGIN, &id), "second login");
    expect(epp_session_answer_login_verdict(s, id, true, &logged_in) == EPP_RESULT_OK && logged_in,
           "login accepted in one call");
    expect(drain(s, out, sizeof out) && strstr(out, "<result code=\"1000\">") != NULL, "1000 sent");

    /* A command answered by a result code alone. */
    expect(feed(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"
                   "<command><info><domain:info xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">"
                   "<domain:name>example.test</domain:name></domain:info></info>"
                   "<clTRID>CMD-1</clTRID></command></epp>") &&
               next_request(s, EPP_REQUEST_KIND_COMMAND, &id),
           "info request");
    r = epp_session_answer_code(s, id, 1234);
    expect(r == EPP_RESULT_INVALID_ARGUMENT, "answer_code(1234) is EPP_RESULT_INVALID_ARGUMENT");
    expect(epp_last_error(&text, &text_len) == EPP_RESULT_OK && text != NULL &&
               strncmp(text, "result_code: 1234 is not an EPP result code", 43) == 0,
           "epp_last_error names the argument and the value");
    if (text)
        printf("     epp_last_error: %.*s\n", (int)text_len, text);
    expect(epp_session_answer_code(s, id, 2303) == EPP_RESULT_OK, "answer_code(2303)");
    expect(drain(s, out, sizeof out) && strstr(out, "<result code=\"2303\"><msg>Object does not exist</msg>") &&
               strstr(out, "<clTRID>CMD-1</clTRID>"),
           "2303 sent with its standard text");

    /* The precise error without a session. */
    expect(epp_response_new(1234, &resp) == EPP_RESULT_INVALID_ARGUMENT && resp == NULL,
           "epp_response_new(1234) fails");
    expect(epp_last_error(&text, &text_len) == EPP_RESULT_OK && text != NULL &&
               contains(text, text_len, "1234 is not an EPP result code"),
           "... and says why");

    epp_session_free(s);
    epp_server_free(server);
    printf("%s app.c (libepp %s)\n", failures ? "FAIL" : "PASS", epp_version());
    return failures ? 1 : 0;
}
