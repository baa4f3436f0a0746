"""libepp.client: the registrar's side of EPP (RFC 5730/5734), without I/O.

The core is libepp's client engine (``epp::client``); this module binds it:

- :class:`ClientConfig` is the registrar's configuration (clID and password, the object and
  extension URIs it wants, limits): plain data, validated once;
- :class:`ClientSession` is one connection's session: feed it every byte read from the server
  (:meth:`ClientSession.feed_input`, while :meth:`ClientSession.wants_input`), write what
  :meth:`ClientSession.take_output` returns, and handle every event that
  :meth:`ClientSession.poll_queue` (or iterating over the session) hands out: :class:`Greeting`,
  :class:`LoginEvent`, :class:`ResponseEvent`, :class:`KeepAlive`, :class:`ResponseOverdue` and,
  once, :class:`Closed`. Commands (:meth:`ClientSession.hello`, ``login``, ``logout``,
  ``poll_request``, ``poll_ack``, ``command``) return the :class:`SentCommand` every event about
  them carries, or raise a :class:`ClientError` and send nothing;
- :mod:`libepp.client_asyncio` is an asyncio client on it (``await connect(...)``).

Time is an argument (``now``: Unix seconds as a float, a ``datetime``, or ``None`` for the
current time), and deadlines come back as Unix seconds.
"""

from __future__ import annotations

from typing import Union

from ._libepp import (
    ClientCloseReason,
    ClientClosedError,
    ClientConfig,
    ClientError,
    ClientSession,
    Closed,
    EventIterator,
    Greeting,
    InvalidCommandError,
    InvalidCommandXmlError,
    KeepAlive,
    LanguageNotOfferedError,
    LoginEvent,
    LoginSecurityEvent,
    MessageQueue,
    NegotiationError,
    NoObjectServiceError,
    NotLoggedInWithError,
    PasswordTooLongError,
    ResponseEvent,
    ResponseOverdue,
    ResponseResult,
    SentCommand,
    ServiceNotOfferedError,
    Services,
    VersionNotOfferedError,
    WrongStateError,
)
from ._libepp import ClientResponse as Response

#: Anything :meth:`ClientSession.poll_queue` returns.
Event = Union[Greeting, LoginEvent, ResponseEvent, KeepAlive, ResponseOverdue, Closed]


class LoginFailedError(ClientError):
    """The server refused the login (raised by :func:`libepp.client_asyncio.connect`).

    ``response`` is the server's :class:`Response`; ``code`` its result code (2200 bad
    credentials, 2201 account disabled, 2306 a password refused by RFC 8807's policy, 2501 or
    2502 and the session ends...)."""

    response: Response
    code: int

    def __init__(self, response: Response) -> None:
        super().__init__("login refused: %d %s" % (response.code, response.message))
        self.response = response
        self.code = response.code


__all__ = [
    "ClientCloseReason",
    "ClientClosedError",
    "ClientConfig",
    "ClientError",
    "ClientSession",
    "Closed",
    "Event",
    "EventIterator",
    "Greeting",
    "InvalidCommandError",
    "InvalidCommandXmlError",
    "KeepAlive",
    "LanguageNotOfferedError",
    "LoginEvent",
    "LoginFailedError",
    "LoginSecurityEvent",
    "MessageQueue",
    "NegotiationError",
    "NoObjectServiceError",
    "NotLoggedInWithError",
    "PasswordTooLongError",
    "Response",
    "ResponseEvent",
    "ResponseOverdue",
    "ResponseResult",
    "SentCommand",
    "ServiceNotOfferedError",
    "Services",
    "VersionNotOfferedError",
    "WrongStateError",
]
