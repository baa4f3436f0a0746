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
    SECDNS,
    T0,
    codes,
    command_xml,
    frame,
    logged_in,
    login_xml,
    logout_xml,
    make_config,
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
                libepp.WrongAnswerError, libepp.InvalidXmlError, libepp.InvalidAnswerError):
        assert issubclass(exc, libepp.EppError)
    assert issubclass(libepp.AlreadyAnsweredError, libepp.UnknownRequestError)
    assert issubclass(libepp.EppError, Exception)


def test_config_defaults_and_properties() -> None:
    c = libepp.Config("Example EPP server")
    assert c.server_id == "Example EPP server"
    assert c.object_uris == [DOMAIN, CONTACT, "urn:ietf:params:xml:ns:host-1.0"]
    assert c.extension_uris == []
    assert c.languages == ["en"]
    assert c.versions == ["1.0"]
    assert c.transaction_log is False
    assert c.registrar_sessions is None
    assert c.limits == {
        "max_frame_size": 262144, "max_in_flight": 32, "max_pending_output": 1048576,
        "max_failed_logins": 3, "login_deadline": 60.0, "idle_timeout": 600.0,
        "max_xml_depth": 64, "max_xml_attributes": 32, "max_xml_text": 65536,
    }
    assert repr(c).startswith("Config(server_id='Example EPP server', object_uris=[")


def test_config_keywords() -> None:
    rs = libepp.RegistrarSessions(2)
    c = libepp.Config(
        "Example EPP server", object_uris=[DOMAIN], extension_uris=[SECDNS], languages=["en", "fr"],
        max_frame_size=65536, max_in_flight=4, max_pending_output=65536, max_failed_logins=5,
        login_deadline=1.5, idle_timeout=30, max_xml_depth=16, max_xml_attributes=8,
        max_xml_text=1024, registrar_sessions=rs, sv_trid_prefix="EX", sv_trid_epoch=42,
        transaction_log=True,
    )
    assert c.object_uris == [DOMAIN]
    assert c.languages == ["en", "fr"]
    assert c.limits["login_deadline"] == 1.5
    assert c.limits["idle_timeout"] == 30.0
    assert c.limits["max_in_flight"] == 4
    assert c.registrar_sessions is rs
    assert c.transaction_log is True
    g = c.greeting_xml(now=86400)
    assert "<svDate>1970-01-02T00:00:00.000Z</svDate>" in g
    assert "<lang>fr</lang>" in g and "<extURI>%s</extURI>" % SECDNS in g
    assert "<svDate>" in c.greeting_xml()


@pytest.mark.parametrize("kwargs, field", [
    (dict(server_id="ab"), "server_id"),
    (dict(object_uris=[]), "object_uris"),
    (dict(object_uris=[DOMAIN, DOMAIN]), "object_uris"),
    (dict(extension_uris=["has space"]), "extension_uris"),
    (dict(languages=["en_GB"]), "languages"),
    (dict(versions=["2.0"]), "versions"),
    (dict(max_frame_size=10), "max_frame_size"),
    (dict(max_in_flight=0), "limits"),
    (dict(max_pending_output=100), "max_pending_output"),
    (dict(sv_trid_prefix="has space"), "sv_trid_prefix"),
])
def test_config_errors(kwargs: dict, field: str) -> None:
    server_id = kwargs.pop("server_id", "Example EPP server")
    with pytest.raises(libepp.ConfigError) as ei:
        libepp.Config(server_id, **kwargs)
    assert ei.value.field == field
    assert ei.value.reason
    assert field in str(ei.value)


def test_config_type_and_value_errors() -> None:
    with pytest.raises(TypeError):
        libepp.Config("Example EPP server", object_uris=DOMAIN)  # a str is not a list of URIs
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
    s = libepp.Session(make_config(), now=T0)
    assert s.state == "awaiting_login"
    assert s.client_id is None and s.close_reason is None and not s.is_finished
    assert s.next_timeout() == T0 + 60
    (greeting,) = unframe(s.take_output())
    assert "<greeting>" in greeting and "<svID>Example EPP server</svID>" in greeting
    assert s.take_output() == b""
    data = frame(login_xml(exts=(SECDNS,)))
    assert s.feed_input(data, now=T0 + 1) == len(data)
    assert s.state == "login_pending"
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
    assert s.state == "logged_in" and s.client_id == "registrar1"
    assert s.next_timeout() == T0 + 1 + 600
    (resp,) = unframe(s.take_output())
    assert '<result code="1000">' in resp and "<clTRID>ABC-1</clTRID>" in resp
    assert re.search(r"<svTRID>[^<]+</svTRID>", resp)
    assert repr(s) == "<Session state=logged_in client_id='registrar1' outstanding=0>"
    assert s.config.server_id == "Example EPP server"


