"""End to end: the asyncio client (libepp.client_asyncio) against the package's own asyncio server
(libepp.asyncio.serve), over plain TCP and over TLS with a CA made by trustme."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
import xml.etree.ElementTree as ET
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import pytest
import trustme

import libepp
import libepp.asyncio
import libepp.client_asyncio
from libepp.asyncio import current_connection, serve
from libepp.client import (
    ClientClosedError,
    ClientConfig,
    Closed,
    Greeting,
    KeepAlive,
    LoginFailedError,
    NotLoggedInWithError,
    ServiceNotOfferedError,
    WrongStateError,
)
from libepp.client_asyncio import Client, connect
from conftest import CONTACT, DOMAIN, HOST, LOGINSEC, README, SECDNS

TIMEOUT = 20.0


def check_xml(*names: str) -> str:
    return ('<domain:check xmlns:domain="%s">%s</domain:check>'
            % (DOMAIN, "".join("<domain:name>%s</domain:name>" % n for n in names)))


class Registry:
    """A server handler: passwords, a poll queue, domain:check, and what it saw."""

    def __init__(self, config: Optional[libepp.Config] = None, command_delay: float = 0.0) -> None:
        self.config = config or libepp.Config("Example EPP server", object_uris=[DOMAIN, CONTACT, HOST],
                                              extension_uris=[SECDNS])
        self.passwords = {"registrar1": "secret-pw1", "registrar2": "a-long-password-of-28-chars!"}
        self.queue = [libepp.PollMessage(101, 2, time.time(), "first"),
                      libepp.PollMessage(102, 1, time.time(), "second")]
        self.taken = {"taken.example"}
        self.command_delay = command_delay
        self.max_outstanding = 0
        self.commands: List[Tuple[str, Optional[str]]] = []
        self.logins: List[Tuple[str, str, Any]] = []
        self.closed: List[Optional[str]] = []
        self.closed_event = asyncio.Event()
        self.tls: List[bool] = []

    def on_connect(self, conn: Any) -> None:
        self.tls.append(conn.tls)

    def on_close(self, conn: Any, reason: Optional[libepp.CloseReason]) -> None:
        self.closed.append(reason.kind if reason is not None else None)
        self.closed_event.set()

    def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> Any:
        self.logins.append((client_id, password, current_connection().user_agent))
        if self.passwords.get(client_id) != password:
            return False
        if len(password) > 16:
            return True, [libepp.SecurityEvent("password", "warning", expires_at=time.time() + 86400,
                                               text="Password expires soon")]
        return True

    def poll(self, client_id: str) -> Optional[libepp.PollMessage]:
        return self.queue[0] if self.queue else None

    def ack(self, client_id: str, msg_id: int) -> Optional[int]:
        for i, m in enumerate(self.queue):
            if m.id == msg_id:
                del self.queue[i]
                return len(self.queue)
        return None

    async def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
        # Requests the server has read and not yet answered: what the client pipelined.
        self.max_outstanding = max(self.max_outstanding, current_connection().session.outstanding)
        self.commands.append((request.verb, request.client_transaction_id))
        if self.command_delay:
            await asyncio.sleep(self.command_delay)
        if request.verb != "check":
            return 2101
        names = [e.text for e in ET.fromstring(request.object_xml).iter("{%s}name" % DOMAIN)]
        cds = "".join('<domain:cd><domain:name avail="%d">%s</domain:name></domain:cd>'
                      % (n not in self.taken, n) for n in names)
        return libepp.Response(1000, res_data='<domain:chkData xmlns:domain="%s">%s</domain:chkData>' % (DOMAIN, cds))


def run(coro: Awaitable[Any]) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coro, TIMEOUT)

    return asyncio.run(bounded())


def config(**kw: Any) -> ClientConfig:
    kw.setdefault("object_uris", [DOMAIN, CONTACT])
    kw.setdefault("extension_uris", [SECDNS])
    return ClientConfig(kw.pop("client_id", "registrar1"), kw.pop("password", "secret-pw1"), **kw)


@pytest.fixture(scope="module")
def tls() -> Dict[str, Any]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return {"server": server_ctx, "client": client_ctx}


async def whole_session(reg: Registry, port: int, ssl_context: Optional[ssl.SSLContext]) -> None:
    events: List[Any] = []
    client = await connect("127.0.0.1", port, config(max_in_flight=4), ssl=ssl_context, on_event=events.append)
    assert isinstance(client, Client) and not client.is_closed
    assert client.greeting is not None and client.greeting.server_id == "Example EPP server"
    assert client.login_response is not None and client.login_response.code == 1000
    assert client.services is not None and client.services.object_uris == [DOMAIN, CONTACT]
    assert client.session.state == "logged_in"
    assert (client.get_extra_info("ssl_object") is not None) == (ssl_context is not None)

    greeting = await client.hello()
    assert isinstance(greeting, Greeting) and greeting.hello is not None and greeting.hello.kind == "hello"
    assert client.greeting == greeting

    r = await client.poll()
    assert r.code == 1301 and r.msgq is not None and r.msgq.id == "101" and r.msgq.message == "first"
    r = await client.ack(r.msgq.id)
    assert r.code == 1000 and r.msgq is not None and r.msgq.count == 1
    r = await client.ack(999)
    assert r.code == 2303 and not r.is_success

    r = await client.command(check_xml("free.example", "taken.example"))
    assert r.code == 1000 and r.res_data is not None
    avail = {e.text: e.get("avail") for e in ET.fromstring(r.res_data).iter("{%s}name" % DOMAIN)}
    assert avail == {"free.example": "1", "taken.example": "0"}
    r = await client.command('<domain:info xmlns:domain="%s"><domain:name>x.example</domain:name></domain:info>'
                             % DOMAIN, cl_trid="MY-INFO-1")
    assert r.code == 2101 and r.cl_trid == "MY-INFO-1"

    # Pipelining: 20 commands at once, at most max_in_flight (4) written and unanswered; each
    # await gets the response to its own command.
    reg.max_outstanding = 0
    names = ["n%d.example" % i for i in range(20)]
    responses = await asyncio.gather(*(client.command(check_xml(n)) for n in names))
    assert [re.search(r"n\d+\.example", x.res_data or "").group(0) for x in responses] == names  # type: ignore[union-attr]
    assert len({x.cl_trid for x in responses}) == 20
    assert 2 <= reg.max_outstanding <= 4

    r = await client.logout()
    assert r.code == 1500 and client.close_reason == "logout"
    await client.wait_closed()
    assert client.is_closed and client.session.is_finished
    with pytest.raises(ClientClosedError):
        await client.poll()
    await asyncio.wait_for(reg.closed_event.wait(), 5)
    assert reg.closed == ["logout"]
    kinds = [e.kind for e in events]
    assert kinds[0] == "greeting" and kinds[1] == "login" and kinds[-1] == "closed"
    assert kinds.count("response") == 26


def test_tcp_whole_session() -> None:
    async def main() -> None:
        reg = Registry()
        async with await serve(reg, "127.0.0.1", 0) as srv:
            await whole_session(reg, srv.port, None)
        assert reg.tls == [False]

    run(main())


def test_tls_whole_session(tls: Dict[str, Any]) -> None:
    async def main() -> None:
        reg = Registry()
        async with await serve(reg, "127.0.0.1", 0, tls["server"]) as srv:
            await whole_session(reg, srv.port, tls["client"])
        assert reg.tls == [True]

    run(main())


def test_tls_refuses_an_untrusted_server(tls: Dict[str, Any]) -> None:
    async def main() -> None:
        async with await serve(Registry(), "127.0.0.1", 0, tls["server"]) as srv:
            with pytest.raises(ssl.SSLError):
                await connect("127.0.0.1", srv.port, config(), ssl=ssl.create_default_context())

    run(main())


def test_long_password_through_login_security(tls: Dict[str, Any]) -> None:
    async def main() -> None:
        reg = Registry(libepp.Config("Secure EPP server", object_uris=[DOMAIN],
                                     login_security=libepp.LoginSecurity(min_password_len=12)))
        async with await serve(reg, "127.0.0.1", 0, tls["server"]) as srv:
            pw = "a-long-password-of-28-chars!"
            assert len(pw) == 28
            client = await connect("127.0.0.1", srv.port, config(client_id="registrar2", password=pw),
                                   ssl=tls["client"])
            assert reg.logins[-1][:2] == ("registrar2", pw)
            assert client.services is not None and client.services.login_security
            assert LOGINSEC in client.services.extension_uris
            assert client.login_response is not None
            (event,) = client.login_response.login_security_events()
            assert (event.type, event.level, event.message) == ("password", "warning", "Password expires soon")
            r = await client.command(check_xml("a.example"))
            assert r.code == 1000
            await client.logout()
            # Without RFC 8807 on offer the same password is refused before anything is sent.
            async with await serve(Registry(), "127.0.0.1", 0) as plain:
                with pytest.raises(libepp.client.PasswordTooLongError):
                    await connect("127.0.0.1", plain.port, config(client_id="registrar2", password=pw))

    run(main())


def test_login_refused_raises_and_closes() -> None:
    async def main() -> None:
        reg = Registry()
        async with await serve(reg, "127.0.0.1", 0) as srv:
            with pytest.raises(LoginFailedError) as ei:
                await connect("127.0.0.1", srv.port, config(password="wrong-pw-1"))
            assert ei.value.code == 2200 and ei.value.response.code == 2200
            assert isinstance(ei.value, libepp.EppError)
            await asyncio.wait_for(reg.closed_event.wait(), 5)
            assert reg.closed == ["peer_closed"]
            with pytest.raises(ServiceNotOfferedError) as e2:
                await connect("127.0.0.1", srv.port, config(required_extension_uris=[LOGINSEC]))
            assert e2.value.uri == LOGINSEC  # type: ignore[attr-defined]

    run(main())


def test_connect_without_login_then_login() -> None:
    async def main() -> None:
        async with await serve(Registry(), "127.0.0.1", 0) as srv:
            client = await connect("127.0.0.1", srv.port, config(), login=False)
            assert client.session.state == "greeting_received" and client.login_response is None
            with pytest.raises(WrongStateError):
                await client.poll()
            assert (await client.login()).code == 1000
            with pytest.raises(NotLoggedInWithError):
                await client.command('<host:check xmlns:host="%s"><host:name>ns.example</host:name></host:check>'
                                     % HOST)
            with pytest.raises(ValueError):
                await client.command("<something/>")
            r = await client.command(check_xml("a.example"), verb="check")
            assert r.code == 1000
            await client.close()
            assert client.close_reason == "host"

    run(main())


def test_async_with_logs_out() -> None:
    async def main() -> None:
        reg = Registry()
        async with await serve(reg, "127.0.0.1", 0) as srv:
            async with await libepp.asyncio.connect("127.0.0.1", srv.port, config()) as client:
                assert (await client.command(check_xml("a.example"))).code == 1000
            assert client.is_closed and client.close_reason == "logout"
            await asyncio.wait_for(reg.closed_event.wait(), 5)
            assert reg.closed == ["logout"]
        assert libepp.asyncio.connect is connect and libepp.asyncio.Client is Client

    run(main())


def test_response_deadline_fails_the_command() -> None:
    async def main() -> None:
        reg = Registry(command_delay=1.0)
        async with await serve(reg, "127.0.0.1", 0) as srv:
            events: List[Any] = []
            client = await connect("127.0.0.1", srv.port, config(response_deadline=0.3, max_in_flight=2),
                                   on_event=events.append)
            # The server takes 1 s per command: each fails once the first is 0.3 s overdue.
            results = await asyncio.gather(*(client.command(check_xml("a.example")) for _ in range(3)),
                                           return_exceptions=True)
            for exc in results:
                assert isinstance(exc, ClientClosedError)
                assert exc.reason == "response_overdue"
                assert exc.command is not None and exc.command.kind == "check"
            assert [e.kind for e in events][-2:] == ["response_overdue", "closed"]
            assert client.close_reason is not None and client.close_reason.command_id == events[-2].command.id
            await client.wait_closed()
            assert client.is_closed

    run(main())


def test_keep_alive_hellos_keep_an_idle_session() -> None:
    async def main() -> None:
        reg = Registry(libepp.Config("Example EPP server", object_uris=[DOMAIN], idle_timeout=0.6))
        async with await serve(reg, "127.0.0.1", 0) as srv:
            events: List[Any] = []
            client = await connect("127.0.0.1", srv.port, config(object_uris=[DOMAIN], keep_alive=0.2),
                                   on_event=events.append)
            await asyncio.sleep(1.5)  # well past the server's idle timeout
            keep_alives = [e for e in events if isinstance(e, KeepAlive)]
            answers = [e for e in events if isinstance(e, Greeting) and e.keep_alive]
            assert len(keep_alives) >= 3 and len(answers) >= 3
            assert client.greeting is not None and client.session.state == "logged_in"
            assert (await client.command(check_xml("a.example"))).code == 1000
            await client.logout()

    run(main())


def test_server_ending_the_connection_fails_pending_commands() -> None:
    class Dropper(Registry):
        async def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
            current_connection().close()
            return None

    async def main() -> None:
        async with await serve(Dropper(), "127.0.0.1", 0) as srv:
            client = await connect("127.0.0.1", srv.port, config(max_in_flight=3))
            results = await asyncio.gather(*(client.command(check_xml("a.example")) for _ in range(5)),
                                           return_exceptions=True)
            assert all(isinstance(r, ClientClosedError) and r.reason == "peer_closed" for r in results)
            assert [r.command.id for r in results if isinstance(r, ClientClosedError) and r.command] == \
                [2, 3, 4, 5, 6]
            await client.wait_closed()
            with pytest.raises(ClientClosedError):
                await client.hello()

    run(main())


def test_close_fails_commands_in_flight() -> None:
    async def main() -> None:
        async with await serve(Registry(command_delay=0.5), "127.0.0.1", 0) as srv:
            client = await connect("127.0.0.1", srv.port, config(max_in_flight=2))
            pending = [asyncio.ensure_future(client.command(check_xml("a.example"))) for _ in range(3)]
            await asyncio.sleep(0.1)
            await client.close()
            for p in pending:
                with pytest.raises(ClientClosedError) as ei:
                    await p
                assert ei.value.reason == "host"
            await client.close()  # twice is fine

    run(main())


def test_a_cancelled_await_does_not_break_the_session() -> None:
    async def main() -> None:
        async with await serve(Registry(command_delay=0.2), "127.0.0.1", 0) as srv:
            client = await connect("127.0.0.1", srv.port, config())
            task = asyncio.ensure_future(client.command(check_xml("a.example")))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The command still runs in the session; its response is dropped, the next matches.
            r = await client.command(check_xml("b.example"))
            assert r.code == 1000 and "b.example" in (r.res_data or "")
            await client.logout()

    run(main())


def test_connect_needs_a_client_config() -> None:
    async def main() -> None:
        with pytest.raises(TypeError):
            await connect("127.0.0.1", 1, libepp.Config("Example EPP server", object_uris=[DOMAIN]))  # type: ignore[arg-type]

    run(main())


def test_server_gone_before_the_greeting(free_port: int) -> None:
    async def main() -> None:
        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        srv = await asyncio.start_server(drop, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        async with srv:
            with pytest.raises(ClientClosedError) as ei:
                await connect("127.0.0.1", port, config())
            assert ei.value.reason == "peer_closed"
        with pytest.raises(OSError):
            await connect("127.0.0.1", free_port, config())

    run(main())


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------
# the README's example
# ---------------------------------------------------------------------------


def readme_client_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    (block,) = [b for b in blocks if "libepp.client_asyncio" in b]
    return block


def test_readme_client_example_runs() -> None:
    ns: Dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_client_block(), str(README), "exec"), ns)

    async def main() -> None:
        reg = Registry()
        async with await serve(reg, "127.0.0.1", 0) as srv:
            await ns["main"]("127.0.0.1", srv.port, None)
        assert reg.closed == ["logout"] and reg.commands[0][0] == "check"

    run(main())


# mypy --strict on this example: test_readme_typing.py (every README example).
