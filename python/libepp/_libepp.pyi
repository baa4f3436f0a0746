"""Type stubs of libepp._libepp, the Rust extension (checked against it with mypy stubtest)."""

import datetime
from typing import ClassVar, final, Dict, Iterator, List, Literal, Optional, Sequence, Tuple, Union, overload

from . import etp as etp

__all__ = [
    "__version__",
    "EPP_NS",
    "LOGIN_SECURITY_NS",
    "LOGIN_SECURITY_PASSWORD",
    "UNHANDLED_NAMESPACES_URI",
    "RESULT_CODES",
    "Config",
    "Dcp",
    "DcpStatement",
    "LoginSecurity",
    "Server",
    "RegistrarSessions",
    "Session",
    "RequestIterator",
    "LoginRequest",
    "PollRequest",
    "PollAckRequest",
    "CommandRequest",
    "ExtensionRequest",
    "SessionEnd",
    "CloseReason",
    "TransactionRecord",
    "PollMessage",
    "Response",
    "Result",
    "SecurityEvent",
    "UserAgent",
    "EppError",
    "ConfigError",
    "SessionClosedError",
    "UnknownRequestError",
    "AlreadyAnsweredError",
    "InputAfterEofError",
    "InputBufferFullError",
    "WrongAnswerError",
    "InvalidXmlError",
    "InvalidAnswerError",
    "etp",
]

__version__: str
EPP_NS: str
#: The RFC 8807 (login security) namespace.
LOGIN_SECURITY_NS: str
#: The placeholder in <pw>/<newPW> when the password travels in <loginSec:pw>/<loginSec:newPW>.
LOGIN_SECURITY_PASSWORD: str
#: The RFC 9038 (unhandled namespaces) extURI.
UNHANDLED_NAMESPACES_URI: str
#: Every RFC 5730 result code with its standard text.
RESULT_CODES: Dict[int, str]

#: A point in time: Unix seconds, a datetime, or None for now.
_Time = Union[float, datetime.datetime, None]
#: A duration: seconds, or a timedelta.
_Duration = Union[float, datetime.timedelta]
_Bytes = Union[bytes, bytearray, memoryview]

_SessionState = Literal["awaiting_login", "login_pending", "logged_in", "closing", "closed"]
_CloseKind = Literal[
    # an EPP session's
    "logout",
    "login_deadline",
    "idle_timeout",
    "bad_frame_length",
    "peer_closed",
    "peer_closed_mid_frame",
    "too_many_failed_logins",
    "session_limit_exceeded",
    "closing_response",
    "host",
    # an ETP session's (libepp.etp), with "peer_closed" and "host"
    "client_closed",
    "no_supported_protocols",
    "host_closed_session",
]
_DcpAccess = Literal["all", "none", "null", "other", "personal", "personal_and_other"]
_DcpPurpose = Literal["admin", "contact", "other", "prov"]
_DcpRecipient = Union[Literal["other", "ours", "public", "same", "unrelated"], Tuple[Literal["ours"], str]]
_DcpRetention = Literal["business", "indefinite", "legal", "none", "stated"]
_LoginAnswer = Literal["accepted", "bad_credentials", "account_disabled", "session_limit_exceeded", "failed"]
_Verb = Literal["check", "info", "create", "update", "delete", "renew", "transfer"]
_TransferOp = Literal["request", "approve", "cancel", "query", "reject"]
_EventType = Literal["password", "certificate", "cipher", "tlsProtocol", "newPW", "stat", "custom"]
_EventLevel = Literal["warning", "error"]

# --- exceptions ---------------------------------------------------------------

class EppError(Exception):
    """Base class of every error libepp raises."""

class ConfigError(EppError):
    field: str
    reason: str

class SessionClosedError(EppError):
    reason: "CloseReason"

class UnknownRequestError(EppError):
    request_id: int

class AlreadyAnsweredError(UnknownRequestError): ...

class InputAfterEofError(EppError): ...

class InputBufferFullError(EppError):
    limit: int

class WrongAnswerError(EppError):
    request_id: int
    kind: str
    answer: str

class InvalidXmlError(EppError):
    field: str
    reason: str

class InvalidAnswerError(EppError):
    reason: str

# --- configuration ------------------------------------------------------------

@final
class RegistrarSessions:
    def __new__(cls, max_per_client: int) -> RegistrarSessions: ...
    def count(self, client_id: str) -> int: ...
    @property
    def max_per_client(self) -> int: ...

