"""The session transcripts, through the Python binding.

Every ``tests/scripts/NAME.script`` of the repository is run through ``libepp`` and the transcript
it produces must equal ``NAME.transcript`` beside it byte for byte: the same text the Rust reference
runner (``tests/transcripts.rs``) writes. Each script runs twice: with its feed steps as written,
and with every byte fed in a call of its own. The formats are described in
``tests/scripts/README.md``; this runner follows the Rust one line for line.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import pytest

import libepp

SCRIPTS = Path(__file__).resolve().parents[2] / "tests" / "scripts"

#: The text of a poll message answered with ``poll resdata`` or ``poll extension``.
DATA_MESSAGE_TEXT = "message with data"


class ScriptError(Exception):
    """The script is malformed, or does not fit the session: an error of the script."""


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------


@dataclass
class ConfigSpec:
    server_id: str = "libepp test server"
    object_uris: List[str] = field(default_factory=list)
    extension_uris: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    sv_trid_prefix: Optional[str] = None
    sv_trid_epoch: Optional[int] = None
    #: Config keyword arguments for the limits the script sets.
    limits: Dict[str, Union[int, float]] = field(default_factory=dict)
    registrar_sessions: Optional[int] = None
    unhandled_namespaces: bool = False

    def build(self, now: float) -> libepp.Server:
        """A fresh server (configuration and registrar counter) for one run, started at ``now``."""
        try:
            config = libepp.Config(
                self.server_id,
                object_uris=self.object_uris,
                extension_uris=self.extension_uris,
                languages=self.languages,
                sv_trid_prefix=self.sv_trid_prefix,
                sv_trid_epoch=self.sv_trid_epoch,
                unhandled_namespaces=self.unhandled_namespaces,
                **self.limits,  # type: ignore[arg-type]
            )
        except libepp.ConfigError as exc:
            raise ScriptError("configuration refused: %s" % exc) from None
        counter = None
        if self.registrar_sessions is not None:
            counter = libepp.RegistrarSessions(self.registrar_sessions)
        return libepp.Server(config, now=now, registrar_sessions=counter)


#: An answer: the name of a Session.answer_* method and its arguments after the request id.
Answer = Tuple[str, Tuple[Any, ...]]


@dataclass
class Step:
    kind: str  # start, now, feed, eof, timeout, close, answer
    ms: int = 0
    data: bytes = b""
    chunk: Optional[int] = None
    n: int = 0
    answer: Optional[Answer] = None


@dataclass
class Script:
    config: ConfigSpec
    #: (line number, the line as written, the step).
    steps: List[Tuple[int, str, Step]]


def parse_u64(s: str, what: str) -> int:
    if not re.fullmatch(r"[0-9]+", s):
        raise ScriptError("%s: %r is not a decimal number" % (what, s))
    n = int(s)
    if n >= 1 << 64:
        raise ScriptError("%s: %r: number too large to fit in target type" % (what, s))
    return n


def parse_code(s: str) -> int:
    code = parse_u64(s, "result code")
    if code not in libepp.RESULT_CODES:
        raise ScriptError("%s is not an RFC 5730 result code" % s)
    return code


def seconds(ms: int) -> float:
    """Script milliseconds as the binding's Unix seconds (exact to the microsecond)."""
    return ms / 1000


def word(s: str) -> Tuple[str, str]:
    """Splits ``s`` at its first space: (word, rest); rest is "" without a space."""
    head, sep, rest = s.partition(" ")
    return head, rest


def message(rest: str) -> Optional[str]:
    return rest if rest else None


def frame_bytes(xml: str) -> bytes:
    body = xml.encode()
    return struct.pack("!I", len(body) + 4) + body


def parse_hex(s: str) -> bytes:
    digits = s.replace(" ", "")
    if not digits or len(digits) % 2:
        raise ScriptError("raw: %r is not an even, non-zero number of hex digits" % s)
    out = bytearray()
    for i in range(0, len(digits), 2):
        pair = digits[i:i + 2]
        if not re.fullmatch(r"[0-9a-fA-F]{2}", pair):
            raise ScriptError("raw: %r is not a hex byte" % pair)
        out.append(int(pair, 16))
    return bytes(out)


