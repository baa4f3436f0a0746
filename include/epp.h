/*
 * epp.h: the C API of libepp, a sans-IO EPP (RFC 5730/5734) session
 * engine: the server's side (epp_session) and the registrar's, the client
 * (epp_client_session); with an ETP 1.1 server session engine beside them
 * (epp_etp_*). Link with `pkg-config --cflags --libs epp` (or
 * find_package(epp) in CMake: epp::epp); include/epp.hpp wraps it for
 * C++17.
 *
 * OVERVIEW
 *   libepp does no I/O. The host owns sockets, TLS, storage and business
 *   logic; libepp owns the protocol. Per server: build an epp_config once
 *   and start an epp_server on it (epp_server_new). Per connection:
 *   epp_session_new (the greeting is queued at once), then repeat the four
 *   verbs:
 *     epp_session_feed_input    every byte read from the peer (read only
 *                               while epp_session_wants_input says so);
 *     epp_session_take_output   bytes to write (then
 *                               epp_session_consume_output);
 *     epp_session_poll_queue    the next epp_request to decide, answered
 *                               with an epp_session_answer_* call (one
 *                               call for the common answers:
 *                               epp_session_answer_login_verdict,
 *                               epp_session_answer_code);
 *   until epp_session_is_finished, then close the socket and
 *   epp_session_free. Call epp_session_handle_eof when the peer closes and
 *   epp_session_handle_timeout when epp_session_get_next_timeout passes.
 *
 * CLIENT
 *   The registrar's side has the same shape. Build an epp_client_config
 *   (credentials, wanted services, limits) once with an
 *   epp_client_config_builder. Per connection: epp_client_session_new,
 *   then feed every byte read (epp_client_session_feed_input), write what
 *   epp_client_session_take_output holds (then _consume_output), and take
 *   every epp_client_event from epp_client_session_poll_queue: the
 *   greeting (then epp_client_session_login), the login result, each
 *   response matched to its command, keep-alives, overdue responses, and
 *   the end of the session. Give commands with epp_client_session_send or
 *   the shortcuts (_hello, _login, _logout, _poll_request, _poll_ack,
 *   _object); at most the configured number are in flight, the rest wait
 *   in order. Call epp_client_session_handle_timeout when
 *   epp_client_session_get_next_timeout passes and
 *   epp_client_session_handle_eof when the server closes the connection;
 *   close the socket once epp_client_session_is_finished.
 *
 * ETP
 *   The same library serves ETP 1.1 (Energistics Transfer Protocol, the Core
 *   protocol; docs/etp.md) under its own prefix, epp_etp_ / EPP_ETP_, with
 *   the same conventions and epp_result values. Per server: an
 *   epp_etp_config (epp_etp_config_builder_*). Per WebSocket:
 *   epp_etp_session_new(config, 16-byte session id, &session), then
 *     epp_etp_session_feed_message     one WebSocket binary message (read
 *                                      only while
 *                                      epp_etp_session_wants_input says so);
 *     epp_etp_session_peek_output      the next message to send, whole, as
 *                                      one WebSocket binary message (then
 *                                      epp_etp_session_consume_output);
 *     epp_etp_session_poll_queue       the next epp_etp_request, answered
 *                                      with epp_etp_session_respond, _raise
 *                                      or _finish when it has an id;
 *   until epp_etp_session_is_finished, then close the WebSocket and
 *   epp_etp_session_free. Call epp_etp_session_handle_eof when the
 *   WebSocket closes. ETP Core has no timers: nothing takes a time.
 *
 * CONVENTIONS
 *   - Names: epp_ for types and functions, EPP_ for values and macros.
 *   - Objects are opaque handles. epp_X_new(..., &out) makes one;
 *     epp_X_free(p) releases it and accepts NULL. Every handle you receive
 *     (from a _new function, epp_config_builder_build,
 *     epp_session_poll_queue, epp_session_poll_transaction,
 *     epp_client_config_builder_build, epp_client_session_poll_queue, or
 *     the out_command of a client command call) is yours to free with the
 *     matching _free, exactly once. Nothing else is ever freed by the
 *     caller: the const epp_client_command pointers an epp_client_event
 *     hands out are borrowed from it. Builders passed to a call (epp_response,
 *     epp_poll_message, epp_security_event) are only read by it: still free
 *     them afterwards.
 *   - Every function that can fail returns an epp_result, marked
 *     EPP_NODISCARD (compilers warn when it is ignored). EPP_RESULT_OK is
 *     0. Out-parameters are written only when the result is EPP_RESULT_OK.
 *     epp_result values are explicit and never reused. epp_last_error
 *     gives the text of the latest failed call on the calling thread (for
 *     an argument error, the argument and its value).
 *   - Every pointer is checked: a NULL handle, input or out-parameter is
 *     EPP_RESULT_NULL_PARAMETER (even with a length of 0), except where a
 *     parameter is documented as optional. A length above PTRDIFF_MAX is
 *     EPP_RESULT_INVALID_LENGTH.
 *   - Strings passed in are (const char *ptr, size_t len): UTF-8, no NUL
 *     terminator needed. An optional string is absent when given as
 *     (NULL, 0).
 *   - Data handed out (strings, raw XML, output bytes) is (pointer, length),
 *     not NUL-terminated, and borrowed: a string from an epp_request,
 *     epp_etp_request or epp_transaction stays valid until that object is
 *     freed; anything from an epp_session, epp_client_session or
 *     epp_etp_session (output bytes, client id, error text) until the next
 *     call given that session; a string or command from an epp_client_event
 *     or epp_client_command until that object is freed; anything from an
 *     epp_config_builder, epp_client_config_builder or
 *     epp_etp_config_builder until
 *     the next call given that builder. An absent optional string is
 *     handed out as (NULL, 0).
 *   - Time is uint64_t milliseconds since the Unix epoch (now_ms), always
 *     passed in: libepp reads no clock. Request ids are uint64_t.
 *   - Panics: every function runs inside a panic boundary. A panic in
 *     libepp (a bug) becomes EPP_RESULT_PANIC; it never unwinds into C and
 *     never aborts the host (the library must be built with Rust's default
 *     panic = "unwind"). A session in which a panic happened is poisoned:
 *     every later call on it returns EPP_RESULT_PANIC, except
 *     epp_session_get_last_error and epp_session_free (for a client
 *     session: epp_client_session_get_last_error and
 *     epp_client_session_free; for an ETP session,
 *     epp_etp_session_get_last_error and epp_etp_session_free).
 *
 * THREADS
 *   - An epp_config (and an epp_etp_config) is immutable: any number of
 *     threads may use one at the same time (start servers or ETP sessions
 *     from it, free it once no thread uses the handle).
 *   - An epp_server is shared freely: any number of threads may make
 *     sessions from one at the same time, and its sessions on many threads
 *     share its svTRID generator and registrar counter.
 *   - An epp_registrar_sessions is thread-safe: many sessions on many
 *     threads update and read it at once.
 *   - An epp_client_config is immutable, like an epp_config: any number of
 *     threads may make client sessions from it at the same time.
 *   - Every other handle (epp_session, epp_request, epp_transaction,
 *     epp_response, epp_poll_message, epp_security_event,
 *     epp_config_builder, epp_client_session, epp_client_event,
 *     epp_client_command, epp_client_config_builder, and the ETP
 *     epp_etp_session, epp_etp_request, epp_etp_config_builder) may move
 *     between
 *     threads but must be used by one thread at a time: no two calls given
 *     the same handle may overlap.
 *   - Handles are independent: a server keeps its own reference to its
 *     config and registrar counter, and a session to its server, so those
 *     may be freed first; an ETP session keeps its own reference to its
 *     config; requests own their data and outlive their session.
 *
 * VERSIONING
 *   EPP_VERSION_MAJOR/MINOR/PATCH give the version this header belongs to;
 *   epp_version() the version of the library linked at run time.
 */


#ifndef EPP_H
#define EPP_H

/* Generated by cbindgen 0.29.4 from src/ffi/ (make header). Do not edit. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * EPP_NODISCARD marks every function that returns an epp_result, so that
 * compilers warn when a caller ignores it: [[nodiscard]] in C++17 and C23,
 * __attribute__((warn_unused_result)) in GCC and Clang otherwise, nothing
 * elsewhere. Note that GCC does not let a (void) cast silence
 * warn_unused_result in C before C23: check the result, or define
 * EPP_NODISCARD (for example empty: -DEPP_NODISCARD=) before including
 * epp.h to choose another marking.
 */
#if !defined(EPP_NODISCARD)
#if defined(__cplusplus) && (__cplusplus >= 201703L || (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))
#define EPP_NODISCARD [[nodiscard]]
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L
#define EPP_NODISCARD [[nodiscard]]
#elif defined(__GNUC__) || defined(__clang__)
#define EPP_NODISCARD __attribute__((warn_unused_result))
#else
#define EPP_NODISCARD
#endif
#endif


/**
 * `epp_client_config_builder_set_keep_alive_ms` with this value: never
 * send a keep-alive `<hello>`.
 */
#define EPP_KEEP_ALIVE_NEVER UINT64_MAX

/**
 * The length of an ETP session id (a UUID) in bytes, as
 * `epp_etp_session_new` takes it.
 */
#define EPP_ETP_SESSION_ID_LEN 16

/**
 * The Core protocol (session management), which libepp runs itself.
 */
#define EPP_ETP_PROTOCOL_CORE 0

/**
 * The Discovery protocol.
 */
#define EPP_ETP_PROTOCOL_DISCOVERY 3

/**
 * The Store protocol.
 */
#define EPP_ETP_PROTOCOL_STORE 4

/**
 * `messageFlags` bit: the message is a part of a multi-part message.
 */
#define EPP_ETP_FLAG_MULTI_PART 1

/**
 * `messageFlags` bit: the final part of a multi-part message.
 */
#define EPP_ETP_FLAG_FINAL_PART 2

/**
 * The `messageType` of ProtocolException, in every protocol.
 */
#define EPP_ETP_MESSAGE_TYPE_PROTOCOL_EXCEPTION 1000

/**
 * The `messageType` of Acknowledge, in every protocol.
 */
#define EPP_ETP_MESSAGE_TYPE_ACKNOWLEDGE 1001

/**
 * ETP error code (ProtocolException `errorCode`): the agent does not
 * support the requested role.
 */
#define EPP_ETP_ERROR_ENOROLE 1

/**
 * ETP error code: the server supports none of the requested protocols.
 */
#define EPP_ETP_ERROR_ENOSUPPORTEDPROTOCOLS 2

/**
 * ETP error code: the message type is invalid for its protocol.
 */
#define EPP_ETP_ERROR_EINVALID_MESSAGETYPE 3

/**
 * ETP error code: the agent does not support the protocol of a message.
 */
#define EPP_ETP_ERROR_EUNSUPPORTED_PROTOCOL 4

/**
 * ETP error code: a logically invalid argument (libepp also sends it for
 * a body that does not decode).
 */
#define EPP_ETP_ERROR_EINVALID_ARGUMENT 5

/**
 * ETP error code: permission denied.
 */
#define EPP_ETP_ERROR_EPERMISSION_DENIED 6

/**
 * ETP error code: the operation is not supported.
 */
#define EPP_ETP_ERROR_ENOTSUPPORTED 7

/**
 * ETP error code: the message is not allowed in the protocol's current
 * state.
 */
#define EPP_ETP_ERROR_EINVALID_STATE 8

/**
 * ETP error code: the URI does not exist.
 */
#define EPP_ETP_ERROR_EINVALID_URI 9

/**
 * ETP error code: the security token expired.
 */
#define EPP_ETP_ERROR_EEXPIRED_TOKEN 10

/**
 * ETP error code: a resource was not found.
 */
#define EPP_ETP_ERROR_ENOT_FOUND 11

/**
 * A buffer of this many bytes always holds the description that
 * `epp_result_describe` writes, terminating NUL included.
 */
#define EPP_RESULT_DESCRIBE_MAX 128

/**
 * `epp_session_get_next_timeout` writes this when no timer runs.
 */
#define EPP_TIMEOUT_NONE UINT64_MAX

/**
 * The major version of the libepp this header belongs to.
 */
#define EPP_VERSION_MAJOR 0

/**
 * The minor version of the libepp this header belongs to.
 */
#define EPP_VERSION_MINOR 6

/**
 * The patch version of the libepp this header belongs to.
 */
#define EPP_VERSION_PATCH 0

/**
 * What a call did. `EPP_RESULT_OK` is zero; every other value is a failure,
 * and out-parameters are left untouched.
 *
 * Values are explicit and never reused: a value that is retired stays
 * reserved, and new values are only ever added. 1 to 99 report misuse of
 * the C API itself, 100 to 199 configuration errors, 200 to 299 session
 * errors (a call the session could not carry out), 300 to 399 errors of
 * client sessions (a command the client session refused; a client session
 * also reports `EPP_RESULT_SESSION_CLOSED` and `EPP_RESULT_INVALID_XML`).
 * Protocol errors of the EPP peer are never an `epp_result`: the server
 * session answers them on the wire itself, and a client session closes
 * with a reason.
 */
enum epp_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  EPP_RESULT_OK = 0,
  /**
   * A Rust panic was caught at the API boundary. If the call was given a
   * session, that session is poisoned: every later call on it, except
   * `epp_session_get_last_error` and `epp_session_free` (for an ETP
   * session, `epp_etp_session_get_last_error` and
   * `epp_etp_session_free`), returns `EPP_RESULT_PANIC`. Free it and
   * drop the connection. Panics are bugs in libepp; please report them.
   */
  EPP_RESULT_PANIC = 1,
  /**
   * A pointer argument that must not be NULL was NULL.
   */
  EPP_RESULT_NULL_PARAMETER = 2,
  /**
   * A length is larger than `PTRDIFF_MAX`, or larger than the data it
   * counts (`epp_session_consume_output`).
   */
  EPP_RESULT_INVALID_LENGTH = 3,
  /**
   * The caller's buffer is too small for the result; nothing was written.
   */
  EPP_RESULT_INSUFFICIENT_SIZE = 4,
  /**
   * A string argument is not valid UTF-8.
   */
  EPP_RESULT_INVALID_UTF8 = 5,
  /**
   * An argument is outside its documented set of values (an unknown
   * enumeration value or flag, an EPP result code RFC 5730 does not
   * define, a number out of range, a misaligned out-pointer or array).
   */
  EPP_RESULT_INVALID_ARGUMENT = 6,
  /**
   * An index is not below the matching count.
   */
  EPP_RESULT_INDEX_OUT_OF_RANGE = 7,
  /**
   * The item asked for does not exist for this object: a request getter
   * used on a request of another kind, a close detail of a session that
   * is open or ended for a reason without that detail, a DCP recDesc
   * with no statement to add it to, an ETP capability with no protocol
   * to add it to, an ETP message to consume when none is pending.
   */
  EPP_RESULT_NOT_APPLICABLE = 8,
  /**
   * `epp_config_builder_build` refused the configuration;
   * `epp_config_builder_get_last_error` says why.
   */
  EPP_RESULT_INVALID_CONFIG = 100,
  /**
   * The session processes no more input or answers (sticky).
   */
  EPP_RESULT_SESSION_CLOSED = 200,
  /**
   * This session never issued a request with this id (a request already
   * answered is `EPP_RESULT_ALREADY_ANSWERED`).
   */
  EPP_RESULT_UNKNOWN_REQUEST = 201,
  /**
   * The answer does not fit the request (for example a poll answer to a
   * login).
   */
  EPP_RESULT_WRONG_ANSWER = 202,
  /**
   * XML the host passed through (a value, resData, extension; for a
   * client session, a command's object or extension XML) is not a
   * well-formed sequence of namespaced elements.
   */
  EPP_RESULT_INVALID_XML = 203,
  /**
   * Another part of the answer is unacceptable (for example a language
   * tag).
   */
  EPP_RESULT_INVALID_ANSWER = 204,
  /**
   * The request with this id was already answered (in a session that
   * has ended, answers are `EPP_RESULT_SESSION_CLOSED` instead).
   */
  EPP_RESULT_ALREADY_ANSWERED = 205,
  /**
   * Input was fed after `epp_session_handle_eof` (or
   * `epp_etp_session_handle_eof`); nothing was taken.
   */
  EPP_RESULT_INPUT_AFTER_EOF = 206,
  /**
   * The session could not handle a frame now and holding the input fed
   * would exceed `EPP_LIMIT_MAX_BUFFERED_INPUT`; nothing was taken. The
   * host read on although `epp_session_wants_input` said false. (For an
   * ETP session: a message, `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT`,
   * `epp_etp_session_wants_input`.)
   */
  EPP_RESULT_INPUT_BUFFER_FULL = 207,
  /**
   * Client sessions: the command cannot be sent in the session's state
   * (before the greeting, a second login, a command before login or
   * after logout...); nothing was sent.
   */
  EPP_RESULT_WRONG_STATE = 300,
  /**
   * Client sessions: a service the configuration requires is not in the
   * server's greeting; the login was not sent.
   */
  EPP_RESULT_SERVICE_NOT_OFFERED = 301,
  /**
   * Client sessions: none of the wanted objURIs is in the server's
   * greeting; the login was not sent.
   */
  EPP_RESULT_NO_OBJECT_SERVICE = 302,
  /**
   * Client sessions: the greeting does not offer EPP version 1.0; the
   * login was not sent.
   */
  EPP_RESULT_VERSION_NOT_OFFERED = 303,
  /**
   * Client sessions: the greeting does not offer the configured
   * language; the login was not sent.
   */
  EPP_RESULT_LANGUAGE_NOT_OFFERED = 304,
  /**
   * Client sessions: a password (or new password) longer than 16
   * characters, and the greeting does not offer RFC 8807 login security;
   * the login was not sent.
   */
  EPP_RESULT_PASSWORD_TOO_LONG = 305,
  /**
   * Client sessions: the command uses an object or extension namespace
   * the session did not log in with; nothing was sent.
   */
  EPP_RESULT_NOT_LOGGED_IN_WITH = 306,
  /**
   * Client sessions: a part of the command other than its XML is not
   * acceptable (a clTRID, a message id, a transfer without its op, a
   * hello with a clTRID...); nothing was sent.
   */
  EPP_RESULT_INVALID_COMMAND = 307,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_result epp_result;
