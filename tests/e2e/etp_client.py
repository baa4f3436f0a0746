#!/usr/bin/env python3
"""End-to-end ETP 1.1 client for `eppd etp` (driven by eppd/tests/etp_e2e.rs).

Speaks ETP 1.1 over WebSocket with third-party libraries only: `websockets` (PyPI) for the
WebSocket, `fastavro` (PyPI) for Avro binary, with the ETP 1.1 Core schemas of
tests/e2e/etp_schemas/ (schemaless_writer / schemaless_reader). Nothing of libepp is used.

    etp_client.py HOST PORT [--expect-application NAME] [--expect-protocol ID:VERSION:ROLE]...
                  [SCENARIO...]

Without SCENARIO every scenario but server_shutdown runs, in order, against one server started with the default
configuration (protocols 3 and 4 in the role "store"); --expect-* tell happy_path what
OpenSession must say when the server was started with other flags. Each scenario prints
"ok NAME: ..." and the run ends with "PASS etp_client: N scenarios"; the first failure prints
what went wrong and exits 1. Every wait is bounded: E2E_TIMEOUT seconds per receive (default
10), E2E_TOTAL_TIMEOUT for the whole run (default 60). Only 127.0.0.1 is contacted.
"""

import argparse
import io
import json
import os
import signal
import sys
import traceback
import uuid

import fastavro
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "10"))
TOTAL_TIMEOUT = int(float(os.environ.get("E2E_TOTAL_TIMEOUT", "60")))
SUBPROTOCOL = "energistics-tp"
SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "etp_schemas")

# ETP 1.1 error codes (specification, appendix "Error Codes").
ENOSUPPORTEDPROTOCOLS = 2
EINVALID_MESSAGETYPE = 3
EUNSUPPORTED_PROTOCOL = 4
EINVALID_ARGUMENT = 5
ENOTSUPPORTED = 7
EINVALID_STATE = 8

# WebSocket close codes (RFC 6455).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


# ---------------------------------------------------------------------------------------------
# Avro, with the published schemas


def load(full_name):
    path = os.path.join(SCHEMAS, full_name + ".avsc")
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return fastavro.schema.load_schema(path), raw


HEADER, _ = load("Energistics.Datatypes.MessageHeader")
CORE = {}
for _name in (
    "RequestSession",
    "OpenSession",
    "CloseSession",
    "RenewSecurityToken",
    "ProtocolException",
    "Acknowledge",
):
    _schema, _raw = load("Energistics.Protocol.Core." + _name)
    CORE[_name] = (_schema, int(_raw["protocol"]), int(_raw["messageType"]))


def encode(schema, record):
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, schema, record)
    return buf.getvalue()


def decode_whole(schema, data, what):
    buf = io.BytesIO(data)
    try:
        record = fastavro.schemaless_reader(buf, schema, None)
    except Exception as e:  # noqa: BLE001 - any decoding failure is the server's
        raise Failure(f"{what} does not decode: {e!r} (bytes {data.hex()})") from e
    check(buf.tell() == len(data), f"{what}: {len(data) - buf.tell()} trailing bytes")
    return record


def header(protocol, message_type, message_id, correlation_id=0, flags=0):
    return {
        "protocol": protocol,
        "messageType": message_type,
        "correlationId": correlation_id,
        "messageId": message_id,
        "messageFlags": flags,
    }


def avro_string(s):
    """An Avro `string` alone (e.g. the body of Discovery GetResources: one uri)."""
    return encode("string", s)


def version(text):
    major, minor, revision, patch = (int(n) for n in text.split("."))
    return {"major": major, "minor": minor, "revision": revision, "patch": patch}


def protocol(pid, role, ver="1.1.0.0", capabilities=None):
    return {
        "protocol": pid,
        "protocolVersion": version(ver),
        "role": role,
        "protocolCapabilities": capabilities or {},
    }


