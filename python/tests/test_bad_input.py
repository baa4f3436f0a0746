"""Bad input from the peer (answered by EPP responses, never exceptions) and bad answers from the
host (typed exceptions)."""

from __future__ import annotations

import struct

import pytest

import libepp
from conftest import (
    DOMAIN,
    EPP,
    HELLO,
    T0,
    codes,
    command_xml,
    frame,
    logged_in,
    login_xml,
    make_config,
    new_session,
    poll_xml,
    unframe,
)


def fresh(**kw: object) -> libepp.Session:
    s = new_session(make_config(**kw), now=T0)
    s.take_output()
    return s


def test_garbage_frames_are_answered_not_raised() -> None:
    s = fresh()
    for body in (b"not xml at all", b"<epp", "<epp xmlns='%s'><bogus/></epp>" % EPP,
                 b"\xff\xfe\x00garbage", "<epp xmlns='urn:wrong'><hello/></epp>"):
        s.feed_input(frame(body), now=T0)
    assert s.poll_queue() is None
    out = codes(s.take_output())
    assert len(out) == 5 and all(c in (2000, 2001) for c in out), out
    assert s.close_reason is None  # a bad frame does not end the session


def test_commands_before_login_and_in_wrong_state() -> None:
    s = fresh()
    s.feed_input(frame(command_xml()) + frame(poll_xml()), now=T0)
    assert s.poll_queue() is None
    assert codes(s.take_output()) == [2002, 2002]
    s = logged_in()
    s.feed_input(frame(login_xml()), now=T0)
    assert s.poll_queue() is None
    assert codes(s.take_output()) == [2002]


def test_login_checked_against_config() -> None:
    s = fresh()
    s.feed_input(frame(login_xml(objs=("urn:example:unknown-1.0",))), now=T0)
    s.feed_input(frame(login_xml(exts=("urn:example:ext-1.0",))), now=T0)
    assert s.poll_queue() is None
    assert codes(s.take_output()) == [2307, 2103]


def test_oversized_frame_length_closes_with_2500() -> None:
    s = fresh(max_frame_size=4096)
    s.feed_input(struct.pack("!I", 1 << 30) + b"xxxx", now=T0)
    assert codes(s.take_output()) == [2500]
    assert s.buffered_input == 0 and not s.wants_input()
    r = s.close_reason
    assert r == "bad_frame_length" and r.length == 1 << 30 and r.limit == 4096
    assert s.is_finished
    with pytest.raises(libepp.SessionClosedError):
        s.feed_input(frame(HELLO))


def test_too_short_frame_length() -> None:
    s = fresh()
    s.feed_input(struct.pack("!I", 2), now=T0)
    assert codes(s.take_output()) == [2500]
    assert s.close_reason == "bad_frame_length"


def test_byte_by_byte_input() -> None:
    s = fresh()
    data = frame(login_xml())
    for i in range(len(data)):
        s.feed_input(data[i:i + 1], now=T0)
        assert s.buffered_input == (i + 1) % len(data)
    (req,) = s.drain_queue()
    req.accept()
    assert codes(s.take_output()) == [1000]


def test_eof_mid_frame_and_between_frames() -> None:
    s = fresh()
    s.feed_input(frame(HELLO)[:7], now=T0)
    s.handle_eof(now=T0)
    assert s.close_reason == "peer_closed_mid_frame" and s.close_reason.received == 7
    assert s.is_finished
    s = logged_in()
    s.handle_eof()
    assert s.close_reason == "peer_closed"
    assert s.is_finished


def test_eof_takes_effect_after_the_input_fed_before_it() -> None:
    s = fresh()
    s.feed_input(frame(login_xml()) + frame(HELLO), now=T0)
    assert s.buffered_input == len(frame(HELLO))  # held while the login is with the host
    s.handle_eof(now=T0)
    assert s.close_reason is None and not s.wants_input()
    with pytest.raises(libepp.InputAfterEofError):
        s.feed_input(frame(HELLO), now=T0)
    s.poll_queue().accept()  # the login is answered, the hello handled, then the end of input
    out = unframe(s.take_output())
    assert codes(s.take_output()) == [] and len(out) == 2 and "<greeting>" in out[1]
    assert s.close_reason == "peer_closed"
    assert [r.kind for r in s.drain_queue()] == ["session_end"]
    assert s.is_finished
    s.handle_eof(now=T0)  # again: nothing happens
    with pytest.raises(libepp.SessionClosedError):
        s.feed_input(frame(HELLO), now=T0)


def test_backpressure_while_login_pending() -> None:
    s = fresh()
    data = frame(login_xml()) + frame(HELLO)
    s.feed_input(data, now=T0)  # every byte is taken, and the hello held
    assert s.buffered_input == len(frame(HELLO)) and not s.wants_input()
    assert s.take_output() == b""
    s.poll_queue().accept()
    assert s.buffered_input == 0 and s.wants_input()
    out = unframe(s.take_output())
    assert '<result code="1000">' in out[0] and "<greeting>" in out[1]


def test_backpressure_max_in_flight() -> None:
    s = logged_in(make_config(max_in_flight=2))
    data = b"".join(frame(command_xml(cltrid="CMD-%d" % i)) for i in range(4))
    s.feed_input(data, now=T0)
    reqs = s.drain_queue()
    assert len(reqs) == 2 and not s.wants_input()
    assert s.buffered_input == len(data) // 2
    reqs[0].respond()  # makes room: the third command is handled inside the answer
    assert s.buffered_input == len(data) // 4 and not s.wants_input()
    reqs[1].respond()
    assert s.buffered_input == 0 and not s.wants_input()  # the last two are with the host
    for r in s:
        r.respond()
    assert s.wants_input()
    assert codes(s.take_output()) == [1000] * 4


