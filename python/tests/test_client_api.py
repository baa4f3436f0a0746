"""The sans-IO client binding (libepp.client): configuration, commands, events, errors, deadlines,
pipelining, RFC 8807 long passwords, bad server input; mostly against libepp's own server engine
in memory (each side's output is the other's input)."""

from __future__ import annotations

import datetime
import threading
from typing import Any, Callable, List, Optional

import pytest

import libepp
from libepp.client import (
    ClientClosedError,
    ClientCloseReason,
    ClientConfig,
    ClientError,
    ClientSession,
    Closed,
    Event,
    EventIterator,
    Greeting,
    InvalidCommandError,
    InvalidCommandXmlError,
    KeepAlive,
    LanguageNotOfferedError,
    LoginEvent,
    LoginFailedError,
    LoginSecurityEvent,
    MessageQueue,
    NegotiationError,
    NoObjectServiceError,
    NotLoggedInWithError,
    PasswordTooLongError,
    Response,
    ResponseEvent,
    ResponseOverdue,
    ResponseResult,
    SentCommand,
    ServiceNotOfferedError,
    Services,
    VersionNotOfferedError,
    WrongStateError,
)
from conftest import CONTACT, DOMAIN, EPP, HOST, LOGINSEC, SECDNS, T0, frame, unframe

CHECK = '<domain:check xmlns:domain="%s"><domain:name>example.com</domain:name></domain:check>' % DOMAIN
SECDNS_EXT = ('<secDNS:update xmlns:secDNS="%s"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>'
              "</secDNS:update>" % SECDNS)


def client_config(**kw: Any) -> ClientConfig:
    kw.setdefault("object_uris", [DOMAIN, CONTACT])
    kw.setdefault("extension_uris", [SECDNS])
    return ClientConfig(kw.pop("client_id", "registrar1"), kw.pop("password", "secret-pw1"), **kw)


def greeting_frame(objs: tuple = (DOMAIN, CONTACT), exts: tuple = (SECDNS,), langs: tuple = ("en",),
                   versions: tuple = ("1.0",)) -> bytes:
    ext = "<svcExtension>%s</svcExtension>" % "".join("<extURI>%s</extURI>" % e for e in exts) if exts else ""
    return frame(
        '<epp xmlns="%s"><greeting><svID>Test server</svID><svDate>2027-01-15T08:00:00.0Z</svDate><svcMenu>%s%s%s%s'
        "</svcMenu></greeting></epp>" % (
            EPP, "".join("<version>%s</version>" % v for v in versions), "".join("<lang>%s</lang>" % v for v in langs),
            "".join("<objURI>%s</objURI>" % o for o in objs), ext))


def response_frame(code: int, cltrid: Optional[str], extra: str = "", msg: str = "Done") -> bytes:
    tr = "<trID>%s<svTRID>SV-1</svTRID></trID>" % ("<clTRID>%s</clTRID>" % cltrid if cltrid else "")
    return frame('<epp xmlns="%s"><response><result code="%d"><msg>%s</msg></result>%s%s</response></epp>'
                 % (EPP, code, msg, extra, tr))


class Pair:
    """A ClientSession wired to a libepp.Session of the crate's own server, in memory. ``decide``
    answers each server request (default: accept logins with secret-pw1, 1000 to commands)."""

    def __init__(self, config: Optional[ClientConfig] = None, server_config: Optional[libepp.Config] = None,
                 decide: Optional[Callable[[Any], None]] = None, now: float = T0) -> None:
        server_config = server_config or libepp.Config(
            "Example EPP server", object_uris=[DOMAIN, CONTACT, HOST], extension_uris=[SECDNS])
        self.server = libepp.Session(libepp.Server(server_config, now=now), now=now)
        self.client = ClientSession(config or client_config(), now=now)
        self.decide = decide or self.default_decide
        self.now = now
        self.events: List[Event] = []
        self.requests: List[Any] = []

    @staticmethod
    def default_decide(r: Any) -> None:
        if r.kind == "login":
            r.accept() if r.password == "secret-pw1" else r.reject_credentials()
        elif r.kind == "poll":
            r.empty()
        elif r.kind == "poll_ack":
            r.unknown()
        elif r.kind == "command":
            r.respond(1000)

    def pump(self, rounds: int = 10) -> List[Event]:
        """Moves bytes both ways until nothing moves; returns the client's new events."""
        new: List[Event] = []
        for _ in range(rounds):
            moved = False
            out = self.server.take_output()
            if out and self.client.wants_input():
                self.client.feed_input(out, now=self.now)
                moved = True
            for r in self.server:
                if r.kind != "session_end":
                    self.requests.append(r)
                    self.decide(r)
                moved = True
            out = self.client.take_output()
            if out:
                self.server.feed_input(out, now=self.now)
                moved = True
            new.extend(self.client.drain_queue())
            if not moved:
                break
        self.events.extend(new)
        return new

    def logged_in(self) -> Pair:
        (g,) = self.pump()
        assert isinstance(g, Greeting)
        self.client.login(now=self.now)
        (ev,) = self.pump()
        assert isinstance(ev, LoginEvent) and ev.services is not None
        return self


