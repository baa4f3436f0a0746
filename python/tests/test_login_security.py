"""RFC 8807 (login security) and RFC 9038 (unhandled namespaces) through the binding:
LoginSecurity and unhandled_namespaces in Config, LoginRequest.user_agent, SecurityEvent, and the
login answers that carry events."""

from __future__ import annotations

import datetime
import re
from typing import Any, List

import pytest

import libepp
from conftest import (
    DOMAIN,
    LOGINSEC,
    SECDNS,
    T0,
    codes,
    frame,
    login_sec_xml,
    login_xml,
    make_config,
    new_session,
    unframe,
)

UTC = datetime.timezone.utc
UNHANDLED = "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"
#: 2020-03-25T00:00:00Z, a date of RFC 8807's examples.
MARCH_25 = 1_584_748_800.0 + 4 * 86400


def secure_config(**kw: Any) -> libepp.Config:
    kw.setdefault("login_security", libepp.LoginSecurity())
    return make_config(**kw)


def login_request(config: libepp.Config, xml: str) -> libepp.LoginRequest:
    s = new_session(config)
    s.take_output()
    s.feed_input(frame(xml), now=T0)
    req = s.poll_queue()
    assert isinstance(req, libepp.LoginRequest), req
    return req


def refused(config: libepp.Config, xml: str) -> str:
    """The response to a login the core refuses itself (no request for the host)."""
    s = new_session(config)
    s.take_output()
    s.feed_input(frame(xml), now=T0)
    assert s.poll_queue() is None
    (body,) = unframe(s.take_output())
    assert s.state == "awaiting_login"
    return body


def test_module_constants() -> None:
    assert libepp.LOGIN_SECURITY_NS == LOGINSEC
    assert libepp.LOGIN_SECURITY_PASSWORD == "[LOGIN-SECURITY]"
    assert libepp.UNHANDLED_NAMESPACES_URI == UNHANDLED


def test_login_security_values() -> None:
    p = libepp.LoginSecurity()
    assert (p.min_password_len, p.max_password_len) == (6, 128)
    assert repr(p) == "LoginSecurity(min_password_len=6, max_password_len=128)"
    assert p == libepp.LoginSecurity(6, 128) and hash(p) == hash(libepp.LoginSecurity(6, 128))
    assert p != libepp.LoginSecurity(max_password_len=64)
    assert libepp.LoginSecurity.SCHEMA_MIN_PASSWORD_LEN == 6
    assert libepp.LoginSecurity.MAX_PASSWORD_LEN_LIMIT == 1024
    with pytest.raises(OverflowError):
        libepp.LoginSecurity(-1)
    with pytest.raises(TypeError):
        libepp.LoginSecurity("6")  # type: ignore[arg-type]


def test_config_offers_login_security_only_when_configured() -> None:
    off = make_config()
    assert off.login_security is None and LOGINSEC not in off.extension_uris
    assert LOGINSEC not in off.greeting_xml(now=T0)
    on = secure_config(login_security=libepp.LoginSecurity(8, 64))
    assert on.login_security == libepp.LoginSecurity(8, 64)
    assert on.extension_uris == [SECDNS, LOGINSEC]  # appended after the others
    assert ("<svcExtension><extURI>%s</extURI><extURI>%s</extURI></svcExtension>" % (SECDNS, LOGINSEC)
            in on.greeting_xml(now=T0))
    # Listed and configured: offered once.
    both = secure_config(extension_uris=[LOGINSEC, SECDNS])
    assert both.extension_uris == [LOGINSEC, SECDNS]


@pytest.mark.parametrize("kwargs, field", [
    (dict(login_security=libepp.LoginSecurity(5, 128)), "login_security"),
    (dict(login_security=libepp.LoginSecurity(20, 19)), "login_security"),
    (dict(login_security=libepp.LoginSecurity(6, 1025)), "login_security"),
    (dict(login_security=libepp.LoginSecurity(6, 200), max_xml_text=100), "login_security"),
    # As a plain extURI, the placeholder would reach the host as a password.
    (dict(extension_uris=[LOGINSEC]), "extension_uris"),
])
def test_config_refuses_bad_login_security(kwargs: dict, field: str) -> None:
    with pytest.raises(libepp.ConfigError) as ei:
        make_config(**kwargs)
    assert ei.value.field == field and ei.value.reason


