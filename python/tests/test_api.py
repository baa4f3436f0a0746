"""The sans-IO API: Config, Session, the request objects and their answers."""

from __future__ import annotations

import datetime
import re
import threading
import time

import pytest

import libepp
from conftest import (
    CONTACT,
    DOMAIN,
    EPP,
    HELLO,
    HOST,
    SECDNS,
    T0,
    codes,
    command_xml,
    frame,
    logged_in,
    login_xml,
    logout_xml,
    make_config,
    new_session,
    poll_xml,
    unframe,
)


def test_module_surface() -> None:
    assert libepp.__version__
    assert libepp.EPP_NS == EPP
    assert libepp.RESULT_CODES[1000] == "Command completed successfully"
    assert libepp.RESULT_CODES[2303] == "Object does not exist"
    assert len(libepp.RESULT_CODES) == 34
    for name in libepp.__all__:
        assert hasattr(libepp, name), name
    for exc in (libepp.ConfigError, libepp.SessionClosedError, libepp.UnknownRequestError,
                libepp.InputAfterEofError, libepp.InputBufferFullError,
                libepp.WrongAnswerError, libepp.InvalidXmlError, libepp.InvalidAnswerError):
        assert issubclass(exc, libepp.EppError)
    assert issubclass(libepp.AlreadyAnsweredError, libepp.UnknownRequestError)
    assert issubclass(libepp.EppError, Exception)


def test_config_defaults_and_properties() -> None:
    c = libepp.Config("Example EPP server", object_uris=[DOMAIN])
    assert c.server_id == "Example EPP server"
    assert c.object_uris == [DOMAIN]
    assert c.extension_uris == []
    assert c.languages == ["en"]
    assert c.versions == ["1.0"]
    assert c.transaction_log is False
    assert c.sv_trid_prefix == "ExampleEPPserver" and c.sv_trid_epoch is None
    assert c.dcp == libepp.Dcp()
    assert c.limits == {
        "max_frame_size": 262144, "max_in_flight": 32, "max_pending_output": 1048576,
        "max_failed_logins": 3, "login_deadline": 60.0, "idle_timeout": 600.0,
        "max_buffered_input": 524288, "max_xml_depth": 64, "max_xml_attributes": 32,
        "max_xml_text": 65536,
    }
    assert repr(c) == ("Config(server_id='Example EPP server', object_uris=['%s'], extension_uris=[], "
                       "languages=['en'])" % DOMAIN)


def test_config_needs_an_object_uri() -> None:
    """As in the core: no default objects; a configuration offers at least one."""
    for kwargs in ({}, {"object_uris": []}):
        with pytest.raises(libepp.ConfigError) as ei:
            libepp.Config("Example EPP server", **kwargs)  # type: ignore[arg-type]
        assert ei.value.field == "object_uris"


def test_config_keywords() -> None:
    dcp = libepp.Dcp("personal", [libepp.DcpStatement(["prov"], ["ours"], "legal")])
    c = libepp.Config(
        "Example EPP server", object_uris=[DOMAIN], extension_uris=[SECDNS], languages=["en", "fr"],
        versions=["1.0"], dcp=dcp, max_frame_size=65536, max_in_flight=4, max_pending_output=65536,
        max_failed_logins=5, login_deadline=1.5, idle_timeout=30, max_buffered_input=70000,
        max_xml_depth=16, max_xml_attributes=8, max_xml_text=1024, sv_trid_prefix="EX", sv_trid_epoch=42,
        transaction_log=True,
    )
    assert c.object_uris == [DOMAIN]
    assert c.languages == ["en", "fr"]
    assert c.dcp == dcp and c.dcp.access == "personal"
    assert c.limits == {
        "max_frame_size": 65536, "max_in_flight": 4, "max_pending_output": 65536,
        "max_failed_logins": 5, "login_deadline": 1.5, "idle_timeout": 30.0,
        "max_buffered_input": 70000, "max_xml_depth": 16, "max_xml_attributes": 8, "max_xml_text": 1024,
    }
    assert c.transaction_log is True
    assert (c.sv_trid_prefix, c.sv_trid_epoch) == ("EX", 42)
    g = c.greeting_xml(now=86400)
    assert "<svDate>1970-01-02T00:00:00.000Z</svDate>" in g
    assert "<lang>fr</lang>" in g and "<extURI>%s</extURI>" % SECDNS in g
    assert "<dcp><access><personal/></access><statement><purpose><prov/></purpose>" in g
    assert "<svDate>" in c.greeting_xml()


