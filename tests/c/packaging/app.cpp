// tests/c/packaging.sh builds this against an *installed* libepp with
// epp.hpp (C++17, -Wall -Wextra -Werror, under ASan + UBSan too), with
// pkg-config and with CMake, and runs it without LD_LIBRARY_PATH. A
// registrar's client session and a registry's server session talk to each
// other in memory: greeting, a refused and an accepted login (one call
// each), a command answered by a result code alone, logout; then the error
// path (epp::error with the result, its name and libepp's text), and an
// ETP session made and dropped (RAII everywhere: ASan checks for leaks).
// Prints "PASS app.cpp" and exits 0, or says what failed.
#include <epp.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace {

constexpr std::uint64_t now = 1800000000000u;
int failures = 0;

void expect(bool ok, std::string_view what) {
    std::printf("%s %.*s\n", ok ? "ok  " : "FAIL", static_cast<int>(what.size()), what.data());
    if (!ok)
        ++failures;
}

// Moves every pending byte from the client to the server and back until
// neither has anything to say; returns what the server wrote.
std::string pump(epp::client_session &client, epp::session &server) {
    std::string from_server;
    for (int round = 0; round < 16; ++round) {
        bool moved = false;
        if (auto out = client.output(); !out.empty()) {
            std::string copy(out.begin(), out.end());
            client.consume_output(copy.size());
            server.feed_input(copy.data(), copy.size(), now);
            moved = true;
        }
        if (auto out = server.output(); !out.empty()) {
            std::string copy(out.begin(), out.end());
            server.consume_output(copy.size());
            client.feed_input(copy.data(), copy.size(), now);
            from_server += copy;
            moved = true;
        }
        if (!moved)
            break;
    }
    return from_server;
}

// The next client event, which must be of kind `kind`; its code.
std::uint16_t client_event_code(epp::client_session &client, epp_client_event_kind kind) {
    for (auto e = client.poll_queue(); e; e = client.poll_queue())
        if (e->kind() == kind)
            return e->code();
    return 0;
}

} // namespace

int main() {
    try {
        // The registry.
        epp::config_builder b("Packaging test (C++)");
        b.add_object_uri("urn:ietf:params:xml:ns:domain-1.0");
        const epp::config config = b.build();
        const epp::server server(config, now);
        epp::session session(server, now);

        // The registrar.
        epp::client_config_builder cb("registrar1", "secret-pw1");
        cb.add_object_uri("urn:ietf:params:xml:ns:domain-1.0", true);
        const epp::client_config client_config = cb.build();
        epp::client_session client(client_config, now);

        pump(client, session);
        bool greeted = false;
        for (auto e = client.poll_queue(); e; e = client.poll_queue())
            greeted = greeted || e->kind() == EPP_CLIENT_EVENT_KIND_GREETING;
        expect(greeted, "the client saw the greeting");

        // A login refused in one call, then accepted in one call.
        client.login(now);
        pump(client, session);
        auto req = session.poll_queue();
        expect(req && req->kind() == EPP_REQUEST_KIND_LOGIN, "login request");
        expect(req->client_id() == "registrar1" && req->password() == "secret-pw1",
               "its credentials as string_views");
        expect(!session.answer_login(req->id(), false), "refused: not logged in");
        pump(client, session);
        expect(client_event_code(client, EPP_CLIENT_EVENT_KIND_LOGIN) == 2200, "the client got 2200");

        client.login(now);
        pump(client, session);
        req = session.poll_queue();
        expect(req && session.answer_login(req->id(), true), "accepted: logged in");
        pump(client, session);
        expect(client_event_code(client, EPP_CLIENT_EVENT_KIND_LOGIN) == 1000, "the client got 1000");
        expect(session.client_id() == "registrar1", "session client id");

        // A command answered by a result code alone.
        static const char info[] = "<domain:info xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">"
                                   "<domain:name>example.test</domain:name></domain:info>";
        EPP_CHECK(epp_client_session_object(client.get(), EPP_COMMAND_VERB_INFO, info, sizeof info - 1, nullptr,
                                            0, nullptr, now, nullptr));
        pump(client, session);
        req = session.poll_queue();
        expect(req && req->kind() == EPP_REQUEST_KIND_COMMAND, "info request");

        // The error path: an exception with the result, its name and the text.
        try {
            session.answer_code(req->id(), 1234);
            expect(false, "answer_code(1234) throws");
        } catch (const epp::error &e) {
            std::printf("     what(): %s\n", e.what());
            expect(e.code() == EPP_RESULT_INVALID_ARGUMENT, "epp::error::code()");
            expect(e.name() == "EPP_RESULT_INVALID_ARGUMENT", "epp::error::name()");
            expect(std::string_view(e.function()) == "epp_session_answer_code",
                   "epp::error::function()");
            expect(e.detail().find("result_code: 1234 is not an EPP result code") == 0, "epp::error::detail()");
        }
        session.answer_code(req->id(), 2303);
        const std::string sent = pump(client, session);
        expect(sent.find("<result code=\"2303\"><msg>Object does not exist</msg>") != std::string::npos,
               "2303 sent with its standard text");
        expect(client_event_code(client, EPP_CLIENT_EVENT_KIND_RESPONSE) == 2303, "the client got 2303");

        try {
            epp::response bad(1234);
            expect(false, "epp::response(1234) throws");
        } catch (const epp::error &e) {
            expect(e.detail().find("1234 is not an EPP result code") != std::string::npos,
                   "epp::response(1234): the detail names the value");
        }

        // A configuration libepp refuses: the builder's reason is the detail.
        try {
            epp::config_builder many("Too many objects");
            for (int i = 0; i < 65; ++i)
                many.add_object_uri("urn:example:obj-" + std::to_string(i));
            (void)many.build();
            expect(false, "65 object URIs are refused");
        } catch (const epp::error &e) {
            expect(e.code() == EPP_RESULT_INVALID_CONFIG && e.detail().find("64") != std::string::npos,
                   "EPP_RESULT_INVALID_CONFIG with the builder's reason: " + e.detail());
        }

        // Logout ends both sides.
        client.logout(now);
        pump(client, session);
        expect(session.is_finished(), "the server session finished");

        // ETP: a session made and dropped.
        epp::etp_config_builder eb;
        eb.set_application_name("Packaging test").add_protocol(EPP_ETP_PROTOCOL_DISCOVERY, 1, 1, 0, 0, "store");
        const epp::etp_config etp_config = eb.build();
        static const std::uint8_t id[16] = {0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15};
        epp::etp_session etp(etp_config, id);
        expect(etp.wants_input() && !etp.is_finished(), "an ETP session waits for RequestSession");
    } catch (const epp::error &e) {
        std::printf("FAIL unexpected epp::error: %s\n", e.what());
        return 1;
    }
    std::printf("%s app.cpp (libepp %.*s)\n", failures ? "FAIL" : "PASS", static_cast<int>(epp::version().size()),
                epp::version().data());
    return failures ? 1 : 0;
}
