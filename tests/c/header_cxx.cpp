// The header compiles as C++17 (-Wall -Wextra -Werror -pedantic) and links:
// a C++ host makes a config, a server and a session and reads the greeting,
// then a client session reads that greeting and sends its login, then an ETP
// config and session and reads OpenSession.
#include "epp.h"

#include <cstdio>
#include <cstring>
#include <string>

static_assert(sizeof(epp_result) == 4, "epp_result is 32 bits");
static_assert(EPP_RESULT_OK == 0, "EPP_RESULT_OK is 0");
static_assert(sizeof(epp_etp_request_kind) == 4, "epp_etp_request_kind is 32 bits");
static_assert(sizeof(epp_etp_message_header) == 32, "epp_etp_message_header: C layout");

// ETP: a RequestSession for Discovery as "store" opens a session.
static bool etp_host() {
    epp_etp_config_builder *b = nullptr;
    epp_etp_config *c = nullptr;
    epp_etp_session *s = nullptr;
    epp_etp_request *r = nullptr;
    const uint8_t id[EPP_ETP_SESSION_ID_LEN] = {};
    const uint8_t request_session[] = {0x00, 0x02, 0x00, 0x02, 0x00, 0x0a, 'p', 'r', 'o', 'b', 'e', 0x02, '0', 0x02,
                                       0x06, 0x02, 0x02, 0x00, 0x00, 0x0a, 's', 't', 'o', 'r', 'e', 0x00, 0x00, 0x00};
    if (epp_etp_config_builder_new(&b) != EPP_RESULT_OK) return false;
    bool ok = epp_etp_config_builder_build(b, &c) == EPP_RESULT_OK;
    epp_etp_config_builder_free(b);
    ok = ok && epp_etp_session_new(c, id, &s) == EPP_RESULT_OK;
    epp_etp_config_free(c);
    ok = ok && epp_etp_session_feed_message(s, request_session, sizeof request_session) == EPP_RESULT_OK;
    const uint8_t *p = nullptr;
    size_t n = 0;
    ok = ok && epp_etp_session_peek_output(s, &p, &n) == EPP_RESULT_OK && p != nullptr && n > 5 &&
         p[0] == 0x00 && p[1] == 0x04 && epp_etp_session_consume_output(s) == EPP_RESULT_OK;
    epp_etp_request_kind kind = EPP_ETP_REQUEST_KIND_SESSION_END;
    epp_etp_message_header h{};
    ok = ok && epp_etp_session_poll_queue(s, &r) == EPP_RESULT_OK && r != nullptr &&
         epp_etp_request_get_kind(r, &kind) == EPP_RESULT_OK && kind == EPP_ETP_REQUEST_KIND_OPENED &&
         epp_etp_request_get_header(r, &h) == EPP_RESULT_OK && h.message_id == 1;
    epp_etp_request_free(r);
    epp_etp_session_state st = EPP_ETP_SESSION_STATE_CLOSED;
    ok = ok && epp_etp_session_get_state(s, &st) == EPP_RESULT_OK && st == EPP_ETP_SESSION_STATE_OPEN;
    epp_etp_session_free(s);
    return ok;
}

int main() {
    epp_config_builder *b = nullptr;
    epp_config *c = nullptr;
    epp_server *srv = nullptr;
    epp_session *s = nullptr;
    const std::string id = "C++ host";
    const std::string uri = "urn:ietf:params:xml:ns:domain-1.0";
    if (epp_config_builder_new(id.data(), id.size(), &b) != EPP_RESULT_OK) return 1;
    if (epp_config_builder_add_object_uri(b, uri.data(), uri.size()) != EPP_RESULT_OK) return 1;
    if (epp_config_builder_build(b, &c) != EPP_RESULT_OK) return 1;
    epp_config_builder_free(b);
    if (epp_server_new(c, 1800000000000ull, nullptr, &srv) != EPP_RESULT_OK) return 1;
    epp_config_free(c);
    if (epp_session_new(srv, 1800000000000ull, &s) != EPP_RESULT_OK) return 1;
    bool wants = false;
    if (epp_session_wants_input(s, &wants) != EPP_RESULT_OK || !wants) return 1;
    const uint8_t *p = nullptr;
    size_t n = 0;
    if (epp_session_take_output(s, &p, &n) != EPP_RESULT_OK || n < 5) return 1;
    std::string greeting(reinterpret_cast<const char *>(p) + 4, n - 4);
    epp_session_state st = EPP_SESSION_STATE_CLOSED;
    if (epp_session_get_state(s, &st) != EPP_RESULT_OK || st != EPP_SESSION_STATE_AWAITING_LOGIN) return 1;
    epp_result r = epp_session_consume_output(s, n + 1);
    char buf[EPP_RESULT_DESCRIBE_MAX];
    size_t w = 0;
    if (r != EPP_RESULT_INVALID_LENGTH || epp_result_describe(r, buf, sizeof buf, &w) != EPP_RESULT_OK) return 1;
    epp_session_free(s);
    epp_server_free(srv);
    if (greeting.find("<svID>C++ host</svID>") == std::string::npos) return 1;
    // The client side reads that greeting.
    epp_client_config_builder *cb = nullptr;
    epp_client_config *cc = nullptr;
    epp_client_session *cs = nullptr;
    epp_client_event *ev = nullptr;
    const std::string clid = "ClientX", pw = "foo-BAR2";
    if (epp_client_config_builder_new(clid.data(), clid.size(), pw.data(), pw.size(), &cb) != EPP_RESULT_OK) return 1;
    if (epp_client_config_builder_add_object_uri(cb, uri.data(), uri.size(), true) != EPP_RESULT_OK) return 1;
    if (epp_client_config_builder_build(cb, &cc) != EPP_RESULT_OK) return 1;
    epp_client_config_builder_free(cb);
    if (epp_client_session_new(cc, 1800000000000ull, &cs) != EPP_RESULT_OK) return 1;
    epp_client_config_free(cc);
    std::string frame(4, '\0');
    const uint32_t flen = static_cast<uint32_t>(greeting.size() + 4);
    for (int i = 0; i < 4; i++) frame[i] = static_cast<char>(flen >> (24 - 8 * i));
    frame += greeting;
    if (epp_client_session_feed_input(cs, reinterpret_cast<const uint8_t *>(frame.data()), frame.size(),
                                      1800000000000ull) != EPP_RESULT_OK) return 1;
    if (epp_client_session_poll_queue(cs, &ev) != EPP_RESULT_OK || ev == nullptr) return 1;
    epp_client_event_kind kind = EPP_CLIENT_EVENT_KIND_CLOSED;
    if (epp_client_event_get_kind(ev, &kind) != EPP_RESULT_OK || kind != EPP_CLIENT_EVENT_KIND_GREETING) return 1;
    epp_client_event_free(ev);
    if (epp_client_session_login(cs, 1800000000000ull, nullptr) != EPP_RESULT_OK) return 1;
    epp_client_state cst = EPP_CLIENT_STATE_CLOSED;
    if (epp_client_session_get_state(cs, &cst) != EPP_RESULT_OK || cst != EPP_CLIENT_STATE_LOGIN_SENT) return 1;
    epp_client_session_free(cs);
    if (!etp_host()) return 1;
    std::printf("C++ host: greeting of %zu bytes, a client logging in, an ETP session opened, libepp %s, misuse "
                "reported as \"%s\"\n",
                n, epp_version(), buf);
    return 0;
}