# ---------------------------------------------------------------------------
# ClientConfig
# ---------------------------------------------------------------------------


def test_config_defaults_and_values() -> None:
    c = ClientConfig("ClientX", "foo-BAR2", object_uris=[DOMAIN])
    assert c.client_id == "ClientX" and c.lang == "en" and not c.has_new_password
    assert c.object_uris == [DOMAIN] and c.required_object_uris == [] and c.extension_uris == []
    assert c.max_in_flight == 1 and c.keep_alive == 300.0 and c.response_deadline == 60.0
    assert c.cl_trid_prefix == "ClientX-" and c.max_frame_size == 16 * 1024 * 1024
    c = ClientConfig("ClientX", "foo-BAR2", new_password="new-PW-123", lang="fr", object_uris=[DOMAIN, CONTACT],
                     required_object_uris=[CONTACT, HOST], extension_uris=[SECDNS],
                     required_extension_uris=[LOGINSEC], max_in_flight=4, keep_alive=None,
                     response_deadline=1.5, cl_trid_prefix="ABC-", max_frame_size=4096)
    assert c.has_new_password and c.lang == "fr"
    # Required URIs keep their place among the wanted ones; the others follow.
    assert c.object_uris == [DOMAIN, CONTACT, HOST] and c.required_object_uris == [CONTACT, HOST]
    assert c.extension_uris == [SECDNS, LOGINSEC] and c.required_extension_uris == [LOGINSEC]
    assert (c.max_in_flight, c.keep_alive, c.response_deadline) == (4, None, 1.5)
    assert (c.cl_trid_prefix, c.max_frame_size) == ("ABC-", 4096)


def test_config_repr_never_shows_passwords() -> None:
    c = ClientConfig("ClientX", "foo-BAR2", new_password="new-PW-123", object_uris=[DOMAIN])
    assert "foo-BAR2" not in repr(c) and "new-PW-123" not in repr(c) and "<redacted>" in repr(c)


@pytest.mark.parametrize("kw, field", [
    (dict(client_id="X"), "client_id"),
    (dict(password="short"), "password"),
    (dict(password=" foo-BAR2"), "password"),
    (dict(new_password="abc"), "new_password"),
    (dict(object_uris=[]), "object_services"),
    (dict(object_uris=["a b"]), "services"),
    (dict(lang="not a tag"), "lang"),
    (dict(max_in_flight=0), "max_in_flight"),
    (dict(keep_alive=0.0), "keep_alive"),
    (dict(response_deadline=0.0), "response_deadline"),
    (dict(cl_trid_prefix="a b"), "cl_trid_prefix"),
    (dict(max_frame_size=100), "max_frame_size"),
])
def test_config_refusals_are_config_errors(kw: Any, field: str) -> None:
    kw.setdefault("object_uris", [DOMAIN])
    with pytest.raises(libepp.ConfigError) as ei:
        ClientConfig(kw.pop("client_id", "ClientX"), kw.pop("password", "foo-BAR2"), **kw)
    assert ei.value.field == field  # type: ignore[attr-defined]
    assert isinstance(ei.value, libepp.EppError)


def test_config_bad_types_and_durations() -> None:
    with pytest.raises(ValueError):
        ClientConfig("ClientX", "foo-BAR2", object_uris=[DOMAIN], response_deadline=-1.0)
    with pytest.raises(ValueError):
        ClientConfig("ClientX", "foo-BAR2", object_uris=[DOMAIN], keep_alive=float("nan"))
    with pytest.raises(TypeError):
        ClientConfig("ClientX", "foo-BAR2", object_uris=DOMAIN)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ClientSession(libepp.Config("Example EPP server", object_uris=[DOMAIN]))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# a whole session against the server engine
# ---------------------------------------------------------------------------