def test_config_accepts_the_extreme_bounds() -> None:
    for policy in (libepp.LoginSecurity(6, 6), libepp.LoginSecurity(12, 1024), libepp.LoginSecurity(1024, 1024)):
        assert make_config(login_security=policy).login_security == policy


def test_config_unhandled_namespaces() -> None:
    off = make_config()
    assert off.unhandled_namespaces is False and UNHANDLED not in off.greeting_xml(now=T0)
    on = make_config(unhandled_namespaces=True)
    assert on.unhandled_namespaces is True
    assert on.extension_uris == [SECDNS, UNHANDLED]
    assert "<extURI>%s</extURI>" % UNHANDLED in on.greeting_xml(now=T0)
    listed = make_config(extension_uris=[UNHANDLED])
    assert listed.unhandled_namespaces is True and listed.extension_uris == [UNHANDLED]
    assert make_config(extension_uris=[UNHANDLED], unhandled_namespaces=True).extension_uris == [UNHANDLED]
    # A client may now log in with it; without the offer, 2103.
    s = new_session(on)
    s.take_output()
    s.feed_input(frame(login_xml(exts=(UNHANDLED,))), now=T0)
    assert s.poll_queue().accept() == 1000
    assert codes(frame(refused(off, login_xml(exts=(UNHANDLED,))))) == [2103]


def test_long_password_and_user_agent() -> None:
    ua = ("<loginSec:app>EPP SDK 1.0.0</loginSec:app><loginSec:tech>Vendor Java 11.0.6</loginSec:tech>"
          "<loginSec:os>x86_64 Mac OS X 10.21</loginSec:os>")
    req = login_request(secure_config(), login_sec_xml(pw="this is a long password",
                                                        new_pw="new password that is still long", user_agent=ua))
    assert req.password == "this is a long password"
    assert req.new_password == "new password that is still long"
    assert req.user_agent == libepp.UserAgent("EPP SDK 1.0.0", "Vendor Java 11.0.6", "x86_64 Mac OS X 10.21")
    assert req.extension_uris == [LOGINSEC]
    assert req.extension_xml is None  # read into the request, not passed on: it holds passwords
    r = repr(req)
    assert "long password" not in r and "still long" not in r
    assert "user_agent=UserAgent(app='EPP SDK 1.0.0', tech='Vendor Java 11.0.6', os='x86_64 Mac OS X 10.21')" in r
    assert req.accept() == 1000
    assert req.session.state == "logged_in"


def test_user_agent_alone_keeps_the_plain_password() -> None:
    req = login_request(secure_config(), login_sec_xml(pw="short-pw1", new_pw="short-pw2",
                                                        user_agent="<loginSec:os>\n  x86_64\tLinux </loginSec:os>"))
    assert (req.password, req.new_password) == ("short-pw1", "short-pw2")
    ua = req.user_agent
    assert ua is not None and (ua.app, ua.tech, ua.os) == (None, None, "x86_64 Linux")  # collapsed
    # A login without the extension has none.
    plain = login_request(secure_config(), login_xml())
    assert plain.user_agent is None and "user_agent=None" in repr(plain)


def test_user_agent_values() -> None:
    ua = libepp.UserAgent(app="a", os="o")
    assert (ua.app, ua.tech, ua.os) == ("a", None, "o")
    assert ua == libepp.UserAgent("a", None, "o") and ua != libepp.UserAgent("a")
    assert hash(ua) == hash(libepp.UserAgent("a", os="o"))
    assert repr(ua) == "UserAgent(app='a', tech=None, os='o')"
    assert libepp.UserAgent() == libepp.UserAgent(None, None, None)


@pytest.mark.parametrize("policy, pw, code", [
    (libepp.LoginSecurity(), "p" * 129, 2306),  # over the default maximum
    (libepp.LoginSecurity(6, 32), "p" * 33, 2306),
    (libepp.LoginSecurity(24, 30), "p" * 23, 2306),  # under this server's minimum
    (libepp.LoginSecurity(), "seventeen-chars-x", None),  # a long password in <loginSec:pw>: fine
])
def test_password_bounds_are_the_cores(policy: libepp.LoginSecurity, pw: str, code: Any) -> None:
    config = secure_config(login_security=policy)
    if code is None:
        assert login_request(config, login_sec_xml(pw=pw)).password == pw
        return
    body = refused(config, login_sec_xml(pw=pw))
    assert codes(frame(body)) == [code]
    assert "<extValue><value><pw>" in body and pw not in body  # never echoed