def parse_protocol(spec):
    pid, ver, role = spec.split(":", 2)
    return protocol(int(pid), role, ver)


def self_check():
    """The schemas give the engine's own golden vector (src/etp/mod.rs, docs): RequestSession
    from "probe" version "0" for Discovery in the role "store", message id 1 (28 bytes)."""
    expected = bytes.fromhex("0002000200") + b"\x0aprobe\x020\x02\x06\x02\x02\x00\x00\x0astore\x00\x00\x00"
    got = encode(HEADER, header(0, 1, 1)) + encode(
        CORE["RequestSession"][0],
        {
            "applicationName": "probe",
            "applicationVersion": "0",
            "requestedProtocols": [protocol(3, "store")],
            "supportedObjects": [],
        },
    )
    check(got == expected, f"schema self-check: {got.hex()} != {expected.hex()}")


# ---------------------------------------------------------------------------------------------
# the client


class Client:
    """One WebSocket, one ETP session; checks every server message's id and header."""

    def __init__(self, url, subprotocols=(SUBPROTOCOL,), headers=None):
        self.ws = connect(
            url,
            subprotocols=list(subprotocols),
            additional_headers=headers,
            open_timeout=TIMEOUT,
            close_timeout=TIMEOUT,
            ping_interval=None,
            compression=None,
            proxy=None,
            max_size=4 * 1024 * 1024,
        )
        check(
            self.ws.subprotocol == SUBPROTOCOL,
            f"subprotocol {self.ws.subprotocol!r} echoed, expected {SUBPROTOCOL!r}",
        )
        self.next_id = 1
        self.server_id = 0
        self.session_id = None

    def __enter__(self):
        self.ws.__enter__()
        return self

    def __exit__(self, *exc):
        self.ws.__exit__(*exc)

    def send_raw(self, data):
        self.ws.send(data)

    def send(self, protocol_id, message_type, body=b"", correlation_id=0, flags=0):
        """Sends header + body; returns the message id used."""
        mid = self.next_id
        self.next_id += 1
        self.ws.send(encode(HEADER, header(protocol_id, message_type, mid, correlation_id, flags)) + body)
        return mid

    def send_core(self, name, record, correlation_id=0):
        schema, pid, mtype = CORE[name]
        return self.send(pid, mtype, encode(schema, record), correlation_id)

    def recv(self):
        """The next server message: (header, body bytes). Checks message ids 1, 2, 3..."""
        try:
            data = self.ws.recv(timeout=TIMEOUT)
        except TimeoutError as e:
            raise Failure(f"no message from the server within {TIMEOUT}s") from e
        except ConnectionClosed as e:
            raise Failure(f"the server closed the WebSocket ({describe_close(e)}) instead of answering") from e
        check(isinstance(data, bytes), f"a text message from the server: {data!r}")
        buf = io.BytesIO(data)
        try:
            h = fastavro.schemaless_reader(buf, HEADER, None)
        except Exception as e:  # noqa: BLE001
            raise Failure(f"server header does not decode: {data.hex()}") from e
        self.server_id += 1
        check(
            h["messageId"] == self.server_id,
            f"server messageId {h['messageId']}, expected {self.server_id}: {h}",
        )
        check(h["messageFlags"] == 0, f"server messageFlags {h['messageFlags']}")
        return h, data[buf.tell():]

    def recv_core(self, name, correlation_id):
        schema, pid, mtype = CORE[name]
        h, body = self.recv()
        record = decode_whole(schema, body, name) if (h["protocol"], h["messageType"]) == (pid, mtype) else None
        if record is None:
            extra = ""
            if h["messageType"] == 1000:
                extra = f" {decode_whole(CORE['ProtocolException'][0], body, 'ProtocolException')}"
            raise Failure(f"expected {name} ({pid}/{mtype}), got {h}{extra}")
        check(
            h["correlationId"] == correlation_id,
            f"{name} correlationId {h['correlationId']}, expected {correlation_id}",
        )
        return record

    def expect_exception(self, code, correlation_id, protocol_id=0, mnemonic=True):
        h, body = self.recv()
        check(h["messageType"] == 1000, f"expected a ProtocolException, got {h}")
        e = decode_whole(CORE["ProtocolException"][0], body, "ProtocolException")
        check(
            (h["protocol"], e["errorCode"], h["correlationId"]) == (protocol_id, code, correlation_id),
            f"expected ProtocolException {code} in protocol {protocol_id} correlated to "
            f"{correlation_id}, got {h} {e}",
        )
        if mnemonic:
            check(e["errorMessage"].startswith("E"), f"errorMessage without its mnemonic: {e}")
        return e["errorMessage"]

    def expect_closed(self, code, what):
        """The server closes the WebSocket with `code`, sending no more messages."""
        try:
            data = self.ws.recv(timeout=TIMEOUT)
        except TimeoutError as e:
            raise Failure(f"{what}: the WebSocket is still open after {TIMEOUT}s") from e
        except ConnectionClosed as e:
            check(e.rcvd is not None, f"{what}: connection ended without a close frame")
            check(
                e.rcvd.code == code,
                f"{what}: close code {e.rcvd.code} ({e.rcvd.reason!r}), expected {code}",
            )
            return e.rcvd.reason
        raise Failure(f"{what}: a message instead of the close: {data!r}")

    def request_session(self, protocols, name="etp_client.py"):
        mid = self.send_core(
            "RequestSession",
            {
                "applicationName": name,
                "applicationVersion": "1.0",
                "requestedProtocols": protocols,
                "supportedObjects": ["application/x-witsml+xml;version=1.4.1.1;type=well"],
            },
        )
        return mid

    def open(self, protocols):
        mid = self.request_session(protocols)
        o = self.recv_core("OpenSession", mid)
        self.session_id = o["sessionId"]
        return o