def test_whole_session_against_the_server_engine() -> None:
    def decide(r: Any) -> None:
        if r.kind == "poll":
            r.message(101, 2, T0 - 60, "Transfer requested.")
        elif r.kind == "poll_ack":
            r.acked(1)
        elif r.kind == "command":
            assert r.verb == "check" and r.extension_xml is None
            r.respond(1000, res_data='<domain:chkData xmlns:domain="%s"><domain:cd><domain:name avail="1">'
                                     "example.com</domain:name></domain:cd></domain:chkData>" % DOMAIN)
        else:
            Pair.default_decide(r)

    p = Pair(decide=decide)
    s = p.client
    assert s.state == "awaiting_greeting" and s.wants_input() and s.next_timeout() == T0 + 60
    assert s.greeting is None and s.services is None and s.close_reason is None and not s.is_finished
    (g,) = p.pump()
    assert isinstance(g, Greeting) and g.kind == "greeting" and g.hello is None and not g.keep_alive
    assert g.server_id == "Example EPP server" and g.versions == ["1.0"] and g.languages == ["en"]
    assert g.object_uris == [DOMAIN, CONTACT, HOST] and g.extension_uris == [SECDNS]
    assert g.dcp is not None and g.dcp.startswith("<dcp") and g.server_date.startswith("2027-01-15T08:00:00")
    assert g.offers_object(DOMAIN) and not g.offers_object("urn:x") and g.offers_extension(SECDNS)
    assert not g.offers_login_security()
    assert s.state == "greeting_received" and s.greeting == g and s.next_timeout() is None

    hello = s.hello(now=T0)
    assert hello.kind == "hello" and hello.cl_trid is None
    assert hello.id == 1 and hello.sent_at == T0 and not hello.keep_alive and hello.tag is None
    (g2,) = p.pump()
    assert isinstance(g2, Greeting) and g2.hello == hello and g2.server_id == g.server_id

    login = s.login(tag=5, now=T0)
    assert (login.id, login.kind, login.tag, login.cl_trid) == (2, "login", 5, "registrar1-1")
    assert s.state == "login_sent" and s.in_flight == 1
    (ev,) = p.pump()
    assert isinstance(ev, LoginEvent) and ev.kind == "login" and ev.command == login
    assert ev.response.code == 1000 and ev.response.is_success and ev.response.cl_trid == "registrar1-1"
    assert ev.services == s.services and ev.services is not None
    assert ev.services.object_uris == [DOMAIN, CONTACT] and ev.services.extension_uris == [SECDNS]
    assert ev.services.lang == "en" and not ev.services.login_security
    assert p.requests[-1].object_uris == [DOMAIN, CONTACT] and p.requests[-1].extension_uris == [SECDNS]
    assert s.state == "logged_in" and s.next_timeout() == T0 + 300

    poll = s.poll_request(now=T0)
    (ev,) = p.pump()
    assert isinstance(ev, ResponseEvent) and ev.kind == "response" and ev.command == poll and poll.kind == "poll"
    r = ev.response
    assert r.code == 1301 and r.msgq is not None
    q = r.msgq
    assert (q.count, q.id, q.message, q.lang) == (2, "101", "Transfer requested.", "en")
    assert q.queued_at is not None and q.queued_at.startswith("2027-01-15T07:59:00")
    ack = s.poll_ack(q.id, now=T0)
    (ev,) = p.pump()
    assert isinstance(ev, ResponseEvent) and ev.command.kind == "poll_ack" and ev.command == ack
    assert ev.response.code == 1000 and ev.response.msgq is not None and ev.response.msgq.count == 1
    assert p.requests[-1].message_id == 101

    check = s.command("check", CHECK, tag=9)
    (ev,) = p.pump()
    assert isinstance(ev, ResponseEvent) and ev.command == check and check.tag == 9 and check.kind == "check"
    r = ev.response
    assert r.code == 1000 and r.message == "Command completed successfully" and r.res_data is not None
    assert 'avail="1"' in r.res_data and r.extension is None and r.sv_trid is not None
    assert r.results == [r.results[0]] and r.results[0].code == 1000 and r.results[0].values == []
    assert p.requests[-1].verb == "check" and "example.com" in p.requests[-1].object_xml

    out = s.logout(now=T0)
    assert s.state == "logout_sent"
    ev1, ev2 = p.pump()
    assert isinstance(ev1, ResponseEvent) and ev1.command == out and ev1.response.code == 1500
    assert isinstance(ev2, Closed) and ev2.kind == "closed" and ev2.reason == "logout" and ev2.unanswered == []
    assert s.state == "closing" and s.wants_input() and s.close_reason == "logout"
    s.handle_eof(now=T0)
    assert s.state == "closed" and s.is_finished and not s.wants_input() and s.next_timeout() is None
    assert s.poll_queue() is None