def test_new_password_bounds() -> None:
    config = secure_config(login_security=libepp.LoginSecurity(6, 32))
    body = refused(config, login_sec_xml(pw="p" * 20, new_pw="n" * 33))
    assert codes(frame(body)) == [2306] and "<extValue><value><newPW>" in body and "n" * 33 not in body
    req = login_request(config, login_sec_xml(pw="p" * 20, new_pw="n" * 32))
    assert (req.password, req.new_password) == ("p" * 20, "n" * 32)


def test_a_17_character_plain_pw_is_still_2001() -> None:
    body = refused(secure_config(), login_xml(pw="seventeen-chars-x"))
    assert codes(frame(body)) == [2001]


def test_without_login_security_the_extension_is_2103() -> None:
    body = refused(make_config(), login_sec_xml())
    assert codes(frame(body)) == [2103] and "<extURI>%s</extURI>" % LOGINSEC in body
    # and [LOGIN-SECURITY] is just a 16-character password
    req = login_request(make_config(), login_xml(pw="[LOGIN-SECURITY]"))
    assert req.password == "[LOGIN-SECURITY]" and req.user_agent is None


def test_security_event_values() -> None:
    e = libepp.SecurityEvent("password", "warning", expires_at=datetime.datetime(2020, 3, 25, tzinfo=UTC),
                             lang="en", text="Password expiration soon")
    assert (e.type, e.level, e.name, e.expires_at, e.value, e.duration, e.lang, e.text) == (
        "password", "warning", None, MARCH_25, None, None, "en", "Password expiration soon")
    assert repr(e) == ("SecurityEvent('password', 'warning', expires_at=%r, lang='en', "
                       "text='Password expiration soon')" % MARCH_25)
    s = libepp.SecurityEvent("stat", "error", name="failedLogins", value="100", duration=datetime.timedelta(days=1))
    assert (s.type, s.level, s.name, s.value, s.duration) == ("stat", "error", "failedLogins", "100", 86400.0)
    assert s == libepp.SecurityEvent("stat", "error", name="failedLogins", value="100", duration=86400)
    assert hash(s) == hash(libepp.SecurityEvent("stat", "error", name="failedLogins", value="100", duration=86400.0))
    assert s != libepp.SecurityEvent("stat", "error", name="other", value="100", duration=86400)
    assert repr(s) == "SecurityEvent('stat', 'error', name='failedLogins', value='100', duration=86400.0)"
    for kind in ("password", "certificate", "cipher", "tlsProtocol", "newPW", "stat", "custom"):
        assert libepp.SecurityEvent(kind, "warning").type == kind  # type: ignore[arg-type]
    assert libepp.SecurityEvent("custom", "warning", name="x").name == "x"
    assert libepp.SecurityEvent("cipher", "warning", expires_at=MARCH_25 + 0.007).expires_at == MARCH_25 + 0.007
    assert libepp.SecurityEvent("stat", "warning", name="n", duration=0.5).duration == 0.5


@pytest.mark.parametrize("args, kwargs, exc", [
    (("passwd", "warning"), {}, ValueError),
    (("password", "info"), {}, ValueError),
    (("tls_protocol", "warning"), {}, ValueError),  # the RFC's names: tlsProtocol
    (("cipher", "warning"), {"name": "x"}, ValueError),  # only stat and custom are named
    (("stat", "warning"), {"duration": -1.0}, ValueError),
    (("stat", "warning"), {"duration": "P1D"}, TypeError),
    (("stat", "warning"), {"duration": True}, TypeError),
    (("password", "warning"), {"expires_at": "2020-03-25"}, TypeError),
    (("password", "warning"), {"expires_at": -5}, ValueError),
    ((1, "warning"), {}, TypeError),
])
def test_security_event_argument_errors(args: tuple, kwargs: dict, exc: type) -> None:
    with pytest.raises(exc):
        libepp.SecurityEvent(*args, **kwargs)