@pytest.mark.parametrize("kwargs, field", [
    (dict(server_id="ab"), "server_id"),
    (dict(object_uris=[]), "object_uris"),
    (dict(object_uris=[DOMAIN, DOMAIN]), "object_uris"),
    (dict(extension_uris=["has space"]), "extension_uris"),
    (dict(languages=["en_GB"]), "languages"),
    (dict(versions=["2.0"]), "versions"),
    (dict(versions=[]), "versions"),
    (dict(max_frame_size=10), "max_frame_size"),
    (dict(max_in_flight=0), "limits"),
    (dict(login_deadline=0), "limits"),
    (dict(max_pending_output=100), "max_pending_output"),
    (dict(max_buffered_input=1000), "max_buffered_input"),
    (dict(sv_trid_prefix="has space"), "sv_trid_prefix"),
    (dict(dcp=libepp.Dcp(statements=[])), "dcp"),
    (dict(dcp=libepp.Dcp(statements=[libepp.DcpStatement([], ["ours"], "stated")])), "dcp"),
    (dict(dcp=libepp.Dcp(statements=[libepp.DcpStatement(["admin"], [], "stated")])), "dcp"),
    (dict(dcp=libepp.Dcp(statements=[libepp.DcpStatement(["admin"], [("ours", "")], "stated")])), "dcp"),
    (dict(dcp=libepp.Dcp(statements=[libepp.DcpStatement(["admin"], [("ours", "x" * 256)], "stated")])), "dcp"),
])
def test_config_errors(kwargs: dict, field: str) -> None:
    server_id = kwargs.pop("server_id", "Example EPP server")
    kwargs.setdefault("object_uris", [DOMAIN])
    with pytest.raises(libepp.ConfigError) as ei:
        libepp.Config(server_id, **kwargs)
    assert ei.value.field == field
    assert ei.value.reason
    assert field in str(ei.value)


def test_dcp_values_and_greeting() -> None:
    d = libepp.Dcp()
    assert d.access == "all" and d.expiry_absolute is None and d.expiry_relative is None
    (st,) = d.statements
    assert (st.purposes, st.recipients, st.retention) == (["admin", "prov"], ["ours", "public"], "stated")
    assert repr(d) == "Dcp('all', [DcpStatement(['admin', 'prov'], ['ours', 'public'], 'stated')])"
    statements = [
        libepp.DcpStatement(["prov", "admin", "contact", "other"],
                            ["unrelated", ("ours", "Registrars <&> resellers"), "ours", "other", "same", "public"],
                            "business"),
        libepp.DcpStatement(["other"], ["same"], "indefinite"),
    ]
    d = libepp.Dcp("personal_and_other", statements, expiry_relative=86400.9)
    assert d.statements == statements and d.statements[0].recipients[1] == ("ours", "Registrars <&> resellers")
    assert d.expiry_relative == 86400.9 and d != libepp.Dcp()
    g = libepp.Config("Example EPP server", object_uris=[DOMAIN], dcp=d).greeting_xml(now=T0)
    assert ("<dcp><access><personalAndOther/></access><statement><purpose><admin/><contact/><other/><prov/>"
            "</purpose><recipient><other/><ours><recDesc>Registrars &lt;&amp;&gt; resellers</recDesc></ours>"
            "<ours/><public/><same/><unrelated/></recipient><retention><business/></retention></statement>"
            "<statement><purpose><other/></purpose><recipient><same/></recipient><retention><indefinite/>"
            "</retention></statement><expiry><relative>PT86400S</relative></expiry></dcp>") in g
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    d = libepp.Dcp("none", expiry_absolute=when)
    assert d.expiry_absolute == when.timestamp() and d.expiry_relative is None
    g = libepp.Config("Example EPP server", object_uris=[DOMAIN], dcp=d).greeting_xml(now=T0)
    assert "<access><none/></access>" in g and "<expiry><absolute>2030-01-01T00:00:00.000Z</absolute></expiry>" in g
    for access in ("null", "other", "personal"):
        assert libepp.Dcp(access).access == access  # type: ignore[arg-type]
    for retention in ("legal", "none", "stated"):
        assert libepp.DcpStatement(["admin"], ["ours"], retention).retention == retention  # type: ignore[arg-type]


def test_dcp_argument_errors() -> None:
    with pytest.raises(ValueError):
        libepp.Dcp("everyone")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        libepp.Dcp(expiry_absolute=T0, expiry_relative=60)
    with pytest.raises(ValueError):
        libepp.Dcp(expiry_relative=-1)
    with pytest.raises(ValueError):
        libepp.DcpStatement(["marketing"], ["ours"], "stated")  # type: ignore[list-item]
    with pytest.raises(ValueError):
        libepp.DcpStatement(["admin"], ["everyone"], "stated")  # type: ignore[list-item]
    with pytest.raises(ValueError):
        libepp.DcpStatement(["admin"], ["ours"], "forever")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        libepp.DcpStatement(["admin"], [("public", "x")], "stated")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        libepp.DcpStatement("admin", ["ours"], "stated")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        libepp.Dcp("all", [libepp.Dcp()])  # type: ignore[list-item]


