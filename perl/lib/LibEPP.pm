package LibEPP;

# The Perl binding of libepp's C ABI (include/epp.h), over FFI::Platypus.
# This file loads the library, attaches every function, and holds the
# constants and the helpers the classes share. See the POD at the end.

use strict;
use warnings;
use 5.010;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Spec;
use FFI::Platypus 2.00;
use FFI::Platypus::Buffer qw(buffer_to_scalar);
use FFI::Platypus::Memory qw(malloc free);
use Time::HiRes ();

use LibEPP::Error;
use LibEPP::Library;

# ---------------------------------------------------------------------
# Constants (the values of include/epp.h)
# ---------------------------------------------------------------------

my %RESULT;
my %CONSTANTS;
BEGIN {
    %RESULT = (
        EPP_RESULT_OK                 => 0,
        EPP_RESULT_PANIC              => 1,
        EPP_RESULT_NULL_PARAMETER     => 2,
        EPP_RESULT_INVALID_LENGTH     => 3,
        EPP_RESULT_INSUFFICIENT_SIZE  => 4,
        EPP_RESULT_INVALID_UTF8       => 5,
        EPP_RESULT_INVALID_ARGUMENT   => 6,
        EPP_RESULT_INDEX_OUT_OF_RANGE => 7,
        EPP_RESULT_NOT_APPLICABLE     => 8,
        EPP_RESULT_INVALID_CONFIG     => 100,
        EPP_RESULT_SESSION_CLOSED     => 200,
        EPP_RESULT_UNKNOWN_REQUEST    => 201,
        EPP_RESULT_WRONG_ANSWER       => 202,
        EPP_RESULT_INVALID_XML        => 203,
        EPP_RESULT_INVALID_ANSWER     => 204,
        EPP_RESULT_ALREADY_ANSWERED   => 205,
        EPP_RESULT_INPUT_AFTER_EOF    => 206,
        EPP_RESULT_INPUT_BUFFER_FULL  => 207,
        EPP_RESULT_WRONG_STATE          => 300,
        EPP_RESULT_SERVICE_NOT_OFFERED  => 301,
        EPP_RESULT_NO_OBJECT_SERVICE    => 302,
        EPP_RESULT_VERSION_NOT_OFFERED  => 303,
        EPP_RESULT_LANGUAGE_NOT_OFFERED => 304,
        EPP_RESULT_PASSWORD_TOO_LONG    => 305,
        EPP_RESULT_NOT_LOGGED_IN_WITH   => 306,
        EPP_RESULT_INVALID_COMMAND      => 307,
    );
    %CONSTANTS = (
        result => {%RESULT},
        kind => {
            EPP_REQUEST_KIND_LOGIN       => 1,
            EPP_REQUEST_KIND_POLL        => 2,
            EPP_REQUEST_KIND_POLL_ACK    => 3,
            EPP_REQUEST_KIND_COMMAND     => 4,
            EPP_REQUEST_KIND_SESSION_END => 5,
            EPP_REQUEST_KIND_EXTENSION   => 6,
        },
        verb => {
            EPP_COMMAND_VERB_CHECK    => 1,
            EPP_COMMAND_VERB_INFO     => 2,
            EPP_COMMAND_VERB_CREATE   => 3,
            EPP_COMMAND_VERB_UPDATE   => 4,
            EPP_COMMAND_VERB_DELETE   => 5,
            EPP_COMMAND_VERB_RENEW    => 6,
            EPP_COMMAND_VERB_TRANSFER => 7,
        },
        transfer => {
            EPP_TRANSFER_OP_NONE    => 0,
            EPP_TRANSFER_OP_REQUEST => 1,
            EPP_TRANSFER_OP_APPROVE => 2,
            EPP_TRANSFER_OP_CANCEL  => 3,
            EPP_TRANSFER_OP_QUERY   => 4,
            EPP_TRANSFER_OP_REJECT  => 5,
        },
        close => {
            EPP_CLOSE_REASON_NONE                   => 0,
            EPP_CLOSE_REASON_LOGOUT                 => 1,
            EPP_CLOSE_REASON_LOGIN_DEADLINE         => 2,
            EPP_CLOSE_REASON_IDLE_TIMEOUT           => 3,
            EPP_CLOSE_REASON_BAD_FRAME_LENGTH       => 4,
            EPP_CLOSE_REASON_PEER_CLOSED            => 5,
            EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME  => 6,
            EPP_CLOSE_REASON_TOO_MANY_FAILED_LOGINS => 7,
            EPP_CLOSE_REASON_SESSION_LIMIT_EXCEEDED => 8,
            EPP_CLOSE_REASON_CLOSING_RESPONSE       => 9,
            EPP_CLOSE_REASON_HOST                   => 10,
            EPP_CLOSE_DETAIL_FRAME_LENGTH           => 1,
            EPP_CLOSE_DETAIL_FRAME_LIMIT            => 2,
            EPP_CLOSE_DETAIL_BYTES_RECEIVED         => 3,
            EPP_CLOSE_DETAIL_RESULT_CODE            => 4,
            EPP_CLOSE_DETAIL_COMMAND_ID             => 5,
            EPP_CLOSE_DETAIL_COMMAND_KIND           => 6,
        },
        state => {
            EPP_SESSION_STATE_AWAITING_LOGIN => 1,
            EPP_SESSION_STATE_LOGIN_PENDING  => 2,
            EPP_SESSION_STATE_LOGGED_IN      => 3,
            EPP_SESSION_STATE_CLOSING        => 4,
            EPP_SESSION_STATE_CLOSED         => 5,
        },
        limit => {
            EPP_LIMIT_MAX_FRAME_SIZE      => 1,
            EPP_LIMIT_MAX_IN_FLIGHT       => 2,
            EPP_LIMIT_MAX_PENDING_OUTPUT  => 3,
            EPP_LIMIT_MAX_FAILED_LOGINS   => 4,
            EPP_LIMIT_LOGIN_DEADLINE_MS   => 5,
            EPP_LIMIT_IDLE_TIMEOUT_MS     => 6,
            EPP_LIMIT_MAX_XML_DEPTH       => 7,
            EPP_LIMIT_MAX_XML_ATTRIBUTES  => 8,
            EPP_LIMIT_MAX_XML_TEXT        => 9,
            EPP_LIMIT_MAX_BUFFERED_INPUT  => 10,
        },
        dcp => {
            EPP_DCP_ACCESS_ALL                 => 1,
            EPP_DCP_ACCESS_NONE                => 2,
            EPP_DCP_ACCESS_NULL                => 3,
            EPP_DCP_ACCESS_OTHER               => 4,
            EPP_DCP_ACCESS_PERSONAL            => 5,
            EPP_DCP_ACCESS_PERSONAL_AND_OTHER  => 6,
            EPP_DCP_PURPOSE_ADMIN              => 1,
            EPP_DCP_PURPOSE_CONTACT            => 2,
            EPP_DCP_PURPOSE_OTHER              => 4,
            EPP_DCP_PURPOSE_PROV               => 8,
            EPP_DCP_RECIPIENT_OTHER            => 1,
            EPP_DCP_RECIPIENT_OURS             => 2,
            EPP_DCP_RECIPIENT_PUBLIC           => 4,
            EPP_DCP_RECIPIENT_SAME             => 8,
            EPP_DCP_RECIPIENT_UNRELATED        => 16,
            EPP_DCP_RETENTION_BUSINESS         => 1,
            EPP_DCP_RETENTION_INDEFINITE       => 2,
            EPP_DCP_RETENTION_LEGAL            => 3,
            EPP_DCP_RETENTION_NONE             => 4,
            EPP_DCP_RETENTION_STATED           => 5,
        },
        login => {
            EPP_LOGIN_ANSWER_ACCEPTED               => 1,
            EPP_LOGIN_ANSWER_BAD_CREDENTIALS        => 2,
            EPP_LOGIN_ANSWER_ACCOUNT_DISABLED       => 3,
            EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED => 4,
            EPP_LOGIN_ANSWER_FAILED                 => 5,
        },
        security_event => {
            EPP_SECURITY_EVENT_TYPE_PASSWORD     => 1,
            EPP_SECURITY_EVENT_TYPE_CERTIFICATE  => 2,
            EPP_SECURITY_EVENT_TYPE_CIPHER       => 3,
            EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL => 4,
            EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD => 5,
            EPP_SECURITY_EVENT_TYPE_STAT         => 6,
            EPP_SECURITY_EVENT_TYPE_CUSTOM       => 7,
            EPP_SECURITY_EVENT_LEVEL_WARNING     => 1,
            EPP_SECURITY_EVENT_LEVEL_ERROR       => 2,
        },
        # The client engine (LibEPP::Client).
        client => {
            EPP_CLIENT_COMMAND_KIND_HELLO              => 1,
            EPP_CLIENT_COMMAND_KIND_LOGIN              => 2,
            EPP_CLIENT_COMMAND_KIND_LOGOUT             => 3,
            EPP_CLIENT_COMMAND_KIND_POLL_REQUEST       => 4,
            EPP_CLIENT_COMMAND_KIND_POLL_ACK           => 5,
            EPP_CLIENT_COMMAND_KIND_CHECK              => 6,
            EPP_CLIENT_COMMAND_KIND_INFO               => 7,
            EPP_CLIENT_COMMAND_KIND_CREATE             => 8,
            EPP_CLIENT_COMMAND_KIND_UPDATE             => 9,
            EPP_CLIENT_COMMAND_KIND_DELETE             => 10,
            EPP_CLIENT_COMMAND_KIND_RENEW              => 11,
            EPP_CLIENT_COMMAND_KIND_TRANSFER           => 12,
            EPP_CLIENT_STATE_AWAITING_GREETING         => 1,
            EPP_CLIENT_STATE_GREETING_RECEIVED         => 2,
            EPP_CLIENT_STATE_LOGIN_SENT                => 3,
            EPP_CLIENT_STATE_LOGGED_IN                 => 4,
            EPP_CLIENT_STATE_LOGOUT_SENT               => 5,
            EPP_CLIENT_STATE_CLOSING                   => 6,
            EPP_CLIENT_STATE_CLOSED                    => 7,
            EPP_CLIENT_EVENT_KIND_GREETING             => 1,
            EPP_CLIENT_EVENT_KIND_LOGIN                => 2,
            EPP_CLIENT_EVENT_KIND_RESPONSE             => 3,
            EPP_CLIENT_EVENT_KIND_KEEP_ALIVE           => 4,
            EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE     => 5,
            EPP_CLIENT_EVENT_KIND_CLOSED               => 6,
            EPP_CLIENT_CLOSE_REASON_NONE               => 0,
            EPP_CLIENT_CLOSE_REASON_LOGOUT             => 1,
            EPP_CLIENT_CLOSE_REASON_SERVER_CLOSING     => 2,
            EPP_CLIENT_CLOSE_REASON_PEER_CLOSED        => 3,
            EPP_CLIENT_CLOSE_REASON_PEER_CLOSED_MID_FRAME => 4,
            EPP_CLIENT_CLOSE_REASON_PROTOCOL           => 5,
            EPP_CLIENT_CLOSE_REASON_GREETING_OVERDUE   => 6,
            EPP_CLIENT_CLOSE_REASON_RESPONSE_OVERDUE   => 7,
            EPP_CLIENT_CLOSE_REASON_HOST               => 8,
            EPP_CLIENT_PROTOCOL_ERROR_NONE             => 0,
            EPP_CLIENT_PROTOCOL_ERROR_BAD_FRAME_LENGTH => 1,
            EPP_CLIENT_PROTOCOL_ERROR_MALFORMED        => 2,
            EPP_CLIENT_PROTOCOL_ERROR_GREETING_EXPECTED => 3,
            EPP_CLIENT_PROTOCOL_ERROR_UNEXPECTED_GREETING => 4,
            EPP_CLIENT_PROTOCOL_ERROR_UNSOLICITED      => 5,
            EPP_CLIENT_PROTOCOL_ERROR_CL_TRID_MISMATCH => 6,
            EPP_KEEP_ALIVE_NEVER                       => ~0,    # UINT64_MAX on a 64-bit perl
        },
        misc => {
            EPP_TIMEOUT_NONE        => ~0,    # UINT64_MAX on a 64-bit perl
            EPP_RESULT_DESCRIBE_MAX => 128,
        },
        # The version of include/epp.h this binding was written against.
        version => {
            EPP_VERSION_MAJOR => 0,
            EPP_VERSION_MINOR => 6,
            EPP_VERSION_PATCH => 0,
        },
    );
}
use constant { map { %$_ } values %CONSTANTS };