def parse_answer(rest: str) -> Tuple[int, Answer]:
    n_text, rest = word(rest)
    n = parse_u64(n_text, "answer number")
    if n == 0:
        raise ScriptError("answer numbers start at 1")
    kind, rest = word(rest)
    answer: Answer
    if kind == "login":
        names = {"accept": "accepted", "bad": "bad_credentials", "disabled": "account_disabled",
                 "limit": "session_limit_exceeded", "failed": "failed"}
        if rest not in names:
            raise ScriptError("unknown login answer %r" % rest)
        answer = ("answer_login", (names[rest],))
    elif kind == "poll":
        what, rest = word(rest)
        if what == "empty" and not rest:
            answer = ("answer_poll", (None,))
        elif what == "message":
            p = rest.split(" ", 4)
            if len(p) < 4:
                raise ScriptError("poll message needs <msgid> <count> <qdate_ms> <lang> <text>")
            m = libepp.PollMessage(
                parse_u64(p[0], "msgid"), parse_u64(p[1], "count"),
                seconds(parse_u64(p[2], "qdate_ms")), p[4] if len(p) > 4 else "",
                lang=None if p[3] == "-" else p[3])
            answer = ("answer_poll", (m,))
        elif what == "msgxml":
            p = rest.split(" ", 3)
            if len(p) < 4:
                raise ScriptError("poll msgxml needs <msgid> <count> <qdate_ms> <xml>")
            m = libepp.PollMessage(
                parse_u64(p[0], "msgid"), parse_u64(p[1], "count"),
                seconds(parse_u64(p[2], "qdate_ms")), "", msg_xml=p[3])
            answer = ("answer_poll", (m,))
        elif what in ("resdata", "extension"):
            p = rest.split(" ", 3)
            if len(p) < 4:
                raise ScriptError("poll %s needs <msgid> <count> <qdate_ms> <xml>" % what)
            data = {"res_data" if what == "resdata" else "extension": p[3]}
            m = libepp.PollMessage(
                parse_u64(p[0], "msgid"), parse_u64(p[1], "count"),
                seconds(parse_u64(p[2], "qdate_ms")), DATA_MESSAGE_TEXT, **data)
            answer = ("answer_poll", (m,))
        else:
            raise ScriptError("unknown poll answer %r" % rest)
    elif kind == "ack":
        what, rest = word(rest)
        if what == "acked":
            answer = ("answer_ack", (parse_u64(rest, "remaining"),))
        elif what == "unknown" and not rest:
            answer = ("answer_ack", (None,))
        else:
            raise ScriptError("unknown ack answer %r" % what)
    elif kind == "command":
        code, rest = word(rest)
        answer = ("answer_command", (libepp.Response(parse_code(code), message(rest)),))
    elif kind in ("resdata", "extension"):
        code, xml = word(rest)
        r = (libepp.Response(parse_code(code), res_data=xml) if kind == "resdata"
             else libepp.Response(parse_code(code), extension=xml))
        answer = ("answer_command", (r,))
    elif kind == "failure":
        answer = ("answer_failure", (message(rest),))
    else:
        raise ScriptError("unknown answer kind %r" % kind)
    return n, answer


LIMIT_KEYS: Dict[str, Tuple[str, Callable[[int], Union[int, float]], int]] = {
    # script key: (Config keyword, conversion, bits of the core's field)
    "max_frame_size": ("max_frame_size", int, 32),
    "max_in_flight": ("max_in_flight", int, 64),
    "max_failed_logins": ("max_failed_logins", int, 32),
    "login_deadline_ms": ("login_deadline", seconds, 64),
    "idle_timeout_ms": ("idle_timeout", seconds, 64),
}


def set_config(c: ConfigSpec, rest: str) -> None:
    key, value = word(rest)
    if key == "server_id":
        c.server_id = value
    elif key == "object_uri":
        c.object_uris.append(value)
    elif key == "extension_uri":
        c.extension_uris.append(value)
    elif key == "language":
        c.languages.append(value)
    elif key == "sv_trid_prefix":
        c.sv_trid_prefix = value
    elif key == "sv_trid_epoch":
        c.sv_trid_epoch = parse_u64(value, key)
    elif key in LIMIT_KEYS:
        keyword, convert, bits = LIMIT_KEYS[key]
        n = parse_u64(value, key)
        if n >= 1 << bits:
            raise ScriptError("%s: out of range integral type conversion attempted" % key)
        c.limits[keyword] = convert(n)
    elif key == "registrar_sessions":
        c.registrar_sessions = parse_u64(value, key)
    elif key == "unhandled_namespaces":
        if value not in ("on", "off"):
            raise ScriptError("%s: %r is not on or off" % (key, value))
        c.unhandled_namespaces = value == "on"
    else:
        raise ScriptError("unknown config key %r" % key)