def test_server_shares_svtrids_and_starts_the_epoch() -> None:
    c = make_config(sv_trid_prefix="EX")
    server = libepp.Server(c, now=1.5)
    assert server.config is c and server.registrar_sessions is None
    assert repr(server) == "Server(server_id='Example EPP server')"
    ids = []
    for _ in range(2):  # two sessions of one server: one svTRID sequence
        s = libepp.Session(server, now=T0)
        assert s.server is server and s.config is c
        s.take_output()
        s.feed_input(frame(login_xml()), now=T0)
        s.poll_queue().accept()
        ids += re.findall(r"<svTRID>(.*?)</svTRID>", "".join(unframe(s.take_output())))
    assert ids[0].startswith("EX-1500") and ids[0].endswith("-1") and ids[1] == ids[0][:-1] + "2"
    s = logged_in(make_config(sv_trid_prefix="EX", sv_trid_epoch=42))
    s.feed_input(frame(HELLO) + frame(logout_xml()), now=T0)
    assert "<svTRID>EX-42-2</svTRID>" in "".join(unframe(s.take_output()))
    with pytest.raises(TypeError) as ei:
        libepp.Session(c)  # type: ignore[arg-type]
    assert "libepp.Server(config)" in str(ei.value)
    with pytest.raises(TypeError):
        libepp.Session("server")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        libepp.Server("config")  # type: ignore[arg-type]


