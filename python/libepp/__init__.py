"""libepp: EPP (RFC 5730/5734) sessions without I/O, with an asyncio EPP server and client.

The core is the Rust session engine libepp; this package binds it:

- :class:`Config` is the server's configuration (svID, object and extension URIs, data collection
  policy, limits, RFC 8807 login security, RFC 9038): plain data, validated once;
- :class:`Server` is one running server: the configuration and what its sessions share (svTRIDs,
  an optional per-registrar session counter);
- :class:`Session` is one connection's session: feed it every byte read from the peer
  (:meth:`Session.feed_input`; read no more while :meth:`Session.wants_input` is false), write
  what :meth:`Session.take_output` returns, and answer every request that
  :meth:`Session.poll_queue` (or iterating over the session) hands out through the request's own
  methods;
- :mod:`libepp.asyncio` runs a complete EPP server around a handler object;
- :mod:`libepp.etp` is libepp's second engine: ETP 1.1 (Energistics Transfer Protocol) server
  sessions, sans I/O, one WebSocket binary message per call;
- :mod:`libepp.client` is the registrar's side, the client engine without I/O
  (:class:`libepp.client.ClientConfig`, :class:`libepp.client.ClientSession`), and
  :mod:`libepp.client_asyncio` an asyncio client on it (``await connect(host, port, config)``).

Time is an argument (``now``: Unix seconds as a float, a ``datetime``, or ``None`` for the current
time), and deadlines come back as Unix seconds.
"""

from __future__ import annotations

import logging
from typing import Union

from ._libepp import (
    EPP_NS,
    LOGIN_SECURITY_NS,
    LOGIN_SECURITY_PASSWORD,
    RESULT_CODES,
    UNHANDLED_NAMESPACES_URI,
    AlreadyAnsweredError,
    CloseReason,
    CommandRequest,
    Config,
    ConfigError,
    Dcp,
    DcpStatement,
    EppError,
    ExtensionRequest,
    InputAfterEofError,
    InputBufferFullError,
    InvalidAnswerError,
    InvalidXmlError,
    LoginRequest,
    LoginSecurity,
    PollAckRequest,
    PollMessage,
    PollRequest,
    RegistrarSessions,
    RequestIterator,
    Response,
    Result,
    SecurityEvent,
    Server,
    Session,
    SessionClosedError,
    SessionEnd,
    TransactionRecord,
    UnknownRequestError,
    UserAgent,
    WrongAnswerError,
    __version__,
    etp,
)

# The library logs on "libepp" and its children ("libepp.server": one line per command of
# libepp.asyncio.serve; "libepp.asyncio"; "libepp.client_asyncio") and installs no handler of its
# own: the application configures logging.
logging.getLogger("libepp").addHandler(logging.NullHandler())

#: Anything :meth:`Session.poll_queue` returns.
Request = Union[LoginRequest, PollRequest, PollAckRequest, CommandRequest, ExtensionRequest, SessionEnd]

__all__ = [
    "EPP_NS",
    "LOGIN_SECURITY_NS",
    "LOGIN_SECURITY_PASSWORD",
    "RESULT_CODES",
    "UNHANDLED_NAMESPACES_URI",
    "AlreadyAnsweredError",
    "CloseReason",
    "CommandRequest",
    "Config",
    "ConfigError",
    "Dcp",
    "DcpStatement",
    "EppError",
    "ExtensionRequest",
    "InputAfterEofError",
    "InputBufferFullError",
    "InvalidAnswerError",
    "InvalidXmlError",
    "LoginRequest",
    "LoginSecurity",
    "PollAckRequest",
    "PollMessage",
    "PollRequest",
    "RegistrarSessions",
    "Request",
    "RequestIterator",
    "Response",
    "Result",
    "SecurityEvent",
    "Server",
    "Session",
    "SessionClosedError",
    "SessionEnd",
    "TransactionRecord",
    "UnknownRequestError",
    "UserAgent",
    "WrongAnswerError",
    "__version__",
    "etp",
]
