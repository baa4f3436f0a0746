"""libepp.etp, the ETP 1.1 engine's binding: Config, Session, the requests and their answers, the
errors, and the Avro codec of the Core messages."""

from __future__ import annotations

import re
import threading
import typing
import uuid
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

import libepp
import libepp.etp
from conftest import README
from libepp import etp

SID = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
#: The issue's RequestSession: Discovery (3) as store, message id 1 (28 bytes).
ISSUE_VECTOR = bytes.fromhex("00020002000a70726f626502300206020200000a73746f7265000000")


def request_session(protocols: Sequence[Tuple[int, str]] = ((3, "store"),), message_id: int = 1,
                    objects: Sequence[str] = ()) -> bytes:
    body = etp.RequestSession("probe", "0", [etp.Protocol(p, role=r) for p, r in protocols], list(objects))
    return etp.encode_message(etp.MessageHeader(0, 1, 0, message_id), body)


def take_all(s: etp.Session) -> List[bytes]:
    out: List[bytes] = []
    while True:
        m = s.poll_output()
        if m is None:
            return out
        out.append(m)


def decoded(s: etp.Session) -> List[Tuple[etp.MessageHeader, Any]]:
    return [etp.decode_message(m) for m in take_all(s)]


def open_session(config: Optional[etp.Config] = None, **kw: Any) -> etp.Session:
    s = etp.Session(config or etp.Config(application_name="test store", application_version="1.0", **kw), SID)
    s.feed_message(request_session(((3, "store"), (4, "store"))))
    take_all(s)
    (opened,) = s.drain_queue()
    assert isinstance(opened, etp.SessionOpened)
    return s


def message(protocol: int, message_type: int, message_id: int, body: bytes = b"", flags: int = 0,
            correlation_id: int = 0) -> bytes:
    return etp.encode_message(etp.MessageHeader(protocol, message_type, correlation_id, message_id, flags), body)


# ---------------------------------------------------------------------------
# the module
# ---------------------------------------------------------------------------


def test_module_is_a_submodule_of_the_extension() -> None:
    assert libepp.etp is etp is libepp._libepp.etp
    assert etp.__name__ == "libepp.etp"
    assert "etp" in libepp.__all__
    for name in etp.__all__:
        assert hasattr(etp, name), name
    for cls in (etp.Config, etp.Session, etp.Protocol, etp.ProtocolMessage, etp.SessionEnd, etp.MessageHeader):
        assert cls.__module__ == "libepp.etp"
    assert (etp.PROTOCOL_CORE, etp.PROTOCOL_DISCOVERY, etp.PROTOCOL_STORE) == (0, 3, 4)
    assert (etp.FLAG_MULTI_PART, etp.FLAG_FINAL_PART, etp.MAX_PROTOCOLS) == (1, 2, 64)
    assert etp.ERROR_CODES == {
        1: "ENOROLE", 2: "ENOSUPPORTEDPROTOCOLS", 3: "EINVALID_MESSAGETYPE", 4: "EUNSUPPORTED_PROTOCOL",
        5: "EINVALID_ARGUMENT", 6: "EPERMISSION_DENIED", 7: "ENOTSUPPORTED", 8: "EINVALID_STATE",
        9: "EINVALID_URI", 10: "EEXPIRED_TOKEN", 11: "ENOT_FOUND",
    }
    for code, name in etp.ERROR_CODES.items():
        assert getattr(etp, name) == code
    assert issubclass(etp.DecodeError, libepp.EppError)
    assert typing.get_args(etp.Request) == (etp.SessionOpened, etp.ProtocolMessage, etp.TokenRenewal,
                                            etp.PeerException, etp.Acknowledged, etp.SessionEnd)


# ---------------------------------------------------------------------------
# Config, Protocol, DataValue
# ---------------------------------------------------------------------------


def test_config_defaults_are_the_cores() -> None:
    c = etp.Config()
    assert c.application_name == "libepp"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", c.application_version)
    assert c.protocols == [etp.Protocol(3), etp.Protocol(4)]
    assert [(p.id, p.version, p.role, p.capabilities) for p in c.protocols] == [
        (3, (1, 1, 0, 0), "store", []), (4, (1, 1, 0, 0), "store", [])]
    assert c.supported_objects == []
    assert c.limits == {"max_in_flight": 32, "max_pending_output": 1 << 20, "max_buffered_input": 1 << 20}
    assert "application_name='libepp'" in repr(c)


