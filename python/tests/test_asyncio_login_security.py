"""End to end, issue 9: epptools logging in through RFC 8807 (a 20-character password, its user
agent, security events back) against libepp.asyncio.serve over TCP and TLS, a password over the
configured bound refused by the core; and, with a raw socket, protocol extension commands
(handler.extension), structured poll messages (msg_xml) and what authenticate may return."""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any, Dict, List, Optional, Tuple

import pytest
from epptools import Client, Config
from epptools.exceptions import AuthenticationException, CommandException

import libepp
from libepp.asyncio import current_connection
from conftest import (
    EPP,
    LOGINSEC,
    SECDNS,
    RawClient,
    code_of,
    frame,
    login_sec_xml,
    login_xml,
    logout_xml,
    make_config,
    poll_xml,
)
from test_asyncio_e2e import TIMEOUT, PlainConnection, server_context, tls_files  # noqa: F401  (a fixture)

PW20 = "twenty-characters-pw"
assert len(PW20) == 20
EXPIRES = datetime.datetime(2030, 1, 31, tzinfo=datetime.timezone.utc)
EXT = "urn:example:ext-1.0"
FRED = "http://www.nic.cz/xml/epp/fred-1.5"


class SecureRegistry:
    """Passwords longer than <pw> allows, through RFC 8807; every login answered with events."""

    config = make_config(login_security=libepp.LoginSecurity(min_password_len=6, max_password_len=32))

    def __init__(self) -> None:
        self.passwords = {"registrar1": PW20}
        self.seen: List[Tuple[str, str, Optional[str], Optional[libepp.UserAgent], bool]] = []

    def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> Any:
        conn = current_connection()
        self.seen.append((client_id, password, new_password, conn.user_agent, conn.tls))
        events = [libepp.SecurityEvent("password", "warning", expires_at=EXPIRES, lang="en",
                                       text="Password expiration soon")]
        if conn.tls:
            version = conn.get_extra_info("ssl_object").version()
            events.append(libepp.SecurityEvent("tlsProtocol", "warning", value=version, text="TLS in use"))
        if self.passwords.get(client_id) != password:
            return False, [libepp.SecurityEvent("stat", "warning", name="failedLogins", value="1",
                                                duration=datetime.timedelta(days=1))]
        if new_password is not None and new_password.isalpha():
            return "reject", [libepp.SecurityEvent("newPW", "error", text="New password too simple")]
        return True, events


def epptools_client(port: int, password: str = PW20, tls: Optional[Dict[str, Any]] = None) -> Client:
    cfg = Config(host="127.0.0.1", port=port, clid="registrar1", password=password,
                 connect_timeout=TIMEOUT, read_timeout=TIMEOUT, cltrid_prefix="E2E",
                 ca_file=tls["ca_file"] if tls else None)
    return Client(cfg) if tls else Client(cfg, connection=PlainConnection(cfg))


def check_secure_login(client: Client, reg: SecureRegistry, tls: bool) -> None:
    greeting = client.connect()
    assert greeting.service_ext_uris() == [SECDNS, LOGINSEC]
    resp = client.login()
    assert resp.code() == 1000
    events = resp.security_events()
    assert events[0] == {"type": "password", "level": "warning", "exDate": "2030-01-31T00:00:00Z",
                         "lang": "en", "text": "Password expiration soon"}
    if tls:
        assert events[1]["type"] == "tlsProtocol" and events[1]["value"].startswith("TLSv1.")
    assert len(events) == (2 if tls else 1)
    ((clid, password, new_password, ua, was_tls),) = reg.seen
    assert (clid, password, new_password, was_tls) == ("registrar1", PW20, None, tls)
    assert ua is not None and ua.app and ua.app.startswith("EppTools Python SDK") and ua.tech and ua.os
    client.throw_on_failure(False)
    assert client.domain.check(["a.example"]).code() == 2101  # no command(): 2101
    assert client.logout().code() == 1500
    client.disconnect()


def test_epptools_20_character_password_plain_tcp(start_server: Any) -> None:
    reg = SecureRegistry()
    srv = start_server(reg)
    check_secure_login(epptools_client(srv.port), reg, tls=False)


def test_epptools_20_character_password_tls(start_server: Any, tls_files: Dict[str, Any]) -> None:  # noqa: F811
    reg = SecureRegistry()
    srv = start_server(reg, ssl=server_context(tls_files))
    check_secure_login(epptools_client(srv.port, tls=tls_files), reg, tls=True)


