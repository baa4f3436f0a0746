"""The client session transcripts, through the Python binding of the client engine.

Every ``tests/client_scripts/NAME.script`` of the repository is run through ``libepp.client`` and
the transcript it produces must equal ``NAME.transcript`` beside it byte for byte: the same text
the Rust reference runner (``tests/client_transcripts.rs``) writes. Each script runs twice: with
its feed steps as written, and with every byte fed in a call of its own. The formats are
described in ``tests/client_scripts/README.md``; this runner follows the Rust one line for line.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from libepp.client import (
    ClientClosedError,
    ClientCloseReason,
    ClientConfig,
    ClientError,
    ClientSession,
    Closed,
    Greeting,
    InvalidCommandError,
    InvalidCommandXmlError,
    KeepAlive,
    LanguageNotOfferedError,
    LoginEvent,
    NoObjectServiceError,
    NotLoggedInWithError,
    PasswordTooLongError,
    Response,
    ResponseEvent,
    ResponseOverdue,
    SentCommand,
    ServiceNotOfferedError,
    VersionNotOfferedError,
    WrongStateError,
)
import libepp

SCRIPTS = Path(__file__).resolve().parents[2] / "tests" / "client_scripts"


class ScriptError(Exception):
    """The script is malformed, or does not fit the session: an error of the script."""


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------


@dataclass
class ConfigSpec:
    client_id: str = "ClientX"
    password: str = "foo-BAR2"
    new_password: Optional[str] = None
    lang: Optional[str] = None
    #: (uri, required), in order.
    object_uris: List[Tuple[str, bool]] = field(default_factory=list)
    extension_uris: List[Tuple[str, bool]] = field(default_factory=list)
    max_in_flight: Optional[int] = None
    #: Seconds; None: libepp's default; OFF: never.
    keep_alive: Any = None
    response_deadline: Optional[float] = None
    cl_trid_prefix: Optional[str] = None
    max_frame_size: Optional[int] = None

    def build(self) -> ClientConfig:
        kw: Dict[str, Any] = {}
        if self.new_password is not None:
            kw["new_password"] = self.new_password
        if self.lang is not None:
            kw["lang"] = self.lang
        # ClientConfig takes every wanted URI in order, the required ones also listed apart.
        kw["object_uris"] = [u for u, _ in self.object_uris]
        kw["required_object_uris"] = [u for u, r in self.object_uris if r]
        kw["extension_uris"] = [u for u, _ in self.extension_uris]
        kw["required_extension_uris"] = [u for u, r in self.extension_uris if r]
        if self.max_in_flight is not None:
            kw["max_in_flight"] = self.max_in_flight
        if self.keep_alive is OFF:
            kw["keep_alive"] = None
        elif self.keep_alive is not None:
            kw["keep_alive"] = self.keep_alive
        if self.response_deadline is not None:
            kw["response_deadline"] = self.response_deadline
        if self.cl_trid_prefix is not None:
            kw["cl_trid_prefix"] = self.cl_trid_prefix
        if self.max_frame_size is not None:
            kw["max_frame_size"] = self.max_frame_size
        try:
            return ClientConfig(self.client_id, self.password, **kw)
        except libepp.ConfigError as exc:
            raise ScriptError("configuration refused: %s" % exc) from None


OFF = object()

VERBS = ("check", "info", "create", "update", "delete", "renew", "transfer")
OPS = ("request", "approve", "cancel", "query", "reject")


@dataclass
class Options:
    cl_trid: Optional[str] = None
    tag: Optional[int] = None
    ext: Optional[str] = None
    op: Optional[str] = None


@dataclass
class Step:
    kind: str  # start, now, feed, eof, timeout, close, command
    ms: int = 0
    data: bytes = b""
    chunk: Optional[int] = None
    #: For a command: hello, login, logout, poll, ack, or object.
    command: str = ""
    msg_id: str = ""
    verb: str = ""
    xml: str = ""
    options: Options = field(default_factory=Options)


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


def seconds(ms: int) -> float:
    """Script milliseconds as the binding's Unix seconds (exact to the microsecond)."""
    return ms / 1000


