"""An asyncio EPP client on libepp's client engine: connect, log in, send commands.

::

    config = ClientConfig("registrar1", "secret-pw1", object_uris=[DOMAIN], max_in_flight=4)
    async with await connect("epp.example", 700, config, ssl=ssl.create_default_context()) as client:
        response = await client.command(
            '<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">'
            "<domain:name>example.com</domain:name></domain:check>")
        print(response.code, response.res_data)

:func:`connect` opens the connection, waits for the greeting and logs in (raising
:class:`libepp.client.LoginFailedError` when the server refuses). The :class:`Client` it returns
is driven by one task that runs the engine's host loop: read (only while the session wants
input), feed, poll (each event resolves the future of the command it answers), write, and the
engine's timer (``next_timeout``), which sends keep-alive ``<hello>``\\ s and ends the session
when the server does not answer within the configuration's ``response_deadline``.

Any number of coroutines may await commands at once: the engine writes up to the
configuration's ``max_in_flight`` of them (pipelining) and the rest as responses make room, and
each await returns the response to its own command. Results that are EPP errors (2xxx) are
responses, not exceptions. The exceptions are the engine's: a command it refuses (a
:class:`libepp.client.ClientError` subclass, raised at once, nothing sent), and
:class:`libepp.client.ClientClosedError` (``reason``: a
:class:`libepp.client.ClientCloseReason`) for every command left unanswered when the session
ends: the server closed the connection or said it closes it (25xx), a response was overdue, a
frame was not EPP, or the client was closed.
"""

from __future__ import annotations

import asyncio as _asyncio
import logging
import re
import ssl as _ssl
import time
from typing import Any, Callable, Dict, Optional, Set, Union

from ._libepp import (
    ClientClosedError,
    ClientCloseReason,
    ClientConfig,
    ClientSession,
    Closed,
    Greeting,
    KeepAlive,
    LoginEvent,
    ResponseEvent,
    ResponseOverdue,
    SentCommand,
    Services,
)
from ._libepp import ClientResponse as Response
from .client import Event, LoginFailedError

__all__ = ["Client", "connect"]

log = logging.getLogger("libepp.client_asyncio")

#: Bytes read from the socket at a time.
READ_CHUNK = 64 * 1024
#: How long closing the socket may take.
CLOSE_TIMEOUT = 1.0

_VERBS = ("check", "info", "create", "update", "delete", "renew", "transfer")
# The object element's name: after an optional XML declaration, comments and white space.
_ROOT = re.compile(r"\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*<(?:[^\s:/>]+:)?([^\s:/>]+)", re.S)


def _verb_of(xml: str) -> str:
    m = _ROOT.match(xml)
    verb = m.group(1) if m else None
    if verb not in _VERBS:
        raise ValueError("cannot tell the command verb from the object element %r: pass verb=..."
                         % (xml[:60],))
    assert verb is not None
    return verb


def _closed_error(reason: Optional[ClientCloseReason], command: Optional[SentCommand]) -> ClientClosedError:
    exc = ClientClosedError("session closed: %s" % (reason if reason is not None else "connection lost"))
    # The engine's reason (always set: the driver closes the session before failing commands),
    # and the command left unanswered (None for a wait that was not a command's).
    setattr(exc, "reason", reason)
    setattr(exc, "command", command)
    return exc


