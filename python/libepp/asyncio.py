"""An asyncio EPP server on libepp: write a handler, get a registry front end.

::

    class Registry:
        config = libepp.Config("Example registry", object_uris=["urn:ietf:params:xml:ns:domain-1.0"])

        def authenticate(self, client_id, password, new_password):
            return password == "secret-pw1"

        def poll(self, client_id):
            return None  # no messages: 1300

        def ack(self, client_id, msg_id):
            return None  # unknown message: 2303

        def command(self, client_id, request):
            return 2101  # unimplemented command

        def extension(self, client_id, request):
            return 2101  # an RFC 3735 protocol extension command: unimplemented

    server = await libepp.asyncio.serve(Registry(), "127.0.0.1", 7000)
    async with server:
        await server.serve_forever()

Every connection gets its own :class:`libepp.Session` of one :class:`libepp.Server`; libepp handles
the protocol (framing, the greeting, hello, login and logout, the state machine, transaction ids,
limits, input held behind backpressure) and asks the handler only what needs a decision. Each
connection's loop is read, feed, poll, answer, write, plus the session's timer, and it reads only
while the session wants input. Handler methods may be plain functions or coroutines; each is
called with the request's connection available through :func:`current_connection`.

The handler (every method optional except ``authenticate``; :class:`Handler` is the protocol, and
:func:`serve` refuses, with a :class:`TypeError`, a handler without ``authenticate``, a method
that cannot take the arguments it would be given, and a public method whose name looks like a
misspelt handler method, ``comand``: see :func:`check_handler`):

``authenticate(client_id, password, new_password)``
    ``True`` (or ``"accept"``) logs the client in; ``False`` or ``None`` (or ``"reject"``) is 2200
    (2501 and close after too many failures); ``"account_disabled"`` is 2201,
    ``"session_limit_exceeded"`` 2502 and close, ``"fail"`` 2400. Any of these may come with RFC
    8807 security events as a pair ``(outcome, events)``, ``events`` a list of
    :class:`libepp.SecurityEvent` (``(True, [SecurityEvent("password", "warning",
    expires_at=...)])``): they are sent whatever the outcome, as ``<loginSec:loginSecData>`` to a
    client that logged in with the extension (in ``<extValue>`` to one that did not). With
    ``Config(login_security=...)``, ``password`` and ``new_password`` are the real ones however
    they came (a long one in ``<loginSec:pw>``), and :attr:`Connection.user_agent` is the
    client's ``<loginSec:userAgent>``.
``poll(client_id)``
    The client's oldest message as a :class:`libepp.PollMessage` (or a dict of its arguments), or
    ``None`` when the queue is empty (1300). Without ``poll``: always empty.
``ack(client_id, msg_id)``
    The number of messages left after removing ``msg_id`` (1000), or ``None`` when the client has
    no such message (2303). Without ``ack``: always 2303.
``command(client_id, request)``
    The answer to a :class:`libepp.CommandRequest`: a result code (``1000``), a tuple of
    ``CommandRequest.respond`` arguments (``(1000, None, ...)`` or a ``dict`` of them), a
    :class:`libepp.Response`, or ``None`` after answering ``request`` directly. Without
    ``command``: 2101 (unimplemented command).
``extension(client_id, request)``
    The answer to a :class:`libepp.ExtensionRequest` (an RFC 3735 protocol extension command,
    ``<epp><extension>``, in namespaces the client logged in with), in any form ``command`` may
    return. Without ``extension``: 2101.
``on_connect(connection)``
    Called before the greeting is sent; return ``False`` to drop the connection. If it raises,
    the exception is logged and the connection dropped the same way (no greeting; ``on_close``
    gets ``"host"``).
``on_close(connection, reason)``
    Called once the connection is closed, with the session's :class:`libepp.CloseReason` (or
    ``None`` when the server shut down or the socket failed before the session ended).
``on_transaction(connection, record)``
    Called with each :class:`libepp.TransactionRecord` when the configuration keeps a transaction
    log (``Config(transaction_log=True)``).

A handler method that raises is logged and its request answered 2400 (command failed); the
connection goes on.

Logging: one INFO record per response on the ``libepp.server`` logger (peer, client, command,
clTRID, svTRID, result code, duration; also as record attributes ``epp_*``), DEBUG records of the
bytes read (counts only) and of the frames written. The records come from the transaction log,
which :func:`serve` turns on for a :class:`libepp.Config` (``on_transaction`` is still called
only when the configuration asked for the log). (``on_connect`` is the exception: see above; ``on_close`` and
``on_transaction`` failures are only logged.)

Timeouts: the configuration's ``login_deadline`` and ``idle_timeout`` end the session whenever
they pass, even while the client keeps sending or the server waits to write (responses already
rendered are still written); ``serve(write_timeout=...)`` drops a connection whose peer takes no
output for that long.

The client side is :mod:`libepp.client_asyncio`, whose :func:`connect` and :class:`Client` are
also here: ``client = await libepp.asyncio.connect(host, port, libepp.client.ClientConfig(...))``.
"""