def test_events_are_dataclass_like() -> None:
    p = Pair().logged_in()
    a = p.client.command("check", CHECK, tag=1)
    b = p.client.command("check", CHECK, tag=1)
    assert a != b and a == a and not (a != a)
    with pytest.raises(TypeError):
        hash(a)
    ev, ev_b = p.pump()
    # b waited for room (max_in_flight=1): the SentCommand send returned has no sent_at yet.
    assert b.sent_at is None and isinstance(ev_b, ResponseEvent) and ev_b != ev
    assert ev_b.command.id == b.id and ev_b.command.sent_at == T0 and ev_b.command != b
    assert isinstance(ev, ResponseEvent)
    assert ev == ev and ev.command == a and ev.command is not ev.command
    assert repr(ev).startswith("ResponseEvent(command=SentCommand(id=2, kind='check', tag=1")
    assert "Response(code=1000" in repr(ev)
    assert ResponseEvent.__match_args__ == ("command", "response")
    assert LoginEvent.__match_args__ == ("command", "response", "services")
    assert Closed.__match_args__ == ("reason", "unanswered")
    assert KeepAlive.__match_args__ == ResponseOverdue.__match_args__ == ("command",)
    assert Response.__name__ == "Response" and Response.__module__ == "libepp.client"
    assert Response is not libepp.Response
    for cls in (ClientConfig, ClientSession, Greeting, LoginEvent, ResponseEvent, KeepAlive, ResponseOverdue,
                Closed, SentCommand, Services, MessageQueue, ResponseResult, LoginSecurityEvent,
                ClientCloseReason, EventIterator):
        assert cls.__module__ == "libepp.client", cls
    with pytest.raises(AttributeError):
        ev.command = a  # type: ignore[misc]


def test_match_statement_on_events() -> None:
    import sys
    if sys.version_info < (3, 10):
        pytest.skip("match needs Python 3.10")
    ns: dict = {}
    exec(
        "def describe(event):\n"
        "    match event:\n"
        "        case ResponseEvent(command, Response(code, message)):\n"
        "            return (command.kind, code, message)\n"
        "        case Closed(reason, unanswered):\n"
        "            return (str(reason.kind), len(unanswered))\n"
        "        case _:\n"
        "            return None\n",
        {"ResponseEvent": ResponseEvent, "Response": Response, "Closed": Closed}, ns)
    p = Pair().logged_in()
    p.client.command("check", CHECK)
    (ev,) = p.pump()
    assert ns["describe"](ev) == ("check", 1000, "Command completed successfully")
    p.client.command("check", CHECK)
    p.client.close()
    (ev,) = p.client.drain_queue()
    assert ns["describe"](ev) == ("host", 1)


def test_iteration_poll_queue_and_output_verbs() -> None:
    s = ClientSession(client_config(), now=T0)
    it = iter(s)
    assert isinstance(it, EventIterator) and iter(it) is it
    assert s.take_output() == b"" and s.output() == b"" and s.poll_queue() is None and list(s) == []
    s.feed_input(bytearray(greeting_frame()), now=T0)
    assert [e.kind for e in s] == ["greeting"]
    s.login(now=T0)
    out = s.output()
    assert out == s.output() and len(unframe(out)) == 1
    s.consume_output(3)
    assert s.output() == out[3:]
    s.consume_output(len(out))  # more than there is: all of it
    assert s.output() == b"" and s.take_output() == b""
    with pytest.raises((OverflowError, TypeError)):
        s.consume_output(-1)