class Client:
    """One EPP client connection (see :func:`connect`). An async context manager: leaving it
    logs out (when logged in) and closes the connection."""

    def __init__(self, session: ClientSession, reader: _asyncio.StreamReader,
                 writer: _asyncio.StreamWriter,
                 on_event: Optional[Callable[[Event], Any]] = None) -> None:
        #: The engine's :class:`libepp.client.ClientSession`.
        self.session = session
        self._reader = reader
        self._writer = writer
        self._on_event = on_event
        loop = _asyncio.get_running_loop()
        self._loop = loop
        self._pending: Dict[int, _asyncio.Future[Any]] = {}
        self._first_greeting: _asyncio.Future[Greeting] = loop.create_future()
        self._wakeup: _asyncio.Future[None] = loop.create_future()
        self._read_task: Optional[_asyncio.Future[bytes]] = None
        #: The latest greeting (the connection's first, or the answer to a hello).
        self.greeting: Optional[Greeting] = None
        #: The response to the last login, if any.
        self.login_response: Optional[Response] = None
        #: Why the session ended, once it has.
        self.close_reason: Optional[ClientCloseReason] = None
        self._driver: _asyncio.Task[None] = loop.create_task(self._run())

    # ------------------------------------------------------------------
    # what the caller sees
    # ------------------------------------------------------------------

    @property
    def services(self) -> Optional[Services]:
        """The services of the successful login (object and extension URIs, language)."""
        return self.session.services

    @property
    def is_closed(self) -> bool:
        """Whether the connection is closed (or closing)."""
        return self._driver.done() or self.close_reason is not None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """The transport's information ``name`` (``"peername"``, ``"ssl_object"``,
        ``"cipher"``, ``"peercert"``...)."""
        return self._writer.get_extra_info(name, default)

    async def wait_greeting(self) -> Greeting:
        """The connection's first greeting, once it came."""
        return await _asyncio.shield(self._first_greeting)

    async def login(self) -> Response:
        """Logs in (services negotiated against the greeting; a password over 16 characters
        through RFC 8807 when the server offers it). Returns the 1000 response; raises
        :class:`libepp.client.LoginFailedError` when the server refuses."""
        await self.wait_greeting()
        event: LoginEvent = await self._submit(self.session.login)
        self.login_response = event.response
        if event.services is None:
            raise LoginFailedError(event.response)
        return event.response

    async def hello(self) -> Greeting:
        """Sends ``<hello>``; returns the greeting that answers it."""
        greeting: Greeting = await self._submit(self.session.hello)
        return greeting

    async def command(self, xml: str, extension: Optional[str] = None, *, verb: Optional[str] = None,
                      op: Optional[str] = None, cl_trid: Optional[str] = None) -> Response:
        """Sends an object command and returns its response. ``xml`` is the object element
        (``<domain:check xmlns:domain="...">...</domain:check>``, declaring its namespace);
        ``verb`` defaults to its local name (``check``, ``info``, ``create``, ``update``,
        ``delete``, ``renew``, ``transfer``); a transfer needs ``op`` (``"request"``,
        ``"query"``...). ``extension`` is ``<extension>`` content, ``cl_trid`` a clTRID of the
        caller's instead of a generated one."""
        v = verb if verb is not None else _verb_of(xml)
        response: Response = await self._submit(
            lambda: self.session.command(v, xml, extension, cl_trid, op=op))
        return response

    async def poll(self, *, extension: Optional[str] = None) -> Response:
        """``<poll op="req">``: 1301 with the oldest message (``response.msgq``), or 1300."""
        response: Response = await self._submit(lambda: self.session.poll_request(extension=extension))
        return response

    async def ack(self, msg_id: Union[str, int], *, extension: Optional[str] = None) -> Response:
        """``<poll op="ack" msgID=...>``: removes a message (``response.msgq.count``: those
        left)."""
        response: Response = await self._submit(
            lambda: self.session.poll_ack(msg_id, extension=extension))
        return response

    async def logout(self) -> Response:
        """Logs out and returns the response (1500) once the connection is closed."""
        response: Response = await self._submit(self.session.logout)
        if self.session.state in ("closing", "closed"):
            # 1500: the driver closes the connection; return once it has.
            await _asyncio.wait({self._driver})
        return response

    async def close(self) -> None:
        """Closes the connection now (commands not yet answered get ClientClosedError)."""
        if not self._driver.done():
            self.session.close()
            self._wake()
        await _asyncio.wait({self._driver})

    async def wait_closed(self) -> None:
        """Waits until the connection is closed."""
        await _asyncio.shield(self._driver)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if self.session.state == "logged_in" and not self._driver.done():
                try:
                    await self.logout()
                except (ClientClosedError, OSError) as e:
                    log.debug("%r: logout on exit failed: %s", self, e)
        finally:
            await self.close()

    def __repr__(self) -> str:
        return "<libepp.client_asyncio.Client %s peer=%r state=%s>" % (
            self.session.config.client_id, self.get_extra_info("peername"), self.session.state)

    # ------------------------------------------------------------------
    # the driver
    # ------------------------------------------------------------------

    def _submit(self, send: Callable[[], SentCommand]) -> _asyncio.Future[Any]:
        """Gives a command to the engine (its typed errors raise here, nothing sent) and returns
        the future its answer resolves."""
        command = send()
        fut: _asyncio.Future[Any] = self._loop.create_future()
        self._pending[command.id] = fut
        self._wake()
        return fut

    def _wake(self) -> None:
        if not self._wakeup.done():
            self._wakeup.set_result(None)

    def _resolve(self, command_id: int, value: Any) -> None:
        fut = self._pending.pop(command_id, None)
        if fut is not None and not fut.done():
            fut.set_result(value)

    def _dispatch(self) -> None:
        for event in self.session:
            if isinstance(event, Greeting):
                self.greeting = event
                if event.hello is None:
                    if not self._first_greeting.done():
                        self._first_greeting.set_result(event)
                else:
                    self._resolve(event.hello.id, event)
            elif isinstance(event, LoginEvent):
                self._resolve(event.command.id, event)
            elif isinstance(event, ResponseEvent):
                self._resolve(event.command.id, event.response)
            elif isinstance(event, KeepAlive):
                log.debug("%r: keep-alive hello", self)
            elif isinstance(event, ResponseOverdue):
                log.warning("%r: no response to %r within the deadline", self, event.command)
            elif isinstance(event, Closed):
                self.close_reason = event.reason
                for command in event.unanswered:
                    fut = self._pending.pop(command.id, None)
                    if fut is not None and not fut.done():
                        fut.set_exception(_closed_error(event.reason, command))
                self._fail_all(event.reason)
            if self._on_event is not None:
                try:
                    self._on_event(event)
                except Exception:
                    log.exception("%r: on_event failed", self)

    def _fail_all(self, reason: Optional[ClientCloseReason]) -> None:
        if not self._first_greeting.done():
            self._first_greeting.set_exception(_closed_error(reason, None))
            self._first_greeting.exception()  # retrieved: connect() may not be waiting
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(_closed_error(reason, None))
        self._pending.clear()

    async def _run(self) -> None:
        session = self.session
        try:
            while True:
                if self._wakeup.done():
                    self._wakeup = self._loop.create_future()
                session.handle_timeout()
                self._dispatch()
                out = session.take_output()
                if out:
                    self._writer.write(out)
                if session.state == "closing":
                    # The server ends the session (1500, or 25xx): nothing more is sent, and what
                    # it may still send is dropped. The engine would wait for the server to close
                    # the connection; the host may close it at once, which spares a TLS server
                    # (which cannot half-close) waiting for this side to close first.
                    session.close()
                if session.is_finished:
                    break
                deadline = session.next_timeout()
                wait = None if deadline is None else max(0.0, deadline - time.time()) + 0.001
                waiting: Set[_asyncio.Future[Any]] = {self._wakeup}
                if session.wants_input():
                    if self._read_task is None:
                        self._read_task = _asyncio.ensure_future(self._reader.read(READ_CHUNK))
                    waiting.add(self._read_task)
                await _asyncio.wait(waiting, timeout=wait, return_when=_asyncio.FIRST_COMPLETED)
                if self._read_task is not None and self._read_task.done():
                    task, self._read_task = self._read_task, None
                    try:
                        data = task.result()
                    except (ConnectionError, OSError, _ssl.SSLError) as exc:
                        log.debug("%r: socket error: %s", self, exc)
                        data = b""
                    if session.is_finished:
                        continue
                    if data:
                        session.feed_input(data)
                    else:
                        session.handle_eof()
        except _asyncio.CancelledError:
            raise
        except Exception:  # pragma: no cover - a bug: end the session rather than hang
            log.exception("%r: client driver failed", self)
        finally:
            if not session.is_finished:
                session.close()
            self._dispatch()
            self._fail_all(session.close_reason)
            if self._read_task is not None:
                self._read_task.cancel()
                self._read_task = None
            try:
                self._writer.close()
                await _asyncio.wait_for(self._writer.wait_closed(), CLOSE_TIMEOUT)
            except (Exception, _asyncio.CancelledError):
                try:
                    self._writer.transport.abort()
                except Exception:  # pragma: no cover - already gone
                    pass