@pytest.mark.parametrize("use_tls", [False, True], ids=["tcp", "tls"])
def test_epptools_too_long_password_is_refused_by_the_core(start_server: Any, tls_files: Dict[str, Any],  # noqa: F811
                                                           use_tls: bool) -> None:
    reg = SecureRegistry()
    srv = start_server(reg, ssl=server_context(tls_files) if use_tls else None)
    client = epptools_client(srv.port, password="p" * 33, tls=tls_files if use_tls else None)
    client.connect()
    with pytest.raises(CommandException) as ei:
        client.login()
    assert ei.value.epp_code == 2306  # over max_password_len (32): the policy's answer
    assert not isinstance(ei.value, AuthenticationException)
    assert reg.seen == []  # the handler was never asked
    client.disconnect()
    client = epptools_client(srv.port, tls=tls_files if use_tls else None)
    assert client.login().code() == 1000
    client.disconnect()
    assert [s[1] for s in reg.seen] == [PW20]


def test_epptools_wrong_password_and_new_passwords_get_their_events(start_server: Any) -> None:
    reg = SecureRegistry()
    srv = start_server(reg)
    client = epptools_client(srv.port, password="wrong-password-of-20")
    client.connect()
    with pytest.raises(AuthenticationException) as ei:
        client.login()
    assert ei.value.response is not None
    assert ei.value.response.security_events() == [
        {"type": "stat", "name": "failedLogins", "level": "warning", "value": "1", "duration": "P1D", "text": ""}]
    assert reg.seen[-1][1] == "wrong-password-of-20"
    client.disconnect()
    client = epptools_client(srv.port)
    client.connect()
    with pytest.raises(AuthenticationException) as ei:
        client.login(new_password="onlylettersnewpassword")  # 22 characters: <loginSec:newPW>
    assert ei.value.response.security_events()[0]["type"] == "newPW"
    assert reg.seen[-1][2] == "onlylettersnewpassword"
    resp = client.login(new_password="n3w-passw0rd-of-23-chrs")
    assert resp.code() == 1000 and reg.seen[-1][2] == "n3w-passw0rd-of-23-chrs"
    client.disconnect()


def test_default_bounds_refuse_129_characters(start_server: Any) -> None:
    class Default(SecureRegistry):
        config = make_config(login_security=libepp.LoginSecurity())

    reg = Default()
    srv = start_server(reg)
    c = RawClient(srv.port)
    assert LOGINSEC in c.read_frame()
    c.send(frame(login_sec_xml(pw="p" * 129, exts=(SECDNS, LOGINSEC))))
    body = c.read_frame()
    assert code_of(body) == 2306 and "p" * 129 not in body
    reg.passwords["registrar1"] = "p" * 128
    c.send(frame(login_sec_xml(pw="p" * 128, exts=(SECDNS, LOGINSEC))))
    body = c.read_frame()
    assert code_of(body) == 1000 and "<loginSec:loginSecData" in body
    assert [s[1] for s in reg.seen] == ["p" * 128]
    c.close()


class Extensions:
    """A handler with extension() and structured poll messages."""

    config = make_config(extension_uris=[EXT, FRED], transaction_log=True)

    def __init__(self) -> None:
        self.requests: List[libepp.ExtensionRequest] = []
        self.records: List[libepp.TransactionRecord] = []

    def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
        return True

    async def extension(self, client_id: str, request: libepp.ExtensionRequest) -> Any:
        self.requests.append(request)
        if "boom" in request.extension_xml:
            raise RuntimeError("handler bug")
        if "self" in request.extension_xml:
            request.respond(1000, "answered by the handler")
            return None
        if "dict" in request.extension_xml:
            return {"code": 1000, "extension": '<x:pong xmlns:x="%s"/>' % EXT}
        return 2306, "%s says no" % client_id

    def poll(self, client_id: str) -> Any:
        return libepp.PollMessage(5, 1, 1_800_000_000, "Low credit", msg_xml=(
            '<fred:lowCreditData xmlns:fred="%s"><fred:zone>cz</fred:zone></fred:lowCreditData>' % FRED))

    def on_transaction(self, conn: Any, record: libepp.TransactionRecord) -> None:
        self.records.append(record)


