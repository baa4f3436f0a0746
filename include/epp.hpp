/*
 * epp.hpp: a header-only C++17 wrapper over epp.h, libepp's C API.
 * Installed beside epp.h by `make install`; link as for C
 * (`pkg-config --cflags --libs epp`, or epp::epp in CMake).
 *
 * What it adds to epp.h, and nothing else (every call is the C function
 * of the same name, inline):
 *   - RAII: a std::unique_ptr alias with the matching _free for every
 *     handle type of epp.h (epp::session_ptr, epp::request_ptr, ...), and
 *     classes owning one for the objects a host uses every day: the
 *     server's side (config_builder, config, server, session, request,
 *     response), the client's (client_config_builder, client_config,
 *     client_session, client_event) and ETP's (etp_config_builder,
 *     etp_config, etp_session, etp_request). Each class is movable, not
 *     copyable, and get() gives the C handle for any epp_* call it does not
 *     wrap.
 *   - Exceptions: every epp_result other than EPP_RESULT_OK becomes an
 *     epp::error carrying the result (code()), its name (name(), such as
 *     "EPP_RESULT_INVALID_ARGUMENT"), the C function (function()) and the
 *     detail libepp recorded (detail(), from epp_last_error: "result_code:
 *     1234 is not an EPP result code (RFC 5730 section 3)").
 *   - Borrowed data as std::string_view (text) and epp::bytes (octets).
 *     Their lifetimes are epp.h's: a view from a request, event or ETP
 *     request lives until that object is destroyed; a view from a session
 *     (output, client id) until the next call on that session. An absent
 *     optional string is an empty view.
 *   - [[nodiscard]] wherever ignoring the value is a mistake.
 *
 * Thread rules are epp.h's: config, client_config, etp_config and server
 * may be shared between threads; every other object is used by one thread
 * at a time.
 */
#ifndef EPP_HPP
#define EPP_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#if !defined(_MSVC_LANG) || _MSVC_LANG < 201703L
#error "epp.hpp needs C++17 or later (epp.h is the C API)"
#endif
#endif

#include "epp.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace epp {

// ---------------------------------------------------------------------------
// Errors

/// The name of an epp_result value ("EPP_RESULT_SESSION_CLOSED"), or
/// "EPP_RESULT_?" for a value this header does not know.
[[nodiscard]] inline std::string_view result_name(epp_result r) noexcept {
    switch (r) {
    case EPP_RESULT_OK: return "EPP_RESULT_OK";
    case EPP_RESULT_PANIC: return "EPP_RESULT_PANIC";
    case EPP_RESULT_NULL_PARAMETER: return "EPP_RESULT_NULL_PARAMETER";
    case EPP_RESULT_INVALID_LENGTH: return "EPP_RESULT_INVALID_LENGTH";
    case EPP_RESULT_INSUFFICIENT_SIZE: return "EPP_RESULT_INSUFFICIENT_SIZE";
    case EPP_RESULT_INVALID_UTF8: return "EPP_RESULT_INVALID_UTF8";
    case EPP_RESULT_INVALID_ARGUMENT: return "EPP_RESULT_INVALID_ARGUMENT";
    case EPP_RESULT_INDEX_OUT_OF_RANGE: return "EPP_RESULT_INDEX_OUT_OF_RANGE";
    case EPP_RESULT_NOT_APPLICABLE: return "EPP_RESULT_NOT_APPLICABLE";
    case EPP_RESULT_INVALID_CONFIG: return "EPP_RESULT_INVALID_CONFIG";
    case EPP_RESULT_SESSION_CLOSED: return "EPP_RESULT_SESSION_CLOSED";
    case EPP_RESULT_UNKNOWN_REQUEST: return "EPP_RESULT_UNKNOWN_REQUEST";
    case EPP_RESULT_WRONG_ANSWER: return "EPP_RESULT_WRONG_ANSWER";
    case EPP_RESULT_INVALID_XML: return "EPP_RESULT_INVALID_XML";
    case EPP_RESULT_INVALID_ANSWER: return "EPP_RESULT_INVALID_ANSWER";
    case EPP_RESULT_ALREADY_ANSWERED: return "EPP_RESULT_ALREADY_ANSWERED";
    case EPP_RESULT_INPUT_AFTER_EOF: return "EPP_RESULT_INPUT_AFTER_EOF";
    case EPP_RESULT_INPUT_BUFFER_FULL: return "EPP_RESULT_INPUT_BUFFER_FULL";
    case EPP_RESULT_WRONG_STATE: return "EPP_RESULT_WRONG_STATE";
    case EPP_RESULT_SERVICE_NOT_OFFERED: return "EPP_RESULT_SERVICE_NOT_OFFERED";
    case EPP_RESULT_NO_OBJECT_SERVICE: return "EPP_RESULT_NO_OBJECT_SERVICE";
    case EPP_RESULT_VERSION_NOT_OFFERED: return "EPP_RESULT_VERSION_NOT_OFFERED";
    case EPP_RESULT_LANGUAGE_NOT_OFFERED: return "EPP_RESULT_LANGUAGE_NOT_OFFERED";
    case EPP_RESULT_PASSWORD_TOO_LONG: return "EPP_RESULT_PASSWORD_TOO_LONG";
    case EPP_RESULT_NOT_LOGGED_IN_WITH: return "EPP_RESULT_NOT_LOGGED_IN_WITH";
    case EPP_RESULT_INVALID_COMMAND: return "EPP_RESULT_INVALID_COMMAND";
    default: return "EPP_RESULT_?";
    }
}

