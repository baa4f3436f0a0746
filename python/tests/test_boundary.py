"""What the package refuses at its boundary, and how it says so: serve()'s handler checks (the
libepp.asyncio.Handler protocol, typos), readable TypeErrors for sequence arguments, a poll
message with count 0; and the per-command log of serve() on the "libepp.server" logger."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any, List, Optional

import pytest

import libepp
import libepp.client
from libepp import etp
from libepp.asyncio import HANDLER_METHODS, Handler, check_handler, serve
from conftest import (
    DOMAIN,
    RawClient,
    T0,
    code_of,
    command_xml,
    frame,
    login_xml,
    logout_xml,
    make_config,
    new_session,
    poll_xml,
)


class Good:
    config = make_config(extension_uris=[])

    def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
        return password == "secret-pw1"

    def command(self, client_id: str, request: libepp.CommandRequest) -> int:
        return 1000

    # Not callable, so not a method serve() would miss: never reported.
    commands: List[str] = []

    def _comand(self) -> None:  # private: never reported
        pass


def refused(handler: Any) -> str:
    with pytest.raises(TypeError) as ei:
        check_handler(handler)
    with pytest.raises(TypeError) as ei2:
        asyncio.run(serve(handler, "127.0.0.1", 0, config=make_config()))
    assert str(ei.value) == str(ei2.value)
    return str(ei.value)


# ---------------------------------------------------------------------------
# the handler
# ---------------------------------------------------------------------------


def test_a_good_handler_passes() -> None:
    check_handler(Good())
    h: Handler = Good()  # the protocol, statically (mypy --strict runs on this file's README twins)
    assert h.authenticate("registrar1", "secret-pw1", None) is True
    assert set(HANDLER_METHODS) == {"authenticate", "poll", "ack", "command", "extension", "on_connect",
                                    "on_close", "on_transaction"}


def test_a_handler_without_authenticate_is_refused_at_serve() -> None:
    class NoAuth:
        def command(self, client_id: str, request: Any) -> int:
            return 1000

    assert refused(NoAuth()) == "handler NoAuth lacks the required method authenticate (see libepp.asyncio.Handler)"


@pytest.mark.parametrize("typo, meant", [("comand", "command"), ("authenticated", "authenticate"),
                                         ("on_closed", "on_close"), ("pol", "poll"), ("acks", "ack"),
                                         ("on_transactions", "on_transaction"), ("extention", "extension")])
def test_a_misspelt_method_is_refused(typo: str, meant: str) -> None:
    handler_cls = type("Typo", (Good,), {typo: lambda self, *a: None})
    assert refused(handler_cls()) == (
        "handler Typo has %r: did you mean %r? (libepp.asyncio.serve would never call it; rename it, "
        "or make it private with a leading underscore)" % (typo, meant))


def test_a_method_with_the_wrong_arguments_is_refused() -> None:
    class TwoArgs(Good):
        def authenticate(self, client_id: str, password: str) -> bool:  # type: ignore[override]
            return True

    assert refused(TwoArgs()) == ("handler TwoArgs: authenticate(client_id, password) cannot be called as "
                                  "authenticate(client_id, password, new_password)")

    class NotCallable(Good):
        poll = 3

    assert refused(NotCallable()) == "handler NotCallable: poll is int, not a method"


# ---------------------------------------------------------------------------
# sequence arguments
# ---------------------------------------------------------------------------

S = libepp.SecurityEvent("password", "warning", expires_at=T0 + 86400)


@pytest.mark.parametrize("call, message", [
    (lambda: libepp.Config("Example server", object_uris=DOMAIN),
     "object_uris must be a sequence of str, not str"),
    (lambda: libepp.Config("Example server", object_uris=[DOMAIN, 7]),
     "object_uris[1] must be a str, not int"),
    (lambda: libepp.Config("Example server", object_uris=[DOMAIN], extension_uris=b"x"),
     "extension_uris must be a sequence of str, not bytes"),
    (lambda: libepp.Config("Example server", object_uris=[DOMAIN], languages="en"),
     "languages must be a sequence of str, not str"),
    (lambda: libepp.Config("Example server", object_uris=[DOMAIN], versions=1.0),
     "versions must be a sequence of str, not float"),
    (lambda: libepp.Config("Example server", object_uris={DOMAIN: 1}),
     "object_uris must be a sequence of str, not dict"),
    (lambda: libepp.Response(1000, values="<x/>"), "values must be a sequence of str, not str"),
    (lambda: libepp.Response(1000, ext_values=[["<x/>", "why"]]),
     "ext_values[0] must be a (str, str) pair, not list"),
    (lambda: libepp.Response(1000, more_results=libepp.Result(1000)),
     "more_results must be a sequence of libepp.Result, not Result"),
    (lambda: libepp.Result(2001, values=[None]), "values[0] must be a str, not NoneType"),
    (lambda: libepp.DcpStatement("admin", ["ours"], "stated"),
     "purposes must be a sequence of str, not str"),
    (lambda: libepp.DcpStatement(["admin"], "ours", "stated"),
     "recipients must be a sequence of recipient (a str or a (str, str) pair), not str"),
    (lambda: libepp.Dcp("all", statements="x"),
     "statements must be a sequence of libepp.DcpStatement, not str"),
    (lambda: libepp.client.ClientConfig("registrar1", "secret-pw1", object_uris=DOMAIN),
     "object_uris must be a sequence of str, not str"),
    (lambda: libepp.client.ClientConfig("registrar1", "secret-pw1", required_extension_uris="x"),
     "required_extension_uris must be a sequence of str, not str"),
    (lambda: etp.Config(supported_objects="application/x-witsml+xml"),
     "supported_objects must be a sequence of str, not str"),
    (lambda: etp.Config(protocols=etp.Protocol(3)),
     "protocols must be a sequence of libepp.etp.Protocol, not Protocol"),
    (lambda: etp.RequestSession("app", "1.0", [3]),
     "requested_protocols[0] must be a libepp.etp.Protocol, not int"),
])
def test_sequence_arguments_say_which_and_what(call: Any, message: str) -> None:
    with pytest.raises(TypeError) as ei:
        call()
    assert str(ei.value) == message


@pytest.mark.parametrize("call, exc, message", [
    (lambda: libepp.PollMessage("1", 2, T0, "text"), TypeError, "id must be an int, not str"),
    (lambda: libepp.PollMessage(1, -2, T0, "text"), OverflowError,
     "count must be an int from 0 to 18446744073709551615, not -2"),
    (lambda: libepp.PollMessage(1, 1, T0, b"text"), TypeError, "text must be a str, not bytes"),
    (lambda: libepp.Response("1000"), TypeError, "code must be an int, not str"),
    (lambda: libepp.Result(None), TypeError, "code must be an int, not NoneType"),
    (lambda: libepp.Config(5, object_uris=[DOMAIN]), TypeError, "server_id must be a str, not int"),
])
def test_scalar_arguments_say_which_and_what(call: Any, exc: type, message: str) -> None:
    with pytest.raises(exc) as ei:
        call()
    assert type(ei.value) is exc and str(ei.value) == message


def test_sequences_still_take_lists_tuples_and_iterables() -> None:
    c = libepp.Config("Example server", object_uris=(DOMAIN,), languages=iter(["en", "fr"]))
    assert c.object_uris == [DOMAIN] and c.languages == ["en", "fr"]
    assert libepp.Config("Example server", object_uris=[DOMAIN], extension_uris=None).extension_uris == []
    r = libepp.Response(2001, values=("<a/>",), ext_values=[("<b/>", "why")])
    assert r.values == ["<a/>"] and r.ext_values == [("<b/>", "why")]


def test_events_of_a_login_answer() -> None:
    s = new_session()
    s.take_output()
    s.feed_input(frame(login_xml()), now=T0)
    (req,) = s.drain_queue()
    with pytest.raises(TypeError) as ei:
        req.accept(events=S)  # type: ignore[arg-type]
    assert str(ei.value) == "events must be a sequence of libepp.SecurityEvent, not SecurityEvent"
    with pytest.raises(TypeError) as ei:
        req.accept(events=[S, "password"])  # type: ignore[list-item]
    assert str(ei.value) == "events[1] must be a libepp.SecurityEvent, not str"
    assert not req.answered
    assert req.accept(events=[S]) == 1000


# ---------------------------------------------------------------------------
# a poll message with count 0
# ---------------------------------------------------------------------------

COUNT0 = ("count must be at least 1: it is the number of messages queued, this one included "
          "(an empty queue is PollRequest.empty(), 1300)")


def test_a_poll_message_with_count_0_is_refused() -> None:
    with pytest.raises(ValueError) as ei:
        libepp.PollMessage(1, 0, T0, "nothing")
    assert str(ei.value) == COUNT0
    s = new_session()
    s.take_output()
    s.feed_input(frame(login_xml()), now=T0)
    (login,) = s.drain_queue()
    login.accept()
    s.take_output()
    s.feed_input(frame(poll_xml()), now=T0)
    (req,) = s.drain_queue()
    with pytest.raises(ValueError) as ei:
        req.message(1, 0, T0, "nothing")
    assert str(ei.value) == COUNT0
    assert not req.answered
    req.empty()
    out = s.take_output().decode()
    assert '<result code="1300">' in out and "msgQ" not in out


# ---------------------------------------------------------------------------
# logging
# ---------------------------------------------------------------------------


def test_the_library_installs_no_handler() -> None:
    assert [type(h) for h in logging.getLogger("libepp").handlers] == [logging.NullHandler]
    assert logging.getLogger("libepp.server").handlers == []
    assert logging.getLogger("libepp.asyncio").handlers == []


def test_serve_logs_one_info_line_per_command(start_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    transactions: List[Any] = []

    class Logged(Good):
        def on_transaction(self, conn: Any, record: Any) -> None:
            transactions.append(record)  # never: the configuration did not ask for the log

    caplog.set_level(logging.DEBUG, logger="libepp.server")
    srv = start_server(Logged())
    assert srv.server.config.transaction_log  # turned on for the log, not for on_transaction
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_xml(cltrid="LOG-1")))
    assert code_of(c.read_frame()) == 1000
    c.send(frame(command_xml("check", cltrid="LOG-2")))
    assert code_of(c.read_frame()) == 1000
    c.send(frame(logout_xml("LOG-3")))
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()
    srv.stop()
    info = [r for r in caplog.records if r.name == "libepp.server" and r.levelno == logging.INFO]
    pattern = (r"peer=127\.0\.0\.1:\d+ client=registrar1 command='(\w+)' clTRID=(LOG-\d) "
               r"svTRID=(\S+) code=(\d{4}) duration=\d+\.\dms")
    got = []
    for r in info:
        m = re.fullmatch(pattern, r.getMessage())
        assert m, r.getMessage()
        got.append((m.group(1), m.group(2), int(m.group(4))))
        assert m.group(3) == r.epp_sv_trid  # type: ignore[attr-defined]
        assert r.epp_cl_trid == m.group(2) and r.epp_code == int(m.group(4))  # type: ignore[attr-defined]
    assert got == [("login", "LOG-1", 1000), ("check", "LOG-2", 1000), ("logout", "LOG-3", 1500)]
    debug = [r.getMessage() for r in caplog.records if r.name == "libepp.server" and r.levelno == logging.DEBUG]
    assert any(re.fullmatch(r"<Connection #1 .*>: read \d+ bytes", m) for m in debug), debug
    assert any("wrote a frame of" in m and "<greeting>" in m for m in debug), debug
    assert not any("secret-pw1" in m for m in debug)  # what is read is never logged
    assert transactions == []


def test_on_transaction_still_gets_the_records_it_asked_for(start_server: Any) -> None:
    records: List[str] = []

    class Audited(Good):
        config = make_config(extension_uris=[], transaction_log=True)

        def on_transaction(self, conn: Any, record: Any) -> None:
            records.append(record.command)

    srv = start_server(Audited())
    c = RawClient(srv.port)
    assert "<greeting>" in c.read_frame()
    c.send(frame(login_xml()))
    assert code_of(c.read_frame()) == 1000
    c.send(frame(logout_xml()))
    assert code_of(c.read_frame()) == 1500
    assert c.closed_by_peer()
    c.close()
    srv.stop()
    assert records == ["login", "logout"]


def test_with_transaction_log() -> None:
    c = make_config()
    logged = c.with_transaction_log()
    assert (c.transaction_log, logged.transaction_log) == (False, True)
    assert logged.object_uris == c.object_uris and logged.greeting_xml(T0) == c.greeting_xml(T0)
    assert logged.with_transaction_log() is logged


def test_etp_unchanged_by_sequence_checks() -> None:
    cfg = etp.Config(protocols=[etp.Protocol(etp.PROTOCOL_DISCOVERY)], supported_objects=("a/b",))
    s = etp.Session(cfg, uuid.uuid4())
    assert s.state == "awaiting_request"