def test_login_answers() -> None:
    cases = [("reject_credentials", 2200), ("account_disabled", 2201), ("session_limit_exceeded", 2502)]
    for method, code in cases:
        s = libepp.Session(make_config(), now=T0)
        s.take_output()
        s.feed_input(frame(login_xml()), now=T0)
        (req,) = s.drain_queue()
        assert getattr(req, method)() == code
        assert codes(s.take_output()) == [code]
    s = libepp.Session(make_config(), now=T0)
    s.take_output()
    s.feed_input(frame(login_xml(new_pw="new-secret-9")), now=T0)
    (req,) = s.drain_queue()
    assert req.new_password == "new-secret-9"
    assert req.fail("database down") is None
    (body,) = unframe(s.take_output())
    assert '<result code="2400">' in body and "database down" in body
    assert s.state == "awaiting_login"


def test_too_many_failed_logins_closes() -> None:
    s = libepp.Session(make_config(max_failed_logins=2), now=T0)
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
    c = make_config(registrar_sessions=rs)
    first = logged_in(c)
    assert rs.count("registrar1") == 1
    s = libepp.Session(c, now=T0)
    s.take_output()
    s.feed_input(frame(login_xml()), now=T0)
    assert s.poll_queue().accept() == 2502  # accepted, but over the limit
    assert s.close_reason == "session_limit_exceeded"
    first.feed_input(frame(logout_xml()), now=T0)
    assert codes(first.take_output()) == [1500]
    del first
    import gc

    gc.collect()
    assert rs.count("registrar1") == 0


def test_poll_message_and_ack() -> None:
    s = logged_in()
    s.feed_input(frame(poll_xml()) + frame(poll_xml("ack", "42", "ACK-1")) + frame(poll_xml(cltrid="POLL-2")), now=T0)
    p, a, p2 = list(s)
    assert isinstance(p, libepp.PollRequest) and p.kind == "poll"
    assert p.client_id == "registrar1" and p.client_transaction_id == "POLL-1"
    assert isinstance(a, libepp.PollAckRequest) and a.kind == "poll_ack"
    assert a.message_id == 42 and a.client_transaction_id == "ACK-1"
    queued = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.timezone.utc)
    p.message(42, 2, queued, "Transfer requested", lang="fr",
              res_data='<domain:trnData xmlns:domain="%s"><domain:name>a.example</domain:name></domain:trnData>' % DOMAIN)
    a.acked(remaining=1)
    p2.empty()
    bodies = unframe(s.take_output())
    assert [int(re.search(r'code="(\d+)"', b).group(1)) for b in bodies] == [1301, 1000, 1300]
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
    s2 = libepp.Session(make_config(), now=T0)
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
    with pytest.raises(libepp.UnknownRequestError):
        second.respond(1000)  # dropped: nothing is written after a closing response
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
        with pytest.raises(libepp.AlreadyAnsweredError) as ei:
            call()
        assert isinstance(ei.value, libepp.UnknownRequestError)
        assert ei.value.request_id in (c.id, p.id, a.id)
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
    s = libepp.Session(make_config(login_deadline=5), now=T0)
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
    s = libepp.Session(make_config(login_deadline=60))
    t = s.next_timeout()
    assert t is not None and before + 60 - 1 <= t <= time.time() + 60 + 1
    s = libepp.Session(make_config(), now=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))
    assert "<svDate>2027-01-01T00:00:00.000Z</svDate>" in unframe(s.take_output())[0]
    s = libepp.Session(make_config(), now=1_800_000_000)  # an int is fine
    for bad in ("2027-01-01", [1.0], object()):
        with pytest.raises(TypeError):
            s.feed_input(b"", now=bad)  # type: ignore[arg-type]
    for bad_value in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            s.handle_timeout(now=bad_value)


def test_feed_input_accepts_bytes_like() -> None:
    s = logged_in()
    data = frame(HELLO)
    assert s.feed_input(bytearray(data[:10]), now=T0) == 10
    assert s.feed_input(memoryview(data)[10:], now=T0) == len(data) - 10
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
                data = frame(command_xml(cltrid="T%d-%d" % (k, i)))
                while data:
                    data = data[s.feed_input(data):]
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
    config = make_config(max_pending_output=512 * 1024 * 1024)
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
        assert s.feed_input(data, now=T0) == len(data)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    assert len(unframe(s.take_output())) == 60_000
    assert end - start > 0.02, "input too small to measure"
    inside = [x for x in stamps if start + (end - start) * 0.25 < x < end - (end - start) * 0.25]
    assert inside, "no other thread ran during feed_input (%.3fs)" % (end - start)