/// A call of the C API that did not return EPP_RESULT_OK.
class error : public std::runtime_error {
public:
    error(epp_result code, const char *function, std::string detail)
        : std::runtime_error(std::string(function) + ": " + std::string(result_name(code)) + ": " +
                             detail),
          code_(code), function_(function), detail_(std::move(detail)) {}

    /// The epp_result the C function returned.
    [[nodiscard]] epp_result code() const noexcept { return code_; }
    /// Its name, such as "EPP_RESULT_INVALID_ARGUMENT".
    [[nodiscard]] std::string_view name() const noexcept { return result_name(code_); }
    /// The C function that failed, such as "epp_response_new".
    [[nodiscard]] const char *function() const noexcept { return function_; }
    /// What libepp said went wrong (epp_last_error right after the call).
    [[nodiscard]] const std::string &detail() const noexcept { return detail_; }

private:
    epp_result code_;
    const char *function_;
    std::string detail_;
};

/// Octets borrowed from libepp (output to write, an ETP message body).
class bytes {
public:
    constexpr bytes() noexcept = default;
    constexpr bytes(const std::uint8_t *data, std::size_t size) noexcept : data_(data), size_(size) {}
    [[nodiscard]] constexpr const std::uint8_t *data() const noexcept { return data_; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] constexpr const std::uint8_t *begin() const noexcept { return data_; }
    [[nodiscard]] constexpr const std::uint8_t *end() const noexcept { return data_ + size_; }

private:
    const std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
};

namespace detail {

inline std::string last_error_text() {
    const char *p = nullptr;
    std::size_t n = 0;
    if (epp_last_error(&p, &n) != EPP_RESULT_OK || p == nullptr)
        return std::string();
    return std::string(p, n);
}

/// Throws epp::error unless r is EPP_RESULT_OK.
inline void check(epp_result r, const char *function) {
    if (r != EPP_RESULT_OK)
        throw error(r, function, last_error_text());
}

inline std::string_view view(const char *p, std::size_t n) noexcept {
    return p ? std::string_view(p, n) : std::string_view();
}

template <auto Free> struct deleter {
    template <class T> void operator()(T *p) const noexcept { Free(p); }
};

} // namespace detail

/// Throws epp::error unless a call of epp.h returned EPP_RESULT_OK, for
/// the functions this header does not wrap:
///   EPP_CHECK(epp_session_close(s.get()));
/// The error's function() is then the text of the call.
#define EPP_CHECK(call) ::epp::detail::check((call), #call)
// The wrappers below: function() is the C function's name. #undef at the end.
#define EPP_HPP_CALL(fn, ...) ::epp::detail::check(fn(__VA_ARGS__), #fn)

// ---------------------------------------------------------------------------
// Owning pointers for every handle type of epp.h

template <class T, auto Free> using handle_ptr = std::unique_ptr<T, detail::deleter<Free>>;