def test_config_type_and_value_errors() -> None:
    with pytest.raises(TypeError):
        libepp.Config("Example EPP server", object_uris=DOMAIN)  # type: ignore[arg-type] # a str is not a list
    with pytest.raises(TypeError):
        libepp.Config("Example EPP server", nonsense=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        libepp.Config("Example EPP server", [DOMAIN])  # type: ignore[misc]
    with pytest.raises(ValueError):
        libepp.Config("Example EPP server", idle_timeout=-1)
    with pytest.raises(ValueError):
        libepp.Config("Example EPP server", login_deadline=float("nan"))
    with pytest.raises(OverflowError):
        libepp.Config("Example EPP server", max_in_flight=-1)


def test_greeting_login_and_state() -> None:
    s = new_session(make_config(), now=T0)
    assert s.state == "awaiting_login"
    assert s.client_id is None and s.close_reason is None and not s.is_finished
    assert s.next_timeout() == T0 + 60
    (greeting,) = unframe(s.take_output())
    assert "<greeting>" in greeting and "<svID>Example EPP server</svID>" in greeting
    assert s.take_output() == b""
    assert s.wants_input() and s.buffered_input == 0
    data = frame(login_xml(exts=(SECDNS,)))
    assert s.feed_input(data, now=T0 + 1) is None
    assert s.state == "login_pending"
    assert not s.wants_input()  # a login is with the host
    assert s.next_timeout() is None  # timers stop while the host holds a request
    req = s.poll_queue()
    assert isinstance(req, libepp.LoginRequest)
    assert req.kind == "login" and req.id == 1
    assert (req.client_id, req.password, req.new_password) == ("registrar1", "secret-pw1", None)
    assert req.lang == "en" and req.object_uris == [DOMAIN] and req.extension_uris == [SECDNS]
    assert req.client_transaction_id == "ABC-1" and req.extension_xml is None
    assert req.session is s
    assert not req.answered
    assert "secret-pw1" not in repr(req) and "<redacted>" in repr(req)
    assert s.poll_queue() is None
    assert req.accept() == 1000
    assert req.answered
    assert s.state == "logged_in" and s.client_id == "registrar1" and s.wants_input()
    assert s.next_timeout() == T0 + 1 + 600
    (resp,) = unframe(s.take_output())
    assert '<result code="1000">' in resp and "<clTRID>ABC-1</clTRID>" in resp
    assert "<svTRID>%s</svTRID>" % req.server_transaction_id in resp
    assert repr(s) == "<Session state=logged_in client_id='registrar1' outstanding=0>"
    assert s.config.server_id == "Example EPP server"


def test_login_answers() -> None:
    cases = [("reject_credentials", 2200), ("account_disabled", 2201), ("session_limit_exceeded", 2502)]
    for method, code in cases:
        s = new_session(make_config(), now=T0)
        s.take_output()
        s.feed_input(frame(login_xml()), now=T0)
        (req,) = s.drain_queue()
        assert getattr(req, method)() == code
        assert codes(s.take_output()) == [code]
    s = new_session(make_config(), now=T0)
    s.take_output()
    s.feed_input(frame(login_xml(new_pw="new-secret-9")), now=T0)
    (req,) = s.drain_queue()
    assert req.new_password == "new-secret-9"
    assert req.fail("database down") is None
    (body,) = unframe(s.take_output())
    assert '<result code="2400">' in body and "database down" in body
    assert s.state == "awaiting_login"


def test_too_many_failed_logins_closes() -> None:
    s = new_session(make_config(max_failed_logins=2), now=T0)
    s.take_output()
    s.feed_input(frame(login_xml(pw="wrong-pw-1")), now=T0)
    assert s.poll_queue().reject_credentials() == 2200
    s.feed_input(frame(login_xml(pw="wrong-pw-2")), now=T0)
    assert s.poll_queue().reject_credentials() == 2501
    assert s.close_reason == "too_many_failed_logins"
    end = s.poll_queue()
    assert isinstance(end, libepp.SessionEnd) and end.kind == "session_end"
    assert end.reason == "too_many_failed_logins" and end.session is s
    assert codes(s.take_output()) == [2200, 2501]
    assert s.is_finished and s.state == "closed"


def test_registrar_session_limit() -> None:
    rs = libepp.RegistrarSessions(1)
    assert rs.max_per_client == 1 and repr(rs) == "RegistrarSessions(max_per_client=1)"
    server = libepp.Server(make_config(), now=T0, registrar_sessions=rs)
    assert server.registrar_sessions is rs
    assert repr(server) == "Server(server_id='Example EPP server', registrar_sessions=RegistrarSessions(max_per_client=1))"
    first = libepp.Session(server, now=T0)
    first.take_output()
    first.feed_input(frame(login_xml()), now=T0)
    assert first.poll_queue().accept() == 1000
    assert rs.count("registrar1") == 1
    s = libepp.Session(server, now=T0)
    s.take_output()
    s.feed_input(frame(login_xml()), now=T0)
    assert s.poll_queue().accept() == 2502  # accepted, but over the limit
    assert s.close_reason == "session_limit_exceeded"
    # Another server sharing the counter counts against the same limit.
    other = libepp.Session(libepp.Server(make_config(), registrar_sessions=rs), now=T0)
    other.take_output()
    other.feed_input(frame(login_xml()), now=T0)
    assert other.poll_queue().accept() == 2502
    first.feed_input(frame(logout_xml()), now=T0)
    assert codes(first.take_output()) == [1000, 1500]
    assert rs.count("registrar1") == 0


def test_poll_message_and_ack() -> None:
    s = logged_in()
    s.feed_input(frame(poll_xml()) + frame(poll_xml("ack", "42", "ACK-1")) + frame(poll_xml(cltrid="POLL-2")), now=T0)
    p, a, p2 = list(s)
    assert isinstance(p, libepp.PollRequest) and p.kind == "poll"
    assert p.client_id == "registrar1" and p.client_transaction_id == "POLL-1" and p.extension_xml is None
    assert isinstance(a, libepp.PollAckRequest) and a.kind == "poll_ack"
    assert a.message_id == 42 and a.client_transaction_id == "ACK-1" and a.extension_xml is None
    assert a.client_id == "registrar1"
    queued = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.timezone.utc)
    p.message(42, 2, queued, "Transfer requested", lang="fr",
              res_data='<domain:trnData xmlns:domain="%s"><domain:name>a.example</domain:name></domain:trnData>' % DOMAIN)
    a.acked(remaining=1)
    p2.empty()
    bodies = unframe(s.take_output())
    assert [int(re.search(r'code="(\d+)"', b).group(1)) for b in bodies] == [1301, 1000, 1300]
    # each request carries the svTRID of its own response
    for req, body in zip((p, a, p2), bodies):
        assert "<svTRID>%s</svTRID>" % req.server_transaction_id in body
    assert '<msgQ count="2" id="42"><qDate>2027-01-15T12:00:00.000Z</qDate><msg lang="fr">Transfer requested</msg></msgQ>' in bodies[0]
    assert "<resData><domain:trnData" in bodies[0]
    assert '<msgQ count="1" id="42"/>' in bodies[1]


def test_poll_ack_unknown_and_non_numeric() -> None:
    s = logged_in()
    s.feed_input(frame(poll_xml("ack", "7")) + frame(poll_xml("ack", "not-a-number")), now=T0)
    (a,) = s.drain_queue()  # the non-numeric msgID is answered by the core (2303)
    a.unknown()
    assert codes(s.take_output()) == [2303, 2303]