def test_config_keywords() -> None:
    c = etp.Config(application_name="Store", application_version="2.1",
                   protocols=[etp.Protocol(4, version=(1, 1, 0, 0), role="store"),
                              etp.Protocol(3, version="1.0.0.0", role="customer")],
                   supported_objects=["application/x-witsml+xml;version=2.0;type=*"],
                   max_in_flight=2, max_pending_output=100, max_buffered_input=50)
    assert (c.application_name, c.application_version) == ("Store", "2.1")
    assert [(p.id, p.version, p.role) for p in c.protocols] == [(4, (1, 1, 0, 0), "store"),
                                                                 (3, (1, 0, 0, 0), "customer")]
    assert c.supported_objects == ["application/x-witsml+xml;version=2.0;type=*"]
    assert c.limits == {"max_in_flight": 2, "max_pending_output": 100, "max_buffered_input": 50}
    with pytest.raises(TypeError):
        etp.Config("positional")  # type: ignore[call-arg]


@pytest.mark.parametrize("kwargs, field, words", [
    ({"protocols": []}, "protocols", "at least one"),
    ({"protocols": [etp.Protocol(0)]}, "protocols", "not a sub-protocol"),
    ({"protocols": [etp.Protocol(-2)]}, "protocols", "not a sub-protocol"),
    ({"protocols": [etp.Protocol(3), etp.Protocol(3, role="customer")]}, "protocols", "twice"),
    ({"protocols": [etp.Protocol(3, role="")]}, "protocols", "empty role"),
    ({"protocols": [etp.Protocol(i) for i in range(1, 66)]}, "protocols", "at most 64"),
    ({"max_in_flight": 0}, "limits", "at least 1"),
    ({"max_buffered_input": 0}, "limits", "at least 1"),
])
def test_config_errors_are_the_cores(kwargs: Dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(libepp.ConfigError) as ei:
        etp.Config(**kwargs)
    assert ei.value.field == field and words in ei.value.reason


def test_config_type_errors() -> None:
    with pytest.raises(TypeError):
        etp.Config(protocols=[3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        etp.Config(supported_objects="abc")
    with pytest.raises(OverflowError):
        etp.Config(max_in_flight=-1)


def test_protocol_versions_roles_and_capabilities() -> None:
    p = etp.Protocol(4, (1, 2, 3, 4), "customer", {"a": 100, "b": 1 << 40, "c": True, "d": 1.5, "e": "x",
                                                    "f": b"\x00\xff", "g": [1.0, 2], "h": None,
                                                    "i": etp.DataValue("float", 0.25)})
    assert (p.id, p.version, p.role) == (4, (1, 2, 3, 4), "customer")
    assert [(k, v.kind, v.value) for k, v in p.capabilities] == [
        ("a", "int", 100), ("b", "long", 1 << 40), ("c", "boolean", True), ("d", "double", 1.5),
        ("e", "string", "x"), ("f", "bytes", b"\x00\xff"), ("g", "array_of_double", [1.0, 2.0]),
        ("h", "null", None), ("i", "float", 0.25)]
    # A sequence of pairs keeps its order, duplicates included.
    q = etp.Protocol(3, capabilities=[("z", 1), ("a", 2), ("z", 3)])
    assert [k for k, _ in q.capabilities] == ["z", "a", "z"]
    assert etp.Protocol(3) == etp.Protocol(3, (1, 1, 0, 0), "store", {})
    assert etp.Protocol(3) != etp.Protocol(3, role="customer")
    assert repr(etp.Protocol(3, capabilities={"n": 1})) == (
        "Protocol(3, version=(1, 1, 0, 0), role='store', capabilities=[('n', DataValue('int', 1))])")
    with pytest.raises(ValueError):
        etp.Protocol(3, version=(1, 1, 0))
    with pytest.raises(ValueError):
        etp.Protocol(3, version="1.1")
    with pytest.raises(TypeError):
        etp.Protocol(3, version=1.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        etp.Protocol(3, capabilities={"x": object()})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        etp.Protocol(3, capabilities="x")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        etp.Protocol(3, capabilities={"x": 1 << 64})


def test_data_values() -> None:
    assert etp.DataValue("null").value is None
    assert etp.DataValue("long", 5).kind == "long"
    assert etp.DataValue("long", 5) != etp.DataValue("int", 5)
    assert etp.DataValue("array_of_double", (1, 2.5)).value == [1.0, 2.5]
    assert etp.DataValue("bytes", bytearray(b"ab")).value == b"ab"
    assert repr(etp.DataValue("string", "a b")) == "DataValue('string', 'a b')"
    assert repr(etp.DataValue("null")) == "DataValue('null')"
    with pytest.raises(ValueError):
        etp.DataValue("decimal", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        etp.DataValue("null", 1)
    with pytest.raises(TypeError):
        etp.DataValue("int")
    with pytest.raises(TypeError):
        etp.DataValue("boolean", 1)
    with pytest.raises(OverflowError):
        etp.DataValue("int", 1 << 31)


# ---------------------------------------------------------------------------
# the session
# ---------------------------------------------------------------------------


def test_session_ids() -> None:
    c = etp.Config()
    for given in (SID, SID.bytes, bytearray(SID.bytes), memoryview(SID.bytes)):
        s = etp.Session(c, given)
        assert s.session_id == SID and isinstance(s.session_id, uuid.UUID)
    with pytest.raises(ValueError, match="16 bytes"):
        etp.Session(c, b"short")
    with pytest.raises(TypeError):
        etp.Session(c, str(SID))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="libepp.etp.Config"):
        etp.Session(libepp.Config("epp", object_uris=["urn:x"]), SID)  # type: ignore[arg-type]


def test_negotiation_and_open_session() -> None:
    c = etp.Config(application_name="test store", application_version="1.0",
                   protocols=[etp.Protocol(3), etp.Protocol(4, capabilities={"MaxGetResourcesResponse": 100})],
                   supported_objects=["obj-1"])
    s = etp.Session(c, SID)
    assert (s.state, s.close_reason, s.is_finished, s.wants_input()) == ("awaiting_request", None, False, True)
    assert s.negotiated_protocols == [] and s.config is not None
    s.feed_message(request_session(((4, "store"), (3, "customer"), (3, "store")), message_id=7, objects=["x"]))
    assert s.pending_output == 1
    ((h, body),) = decoded(s)
    assert (h.protocol, h.message_type, h.correlation_id, h.message_id, h.message_flags) == (0, 2, 7, 1, 0)
    assert isinstance(body, etp.OpenSession)
    assert (body.application_name, body.application_version, body.session_id) == ("test store", "1.0", str(SID))
    assert body.supported_protocols == c.protocols  # configuration order, the server's versions
    assert body.supported_objects == ["obj-1"]
    (opened,) = s.drain_queue()
    assert isinstance(opened, etp.SessionOpened) and opened.kind == "opened"
    assert (opened.application_name, opened.application_version, opened.supported_objects) == ("probe", "0", ["x"])
    assert opened.header.message_id == 7 and opened.protocols == c.protocols
    assert opened.session is s
    assert s.state == "open" and s.negotiated_protocols == c.protocols


def test_no_supported_protocol_ends_the_session() -> None:
    s = etp.Session(etp.Config(), SID)
    s.feed_message(request_session(((5, "store"), (3, "customer"))))
    (h1, exc), (h2, close) = decoded(s)
    assert isinstance(exc, etp.ProtocolException) and exc.error_code == etp.ENOSUPPORTEDPROTOCOLS
    assert exc.error_name == "ENOSUPPORTEDPROTOCOLS" and h1.correlation_id == 1
    assert isinstance(close, etp.CloseSession) and close.reason == "no supported protocols"
    (end,) = s.drain_queue()
    assert isinstance(end, etp.SessionEnd) and end.reason == "no_supported_protocols" and end.message is None
    assert s.state == "closed" and s.is_finished and s.close_reason == "no_supported_protocols"


def test_messages_answered_by_the_request_objects() -> None:
    s = open_session()
    s.feed_message(message(3, 1, 2, b"\x02/"))
    s.feed_message(bytearray(message(4, 1, 3, b"\x02a")))
    s.feed_message(memoryview(message(4, 1, 4, b"\x02b", flags=0x10)))
    m1, m2, m3 = list(s)
    for m in (m1, m2, m3):
        assert isinstance(m, etp.ProtocolMessage) and m.kind == "message" and m.session is s
    assert isinstance(m1, etp.ProtocolMessage) and isinstance(m2, etp.ProtocolMessage)
    assert isinstance(m3, etp.ProtocolMessage)
    assert (m1.protocol, m1.message_type, m1.message_id, m1.correlation_id, m1.body) == (3, 1, 2, 0, b"\x02/")
    assert m3.message_flags == 0x10 and m3.header == etp.MessageHeader(4, 1, 0, 4, 0x10)
    assert s.outstanding == 3 and not m1.answered
    m2.respond(2, b"\x00")
    m1.raise_exception(etp.ENOT_FOUND, "ENOT_FOUND: /")
    m3.finish()
    assert m1.answered and m2.answered and m3.answered and s.outstanding == 0
    (h2, b2), (h1, b1) = decoded(s)  # answer order; message ids in output order
    assert (h2.protocol, h2.message_type, h2.correlation_id, h2.message_id, b2) == (4, 2, 3, 2, b"\x00")
    assert (h1.protocol, h1.message_type, h1.correlation_id, h1.message_id) == (3, 1000, 2, 3)
    assert b1 == etp.ProtocolException(11, "ENOT_FOUND: /")
    with pytest.raises(libepp.AlreadyAnsweredError) as ei:
        m1.finish()
    assert ei.value.request_id == m1.id
    assert isinstance(ei.value, libepp.UnknownRequestError)


def test_multi_part_answers() -> None:
    s = open_session()
    s.feed_message(message(3, 1, 2, b"\x02/"))
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage)
    m.respond(2, b"\x01", flags=etp.FLAG_MULTI_PART)
    m.respond(2, b"\x02", flags=etp.FLAG_MULTI_PART)
    assert not m.answered and s.outstanding == 1
    m.respond(2, b"\x03", flags=etp.FLAG_MULTI_PART | etp.FLAG_FINAL_PART)
    assert m.answered and s.outstanding == 0
    assert [(h.message_flags, h.correlation_id, h.message_id, b) for h, b in decoded(s)] == [
        (1, 2, 2, b"\x01"), (1, 2, 3, b"\x02"), (3, 2, 4, b"\x03")]
    # Or parts, then finish.
    s.feed_message(message(3, 1, 3))
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage)
    m.respond(2, b"", etp.FLAG_MULTI_PART)
    m.finish()
    assert m.answered and len(take_all(s)) == 1


def test_answers_through_the_session() -> None:
    s = open_session()
    for i in range(2, 5):
        s.feed_message(message(3, 1, i))
    a, b, c = s.drain_queue()
    assert isinstance(a, etp.ProtocolMessage) and isinstance(b, etp.ProtocolMessage)
    assert isinstance(c, etp.ProtocolMessage)
    s.respond(a.id, 2, b"\x00")
    s.raise_exception(b.id, etp.EINVALID_URI)
    s.finish(c.id)
    (ha, _), (hb, eb) = decoded(s)
    assert ha.correlation_id == 2 and (hb.correlation_id, hb.message_type) == (3, 1000)
    assert eb == etp.ProtocolException(9, "")
    assert not a.answered  # answered through the session, not this object
    with pytest.raises(libepp.AlreadyAnsweredError):
        s.finish(a.id)
    with pytest.raises(libepp.UnknownRequestError) as ei:
        s.finish(999)
    assert type(ei.value) is libepp.UnknownRequestError and ei.value.request_id == 999


def test_token_renewal() -> None:
    s = open_session()
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 6, 0, 2), etp.RenewSecurityToken("t0k")))
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 6, 0, 3), etp.RenewSecurityToken("old")))
    t1, t2 = s.drain_queue()
    assert isinstance(t1, etp.TokenRenewal) and isinstance(t2, etp.TokenRenewal)
    assert (t1.kind, t1.token, t1.header.message_id, t2.token) == ("renew_token", "t0k", 2, "old")
    t1.finish()  # accepted: nothing is sent
    assert s.poll_output() is None and t1.answered
    t2.raise_exception(etp.EEXPIRED_TOKEN, "EEXPIRED_TOKEN: renew it")
    ((h, e),) = decoded(s)
    assert (h.protocol, h.message_type, h.correlation_id) == (0, 1000, 3)
    assert isinstance(e, etp.ProtocolException) and e.error_name == "EEXPIRED_TOKEN"
    s.close_session("token expired")
    ((h, close),) = decoded(s)
    assert close == etp.CloseSession("token expired")
    assert s.is_finished and s.close_reason == "host_closed_session"


