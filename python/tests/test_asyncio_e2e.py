"""End to end: the epptools client (PyPI) against libepp.asyncio.serve, over plain TCP and over
TLS with a CA made by trustme; plus frame-level checks with a raw socket."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import ssl
import struct
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import trustme
from epptools import Client, Config, Connection
from epptools.exceptions import AuthenticationException, CommandException, ConnectionException

import libepp
from libepp.asyncio import current_connection
from conftest import (
    DOMAIN,
    HELLO,
    README,
    SECDNS,
    RawClient,
    code_of,
    command_xml,
    frame,
    login_xml,
    logout_xml,
    make_config,
    poll_xml,
)

TIMEOUT = 10.0


class PlainConnection(Connection):
    """epptools' Connection with the TLS handshake left out: a plain TCP socket (as in
    tests/e2e/epptools_client.py). Everything above the socket is epptools as shipped."""

    def open(self) -> None:
        cfg = self._config
        self._fatal = None
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        except OSError as exc:
            raise ConnectionException("Cannot connect to %s:%d - %s" % (cfg.host, cfg.port, exc))
        sock.settimeout(max(1.0, float(cfg.read_timeout)))
        self._sock = sock  # type: ignore[assignment]


def plain_client(port: int, clid: str = "registrar1", password: str = "secret-pw1",
                 ext_uris: Optional[List[str]] = None) -> Client:
    # ext_uris=None: log in with the greeting's extURIs, as epptools does out of the box (when the
    # greeting lists none, epptools announces its own defaults, which a server refuses with 2103).
    cfg = Config(host="127.0.0.1", port=port, clid=clid, password=password,
                 connect_timeout=TIMEOUT, read_timeout=TIMEOUT, cltrid_prefix="E2E", ext_uris=ext_uris)
    return Client(cfg, connection=PlainConnection(cfg))


def readme_block(n: int) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return blocks[n]


def readme_registry() -> Any:
    ns: Dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_block(0), str(README), "exec"), ns)
    return ns["MockRegistry"]()


class Registry:
    """A handler exercising every hook; sync and async methods mixed."""

    config = make_config(transaction_log=True)

    def __init__(self) -> None:
        self.passwords = {"registrar1": "secret-pw1", "registrar2": "other-pw2", "disabled": "secret-pw1"}
        self.queue: List[libepp.PollMessage] = [
            libepp.PollMessage(101, 2, time.time(), "first"),
            libepp.PollMessage(102, 1, time.time(), "second"),
        ]
        self.events: List[Any] = []
        self.closed = threading.Event()
        self.transactions: List[libepp.TransactionRecord] = []
        self.connections: List[Any] = []

    def on_connect(self, conn: Any) -> Optional[bool]:
        self.events.append(("connect", conn.tls))
        self.connections.append(conn)
        return None

    async def on_close(self, conn: Any, reason: Optional[libepp.CloseReason]) -> None:
        self.events.append(("close", reason.kind if reason is not None else None))
        self.closed.set()

    def on_transaction(self, conn: Any, record: libepp.TransactionRecord) -> None:
        self.transactions.append(record)

    async def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> Any:
        await asyncio.sleep(0)
        assert current_connection().session.state == "login_pending"
        if client_id == "disabled":
            return "account_disabled"
        return self.passwords.get(client_id) == password

    def poll(self, client_id: str) -> Any:
        return self.queue[0] if self.queue else None

    async def ack(self, client_id: str, msg_id: int) -> Optional[int]:
        for i, m in enumerate(self.queue):
            if m.id == msg_id:
                del self.queue[i]
                return len(self.queue)
        return None

    def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
        name = re.search(r"<domain:name[^>]*>([^<]*)<", request.object_xml)
        n = name.group(1) if name else ""
        if n == "boom.example":
            raise RuntimeError("handler bug")
        if n == "bad.example":
            return "not an answer"
        if n == "taken.example":
            return 2302, "%s is taken" % n
        if n == "dict.example":
            return {"code": 2306, "message": "policy", "values": ['<domain:name xmlns:domain="%s">%s</domain:name>' % (DOMAIN, n)]}
        if n == "self.example":
            request.respond(1000, "answered by the handler")
            return None
        if n == "closing.example":
            return 2500
        if request.verb == "check":
            return libepp.Response(1000, res_data=(
                '<domain:chkData xmlns:domain="%s"><domain:cd><domain:name avail="1">%s</domain:name>'
                "</domain:cd></domain:chkData>" % (DOMAIN, n)))
        return 1000


def run_session(client: Client, registry_queue_len: int = 2) -> None:
    """A full registrar session with epptools: greeting, login, hello, poll/ack, commands, logout."""
    greeting = client.connect()
    assert greeting.is_greeting()
    assert SECDNS in greeting.service_ext_uris()
    resp = client.login()
    assert resp.code() == 1000 and resp.cl_trid() and resp.sv_trid()
    assert client.hello().is_greeting()
    r = client.poll.request()
    assert r.code() == 1301 and r.message_id() == "101" and r.queue_message() == "first"
    assert r.message_count() == registry_queue_len
    r = client.poll.ack("101")
    assert r.code() == 1000 and r.message_count() == 1
    r = client.poll.request()
    assert r.code() == 1301 and r.queue_message() == "second"
    assert client.poll.ack("102").code() == 1000
    assert client.poll.request().code() == 1300
    assert client.domain.check(["free.example"]).availability() == {"free.example": True}
    client.throw_on_failure(False)
    assert client.poll.ack("999").code() == 2303
    r = client.domain.check(["taken.example"])
    assert r.code() == 2302 and r.message() == "taken.example is taken"
    assert client.domain.check(["dict.example"]).code() == 2306
    r = client.domain.check(["self.example"])
    assert r.code() == 1000 and r.message() == "answered by the handler"
    r = client.domain.check(["boom.example"])
    assert r.code() == 2400  # the handler raised: answered 2400, the session goes on
    assert client.domain.check(["bad.example"]).code() == 2400
    assert client.domain.create("new.example", years=1).code() == 1000
    r = client.logout()
    assert r.code() == 1500
    client.disconnect()


def test_epptools_plain_tcp(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg)
    run_session(plain_client(srv.port))
    assert reg.closed.wait(5)
    assert reg.events == [("connect", False), ("close", "logout")]
    commands = [t.command for t in reg.transactions]
    assert commands[:3] == ["login", "hello", "poll req"] and commands[-1] == "logout"
    assert [t.code for t in reg.transactions if t.command == "check"] == [1000, 2302, 2306, 1000, 2400, 2400]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    client_cert = ca.issue_cert("registrar1.example")
    d = tmp_path_factory.mktemp("tls")
    ca_file = d / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client_pem = d / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_pem))
    return {"ca": ca, "server_cert": server_cert, "ca_file": str(ca_file), "client_pem": str(client_pem)}


def server_context(tls: Dict[str, Any], require_client_cert: bool = False) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls["server_cert"].configure_cert(ctx)
    if require_client_cert:
        tls["ca"].configure_trust(ctx)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def tls_client(port: int, tls: Dict[str, Any], client_cert: bool = False, password: str = "secret-pw1") -> Client:
    cfg = Config(host="127.0.0.1", port=port, clid="registrar1", password=password,
                 connect_timeout=TIMEOUT, read_timeout=TIMEOUT, ca_file=tls["ca_file"],
                 client_cert=tls["client_pem"] if client_cert else None)
    return Client(cfg)  # epptools' own TLS Connection, verifying the server against our CA


def test_epptools_tls(start_server: Any, tls_files: Dict[str, Any]) -> None:
    reg = Registry()
    srv = start_server(reg, ssl=server_context(tls_files))
    run_session(tls_client(srv.port, tls_files))
    assert reg.closed.wait(5)
    assert reg.events == [("connect", True), ("close", "logout")]


def test_epptools_tls_rejects_untrusted_server(start_server: Any, tls_files: Dict[str, Any], tmp_path: Path) -> None:
    other = trustme.CA()
    other_ca = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(other_ca))
    srv = start_server(Registry(), ssl=server_context(tls_files))
    cfg = Config(host="127.0.0.1", port=srv.port, clid="registrar1", password="secret-pw1",
                 connect_timeout=TIMEOUT, read_timeout=TIMEOUT, ca_file=str(other_ca))
    with pytest.raises(ConnectionException):
        Client(cfg).connect()


def test_epptools_mutual_tls(start_server: Any, tls_files: Dict[str, Any]) -> None:
    seen: List[Any] = []

    class CertRegistry(Registry):
        def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> Any:
            cert = current_connection().peer_certificate
            seen.append(cert)
            sans = [v for _, v in (cert or {}).get("subjectAltName", ())]
            return password == "secret-pw1" and "registrar1.example" in sans

    srv = start_server(CertRegistry(), ssl=server_context(tls_files, require_client_cert=True))
    client = tls_client(srv.port, tls_files, client_cert=True)
    client.connect()
    assert client.login().code() == 1000
    assert seen and seen[0] is not None
    assert client.logout().code() == 1500
    client.disconnect()
    # without a client certificate the handshake fails
    with pytest.raises(ConnectionException):
        c = tls_client(srv.port, tls_files)
        c.connect()
        c.login()


def test_epptools_bad_password_and_disabled_account(start_server: Any) -> None:
    srv = start_server(Registry())
    client = plain_client(srv.port, password="wrong-pw-1")
    client.connect()
    with pytest.raises(AuthenticationException):
        client.login()
    client.disconnect()
    client = plain_client(srv.port, clid="disabled")
    client.connect()
    with pytest.raises(CommandException) as ei:
        client.login()
    assert getattr(ei.value, "epp_code", None) in (2201, None)
    client.disconnect()


def test_readme_mock_registry_with_epptools(start_server: Any) -> None:
    srv = start_server(readme_registry())
    client = plain_client(srv.port)
    assert client.connect().is_greeting()
    assert client.login().code() == 1000
    r = client.poll.request()
    assert r.code() == 1301 and r.queue_message() == "Welcome to the mock registry"
    assert client.poll.ack(r.message_id()).code() == 1000
    assert client.poll.request().code() == 1300
    avail = client.domain.check(["taken.example", "free.example"]).availability()
    assert avail == {"taken.example": False, "free.example": True}
    client.throw_on_failure(False)
    r = client.domain.create("x.example", years=1)
    assert r.code() == 2101 and r.message() == "only domain:check here"
    assert client.poll.ack("12345").code() == 2303
    assert client.logout().code() == 1500
    client.disconnect()


def test_readme_sans_io_loop_with_epptools() -> None:
    ns: Dict[str, Any] = {"__name__": "readme"}
    exec(compile(readme_block(1), str(README), "exec"), ns)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    errors: List[BaseException] = []

    def serve_one() -> None:
        try:
            sock, _ = listener.accept()
            ns["serve_connection"](sock)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=serve_one, daemon=True)
    t.start()
    try:
        cfg = Config(host="127.0.0.1", port=port, clid="registrar1", password="secret-pw1",
                     connect_timeout=TIMEOUT, read_timeout=TIMEOUT, ext_uris=[])
        client = Client(cfg, connection=PlainConnection(cfg))
        client.connect()
        assert client.login().code() == 1000
        assert client.poll.request().code() == 1300
        client.throw_on_failure(False)
        assert client.domain.check(["a.example"]).code() == 2101
        assert client.logout().code() == 1500
        client.disconnect()
        t.join(10)
        assert not t.is_alive() and not errors
    finally:
        listener.close()


def greet_and_login(c: RawClient, cltrid: str = "ABC-1") -> None:
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_xml(cltrid=cltrid)))
    assert code_of(c.read_frame()) == 1000


def test_raw_pipelining_and_order(start_server: Any) -> None:
    srv = start_server(Registry())
    c = RawClient(srv.port)
    greet_and_login(c)
    names = ["taken.example", "free.example", "boom.example", "dict.example"] * 10
    c.send(b"".join(frame(command_xml(names=(n,), cltrid="CMD-%03d" % i)) for i, n in enumerate(names)))
    expected = {"taken.example": 2302, "free.example": 1000, "boom.example": 2400, "dict.example": 2306}
    for i, n in enumerate(names):
        body = c.read_frame()
        assert code_of(body) == expected[n]
        assert "<clTRID>CMD-%03d</clTRID>" % i in body
    c.send(frame(logout_xml()))
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()


def test_raw_large_pipelined_input_backpressure(start_server: Any) -> None:
    """More than max_in_flight commands and more than the read buffer, in one write."""
    srv = start_server(Registry(), config=make_config(max_in_flight=4))
    c = RawClient(srv.port)
    greet_and_login(c)
    n = 3000
    payload = b"".join(frame(command_xml(names=("free.example",), cltrid="CMD-%05d" % i)) for i in range(n))
    assert len(payload) > 512 * 1024
    sender = threading.Thread(target=c.send, args=(payload,))
    sender.start()
    for i in range(n):
        body = c.read_frame()
        assert code_of(body) == 1000 and "<clTRID>CMD-%05d</clTRID>" % i in body
    sender.join(10)
    c.close()


def test_logout_response_survives_input_sent_after_it(start_server: Any) -> None:
    """A client pipelines commands after its logout and reads slowly: the server half-closes
    after the 1500 and drops what still arrives for a moment, so the unread input does not turn
    the close into a reset that would destroy the responses (the logout's 1500 included)."""
    srv = start_server(Registry())
    c = RawClient(srv.port)
    greet_and_login(c)
    before = b"".join(frame(command_xml(names=("free.example",), cltrid="PRE-%03d" % i))
                      for i in range(200))
    after = b"".join(frame(command_xml(names=("free.example",), cltrid="POST-%03d" % i))
                     for i in range(200))
    c.send(before + frame(logout_xml()) + after)
    time.sleep(0.3)  # the server writes everything and closes while nothing has been read
    for i in range(200):
        body = c.read_frame()
        assert code_of(body) == 1000 and "<clTRID>PRE-%03d</clTRID>" % i in body
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()


def test_raw_bad_input(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg)
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(b"this is not xml"))
    assert code_of(c.read_frame()) == 2001
    c.send(frame(command_xml()))
    assert code_of(c.read_frame()) == 2002  # not logged in
    c.send(frame(HELLO))
    assert "<greeting>" in c.read_frame()
    c.send(struct.pack("!I", 1 << 31))
    assert code_of(c.read_frame()) == 2500
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "bad_frame_length")