def test_command_respond_variants() -> None:
    s = logged_in()
    s.feed_input(b"".join(frame(command_xml(cltrid="CMD-%d" % i)) for i in range(5)), now=T0)
    reqs = s.drain_queue()
    assert len(reqs) == 5 and s.outstanding == 5
    c = reqs[0]
    assert isinstance(c, libepp.CommandRequest) and c.kind == "command"
    assert c.verb == "check" and c.transfer_op is None and c.object_uri == DOMAIN
    assert c.object_xml.startswith("<domain:check") and 'xmlns:domain="%s"' % DOMAIN in c.object_xml
    assert c.extension_uris == [] and c.extension_xml is None
    assert c.client_id == "registrar1" and c.client_transaction_id == "CMD-0"
    assert repr(c).startswith("CommandRequest(id=2, client_id='registrar1', verb='check'")
    # answered out of order: responses still come in command order
    reqs[4].fail()
    reqs[3].respond(libepp.Response(2302, "taken", values=['<domain:name xmlns:domain="%s">a.example</domain:name>' % DOMAIN]))
    reqs[2].respond(2306, "policy", ext_values=[('<domain:name xmlns:domain="%s">a.example</domain:name>' % DOMAIN, "reserved")])
    reqs[1].respond(message="fine", lang="en")
    c.respond(1000, res_data='<domain:chkData xmlns:domain="%s"><domain:cd><domain:name avail="1">a.example</domain:name></domain:cd></domain:chkData>' % DOMAIN)
    out = s.take_output()
    assert codes(out) == [1000, 1000, 2306, 2302, 2400]
    bodies = unframe(out)
    assert "<domain:chkData" in bodies[0]
    for req, body in zip(reqs, bodies):
        assert "<svTRID>%s</svTRID>" % req.server_transaction_id in body
    assert "<msg>fine</msg>" in bodies[1]
    assert "<extValue><value><domain:name" in bodies[2] and "<reason>reserved</reason>" in bodies[2]
    assert "<value><domain:name" in bodies[3] and "<msg>taken</msg>" in bodies[3]
    assert [re.search(r"<clTRID>(.*?)</clTRID>", b).group(1) for b in bodies] == ["CMD-0", "CMD-1", "CMD-2", "CMD-3", "CMD-4"]
    assert s.outstanding == 0


def test_transfer_and_extension_command() -> None:
    s = logged_in(make_config())
    ext = '<secDNS:create xmlns:secDNS="%s"><secDNS:maxSigLife>604800</secDNS:maxSigLife></secDNS:create>' % SECDNS
    xml = ('<epp xmlns="%s"><command><transfer op="request"><domain:transfer xmlns:domain="%s">'
           "<domain:name>a.example</domain:name></domain:transfer></transfer><extension>%s</extension>"
           "<clTRID>T-1</clTRID></command></epp>" % (EPP, DOMAIN, ext))
    # the client logged in without the secDNS extURI: 2103, no request
    s.feed_input(frame(xml), now=T0)
    assert s.poll_queue() is None
    assert codes(s.take_output()) == [2103]
    s2 = new_session(make_config(), now=T0)
    s2.take_output()
    s2.feed_input(frame(login_xml(exts=(SECDNS,))), now=T0)
    s2.poll_queue().accept()
    s2.take_output()
    s2.feed_input(frame(xml), now=T0)
    (c,) = s2.drain_queue()
    assert c.verb == "transfer" and c.transfer_op == "request"
    assert c.extension_uris == [SECDNS] and "maxSigLife" in (c.extension_xml or "")
    c.respond(1001)
    assert codes(s2.take_output()) == [1001]


def test_closing_response_from_host() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) + frame(command_xml(cltrid="CMD-2")), now=T0)
    first, second = s.drain_queue()
    first.respond(2500, "going down")
    assert s.close_reason == "closing_response" and s.close_reason.code == 2500
    with pytest.raises(libepp.SessionClosedError) as ei:
        second.respond(1000)  # dropped: nothing is written after a closing response
    assert ei.value.reason == "closing_response"
    rest = s.drain_queue()
    assert [r.kind for r in rest] == ["session_end"]
    assert codes(s.take_output()) == [2500]
    assert s.is_finished


def test_answer_twice_raises_already_answered() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) + frame(poll_xml()) + frame(poll_xml("ack", "1")), now=T0)
    c, p, a = s.drain_queue()
    c.respond(1000)
    p.empty()
    a.acked(0)
    for call in (lambda: c.respond(1000), c.fail, p.empty, lambda: p.message(1, 1, T0, "x"),
                 a.unknown, lambda: a.acked(1)):
        with pytest.raises(libepp.AlreadyAnsweredError) as ei:  # the core's refusal
            call()
        assert isinstance(ei.value, libepp.UnknownRequestError)
        assert ei.value.request_id in (c.id, p.id, a.id)
        assert "already answered" in str(ei.value)
    with pytest.raises(libepp.AlreadyAnsweredError):
        s.answer_failure(c.id)  # through the session too
    with pytest.raises(libepp.UnknownRequestError) as ei:
        s.answer_failure(999)
    assert not isinstance(ei.value, libepp.AlreadyAnsweredError) and ei.value.request_id == 999
    assert codes(s.take_output()) == [1000, 1300, 1000]