def test_peer_exception_and_acknowledge_are_news() -> None:
    s = open_session()
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 1000, 1, 2), etp.ProtocolException(5, "EINVALID_ARGUMENT")))
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 1001, 1, 3), etp.Acknowledge()))
    e, a = s.drain_queue()
    assert isinstance(e, etp.PeerException) and e.kind == "peer_exception"
    assert (e.error_code, e.error_message, e.error_name, e.header.correlation_id) == (5, "EINVALID_ARGUMENT",
                                                                                       "EINVALID_ARGUMENT", 1)
    assert isinstance(a, etp.Acknowledged) and a.kind == "acknowledged" and a.header.message_id == 3
    assert s.outstanding == 0 and s.poll_output() is None
    assert "EINVALID_ARGUMENT" in repr(e) and "message_id=3" in repr(a)


def test_protocol_errors_are_messages_not_exceptions() -> None:
    s = etp.Session(etp.Config(), SID)
    s.feed_message(message(3, 1, 1))  # before RequestSession
    s.feed_message(b"\x80")  # a header that does not decode
    (h1, e1), (h2, e2) = decoded(s)
    assert isinstance(e1, etp.ProtocolException) and e1.error_code == etp.EINVALID_STATE
    assert isinstance(e2, etp.ProtocolException) and e2.error_code == etp.EINVALID_ARGUMENT
    assert h2.correlation_id == 0 and s.state == "awaiting_request"


