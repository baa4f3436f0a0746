"""RFC 3735 protocol extensions (ExtensionRequest) and structured poll messages
(PollMessage.msg_xml) through the binding."""

from __future__ import annotations

import re

import pytest

import libepp
from conftest import DOMAIN, EPP, T0, codes, frame, login_xml, make_config, new_session, poll_xml, unframe

EXT = "urn:example:ext-1.0"
OTHER = "urn:example:other-1.0"
FRED = "http://www.nic.cz/xml/epp/fred-1.5"
PING = '<epp xmlns="%s"><extension><x:ping xmlns:x="%s"><x:clTRID>P-1</x:clTRID></x:ping></extension></epp>' % (EPP, EXT)
PONG = '<x:pong xmlns:x="%s"><x:clTRID>P-1</x:clTRID></x:pong>' % EXT
LOW_CREDIT = ('<fred:lowCreditData xmlns:fred="%s"><fred:zone>cz</fred:zone><fred:limit><fred:zone>cz</fred:zone>'
              "<fred:credit>5000.00</fred:credit></fred:limit></fred:lowCreditData>" % FRED)


def session(exts: tuple = (EXT,), **kw: object) -> libepp.Session:
    """Logged in with ``exts`` on a server offering EXT, OTHER and FRED."""
    s = new_session(make_config(extension_uris=[EXT, OTHER, FRED], **kw))
    s.take_output()
    s.feed_input(frame(login_xml(exts=exts)), now=T0)
    assert s.poll_queue().accept() == 1000
    s.take_output()
    return s


def test_extension_request() -> None:
    s = session()
    s.feed_input(frame(PING), now=T0)
    r = s.poll_queue()
    assert isinstance(r, libepp.ExtensionRequest) and r.kind == "extension" == libepp.ExtensionRequest.kind
    assert r.id == 2 and r.session is s and not r.answered
    assert r.client_id == "registrar1" and r.extension_uris == [EXT]
    # standing alone: with the namespace declarations it inherits
    assert r.extension_xml == '<x:ping xmlns="%s" xmlns:x="%s"><x:clTRID>P-1</x:clTRID></x:ping>' % (EPP, EXT)
    assert not hasattr(r, "client_transaction_id")  # an extension's transaction id is its own
    assert repr(r) == "ExtensionRequest(id=2, client_id='registrar1', extension_uris=['%s'], answered=False)" % EXT
    r.respond(1000, extension=PONG)
    assert r.answered
    (body,) = unframe(s.take_output())
    assert '<result code="1000">' in body and "<extension>%s</extension>" % PONG in body
    assert "<clTRID>" not in body and re.search(r"<trID><svTRID>[^<]+</svTRID></trID>", body)


def test_extension_elements_stand_alone_and_in_order() -> None:
    s = session()
    xml = ('<epp xmlns="%s" xmlns:x="%s"><extension><x:ping/><x:note>two</x:note></extension></epp>' % (EPP, EXT))
    s.feed_input(frame(xml), now=T0)
    (r,) = s.drain_queue()
    assert r.extension_uris == [EXT, EXT]
    assert r.extension_xml == ('<x:ping xmlns:x="%s" xmlns="%s"/><x:note xmlns:x="%s" xmlns="%s">two</x:note>'
                               % (EXT, EPP, EXT, EPP))
    r.fail("not today")
    (body,) = unframe(s.take_output())
    assert '<result code="2400"><msg>not today</msg>' in body


def test_extension_answers() -> None:
    s = session()
    s.feed_input(frame(PING) * 5, now=T0)
    a, b, c, d, e = s.drain_queue()
    a.respond(libepp.Response(2306, "policy"))
    b.respond()
    s.answer_command(c.id, libepp.Response(1000, extension=PONG))
    s.answer_failure(d.id)
    with pytest.raises(libepp.WrongAnswerError) as ei:
        s.answer_poll(e.id)
    assert ei.value.kind == "extension" and ei.value.request_id == e.id
    with pytest.raises(libepp.WrongAnswerError):
        s.answer_login(e.id, "accepted")
    with pytest.raises(libepp.InvalidXmlError):
        e.respond(1000, extension="not xml")
    assert not e.answered
    e.respond(2101)
    with pytest.raises(libepp.AlreadyAnsweredError):
        e.respond(1000)
    assert codes(s.take_output()) == [2306, 1000, 1000, 2400, 2101]