def test_input_types_chunks_and_buffered_input() -> None:
    data = greeting_frame()
    s = ClientSession(client_config(), now=T0)
    s.feed_input(memoryview(data)[:10], now=T0)
    assert s.buffered_input == 10 and s.poll_queue() is None
    for i in range(10, len(data)):
        s.feed_input(data[i:i + 1], now=T0)
    assert s.buffered_input == 0 and isinstance(s.poll_queue(), Greeting)
    with pytest.raises(TypeError):
        s.feed_input("text", now=T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.feed_input(b"", now="now")  # type: ignore[arg-type]


def test_time_arguments() -> None:
    dt = datetime.datetime(2027, 1, 15, 8, 0, tzinfo=datetime.timezone.utc)
    s = ClientSession(client_config(response_deadline=10.0), now=dt)
    assert s.next_timeout() == dt.timestamp() + 10
    s.feed_input(greeting_frame(), now=dt.timestamp() + 1)
    c = s.login(now=dt.timestamp() + 2.5)
    assert c.sent_at == dt.timestamp() + 2.5 and s.next_timeout() == dt.timestamp() + 12.5
    s2 = ClientSession(client_config())  # now=None: the current time
    t = s2.next_timeout()
    assert t is not None and abs(t - 60 - datetime.datetime.now().timestamp()) < 5


# ---------------------------------------------------------------------------
# commands: options and refusals
# ---------------------------------------------------------------------------


def test_command_options_reach_the_server() -> None:
    seen: List[Any] = []

    def decide(r: Any) -> None:
        seen.append(r)
        Pair.default_decide(r) if r.kind != "command" else r.respond(1000)

    p = Pair(decide=decide).logged_in()
    s = p.client
    transfer = '<domain:transfer xmlns:domain="%s"><domain:name>example.com</domain:name></domain:transfer>' % DOMAIN
    c = s.command("transfer", transfer, SECDNS_EXT, "MY-TRID-1", 77, op="query")
    assert (c.kind, c.cl_trid, c.tag) == ("transfer", "MY-TRID-1", 77)
    s.poll_request(extension=SECDNS_EXT, cl_trid="POLL-1", tag=1)
    s.poll_ack(42, cl_trid="ACK-01")
    assert p.client.config.client_id == "registrar1"
    p.pump()
    cmd, poll, ack = seen[-3:]
    assert cmd.verb == "transfer" and cmd.transfer_op == "query" and cmd.client_transaction_id == "MY-TRID-1"
    assert cmd.extension_uris == [SECDNS] and cmd.extension_xml is not None
    assert poll.kind == "poll" and poll.client_transaction_id == "POLL-1" and poll.extension_xml is not None
    assert ack.kind == "poll_ack" and ack.message_id == 42 and ack.client_transaction_id == "ACK-01"
    # Generated clTRIDs count only the commands that took one.
    assert s.command("check", CHECK).cl_trid == "registrar1-2"


@pytest.mark.parametrize("call, exc, attrs", [
    (lambda s: s.command("check", "<x/>"), InvalidCommandXmlError, {"field": "object"}),
    (lambda s: s.command("check", "<a:x xmlns:a='urn:a'/><a:y xmlns:a='urn:a'/>"), InvalidCommandXmlError,
     {"field": "object"}),
    (lambda s: s.command("check", "<x:check xmlns:x='urn:other'/>"), NotLoggedInWithError,
     {"service_kind": "object", "uri": "urn:other"}),
    (lambda s: s.command("check", CHECK, "<e:x xmlns:e='urn:e'/>"), NotLoggedInWithError,
     {"service_kind": "extension", "uri": "urn:e"}),
    (lambda s: s.command("check", CHECK, "not xml <"), InvalidCommandXmlError, {"field": "extension"}),
    (lambda s: s.command("check", CHECK, cl_trid="ab"), InvalidCommandError, {}),
    (lambda s: s.command("transfer", CHECK), InvalidCommandError, {}),
    (lambda s: s.poll_ack(""), InvalidCommandError, {}),
    (lambda s: s.hello(cl_trid="ABC-1"), InvalidCommandError, {}),
    (lambda s: s.hello(extension=SECDNS_EXT), InvalidCommandError, {}),
    (lambda s: s.login(), WrongStateError, {"command": "login", "state": "logged_in"}),
])
def test_refused_commands_send_nothing(call: Callable[[ClientSession], Any], exc: type, attrs: Any) -> None:
    p = Pair().logged_in()
    with pytest.raises(exc) as ei:
        call(p.client)
    assert isinstance(ei.value, ClientError) and isinstance(ei.value, libepp.EppError)
    for k, v in attrs.items():
        assert getattr(ei.value, k) == v
    if isinstance(ei.value, (InvalidCommandError, InvalidCommandXmlError)):
        assert ei.value.reason  # type: ignore[attr-defined]
    assert p.client.output() == b"" and p.client.in_flight == 0 and p.client.state == "logged_in"
    # Nothing was used up: the next command gets the next id and clTRID.
    assert p.client.command("check", CHECK).cl_trid == "registrar1-2"


def test_binding_level_argument_errors() -> None:
    p = Pair().logged_in()
    with pytest.raises(ValueError):
        p.client.command("frob", CHECK)
    with pytest.raises(ValueError):
        p.client.command("transfer", CHECK, op="steal")
    with pytest.raises(TypeError):
        p.client.command("check", CHECK, op="query")
    with pytest.raises(TypeError):
        p.client.poll_ack(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        p.client.poll_ack(True)
    assert p.client.output() == b""


def test_commands_before_the_greeting_and_after_the_end() -> None:
    s = ClientSession(client_config(), now=T0)
    for call in (lambda: s.login(), lambda: s.hello(), lambda: s.command("check", CHECK), lambda: s.poll_request()):
        with pytest.raises(WrongStateError) as ei:
            call()
        assert ei.value.state == "awaiting_greeting"  # type: ignore[attr-defined]
    s.feed_input(greeting_frame(), now=T0)
    with pytest.raises(WrongStateError) as ei:
        s.command("check", CHECK)
    assert ei.value.command == "check" and ei.value.state == "greeting_received"  # type: ignore[attr-defined]
    with pytest.raises(WrongStateError):
        s.logout()
    s.close()
    (closed,) = [e for e in s if isinstance(e, Closed)]
    assert closed.reason == "host" and closed.reason.kind == "host" and str(closed.reason) == "closed by the host"
    # Sticky.
    for call in (lambda: s.hello(), lambda: s.feed_input(b"x"), lambda: s.login()):
        with pytest.raises(ClientClosedError) as ei2:
            call()
        assert ei2.value.reason == "host" and ei2.value.command is None  # type: ignore[attr-defined]
    assert s.state == "closed" and s.poll_queue() is None


# ---------------------------------------------------------------------------
# login negotiation and RFC 8807
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cfg, greeting, exc, attrs", [
    (dict(required_object_uris=[HOST]), dict(), ServiceNotOfferedError, {"service_kind": "object", "uri": HOST}),
    (dict(required_extension_uris=[LOGINSEC]), dict(), ServiceNotOfferedError,
     {"service_kind": "extension", "uri": LOGINSEC}),
    (dict(object_uris=[HOST]), dict(), NoObjectServiceError, {}),
    (dict(), dict(versions=("2.0",)), VersionNotOfferedError, {}),
    (dict(lang="fr"), dict(), LanguageNotOfferedError, {"lang": "fr"}),
    (dict(password="p" * 20), dict(), PasswordTooLongError, {"field": "pw", "length": 20}),
    (dict(new_password="n" * 17), dict(), PasswordTooLongError, {"field": "newPW", "length": 17}),
])
def test_login_negotiation_refusals(cfg: Any, greeting: Any, exc: type, attrs: Any) -> None:
    s = ClientSession(client_config(**cfg), now=T0)
    s.feed_input(greeting_frame(**greeting), now=T0)
    with pytest.raises(exc) as ei:
        s.login()
    assert isinstance(ei.value, NegotiationError)
    for k, v in attrs.items():
        assert getattr(ei.value, k) == v
    assert s.output() == b"" and s.state == "greeting_received"