def describe_close(e):
    if e.rcvd is None:
        return "no close frame"
    return f"close {e.rcvd.code} {e.rcvd.reason!r}"


# ---------------------------------------------------------------------------------------------
# scenarios

SESSION_IDS = []
DEFAULT_PROTOCOLS = [protocol(3, "store"), protocol(4, "store")]


def check_session_id(sid):
    u = uuid.UUID(sid)
    check(str(u) == sid, f"sessionId {sid!r} is not a lowercase hyphenated UUID")
    check(u.version == 4 and u.variant == uuid.RFC_4122, f"sessionId {sid} is not a version 4 UUID")
    check(sid not in SESSION_IDS, f"sessionId {sid} given twice")
    SESSION_IDS.append(sid)


def happy_path(url, expect):
    with Client(url) as c:
        check(c.ws.ping(b"etp").wait(TIMEOUT), "no pong to a ping before the session")
        # Ask for everything expected (plus one the server lacks), with a capability.
        asked = [
            dict(p, protocolCapabilities={"maxResponseCount": {"item": "100"}})
            for p in expect["protocols"]
        ]
        asked.append(protocol(77, "store"))
        o = c.open(asked)
        check(o["applicationName"] == expect["application"], f"applicationName {o['applicationName']!r}")
        check(o["applicationVersion"] != "", "empty applicationVersion")
        check(o["supportedProtocols"] == expect["protocols"], f"supportedProtocols {o['supportedProtocols']}")
        check(o["supportedObjects"] == [], f"supportedObjects {o['supportedObjects']}")
        check_session_id(o["sessionId"])
        check(c.ws.ping(b"open").wait(TIMEOUT), "no pong to a ping in an open session")
        # Every negotiated sub-protocol: no back end yet, ENOTSUPPORTED in that protocol.
        for p in expect["protocols"]:
            mid = c.send(p["protocol"], 1, avro_string("eml://"))
            text = c.expect_exception(ENOTSUPPORTED, mid, p["protocol"])
            check("ENOTSUPPORTED" in text and "back end" in text, f"message {text!r}")
        # Messages that take no answer; the next answer proves that none was sent.
        c.send_core("RenewSecurityToken", {"token": "Bearer new-token"})
        c.send_core("Acknowledge", {}, correlation_id=1)
        c.send_core(
            "ProtocolException",
            {"errorCode": 11, "errorMessage": "ENOT_FOUND: test"},
            correlation_id=1,
        )
        first = expect["protocols"][0]["protocol"]
        c.send(first, 1001, b"", correlation_id=2)  # Acknowledge in a sub-protocol
        c.send(first, 1000, encode(CORE["ProtocolException"][0], {"errorCode": 5, "errorMessage": "x"}))
        mid = c.send(0, 77)
        c.expect_exception(EINVALID_MESSAGETYPE, mid)
        c.send_core("CloseSession", {"reason": "done"})
        c.expect_closed(CLOSE_NORMAL, "after CloseSession")
    return f"session {o['sessionId']}, protocols {[p['protocol'] for p in o['supportedProtocols']]}"