def rfc_events() -> List[libepp.SecurityEvent]:
    """The events of RFC 8807 section 4.2's successful login."""
    E = libepp.SecurityEvent
    return [
        E("password", "warning", expires_at=MARCH_25, lang="en", text="Password expiration soon"),
        E("certificate", "warning", expires_at=MARCH_25 + 7 * 86400),
        E("cipher", "warning", value="TLS_RSA_WITH_AES_128_CBC_SHA", text="Non-PFS Cipher negotiated"),
        E("tlsProtocol", "warning", value="TLSv1.0", text="Insecure TLS protocol"),
        E("stat", "warning", name="failedLogins", value="100", duration=86400, text="Excessive invalid daily logins"),
        E("custom", "warning", name="myCustomEvent", text="A custom login security event occurred"),
    ]


RFC_EVENTS_XML = (
    '<extension><loginSec:loginSecData xmlns:loginSec="%s">'
    '<loginSec:event type="password" level="warning" exDate="2020-03-25T00:00:00Z" lang="en">Password expiration soon</loginSec:event>'
    '<loginSec:event type="certificate" level="warning" exDate="2020-04-01T00:00:00Z"/>'
    '<loginSec:event type="cipher" level="warning" value="TLS_RSA_WITH_AES_128_CBC_SHA">Non-PFS Cipher negotiated</loginSec:event>'
    '<loginSec:event type="tlsProtocol" level="warning" value="TLSv1.0">Insecure TLS protocol</loginSec:event>'
    '<loginSec:event type="stat" name="failedLogins" level="warning" value="100" duration="P1D">Excessive invalid daily logins</loginSec:event>'
    '<loginSec:event type="custom" name="myCustomEvent" level="warning">A custom login security event occurred</loginSec:event>'
    "</loginSec:loginSecData></extension>" % LOGINSEC)


def test_accept_with_the_rfc_events() -> None:
    req = login_request(secure_config(), login_sec_xml(pw="this is a long password"))
    assert req.accept(events=rfc_events()) == 1000
    (body,) = unframe(req.session.take_output())
    assert ('<result code="1000"><msg>Command completed successfully</msg></result>%s<trID>' % RFC_EVENTS_XML) in body
    assert req.answered and req.session.state == "logged_in"


@pytest.mark.parametrize("method, code, state", [
    ("accept", 1000, "logged_in"),
    ("reject_credentials", 2200, "awaiting_login"),
    ("account_disabled", 2201, "awaiting_login"),
    ("session_limit_exceeded", 2502, "closed"),
])
def test_every_login_answer_takes_events(method: str, code: int, state: str) -> None:
    req = login_request(secure_config(), login_sec_xml())
    expired = libepp.SecurityEvent("certificate", "error", expires_at=MARCH_25,
                                   text='Client certificate expired <today> & "now"')
    assert getattr(req, method)(events=(expired,)) == code  # any sequence
    (body,) = unframe(req.session.take_output())
    assert codes(frame(body)) == [code] and req.session.state == state
    assert ('</result><extension><loginSec:loginSecData xmlns:loginSec="%s"><loginSec:event type="certificate" '
            'level="error" exDate="2020-03-25T00:00:00Z">Client certificate expired &lt;today&gt; &amp; "now"'
            "</loginSec:event></loginSec:loginSecData></extension>" % LOGINSEC) in body


def test_fail_with_a_message_or_events() -> None:
    weak = libepp.SecurityEvent("newPW", "error", text="New password does not meet complexity requirements")
    req = login_request(secure_config(), login_sec_xml())
    assert req.fail(events=[weak]) is None
    (body,) = unframe(req.session.take_output())
    assert codes(frame(body)) == [2400] and '<loginSec:event type="newPW" level="error">' in body
    req = login_request(secure_config(), login_sec_xml())
    with pytest.raises(TypeError):
        req.fail("database down", events=[weak])  # the core carries one or the other
    assert not req.answered and req.session.output() == b""
    req.fail("database down", events=[])
    (body,) = unframe(req.session.take_output())
    assert codes(frame(body)) == [2400] and "database down" in body and "<extension>" not in body


def test_no_events_is_the_plain_answer() -> None:
    plain = login_request(secure_config(), login_sec_xml())
    plain.accept()
    empty = login_request(secure_config(), login_sec_xml())
    empty.accept(events=[])
    none = login_request(secure_config(), login_sec_xml())
    none.accept(events=None)
    # (each server has svTRIDs of its own)
    outs = [re.sub(r"<svTRID>[^<]*</svTRID>", "", b) for r in (plain, empty, none) for b in unframe(r.session.take_output())]
    assert len(outs) == 3 and outs[0] == outs[1] == outs[2] and "<extension>" not in outs[0]