def test_raw_peer_closes_mid_frame(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg)
    c = RawClient(srv.port)
    greet_and_login(c)
    c.send(frame(HELLO)[:9])
    c.sock.shutdown(socket.SHUT_WR)
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "peer_closed_mid_frame")


def test_raw_eof_right_after_pipelined_commands(start_server: Any) -> None:
    """The client sends its login and commands and closes its side at once: every command read
    before the end of input is still answered (the session applies the end of input after them),
    then the connection closes."""
    reg = Registry()
    srv = start_server(reg, config=make_config(max_in_flight=2, transaction_log=True))
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    names = ["free.example", "taken.example"] * 3
    c.send(frame(login_xml()) + b"".join(frame(command_xml(names=(n,), cltrid="EOF-%d" % i))
                                         for i, n in enumerate(names)))
    c.sock.shutdown(socket.SHUT_WR)
    assert code_of(c.read_frame()) == 1000
    for i, n in enumerate(names):
        body = c.read_frame()
        assert code_of(body) == (1000 if n == "free.example" else 2302) and "<clTRID>EOF-%d</clTRID>" % i in body
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "peer_closed")


def test_raw_login_deadline_and_idle_timeout(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg, config=make_config(login_deadline=0.3, idle_timeout=0.5))
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    t0 = time.monotonic()
    assert c.closed_by_peer(5)
    assert 0.2 < time.monotonic() - t0 < 4
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "login_deadline")
    reg.closed.clear()
    c = RawClient(srv.port)
    greet_and_login(c)
    for _ in range(3):  # activity keeps it open
        time.sleep(0.2)
        c.send(frame(HELLO))
        assert "<greeting>" in c.read_frame()
    t0 = time.monotonic()
    assert c.closed_by_peer(5)
    assert 0.3 < time.monotonic() - t0 < 4
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "idle_timeout")