using config_builder_ptr = handle_ptr<epp_config_builder, epp_config_builder_free>;
using config_ptr = handle_ptr<epp_config, epp_config_free>;
using registrar_sessions_ptr = handle_ptr<epp_registrar_sessions, epp_registrar_sessions_free>;
using server_ptr = handle_ptr<epp_server, epp_server_free>;
using session_ptr = handle_ptr<epp_session, epp_session_free>;
using request_ptr = handle_ptr<epp_request, epp_request_free>;
using transaction_ptr = handle_ptr<epp_transaction, epp_transaction_free>;
using response_ptr = handle_ptr<epp_response, epp_response_free>;
using poll_message_ptr = handle_ptr<epp_poll_message, epp_poll_message_free>;
using security_event_ptr = handle_ptr<epp_security_event, epp_security_event_free>;
using client_config_builder_ptr = handle_ptr<epp_client_config_builder, epp_client_config_builder_free>;
using client_config_ptr = handle_ptr<epp_client_config, epp_client_config_free>;
using client_session_ptr = handle_ptr<epp_client_session, epp_client_session_free>;
using client_event_ptr = handle_ptr<epp_client_event, epp_client_event_free>;
using client_command_ptr = handle_ptr<epp_client_command, epp_client_command_free>;
using etp_config_builder_ptr = handle_ptr<epp_etp_config_builder, epp_etp_config_builder_free>;
using etp_config_ptr = handle_ptr<epp_etp_config, epp_etp_config_free>;
using etp_session_ptr = handle_ptr<epp_etp_session, epp_etp_session_free>;
using etp_request_ptr = handle_ptr<epp_etp_request, epp_etp_request_free>;

/// The version of the libepp linked at run time ("0.6.0").
[[nodiscard]] inline std::string_view version() noexcept { return epp_version(); }

// ---------------------------------------------------------------------------
// The server's side

class config {
public:
    explicit config(config_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] const epp_config *get() const noexcept { return p_.get(); }

private:
    config_ptr p_;
};

class config_builder {
public:
    explicit config_builder(std::string_view server_id) {
        epp_config_builder *b = nullptr;
        EPP_HPP_CALL(epp_config_builder_new, server_id.data(), server_id.size(), &b);
        p_.reset(b);
    }
    config_builder &add_object_uri(std::string_view uri) {
        EPP_HPP_CALL(epp_config_builder_add_object_uri, p_.get(), uri.data(), uri.size());
        return *this;
    }
    config_builder &add_extension_uri(std::string_view uri) {
        EPP_HPP_CALL(epp_config_builder_add_extension_uri, p_.get(), uri.data(), uri.size());
        return *this;
    }
    config_builder &add_language(std::string_view lang) {
        EPP_HPP_CALL(epp_config_builder_add_language, p_.get(), lang.data(), lang.size());
        return *this;
    }
    config_builder &set_limit(epp_limit limit, std::uint64_t value) {
        EPP_HPP_CALL(epp_config_builder_set_limit, p_.get(), limit, value);
        return *this;
    }
    /// The immutable config; epp::error (EPP_RESULT_INVALID_CONFIG, with
    /// the reason as detail) when it is refused.
    [[nodiscard]] config build() {
        epp_config *c = nullptr;
        EPP_HPP_CALL(epp_config_builder_build, p_.get(), &c);
        return config(config_ptr(c));
    }
    [[nodiscard]] epp_config_builder *get() const noexcept { return p_.get(); }

private:
    config_builder_ptr p_;
};

class server {
public:
    /// sessions: an optional registrar counter (nullptr for none).
    server(const config &c, std::uint64_t now_ms, const epp_registrar_sessions *sessions = nullptr) {
        epp_server *s = nullptr;
        EPP_HPP_CALL(epp_server_new, c.get(), now_ms, sessions, &s);
        p_.reset(s);
    }
    [[nodiscard]] const epp_server *get() const noexcept { return p_.get(); }

private:
    server_ptr p_;
};