from __future__ import annotations

import asyncio as _asyncio
import contextvars
import difflib
import inspect
import logging
import ssl as _ssl
import struct
import time
from typing import (
    Any,
    Awaitable,
    Dict,
    Iterator,
    List,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
    Union,
)

from ._libepp import (
    CommandRequest,
    Config,
    EppError,
    ExtensionRequest,
    LoginRequest,
    PollAckRequest,
    PollMessage,
    PollRequest,
    Response,
    SecurityEvent,
    Session,
    SessionEnd,
    TransactionRecord,
    UserAgent,
)
from ._libepp import Server as EppServer
from .client_asyncio import Client, connect

__all__ = [
    "AckResult",
    "Client",
    "CommandAnswer",
    "Connection",
    "Handler",
    "HANDLER_METHODS",
    "LoginResult",
    "PollResult",
    "Server",
    "connect",
    "current_connection",
    "serve",
]

log = logging.getLogger("libepp.asyncio")
#: One INFO record per response (peer, client, command, clTRID, svTRID, result code, duration),
#: and DEBUG records of the bytes read and the frames written (never what is read: a login
#: carries the password).
cmd_log = logging.getLogger("libepp.server")

#: What ``authenticate`` may return (see the module documentation).
LoginResult = Union[bool, str, None, Tuple[Union[bool, str, None], Sequence[SecurityEvent]]]
#: What ``command`` and ``extension`` may return.
CommandAnswer = Union[int, Response, Tuple[Any, ...], Dict[str, Any], None]
#: What ``poll`` may return.
PollResult = Union[PollMessage, Dict[str, Any], Response, None]
#: What ``ack`` may return.
AckResult = Union[int, Response, None]


class Handler(Protocol):
    """What :func:`serve` needs of a handler: ``authenticate``, plain or ``async``. The other
    methods (``poll``, ``ack``, ``command``, ``extension``, ``on_connect``, ``on_close``,
    ``on_transaction``; see :data:`HANDLER_METHODS`) are optional, so they are not part of the
    protocol; :func:`serve` checks them when it starts: a public method whose name is close to
    one of them (``comand``, ``on_closed``) is refused as a likely typo."""

    def authenticate(self, client_id: str, password: str, new_password: Optional[str], /
                     ) -> Union[LoginResult, Awaitable[LoginResult]]: ...


#: Every handler method :func:`serve` calls, with the arguments it passes; ``authenticate`` is
#: the only required one.
HANDLER_METHODS: Dict[str, Tuple[str, ...]] = {
    "authenticate": ("client_id", "password", "new_password"),
    "poll": ("client_id",),
    "ack": ("client_id", "msg_id"),
    "command": ("client_id", "request"),
    "extension": ("client_id", "request"),
    "on_connect": ("connection",),
    "on_close": ("connection", "reason"),
    "on_transaction": ("connection", "record"),
}
_REQUIRED = ("authenticate",)
# Attributes serve() reads besides the methods (never reported as typos).
_KNOWN_ATTRIBUTES = ("config",)


def check_handler(handler: Any) -> None:
    """Raises :class:`TypeError` unless ``handler`` has every required method, each method
    :func:`serve` would call takes the arguments it passes, and no public method's name looks
    like a misspelt handler method (``comand``: did you mean ``command``?). :func:`serve` calls
    it; call it in a test to check a handler without starting a server."""
    name = type(handler).__name__
    missing = [m for m in _REQUIRED if getattr(handler, m, None) is None]
    if missing:
        raise TypeError("handler %s lacks the required method%s %s (see libepp.asyncio.Handler)"
                        % (name, "s" if len(missing) > 1 else "", ", ".join(missing)))
    for method, params in HANDLER_METHODS.items():
        fn = getattr(handler, method, None)
        if fn is None:
            continue
        if not callable(fn):
            raise TypeError("handler %s: %s is %s, not a method" % (name, method, type(fn).__name__))
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
            continue
        try:
            sig.bind(*params)
        except TypeError:
            raise TypeError("handler %s: %s(%s) cannot be called as %s(%s)"
                            % (name, method, ", ".join(sig.parameters), method, ", ".join(params))) from None
    known = list(HANDLER_METHODS) + list(_KNOWN_ATTRIBUTES)
    for attr in dir(handler):
        if attr.startswith("_") or attr in known:
            continue
        try:
            value = getattr(handler, attr)
        except Exception:
            continue
        if not callable(value) or isinstance(value, type):
            continue
        close = difflib.get_close_matches(attr, known, n=1, cutoff=0.8)
        if close:
            raise TypeError("handler %s has %r: did you mean %r? (libepp.asyncio.serve would never "
                            "call it; rename it, or make it private with a leading underscore)"
                            % (name, attr, close[0]))