def test_poll_and_ack_may_take_full_responses() -> None:
    s = logged_in()
    s.feed_input(frame(poll_xml()) + frame(poll_xml("ack", "3")), now=T0)
    p, a = s.drain_queue()
    p.respond(2400, "queue offline")
    a.respond(libepp.Response(2201, "not yours"))
    assert codes(s.take_output()) == [2400, 2201]


def test_logout_and_session_end() -> None:
    s = logged_in()
    s.feed_input(frame(logout_xml()), now=T0)
    (end,) = s.drain_queue()
    assert end.reason == "logout" and end.reason.kind == "logout"
    assert str(end.reason) == "client logged out"
    assert repr(end) == "SessionEnd(reason='logout')"
    assert s.state == "closing" and not s.is_finished
    assert codes(s.take_output()) == [1500]
    assert s.is_finished and s.state == "closed"
    assert s.next_timeout() is None
    with pytest.raises(libepp.SessionClosedError) as ei:
        s.feed_input(frame(HELLO))
    assert ei.value.reason == "logout"
    assert isinstance(ei.value.reason, libepp.CloseReason)


def test_hello_and_output_consume() -> None:
    s = logged_in()
    s.feed_input(frame(HELLO), now=T0)
    out = s.output()
    assert out and s.output() == out  # output() does not take
    s.consume_output(10)
    assert s.output() == out[10:]
    s.consume_output(len(out))
    assert s.output() == b"" and s.take_output() == b""
    assert "<greeting>" in out[10:].decode(errors="replace")


def test_iteration_and_request_iterator() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) * 1 + frame(command_xml(cltrid="CMD-X2")), now=T0)
    it = iter(s)
    assert isinstance(it, libepp.RequestIterator) and iter(it) is it
    first = next(it)
    assert first.kind == "command"
    rest = list(it)
    assert len(rest) == 1
    with pytest.raises(StopIteration):
        next(it)
    for r in [first] + rest:
        r.respond()
    assert codes(s.take_output()) == [1000, 1000]


def test_timeouts() -> None:
    s = new_session(make_config(login_deadline=5), now=T0)
    assert s.next_timeout() == T0 + 5
    assert s.handle_timeout(now=T0 + 4.9) is False
    assert s.handle_timeout(now=T0 + 5) is True
    assert s.close_reason == "login_deadline"
    # A timeout adds no response, but output already rendered (here the
    # greeting, never taken) is still written before the session finishes.
    assert not s.is_finished
    s.take_output()
    assert s.is_finished
    s = logged_in(make_config(idle_timeout=10))
    assert s.next_timeout() == T0 + 10
    s.feed_input(frame(HELLO), now=T0 + 3)
    assert s.next_timeout() == T0 + 13
    assert not s.handle_timeout(now=datetime.datetime.fromtimestamp(T0 + 12, datetime.timezone.utc))
    assert s.handle_timeout(now=datetime.datetime.fromtimestamp(T0 + 13, datetime.timezone.utc))
    assert s.close_reason == "idle_timeout"


def test_now_arguments() -> None:
    before = time.time()
    s = libepp.Session(libepp.Server(make_config(login_deadline=60)))
    t = s.next_timeout()
    assert t is not None and before + 60 - 1 <= t <= time.time() + 60 + 1
    s = new_session(make_config(), now=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))  # type: ignore[arg-type]
    assert "<svDate>2027-01-01T00:00:00.000Z</svDate>" in unframe(s.take_output())[0]
    s = new_session(make_config(), now=1_800_000_000)  # an int is fine
    for bad in ("2027-01-01", [1.0], object()):
        with pytest.raises(TypeError):
            s.feed_input(b"", now=bad)  # type: ignore[arg-type]
    for bad_value in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            s.handle_timeout(now=bad_value)


def test_feed_input_accepts_bytes_like() -> None:
    s = logged_in()
    data = frame(HELLO)
    s.feed_input(bytearray(data[:10]), now=T0)
    assert s.buffered_input == 10
    s.feed_input(memoryview(data)[10:], now=T0)
    assert s.buffered_input == 0
    assert "<greeting>" in unframe(s.take_output())[0]
    for bad in ("text", 12, None, [1, 2]):
        with pytest.raises(TypeError):
            s.feed_input(bad)  # type: ignore[arg-type]