def partial_subset(url, _expect):
    with Client(url) as c:
        o = c.open(
            [
                protocol(3, "store", "1.0.0.0"),  # another version: the server answers with its own
                protocol(4, "customer"),  # the server is no Store customer
                protocol(2, "producer"),
                protocol(3, "store"),  # asked twice: listed once
            ]
        )
        check(o["supportedProtocols"] == [protocol(3, "store")], f"supportedProtocols {o['supportedProtocols']}")
        check_session_id(o["sessionId"])
        mid = c.send(4, 1, avro_string("eml://"))
        c.expect_exception(EUNSUPPORTED_PROTOCOL, mid)
        mid = c.send(3, 1, avro_string("eml://"))
        c.expect_exception(ENOTSUPPORTED, mid, 3)
    return "3:store of 3:store@1.0.0.0, 4:customer, 2:producer, 3:store"


def refused(url, asked, what):
    with Client(url) as c:
        mid = c.request_session(asked)
        c.expect_exception(ENOSUPPORTEDPROTOCOLS, mid)
        cs = c.recv_core("CloseSession", 0)
        check(cs["reason"] is not None, f"CloseSession without a reason: {cs}")
        c.expect_closed(CLOSE_NORMAL, what)
    return f"ENOSUPPORTEDPROTOCOLS, CloseSession {cs['reason']!r}, WebSocket closed"


def role_mismatch(url, _expect):
    return refused(url, [protocol(3, "customer"), protocol(4, "customer")], "role mismatch")


def none_supported(url, _expect):
    return refused(url, [protocol(99, "store"), protocol(1, "producer")], "none supported")


def messages_before_open(url, _expect):
    open_session = {
        "applicationName": "x",
        "applicationVersion": "1",
        "sessionId": str(uuid.uuid4()),
        "supportedProtocols": [],
        "supportedObjects": [],
    }
    with Client(url) as c:
        for send in (
            lambda: c.send_core("Acknowledge", {}),
            lambda: c.send_core("CloseSession", {"reason": None}),
            lambda: c.send_core("RenewSecurityToken", {"token": "t"}),
            lambda: c.send_core("OpenSession", open_session),
            lambda: c.send(3, 1, avro_string("eml://")),
            lambda: c.send(42, 7),
        ):
            mid = send()
            c.expect_exception(EINVALID_STATE, mid)
        o = c.open(DEFAULT_PROTOCOLS)
        check_session_id(o["sessionId"])
    return "6 messages refused with EINVALID_STATE, then the session opened"


def second_request_session(url, _expect):
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        mid = c.request_session([protocol(4, "store")])
        c.expect_exception(EINVALID_STATE, mid)
        mid = c.send(0, 1, b"\x03")  # a RequestSession that does not even decode
        c.expect_exception(EINVALID_STATE, mid)
        mid = c.send(4, 1, avro_string("eml://"))
        c.expect_exception(ENOTSUPPORTED, mid, 4)
    return "EINVALID_STATE twice, session still open"