def parse_script(text: str) -> Script:
    config = ConfigSpec()
    steps: List[Tuple[int, str, Step]] = []
    started = False
    for i, line in enumerate(text.split("\n")):
        lineno = i + 1
        if line.endswith("\r"):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        try:
            keyword, rest = word(line)
            if keyword == "config":
                if started:
                    raise ScriptError("config after start")
                set_config(config, rest)
                continue
            if keyword == "start":
                if started:
                    raise ScriptError("one session per script")
                started = True
                step = Step("start", ms=parse_u64(rest, "start"))
            elif not started:
                raise ScriptError("a step before start")
            elif keyword == "now":
                step = Step("now", ms=parse_u64(rest, "now"))
            elif keyword == "frame":
                step = Step("feed", data=frame_bytes(rest))
            elif keyword == "raw":
                step = Step("feed", data=parse_hex(rest))
            elif keyword == "split":
                n_text, xml = word(rest)
                n = parse_u64(n_text, "split size")
                if n == 0:
                    raise ScriptError("split size must be at least 1")
                step = Step("feed", data=frame_bytes(xml), chunk=n)
            elif keyword in ("eof", "timeout", "close") and not rest:
                step = Step(keyword)
            elif keyword == "answer":
                n, answer = parse_answer(rest)
                step = Step("answer", n=n, answer=answer)
            else:
                raise ScriptError("unknown step")
        except ScriptError as exc:
            raise ScriptError("line %d: %s: %s" % (lineno, exc, line)) from None
        steps.append((lineno, line, step))
    if not started:
        raise ScriptError("no start step")
    return Script(config, steps)


# ---------------------------------------------------------------------------
# Transcript lines
# ---------------------------------------------------------------------------