def test_transaction_log() -> None:
    s = logged_in(make_config(transaction_log=True))
    s.feed_input(frame(command_xml(cltrid="TL-1")), now=T0 + 2)
    s.poll_queue().respond(2303)
    s.take_output()
    records = s.drain_transactions()
    assert [r.command for r in records] == ["login", "check"]
    login, check = records
    assert login.code == 1000 and login.client_transaction_id == "ABC-1" and login.received_at == T0
    assert login.client_id == "registrar1" and check.client_id == "registrar1"
    assert check.code == 2303 and check.client_transaction_id == "TL-1" and check.received_at == T0 + 2
    assert check.server_transaction_id and check.server_transaction_id != login.server_transaction_id
    assert repr(check).startswith("TransactionRecord(command='check', code=2303, client_id='registrar1'")
    assert s.poll_transaction() is None


def test_close_reason_value() -> None:
    s = logged_in()
    s.close()
    r = s.close_reason
    assert r is not None and r == "host" and r != "logout" and r.kind == "host"
    assert r == s.close_reason and hash(r) == hash("host")
    assert r.code is None and r.length is None and r.limit is None and r.received is None
    assert "host" in repr(r)
    assert s.is_finished
    assert (r == 3) is False


def test_response_and_poll_message_values() -> None:
    r = libepp.Response()
    assert (r.code, r.message, r.values, r.ext_values) == (1000, None, [], [])
    r = libepp.Response(2302, "taken", lang="en", res_data="<x:a xmlns:x='urn:x'/>", values=["<x:v xmlns:x='urn:x'/>"],
                        ext_values=[("<x:w xmlns:x='urn:x'/>", "why")])
    assert r.code == 2302 and r.message == "taken" and r.ext_values == [("<x:w xmlns:x='urn:x'/>", "why")]
    assert repr(r).startswith("Response(code=2302, message='taken'")
    with pytest.raises(libepp.InvalidAnswerError):
        libepp.Response(1234)
    m = libepp.PollMessage(7, 3, datetime.datetime.fromtimestamp(T0, datetime.timezone.utc), "hi", lang="fr")
    assert (m.id, m.count, m.queued_at, m.text, m.lang, m.res_data) == (7, 3, T0, "hi", "fr", None)
    assert repr(m) == "PollMessage(id=7, count=3, queued_at=%s, text='hi')" % T0


def test_session_shared_between_threads() -> None:
    """Many threads feed, answer and take output on one session; every command gets its answer."""
    s = logged_in(make_config(max_in_flight=1000))
    n_threads, per_thread = 4, 50
    errors: list = []
    outputs: list = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        try:
            for i in range(per_thread):
                s.feed_input(frame(command_xml(cltrid="T%d-%d" % (k, i))))
                for req in s:
                    req.respond(1000)
                out = s.take_output()
                with lock:
                    outputs.append(out)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    for req in s:
        req.respond(1000)
    outputs.append(s.take_output())
    all_codes = codes(b"".join(outputs))
    assert all_codes == [1000] * (n_threads * per_thread)
    assert s.outstanding == 0


def test_gil_released_during_large_input() -> None:
    """While feed_input works through a large input, other Python threads keep running."""
    config = make_config(max_pending_output=512 * 1024 * 1024, max_buffered_input=8 * 1024 * 1024)
    s = logged_in(config)
    data = frame(HELLO) * 60_000  # ~3 MB in, ~40 MB of greetings out
    stamps: list = []
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            stamps.append(time.perf_counter())

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        s.feed_input(data, now=T0)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert len(unframe(s.take_output())) == 60_000
    assert end - start > 0.02, "input too small to measure"
    inside = [x for x in stamps if start + (end - start) * 0.25 < x < end - (end - start) * 0.25]
    assert inside, "no other thread ran during feed_input (%.3fs)" % (end - start)


def test_answers_through_the_session() -> None:
    """Session.answer_* mirror the core's verbs; the request objects' methods are the same calls."""
    s = new_session()
    s.take_output()
    s.feed_input(frame(login_xml()), now=T0)
    (login,) = s.drain_queue()
    assert s.answer_login(login.id, "accepted") == 1000
    assert not login.answered  # answered through the session, not through the object
    s.feed_input(b"".join(frame(x) for x in (
        poll_xml(), poll_xml("ack", "7"), poll_xml("ack", "8"), command_xml(), command_xml(cltrid="CMD-2"),
        poll_xml(cltrid="POLL-2"))), now=T0)
    p, a, a2, c, c2, p2 = s.drain_queue()
    s.answer_poll(p.id, libepp.PollMessage(7, 2, T0 + 0.123, "hello", lang="fr"))
    s.answer_ack(a.id, 1)
    s.answer_ack(a2.id)
    s.answer_command(c.id, libepp.Response(2302, "taken"))
    s.answer_failure(c2.id, "database down")
    s.answer_command(p2.id, libepp.Response(2400, "queue offline"))
    bodies = unframe(s.take_output())
    assert codes(s.take_output()) == []
    assert [int(re.search(r'code="(\d+)"', b).group(1)) for b in bodies] == [1000, 1301, 1000, 2303, 2302, 2400, 2400]
    assert '<msgQ count="2" id="7"><qDate>2027-01-15T08:00:00.123Z</qDate><msg lang="fr">hello</msg></msgQ>' in bodies[1]
    assert '<msgQ count="1" id="7"/>' in bodies[2] and "database down" in bodies[5]
    for rs in ("bad_credentials", "account_disabled", "session_limit_exceeded", "failed"):
        s = new_session()
        s.feed_input(frame(login_xml()), now=T0)
        code = s.answer_login(s.poll_queue().id, rs)  # type: ignore[arg-type]
        assert code == {"bad_credentials": 2200, "account_disabled": 2201,
                        "session_limit_exceeded": 2502, "failed": 2400}[rs]


