"""The ETP session transcripts, through the Python binding.

Every ``tests/etp_scripts/NAME.script`` of the repository is run through ``libepp.etp`` and the
transcript it produces must equal ``NAME.transcript`` beside it byte for byte: the same text the
Rust reference runner (``tests/etp_transcripts.rs``) writes. Each script runs twice, as the Rust
runner runs it: taking output with ``poll_output`` and answering through the request objects, then
taking output with ``peek_output`` + ``consume_output`` and answering through the session's own
verbs (``Session.respond(request_id, ...)``, ...). Every message the session sends must decode (a
header; for protocol 0, or message type 1000, the Core body). The formats are described in
``tests/etp_scripts/README.md``; this runner follows the Rust one line for line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

import libepp
from libepp import etp

SCRIPTS = Path(__file__).resolve().parents[2] / "tests" / "etp_scripts"


class ScriptError(Exception):
    """The script is malformed, or does not fit the session: an error of the script."""


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------


@dataclass
class ConfigSpec:
    application_name: str = "libepp test server"
    application_version: str = "1.0"
    #: None: libepp's defaults.
    protocols: Optional[List[Tuple[int, Tuple[int, int, int, int], str, List[Tuple[str, etp.DataValue]]]]] = None
    supported_objects: List[str] = field(default_factory=list)
    session_id: bytes = bytes.fromhex("00112233445566778899aabbccddeeff")
    #: Config keyword arguments for the limits the script sets.
    limits: Dict[str, int] = field(default_factory=dict)

    def build(self) -> etp.Config:
        protocols = None
        if self.protocols is not None:
            protocols = [etp.Protocol(i, version=v, role=r, capabilities=c) for i, v, r, c in self.protocols]
        try:
            return etp.Config(
                application_name=self.application_name,
                application_version=self.application_version,
                protocols=protocols,
                supported_objects=self.supported_objects,
                **self.limits,
            )
        except libepp.ConfigError as exc:
            raise ScriptError("configuration refused: %s" % exc) from None


@dataclass
class Step:
    kind: str  # start, message, eof, close, close_session, answer
    data: bytes = b""
    reason: Optional[str] = None
    n: int = 0
    #: ("respond", message_type, flags, body) | ("raise", code, message) | ("finish",)
    answer: Tuple[Any, ...] = ()


@dataclass
class Script:
    config: ConfigSpec
    #: (line number, the line as written, the step).
    steps: List[Tuple[int, str, Step]]


def word(s: str) -> Tuple[str, str]:
    """Splits ``s`` at its first space: (word, rest); rest is "" without a space."""
    head, _, rest = s.partition(" ")
    return head, rest


def parse_int(s: str, what: str, bits: int = 64, signed: bool = True) -> int:
    if not re.fullmatch(r"-?[0-9]+", s):
        raise ScriptError("%s: %r is not a decimal number" % (what, s))
    n = int(s)
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    if not lo <= n < hi:
        raise ScriptError("%s: %r is out of range" % (what, s))
    return n


def parse_i32(s: str, what: str) -> int:
    return parse_int(s, what, 32)


def parse_usize(s: str, what: str) -> int:
    return parse_int(s, what, 64, signed=False)


def parse_hex(s: str) -> bytes:
    """Hex digits in either case, spaces anywhere; ``-`` or nothing is empty."""
    if s == "-":
        return b""
    digits = s.replace(" ", "")
    if len(digits) % 2:
        raise ScriptError("%r is not an even number of hex digits" % s)
    out = bytearray()
    for i in range(0, len(digits), 2):
        pair = digits[i:i + 2]
        if not re.fullmatch(r"[0-9a-fA-F]{2}", pair):
            raise ScriptError("%r is not a hex byte" % pair)
        out.append(int(pair, 16))
    return bytes(out)


def parse_version(s: str) -> Tuple[int, int, int, int]:
    p = s.split(".")
    if len(p) != 4:
        raise ScriptError("version %r is not major.minor.revision.patch" % s)
    major, minor, revision, patch = (parse_i32(x, name) for x, name in zip(p, ("major", "minor", "revision", "patch")))
    return major, minor, revision, patch


def parse_config(c: ConfigSpec, rest: str) -> None:
    key, value = word(rest)
    if key == "application_name":
        c.application_name = value
    elif key == "application_version":
        c.application_version = value
    elif key == "protocol":
        p = value.split(" ", 2)
        if len(p) != 3:
            raise ScriptError("protocol <id> <version> <role>")
        if c.protocols is None:
            c.protocols = []
        c.protocols.append((parse_i32(p[0], "protocol"), parse_version(p[1]), p[2], []))
    elif key == "capability":
        if not c.protocols:
            raise ScriptError("capability before any protocol line")
        name, rest = word(value)
        kind, v = word(rest)
        dv: etp.DataValue
        if kind == "null" and not v:
            dv = etp.DataValue("null")
        elif kind == "int":
            dv = etp.DataValue("int", parse_i32(v, "int"))
        elif kind == "long":
            dv = etp.DataValue("long", parse_int(v, "long"))
        elif kind == "string":
            dv = etp.DataValue("string", v)
        elif kind == "boolean":
            if v not in ("true", "false"):
                raise ScriptError("boolean %r" % v)
            dv = etp.DataValue("boolean", v == "true")
        else:
            raise ScriptError("capability kind %r" % kind)
        c.protocols[-1][3].append((name, dv))
    elif key == "supported_object":
        c.supported_objects.append(value)
    elif key == "session_id":
        b = parse_hex(value)
        if len(b) != 16:
            raise ScriptError("session_id takes 16 bytes")
        c.session_id = b
    elif key in ("max_in_flight", "max_pending_output", "max_buffered_input"):
        c.limits[key] = parse_usize(value, key)
    else:
        raise ScriptError("unknown config key %r" % key)


def parse_answer(rest: str) -> Tuple[int, Tuple[Any, ...]]:
    n_text, rest = word(rest)
    n = parse_usize(n_text, "answer number")
    if n == 0:
        raise ScriptError("answer numbers start at 1")
    kind, rest = word(rest)
    if kind == "respond":
        t, rest = word(rest)
        f, body = word(rest)
        return n, ("respond", parse_i32(t, "message type"), parse_i32(f, "flags"), parse_hex(body))
    if kind == "raise":
        code, message = word(rest)
        return n, ("raise", parse_i32(code, "code"), message)
    if kind == "finish" and not rest:
        return n, ("finish",)
    raise ScriptError("unknown answer %r" % kind)


def parse_script(text: str) -> Script:
    config = ConfigSpec()
    steps: List[Tuple[int, str, Step]] = []
    for i, line in enumerate(text.split("\n")):
        lineno = i + 1
        if line.endswith("\r"):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        kw, rest = word(line)
        try:
            if kw == "config":
                if steps:
                    raise ScriptError("config after start")
                parse_config(config, rest)
                continue
            if kw == "start" and not rest:
                step = Step("start")
            elif kw == "message":
                step = Step("message", data=parse_hex(rest))
            elif kw in ("eof", "close") and not rest:
                step = Step(kw)
            elif kw == "close_session":
                step = Step("close_session", reason=rest if rest else None)
            elif kw == "answer":
                n, answer = parse_answer(rest)
                step = Step("answer", n=n, answer=answer)
            else:
                raise ScriptError("unknown line %r" % line)
            if (not steps) != (step.kind == "start"):
                raise ScriptError("start must be the first step, and only once")
        except ScriptError as exc:
            raise ScriptError("line %d: %s" % (lineno, exc)) from None
        steps.append((lineno, line, step))
    if not steps:
        raise ScriptError("no start")
    return Script(config, steps)


# ---------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", " ": "\\s", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def esc(s: str) -> str:
    """``\\`` ``\\\\``, space ``\\s``, LF ``\\n``, CR ``\\r``, tab ``\\t``, other controls and DEL
    ``\\xHH``."""
    out = []
    for c in s:
        e = _ESCAPES.get(c)
        if e is not None:
            out.append(e)
        elif ord(c) < 0x20 or c == "\x7f":
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def hexs(b: bytes) -> str:
    return b.hex() if b else "-"


def check_sent(m: bytes) -> None:
    """Every message sent decodes: a header, and the Core body for protocol 0 or type 1000."""
    header, body = etp.decode_message(m)
    if header.protocol == etp.PROTOCOL_CORE and header.message_type not in (2, 5, 1000):
        raise AssertionError("the engine sent Core message type %d: %s" % (header.message_type, m.hex()))
    if header.message_type == 1000:
        assert isinstance(body, etp.ProtocolException), m.hex()


STATE_NAMES = {"awaiting_request": "awaiting-request", "open": "open", "closing": "closing", "closed": "closed"}

REASON_NAMES = {"client_closed": "client-closed", "no_supported_protocols": "no-supported-protocols",
                "host_closed_session": "host-closed-session", "peer_closed": "peer-closed", "host": "host"}

ERROR_NAMES: List[Tuple[type, str]] = [
    # Subclasses first: AlreadyAnsweredError is an UnknownRequestError.
    (libepp.SessionClosedError, "closed"),
    (libepp.AlreadyAnsweredError, "already-answered"),
    (libepp.UnknownRequestError, "unknown-request"),
    (libepp.InputAfterEofError, "input-after-eof"),
    (libepp.InputBufferFullError, "input-buffer-full"),
]


def error_name(e: libepp.EppError) -> str:
    for cls, name in ERROR_NAMES:
        if isinstance(e, cls):
            return name
    return "other"


Answerable = Union[etp.ProtocolMessage, etp.TokenRenewal]


class Runner:
    def __init__(self, session: etp.Session, peek: bool, through_session: bool) -> None:
        self.session = session
        #: Take output with peek_output + consume_output (else poll_output).
        self.peek = peek
        #: Answer through Session.respond/raise_exception/finish (else the request objects).
        self.through_session = through_session
        #: The requests handed out that take an answer, in order.
        self.requests: List[Answerable] = []
        self.out: List[str] = []

    def take(self) -> Optional[bytes]:
        s = self.session
        if not self.peek:
            return s.poll_output()
        m = s.peek_output()
        if m is not None:
            assert s.consume_output()
        return m

    def collect(self) -> None:
        while True:
            m = self.take()
            if m is None:
                break
            check_sent(m)
            self.out.append("< %s" % hexs(m))
        for r in self.session.drain_queue():
            self.out.append(self.line(r))

    def line(self, r: Any) -> str:
        if isinstance(r, etp.SessionOpened):
            s = "! opened id=%d app=%s version=%s" % (
                r.header.message_id, esc(r.application_name), esc(r.application_version))
            s += "".join(" protocol=%d:%s:%s" % (p.id, ".".join(map(str, p.version)), esc(p.role))
                         for p in r.protocols)
            return s + "".join(" object=%s" % esc(o) for o in r.supported_objects)
        if isinstance(r, etp.ProtocolMessage):
            self.requests.append(r)
            h = r.header
            return "? %d message protocol=%d type=%d correlation=%d id=%d flags=%d body=%s" % (
                len(self.requests), h.protocol, h.message_type, h.correlation_id, h.message_id,
                h.message_flags, hexs(r.body))
        if isinstance(r, etp.TokenRenewal):
            self.requests.append(r)
            return "? %d renew-token id=%d token=%s" % (len(self.requests), r.header.message_id, esc(r.token))
        if isinstance(r, etp.PeerException):
            return "! exception id=%d correlation=%d code=%d message=%s" % (
                r.header.message_id, r.header.correlation_id, r.error_code, esc(r.error_message))
        if isinstance(r, etp.Acknowledged):
            return "! ack id=%d correlation=%d" % (r.header.message_id, r.header.correlation_id)
        if isinstance(r, etp.SessionEnd):
            name = REASON_NAMES.get(r.reason.kind, "other")
            return "! end %s" % name if r.message is None else "! end %s message=%s" % (name, esc(r.message))
        return "! other %r" % (r,)

    def answer(self, req: Answerable, answer: Tuple[Any, ...]) -> None:
        s = self.session
        if self.through_session:
            if answer[0] == "respond":
                s.respond(req.id, answer[1], answer[3], answer[2])
            elif answer[0] == "raise":
                s.raise_exception(req.id, answer[1], answer[2])
            else:
                s.finish(req.id)
        elif answer[0] == "respond":
            req.respond(answer[1], answer[3], flags=answer[2])
        elif answer[0] == "raise":
            req.raise_exception(answer[1], answer[2])
        else:
            req.finish()


def run(script: Script, peek: bool = False, through_session: bool = False) -> str:
    """Runs a script and returns its transcript."""
    c = script.config
    config = c.build()
    runner: Optional[Runner] = None
    for lineno, line, step in script.steps:
        if runner is not None:
            runner.out.append("> %s" % line)
        try:
            if step.kind == "start":
                runner = Runner(etp.Session(config, c.session_id), peek, through_session)
                runner.out.append("> %s" % line)
            else:
                assert runner is not None
                s = runner.session
                if step.kind == "message":
                    s.feed_message(step.data)
                elif step.kind == "eof":
                    s.handle_eof()
                elif step.kind == "close":
                    s.close()
                elif step.kind == "close_session":
                    s.close_session(step.reason)
                elif step.kind == "answer":
                    if step.n > len(runner.requests):
                        raise ScriptError("line %d: request %d was not handed out" % (lineno, step.n))
                    runner.answer(runner.requests[step.n - 1], step.answer)
        except libepp.EppError as exc:
            assert runner is not None
            runner.out.append("! error %s" % error_name(exc))
        assert runner is not None
        runner.collect()
        runner.out.append("= %s" % STATE_NAMES[runner.session.state])
    assert runner is not None
    return "".join(line + "\n" for line in runner.out)


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
    return "\n".join(d)


def test_there_are_scripts_and_no_stale_transcripts() -> None:
    names = script_names()
    assert len(names) >= 10, names
    stale = [p.name for p in SCRIPTS.glob("*.transcript") if p.name[:-len(".transcript")] not in names]
    assert not stale


@pytest.mark.parametrize("name", script_names())
def test_etp_script_matches_its_transcript(name: str) -> None:
    text = (SCRIPTS / (name + ".script")).read_text(encoding="utf-8")
    assert text.startswith("#"), "a script starts with comments saying what it covers"
    script = parse_script(text)
    expected = (SCRIPTS / (name + ".transcript")).read_bytes().decode("utf-8")
    actual = run(script)
    assert actual == expected, "the transcript differs from %s.transcript (- golden, + this run):\n%s" % (
        name, first_difference(expected, actual))
    other = run(script, peek=True, through_session=True)
    assert other == actual, (
        "with peek_output/consume_output and the session's verbs, the transcript differs "
        "(- request objects, + session verbs):\n%s" % first_difference(actual, other))


@pytest.mark.parametrize("text", [
    "message 00",
    "start\nstart",
    "start\nconfig application_name x",
    "start\nmessage 0",
    "start\nanswer 0 finish",
    "start\nanswer 1 reply",
    "config protocol 3 1.1 store\nstart",
    "config capability a int 1\nstart",
    "config nonsense 1\nstart",
    "start\nbogus",
])
def test_malformed_scripts_are_refused(text: str) -> None:
    with pytest.raises(ScriptError):
        parse_script(text)


def test_script_parser_lines() -> None:
    s = parse_script("# c\r\n\r\nconfig supported_object a b\r\nstart\r\nclose_session\r\nclose_session bye now\r\n")
    assert [st.kind for _, _, st in s.steps] == ["start", "close_session", "close_session"]
    assert s.steps[1][2].reason is None and s.steps[2][2].reason == "bye now"
    assert s.config.supported_objects == ["a b"]


def test_runner_refuses_answers_to_requests_not_handed_out() -> None:
    with pytest.raises(ScriptError, match="was not handed out"):
        run(parse_script("start\nanswer 1 finish\n"))


def test_runner_refuses_a_configuration_libepp_refuses() -> None:
    with pytest.raises(ScriptError, match="configuration refused"):
        run(parse_script("config max_in_flight 0\nstart\n"))