def test_raw_closing_response_and_poll_ack_errors(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg)
    c = RawClient(srv.port)
    greet_and_login(c)
    c.send(frame(poll_xml("ack", "abc", "ACK-1")))
    assert code_of(c.read_frame()) == 2303
    c.send(frame(command_xml(names=("closing.example",))) + frame(command_xml(cltrid="CMD-LATE")))
    assert code_of(c.read_frame()) == 2500
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "closing_response")


def test_on_connect_can_refuse(start_server: Any) -> None:
    class Refuse(Registry):
        def on_connect(self, conn: Any) -> bool:
            return False

    reg = Refuse()
    srv = start_server(reg)
    c = RawClient(srv.port)
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "host")


def test_minimal_handler_defaults(start_server: Any) -> None:
    class Minimal:
        def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
            return True

    srv = start_server(Minimal(), config=make_config(extension_uris=[]))
    client = plain_client(srv.port, ext_uris=[])
    client.connect()
    assert client.login().code() == 1000
    client.throw_on_failure(False)
    assert client.poll.request().code() == 1300
    assert client.poll.ack("1").code() == 2303
    assert client.domain.check(["a.example"]).code() == 2101
    assert client.logout().code() == 1500
    client.disconnect()


def test_serve_on_a_libepp_server_with_a_session_limit(start_server: Any) -> None:
    """serve() takes a libepp.Server too: here its RegistrarSessions allows one session per
    registrar, across this listener and another one on the same counter."""
    rs = libepp.RegistrarSessions(1)
    epp_server = libepp.Server(make_config(), registrar_sessions=rs)
    srv = start_server(Registry(), config=epp_server)
    assert srv.server.epp_server is epp_server and srv.server.config is epp_server.config
    other = start_server(Registry(), config=libepp.Server(make_config(), registrar_sessions=rs))
    first = RawClient(srv.port)
    greet_and_login(first)
    assert rs.count("registrar1") == 1
    for port in (srv.port, other.port):
        c = RawClient(port)
        assert "<greeting>" in c.read_frame()
        c.send(frame(login_xml()))
        assert code_of(c.read_frame()) == 2502
        assert c.closed_by_peer()
        c.close()
    first.send(frame(logout_xml()))
    assert code_of(first.read_frame()) == 1500
    assert first.closed_by_peer()
    first.close()