def test_client_close_session() -> None:
    s = open_session()
    s.feed_message(message(3, 1, 2))
    (m,) = s.drain_queue()
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 5, 0, 3), etp.CloseSession("bye")))
    (end,) = s.drain_queue()
    assert isinstance(end, etp.SessionEnd) and end.kind == "session_end"
    assert end.reason == "client_closed" and end.reason.kind == "client_closed" and end.message == "bye"
    assert isinstance(end.reason, libepp.CloseReason) and "CloseSession" in str(end.reason)
    assert s.state == "closed" and s.is_finished and not s.wants_input()
    with pytest.raises(libepp.SessionClosedError) as ei:
        s.feed_message(message(3, 1, 4))
    assert ei.value.reason == "client_closed"
    assert isinstance(m, etp.ProtocolMessage)
    with pytest.raises(libepp.SessionClosedError):
        m.finish()  # dropped at the end
    with pytest.raises(libepp.SessionClosedError):
        s.close_session()


def test_host_close_session_waits_for_the_output_to_be_taken() -> None:
    s = open_session()
    s.close_session()
    assert s.state == "closing" and not s.is_finished and s.pending_output == 1
    states = [s.state]
    (end,) = s.drain_queue()
    assert isinstance(end, etp.SessionEnd) and end.reason == "host_closed_session"
    m = s.peek_output()
    assert m is not None and s.peek_output() == m
    assert s.consume_output() and not s.consume_output()
    assert etp.decode_message(m)[1] == etp.CloseSession(None)
    states.append(s.state)
    assert states == ["closing", "closed"] and s.is_finished