#else
typedef uint32_t epp_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Where a client session is.
 */
enum epp_client_state
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Connected; the server's greeting has not come.
   */
  EPP_CLIENT_STATE_AWAITING_GREETING = 1,
  /**
   * Greeting received, not logged in (also after a failed login).
   */
  EPP_CLIENT_STATE_GREETING_RECEIVED = 2,
  /**
   * A login is in flight.
   */
  EPP_CLIENT_STATE_LOGIN_SENT = 3,
  /**
   * Logged in.
   */
  EPP_CLIENT_STATE_LOGGED_IN = 4,
  /**
   * A logout is in flight (or waits for room); no more commands.
   */
  EPP_CLIENT_STATE_LOGOUT_SENT = 5,
  /**
   * The server said it ends the session (1500 or 25xx): nothing more is
   * sent; the session waits for the server to close the connection (or
   * for the response deadline). The host may close it now.
   */
  EPP_CLIENT_STATE_CLOSING = 6,
  /**
   * Over: close the connection.
   */
  EPP_CLIENT_STATE_CLOSED = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_client_state epp_client_state;
#else
typedef uint32_t epp_client_state;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a client session ended.
 */
enum epp_client_close_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The session has not ended.
   */
  EPP_CLIENT_CLOSE_REASON_NONE = 0,
  /**
   * The server answered 1500 (normally to `<logout>`).
   */
  EPP_CLIENT_CLOSE_REASON_LOGOUT = 1,
  /**
   * The server answered with a 25xx code and closes the connection.
   * Detail: `EPP_CLOSE_DETAIL_RESULT_CODE`.
   */
  EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING = 2,
  /**
   * The server closed the connection between frames.
   */
  EPP_CLIENT_CLOSE_REASON_PEER_CLOSED = 3,
  /**
   * The server closed the connection inside a frame. Detail:
   * `EPP_CLOSE_DETAIL_BYTES_RECEIVED`.
   */
  EPP_CLIENT_CLOSE_REASON_PEER_CLOSED_MID_FRAME = 4,
  /**
   * The server sent something that is not EPP as expected; the
   * protocol error getter says what.
   */
  EPP_CLIENT_CLOSE_REASON_PROTOCOL = 5,
  /**
   * No greeting came within the response deadline.
   */
  EPP_CLIENT_CLOSE_REASON_GREETING_OVERDUE = 6,
  /**
   * A response did not come within the response deadline. Detail:
   * `EPP_CLOSE_DETAIL_COMMAND_ID`.
   */
  EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE = 7,
  /**
   * The host closed the session (`epp_client_session_close`).
   */
  EPP_CLIENT_CLOSE_REASON_HOST = 8,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_client_close_reason epp_client_close_reason;
#else
typedef uint32_t epp_client_close_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What was wrong with the server's input, when a client session closed
 * with `EPP_CLIENT_CLOSE_REASON_PROTOCOL`.
 */
enum epp_client_protocol_error
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The session did not close for a protocol error.
   */
  EPP_CLIENT_PROTOCOL_ERROR_NONE = 0,
  /**
   * A frame header announced a length outside 5 to the maximum frame
   * size. Details: `EPP_CLOSE_DETAIL_FRAME_LENGTH`,
   * `EPP_CLOSE_DETAIL_FRAME_LIMIT`.
   */
  EPP_CLIENT_PROTOCOL_ERROR_BAD_FRAME_LENGTH = 1,
  /**
   * A frame is not well-formed XML, or not an EPP greeting or response
   * (the close reason text says why).
   */
  EPP_CLIENT_PROTOCOL_ERROR_MALFORMED = 2,
  /**
   * A response came where a greeting was due.
   */
  EPP_CLIENT_PROTOCOL_ERROR_GREETING_EXPECTED = 3,
  /**
   * A greeting came where the answer to another command was due.
   * Detail: `EPP_CLOSE_DETAIL_COMMAND_KIND`.
   */
  EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING = 4,
  /**
   * A greeting or response came with no command outstanding.
   */
  EPP_CLIENT_PROTOCOL_ERROR_UNSOLICITED = 5,
  /**
   * A response's clTRID is not the clTRID of the command it answers:
   * `epp_client_event_get_close_expected_cl_trid` and
   * `epp_client_event_get_close_received_cl_trid`.
   */
  EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_client_protocol_error epp_client_protocol_error;
#else
typedef uint32_t epp_client_protocol_error;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What kind of command an `epp_client_command` is (and what
 * `epp_client_session_send` sends). Values are never reused; new kinds
 * are added at the end.
 */
enum epp_client_command_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * `<hello>`: answered by a greeting. It has no clTRID.
   */
  EPP_CLIENT_COMMAND_KIND_HELLO = 1,
  /**
   * `<login>`.
   */
  EPP_CLIENT_COMMAND_KIND_LOGIN = 2,
  /**
   * `<logout>`.
   */
  EPP_CLIENT_COMMAND_KIND_LOGOUT = 3,
  /**
   * `<poll op="req">`.
   */
  EPP_CLIENT_COMMAND_KIND_POLL_REQUEST = 4,
  /**
   * `<poll op="ack" msgID>`.
   */
  EPP_CLIENT_COMMAND_KIND_POLL_ACK = 5,
  /**
   * `<check>` around an object element.
   */
  EPP_CLIENT_COMMAND_KIND_CHECK = 6,
  /**
   * `<info>`.
   */
  EPP_CLIENT_COMMAND_KIND_INFO = 7,
  /**
   * `<create>`.
   */
  EPP_CLIENT_COMMAND_KIND_CREATE = 8,
  /**
   * `<update>`.
   */
  EPP_CLIENT_COMMAND_KIND_UPDATE = 9,
  /**
   * `<delete>`.
   */
  EPP_CLIENT_COMMAND_KIND_DELETE = 10,
  /**
   * `<renew>`.
   */
  EPP_CLIENT_COMMAND_KIND_RENEW = 11,
  /**
   * `<transfer op>`.
   */
  EPP_CLIENT_COMMAND_KIND_TRANSFER = 12,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_client_command_kind epp_client_command_kind;
#else
typedef uint32_t epp_client_command_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What an `epp_client_event` is; it says which getters apply. Values are
 * never reused; new kinds are added at the end.
 */
enum epp_client_event_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A greeting: the connection's first frame, or the answer to a
   * `<hello>` (`epp_client_event_get_command` gives the hello, NULL for
   * the first). Getters: the `epp_client_event_get_greeting_*` ones.
   */
  EPP_CLIENT_EVENT_KIND_GREETING = 1,
  /**
   * The answer to a `<login>`. Getters: command, the response getters,
   * and on 1000 the services now in force
   * (`epp_client_event_has_services` and the `_get_service_*` ones).
   */
  EPP_CLIENT_EVENT_KIND_LOGIN = 2,
  /**
   * The response to a command other than hello and login, matched to it
   * in order. Getters: command and the response getters.
   */
  EPP_CLIENT_EVENT_KIND_RESPONSE = 3,
  /**
   * The session sent a `<hello>` of its own after the keep-alive
   * interval without traffic; its greeting comes as a greeting event.
   * Getter: command.
   */
  EPP_CLIENT_EVENT_KIND_KEEP_ALIVE = 4,
  /**
   * A response did not come within the response deadline; a closed
   * event follows. Getter: command (the command still waiting).
   */
  EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE = 5,
  /**
   * The session ended (or is ending: after 1500 or 25xx it waits for the
   * server to close the connection). Comes once; no event follows it.
   * Getters: close reason, protocol error, close detail, clTRIDs of a
   * mismatch, close reason text, unanswered commands.
   */
  EPP_CLIENT_EVENT_KIND_CLOSED = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_client_event_kind epp_client_event_kind;
#else
typedef uint32_t epp_client_event_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Where an ETP session is, as the host sees it.
 */
enum epp_etp_session_state
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Waiting for RequestSession.
   */
  EPP_ETP_SESSION_STATE_AWAITING_REQUEST = 1,
  /**
   * OpenSession sent: the session is open.
   */
  EPP_ETP_SESSION_STATE_OPEN = 2,
  /**
   * No more input is processed; messages already sent are still to be
   * taken.
   */
  EPP_ETP_SESSION_STATE_CLOSING = 3,
  /**
   * Nothing more will be sent: close the WebSocket.
   */
  EPP_ETP_SESSION_STATE_CLOSED = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_etp_session_state epp_etp_session_state;
#else
typedef uint32_t epp_etp_session_state;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why an ETP session ended.
 */
enum epp_etp_close_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The session has not ended.
   */
  EPP_ETP_CLOSE_REASON_NONE = 0,
  /**
   * The client sent CloseSession.
   */
  EPP_ETP_CLOSE_REASON_CLIENT_CLOSED = 1,
  /**
   * The server supports none of the requested protocols
   * (ProtocolException ENOSUPPORTEDPROTOCOLS, then CloseSession).
   */
  EPP_ETP_CLOSE_REASON_NO_SUPPORTED_PROTOCOLS = 2,
  /**
   * The host ended the session with CloseSession
   * (`epp_etp_session_close_session`).
   */
  EPP_ETP_CLOSE_REASON_HOST_CLOSED_SESSION = 3,
  /**
   * The peer closed the WebSocket (`epp_etp_session_handle_eof`).
   */
  EPP_ETP_CLOSE_REASON_PEER_CLOSED = 4,
  /**
   * The host closed the session without a message
   * (`epp_etp_session_close`).
   */
  EPP_ETP_CLOSE_REASON_HOST = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_etp_close_reason epp_etp_close_reason;
#else
typedef uint32_t epp_etp_close_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What kind of item an `epp_etp_request` is; it says which getters apply.
 * Values are never reused; new kinds are added at the end (give a
 * `switch` on the kind a `default`). Only `EPP_ETP_REQUEST_KIND_MESSAGE`
 * and `EPP_ETP_REQUEST_KIND_RENEW_TOKEN` take an answer (they have an
 * id); the others are news.
 */