def test_events_for_a_client_without_the_extension_go_to_ext_value() -> None:
    req = login_request(secure_config(), login_xml(exts=(SECDNS,)))
    assert req.accept(events=rfc_events()) == 1000
    (body,) = unframe(req.session.take_output())
    assert "<extension>" not in body
    assert ('<result code="1000"><msg>Command completed successfully</msg><extValue><value>'
            '<loginSec:loginSecData xmlns:loginSec="%s"><loginSec:event type="password"' % LOGINSEC) in body
    assert re.search(r"</value><reason>[^<]*%s[^<]*</reason></extValue>" % re.escape(LOGINSEC), body), body


@pytest.mark.parametrize("bad", [
    libepp.SecurityEvent("password", "warning"),  # needs exDate
    libepp.SecurityEvent("certificate", "error"),
    libepp.SecurityEvent("stat", "warning"),  # needs a name
    libepp.SecurityEvent("custom", "warning", name="  "),
    libepp.SecurityEvent("cipher", "warning", lang="not a tag"),
])
def test_invalid_events_answer_nothing(bad: libepp.SecurityEvent) -> None:
    req = login_request(secure_config(), login_sec_xml())
    s = req.session
    with pytest.raises(libepp.InvalidAnswerError) as ei:
        req.reject_credentials(events=[libepp.SecurityEvent("newPW", "warning"), bad])
    assert ei.value.reason
    with pytest.raises(libepp.InvalidAnswerError):
        s.answer_login(req.id, "accepted", [bad])
    assert not req.answered and s.output() == b"" and s.state == "login_pending"
    assert req.accept() == 1000  # the request still takes its answer


def test_events_must_be_security_events() -> None:
    req = login_request(secure_config(), login_sec_xml())
    for bad in ([1], ["password"], "password", [libepp.UserAgent()]):
        with pytest.raises(TypeError):
            req.accept(events=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        req.accept([libepp.SecurityEvent("newPW", "warning")])  # type: ignore[misc]  # keyword only
    assert not req.answered


def test_session_answer_login_with_events() -> None:
    event = libepp.SecurityEvent("tlsProtocol", "warning", value="TLSv1.1", text="Deprecated TLS protocol")
    for answer, code, events in (("accepted", 1000, [event]), ("bad_credentials", 2200, [event]),
                                 ("failed", 2400, [event]), ("accepted", 1000, None)):
        req = login_request(secure_config(), login_sec_xml())
        s = req.session
        got = (s.answer_login(req.id, answer, events) if events is not None  # type: ignore[arg-type]
               else s.answer_login(req.id, answer))  # type: ignore[arg-type]
        assert got == code
        (body,) = unframe(s.take_output())
        assert codes(frame(body)) == [code]
        assert ('<loginSec:event type="tlsProtocol" level="warning" value="TLSv1.1">' in body) == bool(events)
    req = login_request(secure_config(), login_sec_xml())
    assert req.session.answer_login(req.id, "accepted", events=[event]) == 1000
    with pytest.raises(libepp.AlreadyAnsweredError):
        req.session.answer_login(req.id, "accepted", [event])


def test_events_on_a_non_login_request_are_a_wrong_answer() -> None:
    req = login_request(secure_config(), login_sec_xml())
    req.accept()
    s = req.session
    s.take_output()
    s.feed_input(frame('<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><poll op="req"/></command></epp>'),
                 now=T0)
    p = s.poll_queue()
    with pytest.raises(libepp.WrongAnswerError) as ei:
        s.answer_login(p.id, "accepted", [libepp.SecurityEvent("newPW", "warning")])
    assert ei.value.kind == "poll" and ei.value.answer == "login"


def test_transaction_record_of_a_secure_login() -> None:
    req = login_request(secure_config(transaction_log=True), login_sec_xml())
    req.accept(events=[libepp.SecurityEvent("newPW", "warning")])
    req.session.take_output()
    (rec,) = req.session.drain_transactions()
    assert (rec.command, rec.code, rec.client_id) == ("login", 1000, "registrar1")


def test_domain_config_for_the_readme() -> None:
    """The README's configuration line works as written."""
    c = libepp.Config("Mock registry", object_uris=[DOMAIN],
                      login_security=libepp.LoginSecurity(min_password_len=6, max_password_len=128))
    assert c.extension_uris == [LOGINSEC]