/// A request to decide. Its strings live as long as it does.
class request {
public:
    explicit request(request_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] epp_request_kind kind() const {
        epp_request_kind k{};
        EPP_HPP_CALL(epp_request_get_kind, p_.get(), &k);
        return k;
    }
    /// The id to answer with (not for EPP_REQUEST_KIND_SESSION_END).
    [[nodiscard]] std::uint64_t id() const {
        std::uint64_t id = 0;
        EPP_HPP_CALL(epp_request_get_id, p_.get(), &id);
        return id;
    }
    [[nodiscard]] std::string_view client_id() const { return str(epp_request_get_client_id, "epp_request_get_client_id"); }
    /// Login: the password. Never log it.
    [[nodiscard]] std::string_view password() const { return str(epp_request_get_password, "epp_request_get_password"); }
    [[nodiscard]] std::string_view new_password() const {
        return str(epp_request_get_new_password, "epp_request_get_new_password");
    }
    [[nodiscard]] std::string_view object_xml() const { return str(epp_request_get_object_xml, "epp_request_get_object_xml"); }
    [[nodiscard]] std::string_view client_transaction_id() const {
        return str(epp_request_get_client_transaction_id, "epp_request_get_client_transaction_id");
    }
    [[nodiscard]] std::string_view close_reason_text() const {
        return str(epp_request_get_close_reason_text, "epp_request_get_close_reason_text");
    }
    [[nodiscard]] const epp_request *get() const noexcept { return p_.get(); }

private:
    using getter = epp_result (*)(const epp_request *, const char **, std::size_t *);
    std::string_view str(getter g, const char *name) const {
        const char *p = nullptr;
        std::size_t n = 0;
        detail::check(g(p_.get(), &p, &n), name);
        return detail::view(p, n);
    }
    request_ptr p_;
};

/// A complete response for session::answer_command.
class response {
public:
    /// code: an EPP result code of RFC 5730 (epp::error otherwise).
    explicit response(std::uint16_t code) {
        epp_response *r = nullptr;
        EPP_HPP_CALL(epp_response_new, code, &r);
        p_.reset(r);
    }
    response &add_result(std::uint16_t code) {
        EPP_HPP_CALL(epp_response_add_result, p_.get(), code);
        return *this;
    }
    response &set_message(std::string_view text) {
        EPP_HPP_CALL(epp_response_set_message, p_.get(), text.data(), text.size());
        return *this;
    }
    response &add_value(std::string_view xml) {
        EPP_HPP_CALL(epp_response_add_value, p_.get(), xml.data(), xml.size());
        return *this;
    }
    response &set_res_data(std::string_view xml) {
        EPP_HPP_CALL(epp_response_set_res_data, p_.get(), xml.data(), xml.size());
        return *this;
    }
    response &set_extension(std::string_view xml) {
        EPP_HPP_CALL(epp_response_set_extension, p_.get(), xml.data(), xml.size());
        return *this;
    }
    [[nodiscard]] const epp_response *get() const noexcept { return p_.get(); }

private:
    response_ptr p_;
};