enum epp_etp_request_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The session opened (OpenSession was sent). Getters: header (of the
   * RequestSession), application name and version (the client's),
   * protocols (those negotiated, as sent in OpenSession), supported
   * objects (the client's).
   */
  EPP_ETP_REQUEST_KIND_OPENED = 1,
  /**
   * A message of a negotiated protocol, for the host to decode and
   * answer: `epp_etp_session_respond`, `epp_etp_session_raise` or
   * `epp_etp_session_finish`. Getters: id, header, body.
   */
  EPP_ETP_REQUEST_KIND_MESSAGE = 2,
  /**
   * The client sent RenewSecurityToken: `epp_etp_session_finish`
   * accepts the token, `epp_etp_session_raise` refuses it (for example
   * with `EPP_ETP_ERROR_EEXPIRED_TOKEN`). Getters: id, header, token.
   */
  EPP_ETP_REQUEST_KIND_RENEW_TOKEN = 3,
  /**
   * The client sent a Core ProtocolException. Getters: header, error
   * code, error message.
   */
  EPP_ETP_REQUEST_KIND_PEER_EXCEPTION = 4,
  /**
   * The client sent a Core Acknowledge. Getters: header.
   */
  EPP_ETP_REQUEST_KIND_ACKNOWLEDGED = 5,
  /**
   * The session ended (or is ending): no more requests will come; take
   * the remaining output and close the WebSocket once
   * `epp_etp_session_is_finished`. Getters: close reason, close message
   * (the client's CloseSession reason), close reason text.
   */
  EPP_ETP_REQUEST_KIND_SESSION_END = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_etp_request_kind epp_etp_request_kind;
#else
typedef uint32_t epp_etp_request_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What kind of request an `epp_request` is; it says which getters apply.
 * Values are never reused; new kinds are added at the end. Every kind but
 * `EPP_REQUEST_KIND_SESSION_END` takes an answer, and
 * `epp_session_answer_failure` fits them all.
 */
enum epp_request_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A `<login>` that passed every protocol check: authenticate it and
   * answer with `epp_session_answer_login` (or
   * `epp_session_answer_login_with_events`). Getters: id, client id,
   * password, new password, lang, objURIs, extURIs, extension XML,
   * clTRID, svTRID, user agent (app, tech, os).
   */
  EPP_REQUEST_KIND_LOGIN = 1,
  /**
   * `<poll op="req">`: answer with `epp_session_answer_poll_empty` or
   * `epp_session_answer_poll_message`. Getters: id, client id, extension
   * XML, clTRID, svTRID.
   */
  EPP_REQUEST_KIND_POLL = 2,
  /**
   * `<poll op="ack" msgID>`: answer with `epp_session_answer_ack` or
   * `epp_session_answer_ack_unknown`. Getters: id, client id, message id,
   * extension XML, clTRID, svTRID.
   */
  EPP_REQUEST_KIND_POLL_ACK = 3,
  /**
   * An object command (check, info, create...): answer with
   * `epp_session_answer_command`. Getters: id, client id, verb, transfer
   * op, object URI, object XML, extURIs, extension XML, clTRID, svTRID.
   */
  EPP_REQUEST_KIND_COMMAND = 4,
  /**
   * The session processes no more input. Needs no answer: write the
   * remaining output and close the connection once
   * `epp_session_is_finished` says so. Getters: close reason, close
   * detail, close reason text.
   */
  EPP_REQUEST_KIND_SESSION_END = 5,
  /**
   * A protocol extension (RFC 3735: `<epp><extension>`, a command
   * outside `<command>`) whose every element's namespace the client
   * logged in with: answer with `epp_session_answer_command` (or
   * `epp_session_answer_failure`). Getters: id, client id, extURIs (the
   * namespace of each element, in order), extension XML (the elements,
   * never absent), svTRID. It has no EPP clTRID (a transaction id, if any, is
   * the extension's own): `epp_request_get_client_transaction_id` is
   * `EPP_RESULT_NOT_APPLICABLE`.
   */
  EPP_REQUEST_KIND_EXTENSION = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_request_kind epp_request_kind;
#else
typedef uint32_t epp_request_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The verb of an object command.
 */
enum epp_command_verb
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * `<check>`.
   */
  EPP_COMMAND_VERB_CHECK = 1,
  /**
   * `<info>`.
   */
  EPP_COMMAND_VERB_INFO = 2,
  /**
   * `<create>`.
   */
  EPP_COMMAND_VERB_CREATE = 3,
  /**
   * `<update>`.
   */
  EPP_COMMAND_VERB_UPDATE = 4,
  /**
   * `<delete>`.
   */
  EPP_COMMAND_VERB_DELETE = 5,
  /**
   * `<renew>`.
   */
  EPP_COMMAND_VERB_RENEW = 6,
  /**
   * `<transfer>`.
   */
  EPP_COMMAND_VERB_TRANSFER = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_command_verb epp_command_verb;
#else
typedef uint32_t epp_command_verb;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The `op` of a `<transfer>` command.
 */
enum epp_transfer_op
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The command is not a transfer.
   */
  EPP_TRANSFER_OP_NONE = 0,
  /**
   * `op="request"`.
   */
  EPP_TRANSFER_OP_REQUEST = 1,
  /**
   * `op="approve"`.
   */
  EPP_TRANSFER_OP_APPROVE = 2,
  /**
   * `op="cancel"`.
   */
  EPP_TRANSFER_OP_CANCEL = 3,
  /**
   * `op="query"`.
   */
  EPP_TRANSFER_OP_QUERY = 4,
  /**
   * `op="reject"`.
   */
  EPP_TRANSFER_OP_REJECT = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_transfer_op epp_transfer_op;
#else
typedef uint32_t epp_transfer_op;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a session ended.
 */
enum epp_close_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The session has not ended.
   */
  EPP_CLOSE_REASON_NONE = 0,
  /**
   * The client sent `<logout>`.
   */
  EPP_CLOSE_REASON_LOGOUT = 1,
  /**
   * The client did not log in before the login deadline.
   */
  EPP_CLOSE_REASON_LOGIN_DEADLINE = 2,
  /**
   * No frame arrived for the idle timeout.
   */
  EPP_CLOSE_REASON_IDLE_TIMEOUT = 3,
  /**
   * A frame length could not be accepted (2500 was sent). Details:
   * `EPP_CLOSE_DETAIL_FRAME_LENGTH`, `EPP_CLOSE_DETAIL_FRAME_LIMIT`.
   */
  EPP_CLOSE_REASON_BAD_FRAME_LENGTH = 4,
  /**
   * The peer closed its side between frames.
   */
  EPP_CLOSE_REASON_PEER_CLOSED = 5,
  /**
   * The peer closed its side inside a frame. Detail:
   * `EPP_CLOSE_DETAIL_BYTES_RECEIVED`.
   */
  EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME = 6,
  /**
   * Too many failed logins (2501 was sent).
   */
  EPP_CLOSE_REASON_TOO_MANY_FAILED_LOGINS = 7,
  /**
   * The registrar is over its session limit (2502 was sent).
   */
  EPP_CLOSE_REASON_SESSION_LIMIT_EXCEEDED = 8,
  /**
   * The host answered with a 25xx code, which closes the session.
   * Detail: `EPP_CLOSE_DETAIL_RESULT_CODE`.
   */
  EPP_CLOSE_REASON_CLOSING_RESPONSE = 9,
  /**
   * The host closed the session (`epp_session_close`).
   */
  EPP_CLOSE_REASON_HOST = 10,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_close_reason epp_close_reason;
#else
typedef uint32_t epp_close_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Where a session is, as the host sees it.
 */
enum epp_session_state
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Connected, greeting sent, not logged in.
   */
  EPP_SESSION_STATE_AWAITING_LOGIN = 1,
  /**
   * A login is with the host; input waits until it is answered.
   */
  EPP_SESSION_STATE_LOGIN_PENDING = 2,
  /**
   * Logged in.
   */
  EPP_SESSION_STATE_LOGGED_IN = 3,
  /**
   * No more input is processed; responses still pending are written.
   */
  EPP_SESSION_STATE_CLOSING = 4,
  /**
   * Nothing more will be written: close the connection.
   */
  EPP_SESSION_STATE_CLOSED = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum epp_session_state epp_session_state;
#else
typedef uint32_t epp_session_state;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A command a client session took (`SentCommand`): its id, kind, the
 * caller's tag, its clTRID and when it was written. Handed out by the
 * command calls (`epp_client_session_send` and the shortcuts: owned, free
 * it with `epp_client_command_free`) and by event getters
 * (`epp_client_event_get_command`, `epp_client_event_get_unanswered`:
 * borrowed from the event, valid until the event is freed, never freed by
 * the caller).
 */
typedef struct epp_client_command epp_client_command;

/**
 * A validated client configuration (credentials, wanted services,
 * limits): immutable, shared by any number of client sessions
 * (`epp_client_session_new`) on any number of threads at the same time.
 * Each session keeps its own reference, so the config may be freed while
 * sessions made from it live on.
 */
typedef struct epp_client_config epp_client_config;

/**
 * A client configuration being built: made by
 * `epp_client_config_builder_new` with the credentials, filled by the
 * `epp_client_config_builder_*` setters, turned into an
 * `epp_client_config` by `epp_client_config_builder_build` (which may be
 * called more than once), freed by `epp_client_config_builder_free`. Use
 * it from one thread at a time.
 */
typedef struct epp_client_config_builder epp_client_config_builder;

/**
 * What `epp_client_session_poll_queue` hands out: the greeting, a login
 * result, a response matched to its command, a keep-alive, an overdue
 * response, or the end of the session. It owns its data, independent of
 * the session: strings and commands it hands out stay valid until it is
 * freed with `epp_client_event_free`.
 */
typedef struct epp_client_event epp_client_event;

/**
 * One EPP client session (the registrar's side) on one connection to a
 * server, without any I/O: made by `epp_client_session_new` once the
 * connection is up, freed by `epp_client_session_free`.
 *
 * May move between threads but must be used by one thread at a time.
 */
typedef struct epp_client_session epp_client_session;

/**
 * A validated server configuration: plain immutable data, run by one or
 * more `epp_server`s (`epp_server_new`).
 *
 * Immutable: any number of threads may use one `epp_config` at the same
 * time. Each server keeps its own reference, so the config may be freed
 * while servers made from it live on.
 */
typedef struct epp_config epp_config;

/**
 * A configuration being built: made by `epp_config_builder_new`, filled
 * by the `epp_config_builder_*` setters, turned into an `epp_config` by
 * `epp_config_builder_build` (which may be called more than once), freed
 * by `epp_config_builder_free`. Use it from one thread at a time.
 */
typedef struct epp_config_builder epp_config_builder;

/**
 * A validated ETP server configuration: immutable data shared by the
 * sessions made from it.
 *
 * Immutable: any number of threads may use one `epp_etp_config` at the
 * same time. Each session keeps its own reference, so the config may be
 * freed while its sessions live on.
 */
typedef struct epp_etp_config epp_etp_config;

/**
 * An ETP server configuration being built: made by
 * `epp_etp_config_builder_new`, filled by the `epp_etp_config_builder_*`
 * setters, turned into an `epp_etp_config` by
 * `epp_etp_config_builder_build` (which may be called more than once),
 * freed by `epp_etp_config_builder_free`. Use it from one thread at a
 * time.
 */
typedef struct epp_etp_config_builder epp_etp_config_builder;

/**
 * An item of an ETP session's queue, taken by `epp_etp_session_poll_queue`:
 * a request to answer or news. It owns its data, independent of the
 * session: what it hands out stays valid until it is freed with
 * `epp_etp_request_free`. Answer it through the session, naming its id
 * (`epp_etp_request_get_id`); freeing it does not answer it.
 */
typedef struct epp_etp_request epp_etp_request;

/**
 * One ETP 1.1 server session on one WebSocket, without any I/O: made by
 * `epp_etp_session_new` once the WebSocket is upgraded (and the client
 * authenticated, as the host sees fit), freed by `epp_etp_session_free`
 * once it is closed.
 *
 * A session may move between threads but must be used by one thread at a
 * time (no call on a session may overlap another call on the same
 * session).
 */
typedef struct epp_etp_session epp_etp_session;

/**
 * A queued service message for `epp_session_answer_poll_message`. Made by
 * `epp_poll_message_new`, read (not consumed) by the answer, freed by
 * `epp_poll_message_free`. Use it from one thread at a time.
 */
typedef struct epp_poll_message epp_poll_message;

/**
 * Counts logged-in sessions per registrar (clID) across every session and
 * thread of a server, to refuse logins past a per-registrar limit with
 * 2502. Thread-safe: any number of threads and sessions may use one at the
 * same time. Attach it to a server with `epp_server_new` (several servers
 * may share one); servers keep their own reference, so it may be freed
 * while they live on.
 */
typedef struct epp_registrar_sessions epp_registrar_sessions;

/**
 * A request the host must decide, taken from a session's queue by
 * `epp_session_poll_queue`. It owns its data, independent of the session:
 * strings it hands out stay valid until it is freed with
 * `epp_request_free`. Answer it through the session, naming its id
 * (`epp_request_get_id`); freeing it does not answer it.
 */
typedef struct epp_request epp_request;

/**
 * A complete response to an object command or a protocol extension (or to
 * a poll or poll ack when the host wants full control), built by the host:
 * one or more results, optional `<resData>` and `<extension>` content.
 * libepp adds the envelope and `<trID>` and applies the RFC 9038 rules.
 *
 * Made by `epp_response_new`, passed (by const pointer, not consumed) to
 * `epp_session_answer_command`, which copies what it needs: the caller
 * frees it with `epp_response_free` and may reuse it meanwhile. Use it
 * from one thread at a time.
 */
typedef struct epp_response epp_response;

/**
 * One RFC 8807 security event (`<loginSec:event>`) for a login response,
 * built by the host: a password or certificate about to expire, an
 * insecure cipher or TLS protocol, a statistic, a custom event. Made by
 * `epp_security_event_new`, filled by the `epp_security_event_set_*`
 * setters, passed (by const pointer, not consumed) to
 * `epp_session_answer_login_with_events`, freed by
 * `epp_security_event_free`. Use it from one thread at a time.
 */
typedef struct epp_security_event epp_security_event;

/**
 * One running server: its configuration and what its sessions share (the
 * svTRID generator, the optional registrar session counter). Made once by
 * `epp_server_new`, passed to every `epp_session_new`, freed by
 * `epp_server_free`.
 *
 * Thread-safe: any number of threads may use one `epp_server` at the same
 * time (make sessions from it on any thread). Each session keeps its own
 * reference, so the server may be freed while its sessions live on.
 */
typedef struct epp_server epp_server;

/**
 * One EPP session on one connection, without any I/O: made by
 * `epp_session_new` when a client connects, freed by `epp_session_free`
 * once the connection is closed.
 *
 * A session may move between threads but must be used by one thread at a
 * time (no call on a session may overlap another call on the same
 * session).
 */
typedef struct epp_session epp_session;

/**
 * One response the session wrote, for the host's audit log: taken by
 * `epp_session_poll_transaction` when the config keeps a transaction log
 * (`epp_config_builder_set_transaction_log`). It owns its data: strings it
 * hands out stay valid until it is freed with `epp_transaction_free`.
 */
typedef struct epp_transaction epp_transaction;

/**
 * Selects a number that comes with some close reasons: one of the
 * `EPP_CLOSE_DETAIL_*` values.
 */
typedef uint32_t epp_close_detail;

/**
 * Selects a limit for `epp_config_builder_set_limit`: one of the
 * `EPP_LIMIT_*` values.
 */
typedef uint32_t epp_limit;

/**
 * `<dcp><access>` of the greeting: one of the `EPP_DCP_ACCESS_*` values.
 */
typedef uint32_t epp_dcp_access;

/**
 * A set of `<dcp><statement><purpose>` members: `EPP_DCP_PURPOSE_*` flags
 * or-ed together.
 */
typedef uint32_t epp_dcp_purposes;

/**
 * A set of `<dcp><statement><recipient>` members: `EPP_DCP_RECIPIENT_*`
 * flags or-ed together.
 */
typedef uint32_t epp_dcp_recipients;

/**
 * `<dcp><statement><retention>`: one of the `EPP_DCP_RETENTION_*`
 * values.
 */
typedef uint32_t epp_dcp_retention;

/**
 * Selects a limit for `epp_etp_config_builder_set_limit`: one of the
 * `EPP_ETP_LIMIT_*` values.
 */
typedef uint32_t epp_etp_limit;

/**
 * An ETP `MessageHeader` (`Energistics.Datatypes.MessageHeader`).
 */
typedef struct {
  /**
   * The protocol the message belongs to.
   */
  int32_t protocol;
  /**
   * The message type within the protocol.
   */
  int32_t message_type;
  /**
   * The `messageId` of the message this one answers (0: none).
   */
  int64_t correlation_id;
  /**
   * The sender's id for this message.
   */
  int64_t message_id;
  /**
   * Bit flags (`EPP_ETP_FLAG_MULTI_PART`, `EPP_ETP_FLAG_FINAL_PART`...).
   */
  int32_t message_flags;
} epp_etp_message_header;

/**
 * An ETP protocol version (`Energistics.Datatypes.Version`).
 */
typedef struct {
  /**
   * Major.
   */
  int32_t major;
  /**
   * Minor.
   */
  int32_t minor;
  /**
   * Revision.
   */
  int32_t revision;
  /**
   * Patch.
   */
  int32_t patch;
} epp_etp_version;

/**
 * The `type` of a security event: one of the `EPP_SECURITY_EVENT_TYPE_*`
 * values.
 */
typedef uint32_t epp_security_event_type;

/**
 * The `level` of a security event: one of the `EPP_SECURITY_EVENT_LEVEL_*`
 * values.
 */
typedef uint32_t epp_security_event_level;

/**
 * How the host decided a login: one of the `EPP_LOGIN_ANSWER_*` values.
 */
typedef uint32_t epp_login_answer;

/**
 * Largest frame accepted, header included, in bytes (default 262144). A
 * larger announced length is answered 2500 and the session closes.
 */
#define EPP_LIMIT_MAX_FRAME_SIZE 1

/**
 * Commands read but not yet answered (default 32); past it the session
 * takes no more input until responses drain.
 */
#define EPP_LIMIT_MAX_IN_FLIGHT 2

/**
 * Bytes of output not yet consumed past which the session takes no more
 * input (default 1048576; at least the maximum frame size).
 */
#define EPP_LIMIT_MAX_PENDING_OUTPUT 3

/**
 * Failed logins in one connection; the one that reaches it is answered
 * 2501 and the session closes (default 3).
 */
#define EPP_LIMIT_MAX_FAILED_LOGINS 4

/**
 * Milliseconds from connection to a successful login (default 60000).
 */
#define EPP_LIMIT_LOGIN_DEADLINE_MS 5

/**
 * Milliseconds without a frame from the client (default 600000).
 */
#define EPP_LIMIT_IDLE_TIMEOUT_MS 6

/**
 * XML element nesting depth (default 64).
 */
#define EPP_LIMIT_MAX_XML_DEPTH 7

/**
 * Attributes on one XML element (default 32).
 */
#define EPP_LIMIT_MAX_XML_ATTRIBUTES 8

/**
 * Bytes in one XML text node or attribute value (default 65536).
 */
#define EPP_LIMIT_MAX_XML_TEXT 9

/**
 * Bytes fed and not yet handled that a session holds (default 524288; at
 * least the maximum frame size). While `epp_session_wants_input` says
 * false the host should stop reading; a feed made then that would hold
 * more than this is refused whole with `EPP_RESULT_INPUT_BUFFER_FULL`. (A
 * feed made while the session wants input is always taken, so what is
 * held stays within this plus one read.)
 */
#define EPP_LIMIT_MAX_BUFFERED_INPUT 10

/**
 * `<all/>` (the default).
 */
#define EPP_DCP_ACCESS_ALL 1

/**
 * `<none/>`.
 */
#define EPP_DCP_ACCESS_NONE 2

/**
 * `<null/>`.
 */
#define EPP_DCP_ACCESS_NULL 3

/**
 * `<other/>`.
 */
#define EPP_DCP_ACCESS_OTHER 4

/**
 * `<personal/>`.
 */
#define EPP_DCP_ACCESS_PERSONAL 5

/**
 * `<personalAndOther/>`.
 */
#define EPP_DCP_ACCESS_PERSONAL_AND_OTHER 6

/**
 * `<admin/>`.
 */
#define EPP_DCP_PURPOSE_ADMIN 1

/**
 * `<contact/>`.
 */
#define EPP_DCP_PURPOSE_CONTACT 2

/**
 * `<other/>`.
 */
#define EPP_DCP_PURPOSE_OTHER 4

/**
 * `<prov/>`.
 */
#define EPP_DCP_PURPOSE_PROV 8

/**
 * `<other/>`.
 */
#define EPP_DCP_RECIPIENT_OTHER 1

/**
 * `<ours/>` without a `<recDesc>` (see
 * `epp_config_builder_add_dcp_ours_description` for one with).
 */
#define EPP_DCP_RECIPIENT_OURS 2

/**
 * `<public/>`.
 */
#define EPP_DCP_RECIPIENT_PUBLIC 4

/**
 * `<same/>`.
 */
#define EPP_DCP_RECIPIENT_SAME 8

/**
 * `<unrelated/>`.
 */
#define EPP_DCP_RECIPIENT_UNRELATED 16

/**
 * `<business/>`.
 */
#define EPP_DCP_RETENTION_BUSINESS 1

/**
 * `<indefinite/>`.
 */
#define EPP_DCP_RETENTION_INDEFINITE 2

/**
 * `<legal/>`.
 */
#define EPP_DCP_RETENTION_LEGAL 3

/**
 * `<none/>`.
 */
#define EPP_DCP_RETENTION_NONE 4

/**
 * `<stated/>`.
 */
#define EPP_DCP_RETENTION_STATED 5

/**
 * Requests handed to the host and not yet finished (default 32); past it
 * the session takes no more input until the host answers.
 */
#define EPP_ETP_LIMIT_MAX_IN_FLIGHT 1

/**
 * Bytes of output not yet consumed past which the session takes no more
 * input (default 1048576).
 */
#define EPP_ETP_LIMIT_MAX_PENDING_OUTPUT 2

/**
 * Bytes of messages fed while the session could not take them that it
 * holds (default 1048576). A host that reads only while
 * `epp_etp_session_wants_input` says true never reaches it; a message
 * that would go past it is refused whole with
 * `EPP_RESULT_INPUT_BUFFER_FULL`.
 */
#define EPP_ETP_LIMIT_MAX_BUFFERED_INPUT 3

/**
 * `EPP_CLOSE_REASON_BAD_FRAME_LENGTH`: the length the client announced.
 */
#define EPP_CLOSE_DETAIL_FRAME_LENGTH 1

/**
 * `EPP_CLOSE_REASON_BAD_FRAME_LENGTH`: the largest length accepted.
 */
#define EPP_CLOSE_DETAIL_FRAME_LIMIT 2

/**
 * `EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME`: bytes of the unfinished frame
 * received, header included.
 */
#define EPP_CLOSE_DETAIL_BYTES_RECEIVED 3

/**
 * `EPP_CLOSE_REASON_CLOSING_RESPONSE`: the 25xx result code (and the
 * client's `EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING`).
 */
#define EPP_CLOSE_DETAIL_RESULT_CODE 4

/**
 * Client sessions only, `EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE`: the id
 * of the command whose response did not come.
 */
#define EPP_CLOSE_DETAIL_COMMAND_ID 5

/**
 * Client sessions only, `EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING`:
 * the kind (an `epp_client_command_kind` value) of the command the
 * greeting came in answer to.
 */
#define EPP_CLOSE_DETAIL_COMMAND_KIND 6

/**
 * `password`: the password expires (or expired) at the exDate, which must
 * be set (`epp_security_event_set_expires_at`).
 */
#define EPP_SECURITY_EVENT_TYPE_PASSWORD 1

/**
 * `certificate`: the client certificate expires (or expired) at the
 * exDate, which must be set.
 */
#define EPP_SECURITY_EVENT_TYPE_CERTIFICATE 2

/**
 * `cipher`: an insecure or deprecated TLS cipher suite (its name as the
 * value).
 */
#define EPP_SECURITY_EVENT_TYPE_CIPHER 3

/**
 * `tlsProtocol`: an insecure or deprecated TLS protocol (its name as the
 * value).
 */
#define EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL 4

/**
 * `newPW`: the new password does not meet the server's requirements.
 */
#define EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD 5

/**
 * `stat`: a statistic, named with `epp_security_event_set_name` (such as
 * "failedLogins"), its figure as the value, its period as the duration.
 */
#define EPP_SECURITY_EVENT_TYPE_STAT 6

/**
 * `custom`: a custom event, named with `epp_security_event_set_name`.
 */
#define EPP_SECURITY_EVENT_TYPE_CUSTOM 7

/**
 * `warning`: the client should act on it.
 */
#define EPP_SECURITY_EVENT_LEVEL_WARNING 1

/**
 * `error`: the event made the login fail.
 */
#define EPP_SECURITY_EVENT_LEVEL_ERROR 2

/**
 * Credentials accepted (and the new password set, if one was given):
 * 1000, and the session is logged in (or 2502 and close, when the
 * server's `epp_registrar_sessions` has no room for the registrar).
 */
#define EPP_LOGIN_ANSWER_ACCEPTED 1

/**
 * Credentials rejected: 2200, or 2501 and close when this failure reaches
 * `EPP_LIMIT_MAX_FAILED_LOGINS`.
 */
#define EPP_LOGIN_ANSWER_BAD_CREDENTIALS 2

/**
 * The account exists but may not log in: 2201.
 */
#define EPP_LOGIN_ANSWER_ACCOUNT_DISABLED 3

/**
 * The registrar has too many sessions: 2502, and close.
 */
#define EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED 4

/**
 * The host could not decide (database down...): 2400.
 */
#define EPP_LOGIN_ANSWER_FAILED 5

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Starts a client configuration for the registrar `client_id` (clID, 3 to
 * 16 characters) logging in with `password` (at least 6 characters; more
 * than 16 only where the server offers RFC 8807 login security), both
 * checked by `epp_client_config_builder_build`. Defaults: language "en",
 * 1 command in flight, a keep-alive `<hello>` after 300000 ms idle, a
 * response deadline of 60000 ms, clTRIDs the clID and "-" followed by a
 * sequence number, frames up to 16 MiB. At least one objURI must be
 * added. On success `*out_builder` receives a builder to free with
 * `epp_client_config_builder_free`.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_new(const char *client_id,
                                         size_t client_id_len,
                                         const char *password,
                                         size_t password_len,
                                         epp_client_config_builder **out_builder);

/**
 * Frees a client config builder (NULL is ignored).
 */
void epp_client_config_builder_free(epp_client_config_builder *builder);

/**
 * Sets a new password (`<newPW>`) for the login; it is in force once a
 * login answered 1000.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_new_password(epp_client_config_builder *builder,
                                                      const char *password,
                                                      size_t password_len);

/**
 * Sets the response language (`<options><lang>`, default "en"); the
 * greeting must offer it.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_lang(epp_client_config_builder *builder,
                                              const char *lang,
                                              size_t lang_len);

/**
 * Wants an object service (objURI), in order. With `required`, a login
 * to a server whose greeting does not offer it is refused
 * (`EPP_RESULT_SERVICE_NOT_OFFERED`); otherwise it is used when offered.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_add_object_uri(epp_client_config_builder *builder,
                                                    const char *uri,
                                                    size_t uri_len,
                                                    bool required);

/**
 * Wants an extension service (extURI), in order; `required` as for
 * `epp_client_config_builder_add_object_uri`.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_add_extension_uri(epp_client_config_builder *builder,
                                                       const char *uri,
                                                       size_t uri_len,
                                                       bool required);

/**
 * Sets how many commands may be written and unanswered at once (default
 * 1; at least 1). Commands given beyond it wait in the session and go out
 * as responses come back.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_max_in_flight(epp_client_config_builder *builder,
                                                       size_t max_in_flight);

/**
 * Sets the idle time in milliseconds after which a logged-in session with
 * nothing in flight sends a `<hello>` of its own (default 300000; more
 * than 0); `EPP_KEEP_ALIVE_NEVER` for never.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_keep_alive_ms(epp_client_config_builder *builder,
                                                       uint64_t interval_ms);

/**
 * Sets how long in milliseconds the server may take (default 60000; more
 * than 0): for the greeting from the start, for each response from the
 * later of its command's writing and the previous response, and for
 * closing the connection after 1500 or 25xx.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_response_deadline_ms(epp_client_config_builder *builder,
                                                              uint64_t deadline_ms);

/**
 * Sets the prefix of generated clTRIDs, which are the prefix followed by
 * a sequence number from 1 (2 to 44 characters without white space;
 * default: the clID and "-").
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_cl_trid_prefix(epp_client_config_builder *builder,
                                                        const char *prefix,
                                                        size_t prefix_len);

/**
 * Sets the largest frame accepted from the server, header included
 * (default 16777216; at least 1024).
 */
EPP_NODISCARD
epp_result epp_client_config_builder_set_max_frame_size(epp_client_config_builder *builder,
                                                        uint32_t max_frame_size);

/**
 * Validates the configuration and writes it to `*out_config` (free it
 * with `epp_client_config_free`). `EPP_RESULT_INVALID_CONFIG` when it is
 * not acceptable: `epp_client_config_builder_get_last_error` says why. The
 * builder stays usable.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_build(epp_client_config_builder *builder,
                                           epp_client_config **out_config);

/**
 * Why the last `epp_client_config_builder_build` on this builder failed;
 * (NULL, 0) when it succeeded or was never called. Valid until the next
 * call given this builder.
 */
EPP_NODISCARD
epp_result epp_client_config_builder_get_last_error(const epp_client_config_builder *builder,
                                                    const char **out_ptr,
                                                    size_t *out_len);

/**
 * Frees a client config (NULL is ignored). Sessions made from it keep
 * their own reference.
 */
void epp_client_config_free(epp_client_config *config);

/**
 * session-create: a client session of `config` for a connection made at
 * `now_ms` (Unix milliseconds, as every `now_ms`). Nothing is sent until
 * the greeting has come. On success `*out_session` receives a session to
 * free with `epp_client_session_free`.
 */
EPP_NODISCARD
epp_result epp_client_session_new(const epp_client_config *config,
                                  uint64_t now_ms,
                                  epp_client_session **out_session);

/**
 * Frees a client session (NULL is ignored), poisoned or not. Events and
 * commands taken from it stay valid.
 */
void epp_client_session_free(epp_client_session *session);

/**
 * feed-input: hands the session `len` bytes read from the server at
 * `now_ms`; it takes them all. Each whole frame is handled at once
 * (events queued, commands waiting for room written); an unfinished one
 * is held. While closing, input is dropped. Afterwards, take output and
 * poll the queue. `EPP_RESULT_SESSION_CLOSED` once the session is closed
 * (sticky; nothing was taken).
 */
EPP_NODISCARD
epp_result epp_client_session_feed_input(epp_client_session *session,
                                         const uint8_t *data,
                                         size_t len,
                                         uint64_t now_ms);

/**
 * Writes to `*out_wants` whether the host should read from the server:
 * true until the session is closed (while closing, input is read only to
 * see the connection end).
 */
EPP_NODISCARD
epp_result epp_client_session_wants_input(const epp_client_session *session,
                                          bool *out_wants);

/**
 * Writes to `*out_len` how many bytes of an unfinished frame the session
 * holds.
 */
EPP_NODISCARD
epp_result epp_client_session_get_buffered_input(const epp_client_session *session,
                                                 size_t *out_len);

/**
 * Tells the session the server closed the connection (read returned 0)
 * at `now_ms`. Before the session ends that closes it
 * (`EPP_CLIENT_CLOSE_REASON_PEER_CLOSED`, or `_PEER_CLOSED_MID_FRAME`
 * inside a frame); while closing it is the expected end.
 */
EPP_NODISCARD
epp_result epp_client_session_handle_eof(epp_client_session *session,
                                         uint64_t now_ms);

/**
 * Ends the session at the host's wish (`EPP_CLIENT_CLOSE_REASON_HOST`):
 * output not yet consumed is dropped; a closed event lists the commands
 * left unanswered.
 */
EPP_NODISCARD epp_result epp_client_session_close(epp_client_session *session);

/**
 * take-output: writes to `*out_ptr` and `*out_len` the bytes to write to
 * the server (`*out_len` is 0 when nothing is pending; `*out_ptr` is then
 * not to be read). The bytes belong to the session and stay valid until
 * the next call given this session. Write some or all, then call
 * `epp_client_session_consume_output` with the number written.
 */
EPP_NODISCARD
epp_result epp_client_session_take_output(epp_client_session *session,
                                          const uint8_t **out_ptr,
                                          size_t *out_len);

/**
 * Marks the first `n` bytes of the pending output as written.
 * `EPP_RESULT_INVALID_LENGTH` when fewer than `n` bytes are pending.
 */
EPP_NODISCARD epp_result epp_client_session_consume_output(epp_client_session *session, size_t n);

/**
 * poll-queue: takes the next event, in the order things happened, and
 * writes it to `*out_event`; writes NULL when there is none (still
 * `EPP_RESULT_OK`). Free each event with `epp_client_event_free`. Poll
 * after every feed, command, timeout and close.
 */
EPP_NODISCARD
epp_result epp_client_session_poll_queue(epp_client_session *session,
                                         epp_client_event **out_event);

/**
 * Writes to `*out_at_ms` when `epp_client_session_handle_timeout` should
 * next be called (Unix milliseconds), or `EPP_TIMEOUT_NONE` when never:
 * the greeting's or the oldest response's deadline, the keep-alive after
 * idle, or the end of waiting for the server to close the connection. Ask
 * again after every call that changes the session.
 */
EPP_NODISCARD
epp_result epp_client_session_get_next_timeout(const epp_client_session *session,
                                               uint64_t *out_at_ms);

/**
 * Acts on the deadline due by `now_ms`, if one is: a keep-alive
 * `<hello>` (a keep-alive event), or closing for an overdue greeting or
 * response (a response-overdue event, then a closed event). Writes to
 * `*out_due` whether a deadline had passed.
 */
EPP_NODISCARD
epp_result epp_client_session_handle_timeout(epp_client_session *session,
                                             uint64_t now_ms,
                                             bool *out_due);

/**
 * Gives a command at `now_ms`: it is written to the output at once, or
 * waits (in order) while the configured number of commands are in
 * flight; every event about it carries its id and tag.
 *
 * - `kind`: an `epp_client_command_kind` value (others are
 *   `EPP_RESULT_INVALID_ARGUMENT`).
 * - `argument`: the object element's XML for an object command (it must
 *   declare its namespaces, one of the session's objURIs); the message id
 *   for `EPP_CLIENT_COMMAND_KIND_POLL_ACK`; (NULL, 0) for the others
 *   (required or refused with `EPP_RESULT_NULL_PARAMETER` /
 *   `EPP_RESULT_INVALID_ARGUMENT`).
 * - `op`: an `epp_transfer_op` value: the op of a transfer,
 *   `EPP_TRANSFER_OP_NONE` for other kinds (anything else is
 *   `EPP_RESULT_INVALID_ARGUMENT`). A transfer without an op is refused
 *   by the session (`EPP_RESULT_INVALID_COMMAND`).
 * - `extension`: optional `<extension>` content, elements in the
 *   session's extURIs, each declaring its namespaces; (NULL, 0) for none.
 * - `cl_trid`: optional clTRID (3 to 64 characters); (NULL, 0) for a
 *   generated one (the configured prefix and a sequence number).
 * - `tag`: optional pointer to a number of the caller's, returned with
 *   every event about the command; NULL for none.
 * - `out_command`: optional; when not NULL it receives the command taken
 *   (free it with `epp_client_command_free`).
 *
 * Nothing is sent on error: `EPP_RESULT_SESSION_CLOSED` once the session
 * is closing or closed; `EPP_RESULT_WRONG_STATE` when the state does not
 * allow the command; for a login, `EPP_RESULT_VERSION_NOT_OFFERED`,
 * `EPP_RESULT_LANGUAGE_NOT_OFFERED`, `EPP_RESULT_SERVICE_NOT_OFFERED`,
 * `EPP_RESULT_NO_OBJECT_SERVICE` or `EPP_RESULT_PASSWORD_TOO_LONG` when it
 * cannot be negotiated with the latest greeting;
 * `EPP_RESULT_NOT_LOGGED_IN_WITH`, `EPP_RESULT_INVALID_XML` or
 * `EPP_RESULT_INVALID_COMMAND` for the command's content.
 * `epp_client_session_get_last_error` says why.
 */
EPP_NODISCARD
epp_result epp_client_session_send(epp_client_session *session,
                                   uint32_t kind,
                                   const char *argument,
                                   size_t argument_len,
                                   uint32_t op,
                                   const char *extension,
                                   size_t extension_len,
                                   const char *cl_trid,
                                   size_t cl_trid_len,
                                   const uint64_t *tag,
                                   uint64_t now_ms,
                                   epp_client_command **out_command);

/**
 * Sends `<hello>` (no extension, no clTRID, no tag); its answer is a
 * greeting event. `out_command` is optional, as for
 * `epp_client_session_send`.
 */
EPP_NODISCARD
epp_result epp_client_session_hello(epp_client_session *session,
                                    uint64_t now_ms,
                                    epp_client_command **out_command);

/**
 * Sends `<login>`: the configuration's credentials and the wanted
 * services the latest greeting offers (refused early when a required one
 * is not offered); a password over 16 characters goes in the RFC 8807
 * extension when the greeting offers it. Answered by a login event.
 * `out_command` is optional. Errors as for `epp_client_session_send`.
 */
EPP_NODISCARD
epp_result epp_client_session_login(epp_client_session *session,
                                    uint64_t now_ms,
                                    epp_client_command **out_command);

/**
 * Sends `<logout>`; a 1500 answer ends the session (closing, then closed
 * when the server closes the connection). `out_command` is optional.
 */
EPP_NODISCARD
epp_result epp_client_session_logout(epp_client_session *session,
                                     uint64_t now_ms,
                                     epp_client_command **out_command);

/**
 * Sends `<poll op="req">`. `out_command` is optional.
 */
EPP_NODISCARD
epp_result epp_client_session_poll_request(epp_client_session *session,
                                           uint64_t now_ms,
                                           epp_client_command **out_command);

/**
 * Sends `<poll op="ack" msgID>` for the message `message_id` (the id of
 * a poll response's message queue). `out_command` is optional.
 */
EPP_NODISCARD
epp_result epp_client_session_poll_ack(epp_client_session *session,
                                       const char *message_id,
                                       size_t message_id_len,
                                       uint64_t now_ms,
                                       epp_client_command **out_command);

/**
 * Sends an object command: `verb` (an `epp_command_verb` value) around
 * `object_xml`, the object element, which must declare its namespaces
 * (one of the session's objURIs), with optional `<extension>` content
 * ((NULL, 0) for none) and an optional `tag` (NULL for none). A transfer
 * needs its op: use `epp_client_session_send`. `out_command` is
 * optional. Errors as for `epp_client_session_send`.
 */
EPP_NODISCARD
epp_result epp_client_session_object(epp_client_session *session,
                                     uint32_t verb,
                                     const char *object_xml,
                                     size_t object_xml_len,
                                     const char *extension,
                                     size_t extension_len,
                                     const uint64_t *tag,
                                     uint64_t now_ms,
                                     epp_client_command **out_command);

/**
 * Writes the session's state to `*out_state`.
 */
EPP_NODISCARD
epp_result epp_client_session_get_state(const epp_client_session *session,
                                        epp_client_state *out_state);

/**
 * Writes to `*out_finished` whether the connection should be closed now
 * (the session is closed).
 */
EPP_NODISCARD
epp_result epp_client_session_is_finished(const epp_client_session *session,
                                          bool *out_finished);

/**
 * Writes to `*out_count` how many commands are written and unanswered.
 */
EPP_NODISCARD
epp_result epp_client_session_get_in_flight(const epp_client_session *session,
                                            size_t *out_count);

/**
 * Writes to `*out_count` how many commands wait for room to be written.
 */
EPP_NODISCARD
epp_result epp_client_session_get_queued(const epp_client_session *session,
                                         size_t *out_count);

/**
 * Writes to `*out_reason` why the session ended or is ending;
 * `EPP_CLIENT_CLOSE_REASON_NONE` while it is open.
 */
EPP_NODISCARD
epp_result epp_client_session_get_close_reason(const epp_client_session *session,
                                               epp_client_close_reason *out_reason);

/**
 * Writes to `*out_error` what was wrong with the server's input when the
 * session closed for a protocol error; `EPP_CLIENT_PROTOCOL_ERROR_NONE`
 * otherwise.
 */
EPP_NODISCARD
epp_result epp_client_session_get_protocol_error(const epp_client_session *session,
                                                 epp_client_protocol_error *out_error);

/**
 * Writes to `*out_value` a number that comes with the close reason
 * (`EPP_CLOSE_DETAIL_*`, see the close reasons and protocol errors);
 * `EPP_RESULT_NOT_APPLICABLE` while the session is open or when its
 * reason has no such number.
 */
EPP_NODISCARD
epp_result epp_client_session_get_close_detail(const epp_client_session *session,
                                               epp_close_detail which,
                                               uint64_t *out_value);

/**
 * The close reason as English text for logs; (NULL, 0) while the session
 * is open. Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_client_session_get_close_reason_text(const epp_client_session *session,
                                                    const char **out_ptr,
                                                    size_t *out_len);

/**
 * Why the latest call that changes this session (every
 * `epp_client_session_*` call but the getters) failed, as English text;
 * (NULL, 0) when that call succeeded. Works on a poisoned session (the
 * panic's text). Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_client_session_get_last_error(const epp_client_session *session,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Frees a command handed out by a command call (NULL is ignored). Never
 * free the commands an event hands out: they belong to the event.
 */
void epp_client_command_free(epp_client_command *command);

/**
 * Writes to `*out_id` the command's id: unique within its session, never
 * reused, increasing in the order commands were given (keep-alive hellos
 * included).
 */
EPP_NODISCARD
epp_result epp_client_command_get_id(const epp_client_command *command,
                                     uint64_t *out_id);

/**
 * Writes the command's kind to `*out_kind`.
 */
EPP_NODISCARD
epp_result epp_client_command_get_kind(const epp_client_command *command,
                                       epp_client_command_kind *out_kind);

/**
 * Writes to `*out_tag` the caller's tag; `EPP_RESULT_NOT_APPLICABLE` when
 * the command was given without one.
 */
EPP_NODISCARD
epp_result epp_client_command_get_tag(const epp_client_command *command,
                                      uint64_t *out_tag);

/**
 * The command's clTRID; (NULL, 0) for a `<hello>`. Valid as long as the
 * command handle.
 */
EPP_NODISCARD
epp_result epp_client_command_get_cl_trid(const epp_client_command *command,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Writes to `*out_at_ms` when the command was written to the output;
 * `EPP_RESULT_NOT_APPLICABLE` while it waits for room (and for a command
 * that never went out).
 */
EPP_NODISCARD
epp_result epp_client_command_get_sent_at(const epp_client_command *command,
                                          uint64_t *out_at_ms);

/**
 * Writes to `*out_keep_alive` whether the command is a `<hello>` the
 * session sent on its own to keep the connection alive.
 */
EPP_NODISCARD
epp_result epp_client_command_is_keep_alive(const epp_client_command *command,
                                            bool *out_keep_alive);

/**
 * Frees an event (NULL is ignored). Strings and commands obtained from
 * it become invalid.
 */
void epp_client_event_free(epp_client_event *event);

/**
 * Writes the event's kind to `*out_kind`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_kind(const epp_client_event *event,
                                     epp_client_event_kind *out_kind);

/**
 * Writes to `*out_command` the command the event is about, borrowed from
 * the event (valid until the event is freed; never free it): a login,
 * response, keep-alive or response-overdue event's command; for a
 * greeting, the `<hello>` it answers, or NULL for the connection's first
 * greeting. `EPP_RESULT_NOT_APPLICABLE` for a closed event (see
 * `epp_client_event_get_unanswered`).
 */
EPP_NODISCARD
epp_result epp_client_event_get_command(const epp_client_event *event,
                                        const epp_client_command **out_command);

/**
 * Login or response event: writes to `*out_code` the result code of the
 * response (its first result).
 */
EPP_NODISCARD
epp_result epp_client_event_get_code(const epp_client_event *event,
                                     uint16_t *out_code);

/**
 * Login or response event: writes to `*out_count` the number of
 * `<result>`s (at least 1).
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_count(const epp_client_event *event,
                                             size_t *out_count);

/**
 * Login or response event: writes to `*out_code` the code of the result
 * at `index` (below `epp_client_event_get_result_count`).
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_code(const epp_client_event *event,
                                            size_t index,
                                            uint16_t *out_code);

/**
 * Login or response event: the `<msg>` text of the result at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_message(const epp_client_event *event,
                                               size_t index,
                                               const char **out_ptr,
                                               size_t *out_len);

/**
 * Login or response event: the `lang` of the `<msg>` of the result at
 * `index`; (NULL, 0) when absent (meaning "en").
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_lang(const epp_client_event *event,
                                            size_t index,
                                            const char **out_ptr,
                                            size_t *out_len);

/**
 * Login or response event: writes to `*out_count` how many `<value>` and
 * `<extValue>` elements the result at `index` has.
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_value_count(const epp_client_event *event,
                                                   size_t index,
                                                   size_t *out_count);

/**
 * Login or response event: the XML element of the `<value>` (or of the
 * `<extValue><value>`) number `value` of the result at `index`, standing
 * alone (the namespace declarations it inherits copied in).
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_value(const epp_client_event *event,
                                             size_t index,
                                             size_t value_index,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Login or response event: the `<reason>` of the `<extValue>` number
 * `value` of the result at `index`; (NULL, 0) for a plain `<value>`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_result_value_reason(const epp_client_event *event,
                                                    size_t index,
                                                    size_t value_index,
                                                    const char **out_ptr,
                                                    size_t *out_len);

/**
 * Login or response event: the response's `<clTRID>`; (NULL, 0) when the
 * server sent none (a response with another command's clTRID closes the
 * session instead).
 */
EPP_NODISCARD
epp_result epp_client_event_get_response_cl_trid(const epp_client_event *event,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Login or response event: the response's `<svTRID>`; (NULL, 0) when the
 * server sent none.
 */
EPP_NODISCARD
epp_result epp_client_event_get_sv_trid(const epp_client_event *event,
                                        const char **out_ptr,
                                        size_t *out_len);

/**
 * Login or response event: the children of `<resData>`, each standing
 * alone, concatenated; (NULL, 0) when there is none.
 */
EPP_NODISCARD
epp_result epp_client_event_get_res_data(const epp_client_event *event,
                                         const char **out_ptr,
                                         size_t *out_len);

/**
 * Login or response event: the children of `<extension>`, each standing
 * alone, concatenated (an RFC 8807 `<loginSec:loginSecData>` of a login
 * response included); (NULL, 0) when there is none.
 */
EPP_NODISCARD
epp_result epp_client_event_get_extension(const epp_client_event *event,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Login or response event: writes to `*out_has` whether the response has
 * a `<msgQ>` (the `epp_client_event_get_msgq_*` getters are
 * `EPP_RESULT_NOT_APPLICABLE` without one).
 */
EPP_NODISCARD epp_result epp_client_event_has_msgq(const epp_client_event *event, bool *out_has);

/**
 * Login or response event with a `<msgQ>`: writes its `count` (messages
 * queued) to `*out_count`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_count(const epp_client_event *event,
                                           uint64_t *out_count);

/**
 * Login or response event with a `<msgQ>`: its `id` (for a poll
 * response, the message to acknowledge with
 * `epp_client_session_poll_ack`).
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_id(const epp_client_event *event,
                                        const char **out_ptr,
                                        size_t *out_len);

/**
 * Login or response event with a `<msgQ>`: its `<qDate>` as sent;
 * (NULL, 0) when absent.
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_date(const epp_client_event *event,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Login or response event with a `<msgQ>`: writes its `<qDate>` as Unix
 * milliseconds to `*out_ms`; `EPP_RESULT_NOT_APPLICABLE` when there is no
 * `<qDate>` or it is not an xs:dateTime with a time zone.
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_date_ms(const epp_client_event *event,
                                             uint64_t *out_ms);

/**
 * Login or response event with a `<msgQ>`: the text of its `<msg>` (the
 * character data of any markup in it included); (NULL, 0) when absent.
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_message(const epp_client_event *event,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Login or response event with a `<msgQ>`: the `lang` of its `<msg>`;
 * (NULL, 0) when absent (meaning "en").
 */
EPP_NODISCARD
epp_result epp_client_event_get_msgq_lang(const epp_client_event *event,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Login event: writes to `*out_has` whether it carries the services now
 * in force (the login succeeded: 1000). Without them the
 * `epp_client_event_get_service_*` getters are
 * `EPP_RESULT_NOT_APPLICABLE`.
 */
EPP_NODISCARD
epp_result epp_client_event_has_services(const epp_client_event *event,
                                         bool *out_has);

/**
 * Successful login event: writes to `*out_count` how many objURIs the
 * session logged in with.
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_obj_uri_count(const epp_client_event *event,
                                                      size_t *out_count);

/**
 * Successful login event: the objURI at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_obj_uri(const epp_client_event *event,
                                                size_t index,
                                                const char **out_ptr,
                                                size_t *out_len);

/**
 * Successful login event: writes to `*out_count` how many extURIs the
 * session logged in with (RFC 8807's included when it was used).
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_ext_uri_count(const epp_client_event *event,
                                                      size_t *out_count);

/**
 * Successful login event: the extURI at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_ext_uri(const epp_client_event *event,
                                                size_t index,
                                                const char **out_ptr,
                                                size_t *out_len);

/**
 * Successful login event: the language of the session.
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_lang(const epp_client_event *event,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Successful login event: writes to `*out_used` whether the login used
 * RFC 8807 login security (a password longer than 16 characters).
 */
EPP_NODISCARD
epp_result epp_client_event_get_service_login_security(const epp_client_event *event,
                                                       bool *out_used);

/**
 * Greeting event: the `<svID>`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_sv_id(const epp_client_event *event,
                                               const char **out_ptr,
                                               size_t *out_len);

/**
 * Greeting event: the `<svDate>` as sent.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_sv_date(const epp_client_event *event,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Greeting event: writes the `<svDate>` as Unix milliseconds to
 * `*out_ms`; `EPP_RESULT_NOT_APPLICABLE` when it is not an xs:dateTime
 * with a time zone (or before 1970).
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_sv_date_ms(const epp_client_event *event,
                                                    uint64_t *out_ms);

/**
 * Greeting event: writes to `*out_count` how many `<version>`s it has.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_version_count(const epp_client_event *event,
                                                       size_t *out_count);

/**
 * Greeting event: the `<version>` at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_version(const epp_client_event *event,
                                                 size_t index,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Greeting event: writes to `*out_count` how many `<lang>`s it has.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_lang_count(const epp_client_event *event,
                                                    size_t *out_count);

/**
 * Greeting event: the `<lang>` at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_lang(const epp_client_event *event,
                                              size_t index,
                                              const char **out_ptr,
                                              size_t *out_len);

/**
 * Greeting event: writes to `*out_count` how many `<objURI>`s it offers.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_obj_uri_count(const epp_client_event *event,
                                                       size_t *out_count);

/**
 * Greeting event: the `<objURI>` at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_obj_uri(const epp_client_event *event,
                                                 size_t index,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Greeting event: writes to `*out_count` how many `<extURI>`s it offers.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_ext_uri_count(const epp_client_event *event,
                                                       size_t *out_count);

/**
 * Greeting event: the `<extURI>` at `index`.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_ext_uri(const epp_client_event *event,
                                                 size_t index,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Greeting event: the `<dcp>` element standing alone (the namespace
 * declarations it inherits copied in); (NULL, 0) when the server sent
 * none.
 */
EPP_NODISCARD
epp_result epp_client_event_get_greeting_dcp(const epp_client_event *event,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Closed event: writes to `*out_reason` why the session ended.
 */
EPP_NODISCARD
epp_result epp_client_event_get_close_reason(const epp_client_event *event,
                                             epp_client_close_reason *out_reason);

/**
 * Closed event: writes to `*out_error` what was wrong with the server's
 * input (`EPP_CLIENT_PROTOCOL_ERROR_NONE` unless the reason is
 * `EPP_CLIENT_CLOSE_REASON_PROTOCOL`).
 */
EPP_NODISCARD
epp_result epp_client_event_get_protocol_error(const epp_client_event *event,
                                               epp_client_protocol_error *out_error);

/**
 * Closed event: writes to `*out_value` a number that comes with the
 * close reason (`EPP_CLOSE_DETAIL_*`); `EPP_RESULT_NOT_APPLICABLE` when
 * this reason has no such number.
 */
EPP_NODISCARD
epp_result epp_client_event_get_close_detail(const epp_client_event *event,
                                             epp_close_detail which,
                                             uint64_t *out_value);

/**
 * Closed event for `EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH`: the
 * clTRID of the command the response should have answered.
 */
EPP_NODISCARD
epp_result epp_client_event_get_close_expected_cl_trid(const epp_client_event *event,
                                                       const char **out_ptr,
                                                       size_t *out_len);

/**
 * Closed event for `EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH`: the
 * clTRID the response carried.
 */
EPP_NODISCARD
epp_result epp_client_event_get_close_received_cl_trid(const epp_client_event *event,
                                                       const char **out_ptr,
                                                       size_t *out_len);

/**
 * Closed event: the close reason as English text for logs (for a
 * malformed frame, what is wrong with it).
 */
EPP_NODISCARD
epp_result epp_client_event_get_close_reason_text(const epp_client_event *event,
                                                  const char **out_ptr,
                                                  size_t *out_len);

/**
 * Closed event: writes to `*out_count` how many commands were given and
 * never answered (written or still waiting).
 */
EPP_NODISCARD
epp_result epp_client_event_get_unanswered_count(const epp_client_event *event,
                                                 size_t *out_count);

/**
 * Closed event: writes to `*out_command` the unanswered command at
 * `index` (oldest first), borrowed from the event (valid until the event
 * is freed; never free it).
 */
EPP_NODISCARD
epp_result epp_client_event_get_unanswered(const epp_client_event *event,
                                           size_t index,
                                           const epp_client_command **out_command);

/**
 * Starts a configuration for the server called `server_id` (its svID, 3
 * to 64 characters; checked by `epp_config_builder_build`). Defaults:
 * version 1.0, language en, no object URI (at least one must be added),
 * no extension, the DCP "access all; admin and prov; ours and public;
 * stated", the default limits.
 *
 * On success `*out_builder` receives a builder to free with
 * `epp_config_builder_free`.
 */
EPP_NODISCARD
epp_result epp_config_builder_new(const char *server_id,
                                  size_t server_id_len,
                                  epp_config_builder **out_builder);

/**
 * Frees a builder (NULL is ignored). Configs built from it are not
 * affected.
 */
void epp_config_builder_free(epp_config_builder *builder);

/**
 * Offers a protocol version. The first call replaces the default list
 * (1.0); later calls add to it. Only "1.0" exists.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_version(epp_config_builder *builder,
                                          const char *version,
                                          size_t version_len);

/**
 * Offers a language (an RFC 5646 tag such as "en"); "en" alone is offered
 * if none is added.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_language(epp_config_builder *builder,
                                           const char *lang,
                                           size_t lang_len);

/**
 * Offers an object URI (`<objURI>`, for example
 * "urn:ietf:params:xml:ns:domain-1.0"). At least one is required; at most
 * 64 are supported.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_object_uri(epp_config_builder *builder,
                                             const char *uri,
                                             size_t uri_len);

/**
 * Offers an extension URI (`<extURI>`); at most 64 are supported.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_extension_uri(epp_config_builder *builder,
                                                const char *uri,
                                                size_t uri_len);

/**
 * Sets one limit. Durations are in milliseconds; every other limit is a
 * count of bytes, items or levels. `EPP_RESULT_INVALID_ARGUMENT` for an
 * unknown `limit` or a value that does not fit the limit's type
 * (`EPP_LIMIT_MAX_FRAME_SIZE` and `EPP_LIMIT_MAX_FAILED_LOGINS` hold 32
 * bits); whether the values make sense together is checked by
 * `epp_config_builder_build`.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_limit(epp_config_builder *builder,
                                        epp_limit limit,
                                        uint64_t value);

/**
 * Sets the DCP `<access>` (default `EPP_DCP_ACCESS_ALL`).
 */
EPP_NODISCARD
epp_result epp_config_builder_set_dcp_access(epp_config_builder *builder,
                                             epp_dcp_access access);

/**
 * Adds a DCP `<statement>`. The first call replaces the default
 * statement; later calls add more. `purposes` and `recipients` are sets
 * of flags (unknown bits are `EPP_RESULT_INVALID_ARGUMENT`); a statement
 * needs at least one of each, checked by `epp_config_builder_build`.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_dcp_statement(epp_config_builder *builder,
                                                epp_dcp_purposes purposes,
                                                epp_dcp_recipients recipients,
                                                epp_dcp_retention retention);

/**
 * Adds an `<ours><recDesc>description</recDesc></ours>` recipient to the
 * statement added last by `epp_config_builder_add_dcp_statement`
 * (`EPP_RESULT_NOT_APPLICABLE` when none was added). The description is
 * 1 to 255 characters, checked by `epp_config_builder_build`.
 */
EPP_NODISCARD
epp_result epp_config_builder_add_dcp_ours_description(epp_config_builder *builder,
                                                       const char *description,
                                                       size_t description_len);

/**
 * Sets the DCP `<expiry><absolute>`: the policy expires at `at_ms` (Unix
 * time in milliseconds). Replaces any expiry set before.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_dcp_expiry_absolute(epp_config_builder *builder,
                                                      uint64_t at_ms);

/**
 * Sets the DCP `<expiry><relative>`: the policy expires `after_ms`
 * milliseconds after the greeting (sent in whole seconds, rounded down).
 * Replaces any expiry set before.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_dcp_expiry_relative(epp_config_builder *builder,
                                                      uint64_t after_ms);

/**
 * Sets the svTRID prefix (1 to 20 of A-Z a-z 0-9 . _ -; default: the
 * first such characters of the server id). svTRIDs are
 * `prefix-epoch-sequence`.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_sv_trid_prefix(epp_config_builder *builder,
                                                 const char *prefix,
                                                 size_t prefix_len);

/**
 * Sets the svTRID epoch: a number that differs between runs of the server
 * (for example its start time in milliseconds). Default: the `now_ms`
 * given to `epp_server_new`, times 1000, plus that server's number in the
 * process modulo 1000 (so that two servers started in the same
 * millisecond differ).
 */
EPP_NODISCARD
epp_result epp_config_builder_set_sv_trid_epoch(epp_config_builder *builder,
                                                uint64_t epoch);

/**
 * Keeps a record of every response for the host to read with
 * `epp_session_poll_transaction`, for per-command log lines (default
 * off).
 */
EPP_NODISCARD
epp_result epp_config_builder_set_transaction_log(epp_config_builder *builder,
                                                  bool on);

/**
 * Offers RFC 9038 (unhandled namespaces) when `on` (default off): the
 * greeting lists "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"
 * after the other extension URIs (unless already added), and a login may
 * ask for it. Content of a namespace the client did not log in with (in
 * `<resData>`, `<extension>`, a poll message's `<msg>`, security events)
 * is moved into `<extValue>` either way.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_unhandled_namespaces(epp_config_builder *builder,
                                                       bool on);

/**
 * Offers RFC 8807 (login security): the greeting lists
 * "urn:ietf:params:xml:ns:epp:loginSec-1.0" after the other extension
 * URIs (unless already added), and a login may then carry
 * `<loginSec:loginSec>`: a password longer than 16 characters behind the
 * `[LOGIN-SECURITY]` placeholder (the request's password getters give the
 * real one) and the client's user agent (`epp_request_get_user_agent_*`).
 * Answer such logins with `epp_session_answer_login_with_events` to send
 * security events. Not offered by default (a login using the extension is
 * then answered 2103), and once offered on a builder it stays offered.
 *
 * `min_password_len` and `max_password_len` bound the length in
 * characters of `<loginSec:pw>` and `<loginSec:newPW>` (the plain `<pw>`
 * stays 6 to 16); 6 and 128 are the usual choice (the Rust API's
 * default; RFC 8807 sets no maximum). Checked by
 * `epp_config_builder_build`: at least 6, at most 1024 (and at most
 * `EPP_LIMIT_MAX_XML_TEXT`), the minimum not above the maximum. A
 * password outside them is answered 2306.
 *
 * Adding the RFC 8807 URI with `epp_config_builder_add_extension_uri`
 * instead is refused by `epp_config_builder_build`.
 */
EPP_NODISCARD
epp_result epp_config_builder_set_login_security(epp_config_builder *builder,
                                                 size_t min_password_len,
                                                 size_t max_password_len);

/**
 * Validates the builder's settings and, on success, writes a new config
 * to `*out_config` (free it with `epp_config_free`). The builder is unchanged and
 * may build again. `EPP_RESULT_INVALID_CONFIG` when a setting is not
 * acceptable: `epp_config_builder_get_last_error` says which and why.
 */
EPP_NODISCARD
epp_result epp_config_builder_build(epp_config_builder *builder,
                                    epp_config **out_config);

/**
 * Why the last `epp_config_builder_build` on this builder failed, as
 * UTF-8 text (not NUL-terminated); (NULL, 0) when it succeeded or was
 * never called. Valid until the next call given this builder.
 */
EPP_NODISCARD
epp_result epp_config_builder_get_last_error(const epp_config_builder *builder,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Frees a config (NULL is ignored). Servers made from it keep their own
 * reference and are not affected.
 */
void epp_config_free(epp_config *config);

/**
 * Makes a registrar session counter allowing `max_per_client` concurrent
 * logged-in sessions per clID; the login that would exceed it is answered
 * 2502 and its session closes. On success `*out_sessions` receives a counter to
 * free with `epp_registrar_sessions_free`.
 */
EPP_NODISCARD
epp_result epp_registrar_sessions_new(size_t max_per_client,
                                      epp_registrar_sessions **out_sessions);

/**
 * Frees a counter (NULL is ignored). Servers it is attached to keep their
 * own reference.
 */
void epp_registrar_sessions_free(epp_registrar_sessions *sessions);

/**
 * Writes to `*out_count` how many logged-in sessions the registrar `client_id`
 * has now. Safe to call from any thread at any time.
 */
EPP_NODISCARD
epp_result epp_registrar_sessions_count(const epp_registrar_sessions *sessions,
                                        const char *client_id,
                                        size_t client_id_len,
                                        size_t *out_count);

/**
 * Writes to `*out_max` the limit per registrar the counter was made with.
 */
EPP_NODISCARD
epp_result epp_registrar_sessions_get_max_per_client(const epp_registrar_sessions *sessions,
                                                     size_t *out_max);

/**
 * Starts a server on `config` at `now_ms` (Unix time in milliseconds; the
 * default svTRID epoch derives from it). `sessions` is optional (NULL for
 * none): a registrar session counter that enforces a per-registrar
 * session limit (2502) for this server's sessions; several servers may
 * share one. The server keeps its own references to `config` and
 * `sessions`: both may be freed afterwards. On success `*out_server`
 * receives a server to free with `epp_server_free`.
 */
EPP_NODISCARD
epp_result epp_server_new(const epp_config *config,
                          uint64_t now_ms,
                          const epp_registrar_sessions *sessions,
                          epp_server **out_server);

/**
 * Frees a server (NULL is ignored). Sessions made from it keep their own
 * reference and are not affected.
 */
void epp_server_free(epp_server *server);

/**
 * Starts an ETP server configuration with libepp's defaults: application
 * name "libepp" at libepp's version, the protocols 3 (Discovery) and 4
 * (Store) at version 1.1.0.0 in the role "store" without capabilities, no
 * supported objects, the default limits. On success `*out_builder`
 * receives a builder to free with `epp_etp_config_builder_free`.
 */
EPP_NODISCARD epp_result epp_etp_config_builder_new(epp_etp_config_builder **out_builder);

/**
 * Frees a builder (NULL is ignored). Configs built from it are not
 * affected.
 */
void epp_etp_config_builder_free(epp_etp_config_builder *builder);

/**
 * Sets the `applicationName` sent in OpenSession.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_set_application_name(epp_etp_config_builder *builder,
                                                       const char *name,
                                                       size_t name_len);

/**
 * Sets the `applicationVersion` sent in OpenSession.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_set_application_version(epp_etp_config_builder *builder,
                                                          const char *version,
                                                          size_t version_len);

/**
 * Supports a protocol: its id, the version the server speaks
 * (`major.minor.revision.patch`, sent in OpenSession) and the role the
 * server plays in it (such as "store"), without capabilities (add them
 * with the `epp_etp_config_builder_add_capability_*` calls that follow).
 * The first call replaces libepp's default protocols; later calls add to
 * the list, in the order OpenSession lists them. A client's RequestSession
 * matches an entry by protocol id and role, exactly. Checked by
 * `epp_etp_config_builder_build`: 1 to 64 protocols, none Core (0) or
 * negative, none twice, no empty role.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_protocol(epp_etp_config_builder *builder,
                                               int32_t protocol,
                                               int32_t major,
                                               int32_t minor,
                                               int32_t revision,
                                               int32_t patch,
                                               const char *role,
                                               size_t role_len);

/**
 * Adds the capability `name` with no value (`DataValue` null) to the
 * protocol added last by `epp_etp_config_builder_add_protocol`
 * (`EPP_RESULT_NOT_APPLICABLE` when none was added). Capabilities are
 * sent in OpenSession's `protocolCapabilities` in the order added.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_null(epp_etp_config_builder *builder,
                                                      const char *name,
                                                      size_t name_len);

/**
 * Adds the capability `name` with a boolean value to the protocol added
 * last (as `epp_etp_config_builder_add_capability_null`).
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_boolean(epp_etp_config_builder *builder,
                                                         const char *name,
                                                         size_t name_len,
                                                         bool value);

/**
 * Adds the capability `name` with an int (32-bit) value to the protocol
 * added last (as `epp_etp_config_builder_add_capability_null`).
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_int(epp_etp_config_builder *builder,
                                                     const char *name,
                                                     size_t name_len,
                                                     int32_t value);

/**
 * Adds the capability `name` with a long (64-bit) value to the protocol
 * added last (as `epp_etp_config_builder_add_capability_null`).
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_long(epp_etp_config_builder *builder,
                                                      const char *name,
                                                      size_t name_len,
                                                      int64_t value);

/**
 * Adds the capability `name` with a double value to the protocol added
 * last (as `epp_etp_config_builder_add_capability_null`).
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_double(epp_etp_config_builder *builder,
                                                        const char *name,
                                                        size_t name_len,
                                                        double value);

/**
 * Adds the capability `name` with a string value to the protocol added
 * last (as `epp_etp_config_builder_add_capability_null`).
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_capability_string(epp_etp_config_builder *builder,
                                                        const char *name,
                                                        size_t name_len,
                                                        const char *value,
                                                        size_t value_len);

/**
 * Adds a data object (for example "witsml14.well") to the
 * `supportedObjects` sent in OpenSession, after those already added.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_add_supported_object(epp_etp_config_builder *builder,
                                                       const char *object,
                                                       size_t object_len);

/**
 * Sets one limit (a count of requests or bytes).
 * `EPP_RESULT_INVALID_ARGUMENT` for an unknown `limit` or a value that
 * does not fit in a `size_t`; a limit of 0 is refused by
 * `epp_etp_config_builder_build`.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_set_limit(epp_etp_config_builder *builder,
                                            epp_etp_limit limit,
                                            uint64_t value);

/**
 * Validates the builder's settings and, on success, writes a new config
 * to `*out_config` (free it with `epp_etp_config_free`). The builder is
 * unchanged and may build again. `EPP_RESULT_INVALID_CONFIG` when a
 * setting is not acceptable: `epp_etp_config_builder_get_last_error` says
 * which and why.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_build(epp_etp_config_builder *builder,
                                        epp_etp_config **out_config);

/**
 * Why the last `epp_etp_config_builder_build` on this builder failed, as
 * UTF-8 text (not NUL-terminated); (NULL, 0) when it succeeded or was
 * never called. Valid until the next call given this builder.
 */
EPP_NODISCARD
epp_result epp_etp_config_builder_get_last_error(const epp_etp_config_builder *builder,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Frees a config (NULL is ignored). Sessions made from it keep their own
 * reference and are not affected.
 */
void epp_etp_config_free(epp_etp_config *config);

/**
 * session-create: makes a session of `config` waiting for the client's
 * RequestSession. `session_id` points to the session's UUID,
 * `EPP_ETP_SESSION_ID_LEN` (16) bytes, sent in OpenSession as
 * lowercase hyphenated text; libepp reads no random source: for a
 * version 4 UUID, take 16 random bytes and set `id[6] = (id[6] & 0x0f) |
 * 0x40` and `id[8] = (id[8] & 0x3f) | 0x80`. The session keeps its own
 * reference to `config`. Nothing is sent before the client's first
 * message. On success `*out_session` receives a session to free with
 * `epp_etp_session_free`.
 */
EPP_NODISCARD
epp_result epp_etp_session_new(const epp_etp_config *config,
                               const uint8_t *session_id,
                               epp_etp_session **out_session);

/**
 * Frees a session (NULL is ignored), poisoned or not. Requests taken from
 * it stay valid (they own their data) but can no longer be answered.
 */
void epp_etp_session_free(epp_etp_session *session);

/**
 * feed-input: hands the session one WebSocket binary message from the
 * client (`len` bytes: the header then the body), copied as needed. It is
 * handled at once when the session can take it, else held and handled as
 * answers and consumed output make room. Afterwards, take output and poll
 * the queue. A message the engine cannot accept (a header or Core body
 * that does not decode, a message out of place) is answered on the wire
 * with a ProtocolException, never with an `epp_result`. An empty message
 * is `(pointer, 0)` with a non-NULL pointer.
 *
 * Read from the WebSocket only while `epp_etp_session_wants_input` says
 * true. Fails, taking nothing:
 * - `EPP_RESULT_SESSION_CLOSED` once the session processes no more input
 *   (sticky): stop reading, send what is left, close when finished;
 * - `EPP_RESULT_INPUT_AFTER_EOF` after `epp_etp_session_handle_eof`;
 * - `EPP_RESULT_INPUT_BUFFER_FULL` when the session cannot handle the
 *   message now and holding it would exceed
 *   `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT` (the host read on although
 *   `epp_etp_session_wants_input` said false).
 */
EPP_NODISCARD
epp_result epp_etp_session_feed_message(epp_etp_session *session,
                                        const uint8_t *data,
                                        size_t len);

/**
 * Writes to `*out_wants` whether the host should read more from the
 * WebSocket now: false while `EPP_ETP_LIMIT_MAX_IN_FLIGHT` requests are
 * outstanding, `EPP_ETP_LIMIT_MAX_PENDING_OUTPUT` bytes wait to be
 * consumed or `EPP_ETP_LIMIT_MAX_BUFFERED_INPUT` bytes are held, after
 * `epp_etp_session_handle_eof`, and once the session is closing. Ask
 * again after every call that changes the session (answers and consumed
 * output make room).
 */
EPP_NODISCARD
epp_result epp_etp_session_wants_input(const epp_etp_session *session,
                                       bool *out_wants);

/**
 * Writes to `*out_len` how many bytes of messages fed with
 * `epp_etp_session_feed_message` the session holds and has not handled
 * yet.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_buffered_input(const epp_etp_session *session,
                                              size_t *out_len);

/**
 * Tells the session the WebSocket closed (or the client went away). It
 * takes effect once every message fed before it has been handled; then
 * the session is closing, outstanding requests are dropped and an
 * `EPP_ETP_REQUEST_KIND_SESSION_END` item follows. Feeding afterwards is
 * `EPP_RESULT_INPUT_AFTER_EOF`. Nothing happens once the session has
 * ended.
 */
EPP_NODISCARD epp_result epp_etp_session_handle_eof(epp_etp_session *session);

/**
 * take-output: writes to `*out_ptr` and `*out_len` the next message to
 * send, whole, as one WebSocket binary message; `(NULL, 0)` when none is
 * pending (a message is never empty). The bytes belong to the session and
 * stay valid until the next call given this session: send them, then call
 * `epp_etp_session_consume_output`. Peeking again without consuming gives
 * the same message.
 */
EPP_NODISCARD
epp_result epp_etp_session_peek_output(const epp_etp_session *session,
                                       const uint8_t **out_ptr,
                                       size_t *out_len);

/**
 * Drops the message `epp_etp_session_peek_output` gives (it was sent),
 * which may let the session handle input it holds: poll the queue again.
 * `EPP_RESULT_NOT_APPLICABLE` when no message is pending.
 */
EPP_NODISCARD epp_result epp_etp_session_consume_output(epp_etp_session *session);

/**
 * Writes to `*out_count` how many messages wait to be sent.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_pending_output(const epp_etp_session *session,
                                              size_t *out_count);

/**
 * poll-queue: takes the next request or news for the host, in the order
 * the messages came, and writes it to `*out_request`; writes NULL when
 * the queue is empty (that is still `EPP_RESULT_OK`). Free each item with
 * `epp_etp_request_free`; answer those with an id through this session.
 * Poll after every feed, answer and consumed message.
 */
EPP_NODISCARD
epp_result epp_etp_session_poll_queue(epp_etp_session *session,
                                      epp_etp_request **out_request);

/**
 * Sends a message answering request `request_id` (an
 * `EPP_ETP_REQUEST_KIND_MESSAGE`): its header is the request's protocol,
 * `message_type`, `correlationId` = the request's `messageId`, the
 * session's next `messageId`, and `message_flags`; then `body` as given
 * (Avro binary of the message type's schema; `(NULL, 0)` is an empty
 * body). With `EPP_ETP_FLAG_MULTI_PART` and without
 * `EPP_ETP_FLAG_FINAL_PART` the request stays outstanding for the parts
 * that follow; any other answer finishes it. Fails, sending nothing, with
 * `EPP_RESULT_UNKNOWN_REQUEST` (never issued by this session),
 * `EPP_RESULT_ALREADY_ANSWERED` (finished) or `EPP_RESULT_SESSION_CLOSED`
 * (the session has ended).
 */
EPP_NODISCARD
epp_result epp_etp_session_respond(epp_etp_session *session,
                                   uint64_t request_id,
                                   int32_t message_type,
                                   int32_t message_flags,
                                   const uint8_t *body,
                                   size_t body_len);

/**
 * Answers request `request_id` with a ProtocolException (`error_code`,
 * one of the `EPP_ETP_ERROR_*` values or any other; `message`, UTF-8,
 * `(NULL, 0)` for an empty one) in the request's protocol, correlated to
 * it; finishes the request. For a RenewSecurityToken this refuses the
 * token. Fails as `epp_etp_session_respond` does.
 */
EPP_NODISCARD
epp_result epp_etp_session_raise(epp_etp_session *session,
                                 uint64_t request_id,
                                 int32_t error_code,
                                 const char *message,
                                 size_t message_len);

/**
 * Finishes request `request_id` without sending anything (more): a
 * token accepted (RenewSecurityToken), a message that takes no answer,
 * the end of the parts already sent. Fails as `epp_etp_session_respond`
 * does.
 */
EPP_NODISCARD epp_result epp_etp_session_finish(epp_etp_session *session, uint64_t request_id);

/**
 * Ends the session with CloseSession, sent after the messages already
 * sent, carrying `reason` (UTF-8; `(NULL, 0)` for none, the union's
 * null). Outstanding requests are dropped (their answers are then
 * `EPP_RESULT_SESSION_CLOSED`) and an `EPP_ETP_REQUEST_KIND_SESSION_END`
 * item follows; the session is closed once every message is consumed.
 * `EPP_RESULT_SESSION_CLOSED` once the session has ended.
 */
EPP_NODISCARD
epp_result epp_etp_session_close_session(epp_etp_session *session,
                                         const char *reason,
                                         size_t reason_len);

/**
 * Ends the session at the host's wish without a message: nothing more is
 * sent (output not yet consumed is dropped), and
 * `epp_etp_session_is_finished` becomes true. Nothing happens once the
 * session is closed.
 */
EPP_NODISCARD epp_result epp_etp_session_close(epp_etp_session *session);

/**
 * Writes the session's state to `*out_state`.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_state(const epp_etp_session *session,
                                     epp_etp_session_state *out_state);

/**
 * Writes to `*out_finished` whether the WebSocket should be closed now:
 * the session has ended and every message it sent has been consumed.
 */
EPP_NODISCARD
epp_result epp_etp_session_is_finished(const epp_etp_session *session,
                                       bool *out_finished);

/**
 * Writes to `*out_count` how many requests were handed out (or are
 * queued) and not yet finished.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_outstanding(const epp_etp_session *session,
                                           size_t *out_count);

/**
 * Writes to `*out_reason` why the session ended or is ending;
 * `EPP_ETP_CLOSE_REASON_NONE` while it is open.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_close_reason(const epp_etp_session *session,
                                            epp_etp_close_reason *out_reason);

/**
 * The close reason as English text for logs; (NULL, 0) while the session
 * is open. Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_close_reason_text(const epp_etp_session *session,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Why the latest call given this session as a non-const
 * `epp_etp_session *` failed, as English text: the detail behind
 * `EPP_RESULT_SESSION_CLOSED`, `EPP_RESULT_PANIC`..., or the result's
 * description for an argument error. (NULL, 0) when that call succeeded.
 * Works on a poisoned session (the panic's text). Valid until the next
 * call given this session.
 */
EPP_NODISCARD
epp_result epp_etp_session_get_last_error(const epp_etp_session *session,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Frees a request (NULL is ignored). What was obtained from it becomes
 * invalid. An unanswered request stays outstanding in its session.
 */
void epp_etp_request_free(epp_etp_request *request);

/**
 * Writes the item's kind to `*out_kind`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_kind(const epp_etp_request *request,
                                    epp_etp_request_kind *out_kind);

/**
 * Message or renew-token: writes to `*out_id` the id to answer with
 * (unique within its session, never reused).
 */
EPP_NODISCARD epp_result epp_etp_request_get_id(const epp_etp_request *request, uint64_t *out_id);

/**
 * Every kind but session end: writes to `*out_header` the header of the
 * client's message (for opened, its RequestSession).
 */
EPP_NODISCARD
epp_result epp_etp_request_get_header(const epp_etp_request *request,
                                      epp_etp_message_header *out_header);

/**
 * Message: the body, Avro binary of the schema its protocol and message
 * type name, not decoded by libepp; possibly empty (length 0, with a
 * non-NULL pointer).
 */
EPP_NODISCARD
epp_result epp_etp_request_get_body(const epp_etp_request *request,
                                    const uint8_t **out_ptr,
                                    size_t *out_len);

/**
 * Renew-token: the new security token (never log it).
 */
EPP_NODISCARD
epp_result epp_etp_request_get_token(const epp_etp_request *request,
                                     const char **out_ptr,
                                     size_t *out_len);

/**
 * Opened: the client's `applicationName`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_application_name(const epp_etp_request *request,
                                                const char **out_ptr,
                                                size_t *out_len);

/**
 * Opened: the client's `applicationVersion`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_application_version(const epp_etp_request *request,
                                                   const char **out_ptr,
                                                   size_t *out_len);

/**
 * Opened: how many protocols were negotiated (at least one).
 */
EPP_NODISCARD
epp_result epp_etp_request_get_protocol_count(const epp_etp_request *request,
                                              size_t *out_count);

/**
 * Opened: the negotiated protocol at `index` (below
 * `epp_etp_request_get_protocol_count`), as sent in OpenSession, in
 * configuration order: its id to `*out_protocol`, its version to
 * `*out_version`, the role the server plays to `(*out_role,
 * *out_role_len)`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_protocol(const epp_etp_request *request,
                                        size_t index,
                                        int32_t *out_protocol,
                                        epp_etp_version *out_version,
                                        const char **out_role,
                                        size_t *out_role_len);

/**
 * Opened: how many `supportedObjects` the client listed.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_supported_object_count(const epp_etp_request *request,
                                                      size_t *out_count);

/**
 * Opened: the client's supported object at `index` (below
 * `epp_etp_request_get_supported_object_count`).
 */
EPP_NODISCARD
epp_result epp_etp_request_get_supported_object(const epp_etp_request *request,
                                                size_t index,
                                                const char **out_ptr,
                                                size_t *out_len);

/**
 * Peer exception: writes the client's `errorCode` to `*out_code`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_error_code(const epp_etp_request *request,
                                          int32_t *out_code);

/**
 * Peer exception: the client's `errorMessage`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_error_message(const epp_etp_request *request,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Session end: writes why the session ended to `*out_reason`.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_close_reason(const epp_etp_request *request,
                                            epp_etp_close_reason *out_reason);

/**
 * Session end: the reason the client gave in its CloseSession; (NULL, 0)
 * when it gave none or the session ended otherwise.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_close_message(const epp_etp_request *request,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Session end: the close reason as English text for logs.
 */
EPP_NODISCARD
epp_result epp_etp_request_get_close_reason_text(const epp_etp_request *request,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Frees a request (NULL is ignored). Strings obtained from it become
 * invalid. An unanswered request stays outstanding in its session.
 */
void epp_request_free(epp_request *request);

/**
 * Writes the request's kind to `*out_kind`.
 */
EPP_NODISCARD
epp_result epp_request_get_kind(const epp_request *request,
                                epp_request_kind *out_kind);

/**
 * Writes to `*out_id` the id to answer the request with: unique within its
 * session, never reused. Every kind but `EPP_REQUEST_KIND_SESSION_END`.
 */
EPP_NODISCARD epp_result epp_request_get_id(const epp_request *request, uint64_t *out_id);

/**
 * Login: the `<clID>` to authenticate. Poll, poll ack, command or
 * extension: the logged-in client (the `<clID>` of its login) the request
 * comes from.
 */
EPP_NODISCARD
epp_result epp_request_get_client_id(const epp_request *request,
                                     const char **out_ptr,
                                     size_t *out_len);

/**
 * Login: the `<pw>`. Never log it.
 */
EPP_NODISCARD
epp_result epp_request_get_password(const epp_request *request,
                                    const char **out_ptr,
                                    size_t *out_len);

/**
 * Login: the `<newPW>` to set if the login succeeds; (NULL, 0) when the
 * client sent none.
 */
EPP_NODISCARD
epp_result epp_request_get_new_password(const epp_request *request,
                                        const char **out_ptr,
                                        size_t *out_len);

/**
 * Login: the `<options><lang>` (one the server offers).
 */
EPP_NODISCARD
epp_result epp_request_get_lang(const epp_request *request,
                                const char **out_ptr,
                                size_t *out_len);

/**
 * Login: how many `<svcs><objURI>` the client asked for.
 */
EPP_NODISCARD
epp_result epp_request_get_obj_uri_count(const epp_request *request,
                                         size_t *out_count);

/**
 * Login: the `<objURI>` at `index` (below `epp_request_get_obj_uri_count`).
 */
EPP_NODISCARD
epp_result epp_request_get_obj_uri(const epp_request *request,
                                   size_t index,
                                   const char **out_ptr,
                                   size_t *out_len);

/**
 * Login: how many `<svcExtension><extURI>` the client asked for. Command
 * or extension: how many children its `<extension>` has (their namespace
 * URIs, in order, each one the client logged in with).
 */
EPP_NODISCARD
epp_result epp_request_get_ext_uri_count(const epp_request *request,
                                         size_t *out_count);

/**
 * Login, command or extension: the extension URI at `index` (below
 * `epp_request_get_ext_uri_count`).
 */
EPP_NODISCARD
epp_result epp_request_get_ext_uri(const epp_request *request,
                                   size_t index,
                                   const char **out_ptr,
                                   size_t *out_len);

/**
 * Login, poll, poll ack or command: the children of the command's
 * `<extension>`, concatenated, each standing alone (namespace declarations
 * included); (NULL, 0) when there is none. Extension: the children of
 * `<epp><extension>`, the same way (never absent). For a login to a server
 * offering RFC 8807, `<loginSec:loginSec>` is not among them: it is read
 * into the password getters and the user agent.
 */
EPP_NODISCARD
epp_result epp_request_get_extension_xml(const epp_request *request,
                                         const char **out_ptr,
                                         size_t *out_len);

/**
 * Login, poll, poll ack or command: the `<clTRID>`, when the client sent a
 * valid one; (NULL, 0) otherwise. libepp echoes it in the response. (An
 * extension request has none: `EPP_RESULT_NOT_APPLICABLE`.)
 */
EPP_NODISCARD
epp_result epp_request_get_client_transaction_id(const epp_request *request,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Login, poll, poll ack, command or extension: the svTRID the response to
 * this request will carry (libepp sets it aside when it reads the frame),
 * for the host's own transaction records. (A session end has none:
 * `EPP_RESULT_NOT_APPLICABLE`.)
 */
epp_result epp_request_get_server_transaction_id(const epp_request *request,
                                                 const char **out_ptr,
                                                 size_t *out_len);

/**
 * Login: the `<loginSec:app>` of the RFC 8807 `<loginSec:userAgent>` (the
 * client application and its version, such as "EPP SDK 1.0.0",
 * whitespace collapsed); (NULL, 0) when the client did not say. Only a
 * server offering RFC 8807 (`epp_config_builder_set_login_security`)
 * reads it. A user agent has at least one of app, tech and os.
 */
EPP_NODISCARD
epp_result epp_request_get_user_agent_app(const epp_request *request,
                                          const char **out_ptr,
                                          size_t *out_len);

/**
 * Login: the `<loginSec:tech>` of the RFC 8807 user agent (the technology
 * and its version, such as "Vendor Java 11.0.6"); (NULL, 0) when the
 * client did not say.
 */
EPP_NODISCARD
epp_result epp_request_get_user_agent_tech(const epp_request *request,
                                           const char **out_ptr,
                                           size_t *out_len);

/**
 * Login: the `<loginSec:os>` of the RFC 8807 user agent (the operating
 * system and its version); (NULL, 0) when the client did not say.
 */
EPP_NODISCARD
epp_result epp_request_get_user_agent_os(const epp_request *request,
                                         const char **out_ptr,
                                         size_t *out_len);

/**
 * Poll ack: the `msgID` of the message to remove (message ids are
 * numeric; libepp answers a non-numeric one itself).
 */
EPP_NODISCARD epp_result epp_request_get_message_id(const epp_request *request, uint64_t *out_id);

/**
 * Command: the verb.
 */
EPP_NODISCARD
epp_result epp_request_get_command_verb(const epp_request *request,
                                        epp_command_verb *out_verb);

/**
 * Command: the transfer `op`; `EPP_TRANSFER_OP_NONE` unless the verb is
 * `EPP_COMMAND_VERB_TRANSFER`.
 */
EPP_NODISCARD
epp_result epp_request_get_transfer_op(const epp_request *request,
                                       epp_transfer_op *out_op);

/**
 * Command: the namespace URI of the object element (for example
 * "urn:ietf:params:xml:ns:domain-1.0"), one the client logged in with.
 */
EPP_NODISCARD
epp_result epp_request_get_object_uri(const epp_request *request,
                                      const char **out_ptr,
                                      size_t *out_len);

/**
 * Command: the object element (for example
 * `<domain:check ...>...</domain:check>`) with the namespace declarations
 * it inherits added, so it parses alone.
 */
EPP_NODISCARD
epp_result epp_request_get_object_xml(const epp_request *request,
                                      const char **out_ptr,
                                      size_t *out_len);

/**
 * Session end: why the session ended.
 */
EPP_NODISCARD
epp_result epp_request_get_close_reason(const epp_request *request,
                                        epp_close_reason *out_reason);

/**
 * Session end: a number that comes with the close reason (see
 * `epp_close_detail`); `EPP_RESULT_NOT_APPLICABLE` when this reason has no
 * such number.
 */
EPP_NODISCARD
epp_result epp_request_get_close_detail(const epp_request *request,
                                        epp_close_detail which,
                                        uint64_t *out_value);

/**
 * Session end: the close reason as English text for logs (for example
 * "frame length 9999999 outside 5..=262144").
 */
EPP_NODISCARD
epp_result epp_request_get_close_reason_text(const epp_request *request,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Starts a response whose first result has `code`, an EPP result code of
 * RFC 5730 (1000, 2101, 2303...; anything else is
 * `EPP_RESULT_INVALID_ARGUMENT`), with the code's standard message. A
 * 25xx code closes the session once the response is written. On success
 * `*out_response` receives a response to free with `epp_response_free`.
 */
EPP_NODISCARD epp_result epp_response_new(uint16_t result_code, epp_response **out_response);

/**
 * Frees a response (NULL is ignored).
 */
void epp_response_free(epp_response *response);

/**
 * Adds another result with `code` (an RFC 5730 result code). The
 * `epp_response_set_message`, `_set_lang`, `_add_value` and
 * `_add_ext_value` calls that follow apply to it.
 */
EPP_NODISCARD epp_result epp_response_add_result(epp_response *response, uint16_t result_code);

/**
 * Sets the `<msg>` text of the last result added (instead of the code's
 * standard text).
 */
EPP_NODISCARD
epp_result epp_response_set_message(epp_response *response,
                                    const char *text,
                                    size_t text_len);

/**
 * Sets the `<msg lang>` of the last result added (default "en"); checked
 * to be a language tag when the response is used.
 */
EPP_NODISCARD
epp_result epp_response_set_lang(epp_response *response,
                                 const char *lang,
                                 size_t lang_len);

/**
 * Adds a `<value>` holding one XML element (for example
 * `<domain:name xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">x</domain:name>`)
 * to the last result added; checked when the response is used.
 */
EPP_NODISCARD
epp_result epp_response_add_value(epp_response *response,
                                  const char *xml,
                                  size_t xml_len);

/**
 * Adds an `<extValue>` to the last result added: `<value>` holding one XML
 * element (checked when the response is used) and a plain-text
 * `<reason>`.
 */
EPP_NODISCARD
epp_result epp_response_add_ext_value(epp_response *response,
                                      const char *xml,
                                      size_t xml_len,
                                      const char *reason,
                                      size_t reason_len);

/**
 * Sets the `<resData>` content: a sequence of namespaced XML elements,
 * checked when the response is used; (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_response_set_res_data(epp_response *response,
                                     const char *xml,
                                     size_t xml_len);

/**
 * Sets the `<extension>` content: a sequence of namespaced XML elements,
 * checked when the response is used; (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_response_set_extension(epp_response *response,
                                      const char *xml,
                                      size_t xml_len);

/**
 * Makes a service message for a poll answer: message `id` (sent as
 * `msgQ id`), `count` messages in the client's queue including this one,
 * queued at `queued_at_ms` (Unix milliseconds, sent as `<qDate>`), with
 * the human-readable `text`. On success `*out_message` receives a message to free
 * with `epp_poll_message_free`.
 */
EPP_NODISCARD
epp_result epp_poll_message_new(uint64_t id,
                                uint64_t count,
                                uint64_t queued_at_ms,
                                const char *text,
                                size_t text_len,
                                epp_poll_message **out_message);

/**
 * Frees a message (NULL is ignored).
 */
void epp_poll_message_free(epp_poll_message *message);

/**
 * Sets the language of the text (`<msg lang>`, default "en"); checked to
 * be a language tag when the message is used.
 */
EPP_NODISCARD
epp_result epp_poll_message_set_lang(epp_poll_message *message,
                                     const char *lang,
                                     size_t lang_len);

/**
 * Sets object-specific data (`<resData>` children), passed through; an
 * element in a namespace the client did not log in with is moved into
 * `<extValue>` (RFC 9038). (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_poll_message_set_res_data(epp_poll_message *message,
                                         const char *xml,
                                         size_t xml_len);

/**
 * Sets extension data (`<extension>` children), passed through with the
 * same RFC 9038 rule against the client's extURIs. (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_poll_message_set_extension(epp_poll_message *message,
                                          const char *xml,
                                          size_t xml_len);

/**
 * Sets the structured content of `<msg>` (epp-1.0.xsd `mixedMsgType`):
 * one or more namespaced XML elements, written after the text (which may
 * then be empty), each made to stand alone; for example CZ.NIC FRED's
 * `<fred:lowCreditData xmlns:fred="...">`. An element whose namespace the
 * client did not log in with (as an objURI or an extURI) is moved into
 * `<extValue>` (RFC 9038), as for `<resData>`. Checked when the message is
 * used. (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_poll_message_set_msg_xml(epp_poll_message *message,
                                        const char *xml,
                                        size_t xml_len);

/**
 * Makes a security event of `event_type` (an `EPP_SECURITY_EVENT_TYPE_*`
 * value) and `level` (an `EPP_SECURITY_EVENT_LEVEL_*` value), with no
 * other attribute and no text; `EPP_RESULT_INVALID_ARGUMENT` for another
 * value. A `stat` or `custom` event needs a name
 * (`epp_security_event_set_name`), a `password` or `certificate` event an
 * exDate (`epp_security_event_set_expires_at`): RFC 8807's rules, checked
 * when the event is used. On success `*out_event` receives an event to
 * free with `epp_security_event_free`.
 */
EPP_NODISCARD
epp_result epp_security_event_new(epp_security_event_type event_type,
                                  epp_security_event_level level,
                                  epp_security_event **out_event);

/**
 * Frees a security event (NULL is ignored).
 */
void epp_security_event_free(epp_security_event *event);

/**
 * Sets the `name` of a `stat` or `custom` event (such as "failedLogins");
 * `EPP_RESULT_NOT_APPLICABLE` for another type. A name that is empty or
 * only whitespace is refused when the event is used.
 */
EPP_NODISCARD
epp_result epp_security_event_set_name(epp_security_event *event,
                                       const char *name,
                                       size_t name_len);

/**
 * Sets the `exDate`: when the password or certificate expires (or
 * expired), `at_ms` in Unix milliseconds. Written with second precision
 * unless it has a fraction (`2020-03-25T00:00:00Z`,
 * `2020-03-25T00:00:00.007Z`).
 */
EPP_NODISCARD
epp_result epp_security_event_set_expires_at(epp_security_event *event,
                                             uint64_t at_ms);

/**
 * Sets the `value`: the cipher suite, the TLS protocol, the statistic's
 * figure. (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_security_event_set_value(epp_security_event *event,
                                        const char *value,
                                        size_t value_len);

/**
 * Sets the `duration`: the period of a statistic, `duration_ms`
 * milliseconds (written as an XML Schema duration: `P1D`, `PT1H30M`,
 * `PT0.5S`).
 */
EPP_NODISCARD
epp_result epp_security_event_set_duration(epp_security_event *event,
                                           uint64_t duration_ms);

/**
 * Sets the `lang` of the text (an RFC 5646 tag; checked when the event is
 * used). Without it no attribute is written (the schema's default is
 * "en"). (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_security_event_set_lang(epp_security_event *event,
                                       const char *lang,
                                       size_t lang_len);

/**
 * Sets the human-readable description (the element's text, such as
 * "Password expiring in a week"). (NULL, 0) removes it.
 */
EPP_NODISCARD
epp_result epp_security_event_set_text(epp_security_event *event,
                                       const char *text,
                                       size_t text_len);

/**
 * Writes a short English description of `result` (an `epp_result` value)
 * into `buf`, terminated by a NUL, and its length without the NUL into
 * `*written`. A buffer of `EPP_RESULT_DESCRIBE_MAX` bytes always suffices.
 *
 * Returns `EPP_RESULT_INSUFFICIENT_SIZE` when the description and its NUL
 * do not fit in `len` bytes, and `EPP_RESULT_INVALID_ARGUMENT` when
 * `result` is not an `epp_result` value; nothing is written then.
 */
EPP_NODISCARD
epp_result epp_result_describe(uint32_t result,
                               char *buf,
                               size_t len,
                               size_t *written);

/**
 * The text of the latest call on this thread that failed (of any libepp
 * function returning an `epp_result`): what went wrong, naming the
 * argument and its value for an argument error ("result_code: 1234 is
 * not an EPP result code (RFC 5730 section 3)"), the session's detail for
 * a session error (the same text as `epp_session_get_last_error`), else
 * the result's description. (NULL, 0) when no call has failed on this
 * thread. Like errno, it is only meaningful right after a call returned
 * something other than `EPP_RESULT_OK`: successful calls leave it as it
 * is. The text is valid until the next failed call on this thread.
 */
EPP_NODISCARD epp_result epp_last_error(const char **out_ptr, size_t *out_len);

/**
 * session-create: makes a session of `server` for a new connection at
 * `now_ms` (Unix time in milliseconds, as every `now_ms`). The greeting is
 * queued at once: take it with `epp_session_take_output`. The session
 * keeps its own reference to `server`. On success `*out_session` receives
 * a session to free with `epp_session_free`.
 */
EPP_NODISCARD
epp_result epp_session_new(const epp_server *server,
                           uint64_t now_ms,
                           epp_session **out_session);

/**
 * Frees a session (NULL is ignored), poisoned or not. Requests taken from
 * it stay valid (they own their data) but can no longer be answered. A
 * registrar session slot it held is released.
 */
void epp_session_free(epp_session *session);

/**
 * feed-input: hands the session `len` bytes read from the peer at
 * `now_ms`; the session takes them all. Whole frames are handled at once
 * while the session can take them; the rest (an unfinished frame, or
 * frames behind backpressure: a login with the host, too many commands in
 * flight, too much output waiting) is held and handled as answers and
 * consumed output make room. Afterwards, take output and poll the queue.
 *
 * Read from the peer only while `epp_session_wants_input` says true; a
 * feed made then is taken whatever its size. Fails, taking nothing:
 * - `EPP_RESULT_SESSION_CLOSED` once the session processes no more input
 *   (sticky): stop reading, write what is left, close when finished;
 * - `EPP_RESULT_INPUT_AFTER_EOF` after `epp_session_handle_eof`;
 * - `EPP_RESULT_INPUT_BUFFER_FULL` when the session cannot handle a frame
 *   now and the bytes held would exceed `EPP_LIMIT_MAX_BUFFERED_INPUT`
 *   (the host read on although `epp_session_wants_input` said false).
 */
EPP_NODISCARD
epp_result epp_session_feed_input(epp_session *session,
                                  const uint8_t *data,
                                  size_t len,
                                  uint64_t now_ms);

/**
 * Writes to `*out_wants` whether the host should read more from the peer
 * now. False while the session cannot make progress on what it holds (a
 * login is with the host, `EPP_LIMIT_MAX_IN_FLIGHT` requests are
 * unanswered, too much output is waiting, or
 * `EPP_LIMIT_MAX_BUFFERED_INPUT` bytes are held), after
 * `epp_session_handle_eof`, and once the session is closing. Ask again
 * after every call that changes the session (answers and
 * `epp_session_consume_output` make room).
 */
EPP_NODISCARD epp_result epp_session_wants_input(const epp_session *session, bool *out_wants);

/**
 * Writes to `*out_len` how many bytes fed with `epp_session_feed_input`
 * the session holds and has not handled yet (an unfinished frame, or
 * frames waiting behind backpressure).
 */
EPP_NODISCARD
epp_result epp_session_get_buffered_input(const epp_session *session,
                                          size_t *out_len);

/**
 * take-output: writes to `*out_ptr` and `*out_len` the bytes waiting to be sent
 * to the peer (`*out_len` is 0 when nothing is pending; `*out_ptr` is then not to
 * be read). The bytes belong to the session and stay valid until the next
 * call given this session. Write some or all of them, then call
 * `epp_session_consume_output` with the number written.
 */
EPP_NODISCARD
epp_result epp_session_take_output(epp_session *session,
                                   const uint8_t **out_ptr,
                                   size_t *out_len);

/**
 * Marks the first `n` bytes of the pending output as written.
 * `EPP_RESULT_INVALID_LENGTH` when fewer than `n` bytes are pending.
 */
EPP_NODISCARD epp_result epp_session_consume_output(epp_session *session, size_t n);

/**
 * poll-queue: takes the next request the host must decide, in command
 * order, and writes it to `*out_request`; writes NULL when the queue is empty
 * (that is still `EPP_RESULT_OK`). Free each request with
 * `epp_request_free`; answer it (by id) through this session. Poll after
 * every feed and after every answer.
 */
EPP_NODISCARD epp_result epp_session_poll_queue(epp_session *session, epp_request **out_request);

/**
 * Takes the next record of the transaction log (responses in the order
 * they were written) and writes it to `*out_transaction`; writes NULL when there is
 * none, or when the config keeps no log. Free each record with
 * `epp_transaction_free`. At most 1024 untaken records are kept per
 * session, the oldest dropped first.
 */
EPP_NODISCARD
epp_result epp_session_poll_transaction(epp_session *session,
                                        epp_transaction **out_transaction);

/**
 * Answers a login request (`EPP_REQUEST_KIND_LOGIN`) with the host's
 * decision; libepp renders the response and writes its result code to
 * `*out_code`. Only 1000 means the client is logged in (and a new
 * password should take effect): an accepted login still becomes 2502 when
 * the server's `epp_registrar_sessions` has no room for the registrar.
 * To send RFC 8807 security events with the answer, use
 * `epp_session_answer_login_with_events`.
 */
EPP_NODISCARD
epp_result epp_session_answer_login(epp_session *session,
                                    uint64_t request_id,
                                    epp_login_answer answer,
                                    uint16_t *out_code);

/**
 * Answers a login request as `epp_session_answer_login` does, with RFC
 * 8807 security events for the client (a password or certificate about
 * to expire, a weak cipher or TLS protocol, statistics...), whatever the
 * outcome. `events` points to `n_events` event pointers (none NULL), only
 * read: the caller still frees the events (and the array). (NULL, 0) is
 * no events, which is `epp_session_answer_login`.
 *
 * The events are written as `<extension><loginSec:loginSecData>` when the
 * client logged in with the RFC 8807 extURI, and moved into `<extValue>`
 * otherwise (RFC 9038), like any extension the client did not ask for.
 * `EPP_RESULT_INVALID_ANSWER` (`epp_session_get_last_error` says why),
 * answering nothing, when an event lacks what RFC 8807 requires: an exDate
 * for `password` and `certificate`, a name for `stat` and `custom`, a
 * language tag as lang.
 */
EPP_NODISCARD
epp_result epp_session_answer_login_with_events(epp_session *session,
                                                uint64_t request_id,
                                                epp_login_answer answer,
                                                const epp_security_event *const *events,
                                                size_t n_events,
                                                uint16_t *out_code);

/**
 * Answers a login request (`EPP_REQUEST_KIND_LOGIN`) in one call, for
 * the common case: `accepted` true is `EPP_LOGIN_ANSWER_ACCEPTED`, false
 * `EPP_LOGIN_ANSWER_BAD_CREDENTIALS`. `*out_logged_in` (optional: NULL
 * when not wanted) receives whether the client is now logged in: false
 * when refused, and also when an accepted login became 2502 because the
 * server's `epp_registrar_sessions` had no room for the registrar. For
 * the other answers, the code sent, or RFC 8807 events, use
 * `epp_session_answer_login` or `epp_session_answer_login_with_events`.
 */
EPP_NODISCARD
epp_result epp_session_answer_login_verdict(epp_session *session,
                                            uint64_t request_id,
                                            bool accepted,
                                            bool *out_logged_in);

/**
 * Answers an object command or a protocol extension
 * (`EPP_REQUEST_KIND_COMMAND`, `EPP_REQUEST_KIND_EXTENSION`) with a
 * response of one result, `result_code` (an EPP result code of RFC 5730:
 * 1000, 2201, 2303...), with the code's standard message: in one call what
 * `epp_response_new`, `epp_session_answer_command` and
 * `epp_response_free` do. A 25xx code closes the session once written. A
 * code RFC 5730 does not define is `EPP_RESULT_INVALID_ARGUMENT`
 * (`epp_session_get_last_error` and `epp_last_error` say which), and
 * answers nothing.
 */
EPP_NODISCARD
epp_result epp_session_answer_code(epp_session *session,
                                   uint64_t request_id,
                                   uint16_t result_code);

/**
 * Answers a poll request (`EPP_REQUEST_KIND_POLL`): the client's queue is
 * empty (1300).
 */
EPP_NODISCARD epp_result epp_session_answer_poll_empty(epp_session *session, uint64_t request_id);

/**
 * Answers a poll request (`EPP_REQUEST_KIND_POLL`) with the oldest
 * message of the client's queue (1301 with `<msgQ>`). The message is only
 * read: the caller still frees it. `EPP_RESULT_INVALID_XML` or
 * `EPP_RESULT_INVALID_ANSWER` when its content is not acceptable (a count
 * of 0 among them: the count includes this message); the request is then
 * still outstanding.
 */
EPP_NODISCARD
epp_result epp_session_answer_poll_message(epp_session *session,
                                           uint64_t request_id,
                                           const epp_poll_message *message);

/**
 * Answers a poll ack (`EPP_REQUEST_KIND_POLL_ACK`): the message was
 * removed and `remaining` messages are left in the client's queue (1000
 * with `<msgQ count id>`).
 */
EPP_NODISCARD
epp_result epp_session_answer_ack(epp_session *session,
                                  uint64_t request_id,
                                  uint64_t remaining);

/**
 * Answers a poll ack (`EPP_REQUEST_KIND_POLL_ACK`): the client has no
 * message with that id (2303).
 */
EPP_NODISCARD epp_result epp_session_answer_ack_unknown(epp_session *session, uint64_t request_id);

/**
 * Answers an object command or a protocol extension
 * (`EPP_REQUEST_KIND_COMMAND`, `EPP_REQUEST_KIND_EXTENSION`; or a poll or
 * poll ack, when the host wants full control of the result) with a
 * complete response. The response is
 * only read: the caller still frees it, and may reuse it. A 25xx code
 * closes the session once written. `EPP_RESULT_INVALID_XML` or
 * `EPP_RESULT_INVALID_ANSWER` when the response's content is not
 * acceptable (`epp_session_get_last_error` says why); the request is then
 * still outstanding.
 */
EPP_NODISCARD
epp_result epp_session_answer_command(epp_session *session,
                                      uint64_t request_id,
                                      const epp_response *response);

/**
 * Answers any outstanding request with 2400 (command failed), with an
 * optional message text ((NULL, 0) for the standard one).
 */
EPP_NODISCARD
epp_result epp_session_answer_failure(epp_session *session,
                                      uint64_t request_id,
                                      const char *message,
                                      size_t message_len);

/**
 * Tells the session the peer closed its sending side (read returned 0) at
 * `now_ms`. It takes effect once every byte fed before it has been
 * handled: commands already read are still answered (keep answering
 * requests and consuming output), and an unfinished frame is dropped.
 * Feeding input afterwards is `EPP_RESULT_INPUT_AFTER_EOF`. A
 * `EPP_REQUEST_KIND_SESSION_END` request follows; keep writing pending
 * output until `epp_session_is_finished`.
 */
EPP_NODISCARD epp_result epp_session_handle_eof(epp_session *session, uint64_t now_ms);

/**
 * Ends the session at the host's wish: nothing more is written (output
 * not yet consumed, the greeting included, is dropped: the next
 * `epp_session_take_output` yields 0 bytes), and `epp_session_is_finished`
 * becomes true.
 */
EPP_NODISCARD epp_result epp_session_close(epp_session *session);

/**
 * Writes to `*out_at_ms` when `epp_session_handle_timeout` should next be
 * called (Unix milliseconds), or `EPP_TIMEOUT_NONE` when no timer runs
 * (the session ended, or the host holds a request). Ask again after every
 * call that changes the session.
 */
EPP_NODISCARD
epp_result epp_session_get_next_timeout(const epp_session *session,
                                        uint64_t *out_at_ms);

/**
 * Closes the session, without a response (EPP has no unsolicited
 * messages), if the login deadline or the idle timeout has passed by
 * `now_ms`; writes to `*closed` whether it did.
 */
EPP_NODISCARD
epp_result epp_session_handle_timeout(epp_session *session,
                                      uint64_t now_ms,
                                      bool *closed);

/**
 * Writes the session's state to `*out_state`.
 */
EPP_NODISCARD
epp_result epp_session_get_state(const epp_session *session,
                                 epp_session_state *out_state);

/**
 * Writes to `*finished` whether the connection should be closed now: the
 * session has ended and every byte it will write has been consumed.
 */
EPP_NODISCARD epp_result epp_session_is_finished(const epp_session *session, bool *finished);

/**
 * Writes to `*count` how many requests were handed out (or are queued)
 * and not yet answered.
 */
EPP_NODISCARD epp_result epp_session_get_outstanding(const epp_session *session, size_t *count);

/**
 * The logged-in client's identifier (clID); (NULL, 0) when no client is
 * logged in. Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_session_get_client_id(const epp_session *session,
                                     const char **out_ptr,
                                     size_t *out_len);

/**
 * Writes to `*out_reason` why the session ended or is ending;
 * `EPP_CLOSE_REASON_NONE` while it is open.
 */
EPP_NODISCARD
epp_result epp_session_get_close_reason(const epp_session *session,
                                        epp_close_reason *out_reason);

/**
 * Writes to `*out_value` a number that comes with the close reason (see
 * `epp_close_detail`); `EPP_RESULT_NOT_APPLICABLE` while the session is
 * open or when its close reason has no such number.
 */
EPP_NODISCARD
epp_result epp_session_get_close_detail(const epp_session *session,
                                        epp_close_detail which,
                                        uint64_t *out_value);

/**
 * The close reason as English text for logs; (NULL, 0) while the session
 * is open. Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_session_get_close_reason_text(const epp_session *session,
                                             const char **out_ptr,
                                             size_t *out_len);

/**
 * Why the latest call that changes this session (every `epp_session_*`
 * call but the `_get_` getters) failed, as English text: the detail behind
 * `EPP_RESULT_SESSION_CLOSED`, `EPP_RESULT_INVALID_XML`,
 * `EPP_RESULT_PANIC`..., or the result's description for an argument
 * error. (NULL, 0) when that call succeeded. Works on a poisoned session
 * (the panic's text). Valid until the next call given this session.
 */
EPP_NODISCARD
epp_result epp_session_get_last_error(const epp_session *session,
                                      const char **out_ptr,
                                      size_t *out_len);

#if defined(EPP_TEST_PANIC)
/**
 * Test only: panics inside the boundary of a call given `session`, as a
 * bug in libepp would. Returns `EPP_RESULT_PANIC` and poisons the
 * session; `EPP_RESULT_NULL_PARAMETER` for NULL.
 */
EPP_NODISCARD epp_result epp_test_session_panic(epp_session *session);
#endif

#if defined(EPP_TEST_PANIC)
/**
 * Test only: panics inside the boundary of a call given no handle.
 * Returns `EPP_RESULT_PANIC`.
 */
EPP_NODISCARD epp_result epp_test_panic(void);
#endif

#if defined(EPP_TEST_PANIC)
/**
 * Test only: panics inside the boundary of a call given an ETP `session`.
 * Returns `EPP_RESULT_PANIC` and poisons the session;
 * `EPP_RESULT_NULL_PARAMETER` for NULL.
 */
EPP_NODISCARD epp_result epp_test_etp_session_panic(epp_etp_session *session);
#endif

#if defined(EPP_TEST_PANIC)
/**
 * Test only: panics inside the boundary of a call given a client
 * `session`. Returns `EPP_RESULT_PANIC` and poisons the session;
 * `EPP_RESULT_NULL_PARAMETER` for NULL.
 */
EPP_NODISCARD epp_result epp_test_client_session_panic(epp_client_session *session);
#endif

/**
 * Frees a record (NULL is ignored).
 */
void epp_transaction_free(epp_transaction *transaction);

/**
 * What was answered: "hello", "login", "logout", "poll req", "poll ack",
 * an object verb ("check", "info", ...), "extension" (a protocol
 * extension, `<epp><extension>`), "invalid" (a frame refused with 2000 or
 * 2001) or "frame" (a frame length refused with 2500).
 */
EPP_NODISCARD
epp_result epp_transaction_get_command(const epp_transaction *transaction,
                                       const char **out_ptr,
                                       size_t *out_len);

/**
 * Writes the result code of the response to `*out_code`; 0 for a greeting.
 */
EPP_NODISCARD
epp_result epp_transaction_get_result_code(const epp_transaction *transaction,
                                           uint16_t *out_code);

/**
 * The logged-in client, or for a login the clID it tried; (NULL, 0) when
 * there is none.
 */
EPP_NODISCARD
epp_result epp_transaction_get_client_id(const epp_transaction *transaction,
                                         const char **out_ptr,
                                         size_t *out_len);

/**
 * The clTRID as echoed; (NULL, 0) when the response has none.
 */
EPP_NODISCARD
epp_result epp_transaction_get_client_transaction_id(const epp_transaction *transaction,
                                                     const char **out_ptr,
                                                     size_t *out_len);

/**
 * The svTRID; (NULL, 0) for a greeting.
 */
EPP_NODISCARD
epp_result epp_transaction_get_server_transaction_id(const epp_transaction *transaction,
                                                     const char **out_ptr,
                                                     size_t *out_len);

/**
 * Writes to `*out_at_ms` when the frame answered was read: the `now_ms` passed
 * with it.
 */
EPP_NODISCARD
epp_result epp_transaction_get_received_at(const epp_transaction *transaction,
                                           uint64_t *out_at_ms);

/**
 * The version of the library linked at run time, as a NUL-terminated
 * string such as "0.6.0" (compare with `EPP_VERSION_MAJOR` and friends to
 * detect a header/library mismatch). The string is static: never free it.
 */
const char *epp_version(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* EPP_H */