def test_async_handler_with_current_connection_state(start_server: Any) -> None:
    class Stateful:
        async def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> str:
            current_connection().state["logins"] = 1
            return "accept"

        async def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
            conn = current_connection()
            conn.state["n"] = conn.state.get("n", 0) + 1
            await asyncio.sleep(0.001)
            return 1000, "command %d of %s on %s" % (conn.state["n"], client_id, conn.session.state)

    srv = start_server(Stateful(), config=make_config(extension_uris=[]))
    client = plain_client(srv.port, ext_uris=[])
    client.connect()
    client.login()
    assert client.domain.check(["a.example"]).message() == "command 1 of registrar1 on logged_in"
    assert client.domain.check(["a.example"]).message() == "command 2 of registrar1 on logged_in"
    client.logout()
    client.disconnect()


def test_server_close_ends_open_connections(start_server: Any) -> None:
    reg = Registry()
    srv = start_server(reg)
    c = RawClient(srv.port)
    greet_and_login(c)
    assert len(srv.server.connections) == 1
    assert "1 connection" in repr(srv.server)
    srv.call(_close(srv.server))
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert not srv.server.is_serving()
    with pytest.raises(OSError):
        RawClient(srv.port, timeout=2).read_frame()


async def _close(server: Any) -> None:
    server.close()
    await server.wait_closed()