def test_optional_services_not_offered_are_left_out() -> None:
    s = ClientSession(client_config(object_uris=[HOST, DOMAIN], extension_uris=["urn:x", SECDNS]), now=T0)
    s.feed_input(greeting_frame(), now=T0)
    s.login()
    (xml,) = unframe(s.take_output())
    assert "<objURI>%s</objURI>" % DOMAIN in xml and HOST not in xml and "urn:x" not in xml


def test_long_password_through_login_security_against_the_server_engine() -> None:
    server_config = libepp.Config("Example EPP server", object_uris=[DOMAIN], login_security=libepp.LoginSecurity())
    seen: List[Any] = []

    def decide(r: Any) -> None:
        seen.append(r)
        if r.kind == "login":
            soon = libepp.SecurityEvent("password", "warning", expires_at=T0 + 86400, text="Password expires soon")
            r.accept(events=[soon])

    pw, new_pw = "correct horse battery staple", "another-password-of-30-letters"
    p = Pair(config=ClientConfig("registrar1", pw, new_password=new_pw, object_uris=[DOMAIN]),
             server_config=server_config, decide=decide)
    (g,) = p.pump()
    assert isinstance(g, Greeting) and g.offers_login_security()
    p.client.login()
    (xml,) = unframe(p.client.output())
    assert "<pw>[LOGIN-SECURITY]</pw>" in xml and "<newPW>[LOGIN-SECURITY]</newPW>" in xml
    assert "<loginSec:pw>%s</loginSec:pw>" % pw in xml and "<extURI>%s</extURI>" % LOGINSEC in xml
    (ev,) = p.pump()
    assert isinstance(ev, LoginEvent) and ev.response.code == 1000
    assert ev.services is not None and ev.services.login_security and LOGINSEC in ev.services.extension_uris
    assert seen[0].password == pw and seen[0].new_password == new_pw
    (event,) = ev.response.login_security_events()
    assert isinstance(event, LoginSecurityEvent)
    assert (event.type, event.level, event.message, event.name) == ("password", "warning", "Password expires soon", None)
    assert event.expires is not None and event.expires.startswith("2027-01-16T08:00:00")
    assert event.value is None and event.duration is None
    assert "LoginSecurityEvent(type='password'" in repr(event)


def test_failed_login_may_be_retried() -> None:
    attempts: List[str] = []

    def decide(r: Any) -> None:
        if r.kind == "login":
            attempts.append(r.password)
            r.accept() if len(attempts) > 1 else r.reject_credentials()

    p = Pair(decide=decide)
    p.pump()
    p.client.login()
    (ev,) = p.pump()
    assert isinstance(ev, LoginEvent) and ev.response.code == 2200 and ev.services is None
    assert not ev.response.is_success and p.client.state == "greeting_received"
    err = LoginFailedError(ev.response)
    assert isinstance(err, ClientError) and err.code == 2200 and err.response == ev.response
    p.client.login()
    (ev,) = p.pump()
    assert isinstance(ev, LoginEvent) and ev.services is not None and p.client.state == "logged_in"