/// One EPP session (one connection), server side.
class session {
public:
    /// The greeting is queued at once: take it with output().
    session(const server &s, std::uint64_t now_ms) {
        epp_session *p = nullptr;
        EPP_HPP_CALL(epp_session_new, s.get(), now_ms, &p);
        p_.reset(p);
    }
    void feed_input(const void *data, std::size_t len, std::uint64_t now_ms) {
        EPP_HPP_CALL(epp_session_feed_input, p_.get(), static_cast<const std::uint8_t *>(data), len, now_ms);
    }
    [[nodiscard]] bool wants_input() const {
        bool w = false;
        EPP_HPP_CALL(epp_session_wants_input, p_.get(), &w);
        return w;
    }
    /// Bytes to write; valid until the next call on this session.
    [[nodiscard]] bytes output() {
        const std::uint8_t *p = nullptr;
        std::size_t n = 0;
        EPP_HPP_CALL(epp_session_take_output, p_.get(), &p, &n);
        return bytes(p, n);
    }
    void consume_output(std::size_t n) { EPP_HPP_CALL(epp_session_consume_output, p_.get(), n); }
    /// The next request to decide, or none.
    [[nodiscard]] std::optional<request> poll_queue() {
        epp_request *r = nullptr;
        EPP_HPP_CALL(epp_session_poll_queue, p_.get(), &r);
        if (!r)
            return std::nullopt;
        return request(request_ptr(r));
    }
    /// Accepts or refuses a login in one call; true when the client is
    /// now logged in (an accepted login is still 2502 when the server's
    /// registrar counter is full).
    bool answer_login(std::uint64_t id, bool accepted) {
        bool in = false;
        EPP_HPP_CALL(epp_session_answer_login_verdict, p_.get(), id, accepted, &in);
        return in;
    }
    /// Any EPP_LOGIN_ANSWER_*; returns the result code sent.
    std::uint16_t answer_login(std::uint64_t id, epp_login_answer answer) {
        std::uint16_t code = 0;
        EPP_HPP_CALL(epp_session_answer_login, p_.get(), id, answer, &code);
        return code;
    }
    /// A command or extension answered by a result code alone.
    void answer_code(std::uint64_t id, std::uint16_t result_code) {
        EPP_HPP_CALL(epp_session_answer_code, p_.get(), id, result_code);
    }
    void answer_command(std::uint64_t id, const response &r) {
        EPP_HPP_CALL(epp_session_answer_command, p_.get(), id, r.get());
    }
    void answer_poll_empty(std::uint64_t id) { EPP_HPP_CALL(epp_session_answer_poll_empty, p_.get(), id); }
    void answer_ack(std::uint64_t id, std::uint64_t remaining) {
        EPP_HPP_CALL(epp_session_answer_ack, p_.get(), id, remaining);
    }
    void answer_ack_unknown(std::uint64_t id) { EPP_HPP_CALL(epp_session_answer_ack_unknown, p_.get(), id); }
    /// 2400, with the standard message when text is empty.
    void answer_failure(std::uint64_t id, std::string_view text = {}) {
        EPP_HPP_CALL(epp_session_answer_failure, p_.get(), id, text.empty() ? nullptr : text.data(), text.size());
    }
    void handle_eof(std::uint64_t now_ms) { EPP_HPP_CALL(epp_session_handle_eof, p_.get(), now_ms); }
    /// True when the timer closed the session.
    bool handle_timeout(std::uint64_t now_ms) {
        bool closed = false;
        EPP_HPP_CALL(epp_session_handle_timeout, p_.get(), now_ms, &closed);
        return closed;
    }
    /// When to call handle_timeout, or none.
    [[nodiscard]] std::optional<std::uint64_t> next_timeout() const {
        std::uint64_t at = 0;
        EPP_HPP_CALL(epp_session_get_next_timeout, p_.get(), &at);
        return at == EPP_TIMEOUT_NONE ? std::nullopt : std::optional<std::uint64_t>(at);
    }
    void close() { EPP_HPP_CALL(epp_session_close, p_.get()); }
    [[nodiscard]] bool is_finished() const {
        bool f = false;
        EPP_HPP_CALL(epp_session_is_finished, p_.get(), &f);
        return f;
    }
    [[nodiscard]] epp_session_state state() const {
        epp_session_state s{};
        EPP_HPP_CALL(epp_session_get_state, p_.get(), &s);
        return s;
    }
    /// The logged-in client id (empty before login); valid until the next
    /// call on this session.
    [[nodiscard]] std::string_view client_id() const {
        const char *p = nullptr;
        std::size_t n = 0;
        EPP_HPP_CALL(epp_session_get_client_id, p_.get(), &p, &n);
        return detail::view(p, n);
    }
    [[nodiscard]] epp_session *get() const noexcept { return p_.get(); }

private:
    session_ptr p_;
};

// ---------------------------------------------------------------------------
// The client's side (registrar)

class client_config {
public:
    explicit client_config(client_config_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] const epp_client_config *get() const noexcept { return p_.get(); }

private:
    client_config_ptr p_;
};

class client_config_builder {
public:
    client_config_builder(std::string_view client_id, std::string_view password) {
        epp_client_config_builder *b = nullptr;
        EPP_HPP_CALL(epp_client_config_builder_new, client_id.data(), client_id.size(), password.data(),
                                                password.size(), &b);
        p_.reset(b);
    }
    /// required: refuse to log in to a server that does not offer it.
    client_config_builder &add_object_uri(std::string_view uri, bool required = false) {
        EPP_HPP_CALL(epp_client_config_builder_add_object_uri, p_.get(), uri.data(), uri.size(), required);
        return *this;
    }
    /// required: refuse to log in to a server that does not offer it.
    client_config_builder &add_extension_uri(std::string_view uri, bool required = false) {
        EPP_HPP_CALL(epp_client_config_builder_add_extension_uri, p_.get(), uri.data(), uri.size(), required);
        return *this;
    }
    [[nodiscard]] client_config build() {
        epp_client_config *c = nullptr;
        EPP_HPP_CALL(epp_client_config_builder_build, p_.get(), &c);
        return client_config(client_config_ptr(c));
    }
    [[nodiscard]] epp_client_config_builder *get() const noexcept { return p_.get(); }

private:
    client_config_builder_ptr p_;
};