def test_serve_in_running_loop_and_context_manager() -> None:
    async def main() -> None:
        async with await libepp.asyncio.serve(Registry(), "127.0.0.1", 0) as server:
            assert server.is_serving() and server.port > 0
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            head = await reader.readexactly(4)
            body = await reader.readexactly(struct.unpack("!I", head)[0] - 4)
            assert b"<greeting>" in body
            writer.close()
        assert not server.is_serving()

    asyncio.run(main())


def test_serve_rejects_bad_config() -> None:
    async def main() -> None:
        with pytest.raises(TypeError):
            await libepp.asyncio.serve(Registry(), "127.0.0.1", 0, config="nope")  # type: ignore[arg-type]
        class NoConfig:
            def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
                return True

        with pytest.raises(TypeError) as ei:
            await libepp.asyncio.serve(NoConfig(), "127.0.0.1", 0)  # no configuration anywhere
        assert "needs a configuration" in str(ei.value)

    asyncio.run(main())
    with pytest.raises(RuntimeError):
        current_connection()

    async def bad_write_timeout(value: Any, exc: type) -> None:
        with pytest.raises(exc):
            await libepp.asyncio.serve(Registry(), "127.0.0.1", 0, write_timeout=value)

    for value, exc in ((0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
                       (float("inf"), ValueError), (None, TypeError), (True, TypeError), ("30", TypeError)):
        asyncio.run(bad_write_timeout(value, exc))


def test_handler_closes_the_connection(start_server: Any) -> None:
    class Closer(Registry):
        def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
            current_connection().close()  # nothing more is written
            return None

    reg = Closer()
    srv = start_server(reg)
    c = RawClient(srv.port)
    greet_and_login(c)
    c.send(frame(command_xml()))
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "host")