def unknown_protocol(url, _expect):
    with Client(url) as c:
        c.open([protocol(3, "store")])
        check_session_id(c.session_id)
        for pid in (4, 99, 2**31 - 1, -1):
            mid = c.send(pid, 1, avro_string("eml://"))
            c.expect_exception(EUNSUPPORTED_PROTOCOL, mid)
    return "4 (not negotiated), 99, 2^31-1, -1: EUNSUPPORTED_PROTOCOL"


def unknown_message_type(url, _expect):
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        for mtype in (77, 3, 2, 0, -5):  # 2: OpenSession, which a server never takes
            mid = c.send(0, mtype)
            c.expect_exception(EINVALID_MESSAGETYPE, mid)
        mid = c.send(3, 9999, b"\x00")  # a negotiated protocol: the host's to answer
        c.expect_exception(ENOTSUPPORTED, mid, 3)
    return "Core 77, 3, 2, 0, -5: EINVALID_MESSAGETYPE; Discovery 9999: ENOTSUPPORTED"


def malformed_bodies(url, _expect):
    good = encode(
        CORE["RequestSession"][0],
        {
            "applicationName": "x",
            "applicationVersion": "1",
            "requestedProtocols": [protocol(3, "store")],
            "supportedObjects": [],
        },
    )
    with Client(url) as c:
        # Before the session: headers that do not decode, RequestSession bodies that do not.
        for raw in (
            b"",
            b"\x80\x80",  # a varint that never ends
            b"\x00\x02\x00\x02",  # the header ends too early
        ):
            c.send_raw(raw)
            c.expect_exception(EINVALID_ARGUMENT, 0)
        for body in (
            good[:-2],  # truncated
            good + b"\x00",  # a trailing byte
            b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f",  # a string length of 2^62
            b"\x02x\x021\xfe\xff\xff\xff\x0f",  # an array of 2^31 items in 0 bytes
            b"\x02\xff\x021\x00\x00",  # not UTF-8
        ):
            mid = c.send(0, 1, body)
            text = c.expect_exception(EINVALID_ARGUMENT, mid)
            check("RequestSession" in text, f"message {text!r}")
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        for mtype, body in (
            (5, b"\x04"),  # CloseSession: union index 2 of 2
            (5, b"\x02\x10ab"),  # CloseSession: a reason shorter than its length
            (6, b""),  # RenewSecurityToken without its token
            (1000, b"\x0e"),  # ProtocolException without its message
            (1001, b"\x00"),  # Acknowledge with a trailing byte
        ):
            mid = c.send(0, mtype, body)
            c.expect_exception(EINVALID_ARGUMENT, mid)
        mid = c.send(4, 1, avro_string("eml://"))
        c.expect_exception(ENOTSUPPORTED, mid, 4)
    return "3 bad headers, 5 bad RequestSessions, 5 bad Core bodies: EINVALID_ARGUMENT; session still open"


def text_frame(url, _expect):
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        c.ws.send("RequestSession, as text")
        reason = c.expect_closed(CLOSE_POLICY, "a text message")
    return f"closed with 1008 ({reason!r})"


def oversized_message(url, _expect):
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        c.send(3, 1, b"\x00" * (2 * 1024 * 1024))
        reason = c.expect_closed(CLOSE_TOO_BIG, "a 2 MiB message")
    return f"closed with 1009 ({reason!r})"


def client_close_session(url, _expect):
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        c.send_core("CloseSession", {"reason": None})
        c.expect_closed(CLOSE_NORMAL, "after the client's CloseSession")
    return "no message, WebSocket closed with 1000"