async def connect(
    host: str,
    port: int,
    config: ClientConfig,
    ssl: Union[_ssl.SSLContext, bool, None] = None,
    *,
    login: bool = True,
    on_event: Optional[Callable[[Event], Any]] = None,
    **connection_kwargs: Any,
) -> Client:
    """Connects to the EPP server at ``host``:``port`` (over TLS when ``ssl`` is an
    :class:`ssl.SSLContext`, or ``True`` for the default context; RFC 5734 wants TLS), waits for
    the greeting (at most the configuration's ``response_deadline``) and, unless ``login`` is
    false, logs in: :class:`libepp.client.LoginFailedError` when the server refuses, a
    :class:`libepp.client.NegotiationError` when the greeting lacks what the configuration
    requires, :class:`libepp.client.ClientClosedError` when the connection ends first (the
    connection is closed in every case). ``on_event`` is called with every event of the
    engine (a :data:`libepp.client.Event`), for logging. Other keyword arguments go to
    :func:`asyncio.open_connection` (``server_hostname``, ``ssl_handshake_timeout``...)."""
    if not isinstance(config, ClientConfig):
        raise TypeError("config must be a libepp.client.ClientConfig, not %s" % type(config).__name__)
    kwargs: Dict[str, Any] = dict(connection_kwargs)
    if ssl is not None and ssl is not False:
        kwargs["ssl"] = ssl
    reader, writer = await _asyncio.open_connection(host, port, **kwargs)
    client = Client(ClientSession(config), reader, writer, on_event)
    try:
        await client.wait_greeting()
        if login:
            await client.login()
    except BaseException:
        await client.close()
        raise
    return client