our %EXPORT_TAGS = map { ($_ => [sort keys %{$CONSTANTS{$_}}]) } keys %CONSTANTS;
our @EXPORT_OK = (map({ @$_ } values %EXPORT_TAGS), qw(now_ms describe_result result_name));
$EXPORT_TAGS{all} = [@EXPORT_OK];
$EXPORT_TAGS{constants} = [map { @{$EXPORT_TAGS{$_}} } keys %CONSTANTS];

my %RESULT_NAME = reverse %RESULT;

# A subclass of LibEPP::Error for every failure: EPP_RESULT_ALREADY_ANSWERED
# is thrown as a LibEPP::Error::AlreadyAnswered, and so on.
our %ERROR_CLASS;
for my $name (sort keys %RESULT) {
    next if !$RESULT{$name};
    (my $short = $name) =~ s/^EPP_RESULT_//;
    my $class = 'LibEPP::Error::' . join('', map { ucfirst lc } split /_/, $short);
    no strict 'refs';
    @{"${class}::ISA"} = ('LibEPP::Error');
    $ERROR_CLASS{$RESULT{$name}} = $class;
}

# Lower-case names used by the Perl API for the enumerations.
our %KIND_NAME = (1 => 'login', 2 => 'poll', 3 => 'poll_ack', 4 => 'command', 5 => 'session_end',
                  6 => 'extension');