def test_close_drops_output_not_taken() -> None:
    s = etp.Session(etp.Config(), SID)
    s.feed_message(ISSUE_VECTOR)
    s.close()
    assert s.poll_output() is None and s.state == "closed" and s.close_reason == "host"
    kinds = [r.kind for r in s.drain_queue()]
    assert kinds == ["opened", "session_end"]


def test_eof() -> None:
    s = open_session()
    s.handle_eof()
    (end,) = s.drain_queue()
    assert isinstance(end, etp.SessionEnd) and end.reason == "peer_closed"
    assert s.is_finished
    s.handle_eof()  # again: nothing
    # With messages held, the end of input waits for them; input after it is refused.
    s = open_session(max_in_flight=1)
    s.feed_message(message(3, 1, 2))
    s.feed_message(message(3, 1, 3))
    assert not s.wants_input() and s.buffered_input > 0
    s.handle_eof()
    with pytest.raises(libepp.InputAfterEofError):
        s.feed_message(message(3, 1, 4))
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage)
    m.finish()
    # The held message was handled, then the end of input ended the session, which drops the
    # requests still outstanding (none would be read after it).
    (end,) = s.drain_queue()
    assert isinstance(end, etp.SessionEnd) and end.reason == "peer_closed"
    assert s.is_finished and s.outstanding == 0