def test_backpressure_pending_output() -> None:
    """Output not taken stops input; taking it lets the held frames through."""
    s = logged_in(make_config(max_frame_size=65536, max_pending_output=65536, max_buffered_input=65536))
    data = frame(HELLO) * 200  # some 12 KB in, 88 KB of greetings out
    s.feed_input(data, now=T0)
    assert 0 < s.buffered_input < len(data) and not s.wants_input()
    held = s.buffered_input
    out = s.output()
    s.consume_output(len(out))  # room: more hellos are handled inside consume_output
    assert s.buffered_input < held
    while s.buffered_input:
        out += s.take_output()
    out += s.take_output()
    assert len(unframe(out)) == 200 and s.wants_input()


def test_input_buffer_full() -> None:
    s = fresh(max_buffered_input=300_000)
    s.feed_input(frame(login_xml()), now=T0)
    s.feed_input(b"\x00\x03" + b"x" * 200_000, now=T0)  # held behind the login
    with pytest.raises(libepp.InputBufferFullError) as ei:
        s.feed_input(b"x" * 100_000, now=T0)
    assert ei.value.limit == 300_000 and "wants_input" in str(ei.value)
    assert s.buffered_input == 200_002  # nothing of the refused feed was taken
    s.feed_input(b"x" * 99_998, now=T0)  # up to the limit is fine
    assert s.buffered_input == 300_000


def test_invalid_xml_in_answers() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) + frame(poll_xml()), now=T0)
    c, p = s.drain_queue()
    with pytest.raises(libepp.InvalidXmlError) as ei:
        c.respond(1000, res_data="<unclosed")
    assert ei.value.field and ei.value.reason
    with pytest.raises(libepp.InvalidXmlError):
        c.respond(2302, values=["<a/><b/>"])
    with pytest.raises(libepp.InvalidXmlError):
        p.message(1, 1, T0, "x", extension="not xml <")
    assert not c.answered and not p.answered  # a refused answer can be given again
    c.respond(1000, res_data='<domain:chkData xmlns:domain="%s"/>' % DOMAIN)
    p.empty()
    assert codes(s.take_output()) == [1000, 1300]


def test_invalid_answers() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()) + frame(poll_xml()), now=T0)
    c, p = s.drain_queue()
    for bad_code in (999, 1002, 70000, -1):
        with pytest.raises(libepp.InvalidAnswerError) as ei:
            c.respond(bad_code)
        assert ei.value.reason
    with pytest.raises(libepp.InvalidAnswerError):
        c.respond(1000, "text", lang="not a language!")
    with pytest.raises(libepp.InvalidAnswerError):
        p.message(1, 1, T0, "x", lang="bad lang")
    with pytest.raises(TypeError):
        c.respond("1000")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        c.respond(True)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        c.respond(libepp.Response(1000), "extra")  # type: ignore[call-overload]
    with pytest.raises(OverflowError):
        p.message(-1, 1, T0, "x")
    with pytest.raises(ValueError):
        p.message(1, 1, -5.0, "x")
    c.respond()
    p.empty()
    assert codes(s.take_output()) == [1000, 1300]


def test_answers_after_the_session_ended() -> None:
    s = logged_in()
    s.feed_input(frame(command_xml()), now=T0)
    (c,) = s.drain_queue()
    s.close()  # the host ends the session: nothing more is written
    with pytest.raises(libepp.SessionClosedError) as ei:
        c.respond(1000)
    assert ei.value.reason == "host"
    assert not c.answered
    with pytest.raises(libepp.SessionClosedError):
        s.feed_input(frame(HELLO))
    assert s.is_finished


def test_wrong_answers_through_the_session() -> None:
    """The typed request objects offer only the answers that fit; the session's answer_* methods
    take any, and the core refuses what does not fit."""
    s = fresh()
    s.feed_input(frame(login_xml()), now=T0)
    (login,) = s.drain_queue()
    for call, answer in ((lambda: s.answer_poll(login.id), "poll"),
                         (lambda: s.answer_ack(login.id, 1), "ack"),
                         (lambda: s.answer_command(login.id, libepp.Response(1000)), "response")):
        with pytest.raises(libepp.WrongAnswerError) as ei:
            call()
        assert (ei.value.request_id, ei.value.kind, ei.value.answer) == (login.id, "login", answer)
    with pytest.raises(ValueError):
        s.answer_login(login.id, "maybe")  # type: ignore[arg-type]
    assert s.answer_login(login.id, "accepted") == 1000
    s.feed_input(frame(poll_xml()), now=T0)
    (poll,) = s.drain_queue()
    with pytest.raises(libepp.WrongAnswerError) as ei:
        s.answer_login(poll.id, "accepted")
    assert ei.value.kind == "poll" and ei.value.answer == "login"
    with pytest.raises(libepp.WrongAnswerError):
        s.answer_ack(poll.id)
    s.answer_poll(poll.id)
    assert codes(s.take_output()) == [1000, 1300]


def test_huge_pipelined_input_in_one_call() -> None:
    s = logged_in(make_config(max_in_flight=10_000, max_pending_output=64 * 1024 * 1024))
    data = b"".join(frame(poll_xml(cltrid="P%05d" % i)) for i in range(3000))
    assert len(data) < 512 * 1024  # the default max_buffered_input
    s.feed_input(data, now=T0)  # large: processed with the GIL released
    assert s.buffered_input == 0
    reqs = s.drain_queue()
    assert len(reqs) == 3000
    for r in reversed(reqs):
        r.empty()
    bodies = unframe(s.take_output())
    assert len(bodies) == 3000
    assert all("<clTRID>P%05d</clTRID>" % i in b for i, b in enumerate(bodies))