@final
class DcpStatement:
    def __new__(
        cls,
        purposes: Sequence[_DcpPurpose],
        recipients: Sequence[_DcpRecipient],
        retention: _DcpRetention,
    ) -> DcpStatement: ...
    @property
    def purposes(self) -> List[_DcpPurpose]: ...
    @property
    def recipients(self) -> List[_DcpRecipient]: ...
    @property
    def retention(self) -> _DcpRetention: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Dcp:
    def __new__(
        cls,
        access: _DcpAccess = "all",
        statements: Optional[Sequence[DcpStatement]] = None,
        *,
        expiry_absolute: Union[float, datetime.datetime, None] = None,
        expiry_relative: Optional[float] = None,
    ) -> Dcp: ...
    @property
    def access(self) -> _DcpAccess: ...
    @property
    def statements(self) -> List[DcpStatement]: ...
    @property
    def expiry_absolute(self) -> Optional[float]: ...
    @property
    def expiry_relative(self) -> Optional[float]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class LoginSecurity:
    """RFC 8807 password bounds, for Config(login_security=...)."""

    SCHEMA_MIN_PASSWORD_LEN: ClassVar[int]
    MAX_PASSWORD_LEN_LIMIT: ClassVar[int]
    def __new__(cls, min_password_len: int = 6, max_password_len: int = 128) -> LoginSecurity: ...
    @property
    def min_password_len(self) -> int: ...
    @property
    def max_password_len(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Config:
    def __new__(
        cls,
        server_id: str,
        *,
        object_uris: Optional[Sequence[str]] = None,
        extension_uris: Optional[Sequence[str]] = None,
        languages: Optional[Sequence[str]] = None,
        versions: Optional[Sequence[str]] = None,
        dcp: Optional[Dcp] = None,
        max_frame_size: Optional[int] = None,
        max_in_flight: Optional[int] = None,
        max_pending_output: Optional[int] = None,
        max_failed_logins: Optional[int] = None,
        login_deadline: Optional[float] = None,
        idle_timeout: Optional[float] = None,
        max_buffered_input: Optional[int] = None,
        max_xml_depth: Optional[int] = None,
        max_xml_attributes: Optional[int] = None,
        max_xml_text: Optional[int] = None,
        sv_trid_prefix: Optional[str] = None,
        sv_trid_epoch: Optional[int] = None,
        transaction_log: bool = False,
        login_security: Optional[LoginSecurity] = None,
        unhandled_namespaces: bool = False,
    ) -> Config: ...
    @property
    def server_id(self) -> str: ...
    @property
    def object_uris(self) -> List[str]: ...
    @property
    def extension_uris(self) -> List[str]: ...
    @property
    def languages(self) -> List[str]: ...
    @property
    def versions(self) -> List[str]: ...
    @property
    def dcp(self) -> Dcp: ...
    @property
    def transaction_log(self) -> bool: ...
    @property
    def login_security(self) -> Optional[LoginSecurity]: ...
    @property
    def unhandled_namespaces(self) -> bool: ...
    @property
    def sv_trid_prefix(self) -> str: ...
    @property
    def sv_trid_epoch(self) -> Optional[int]: ...
    @property
    def limits(self) -> Dict[str, Union[int, float]]: ...
    def greeting_xml(self, now: _Time = None) -> str: ...

@final
class Server:
    def __new__(
        cls, config: Config, now: _Time = None, registrar_sessions: Optional[RegistrarSessions] = None
    ) -> Server: ...
    @property
    def config(self) -> Config: ...
    @property
    def registrar_sessions(self) -> Optional[RegistrarSessions]: ...

# --- values -------------------------------------------------------------------

@final
class CloseReason:
    """Why a session ended; compares equal to its kind (``reason == "logout"``)."""

    @property
    def kind(self) -> _CloseKind: ...
    @property
    def code(self) -> Optional[int]: ...
    @property
    def length(self) -> Optional[int]: ...
    @property
    def limit(self) -> Optional[int]: ...
    @property
    def received(self) -> Optional[int]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class TransactionRecord:
    @property
    def command(self) -> str: ...
    @property
    def code(self) -> Optional[int]: ...
    @property
    def client_id(self) -> Optional[str]: ...
    @property
    def client_transaction_id(self) -> Optional[str]: ...
    @property
    def server_transaction_id(self) -> Optional[str]: ...
    @property
    def received_at(self) -> float: ...

@final
class PollMessage:
    def __new__(
        cls,
        id: int,
        count: int,
        queued_at: Union[float, datetime.datetime],
        text: str,
        *,
        lang: Optional[str] = None,
        msg_xml: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
    ) -> PollMessage: ...
    @property
    def id(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def queued_at(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def msg_xml(self) -> Optional[str]: ...
    @property
    def res_data(self) -> Optional[str]: ...
    @property
    def extension(self) -> Optional[str]: ...

@final
class UserAgent:
    """<loginSec:userAgent> (RFC 8807): the client software, as the client describes it."""

    def __new__(cls, app: Optional[str] = None, tech: Optional[str] = None, os: Optional[str] = None) -> UserAgent: ...
    @property
    def app(self) -> Optional[str]: ...
    @property
    def tech(self) -> Optional[str]: ...
    @property
    def os(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SecurityEvent:
    """One RFC 8807 <loginSec:event> of a login response."""

    def __new__(
        cls,
        type: _EventType,
        level: _EventLevel,
        *,
        name: Optional[str] = None,
        expires_at: _Time = None,
        value: Optional[str] = None,
        duration: Optional[_Duration] = None,
        lang: Optional[str] = None,
        text: Optional[str] = None,
    ) -> SecurityEvent: ...
    @property
    def type(self) -> _EventType: ...
    @property
    def level(self) -> _EventLevel: ...
    @property
    def name(self) -> Optional[str]: ...
    @property
    def expires_at(self) -> Optional[float]: ...
    @property
    def value(self) -> Optional[str]: ...
    @property
    def duration(self) -> Optional[float]: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def text(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Result:
    def __new__(
        cls,
        code: int,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
    ) -> Result: ...
    @property
    def code(self) -> int: ...
    @property
    def message(self) -> Optional[str]: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def values(self) -> List[str]: ...
    @property
    def ext_values(self) -> List[Tuple[str, str]]: ...

@final
class Response:
    def __new__(
        cls,
        code: int = 1000,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
        more_results: Optional[Sequence[Result]] = None,
    ) -> Response: ...
    @property
    def code(self) -> int: ...
    @property
    def message(self) -> Optional[str]: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def res_data(self) -> Optional[str]: ...
    @property
    def extension(self) -> Optional[str]: ...
    @property
    def values(self) -> List[str]: ...
    @property
    def ext_values(self) -> List[Tuple[str, str]]: ...
    @property
    def more_results(self) -> List[Result]: ...

# --- the session --------------------------------------------------------------

_Request = Union["LoginRequest", "PollRequest", "PollAckRequest", "CommandRequest", "ExtensionRequest", "SessionEnd"]

@final
class Session:
    def __new__(cls, server: Server, now: _Time = None) -> Session: ...
    @property
    def server(self) -> Server: ...
    @property
    def config(self) -> Config: ...
    def feed_input(self, data: _Bytes, now: _Time = None) -> None: ...
    def wants_input(self) -> bool: ...
    @property
    def buffered_input(self) -> int: ...
    def handle_eof(self, now: _Time = None) -> None: ...
    def close(self) -> None: ...
    def next_timeout(self) -> Optional[float]: ...
    def handle_timeout(self, now: _Time = None) -> bool: ...
    def output(self) -> bytes: ...
    def consume_output(self, n: int) -> None: ...
    def take_output(self) -> bytes: ...
    def poll_queue(self) -> Optional[_Request]: ...
    def drain_queue(self) -> List[_Request]: ...
    def __iter__(self) -> RequestIterator: ...
    def poll_transaction(self) -> Optional[TransactionRecord]: ...
    def drain_transactions(self) -> List[TransactionRecord]: ...
    def answer_login(
        self, request_id: int, answer: _LoginAnswer, events: Optional[Sequence[SecurityEvent]] = None
    ) -> int: ...
    def answer_poll(self, request_id: int, message: Optional[PollMessage] = None) -> None: ...
    def answer_ack(self, request_id: int, remaining: Optional[int] = None) -> None: ...
    def answer_command(self, request_id: int, response: Response) -> None: ...
    def answer_failure(self, request_id: int, message: Optional[str] = None) -> None: ...
    @property
    def state(self) -> _SessionState: ...
    @property
    def client_id(self) -> Optional[str]: ...
    @property
    def close_reason(self) -> Optional[CloseReason]: ...
    @property
    def is_finished(self) -> bool: ...
    @property
    def outstanding(self) -> int: ...

@final
class RequestIterator:
    def __iter__(self) -> RequestIterator: ...
    def __next__(self) -> _Request: ...

# --- requests -----------------------------------------------------------------

@final
class LoginRequest:
    kind: ClassVar[Literal["login"]]
    @property
    def session(self) -> Session: ...
    @property
    def answered(self) -> bool: ...
    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def new_password(self) -> Optional[str]: ...
    @property
    def lang(self) -> str: ...
    @property
    def object_uris(self) -> List[str]: ...
    @property
    def extension_uris(self) -> List[str]: ...
    @property
    def extension_xml(self) -> Optional[str]: ...
    @property
    def user_agent(self) -> Optional[UserAgent]: ...
    @property
    def client_transaction_id(self) -> Optional[str]: ...
    def accept(self, *, events: Optional[Sequence[SecurityEvent]] = None) -> int: ...
    def reject_credentials(self, *, events: Optional[Sequence[SecurityEvent]] = None) -> int: ...
    def account_disabled(self, *, events: Optional[Sequence[SecurityEvent]] = None) -> int: ...
    def session_limit_exceeded(self, *, events: Optional[Sequence[SecurityEvent]] = None) -> int: ...
    def fail(self, message: Optional[str] = None, *, events: Optional[Sequence[SecurityEvent]] = None) -> None: ...

@final
class PollRequest:
    kind: ClassVar[Literal["poll"]]
    @property
    def session(self) -> Session: ...
    @property
    def answered(self) -> bool: ...
    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def extension_xml(self) -> Optional[str]: ...
    @property
    def client_transaction_id(self) -> Optional[str]: ...
    def message(
        self,
        id: int,
        count: int,
        queued_at: Union[float, datetime.datetime],
        text: str,
        *,
        lang: Optional[str] = None,
        msg_xml: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
    ) -> None: ...
    def empty(self) -> None: ...
    @overload
    def respond(self, code: Response) -> None: ...
    @overload
    def respond(
        self,
        code: int = 1000,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
        more_results: Optional[Sequence[Result]] = None,
    ) -> None: ...
    def fail(self, message: Optional[str] = None) -> None: ...

@final
class PollAckRequest:
    kind: ClassVar[Literal["poll_ack"]]
    @property
    def session(self) -> Session: ...
    @property
    def answered(self) -> bool: ...
    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def message_id(self) -> int: ...
    @property
    def extension_xml(self) -> Optional[str]: ...
    @property
    def client_transaction_id(self) -> Optional[str]: ...
    def acked(self, remaining: int) -> None: ...
    def unknown(self) -> None: ...
    @overload
    def respond(self, code: Response) -> None: ...
    @overload
    def respond(
        self,
        code: int = 1000,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
        more_results: Optional[Sequence[Result]] = None,
    ) -> None: ...
    def fail(self, message: Optional[str] = None) -> None: ...

@final
class CommandRequest:
    kind: ClassVar[Literal["command"]]
    @property
    def session(self) -> Session: ...
    @property
    def answered(self) -> bool: ...
    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def verb(self) -> _Verb: ...
    @property
    def transfer_op(self) -> Optional[_TransferOp]: ...
    @property
    def object_uri(self) -> str: ...
    @property
    def object_xml(self) -> str: ...
    @property
    def extension_uris(self) -> List[str]: ...
    @property
    def extension_xml(self) -> Optional[str]: ...
    @property
    def client_transaction_id(self) -> Optional[str]: ...
    @overload
    def respond(self, code: Response) -> None: ...
    @overload
    def respond(
        self,
        code: int = 1000,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
        more_results: Optional[Sequence[Result]] = None,
    ) -> None: ...
    def fail(self, message: Optional[str] = None) -> None: ...

@final
class ExtensionRequest:
    """A protocol extension command (RFC 3735 <epp><extension>): answered like a command."""

    kind: ClassVar[Literal["extension"]]
    @property
    def session(self) -> Session: ...
    @property
    def answered(self) -> bool: ...
    @property
    def id(self) -> int: ...
    @property
    def client_id(self) -> str: ...
    @property
    def extension_uris(self) -> List[str]: ...
    @property
    def extension_xml(self) -> str: ...
    @overload
    def respond(self, code: Response) -> None: ...
    @overload
    def respond(
        self,
        code: int = 1000,
        message: Optional[str] = None,
        *,
        lang: Optional[str] = None,
        res_data: Optional[str] = None,
        extension: Optional[str] = None,
        values: Optional[Sequence[str]] = None,
        ext_values: Optional[Sequence[Tuple[str, str]]] = None,
        more_results: Optional[Sequence[Result]] = None,
    ) -> None: ...
    def fail(self, message: Optional[str] = None) -> None: ...

@final
class SessionEnd:
    kind: ClassVar[Literal["session_end"]]
    @property
    def session(self) -> Session: ...
    @property
    def reason(self) -> CloseReason: ...