def test_extension_not_logged_in_or_before_login() -> None:
    s = new_session(make_config(extension_uris=[EXT]))
    s.take_output()
    s.feed_input(frame(PING), now=T0)  # before login: 2002
    assert s.poll_queue() is None and codes(s.take_output()) == [2002]
    s = session(exts=(EXT,))
    other = '<epp xmlns="%s"><extension><o:ping xmlns:o="%s"/></extension></epp>' % (EPP, OTHER)
    s.feed_input(frame(other), now=T0)  # offered, not logged in with: 2103
    assert s.poll_queue() is None
    (body,) = unframe(s.take_output())
    assert codes(frame(body)) == [2103] and OTHER in body


def test_extension_transaction_record() -> None:
    s = session(transaction_log=True)
    s.drain_transactions()
    s.feed_input(frame(PING), now=T0 + 1)
    s.poll_queue().respond(1000)
    s.take_output()
    (rec,) = s.drain_transactions()
    assert (rec.command, rec.code, rec.client_id, rec.client_transaction_id) == ("extension", 1000, "registrar1", None)
    assert rec.received_at == T0 + 1 and rec.server_transaction_id


def test_poll_message_msg_xml() -> None:
    m = libepp.PollMessage(7, 1, T0, "Low credit", msg_xml=LOW_CREDIT)
    assert m.msg_xml == LOW_CREDIT and libepp.PollMessage(7, 1, T0, "x").msg_xml is None
    s = session(exts=(FRED,))
    s.feed_input(frame(poll_xml()) * 3, now=T0)
    p1, p2, p3 = s.drain_queue()
    s.answer_poll(p1.id, m)
    p2.message(8, 1, T0, "", msg_xml=LOW_CREDIT, lang="en")
    with pytest.raises(libepp.InvalidXmlError):  # not namespaced elements: refused, still open
        p3.message(9, 1, T0, "", msg_xml="plain text is not an element")
    with pytest.raises(libepp.InvalidXmlError):
        p3.message(9, 1, T0, "", msg_xml="<lowCreditData/>")
    assert not p3.answered
    p3.empty()
    b1, b2, b3 = unframe(s.take_output())
    assert '<msg lang="en">Low credit%s</msg>' % LOW_CREDIT in b1
    assert '<msg lang="en">%s</msg>' % LOW_CREDIT in b2
    assert codes(frame(b3)) == [1300]


def test_msg_xml_for_a_client_without_its_namespace_moves_to_ext_value() -> None:
    s = session(exts=())
    s.feed_input(frame(poll_xml()), now=T0)
    s.poll_queue().message(7, 1, T0, "Low credit", msg_xml=LOW_CREDIT)
    (body,) = unframe(s.take_output())
    assert '<msg lang="en">Low credit</msg>' in body  # <msg> keeps only the text
    assert "<extValue><value>%s</value><reason>" % LOW_CREDIT in body
    assert codes(frame(body)) == [1301]


def test_msg_xml_in_an_object_namespace_stays() -> None:
    s = session(exts=())
    data = '<domain:impendingExpData xmlns:domain="%s"><domain:name>a.example</domain:name></domain:impendingExpData>' % DOMAIN
    s.feed_input(frame(poll_xml()), now=T0)
    s.poll_queue().message(7, 1, T0, "", msg_xml=data)
    (body,) = unframe(s.take_output())
    assert '<msg lang="en">%s</msg>' % data in body and "<extValue>" not in body