def test_backpressure_and_a_full_buffer() -> None:
    s = open_session(max_in_flight=1, max_buffered_input=10)
    s.feed_message(message(3, 1, 2))
    assert not s.wants_input()
    s.feed_message(message(3, 1, 3))  # held
    held = s.buffered_input
    with pytest.raises(libepp.InputBufferFullError) as ei:
        s.feed_message(message(3, 1, 4, b"x" * 8))
    assert ei.value.limit == 10 and s.buffered_input == held
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage)
    m.finish()
    assert s.buffered_input == 0
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage) and m.message_id == 3


def test_a_large_message_is_fed_whole() -> None:
    s = open_session()
    body = bytes(range(256)) * 1024
    s.feed_message(message(4, 5, 2, body))
    (m,) = s.drain_queue()
    assert isinstance(m, etp.ProtocolMessage) and m.body == body
    m.respond(6, body)
    ((h, b),) = [etp.split_message(x) for x in take_all(s)]
    assert b == body and h.correlation_id == 2


def test_session_shared_between_threads() -> None:
    s = open_session(max_in_flight=1000)
    n, per = 4, 50
    errors: List[BaseException] = []

    def feed(k: int) -> None:
        try:
            for i in range(per):
                s.feed_message(message(3, 1, 1000 * (k + 1) + i))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    requests = s.drain_queue()
    assert len(requests) == n * per
    for r in requests:
        assert isinstance(r, etp.ProtocolMessage)
        r.respond(2, b"")
    ids = [etp.split_message(m)[0].message_id for m in take_all(s)]
    assert ids == list(range(2, 2 + n * per))


def test_iteration_and_reprs() -> None:
    s = open_session()
    it = iter(s)
    assert iter(it) is it
    with pytest.raises(StopIteration):
        next(it)
    s.feed_message(message(3, 1, 2, b"ab"))
    s.feed_message(etp.encode_message(etp.MessageHeader(0, 6, 0, 3), etp.RenewSecurityToken("t")))
    m, t = list(s)
    assert re.fullmatch(r"<ProtocolMessage id=\d+ protocol=3 message_type=1 message_id=2 body=2 bytes>", repr(m))
    assert "TokenRenewal" in repr(t)
    assert repr(s).startswith("<libepp.etp.Session state=open session_id=%s" % SID)
    s.close()
    (end,) = s.drain_queue()
    assert repr(end) == "SessionEnd(reason='host', message=None)"


# ---------------------------------------------------------------------------
# the codec
# ---------------------------------------------------------------------------


def test_the_issue_vector() -> None:
    assert request_session() == ISSUE_VECTOR and len(ISSUE_VECTOR) == 28
    h, body = etp.decode_message(ISSUE_VECTOR)
    assert h == etp.MessageHeader(0, 1, 0, 1, 0) and hash(h) == hash(etp.MessageHeader(0, 1, 0, 1))
    assert isinstance(body, etp.RequestSession)
    assert body.requested_protocols == [etp.Protocol(3)] and body.supported_objects == []
    assert etp.RequestSession.decode(ISSUE_VECTOR[5:]) == body
    assert "RequestSession('probe', '0', [Protocol(3" in repr(body)