def test_on_connect_that_raises_drops_the_connection(start_server: Any, caplog: Any) -> None:
    class Broken(Registry):
        def on_connect(self, conn: Any) -> Optional[bool]:
            super().on_connect(conn)
            if len(self.connections) == 1:
                raise RuntimeError("on_connect bug")
            return None

    reg = Broken()
    srv = start_server(reg)
    with caplog.at_level(logging.INFO):
        c = RawClient(srv.port)
        assert c.sock.recv(1) == b""  # closed cleanly, without a greeting
        c.close()
        assert reg.closed.wait(5)
        assert reg.events[-1] == ("close", "host")
        assert srv.server.connections == []
        reg.closed.clear()
        c = RawClient(srv.port)  # the server goes on
        greet_and_login(c)
        c.send(frame(logout_xml()))
        assert code_of(c.read_frame()) == 1500
        assert c.closed_by_peer()
        c.close()
        assert reg.closed.wait(5)
    logged = [r for r in caplog.records if r.name == "libepp.asyncio" and "on_connect failed" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


class Flood:
    """Sends ``data`` from a thread and reads nothing; ``error`` tells how sending ended."""

    def __init__(self, sock: socket.socket, data: bytes) -> None:
        self.sock = sock
        self.data = data
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.sock.sendall(self.data)
        except OSError as exc:
            self.error = exc

    def dropped(self, seconds: float = 5.0) -> bool:
        """Whether the server's socket is gone (not kept open for output nobody reads): the
        sender got a reset, or (if all it sent fit in the buffers) reading ends soon."""
        self.thread.join(seconds)
        if self.thread.is_alive():
            return False
        if self.error is not None:
            return isinstance(self.error, OSError)
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(1 << 20):
                pass
        except socket.timeout:
            return False
        except OSError:
            pass
        return True


#: About 8 MB of hellos: some 90 MB of greetings, more than any socket buffers hold.
HELLO_FLOOD = frame(HELLO) * 135_000


def test_login_deadline_holds_while_the_client_keeps_sending(start_server: Any) -> None:
    """A client that sends hellos without pause (reading the replies, so the server always has
    input to read and room to write) is still closed at the login deadline: the deadline is
    checked on every turn, not only when waiting for input times out."""
    reg = Registry()
    srv = start_server(reg, config=make_config(login_deadline=0.5))
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    t0 = time.monotonic()
    stop = threading.Event()

    def send() -> None:
        batch = frame(HELLO) * 100
        try:
            while not stop.is_set() and time.monotonic() - t0 < 10:
                c.sock.sendall(batch)
        except OSError:
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answered = 0
    try:
        with pytest.raises((EOFError, OSError)):
            while time.monotonic() - t0 < 10:
                assert "<greeting>" in c.read_frame()
                answered += 1
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        sender.join(10)
    c.close()
    assert answered > 100 and 0.4 < elapsed < 3, (answered, elapsed)
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "login_deadline")