# ---------------------------------------------------------------------------
# pipelining
# ---------------------------------------------------------------------------


def test_pipelining_respects_max_in_flight_and_matches_in_order() -> None:
    held: List[Any] = []
    p = Pair(config=client_config(max_in_flight=4), decide=lambda r: held.append(r) if r.kind == "command"
             else Pair.default_decide(r)).logged_in()
    s = p.client
    sent = [s.command("check", CHECK, tag=i) for i in range(20)]
    assert [c.sent_at is not None for c in sent] == [True] * 4 + [False] * 16
    assert s.in_flight == 4 and s.queued == 16
    answered: List[ResponseEvent] = []
    for _ in range(20):
        p.pump()
        assert 0 < len(held) <= 4
        for r in reversed(held):  # answered out of order by the server's host: still in order
            r.respond(1000, "answer %d" % r.id)
        held.clear()
        p.pump()
        assert s.in_flight <= 4
        answered = [e for e in p.events if isinstance(e, ResponseEvent)]
        if len(answered) == 20:
            break
    assert [e.command.tag for e in answered] == list(range(20))
    assert [e.response.cl_trid for e in answered] == [c.cl_trid for c in sent]
    assert s.in_flight == 0 and s.queued == 0


def test_close_lists_every_unanswered_command() -> None:
    p = Pair(config=client_config(max_in_flight=2), decide=lambda r: None if r.kind == "command"
             else Pair.default_decide(r)).logged_in()
    cmds = [p.client.command("check", CHECK) for _ in range(5)]
    p.pump()
    p.client.close()
    (ev,) = p.client.drain_queue()
    assert isinstance(ev, Closed) and ev.unanswered == cmds
    assert [c.sent_at is not None for c in ev.unanswered] == [True, True, False, False, False]
    assert p.client.output() == b""


# ---------------------------------------------------------------------------
# deadlines
# ---------------------------------------------------------------------------


def test_greeting_overdue() -> None:
    s = ClientSession(client_config(response_deadline=5.0), now=T0)
    assert s.next_timeout() == T0 + 5
    assert not s.handle_timeout(now=T0 + 4.999)
    assert s.handle_timeout(now=T0 + 5)
    (ev,) = s.drain_queue()
    assert isinstance(ev, Closed) and ev.reason == "greeting_overdue" and s.is_finished


def test_response_overdue() -> None:
    p = Pair(config=client_config(response_deadline=10.0), decide=lambda r: None if r.kind == "command"
             else Pair.default_decide(r)).logged_in()
    c = p.client.command("check", CHECK, now=T0 + 1)
    p.pump()
    assert p.client.next_timeout() == T0 + 11
    assert p.client.handle_timeout(now=T0 + 11)
    ev1, ev2 = p.client.drain_queue()
    assert isinstance(ev1, ResponseOverdue) and ev1.kind == "response_overdue" and ev1.command == c
    assert isinstance(ev2, Closed) and ev2.reason.kind == "response_overdue" and ev2.reason.command_id == c.id
    assert ev2.unanswered == [c] and p.client.is_finished


def test_keep_alive_hello() -> None:
    p = Pair(config=client_config(keep_alive=30.0)).logged_in()
    s = p.client
    assert s.next_timeout() == T0 + 30
    assert not s.handle_timeout(now=T0 + 29)
    assert s.handle_timeout(now=T0 + 30)
    (ka,) = s.drain_queue()
    assert isinstance(ka, KeepAlive) and ka.kind == "keep_alive" and ka.command.keep_alive
    assert ka.command.kind == "hello" and ka.command.sent_at == T0 + 30
    assert unframe(s.output()) == ['<?xml version="1.0" encoding="UTF-8" standalone="no"?><epp xmlns="%s"><hello/></epp>'
                                   % EPP]
    (g,) = p.pump()
    assert isinstance(g, Greeting) and g.keep_alive and g.hello == ka.command
    never = Pair(config=client_config(keep_alive=None)).logged_in()
    assert never.client.next_timeout() is None


# ---------------------------------------------------------------------------
# the server's mistakes close the session (never exceptions)
# ---------------------------------------------------------------------------


def logged_in_raw(**cfg: Any) -> ClientSession:
    s = ClientSession(client_config(**cfg), now=T0)
    s.feed_input(greeting_frame(), now=T0)
    s.login(now=T0)
    s.take_output()
    s.feed_input(response_frame(1000, "registrar1-1"), now=T0)
    assert s.state == "logged_in"
    s.drain_queue()
    return s