def handshake(url, _expect):
    results = []
    for subprotocols, headers, path, status in (
        (["chat"], None, "/", 400),
        ([], None, "/", 400),
        ([SUBPROTOCOL], {"etp-encoding": "json"}, "/", 400),
        ([SUBPROTOCOL], None, "/etp", 404),
    ):
        try:
            with Client(url.rstrip("/") + path, subprotocols=subprotocols, headers=headers):
                pass
        except InvalidStatus as e:
            got = e.response.status_code
            body = (e.response.body or b"").decode("utf-8", "replace").strip()
            check(got == status, f"status {got}, expected {status} ({body})")
            check(body, f"HTTP {got} without an explanation")
            if status == 400 and headers is None:
                check(SUBPROTOCOL in body, f"the refusal does not name {SUBPROTOCOL}: {body!r}")
            results.append(f"{status}")
            continue
        raise Failure(f"handshake with {subprotocols} {headers} {path} was accepted")
    with Client(url, subprotocols=["chat", SUBPROTOCOL]) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
    return f"refused: {', '.join(results)}; [chat, {SUBPROTOCOL}] accepted"


def server_shutdown(url, _expect):
    """Run on its own: opens a session, says "ready", and waits for the server to stop."""
    with Client(url) as c:
        c.open(DEFAULT_PROTOCOLS)
        check_session_id(c.session_id)
        print("ready: session open, waiting for the server to shut down", flush=True)
        cs = c.recv_core("CloseSession", 0)
        check(cs["reason"] == "server shutting down", f"CloseSession {cs}")
        reason = c.expect_closed(CLOSE_GOING_AWAY, "server shutdown")
    return f"CloseSession {cs['reason']!r}, then closed with 1001 ({reason!r})"


def fresh_session(url, expect):
    before = len(SESSION_IDS)
    detail = happy_path(url, expect)
    check(len(SESSION_IDS) == before + 1, "no new session id")
    return f"{detail}; {len(SESSION_IDS)} distinct session ids in this run"


SCENARIOS = [
    ("happy_path", happy_path),
    ("partial_subset", partial_subset),
    ("role_mismatch", role_mismatch),
    ("none_supported", none_supported),
    ("messages_before_open", messages_before_open),
    ("second_request_session", second_request_session),
    ("unknown_protocol", unknown_protocol),
    ("unknown_message_type", unknown_message_type),
    ("malformed_bodies", malformed_bodies),
    ("text_frame", text_frame),
    ("oversized_message", oversized_message),
    ("client_close_session", client_close_session),
    ("handshake", handshake),
    ("fresh_session", fresh_session),
]
# Run only when named.
EXPLICIT = [("server_shutdown", server_shutdown)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--expect-application", default="eppd")
    parser.add_argument("--expect-protocol", action="append", default=[])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    args = parser.parse_intermixed_args()
    known = [n for n, _ in SCENARIOS + EXPLICIT]
    unknown = set(args.scenarios) - set(known)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; known: {known}")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("etp_client.py talks to the loopback interface only")

    def watchdog(_signum, _frame):
        raise Failure(f"the run took longer than {TOTAL_TIMEOUT}s")

    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(TOTAL_TIMEOUT)

    expect = {
        "application": args.expect_application,
        "protocols": [parse_protocol(p) for p in args.expect_protocol] or DEFAULT_PROTOCOLS,
    }
    url = f"ws://{args.host}:{args.port}/"
    chosen = [(n, f) for n, f in SCENARIOS + EXPLICIT if n in args.scenarios] or SCENARIOS
    current = "schemas"
    try:
        self_check()
        print("ok schemas: the engine's RequestSession vector, byte for byte", flush=True)
        for current, scenario in chosen:
            detail = scenario(url, expect)
            print(f"ok {current}: {detail}", flush=True)
    except Failure as e:
        print(f"FAIL {current}: {e}", flush=True)
        traceback.print_exc()
        return 1
    except Exception as e:  # noqa: BLE001 - report anything else the same way
        print(f"FAIL {current}: unexpected error {e!r}", flush=True)
        traceback.print_exc()
        return 1
    print(f"PASS etp_client: {len(chosen)} scenarios", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