def test_login_deadline_and_write_timeout_with_a_client_that_never_reads(start_server: Any) -> None:
    """A flood of hellos, no reading: the server stops reading while it waits to write, the login
    deadline still ends the session during that wait, and the write timeout drops the socket."""
    reg = Registry()
    srv = start_server(reg, config=make_config(login_deadline=0.5), write_timeout=1.5)
    c = RawClient(srv.port)
    t0 = time.monotonic()
    flood = Flood(c.sock, HELLO_FLOOD)
    assert reg.closed.wait(10)
    elapsed = time.monotonic() - t0
    # login_deadline (not "host"): the deadline was handled while the write was pending, before
    # the write timeout closed the connection.
    assert reg.events[-1] == ("close", "login_deadline")
    assert 1.2 < elapsed < 6, elapsed
    assert flood.dropped()
    c.close()


@pytest.mark.parametrize("use_tls", [False, True], ids=["tcp", "tls"])
def test_write_timeout_drops_a_logged_in_client_that_never_reads(start_server: Any, tls_files: Dict[str, Any],
                                                                use_tls: bool) -> None:
    reg = Registry()
    # idle_timeout: the default 600 s
    srv = start_server(reg, ssl=server_context(tls_files) if use_tls else None, write_timeout=0.5)
    c = RawClient(srv.port)
    if use_tls:
        c.sock = ssl.create_default_context(cafile=tls_files["ca_file"]).wrap_socket(
            c.sock, server_hostname="127.0.0.1")
    greet_and_login(c)
    t0 = time.monotonic()
    flood = Flood(c.sock, HELLO_FLOOD)
    assert reg.closed.wait(10)
    assert 0.4 < time.monotonic() - t0 < 5
    assert reg.events[-1] == ("close", "host")
    assert flood.dropped()
    assert srv.server.connections == []
    c.close()


def test_server_close_drops_a_client_that_never_reads(start_server: Any, monkeypatch: Any) -> None:
    """Server.close() while the server waits to write to a client that does not read: the wait
    ends after SHUTDOWN_FLUSH (not the write timeout), and the socket is dropped."""
    monkeypatch.setattr(libepp.asyncio, "SHUTDOWN_FLUSH", 0.3)
    reg = Registry()
    srv = start_server(reg)  # write_timeout: the default 30 s
    c = RawClient(srv.port)
    greet_and_login(c)
    flood = Flood(c.sock, HELLO_FLOOD)
    time.sleep(0.3)
    assert not reg.closed.is_set()
    t0 = time.monotonic()
    srv.call(_close(srv.server))
    assert time.monotonic() - t0 < 2.5
    assert reg.closed.wait(1)
    assert reg.events[-1] == ("close", None)  # the server shut down before the session ended
    assert flood.dropped()
    c.close()


class BigAnswers(Registry):
    """domain:check answered with about 600 KB of chkData."""

    CHK = '<domain:chkData xmlns:domain="%s">%s</domain:chkData>' % (DOMAIN, "".join(
        '<domain:cd><domain:name avail="1">n%06d.example</domain:name></domain:cd>' % i
        for i in range(8000)))

    def command(self, client_id: str, request: libepp.CommandRequest) -> Any:
        return libepp.Response(1000, res_data=self.CHK)