def test_poll_and_ack_carry_their_extension() -> None:
    s = new_session()
    s.take_output()
    s.feed_input(frame(login_xml(exts=(SECDNS,))), now=T0)
    s.poll_queue().accept()
    ext = '<secDNS:update xmlns:secDNS="%s"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update>' % SECDNS
    for op, msg_id in (("req", None), ("ack", "5")):
        xml = ('<epp xmlns="%s"><command><poll op="%s"%s/><extension>%s</extension><clTRID>X-%s</clTRID>'
               "</command></epp>" % (EPP, op, ' msgID="%s"' % msg_id if msg_id else "", ext, op))
        s.feed_input(frame(xml), now=T0)
    p, a = s.drain_queue()
    assert isinstance(p, libepp.PollRequest) and isinstance(a, libepp.PollAckRequest)
    for r in (p, a):
        assert r.extension_xml is not None and "<secDNS:all>true</secDNS:all>" in r.extension_xml
        assert 'xmlns:secDNS="%s"' % SECDNS in r.extension_xml
        assert r.client_id == "registrar1"
    p.empty()
    a.unknown()
    assert codes(s.take_output()) == [1000, 1300, 2303]


def test_close_drops_output_not_taken() -> None:
    s = logged_in()
    s.feed_input(frame(HELLO), now=T0)
    assert s.output()
    s.close()
    assert s.output() == b"" and s.take_output() == b"" and s.is_finished
    assert [r.kind for r in s.drain_queue()] == ["session_end"]
    s = logged_in()
    s.feed_input(frame(logout_xml()), now=T0)
    assert s.state == "closing" and s.output()
    s.close()  # also when it was already closing
    assert s.output() == b"" and s.is_finished and s.close_reason == "logout"


def test_times_are_exact_to_the_microsecond() -> None:
    """Unix seconds as floats hold milliseconds only approximately; the binding rounds to the
    microsecond, so .123 is 123 ms (not 122.999...)."""
    c = make_config()
    for now, text in ((1_800_000_000.123, "2027-01-15T08:00:00.123Z"), (0.001, "1970-01-01T00:00:00.001Z"),
                      (1_800_000_059.999, "2027-01-15T08:00:59.999Z")):
        assert "<svDate>%s</svDate>" % text in c.greeting_xml(now=now)
    s = new_session(make_config(login_deadline=0.3), now=T0)
    assert s.next_timeout() == T0 + 0.3
    assert not s.handle_timeout(now=T0 + 0.299)
    assert s.handle_timeout(now=T0 + 0.3)


def test_responses_with_several_results() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) + frame(command_xml(cltrid="CMD-2")), now=T0)
    c, c2 = s.drain_queue()
    value = '<domain:name xmlns:domain="%s">a.example</domain:name>' % DOMAIN
    more = [libepp.Result(2306, "policy", lang="fr", ext_values=[(value, "reserved")]),
            libepp.Result(2005, values=[value])]
    r = libepp.Response(2308, "data management policy violation", more_results=more)
    assert [m.code for m in r.more_results] == [2306, 2005] and r.more_results[0].lang == "fr"
    assert repr(more[1]) == "Result(code=2005, message=None)"
    with pytest.raises(libepp.InvalidAnswerError):
        libepp.Result(1234)
    c.respond(r)
    c2.respond(2302, more_results=[libepp.Result(2201)])
    bodies = unframe(s.take_output())
    assert re.findall(r'<result code="(\d+)">', bodies[0]) == ["2308", "2306", "2005"]
    assert '<msg lang="fr">policy</msg><extValue><value><domain:name' in bodies[0]
    assert re.findall(r'<result code="(\d+)">', bodies[1]) == ["2302", "2201"]
    s.feed_input(frame(command_xml()), now=T0)
    with pytest.raises(TypeError):
        s.poll_queue().respond(r, more_results=more)  # type: ignore[call-overload]