@pytest.mark.parametrize("header, body, hexed", [
    ((0, 5, 0, 3), etp.CloseSession(), "000a000600 00"),
    ((0, 5, 0, 3), etp.CloseSession("bye"), "000a000600 0206627965"),
    ((0, 6, 0, 2), etp.RenewSecurityToken("t0k"), "000c000400 0674306b"),
    ((0, 1000, 5, 2), etp.ProtocolException(8, "EINVALID_STATE"),
     "00d00f0a0400 101c45494e56414c49445f5354415445"),
    ((3, 1001, 7, 9, 0x10), etp.Acknowledge(), "06d20f0e1220"),
])
def test_core_message_golden_vectors(header: Tuple[int, ...], body: Any, hexed: str) -> None:
    data = bytes.fromhex(hexed.replace(" ", ""))
    h = etp.MessageHeader(*header)
    assert etp.encode_message(h, body) == data
    assert etp.encode_message(h, body.encode()) == data
    assert etp.decode_message(data) == (h, body)
    assert type(body).decode(etp.split_message(data)[1]) == body
    assert type(body).MESSAGE_TYPE == header[1]


def test_open_session_and_capabilities_round_trip() -> None:
    o = etp.OpenSession("s", "1", str(SID), [etp.Protocol(4, capabilities={"MaxGetResourcesResponse": 100}),
                                             etp.Protocol(3, capabilities={"a": etp.DataValue("float", 0.25),
                                                                           "b": [1.0, -2.0], "c": b"\x00"})],
                        ["o"])
    assert etp.OpenSession.decode(o.encode()) == o
    # SupportedProtocol with a capability, as the Rust golden vector has it.
    assert bytes.fromhex("0802020000 0a73746f7265 022e4d61784765745265736f7572636573526573706f6e736506c80100"
                         .replace(" ", "")) in o.encode()
    assert etp.OpenSession.MESSAGE_TYPE == 2 and etp.RequestSession.MESSAGE_TYPE == 1


def test_header_extremes() -> None:
    h = etp.MessageHeader(-1, 2**31 - 1, -(2**63), 2**63 - 1, -(2**31))
    data = bytes.fromhex("01feffffff0fffffffffffffffffff01feffffffffffffffff01ffffffff0f")
    assert h.encode() == data
    assert etp.split_message(data) == (h, b"")
    assert not etp.MessageHeader(3, 1, message_flags=1).is_final
    assert etp.MessageHeader(3, 1, message_flags=3).is_final and etp.MessageHeader(3, 1).is_final
    with pytest.raises(OverflowError):
        etp.MessageHeader(2**31, 0)


def test_decode_errors() -> None:
    with pytest.raises(etp.DecodeError) as ei:
        etp.split_message(b"\x00\x02")
    assert ei.value.offset == 2 and "end" in ei.value.reason
    with pytest.raises(etp.DecodeError) as ei:
        etp.CloseSession.decode(b"\x00\x00")
    assert "trailing" in ei.value.reason.lower() or "left" in ei.value.reason
    with pytest.raises(etp.DecodeError):
        etp.Acknowledge.decode(b"\x00")
    with pytest.raises(etp.DecodeError):
        etp.decode_message(bytes.fromhex("000a000600") + b"\x04")  # a union branch CloseSession lacks
    # Bodies of other protocols are not decoded.
    assert etp.decode_message(message(3, 1, 2, b"\xff")) == (etp.MessageHeader(3, 1, 0, 2), b"\xff")
    with pytest.raises(TypeError):
        etp.encode_message(etp.MessageHeader(3, 1), "text")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# the README
# ---------------------------------------------------------------------------


def test_readme_etp_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    (block,) = [b for b in blocks if "from libepp import etp" in b]
    ns: Dict[str, Any] = {"__name__": "readme"}
    exec(compile(block, str(README), "exec"), ns)
    ws = ns["ws"]
    (h1, open_), (h2, exc) = [etp.decode_message(m) for m in ws.sent]
    assert isinstance(open_, etp.OpenSession) and open_.supported_protocols == [etp.Protocol(3)]
    assert isinstance(exc, etp.ProtocolException) and exc.error_code == etp.ENOT_FOUND
    assert (h2.protocol, h2.correlation_id) == (3, 2)
    assert "OpenSession" in capsys.readouterr().out