/// Something that happened in a client session. Its strings live as long
/// as it does.
class client_event {
public:
    explicit client_event(client_event_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] epp_client_event_kind kind() const {
        epp_client_event_kind k{};
        EPP_HPP_CALL(epp_client_event_get_kind, p_.get(), &k);
        return k;
    }
    /// The response's (first) result code.
    [[nodiscard]] std::uint16_t code() const {
        std::uint16_t c = 0;
        EPP_HPP_CALL(epp_client_event_get_code, p_.get(), &c);
        return c;
    }
    [[nodiscard]] const epp_client_event *get() const noexcept { return p_.get(); }

private:
    client_event_ptr p_;
};

class client_session {
public:
    client_session(const client_config &c, std::uint64_t now_ms) {
        epp_client_session *p = nullptr;
        EPP_HPP_CALL(epp_client_session_new, c.get(), now_ms, &p);
        p_.reset(p);
    }
    void feed_input(const void *data, std::size_t len, std::uint64_t now_ms) {
        EPP_HPP_CALL(epp_client_session_feed_input, p_.get(), static_cast<const std::uint8_t *>(data), len, now_ms);
    }
    [[nodiscard]] bool wants_input() const {
        bool w = false;
        EPP_HPP_CALL(epp_client_session_wants_input, p_.get(), &w);
        return w;
    }
    /// Bytes to write; valid until the next call on this session.
    [[nodiscard]] bytes output() {
        const std::uint8_t *p = nullptr;
        std::size_t n = 0;
        EPP_HPP_CALL(epp_client_session_take_output, p_.get(), &p, &n);
        return bytes(p, n);
    }
    void consume_output(std::size_t n) { EPP_HPP_CALL(epp_client_session_consume_output, p_.get(), n); }
    [[nodiscard]] std::optional<client_event> poll_queue() {
        epp_client_event *e = nullptr;
        EPP_HPP_CALL(epp_client_session_poll_queue, p_.get(), &e);
        if (!e)
            return std::nullopt;
        return client_event(client_event_ptr(e));
    }
    void login(std::uint64_t now_ms) { EPP_HPP_CALL(epp_client_session_login, p_.get(), now_ms, nullptr); }
    void hello(std::uint64_t now_ms) { EPP_HPP_CALL(epp_client_session_hello, p_.get(), now_ms, nullptr); }
    void logout(std::uint64_t now_ms) { EPP_HPP_CALL(epp_client_session_logout, p_.get(), now_ms, nullptr); }
    void poll_request(std::uint64_t now_ms) {
        EPP_HPP_CALL(epp_client_session_poll_request, p_.get(), now_ms, nullptr);
    }
    void handle_eof(std::uint64_t now_ms) { EPP_HPP_CALL(epp_client_session_handle_eof, p_.get(), now_ms); }
    /// True when a timer fired.
    bool handle_timeout(std::uint64_t now_ms) {
        bool due = false;
        EPP_HPP_CALL(epp_client_session_handle_timeout, p_.get(), now_ms, &due);
        return due;
    }
    [[nodiscard]] bool is_finished() const {
        bool f = false;
        EPP_HPP_CALL(epp_client_session_is_finished, p_.get(), &f);
        return f;
    }
    [[nodiscard]] epp_client_state state() const {
        epp_client_state s{};
        EPP_HPP_CALL(epp_client_session_get_state, p_.get(), &s);
        return s;
    }
    [[nodiscard]] epp_client_session *get() const noexcept { return p_.get(); }

private:
    client_session_ptr p_;
};

// ---------------------------------------------------------------------------
// ETP 1.1

class etp_config {
public:
    explicit etp_config(etp_config_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] const epp_etp_config *get() const noexcept { return p_.get(); }

private:
    etp_config_ptr p_;
};

class etp_config_builder {
public:
    etp_config_builder() {
        epp_etp_config_builder *b = nullptr;
        EPP_HPP_CALL(epp_etp_config_builder_new, &b);
        p_.reset(b);
    }
    etp_config_builder &set_application_name(std::string_view name) {
        EPP_HPP_CALL(epp_etp_config_builder_set_application_name, p_.get(), name.data(), name.size());
        return *this;
    }
    etp_config_builder &set_application_version(std::string_view version) {
        EPP_HPP_CALL(epp_etp_config_builder_set_application_version, p_.get(), version.data(), version.size());
        return *this;
    }
    etp_config_builder &add_protocol(std::int32_t protocol, std::int32_t major, std::int32_t minor,
                                     std::int32_t revision, std::int32_t patch, std::string_view role) {
        EPP_HPP_CALL(epp_etp_config_builder_add_protocol, p_.get(), protocol, major, minor, revision, patch,
                                                      role.data(), role.size());
        return *this;
    }
    [[nodiscard]] etp_config build() {
        epp_etp_config *c = nullptr;
        EPP_HPP_CALL(epp_etp_config_builder_build, p_.get(), &c);
        return etp_config(etp_config_ptr(c));
    }
    [[nodiscard]] epp_etp_config_builder *get() const noexcept { return p_.get(); }

private:
    etp_config_builder_ptr p_;
};