our %VERB_NAME = (1 => 'check', 2 => 'info', 3 => 'create', 4 => 'update', 5 => 'delete',
                  6 => 'renew', 7 => 'transfer');
our %TRANSFER_OP_NAME = (0 => undef, 1 => 'request', 2 => 'approve', 3 => 'cancel',
                         4 => 'query', 5 => 'reject');
our %CLOSE_REASON_NAME = (0 => 'none', 1 => 'logout', 2 => 'login_deadline', 3 => 'idle_timeout',
                          4 => 'bad_frame_length', 5 => 'peer_closed', 6 => 'peer_closed_mid_frame',
                          7 => 'too_many_failed_logins', 8 => 'session_limit_exceeded',
                          9 => 'closing_response', 10 => 'host');
our %STATE_NAME = (1 => 'awaiting_login', 2 => 'login_pending', 3 => 'logged_in',
                   4 => 'closing', 5 => 'closed');
# ... and for the client engine.
our %CLIENT_COMMAND_KIND_NAME = (1 => 'hello', 2 => 'login', 3 => 'logout', 4 => 'poll_request',
                                 5 => 'poll_ack', 6 => 'check', 7 => 'info', 8 => 'create',
                                 9 => 'update', 10 => 'delete', 11 => 'renew', 12 => 'transfer');
our %CLIENT_STATE_NAME = (1 => 'awaiting_greeting', 2 => 'greeting_received', 3 => 'login_sent',
                          4 => 'logged_in', 5 => 'logout_sent', 6 => 'closing', 7 => 'closed');
our %CLIENT_EVENT_KIND_NAME = (1 => 'greeting', 2 => 'login', 3 => 'response', 4 => 'keep_alive',
                               5 => 'response_overdue', 6 => 'closed');
our %CLIENT_CLOSE_REASON_NAME = (0 => 'none', 1 => 'logout', 2 => 'server_closing', 3 => 'peer_closed',
                                 4 => 'peer_closed_mid_frame', 5 => 'protocol', 6 => 'greeting_overdue',
                                 7 => 'response_overdue', 8 => 'host');
our %CLIENT_PROTOCOL_ERROR_NAME = (0 => 'none', 1 => 'bad_frame_length', 2 => 'malformed',
                                   3 => 'greeting_expected', 4 => 'unexpected_greeting',
                                   5 => 'unsolicited', 6 => 'cl_trid_mismatch');

# ---------------------------------------------------------------------
# Loading the library
# ---------------------------------------------------------------------

our $LIBRARY;    # the path of the libepp that was loaded
our $FFI;        # the FFI::Platypus instance

# Where libepp is: LIBEPP_LIB, pkg-config, FFI::CheckLib, the repository
# build (LibEPP::Library; croaks naming what it tried).
sub _find_library {
    return LibEPP::Library->find(major => EPP_VERSION_MAJOR, minor => EPP_VERSION_MINOR);
}

