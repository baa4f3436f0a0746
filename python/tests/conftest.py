"""Shared helpers: EPP frames, an asyncio server in a background thread, epptools clients."""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import threading
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

import libepp
from libepp.asyncio import Server, serve

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
CONTACT = "urn:ietf:params:xml:ns:contact-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
SECDNS = "urn:ietf:params:xml:ns:secDNS-1.1"
LOGINSEC = "urn:ietf:params:xml:ns:epp:loginSec-1.0"
T0 = 1_800_000_000.0
README = Path(__file__).resolve().parent.parent / "README.md"


def frame(xml: str | bytes) -> bytes:
    body = xml.encode() if isinstance(xml, str) else xml
    return struct.pack("!I", len(body) + 4) + body


def unframe(data: bytes) -> List[str]:
    """Splits output into frame bodies (asserting it holds whole frames only)."""
    out = []
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from("!I", data, pos)
        assert n >= 4 and pos + n <= len(data), "truncated frame"
        out.append(data[pos + 4:pos + n].decode())
        pos += n
    return out


def codes(data: bytes) -> List[int]:
    return [int(m) for body in unframe(data) for m in re.findall(r'<result code="(\d{4})">', body)[:1]]


def login_xml(clid: str = "registrar1", pw: str = "secret-pw1", cltrid: str = "ABC-1",
              objs: tuple = (DOMAIN,), exts: tuple = (), new_pw: Optional[str] = None) -> str:
    svc_ext = ""
    if exts:
        svc_ext = "<svcExtension>%s</svcExtension>" % "".join("<extURI>%s</extURI>" % e for e in exts)
    new = "<newPW>%s</newPW>" % new_pw if new_pw else ""
    return (
        '<epp xmlns="%s"><command><login><clID>%s</clID><pw>%s</pw>%s'
        "<options><version>1.0</version><lang>en</lang></options>"
        "<svcs>%s%s</svcs></login><clTRID>%s</clTRID></command></epp>"
        % (EPP, clid, pw, new, "".join("<objURI>%s</objURI>" % o for o in objs), svc_ext, cltrid)
    )


def login_sec_xml(pw: str = "p" * 20, new_pw: Optional[str] = None, clid: str = "registrar1",
                  user_agent: str = "<loginSec:app>App 1.0</loginSec:app>", cltrid: str = "ABC-1",
                  objs: tuple = (DOMAIN,), exts: tuple = (LOGINSEC,)) -> str:
    """A login using RFC 8807: each password over 16 characters travels in <loginSec:pw> or
    <loginSec:newPW>, behind the [LOGIN-SECURITY] placeholder (as epptools sends it)."""
    long_pw, long_new = len(pw) > 16, new_pw is not None and len(new_pw) > 16
    sec = "<loginSec:userAgent>%s</loginSec:userAgent>" % user_agent if user_agent else ""
    if long_pw:
        sec += "<loginSec:pw>%s</loginSec:pw>" % pw
    if long_new:
        sec += "<loginSec:newPW>%s</loginSec:newPW>" % new_pw
    new = ""
    if new_pw is not None:
        new = "<newPW>%s</newPW>" % ("[LOGIN-SECURITY]" if long_new else new_pw)
    svc_ext = "".join("<extURI>%s</extURI>" % e for e in exts)
    return (
        '<epp xmlns="%s" xmlns:loginSec="%s"><command><login><clID>%s</clID><pw>%s</pw>%s'
        "<options><version>1.0</version><lang>en</lang></options><svcs>%s%s</svcs></login>"
        "<extension><loginSec:loginSec>%s</loginSec:loginSec></extension><clTRID>%s</clTRID></command></epp>"
        % (EPP, LOGINSEC, clid, "[LOGIN-SECURITY]" if long_pw else pw, new,
           "".join("<objURI>%s</objURI>" % o for o in objs),
           "<svcExtension>%s</svcExtension>" % svc_ext if svc_ext else "", sec, cltrid)
    )


def command_xml(verb: str = "check", names: tuple = ("a.example",), cltrid: str = "CMD-1",
                extension: str = "") -> str:
    inner = "".join("<domain:name>%s</domain:name>" % n for n in names)
    ext = "<extension>%s</extension>" % extension if extension else ""
    return (
        '<epp xmlns="%s"><command><%s><domain:%s xmlns:domain="%s">%s</domain:%s></%s>%s'
        "<clTRID>%s</clTRID></command></epp>" % (EPP, verb, verb, DOMAIN, inner, verb, verb, ext, cltrid)
    )


def poll_xml(op: str = "req", msg_id: Optional[str] = None, cltrid: str = "POLL-1") -> str:
    attr = ' msgID="%s"' % msg_id if msg_id is not None else ""
    return '<epp xmlns="%s"><command><poll op="%s"%s/><clTRID>%s</clTRID></command></epp>' % (
        EPP, op, attr, cltrid)


def logout_xml(cltrid: str = "OUT-1") -> str:
    return '<epp xmlns="%s"><command><logout/><clTRID>%s</clTRID></command></epp>' % (EPP, cltrid)


HELLO = '<epp xmlns="%s"><hello/></epp>' % EPP


def make_config(**kw: Any) -> libepp.Config:
    kw.setdefault("object_uris", [DOMAIN, CONTACT, HOST])
    kw.setdefault("extension_uris", [SECDNS])
    return libepp.Config("Example EPP server", **kw)


def new_session(config: Optional[libepp.Config] = None, now: float = T0, **server_kw: Any) -> libepp.Session:
    """A session of a server of its own (started at ``now``) on ``config`` (default make_config())."""
    server = libepp.Server(config or make_config(), now=now, **server_kw)
    return libepp.Session(server, now=now)


def logged_in(config: Optional[libepp.Config] = None, now: float = T0) -> libepp.Session:
    s = new_session(config, now)
    s.take_output()
    s.feed_input(frame(login_xml()), now=now)
    (req,) = s.drain_queue()
    assert req.accept() == 1000
    assert codes(s.take_output()) == [1000]
    return s


class ServerThread:
    """libepp.asyncio.serve() on a private event loop in a daemon thread."""

    def __init__(self, handler: Any, ssl: Any = None, config: Any = None,
                 **serve_kwargs: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Server = self.call(serve(handler, "127.0.0.1", 0, ssl, config=config, **serve_kwargs))
        self.port = self.server.port

    def call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Closes the server and waits for every connection to end (once; again is a no-op)."""
        if self.loop.is_closed():
            return

        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        try:
            self.call(close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@pytest.fixture
def start_server() -> Iterator[Any]:
    started: List[ServerThread] = []

    def start(handler: Any, ssl: Any = None, config: Any = None,
              **serve_kwargs: Any) -> ServerThread:
        st = ServerThread(handler, ssl, config, **serve_kwargs)
        started.append(st)
        return st

    yield start
    for st in started:
        st.stop()


class RawClient:
    """A plain-socket EPP client for frame-level checks."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_frame(self) -> str:
        head = self._exactly(4)
        (n,) = struct.unpack("!I", head)
        return self._exactly(n - 4).decode()

    def _exactly(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return buf

    def closed_by_peer(self, seconds: float = 5.0) -> bool:
        self.sock.settimeout(seconds)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self) -> None:
        self.sock.close()


def code_of(body: str) -> int:
    m = re.search(r'<result code="(\d{4})">', body)
    assert m, body
    return int(m.group(1))