/// An ETP request to decide. Its data live as long as it does.
class etp_request {
public:
    explicit etp_request(etp_request_ptr p) noexcept : p_(std::move(p)) {}
    [[nodiscard]] epp_etp_request_kind kind() const {
        epp_etp_request_kind k{};
        EPP_HPP_CALL(epp_etp_request_get_kind, p_.get(), &k);
        return k;
    }
    [[nodiscard]] epp_etp_message_header header() const {
        epp_etp_message_header h{};
        EPP_HPP_CALL(epp_etp_request_get_header, p_.get(), &h);
        return h;
    }
    [[nodiscard]] bytes body() const {
        const std::uint8_t *p = nullptr;
        std::size_t n = 0;
        EPP_HPP_CALL(epp_etp_request_get_body, p_.get(), &p, &n);
        return bytes(p, n);
    }
    [[nodiscard]] const epp_etp_request *get() const noexcept { return p_.get(); }

private:
    etp_request_ptr p_;
};

class etp_session {
public:
    /// session_id: the 16 bytes of the session's UUID.
    etp_session(const etp_config &c, const std::uint8_t (&session_id)[16]) {
        epp_etp_session *p = nullptr;
        EPP_HPP_CALL(epp_etp_session_new, c.get(), session_id, &p);
        p_.reset(p);
    }
    /// One WebSocket binary message.
    void feed_message(const void *data, std::size_t len) {
        EPP_HPP_CALL(epp_etp_session_feed_message, p_.get(), static_cast<const std::uint8_t *>(data), len);
    }
    [[nodiscard]] bool wants_input() const {
        bool w = false;
        EPP_HPP_CALL(epp_etp_session_wants_input, p_.get(), &w);
        return w;
    }
    /// The next message to send whole (empty: none); valid until the next
    /// call on this session. Then consume_output().
    [[nodiscard]] bytes peek_output() const {
        const std::uint8_t *p = nullptr;
        std::size_t n = 0;
        EPP_HPP_CALL(epp_etp_session_peek_output, p_.get(), &p, &n);
        return bytes(p, n);
    }
    void consume_output() { EPP_HPP_CALL(epp_etp_session_consume_output, p_.get()); }
    [[nodiscard]] std::optional<etp_request> poll_queue() {
        epp_etp_request *r = nullptr;
        EPP_HPP_CALL(epp_etp_session_poll_queue, p_.get(), &r);
        if (!r)
            return std::nullopt;
        return etp_request(etp_request_ptr(r));
    }
    void respond(std::uint64_t id, std::int32_t message_type, std::int32_t message_flags, const void *body,
                 std::size_t len) {
        EPP_HPP_CALL(epp_etp_session_respond, p_.get(), id, message_type, message_flags,
                                          static_cast<const std::uint8_t *>(body), len);
    }
    void raise(std::uint64_t id, std::int32_t error_code, std::string_view message) {
        EPP_HPP_CALL(epp_etp_session_raise, p_.get(), id, error_code, message.data(), message.size());
    }
    void close_session(std::string_view reason = {}) {
        EPP_HPP_CALL(epp_etp_session_close_session, p_.get(), reason.empty() ? nullptr : reason.data(), reason.size());
    }
    void handle_eof() { EPP_HPP_CALL(epp_etp_session_handle_eof, p_.get()); }
    [[nodiscard]] bool is_finished() const {
        bool f = false;
        EPP_HPP_CALL(epp_etp_session_is_finished, p_.get(), &f);
        return f;
    }
    [[nodiscard]] epp_etp_session *get() const noexcept { return p_.get(); }

private:
    etp_session_ptr p_;
};

} // namespace epp

#undef EPP_HPP_CALL

#endif /* EPP_HPP */