def _frames(data: bytes) -> Iterator[bytes]:
    """The bodies of the whole EPP frames in ``data`` (output: always whole frames)."""
    pos = 0
    while pos + 4 <= len(data):
        (n,) = struct.unpack_from("!I", data, pos)
        if n < 4:  # pragma: no cover - the session writes only valid frames
            return
        yield data[pos + 4:pos + n]
        pos += n


def _log_record(conn: Connection, record: TransactionRecord) -> None:
    if not cmd_log.isEnabledFor(logging.INFO):
        return
    ms = max(0.0, time.time() - record.received_at) * 1000.0
    cmd_log.info(
        "peer=%s client=%s command=%r clTRID=%s svTRID=%s code=%s duration=%.1fms",
        _peer(conn.peer), record.client_id or "-", record.command,
        record.client_transaction_id or "-", record.server_transaction_id or "-",
        record.code if record.code is not None else "-", ms,
        extra={"epp_peer": conn.peer, "epp_client_id": record.client_id,
               "epp_command": record.command, "epp_cl_trid": record.client_transaction_id,
               "epp_sv_trid": record.server_transaction_id, "epp_code": record.code,
               "epp_duration_ms": ms, "epp_connection": conn.number},
    )


def _peer(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return "[%s]:%s" % (host, peer[1]) if ":" in host else "%s:%s" % (host, peer[1])
    return str(peer)

#: Bytes read from the socket at a time (a read made while the session wants input is always
#: taken whole; the session holds what it cannot handle yet).
READ_CHUNK = 64 * 1024
#: How long closing a socket may take (a peer that takes no output is dropped after it).
CLOSE_TIMEOUT = 1.0
#: After the last response: how long, and how much, to read and drop of what the peer still
#: sends, so that its unread input does not turn the close into a reset that destroys the last
#: response (socket hygiene, as in eppd; the session is finished by then).
LINGER = 1.0
LINGER_BYTES = 256 * 1024
#: On Server.close(): how long to try writing responses already rendered.
SHUTDOWN_FLUSH = 2.0
#: The default of ``serve(write_timeout=...)``.
WRITE_TIMEOUT = 30.0

_LOGIN_OUTCOMES = {
    "accept": "accept",
    "accepted": "accept",
    "reject": "reject_credentials",
    "rejected": "reject_credentials",
    "bad_credentials": "reject_credentials",
    "reject_credentials": "reject_credentials",
    "disabled": "account_disabled",
    "account_disabled": "account_disabled",
    "session_limit_exceeded": "session_limit_exceeded",
    "fail": "fail",
    "failed": "fail",
}

_current: contextvars.ContextVar[Connection] = contextvars.ContextVar("libepp_connection")


def current_connection() -> Connection:
    """The connection whose request the handler is deciding (inside a handler call)."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("current_connection() is only available inside a handler call") from None


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def _within(aw: Any, timeout: Optional[float]) -> Tuple[bool, Any]:
    """Runs ``aw`` for at most ``timeout`` seconds: (True, result), or (False, None) after
    cancelling it. Unlike ``asyncio.wait_for`` on Python < 3.12, it never swallows a
    cancellation of the calling task that races with the completion of ``aw``."""
    task = _asyncio.ensure_future(aw)
    try:
        done, _ = await _asyncio.wait({task}, timeout=timeout)
    except _asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return True, task.result()
    task.cancel()
    return False, None


class Connection:
    """One client connection, as the handler's hooks see it."""

    def __init__(self, server: Server, session: Session, reader: _asyncio.StreamReader,
                 writer: _asyncio.StreamWriter, number: int) -> None:
        self.server = server
        #: The connection's :class:`libepp.Session`.
        self.session = session
        #: A number unique within the server.
        self.number = number
        #: The peer's address, as the socket reports it.
        self.peer: Any = writer.get_extra_info("peername")
        self._reader = reader
        self._writer = writer
        self._closing = False
        self._shutdown = False
        # Set when the peer stopped taking output: the socket is aborted, not closed gracefully
        # (which would wait for the buffered output to be written).
        self._abort = False
        # Set by close() and Server.close(): wakes the driver out of its wait for input.
        self._stop: _asyncio.Future[None] = _asyncio.get_running_loop().create_future()
        self._read_task: Optional[_asyncio.Future[bytes]] = None
        #: Free for the handler's own per-connection state.
        self.state: Dict[str, Any] = {}
        #: The client software as the last login described it (RFC 8807 ``<loginSec:userAgent>``),
        #: set before ``authenticate`` is called; ``None`` when it did not say.
        self.user_agent: Optional[UserAgent] = None

    @property
    def client_id(self) -> Optional[str]:
        """The logged-in client, if any."""
        return self.session.client_id

    @property
    def tls(self) -> bool:
        """Whether the connection runs over TLS."""
        return self._writer.get_extra_info("sslcontext") is not None

    @property
    def peer_certificate(self) -> Optional[Dict[str, Any]]:
        """The client certificate (as ``ssl.SSLSocket.getpeercert()`` gives it), if one was verified."""
        obj = self._writer.get_extra_info("ssl_object")
        if obj is None:
            return None
        cert = obj.getpeercert()
        return cert or None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """The transport's information ``name`` (:meth:`asyncio.BaseTransport.get_extra_info`):
        ``"cipher"`` and ``"ssl_object"`` (for RFC 8807 ``cipher`` and ``tlsProtocol`` events),
        ``"peercert"``, ``"sockname"``..."""
        return self._writer.get_extra_info(name, default)

    def close(self) -> None:
        """Ends the session now: nothing more is written and the connection closes."""
        self._closing = True
        self.session.close()
        self._wake()

    def _write(self, out: bytes) -> None:
        if cmd_log.isEnabledFor(logging.DEBUG):
            for body in _frames(out):
                cmd_log.debug("%r: wrote a frame of %d bytes: %s", self, len(body) + 4,
                              body.decode("utf-8", "replace"))
        self._writer.write(out)

    def _wake(self) -> None:
        if not self._stop.done():
            self._stop.set_result(None)

    def _begin_shutdown(self) -> None:
        """Server.close(): write what is already rendered (briefly), then close."""
        self._shutdown = True
        self._wake()

    def __repr__(self) -> str:
        return "<Connection #%d peer=%r client_id=%r state=%s>" % (
            self.number, self.peer, self.client_id, self.session.state)

    # ------------------------------------------------------------------
    # the driver
    # ------------------------------------------------------------------

    async def _call(self, name: str, *args: Any) -> Any:
        fn = getattr(self.server.handler, name, None)
        if fn is None:
            return None
        token = _current.set(self)
        try:
            return await _maybe_await(fn(*args))
        finally:
            _current.reset(token)

    async def _run(self) -> None:
        session = self.session
        peer_eof = False
        try:
            try:
                refused = await self._call("on_connect", self) is False
            except Exception:
                log.exception("%r: on_connect failed; closing", self)
                refused = True
            if refused:
                session.close()
                return
            # Each turn: the timer, then answer every request, then write what is rendered, then
            # wait for input (only while the session wants it), the timer, or close().
            while not self._closing:
                # The session's deadlines (login deadline, idle timeout) are checked on every turn,
                # not only when waiting for input times out: a client that keeps sending (or that
                # keeps the server waiting to write) must not outlive them. A no-op before the
                # deadline; after it, what is already rendered is still written.
                session.handle_timeout()
                await self._answer()
                if self._closing:
                    break
                if self._shutdown:
                    out = session.take_output()
                    if out:
                        self._write(out)
                        await self._drain(SHUTDOWN_FLUSH)
                    session.close()
                    break
                out = session.take_output()
                if out:
                    self._write(out)
                    # Taking output may have let input held behind it through: answer it while the
                    # peer reads (the session's timers stop while the host holds a request). What
                    # that renders waits in the session, which takes no more frames past
                    # max_pending_output.
                    await self._answer()
                    if self._closing or not await self._drain():
                        break
                    continue
                if session.is_finished:
                    await self._linger(peer_eof)
                    break
                # False after the end of input, while the session ends, and while it holds what it
                # cannot handle yet (the client's further input waits in its socket).
                can_read = session.wants_input()
                deadline = session.next_timeout()
                if not can_read and deadline is None:
                    if session.close_reason is None:
                        log.error("%r: no progress possible; closing", self)
                    break
                wait = None if deadline is None else max(0.0, deadline - time.time()) + 0.001
                waiting: Set[_asyncio.Future[Any]] = {self._stop}
                if can_read:
                    if self._read_task is None:
                        self._read_task = _asyncio.ensure_future(self._reader.read(READ_CHUNK))
                    waiting.add(self._read_task)
                done, _ = await _asyncio.wait(waiting, timeout=wait,
                                              return_when=_asyncio.FIRST_COMPLETED)
                if self._read_task is not None and self._read_task in done:
                    data = self._read_task.result()
                    self._read_task = None
                    if session.close_reason is not None:
                        pass  # the session ended meanwhile (close()): what was read is dropped
                    elif data:
                        if cmd_log.isEnabledFor(logging.DEBUG):
                            cmd_log.debug("%r: read %d bytes", self, len(data))
                        try:
                            session.feed_input(data)
                        except EppError as exc:  # pragma: no cover - reads are sized to fit
                            log.error("%r: input refused: %s; closing", self, exc)
                            break
                    else:
                        # Applied by the session after everything fed before it.
                        peer_eof = True
                        session.handle_eof()
                # A deadline that passed is handled at the top of the loop.
        except (ConnectionError, OSError, _ssl.SSLError) as exc:
            log.debug("%r: socket error: %s", self, exc)
        finally:
            reason = session.close_reason
            session.close()
            if self._read_task is not None:
                self._read_task.cancel()
                self._read_task = None
            try:
                if self._abort:
                    self._writer.transport.abort()
                else:
                    self._writer.close()
            except Exception:  # pragma: no cover - already broken
                pass
            closed = False
            try:
                closed, _ = await _within(self._writer.wait_closed(), CLOSE_TIMEOUT)
            except (Exception, _asyncio.CancelledError):
                pass
            if not closed and not self._abort:
                # Output still buffered for a peer that does not take it: a graceful close would
                # keep the socket open until it does. Drop it.
                try:
                    self._writer.transport.abort()
                except Exception:  # pragma: no cover - already broken
                    pass
            self.server._connections.discard(self)
            try:
                await self._records()  # the last responses (logout, a 25xx before closing)
            except Exception:  # pragma: no cover - the session is closed, its records remain
                log.exception("%r: transaction records failed", self)
            try:
                await self._call("on_close", self, reason)
            except Exception:
                log.exception("%r: on_close failed", self)

    async def _answer(self) -> None:
        """Answers every request the session has (answers may let held input through, whose
        requests come next), then hands the transaction records to the handler."""
        session = self.session
        for request in session:
            await self._dispatch(request)
        await self._records()

    async def _records(self) -> None:
        """Logs each transaction record (one INFO line per response on ``libepp.server``), then
        hands it to ``on_transaction`` when the handler's configuration asked for the log."""
        if not self.server.config.transaction_log:
            return
        hand_over = self.server._user_log and self.server._has("on_transaction")
        for record in self.session.drain_transactions():
            _log_record(self, record)
            if not hand_over:
                continue
            try:
                await self._call("on_transaction", self, record)
            except Exception:
                log.exception("%r: on_transaction failed", self)

    async def _linger(self, peer_eof: bool) -> None:
        """After the last response: half-close, then drop what the peer still sends, briefly."""
        try:
            if self._writer.can_write_eof():
                self._writer.write_eof()
        except (OSError, RuntimeError):
            return
        if peer_eof:
            return

        async def discard() -> None:
            total = 0
            while total < LINGER_BYTES:
                if self._read_task is None:
                    self._read_task = _asyncio.ensure_future(self._reader.read(READ_CHUNK))
                data = await self._read_task
                self._read_task = None
                if not data:
                    return
                total += len(data)

        try:
            await _within(discard(), LINGER)
        except (ConnectionError, OSError, _ssl.SSLError):
            pass

    async def _drain(self, limit: Optional[float] = None) -> bool:
        """Waits until the peer has taken enough of what was written (the transport's high-water
        mark). While waiting, the session's deadlines are still checked: if one passes,
        the session ends there (what is rendered is still written). False when the connection
        must close without writing more: the peer took no output for the server's
        ``write_timeout``, ``limit`` seconds passed, or the connection was closed."""
        session = self.session
        writer = self._writer
        transport = writer.transport
        loop = _asyncio.get_running_loop()
        write_timeout = self.server.write_timeout
        last_progress = loop.time()
        end = None if limit is None else last_progress + limit
        backlog = _write_backlog(transport)
        watch_stop = not self._stop.done()
        drain = _asyncio.ensure_future(writer.drain())
        try:
            while True:
                now = loop.time()
                # Progress is looked at a few times per write_timeout.
                wait = min(last_progress + write_timeout - now, write_timeout / 4)
                if end is not None:
                    wait = min(wait, end - now)
                deadline = session.next_timeout()
                if deadline is not None:
                    wait = min(wait, max(0.0, deadline - time.time()) + 0.001)
                waiting: Set[_asyncio.Future[Any]] = {drain}
                if watch_stop:
                    waiting.add(self._stop)
                done, _ = await _asyncio.wait(waiting, timeout=max(0.0, wait),
                                              return_when=_asyncio.FIRST_COMPLETED)
                if drain in done:
                    drain.result()  # raises when the connection was lost
                    return True
                now = loop.time()
                if self._stop in done:
                    watch_stop = False
                    if self._closing:
                        return False
                    if self._shutdown:
                        end = min(end, now + SHUTDOWN_FLUSH) if end is not None else now + SHUTDOWN_FLUSH
                if session.handle_timeout():
                    log.info("%r: %s while writing; writing what is rendered, then closing",
                             self, session.close_reason)
                size = _write_backlog(transport)
                if size < backlog:
                    last_progress = now
                backlog = size
                if end is not None and now >= end:
                    self._abort = True
                    return False
                if now - last_progress >= write_timeout:
                    log.info("%r: the peer took no output for %ss; closing", self, write_timeout)
                    session.close()
                    self._abort = True
                    return False
        finally:
            if not drain.done():
                drain.cancel()
            elif not drain.cancelled():
                drain.exception()  # retrieved (raised above when it mattered)

    async def _dispatch(self, request: Any) -> None:
        if isinstance(request, SessionEnd):
            return
        try:
            if isinstance(request, LoginRequest):
                await self._login(request)
            elif isinstance(request, PollRequest):
                await self._poll(request)
            elif isinstance(request, PollAckRequest):
                await self._ack(request)
            elif isinstance(request, CommandRequest):
                await self._command(request)
            elif isinstance(request, ExtensionRequest):
                await self._extension(request)
            else:  # pragma: no cover - a request kind newer than this module
                request.fail()
        except Exception as exc:
            if isinstance(exc, EppError):
                log.error("%r: answer to %r refused: %s", self, request, exc)
            else:
                log.exception("%r: handler failed on %r", self, request)
            if not request.answered:
                try:
                    request.fail()
                except EppError:
                    pass

    async def _login(self, req: LoginRequest) -> None:
        if not self.server._has("authenticate"):
            log.error("handler has no authenticate(): every login is refused")
            req.reject_credentials()
            return
        self.user_agent = req.user_agent
        result = await self._call("authenticate", req.client_id, req.password, req.new_password)
        if req.answered or self._closing:
            return
        outcome, events = _login_result(result)
        if outcome is True:
            req.accept(events=events)
        elif outcome is False or outcome is None:
            req.reject_credentials(events=events)
        elif isinstance(outcome, str) and outcome in _LOGIN_OUTCOMES:
            getattr(req, _LOGIN_OUTCOMES[outcome])(events=events)
        else:
            raise TypeError("authenticate() returned %r: expected a bool, one of %s, or a pair of "
                            "one of them and a list of libepp.SecurityEvent"
                            % (result, sorted(_LOGIN_OUTCOMES)))

    async def _poll(self, req: PollRequest) -> None:
        msg = await self._call("poll", req.client_id)
        if req.answered or self._closing:
            return
        if msg is None:
            req.empty()
        elif isinstance(msg, PollMessage):
            req.message(msg.id, msg.count, msg.queued_at, msg.text, lang=msg.lang, msg_xml=msg.msg_xml,
                        res_data=msg.res_data, extension=msg.extension)
        elif isinstance(msg, dict):
            req.message(**msg)
        elif isinstance(msg, Response):
            req.respond(msg)
        else:
            raise TypeError("poll() returned %r: expected a PollMessage, a dict or None" % (msg,))

    async def _ack(self, req: PollAckRequest) -> None:
        remaining = await self._call("ack", req.client_id, req.message_id)
        if req.answered or self._closing:
            return
        if remaining is None or remaining is False:
            req.unknown()
        elif isinstance(remaining, Response):
            req.respond(remaining)
        elif isinstance(remaining, int) and remaining is not True:
            req.acked(remaining)
        else:
            raise TypeError("ack() returned %r: expected the remaining count or None" % (remaining,))

    async def _command(self, req: CommandRequest) -> None:
        if not self.server._has("command"):
            req.respond(2101)
            return
        answer = await self._call("command", req.client_id, req)
        if self._closing:
            return
        _respond(req, answer, "command")

    async def _extension(self, req: ExtensionRequest) -> None:
        if not self.server._has("extension"):
            req.respond(2101)
            return
        answer = await self._call("extension", req.client_id, req)
        if self._closing:
            return
        _respond(req, answer, "extension")


def _login_result(result: Any) -> Tuple[Any, Optional[List[SecurityEvent]]]:
    """``authenticate()``'s result as (outcome, events): the pair ``(outcome, events)``, or an
    outcome alone (no events)."""
    if not isinstance(result, tuple):
        return result, None
    if len(result) != 2:
        raise TypeError("authenticate() returned %r: a tuple must be (outcome, events)" % (result,))
    outcome, events = result
    if isinstance(events, (str, bytes)) or not hasattr(events, "__iter__"):
        raise TypeError("authenticate() returned %r: events must be a list of libepp.SecurityEvent"
                        % (result,))
    events = list(events)
    for e in events:
        if not isinstance(e, SecurityEvent):
            raise TypeError("authenticate() returned the event %r: expected a libepp.SecurityEvent" % (e,))
    return outcome, events


def _write_backlog(transport: Any) -> int:
    """Bytes written to ``transport`` and not yet taken by the socket, for telling whether the
    peer takes any. Over TLS, asyncio's TLS layer (Python 3.11 and later) counts only what it has
    not yet passed to the transport under it, and it passes a whole write at once: that
    transport's buffer is added (best effort: it is an implementation detail of asyncio; on
    older versions it is then counted twice, which is harmless here)."""
    size = int(transport.get_write_buffer_size())
    inner = getattr(getattr(transport, "_ssl_protocol", None), "_transport", None)
    if inner is not None:
        try:
            size += int(inner.get_write_buffer_size())
        except Exception:  # pragma: no cover - another implementation
            pass
    return size


def _check_write_timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("write_timeout must be a number of seconds, not %s" % type(value).__name__)
    if not value > 0 or value == float("inf"):
        raise ValueError("write_timeout must be a positive, finite number of seconds, not %r" % (value,))
    return float(value)


def _respond(req: Union[CommandRequest, ExtensionRequest], answer: Any, name: str) -> None:
    if answer is None:
        if not req.answered:
            raise TypeError("%s() returned None without answering the request" % name)
        return
    if req.answered:
        raise TypeError("%s() answered the request and also returned %r" % (name, answer))
    if isinstance(answer, Response) or (isinstance(answer, int) and not isinstance(answer, bool)):
        req.respond(answer)
    elif isinstance(answer, tuple):
        req.respond(*answer)
    elif isinstance(answer, dict):
        req.respond(**answer)
    else:
        raise TypeError("%s() returned %r: expected a result code, a tuple, a dict, a "
                        "Response or None" % (name, answer))


class Server:
    """A running EPP server (see :func:`serve`). An async context manager: leaving it closes
    the server and every connection."""

    def __init__(self, handler: Any, epp_server: EppServer, write_timeout: float = WRITE_TIMEOUT,
                 *, user_log: Optional[bool] = None) -> None:
        self.handler = handler
        # Whether the handler's configuration asked for the transaction log (on_transaction is
        # called then only); serve() may turn the log on for the per-command log alone.
        self._user_log = epp_server.config.transaction_log if user_log is None else user_log
        #: The :class:`libepp.Server` every connection's session belongs to.
        self.epp_server = epp_server
        #: Its configuration.
        self.config: Config = epp_server.config
        #: Seconds a connection may go without the peer taking any of the output waiting for
        #: it; then the connection is dropped.
        self.write_timeout = _check_write_timeout(write_timeout)
        self._server: Optional[_asyncio.Server] = None
        self._connections: Set[Connection] = set()
        self._tasks: Set[_asyncio.Task[None]] = set()
        self._count = 0
        self._closing = False

    def _has(self, name: str) -> bool:
        return getattr(self.handler, name, None) is not None

    async def _accept(self, reader: _asyncio.StreamReader, writer: _asyncio.StreamWriter) -> None:
        task = _asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._count += 1
        try:
            session = Session(self.epp_server)
            conn = Connection(self, session, reader, writer, self._count)
            self._connections.add(conn)
            if self._closing:
                conn._begin_shutdown()
            await conn._run()
        except _asyncio.CancelledError:
            # Server.close() cancelled the connection: end this task quietly (asyncio's stream
            # callback would otherwise log the cancellation as an error).
            if not self._closing:
                raise
        finally:
            if task is not None:
                self._tasks.discard(task)

    @property
    def sockets(self) -> Tuple[Any, ...]:
        """The listening sockets."""
        return tuple(self._server.sockets) if self._server is not None else ()

    @property
    def port(self) -> int:
        """The port of the first listening socket (handy after binding port 0)."""
        return int(self.sockets[0].getsockname()[1])

    @property
    def connections(self) -> List[Connection]:
        """The open connections."""
        return list(self._connections)

    def is_serving(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def serve_forever(self) -> None:
        """Serves until cancelled (or until :meth:`close`)."""
        assert self._server is not None
        try:
            await self._server.serve_forever()
        except _asyncio.CancelledError:
            self.close()
            await self.wait_closed()
            raise

    def close(self) -> None:
        """Stops listening and ends every connection (responses already rendered are still
        written, for up to two seconds)."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn._begin_shutdown()

    async def wait_closed(self) -> None:
        """Waits until the server and every connection are closed (a handler call still running
        after the flush time is cancelled)."""
        tasks = list(self._tasks)
        if tasks:
            _, late = await _asyncio.wait(tasks, timeout=SHUTDOWN_FLUSH + CLOSE_TIMEOUT + 1)
            for task in late:
                task.cancel()
            if late:
                await _asyncio.wait(late, timeout=CLOSE_TIMEOUT + 1)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
        await self.wait_closed()

    def __repr__(self) -> str:
        names = [s.getsockname() for s in self.sockets]
        return "<libepp.asyncio.Server %s on %s, %d connection(s)>" % (
            self.config.server_id, names, len(self._connections))


async def serve(
    handler: Handler,
    host: Union[str, Sequence[str], None],
    port: int,
    ssl: Optional[_ssl.SSLContext] = None,
    *,
    config: Union[Config, EppServer, None] = None,
    ssl_handshake_timeout: Optional[float] = None,
    write_timeout: float = WRITE_TIMEOUT,
    **server_kwargs: Any,
) -> Server:
    """Starts an EPP server for ``handler`` on ``host``:``port`` (port 0 picks a free one: see
    :attr:`Server.port`), over TLS when ``ssl`` is an :class:`ssl.SSLContext` (RFC 5734 wants
    TLS; plain TCP suits tests and a TLS-terminating proxy).

    The configuration is ``config``, else the handler's ``config`` attribute: a
    :class:`libepp.Config` (a :class:`libepp.Server` is started on it now), or a
    :class:`libepp.Server` (to enforce a per-registrar session limit with its
    :class:`libepp.RegistrarSessions`, or to share its svTRIDs with other listeners). There is no
    default: the configuration names the objects the server offers. Other keyword arguments go
    to :func:`asyncio.start_server`.

    ``write_timeout`` (seconds, default 30) bounds how long a connection may wait for a peer that
    takes none of the output waiting for it (a client that does not read): then the connection
    is dropped. The configuration's ``login_deadline`` and ``idle_timeout`` also run while the
    server waits to write, and while input keeps arriving.
    """
    check_handler(handler)
    if config is None:
        config = getattr(handler, "config", None)
    if config is None:
        raise TypeError("serve() needs a configuration: config=libepp.Config(...) (or a libepp.Server), "
                        "or a config attribute on the handler")
    if isinstance(config, EppServer):
        epp_server = config
        if not config.config.transaction_log:
            cmd_log.info("no per-command log: the libepp.Server's configuration keeps no "
                         "transaction log (Config(transaction_log=True))")
    elif isinstance(config, Config):
        # The per-command log is made of the transaction records.
        epp_server = EppServer(config.with_transaction_log())
    else:
        raise TypeError("config must be a libepp.Config or a libepp.Server, not %s" % type(config).__name__)
    user_log = config.config.transaction_log if isinstance(config, EppServer) else config.transaction_log
    server = Server(handler, epp_server, write_timeout, user_log=user_log)
    kwargs: Dict[str, Any] = dict(server_kwargs)
    if ssl is not None:
        kwargs["ssl"] = ssl
        if ssl_handshake_timeout is not None:
            kwargs["ssl_handshake_timeout"] = ssl_handshake_timeout
    server._server = await _asyncio.start_server(server._accept, host, port, **kwargs)
    return server