# name => [argument types, return type]. Handles are 'opaque'; strings
# passed in are ('string', 'size_t') pairs (the pointer of a Perl byte
# string, NULL for undef); strings handed out are ('opaque*', 'size_t*').
our %FUNCTIONS = (
    epp_version         => [[] => 'string'],
    epp_result_describe => [['uint32', 'opaque', 'size_t', 'size_t*'] => 'uint32'],
    epp_last_error      => [['opaque*', 'size_t*'] => 'uint32'],

    epp_config_builder_new                      => [['string', 'size_t', 'opaque*'] => 'uint32'],
    epp_config_builder_free                     => [['opaque'] => 'void'],
    epp_config_builder_add_version              => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_add_language             => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_add_object_uri           => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_add_extension_uri        => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_set_limit                => [['opaque', 'uint32', 'uint64'] => 'uint32'],
    epp_config_builder_set_dcp_access           => [['opaque', 'uint32'] => 'uint32'],
    epp_config_builder_add_dcp_statement        => [['opaque', 'uint32', 'uint32', 'uint32'] => 'uint32'],
    epp_config_builder_add_dcp_ours_description => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_set_dcp_expiry_absolute  => [['opaque', 'uint64'] => 'uint32'],
    epp_config_builder_set_dcp_expiry_relative  => [['opaque', 'uint64'] => 'uint32'],
    epp_config_builder_set_sv_trid_prefix       => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_config_builder_set_sv_trid_epoch        => [['opaque', 'uint64'] => 'uint32'],
    epp_config_builder_set_transaction_log      => [['opaque', 'bool'] => 'uint32'],
    epp_config_builder_set_unhandled_namespaces => [['opaque', 'bool'] => 'uint32'],
    epp_config_builder_set_login_security       => [['opaque', 'size_t', 'size_t'] => 'uint32'],
    epp_config_builder_build                    => [['opaque', 'opaque*'] => 'uint32'],
    epp_config_builder_get_last_error           => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_config_free                             => [['opaque'] => 'void'],

    epp_registrar_sessions_new                  => [['size_t', 'opaque*'] => 'uint32'],
    epp_registrar_sessions_free                 => [['opaque'] => 'void'],
    epp_registrar_sessions_count                => [['opaque', 'string', 'size_t', 'size_t*'] => 'uint32'],
    epp_registrar_sessions_get_max_per_client   => [['opaque', 'size_t*'] => 'uint32'],

    epp_server_new                              => [['opaque', 'uint64', 'opaque', 'opaque*'] => 'uint32'],
    epp_server_free                             => [['opaque'] => 'void'],

    epp_request_free                       => [['opaque'] => 'void'],
    epp_request_get_kind                   => [['opaque', 'uint32*'] => 'uint32'],
    epp_request_get_id                     => [['opaque', 'uint64*'] => 'uint32'],
    epp_request_get_client_id              => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_password               => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_new_password           => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_lang                   => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_obj_uri_count          => [['opaque', 'size_t*'] => 'uint32'],
    epp_request_get_obj_uri                => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_ext_uri_count          => [['opaque', 'size_t*'] => 'uint32'],
    epp_request_get_ext_uri                => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_extension_xml          => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_client_transaction_id  => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_server_transaction_id  => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_message_id             => [['opaque', 'uint64*'] => 'uint32'],
    epp_request_get_command_verb           => [['opaque', 'uint32*'] => 'uint32'],
    epp_request_get_transfer_op            => [['opaque', 'uint32*'] => 'uint32'],
    epp_request_get_object_uri             => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_object_xml             => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_close_reason           => [['opaque', 'uint32*'] => 'uint32'],
    epp_request_get_close_detail           => [['opaque', 'uint32', 'uint64*'] => 'uint32'],
    epp_request_get_close_reason_text      => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_user_agent_app         => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_user_agent_tech        => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_request_get_user_agent_os          => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],

    epp_response_new             => [['uint16', 'opaque*'] => 'uint32'],
    epp_response_free            => [['opaque'] => 'void'],
    epp_response_add_result      => [['opaque', 'uint16'] => 'uint32'],
    epp_response_set_message     => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_response_set_lang        => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_response_add_value       => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_response_add_ext_value   => [['opaque', 'string', 'size_t', 'string', 'size_t'] => 'uint32'],
    epp_response_set_res_data    => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_response_set_extension   => [['opaque', 'string', 'size_t'] => 'uint32'],

    epp_poll_message_new           => [['uint64', 'uint64', 'uint64', 'string', 'size_t', 'opaque*'] => 'uint32'],
    epp_poll_message_free          => [['opaque'] => 'void'],
    epp_poll_message_set_lang      => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_poll_message_set_res_data  => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_poll_message_set_extension => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_poll_message_set_msg_xml   => [['opaque', 'string', 'size_t'] => 'uint32'],

    epp_security_event_new             => [['uint32', 'uint32', 'opaque*'] => 'uint32'],
    epp_security_event_free            => [['opaque'] => 'void'],
    epp_security_event_set_name        => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_security_event_set_expires_at  => [['opaque', 'uint64'] => 'uint32'],
    epp_security_event_set_value       => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_security_event_set_duration    => [['opaque', 'uint64'] => 'uint32'],
    epp_security_event_set_lang        => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_security_event_set_text        => [['opaque', 'string', 'size_t'] => 'uint32'],

    epp_session_new                   => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_session_free                  => [['opaque'] => 'void'],
    epp_session_feed_input            => [['opaque', 'opaque', 'size_t', 'uint64'] => 'uint32'],
    epp_session_wants_input           => [['opaque', 'bool*'] => 'uint32'],
    epp_session_get_buffered_input    => [['opaque', 'size_t*'] => 'uint32'],
    epp_session_take_output           => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_session_consume_output        => [['opaque', 'size_t'] => 'uint32'],
    epp_session_poll_queue            => [['opaque', 'opaque*'] => 'uint32'],
    epp_session_poll_transaction      => [['opaque', 'opaque*'] => 'uint32'],
    epp_session_answer_login          => [['opaque', 'uint64', 'uint32', 'uint16*'] => 'uint32'],
    # The events are an array of epp_security_event pointers: opaque[].
    epp_session_answer_login_with_events => [['opaque', 'uint64', 'uint32', 'opaque[]', 'size_t', 'uint16*'] => 'uint32'],
    epp_session_answer_poll_empty     => [['opaque', 'uint64'] => 'uint32'],
    epp_session_answer_poll_message   => [['opaque', 'uint64', 'opaque'] => 'uint32'],
    epp_session_answer_ack            => [['opaque', 'uint64', 'uint64'] => 'uint32'],
    epp_session_answer_ack_unknown    => [['opaque', 'uint64'] => 'uint32'],
    epp_session_answer_command        => [['opaque', 'uint64', 'opaque'] => 'uint32'],
    epp_session_answer_failure        => [['opaque', 'uint64', 'string', 'size_t'] => 'uint32'],
    epp_session_answer_code           => [['opaque', 'uint64', 'uint16'] => 'uint32'],
    epp_session_answer_login_verdict  => [['opaque', 'uint64', 'bool', 'bool*'] => 'uint32'],
    epp_session_handle_eof            => [['opaque', 'uint64'] => 'uint32'],
    epp_session_close                 => [['opaque'] => 'uint32'],
    epp_session_get_next_timeout      => [['opaque', 'uint64*'] => 'uint32'],
    epp_session_handle_timeout        => [['opaque', 'uint64', 'bool*'] => 'uint32'],
    epp_session_get_state             => [['opaque', 'uint32*'] => 'uint32'],
    epp_session_is_finished           => [['opaque', 'bool*'] => 'uint32'],
    epp_session_get_outstanding       => [['opaque', 'size_t*'] => 'uint32'],
    epp_session_get_client_id         => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_session_get_close_reason      => [['opaque', 'uint32*'] => 'uint32'],
    epp_session_get_close_detail      => [['opaque', 'uint32', 'uint64*'] => 'uint32'],
    epp_session_get_close_reason_text => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_session_get_last_error        => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],

    # The client engine (LibEPP::Client, LibEPP::ClientConfig).
    epp_client_config_builder_new                      => [['string', 'size_t', 'string', 'size_t', 'opaque*'] => 'uint32'],
    epp_client_config_builder_free                     => [['opaque'] => 'void'],
    epp_client_config_builder_set_new_password         => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_client_config_builder_set_lang                 => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_client_config_builder_add_object_uri           => [['opaque', 'string', 'size_t', 'bool'] => 'uint32'],
    epp_client_config_builder_add_extension_uri        => [['opaque', 'string', 'size_t', 'bool'] => 'uint32'],
    epp_client_config_builder_set_max_in_flight        => [['opaque', 'size_t'] => 'uint32'],
    epp_client_config_builder_set_keep_alive_ms        => [['opaque', 'uint64'] => 'uint32'],
    epp_client_config_builder_set_response_deadline_ms => [['opaque', 'uint64'] => 'uint32'],
    epp_client_config_builder_set_cl_trid_prefix       => [['opaque', 'string', 'size_t'] => 'uint32'],
    epp_client_config_builder_set_max_frame_size       => [['opaque', 'uint32'] => 'uint32'],
    epp_client_config_builder_build                    => [['opaque', 'opaque*'] => 'uint32'],
    epp_client_config_builder_get_last_error           => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_config_free                             => [['opaque'] => 'void'],

    epp_client_session_new                   => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_free                  => [['opaque'] => 'void'],
    epp_client_session_feed_input            => [['opaque', 'opaque', 'size_t', 'uint64'] => 'uint32'],
    epp_client_session_wants_input           => [['opaque', 'bool*'] => 'uint32'],
    epp_client_session_get_buffered_input    => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_session_handle_eof            => [['opaque', 'uint64'] => 'uint32'],
    epp_client_session_close                 => [['opaque'] => 'uint32'],
    epp_client_session_take_output           => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_session_consume_output        => [['opaque', 'size_t'] => 'uint32'],
    epp_client_session_poll_queue            => [['opaque', 'opaque*'] => 'uint32'],
    epp_client_session_get_next_timeout      => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_session_handle_timeout        => [['opaque', 'uint64', 'bool*'] => 'uint32'],
    epp_client_session_send                  => [['opaque', 'uint32', 'string', 'size_t', 'uint32', 'string', 'size_t',
                                                  'string', 'size_t', 'uint64*', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_hello                 => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_login                 => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_logout                => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_poll_request          => [['opaque', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_poll_ack              => [['opaque', 'string', 'size_t', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_object                => [['opaque', 'uint32', 'string', 'size_t', 'string', 'size_t',
                                                  'uint64*', 'uint64', 'opaque*'] => 'uint32'],
    epp_client_session_get_state             => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_session_is_finished           => [['opaque', 'bool*'] => 'uint32'],
    epp_client_session_get_in_flight         => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_session_get_queued            => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_session_get_close_reason      => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_session_get_protocol_error    => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_session_get_close_detail      => [['opaque', 'uint32', 'uint64*'] => 'uint32'],
    epp_client_session_get_close_reason_text => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_session_get_last_error        => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],

    epp_client_command_free          => [['opaque'] => 'void'],
    epp_client_command_get_id        => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_command_get_kind      => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_command_get_tag       => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_command_get_cl_trid   => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_command_get_sent_at   => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_command_is_keep_alive => [['opaque', 'bool*'] => 'uint32'],

    epp_client_event_free                        => [['opaque'] => 'void'],
    epp_client_event_get_kind                    => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_event_get_command                 => [['opaque', 'opaque*'] => 'uint32'],
    epp_client_event_get_code                    => [['opaque', 'uint16*'] => 'uint32'],
    epp_client_event_get_result_count            => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_result_code             => [['opaque', 'size_t', 'uint16*'] => 'uint32'],
    epp_client_event_get_result_message          => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_result_lang             => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_result_value_count      => [['opaque', 'size_t', 'size_t*'] => 'uint32'],
    epp_client_event_get_result_value            => [['opaque', 'size_t', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_result_value_reason     => [['opaque', 'size_t', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_response_cl_trid        => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_sv_trid                 => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_res_data                => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_extension               => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_has_msgq                    => [['opaque', 'bool*'] => 'uint32'],
    epp_client_event_get_msgq_count              => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_event_get_msgq_id                 => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_msgq_date               => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_msgq_date_ms            => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_event_get_msgq_message            => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_msgq_lang               => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_has_services                => [['opaque', 'bool*'] => 'uint32'],
    epp_client_event_get_service_obj_uri_count   => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_service_obj_uri         => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_service_ext_uri_count   => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_service_ext_uri         => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_service_lang            => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_service_login_security  => [['opaque', 'bool*'] => 'uint32'],
    epp_client_event_get_greeting_sv_id          => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_sv_date        => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_sv_date_ms     => [['opaque', 'uint64*'] => 'uint32'],
    epp_client_event_get_greeting_version_count  => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_version        => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_lang_count     => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_lang           => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_obj_uri_count  => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_obj_uri        => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_ext_uri_count  => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_ext_uri        => [['opaque', 'size_t', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_greeting_dcp            => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_close_reason            => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_event_get_protocol_error          => [['opaque', 'uint32*'] => 'uint32'],
    epp_client_event_get_close_detail            => [['opaque', 'uint32', 'uint64*'] => 'uint32'],
    epp_client_event_get_close_expected_cl_trid  => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_close_received_cl_trid  => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_close_reason_text       => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_client_event_get_unanswered_count        => [['opaque', 'size_t*'] => 'uint32'],
    epp_client_event_get_unanswered              => [['opaque', 'size_t', 'opaque*'] => 'uint32'],

    epp_transaction_free                      => [['opaque'] => 'void'],
    epp_transaction_get_command               => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_transaction_get_result_code           => [['opaque', 'uint16*'] => 'uint32'],
    epp_transaction_get_client_id             => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_transaction_get_client_transaction_id => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_transaction_get_server_transaction_id => [['opaque', 'opaque*', 'size_t*'] => 'uint32'],
    epp_transaction_get_received_at           => [['opaque', 'uint64*'] => 'uint32'],
);

sub _load {
    $LIBRARY = _find_library();
    $FFI = FFI::Platypus->new(api => 2, lib => [$LIBRARY]);
    # The version first: a libepp of another ABI may lack functions, and
    # "written for another ABI" says more than "lacks epp_...".
    my $v = eval { $FFI->function(epp_version => [] => 'string')->call };
    croak "LibEPP: $LIBRARY has no epp_version (not libepp?)" if !defined $v;
    LibEPP::Library->check_version($LIBRARY, $v, EPP_VERSION_MAJOR, EPP_VERSION_MINOR, $VERSION);
    my @missing;
    for my $name (sort keys %FUNCTIONS) {
        my ($args, $ret) = @{$FUNCTIONS{$name}};
        my $ok = eval { $FFI->attach([$name => "LibEPP::FFI::$name"] => $args => $ret); 1 };
        push @missing, $name if !$ok;
    }
    croak "LibEPP: $LIBRARY lacks " . join(', ', @missing)
        . " (not a libepp with the C ABI this binding was written for?)" if @missing;
    return;
}
_load();

# ---------------------------------------------------------------------
# Helpers shared by the classes (not part of the public API)
# ---------------------------------------------------------------------

# A text argument as (pointer-able byte string, length), UTF-8 encoded;
# undef is the absent string (NULL, 0).
sub _in {
    my ($s) = @_;
    return (undef, 0) if !defined $s;
    $s = "$s";
    utf8::encode($s);
    return ($s, length $s);
}

# A (pointer, length) handed out by libepp as a Perl character string;
# undef for (NULL, 0).
sub _out {
    my ($ptr, $len) = @_;
    return undef if !defined $ptr;
    return '' if !$len;
    my $s = buffer_to_scalar($ptr, $len);
    utf8::decode($s) or croak "LibEPP: libepp handed out a string that is not UTF-8";
    return $s;
}

# Croaks with a LibEPP::Error unless $rc is EPP_RESULT_OK. $detail is the
# detail text (or undef).
sub _check {
    my ($rc, $function, $detail) = @_;
    return if $rc == 0;
    # Since 0.6 libepp names the argument and its value (epp_last_error).
    $detail //= last_error();
    LibEPP::Error->throw(code => $rc, function => $function, detail => $detail);
}

# Calls libepp's $fn on the object's handle ($self->{h}) with @args, croaks
# with a LibEPP::Error if it fails and returns $self, for chaining: the
# setters of LibEPP::Response and LibEPP::PollMessage.
sub _call_handle {
    my ($self, $fn, @args) = @_;
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}($self->{h}, @args);
    _check($rc, $fn) if $rc;
    return $self;
}

# _call_handle with one text argument (undef: none).
sub _call_text {
    my ($self, $fn, $text) = @_;
    return _call_handle($self, $fn, _in($text));
}

# DESTROY of the classes holding a libepp handle in $self->{h}: frees it
# once with libepp's $free, and leaves it alone during global destruction.
sub _free_handle {
    my ($self, $free) = @_;
    return if ${^GLOBAL_PHASE} eq 'DESTRUCT';
    my $h = delete $self->{h} or return;
    no strict 'refs';
    &{"LibEPP::FFI::$free"}($h);
    return;
}

# ---------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------

sub version { return LibEPP::FFI::epp_version() }

sub library_path { return $LIBRARY }

sub now_ms { return int(Time::HiRes::time() * 1000) }

sub describe_result {
    my ($code) = @_;
    $code = shift if defined $code && !ref $code && $code eq __PACKAGE__;    # LibEPP->describe_result
    croak "LibEPP::describe_result: a result code is required" if !defined $code;
    return undef if $code !~ /^\d+$/ || $code > 0xFFFF_FFFF;
    my $buf = malloc(EPP_RESULT_DESCRIBE_MAX);
    my $written = 0;
    my $rc = LibEPP::FFI::epp_result_describe($code, $buf, EPP_RESULT_DESCRIBE_MAX, \$written);
    my $text = $rc == 0 ? buffer_to_scalar($buf, $written) : undef;
    free($buf);
    return $text;
}

# The text of the latest failed libepp call on this thread (epp_last_error),
# or undef.
sub last_error {
    my ($p, $n);
    return undef if LibEPP::FFI::epp_last_error(\$p, \$n) != 0;
    return _out($p, $n);
}

sub result_name {
    my ($code) = @_;
    $code = shift if defined $code && $code eq __PACKAGE__;
    return $RESULT_NAME{$code // -1};
}

1;

__END__

=head1 NAME

LibEPP - Perl binding of libepp, a sans-IO EPP (RFC 5730/5734) session engine (server and client)

=head1 SYNOPSIS

  use LibEPP qw(:login);
  use LibEPP::Config;
  use LibEPP::Server;
  use LibEPP::Session;

  # Once per server: the configuration, and the server that runs it.
  my $config = LibEPP::Config->new(
      server_id   => 'Example Registry EPP',
      object_uris => ['urn:ietf:params:xml:ns:domain-1.0'],
  );
  my $server = LibEPP::Server->new(config => $config);

  # Per connection: the greeting is queued at once.
  my $session = LibEPP::Session->new(server => $server);

  # read -> feed: only while the session wants input; it takes every byte
  # (a Perl byte string) and holds what it cannot handle yet.
  if ($session->wants_input) {
      my $n = sysread($socket, my $bytes, 65536);
      $n ? $session->feed_input($bytes) : $session->handle_eof;
  }

  # poll -> answer: the requests the host decides.
  while (my $req = $session->poll_queue) {
      if ($req->kind_name eq 'login') {
          $req->answer_login(check($req->client_id, $req->password)
                             ? EPP_LOGIN_ANSWER_ACCEPTED : EPP_LOGIN_ANSWER_BAD_CREDENTIALS);
      } elsif ($req->kind_name eq 'poll') {
          $req->answer_poll_empty;
      } elsif ($req->kind_name eq 'poll_ack') {
          $req->answer_ack_unknown;
      } elsif ($req->kind_name eq 'command') {
          $req->answer_command(2101);
      }    # session_end needs no answer
  }

  # write: bytes with their 4-byte length headers.
  my $out = $session->take_output;
  my $n = syswrite($socket, $out);
  $session->consume_output($n) if $n;   # may let held input through: poll again

  # the timer, and the end
  my $at = $session->next_timeout;
  $session->handle_timeout if defined $at && LibEPP::now_ms() >= $at;
  close($socket) if $session->is_finished;

=head1 DESCRIPTION

libepp implements the server side of the EPP session layer (RFC 5730
section 2, framed over TCP by RFC 5734) without doing any I/O: the host
owns sockets, TLS, storage and business logic; libepp owns framing, the
greeting, login/logout, hello, poll, transaction ids, result codes,
pipelining and limits. This distribution is a pure-Perl binding of its C
ABI (C<include/epp.h>) over L<FFI::Platypus>; no compiler is needed.

The classes:

=over

=item L<LibEPP::Config>

a validated, immutable server configuration;

=item L<LibEPP::Server>

one running server (one per listener): what its sessions share, the
svTRID generator and the optional registrar session counter;

=item L<LibEPP::Session>

one EPP session on one connection, with the four verbs (feed input, take
output, poll queue, answers), its state, and helpers with the method
names of SRS::EPP::Session;

=item L<LibEPP::Request>

a request the host decides (login, poll, poll ack, object command,
protocol extension, session end), with its getters and answer methods;

=item L<LibEPP::Response>, L<LibEPP::PollMessage>, L<LibEPP::SecurityEvent>

what the host answers object commands, poll requests and (with RFC 8807
security events) logins with;

=item L<LibEPP::Transaction>

one record of the optional transaction log;

=item L<LibEPP::RegistrarSessions>

a per-registrar session counter (2502 past a limit);

=item L<LibEPP::Error>

the exception every failed libepp call throws;

=item L<LibEPP::ClientConfig>, L<LibEPP::Client>

the registrar's side: libepp's client engine (a validated client
configuration, and one client session with its commands and events).

=back

=head2 Conventions

=over

=item *

B<Text> passed in and handed out (client ids, passwords, messages, XML) is
Perl character strings: the binding encodes to and decodes from UTF-8.
An absent optional string is C<undef>.

=item *

B<Wire bytes> (L<LibEPP::Session/feed_input>, L<LibEPP::Session/take_output>)
are Perl byte strings, binary-safe, with RFC 5734's 4-byte length headers:
exactly what goes over the socket. Output is copied out of libepp, so the
string stays valid whatever happens to the session afterwards.

=item *

B<Time> is milliseconds since the Unix epoch. Every call that takes a time
takes an optional C<$now_ms> as its last argument; when it is omitted the
session's clock is read (L<Time::HiRes> by default, or the C<clock>
given to L<LibEPP::Session/new>). Tests pass times explicitly and are
reproducible.

=item *

B<Errors>: every libepp call that fails throws a L<LibEPP::Error>, which
stringifies to the libepp result text (C<epp_result_describe>) and the
detail libepp gives. Misuse of the Perl API itself (a missing argument, an
unknown option) croaks with a plain message.

=item *

B<Handles> are freed when the Perl object goes away (C<DESTROY>), once;
nothing is freed during global destruction (the process is ending), and
objects are not cloned into new ithreads (C<CLONE_SKIP>).

=item *

B<Threads>: like the C API, a config, a server and a registrar counter
may be shared, every other object is used by one thread at a time.

=back

=head2 Finding the library

C<use LibEPP> loads C<libepp.so> from, in order:

=over

=item 1.

the path in the environment variable C<LIBEPP_LIB>;

=item 2.

C<pkg-config --variable=libdir epp>: where C<make install> of libepp put
it (C<PREFIX/lib>, with C<epp.pc> in C<PREFIX/lib/pkgconfig>; set
C<PKG_CONFIG_PATH=PREFIX/lib/pkgconfig> for a prefix pkg-config does not
search by default);

=item 3.

L<FFI::CheckLib> (C<find_lib(lib =E<gt> 'epp')>): the system's standard
library paths and the ldconfig cache, plus C<FFI_CHECKLIB_PATH>;

=item 4.

C<target/c/release/libepp.so> of the libepp repository this module sits in
(C<perl/lib/LibEPP.pm>, built by C<make> at the repository root), for
working in a checkout.

=back

It croaks with a message naming what it tried and how to fix it when none
is found, or when the library's version is not of the ABI this binding was
written for (0.6, C<EPP_VERSION_MAJOR>.C<EPP_VERSION_MINOR>: while
libepp's major version is 0, every minor version may change the ABI).

=head1 FUNCTIONS

=head2 LibEPP::version()

The version of the loaded libepp, such as C<"0.6.0"> (C<epp_version>).

=head2 LibEPP::library_path()

The path of the loaded C<libepp.so>.

=head2 now_ms()

The current time in milliseconds since the Unix epoch (L<Time::HiRes>).
Exported on request.

=head2 last_error

The text of the latest libepp call on this thread that failed
(C<epp_last_error>): for an argument error it names the argument and its
value (C<"result_code: 1234 is not an EPP result code (RFC 5730 section
3)">). C<undef> when none has failed. Errors thrown by this binding carry it
as their detail.

=head2 describe_result($code)

The short English text libepp gives for an C<epp_result> value
(C<epp_result_describe>), or C<undef> for a value that is not one.
Exported on request.

=head2 result_name($code)

The C name of an C<epp_result> value, such as
C<"EPP_RESULT_UNKNOWN_REQUEST">, or C<undef>. Exported on request.

=head1 CONSTANTS

Every value of C<include/epp.h> (every C<EPP_*> macro and enumeration
value) is a constant of this package with its C name and value, exported
on request, by tag (C<t/02-header.t> checks both ways against the
header):

  :result    EPP_RESULT_*
  :kind      EPP_REQUEST_KIND_*
  :verb      EPP_COMMAND_VERB_*
  :transfer  EPP_TRANSFER_OP_*
  :close     EPP_CLOSE_REASON_*, EPP_CLOSE_DETAIL_* (the details serve the client too)
  :state     EPP_SESSION_STATE_*
  :limit     EPP_LIMIT_*
  :dcp       EPP_DCP_ACCESS_*, EPP_DCP_PURPOSE_*, EPP_DCP_RECIPIENT_*, EPP_DCP_RETENTION_*
  :login     EPP_LOGIN_ANSWER_*
  :security_event  EPP_SECURITY_EVENT_TYPE_*, EPP_SECURITY_EVENT_LEVEL_*
  :client    EPP_CLIENT_COMMAND_KIND_*, EPP_CLIENT_STATE_*, EPP_CLIENT_EVENT_KIND_*,
             EPP_CLIENT_CLOSE_REASON_*, EPP_CLIENT_PROTOCOL_ERROR_*, EPP_KEEP_ALIVE_NEVER
             (the client engine, LibEPP::Client)
  :misc      EPP_TIMEOUT_NONE, EPP_RESULT_DESCRIBE_MAX
  :version   EPP_VERSION_MAJOR, EPP_VERSION_MINOR, EPP_VERSION_PATCH (the header
             this binding was written against; LibEPP::version() is the library's)
  :constants all of the above
  :all       all of the above and the functions

=head1 SEE ALSO

C<include/epp.h> and C<docs/c-api.md> of libepp; C<perl/README.md> (the
SRS::EPP::Session migration table); C<perl/examples/epp-select-server.pl>
(an IO::Select server on this binding).

=cut