def ext_frame(body: str) -> bytes:
    return frame('<epp xmlns="%s"><extension><x:ping xmlns:x="%s">%s</x:ping></extension></epp>' % (EPP, EXT, body))


def test_extension_handler_and_msg_xml(start_server: Any, caplog: Any) -> None:
    reg = Extensions()
    srv = start_server(reg)
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_xml(exts=(EXT, FRED))))
    assert code_of(c.read_frame()) == 1000
    with caplog.at_level(logging.ERROR, logger="libepp.asyncio"):
        c.send(ext_frame("no") + ext_frame("dict") + ext_frame("self") + ext_frame("boom"))
        bodies = [c.read_frame() for _ in range(4)]
    assert [code_of(b) for b in bodies] == [2306, 1000, 1000, 2400]
    assert "<msg>registrar1 says no</msg>" in bodies[0] and "<clTRID>" not in bodies[0]
    assert '<extension><x:pong xmlns:x="%s"/></extension>' % EXT in bodies[1]
    assert "answered by the handler" in bodies[2]
    assert any("handler failed" in r.getMessage() for r in caplog.records)
    assert [r.extension_uris for r in reg.requests] == [[EXT]] * 4
    c.send(frame(poll_xml()))
    body = c.read_frame()
    assert code_of(body) == 1301
    assert ('<msg lang="en">Low credit<fred:lowCreditData xmlns:fred="%s"><fred:zone>cz</fred:zone>'
            "</fred:lowCreditData></msg>" % FRED) in body
    c.send(frame(logout_xml()))
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()
    commands = [r.command for r in reg.records]
    assert commands == ["login"] + ["extension"] * 4 + ["poll req", "logout"]


def test_extension_default_is_2101(start_server: Any) -> None:
    class NoExtension:
        config = make_config(extension_uris=[EXT])

        def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
            return True

    srv = start_server(NoExtension())
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_xml(exts=(EXT,))))
    assert code_of(c.read_frame()) == 1000
    c.send(ext_frame(""))
    assert code_of(c.read_frame()) == 2101
    c.close()


NEW_PW_EVENT = libepp.SecurityEvent("newPW", "warning")


@pytest.mark.parametrize("result, code, events", [
    ((True, []), 1000, False),
    ((True, ()), 1000, False),
    (("accept", [NEW_PW_EVENT]), 1000, True),
    (("fail", [NEW_PW_EVENT]), 2400, True),
    (("account_disabled", (NEW_PW_EVENT,)), 2201, True),
    ((None, [NEW_PW_EVENT]), 2200, True),
    ((True,), 2400, False),  # not a pair: logged, 2400
    ((True, [], []), 2400, False),
    ((True, "newPW"), 2400, False),  # events must be SecurityEvents
    ((True, ["newPW"]), 2400, False),
    ((True, None), 2400, False),
    (("maybe", []), 2400, False),
    ((True, [libepp.SecurityEvent("password", "warning")]), 2400, False),  # no exDate: the core refuses
])
def test_authenticate_results(start_server: Any, result: Any, code: int, events: bool) -> None:
    class Fixed:
        config = make_config(login_security=libepp.LoginSecurity())

        def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> Any:
            return result

    srv = start_server(Fixed())
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_sec_xml(exts=(SECDNS, LOGINSEC))))
    body = c.read_frame()
    assert code_of(body) == code
    assert ('<extension><loginSec:loginSecData xmlns:loginSec="%s"><loginSec:event type="newPW" level="warning"/>'
            % LOGINSEC in body) == events, body
    c.close()


def test_readme_secure_registry_with_epptools(start_server: Any) -> None:
    """The README's login security example, run as written."""
    from test_asyncio_e2e import readme_block

    ns: Dict[str, Any] = {"__name__": "readme"}
    blocks = [b for b in (readme_block(i) for i in range(3)) if "login_security" in b]
    assert blocks, "no login security example in the README"
    exec(compile(blocks[0], "README", "exec"), ns)
    srv = start_server(ns["SecureRegistry"]())
    client = epptools_client(srv.port, password="a-password-of-24-letters")
    client.connect()
    resp = client.login()
    assert resp.code() == 1000
    assert [e["type"] for e in resp.security_events()] == ["password"]
    assert re.match(r"\d{4}-\d\d-\d\dT", resp.security_events()[0]["exDate"])
    client.disconnect()