def escape_frame(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


_FIELD_ESCAPES = {"\\": "\\\\", " ": "\\s", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_field(s: str) -> str:
    out = []
    for c in s:
        e = _FIELD_ESCAPES.get(c)
        if e is not None:
            out.append(e)
        elif ord(c) < 0x20 or c == "\x7f":
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def opt_field(s: Optional[str]) -> str:
    return "-" if s is None else escape_field(s)


def frame_lines(data: bytes) -> List[str]:
    """``<`` lines for output bytes: one per complete UTF-8 frame."""
    lines = []
    while data:
        n = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else None
        if n is None or n < 4 or n > len(data):
            lines.append("< raw %s" % data.hex())
            break
        try:
            lines.append("< %s" % escape_frame(data[4:n].decode("utf-8")))
        except UnicodeDecodeError:
            lines.append("< raw %s" % data[:n].hex())
        data = data[n:]
    return lines


def end_line(r: libepp.CloseReason) -> str:
    if r.kind == "bad_frame_length":
        return "bad-frame-length length=%d limit=%d" % (r.length, r.limit)
    if r.kind == "peer_closed_mid_frame":
        return "peer-closed-mid-frame received=%d" % r.received
    if r.kind == "closing_response":
        return "closing-response code=%d" % r.code
    if r.kind in ("logout", "login_deadline", "idle_timeout", "peer_closed", "too_many_failed_logins",
                  "session_limit_exceeded", "host"):
        return r.kind.replace("_", "-")
    return "unknown %s" % escape_field(str(r))


ERROR_NAMES: List[Tuple[type, str]] = [
    # Subclasses first: AlreadyAnsweredError is an UnknownRequestError.
    (libepp.SessionClosedError, "closed"),
    (libepp.AlreadyAnsweredError, "already-answered"),
    (libepp.UnknownRequestError, "unknown-request"),
    (libepp.WrongAnswerError, "wrong-answer"),
    (libepp.InvalidXmlError, "invalid-xml"),
    (libepp.InvalidAnswerError, "invalid-answer"),
]


def error_name(e: libepp.EppError) -> str:
    for cls, name in ERROR_NAMES:
        if isinstance(e, cls):
            return name
    return "other"


def request_line(n: int, r: Any) -> str:
    if isinstance(r, libepp.LoginRequest):
        s = "? %d login clid=%s cltrid=%s pw=%s newpw=%s lang=%s" % (
            n, escape_field(r.client_id), opt_field(r.client_transaction_id), escape_field(r.password),
            opt_field(r.new_password), escape_field(r.lang))
        s += "".join(" obj=%s" % escape_field(u) for u in r.object_uris)
        s += "".join(" ext=%s" % escape_field(u) for u in r.extension_uris)
        return s + " extxml=%s" % opt_field(r.extension_xml)
    if isinstance(r, libepp.PollRequest):
        return "? %d poll cltrid=%s extxml=%s" % (n, opt_field(r.client_transaction_id), opt_field(r.extension_xml))
    if isinstance(r, libepp.PollAckRequest):
        return "? %d ack msgid=%d cltrid=%s extxml=%s" % (
            n, r.message_id, opt_field(r.client_transaction_id), opt_field(r.extension_xml))
    if isinstance(r, libepp.CommandRequest):
        s = "? %d command verb=%s object=%s cltrid=%s op=%s" % (
            n, r.verb, escape_field(r.object_uri), opt_field(r.client_transaction_id), opt_field(r.transfer_op))
        s += "".join(" ext=%s" % escape_field(u) for u in r.extension_uris)
        return s + " extxml=%s xml=%s" % (opt_field(r.extension_xml), escape_field(r.object_xml))
    if isinstance(r, libepp.ExtensionRequest):
        s = "? %d extension" % n
        s += "".join(" ext=%s" % escape_field(u) for u in r.extension_uris)
        return s + " xml=%s" % escape_field(r.extension_xml)
    return "? %d unknown %s" % (n, escape_field(repr(r)))


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


@dataclass
class Block:
    """What one step produced."""

    errors: List[str] = field(default_factory=list)
    output: bytearray = field(default_factory=bytearray)
    #: ``?`` and ``! end`` lines, in poll-queue order.
    queue: List[str] = field(default_factory=list)


class Runner:
    def __init__(self, session: libepp.Session, now: float, byte_by_byte: bool) -> None:
        self.session = session
        self.now = now
        self.byte_by_byte = byte_by_byte
        self.eof_seen = False
        #: Requests handed out that take an answer, in order.
        self.ids: List[int] = []

    def collect(self, b: Block) -> None:
        """Takes everything the session has for the host: requests, then output."""
        while True:
            r = self.session.poll_queue()
            if r is None:
                break
            if isinstance(r, libepp.SessionEnd):
                b.queue.append("! end %s" % end_line(r.reason))
            else:
                self.ids.append(r.id)
                b.queue.append(request_line(len(self.ids), r))
        b.output += self.session.take_output()

    def step(self, step: Step, b: Block) -> None:
        s = self.session
        if step.kind == "start":
            raise ScriptError("one session per script")
        if step.kind == "now":
            if s.buffered_input > 0:
                raise ScriptError("time may not move while input is held back (answer the requests first)")
            self.now = seconds(step.ms)
        elif step.kind == "feed":
            if self.eof_seen:
                raise ScriptError("input after eof")
            size = 1 if self.byte_by_byte else max(step.chunk or len(step.data), 1)
            for i in range(0, len(step.data), size):
                try:
                    s.feed_input(step.data[i:i + size], now=self.now)
                except libepp.EppError:
                    # The session takes every byte; after it ended, the rest is dropped, as a
                    # host drops what it read then.
                    pass
                self.collect(b)
        elif step.kind == "eof":
            self.eof_seen = True
            s.handle_eof(now=self.now)
        elif step.kind == "timeout":
            s.handle_timeout(now=self.now)
        elif step.kind == "close":
            s.close()
        elif step.kind == "answer":
            if step.n > len(self.ids):
                raise ScriptError("request %d was not handed out (%d so far)" % (step.n, len(self.ids)))
            assert step.answer is not None
            method, args = step.answer
            try:
                getattr(s, method)(self.ids[step.n - 1], *args)
            except libepp.EppError as exc:
                b.errors.append("! error %s" % error_name(exc))
        self.collect(b)


STATE_NAMES = {"awaiting_login": "awaiting-login", "login_pending": "login-pending", "logged_in": "logged-in",
               "closing": "closing", "closed": "closed"}


def run(script: Script, byte_by_byte: bool = False) -> str:
    """Runs a script and returns its transcript."""
    if not script.steps or script.steps[0][2].kind != "start":
        raise ScriptError("the first step must be start")
    now = seconds(script.steps[0][2].ms)
    server = script.config.build(now)
    runner = Runner(libepp.Session(server, now=now), now, byte_by_byte)
    out: List[str] = []
    for i, (lineno, line, step) in enumerate(script.steps):
        b = Block()
        if i == 0:
            runner.collect(b)
        else:
            try:
                runner.step(step, b)
            except ScriptError as exc:
                raise ScriptError("line %d: %s: %s" % (lineno, exc, line)) from None
        out.append("> %s" % line)
        out.extend(b.errors)
        out.extend(frame_lines(bytes(b.output)))
        out.extend(b.queue)
        out.append("= %s" % STATE_NAMES.get(runner.session.state, runner.session.state))
    return "".join(line + "\n" for line in out)


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


def script_names() -> List[str]:
    return sorted(p.name[:-len(".script")] for p in SCRIPTS.glob("*.script"))


def first_difference(expected: str, actual: str) -> str:
    e, a = expected.splitlines(), actual.splitlines()
    i = next((k for k in range(max(len(e), len(a))) if k >= len(e) or k >= len(a) or e[k] != a[k]), 0)
    d = ["@@ line %d @@" % (i + 1)]
    d += [" " + line for line in e[max(0, i - 3):min(i, len(e))]]
    d.append("-" + e[i] if i < len(e) else "-(end of transcript)")
    d.append("+" + a[i] if i < len(a) else "+(end of transcript)")
    if i < len(e) and i < len(a):
        x, y = e[i], a[i]
        c = next((k for k in range(max(len(x), len(y))) if x[k:k + 1] != y[k:k + 1]), 0)
        d.append("first difference at character %d:" % (c + 1))
        d.append("-...%s..." % x[max(0, c - 40):c + 40])
        d.append("+...%s..." % y[max(0, c - 40):c + 40])
    return "\n".join(d)


def test_there_are_scripts_and_no_stale_transcripts() -> None:
    names = script_names()
    assert len(names) >= 40, names
    stale = [p.name for p in SCRIPTS.glob("*.transcript") if p.name[:-len(".transcript")] not in names]
    assert not stale


@pytest.mark.parametrize("name", script_names())
def test_script_matches_its_transcript(name: str) -> None:
    script = parse_script((SCRIPTS / (name + ".script")).read_text(encoding="utf-8"))
    expected = (SCRIPTS / (name + ".transcript")).read_bytes().decode("utf-8")
    actual = run(script)
    assert actual == expected, "the transcript differs from %s.transcript (- golden, + this run):\n%s" % (
        name, first_difference(expected, actual))
    one_by_one = run(script, byte_by_byte=True)
    assert one_by_one == actual, "fed one byte per call, the transcript differs (- as written, + byte by byte):\n%s" % (
        first_difference(actual, one_by_one))


@pytest.mark.parametrize("text, what", [
    ("frame <hello/>\n", "a step before start"),
    ("start 0\nstart 1\n", "one session per script"),
    ("start 0\nconfig max_in_flight 2\n", "config after start"),
    ("start 0\nraw 0\n", "hex digits"),
    ("start 0\nraw 0g\n", "hex byte"),
    ("start 0\nanswer 0 poll empty\n", "start at 1"),
    ("start 0\nanswer 1 login maybe\n", "unknown login answer"),
    ("start 0\nanswer 1 command 1234\n", "not an RFC 5730 result code"),
    ("start 0\nsplit 0 <hello/>\n", "at least 1"),
    ("start 0\nfly\n", "unknown step"),
    ("config colour blue\nstart 0\n", "unknown config key"),
    ("config unhandled_namespaces yes\nstart 0\n", "not on or off"),
    ("start 0\nanswer 1 poll msgxml 1 1 0\n", "poll msgxml needs"),
    ("# nothing\n", "no start step"),
])
def test_script_parser_rejects_malformed_scripts(text: str, what: str) -> None:
    with pytest.raises(ScriptError) as ei:
        parse_script(text)
    assert what in str(ei.value)


def test_script_parser_lines() -> None:
    s = parse_script("# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\neof\r\n")
    assert len(s.steps) == 2 and s.steps[1][1] == "eof"
    assert s.config.object_uris == ["urn:x"]


HEAD = "config object_uri urn:ietf:params:xml:ns:domain-1.0\nconfig sv_trid_epoch 7\nstart 0\n"
LOGIN = ('frame <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID>'
         "<pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs>"
         "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login></command></epp>\n")


@pytest.mark.parametrize("tail, what", [
    ("answer 1 poll empty\n", "was not handed out"),
    ("eof\nframe <epp/>\n", "input after eof"),
    (LOGIN + 'frame <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>\nnow 5\n', "time may not move"),
])
def test_runner_refuses_scripts_that_do_not_fit_the_session(tail: str, what: str) -> None:
    with pytest.raises(ScriptError) as ei:
        run(parse_script(HEAD + tail))
    assert what in str(ei.value)


def test_runner_needs_an_object_uri() -> None:
    with pytest.raises(ScriptError) as ei:
        run(parse_script("start 0\n"))
    assert "object_uris" in str(ei.value)