@pytest.mark.parametrize("data, kind, fields", [
    (b"\x00\x00\x00\x02", "bad_frame_length", {"length": 2, "limit": 16 * 1024 * 1024}),
    (frame("<epp>not closed"), "malformed", {}),
    (greeting_frame(), "unexpected_greeting", {"answering": "check"}),
    (response_frame(1000, "OTHER-1"), "cl_trid_mismatch",
     {"expected_cl_trid": "registrar1-2", "received_cl_trid": "OTHER-1"}),
])
def test_protocol_errors_close_the_session(data: bytes, kind: str, fields: Any) -> None:
    s = logged_in_raw()
    c = s.command("check", CHECK, now=T0)
    s.take_output()
    s.feed_input(data, now=T0)
    (ev,) = s.drain_queue()
    assert isinstance(ev, Closed) and ev.reason == "protocol" and ev.reason.protocol_error == kind
    for k, v in fields.items():
        assert getattr(ev.reason, k) == v
    if kind == "malformed":
        assert ev.reason.detail
    assert ev.unanswered == [c] and s.is_finished
    assert "protocol error" in str(ev.reason) and repr(ev.reason).startswith("<ClientCloseReason protocol")


def test_unsolicited_frame_and_peer_closes() -> None:
    s = logged_in_raw()
    s.feed_input(response_frame(1000, None), now=T0)
    (ev,) = s.drain_queue()
    assert isinstance(ev, Closed) and ev.reason.protocol_error == "unsolicited"
    s = logged_in_raw()
    s.feed_input(response_frame(1000, None)[:9], now=T0)
    s.handle_eof(now=T0)
    (ev,) = s.drain_queue()
    assert isinstance(ev, Closed) and ev.reason == "peer_closed_mid_frame" and ev.reason.received == 9
    s = logged_in_raw()
    s.handle_eof(now=T0)
    (ev,) = s.drain_queue()
    assert isinstance(ev, Closed) and ev.reason == "peer_closed" and ev.reason.code is None


def test_server_closing_code() -> None:
    s = logged_in_raw()
    c1 = s.command("check", CHECK)
    s.take_output()
    s.feed_input(response_frame(2500, "registrar1-2", msg="Command failed; server closing connection"), now=T0)
    ev1, ev2 = s.drain_queue()
    assert isinstance(ev1, ResponseEvent) and ev1.command == c1 and ev1.response.code == 2500
    assert isinstance(ev2, Closed) and ev2.reason == "server_closing" and ev2.reason.code == 2500
    assert s.state == "closing"
    with pytest.raises(ClientClosedError):
        s.command("check", CHECK)


def test_response_with_values_and_missing_cltrid() -> None:
    s = logged_in_raw()
    s.command("check", CHECK)
    s.take_output()
    extra_result = ('<result code="2302"><msg lang="fr">Existe</msg><value><domain:name xmlns:domain="%s">'
                    "example.com</domain:name></value><extValue><value><x:y xmlns:x=\"urn:x\"/></value>"
                    "<reason>because</reason></extValue></result>" % DOMAIN)
    s.feed_input(frame('<epp xmlns="%s"><response><result code="2302"><msg>Object exists</msg></result>%s'
                       '<msgQ count="3" id="ab-7"/><trID><svTRID>SV-9</svTRID></trID></response></epp>'
                       % (EPP, extra_result)), now=T0)
    (ev,) = s.drain_queue()
    assert isinstance(ev, ResponseEvent)
    r = ev.response
    assert r.code == 2302 and not r.is_success and r.cl_trid is None and r.sv_trid == "SV-9"
    assert r.msgq is not None and (r.msgq.count, r.msgq.id, r.msgq.queued_at) == (3, "ab-7", None)
    assert len(r.results) == 2
    second = r.results[1]
    assert (second.code, second.message, second.lang) == (2302, "Existe", "fr")
    assert len(second.values) == 1 and "example.com" in second.values[0]
    ((value, reason),) = second.ext_values
    assert "x:y" in value and reason == "because"
    assert ResponseResult.__match_args__ == ("code", "message")
    assert r.login_security_events() == []


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------


def test_a_session_shared_between_threads() -> None:
    p = Pair(config=client_config(max_in_flight=8)).logged_in()
    errors: List[BaseException] = []
    sent: List[SentCommand] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            for _ in range(25):
                c = p.client.command("check", CHECK)
                with lock:
                    sent.append(c)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len({c.id for c in sent}) == 100
    for _ in range(30):
        p.pump()
    answered = [e for e in p.events if isinstance(e, ResponseEvent)]
    assert sorted(e.command.id for e in answered) == sorted(c.id for c in sent)