def millis(t: float) -> int:
    """Unix seconds from the binding as whole milliseconds, rounded up (as the Rust runner
    does): the binding's times are exact to the microsecond."""
    us = round(t * 1_000_000)
    return -(-us // 1000)


def word(s: str) -> Tuple[str, str]:
    """Splits ``s`` at its first space: (word, rest); rest is "" without a space."""
    head, _, rest = s.partition(" ")
    return head, rest


def frame(xml: str) -> bytes:
    body = xml.encode("utf-8")
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


_UNESCAPES = {"\\": "\\", "s": " ", "n": "\n", "r": "\r", "t": "\t"}


def unescape(s: str) -> str:
    """Undoes the field escapes: ``\\\\``, ``\\s``, ``\\n``, ``\\r``, ``\\t``, ``\\xHH``."""
    out: List[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        i += 1
        if c != "\\":
            out.append(c)
            continue
        e = s[i:i + 1]
        i += 1
        if e in _UNESCAPES:
            out.append(_UNESCAPES[e])
        elif e == "x":
            h = s[i:i + 2]
            i += 2
            if not re.fullmatch(r"[0-9a-fA-F]{2}", h):
                raise ScriptError("bad escape \\x%s in %r" % (h, s))
            out.append(chr(int(h, 16)))
        else:
            raise ScriptError("bad escape \\%s in %r" % (e or " ", s))
    return "".join(out)


def parse_options(rest: str, xml_follows: bool) -> Tuple[Options, Optional[int]]:
    """Parses the options at the start of ``rest``. With ``xml_follows``, the options end at the
    first word starting with ``<``, whose position in ``rest`` is returned."""
    o = Options()
    pos = 0
    seen: List[str] = []
    while True:
        if pos >= len(rest):
            if xml_follows:
                raise ScriptError("the object XML (a word starting with <) is missing")
            return o, None
        tail = rest[pos:]
        if xml_follows and tail.startswith("<"):
            return o, pos
        w, _ = word(tail)
        key, eq, value = w.partition("=")
        if not eq:
            raise ScriptError("%r is not an option key=value" % w)
        if key in seen:
            raise ScriptError("option %s given twice" % key)
        seen.append(key)
        if key == "cltrid":
            o.cl_trid = unescape(value)
        elif key == "tag":
            o.tag = parse_u64(value, "tag")
        elif key == "ext":
            o.ext = unescape(value)
        elif key == "op":
            if value not in OPS:
                raise ScriptError("unknown transfer op %r" % value)
            o.op = value
        else:
            raise ScriptError("unknown option %r" % key)
        pos += len(w) + 1


def set_config(c: ConfigSpec, rest: str) -> None:
    key, value = word(rest)

    def ms(v: str) -> float:
        return seconds(parse_u64(v, key))

    if key == "client_id":
        c.client_id = value
    elif key == "password":
        c.password = value
    elif key == "new_password":
        c.new_password = value
    elif key == "lang":
        c.lang = value
    elif key == "object_uri":
        c.object_uris.append((value, False))
    elif key == "required_object_uri":
        c.object_uris.append((value, True))
    elif key == "extension_uri":
        c.extension_uris.append((value, False))
    elif key == "required_extension_uri":
        c.extension_uris.append((value, True))
    elif key == "max_in_flight":
        c.max_in_flight = parse_u64(value, key)
    elif key == "keep_alive_ms":
        c.keep_alive = OFF if value == "off" else ms(value)
    elif key == "response_deadline_ms":
        c.response_deadline = ms(value)
    elif key == "cl_trid_prefix":
        c.cl_trid_prefix = value
    elif key == "max_frame_size":
        n = parse_u64(value, key)
        if n >= 1 << 32:
            raise ScriptError("%s: number too large to fit in target type" % key)
        c.max_frame_size = n
    else:
        raise ScriptError("unknown config key %r" % key)


def parse_command(keyword: str, rest: str) -> Optional[Step]:
    if keyword in ("hello", "login", "logout", "poll"):
        o, _ = parse_options(rest, False)
        step = Step("command", command=keyword, options=o)
    elif keyword == "ack":
        msg_id, rest = word(rest)
        if not msg_id:
            raise ScriptError("ack needs a message id")
        o, _ = parse_options(rest, False)
        step = Step("command", command="ack", msg_id=unescape(msg_id), options=o)
    elif keyword == "command":
        verb, rest = word(rest)
        if verb not in VERBS:
            raise ScriptError("unknown verb %r" % verb)
        o, at = parse_options(rest, True)
        assert at is not None
        if o.op is not None and verb != "transfer":
            raise ScriptError("op= is only for command transfer")
        step = Step("command", command="object", verb=verb, xml=rest[at:], options=o)
    else:
        return None
    if step.options.op is not None and step.command != "object":
        raise ScriptError("op= is only for command transfer")
    return step


def parse_script(text: str) -> Script:
    config = ConfigSpec()
    steps: List[Tuple[int, str, Step]] = []
    started = False
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        keyword, rest = word(line)
        try:
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
            elif keyword == "server":
                step = Step("feed", data=frame(rest))
            elif keyword == "raw":
                step = Step("feed", data=parse_hex(rest))
            elif keyword == "split":
                n_text, xml = word(rest)
                n = parse_u64(n_text, "split size")
                if n == 0:
                    raise ScriptError("split size must be at least 1")
                step = Step("feed", data=frame(xml), chunk=n)
            elif keyword in ("eof", "timeout", "close") and not rest:
                step = Step(keyword)
            else:
                parsed = parse_command(keyword, rest)
                if parsed is None:
                    raise ScriptError("unknown step")
                step = parsed
        except ScriptError as exc:
            raise ScriptError("line %d: %s: %s" % (lineno, exc, line)) from None
        steps.append((lineno, line, step))
    if not started:
        raise ScriptError("no start step")
    if not config.object_uris:
        raise ScriptError("no config object_uri")
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
        if c in _FIELD_ESCAPES:
            out.append(_FIELD_ESCAPES[c])
        elif ord(c) < 0x20 or c == "\x7f":
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def opt_field(s: Optional[str]) -> str:
    return "-" if s is None else escape_field(s)


def opt_num(n: Optional[int]) -> str:
    return "-" if n is None else str(n)


def yes(b: bool) -> str:
    return "yes" if b else "no"


def frame_lines(data: bytes) -> List[str]:
    """``>`` lines for output bytes: one per complete UTF-8 frame."""
    out = []
    pos = 0
    while pos < len(data):
        n = struct.unpack_from("!I", data, pos)[0] if len(data) - pos >= 4 else None
        if n is None or n < 4 or n > len(data) - pos:
            out.append("> raw %s" % data[pos:].hex())
            break
        try:
            out.append("> %s" % escape_frame(data[pos + 4:pos + n].decode("utf-8")))
        except UnicodeDecodeError:
            out.append("> raw %s" % data[pos:pos + n].hex())
        pos += n
    return out


#: The transcript's names of the Python command kinds (the rest are the same).
KIND_NAMES = {"poll_ack": "ack"}
STATE_NAMES = {
    "awaiting_greeting": "awaiting-greeting",
    "greeting_received": "greeting-received",
    "login_sent": "login-sent",
    "logged_in": "logged-in",
    "logout_sent": "logout-sent",
    "closing": "closing",
    "closed": "closed",
}
ERROR_NAMES: List[Tuple[type, str]] = [
    (ClientClosedError, "closed"),
    (WrongStateError, "wrong-state"),
    (ServiceNotOfferedError, "service-not-offered"),
    (NoObjectServiceError, "no-object-service"),
    (VersionNotOfferedError, "version-not-offered"),
    (LanguageNotOfferedError, "language-not-offered"),
    (PasswordTooLongError, "password-too-long"),
    (NotLoggedInWithError, "not-logged-in-with"),
    (InvalidCommandXmlError, "invalid-xml"),
    (InvalidCommandError, "invalid-command"),
]


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def error_name(exc: ClientError) -> str:
    for cls, name in ERROR_NAMES:
        if type(exc) is cls:
            return name
    return "other"


def command_fields(c: SentCommand) -> str:
    return "cmd=%d kind=%s tag=%s cltrid=%s" % (c.id, kind_name(c.kind), opt_num(c.tag), opt_field(c.cl_trid))


def response_fields(r: Response) -> str:
    q = r.msgq
    return ("code=%d msg=%s results=%d rcltrid=%s svtrid=%s msgq=%s msgid=%s qdate=%s qmsg=%s "
            "resdata=%s extension=%s" % (
                r.code, escape_field(r.message), len(r.results), opt_field(r.cl_trid), opt_field(r.sv_trid),
                opt_num(q.count if q else None), opt_field(q.id if q else None),
                opt_field(q.queued_at if q else None), opt_field(q.message if q else None),
                yes(r.res_data is not None), yes(r.extension is not None)))


_PROTOCOL: Dict[str, Callable[[ClientCloseReason], str]] = {
    "bad_frame_length": lambda r: "bad-frame-length length=%s limit=%s" % (opt_num(r.length), opt_num(r.limit)),
    "malformed": lambda r: "malformed",
    "greeting_expected": lambda r: "greeting-expected",
    "unexpected_greeting": lambda r: "unexpected-greeting answering=%s" % kind_name(r.answering or "-"),
    "unsolicited": lambda r: "unsolicited",
    "cl_trid_mismatch": lambda r: "cltrid-mismatch expected=%s received=%s" % (
        opt_field(r.expected_cl_trid), opt_field(r.received_cl_trid)),
}


def close_fields(r: ClientCloseReason) -> str:
    k = r.kind
    if k == "server_closing":
        return "server-closing code=%s" % opt_num(r.code)
    if k == "peer_closed_mid_frame":
        return "peer-closed-mid-frame received=%s" % opt_num(r.received)
    if k == "protocol":
        detail = _PROTOCOL.get(r.protocol_error or "")
        return "protocol error=%s" % (detail(r) if detail else "other")
    if k == "response_overdue":
        return "response-overdue cmd=%s" % opt_num(r.command_id)
    if k in ("logout", "peer_closed", "greeting_overdue", "host"):
        return k.replace("_", "-")
    return "other"


def event_line(e: Any) -> str:
    if isinstance(e, Greeting):
        s = "? greeting hello=%s svid=%s svdate=%s" % (
            opt_num(e.hello.id if e.hello else None), escape_field(e.server_id), escape_field(e.server_date))
        s += "".join(" version=%s" % escape_field(v) for v in e.versions)
        s += "".join(" lang=%s" % escape_field(v) for v in e.languages)
        s += "".join(" obj=%s" % escape_field(v) for v in e.object_uris)
        s += "".join(" ext=%s" % escape_field(v) for v in e.extension_uris)
        return s + " dcp=%s" % opt_field(e.dcp)
    if isinstance(e, LoginEvent):
        sv = e.services
        s = "? login %s %s services=%s" % (command_fields(e.command), response_fields(e.response), yes(sv is not None))
        if sv is not None:
            s += "".join(" obj=%s" % escape_field(u) for u in sv.object_uris)
            s += "".join(" ext=%s" % escape_field(u) for u in sv.extension_uris)
            s += " lang=%s loginsec=%s" % (escape_field(sv.lang), yes(sv.login_security))
        return s
    if isinstance(e, ResponseEvent):
        return "? response %s %s" % (command_fields(e.command), response_fields(e.response))
    if isinstance(e, KeepAlive):
        return "? keepalive %s" % command_fields(e.command)
    if isinstance(e, ResponseOverdue):
        return "? overdue %s" % command_fields(e.command)
    if isinstance(e, Closed):
        return "? closed reason=%s%s" % (close_fields(e.reason), "".join(" unanswered=%d" % c.id for c in e.unanswered))
    return "? unknown %s" % escape_field(repr(e))


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------


@dataclass
class Block:
    """What one step produced."""

    #: ``+`` or ``! error`` lines.
    result: List[str] = field(default_factory=list)
    output: bytearray = field(default_factory=bytearray)
    #: ``?`` lines, in poll-queue order.
    events: List[str] = field(default_factory=list)


class Runner:
    def __init__(self, session: ClientSession, now: float, byte_by_byte: bool, use_output: bool) -> None:
        self.session = session
        self.now = now
        self.byte_by_byte = byte_by_byte
        #: Takes output with output() and consume_output() rather than take_output().
        self.use_output = use_output
        self.eof_seen = False

    def collect(self, b: Block) -> None:
        """Takes everything the session has for the host: events, then output."""
        for e in self.session:
            b.events.append(event_line(e))
        if self.use_output:
            out = self.session.output()
            self.session.consume_output(len(out))
        else:
            out = self.session.take_output()
        b.output += out

    def send(self, step: Step) -> SentCommand:
        s, o, now = self.session, step.options, self.now
        if step.command == "hello":
            return s.hello(extension=o.ext, cl_trid=o.cl_trid, tag=o.tag, now=now)
        if step.command == "login":
            return s.login(extension=o.ext, cl_trid=o.cl_trid, tag=o.tag, now=now)
        if step.command == "logout":
            return s.logout(extension=o.ext, cl_trid=o.cl_trid, tag=o.tag, now=now)
        if step.command == "poll":
            return s.poll_request(extension=o.ext, cl_trid=o.cl_trid, tag=o.tag, now=now)
        if step.command == "ack":
            return s.poll_ack(step.msg_id, extension=o.ext, cl_trid=o.cl_trid, tag=o.tag, now=now)
        return s.command(step.verb, step.xml, o.ext, o.cl_trid, o.tag, op=o.op, now=now)

    def step(self, step: Step, b: Block) -> None:
        s = self.session
        if step.kind == "start":
            raise ScriptError("one session per script")
        if step.kind == "now":
            self.now = seconds(step.ms)
        elif step.kind == "feed":
            if self.eof_seen:
                raise ScriptError("input after eof")
            size = 1 if self.byte_by_byte else max(step.chunk or len(step.data), 1)
            for i in range(0, len(step.data), size):
                try:
                    s.feed_input(step.data[i:i + size], now=self.now)
                except ClientClosedError:
                    # After the session ended, the rest is dropped, as a host drops what it
                    # read then.
                    pass
                self.collect(b)
        elif step.kind == "eof":
            self.eof_seen = True
            s.handle_eof(now=self.now)
        elif step.kind == "timeout":
            s.handle_timeout(now=self.now)
        elif step.kind == "close":
            s.close()
        elif step.kind == "command":
            try:
                c = self.send(step)
            except ClientError as exc:
                b.result.append("! error %s" % error_name(exc))
            else:
                b.result.append("+ %d kind=%s tag=%s cltrid=%s sent=%s" % (
                    c.id, kind_name(c.kind), opt_num(c.tag), opt_field(c.cl_trid),
                    opt_num(None if c.sent_at is None else millis(c.sent_at))))
        self.collect(b)

    def state_line(self) -> str:
        s = self.session
        t = s.next_timeout()
        return "= %s inflight=%d queued=%d buffered=%d timeout=%s" % (
            STATE_NAMES.get(s.state, s.state), s.in_flight, s.queued, s.buffered_input,
            opt_num(None if t is None else millis(t)))


def run(script: Script, byte_by_byte: bool = False, use_output: bool = False) -> str:
    """Runs a script and returns its transcript."""
    if not script.steps or script.steps[0][2].kind != "start":
        raise ScriptError("the first step must be start")
    now = seconds(script.steps[0][2].ms)
    config = script.config.build()
    runner = Runner(ClientSession(config, now=now), now, byte_by_byte, use_output)
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
        out.append("$ %s" % line)
        out.extend(b.result)
        out.extend(frame_lines(bytes(b.output)))
        out.extend(b.events)
        out.append(runner.state_line())
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
    assert len(names) >= 10, names
    stale = [p.name for p in SCRIPTS.glob("*.transcript") if p.name[:-len(".transcript")] not in names]
    assert not stale


@pytest.mark.parametrize("name", script_names())
def test_client_script_matches_its_transcript(name: str) -> None:
    script = parse_script((SCRIPTS / (name + ".script")).read_text(encoding="utf-8"))
    expected = (SCRIPTS / (name + ".transcript")).read_bytes().decode("utf-8")
    actual = run(script)
    assert actual == expected, "the transcript differs from %s.transcript (- golden, + this run):\n%s" % (
        name, first_difference(expected, actual))
    one_by_one = run(script, byte_by_byte=True)
    assert one_by_one == actual, "fed one byte per call, the transcript differs (- as written, + byte by byte):\n%s" % (
        first_difference(actual, one_by_one))
    # output() and consume_output() take the same bytes as take_output().
    assert run(script, use_output=True) == actual


@pytest.mark.parametrize("text, what", [
    ("hello\n", "a step before start"),
    ("start 0\nstart 1\n", "one session per script"),
    ("start 0\nconfig max_in_flight 2\n", "config after start"),
    ("start 0\nraw 0\n", "hex digits"),
    ("start 0\nraw 0g\n", "hex byte"),
    ("start 0\nsplit 0 <x/>\n", "at least 1"),
    ("start 0\nfly\n", "unknown step"),
    ("config colour blue\nstart 0\n", "unknown config key"),
    ("# nothing\n", "no start step"),
    ("start 0\n", "no config object_uri"),
    ("start 0\ncommand check tag=1\n", "object XML"),
    ("start 0\ncommand frob <x/>\n", "unknown verb"),
    ("start 0\ncommand check op=request <x/>\n", "only for command transfer"),
    ("start 0\ncommand transfer op=steal <x/>\n", "unknown transfer op"),
    ("start 0\nlogin tag=1 tag=2\n", "given twice"),
    ("start 0\nlogin colour=blue\n", "unknown option"),
    ("start 0\nlogin oops\n", "not an option"),
    ("start 0\npoll cltrid=a\\qb\n", "bad escape"),
    ("start 0\nack\n", "message id"),
    ("start 0\nlogout op=query\n", "only for command transfer"),
])
def test_client_script_parser_rejects_malformed_scripts(text: str, what: str) -> None:
    if what != "no config object_uri":
        text = "config object_uri urn:x\n" + text
    with pytest.raises(ScriptError) as ei:
        parse_script(text)
    assert what in str(ei.value)


def test_client_script_parser_lines() -> None:
    s = parse_script(
        "# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\ncommand transfer op=query tag=3 cltrid=a\\sb "
        'ext=<e\\sxmlns="urn:e"/> <d:x xmlns:d="urn:x"/> tail\r\neof\r\n')
    assert len(s.steps) == 3 and s.steps[2][1] == "eof"
    step = s.steps[1][2]
    assert (step.command, step.verb, step.xml) == ("object", "transfer", '<d:x xmlns:d="urn:x"/> tail')
    assert step.options == Options(cl_trid="a b", tag=3, ext='<e xmlns="urn:e"/>', op="query")
    assert unescape("\\x41\\t\\\\") == "A\t\\"


def test_client_runner_refuses_input_after_eof() -> None:
    with pytest.raises(ScriptError) as ei:
        run(parse_script("config object_uri urn:x\nstart 0\neof\nserver <epp/>\n"))
    assert "input after eof" in str(ei.value)


def test_client_config_keeps_the_script_order_of_required_and_wanted_uris() -> None:
    spec = ConfigSpec(object_uris=[("urn:a", False), ("urn:b", True), ("urn:c", False)],
                      extension_uris=[("urn:x", True), ("urn:y", False)])
    cfg = spec.build()
    assert cfg.object_uris == ["urn:a", "urn:b", "urn:c"] and cfg.required_object_uris == ["urn:b"]
    assert cfg.extension_uris == ["urn:x", "urn:y"] and cfg.required_extension_uris == ["urn:x"]


def test_millis_rounds_up_to_the_millisecond() -> None:
    assert millis(1_800_000_000.123) == 1_800_000_000_123
    assert millis(1_800_000_000.1231) == 1_800_000_000_124
    assert millis(seconds(1_800_000_060_000)) == 1_800_000_060_000