async def _sessions(server: Any) -> List[Any]:
    return [(conn.session.close_reason.kind if conn.session.close_reason else None)
            for conn in server.connections]


def test_idle_timeout_while_writing_still_writes_what_is_rendered(start_server: Any) -> None:
    """The idle timeout passes while the server waits for the client to read: the session ends
    then (no more input is read), the responses already rendered are still written in full, and
    the connection closes cleanly once they are taken."""
    reg = BigAnswers()
    # write_timeout: the default 30 s. max_in_flight=4: the session takes a few commands at a time,
    # and holds the rest until the output before them is taken.
    srv = start_server(reg, config=make_config(idle_timeout=0.5, max_in_flight=4))
    c = RawClient(srv.port)
    greet_and_login(c)
    n = 40  # some 24 MB of responses, more than socket buffers hold; the requests are small
    c.send(b"".join(frame(command_xml(cltrid="BIG-%02d" % i)) for i in range(n)))
    time.sleep(1.5)
    assert srv.call(_sessions(srv.server)) == ["idle_timeout"]  # ended, still writing
    assert not reg.closed.is_set()
    got = 0
    with pytest.raises(EOFError):  # a clean end of stream after whole frames
        while True:
            body = c.read_frame()
            assert code_of(body) == 1000 and "<clTRID>BIG-%02d</clTRID>" % got in body
            assert body.count("<domain:cd>") == 8000
            got += 1
    assert 0 < got < n  # the commands still held when the timeout passed were dropped
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "idle_timeout")


class SlowReader(RawClient):
    """Reads 128 KiB at a time, every 0.1 s (some 1.3 MB/s), with a small receive buffer;
    over TLS when given a client context."""

    def __init__(self, port: int, context: Optional[ssl.SSLContext] = None, timeout: float = 10) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        self.sock = context.wrap_socket(sock, server_hostname="127.0.0.1") if context else sock

    def _exactly(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            time.sleep(0.1)
            step = len(buf) + min(n - len(buf), 128 * 1024)
            while len(buf) < step:
                chunk = self.sock.recv(step - len(buf))
                if not chunk:
                    raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
                buf += chunk
        return buf


@pytest.mark.parametrize("use_tls", [False, True], ids=["tcp", "tls"])
def test_write_timeout_spares_a_slow_reader(start_server: Any, tls_files: Dict[str, Any], use_tls: bool) -> None:
    """write_timeout is about a peer that takes nothing: one that reads slowly keeps its
    connection, though the server waits much longer than write_timeout (about 1 s) for it to
    take large responses."""

    class Huge(BigAnswers):
        CHK = '<domain:chkData xmlns:domain="%s">%s</domain:chkData>' % (DOMAIN, "".join(
            '<domain:cd><domain:name avail="1">n%06d.example</domain:name></domain:cd>' % i
            for i in range(16000)))  # some 1.2 MB

        def on_connect(self, conn: Any) -> Optional[bool]:
            # Small socket buffers on both sides, so that most of the response waits in the
            # server's transport, for the reader to take.
            conn._writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
            return super().on_connect(conn)

    reg = Huge()
    srv = start_server(reg, ssl=server_context(tls_files) if use_tls else None, write_timeout=0.4)
    c = SlowReader(srv.port, ssl.create_default_context(cafile=tls_files["ca_file"]) if use_tls else None)
    greet_and_login(c)
    n = 2  # answered in two turns, so that with TLS too the second waits for the first to drain
    t0 = time.monotonic()
    for i in range(n):
        c.send(frame(command_xml(cltrid="HUGE-%d" % i)))
        time.sleep(0.05)
    for i in range(n):
        body = c.read_frame()
        assert code_of(body) == 1000 and "<clTRID>HUGE-%d</clTRID>" % i in body
        assert body.count("<domain:cd>") == 16000
    assert time.monotonic() - t0 > 0.8  # twice write_timeout
    c.send(frame(logout_xml()))
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()
    assert reg.closed.wait(5)
    assert reg.events[-1] == ("close", "logout")
