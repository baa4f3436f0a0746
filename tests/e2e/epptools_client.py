#!/usr/bin/env python3
"""End-to-end check of an EPP server with the `epptools` client (PyPI), over TLS or plain TCP.

usage: [E2E_CA_FILE=ca.pem] [E2E_DOMAIN=name.example] epptools_client.py [--ext-uris library|none]
       HOST PORT CLID PASSWORD MSG1 [MSG2]

With E2E_CA_FILE, epptools connects over TLS as shipped (``Config(ca_file=...)``: the server's
certificate is verified against that CA, and its name against HOST). Without it, a plain TCP
socket: ``Client(config, connection=...)`` accepts any Transport, and PlainConnection below only
replaces ``open()`` of epptools' own ``Connection``, so the library's RFC 5734 framing and
everything above it are used as shipped. Both record the last frame written and read, so that
the clTRID that epptools generated can be checked against the raw response bytes (epptools' own
check is lenient: it accepts a response without a clTRID and a truncated/padded one).

--ext-uris library (default): log in exactly as epptools does out of the box. NOTE: when the
    greeting advertises no <extURI>, epptools announces its DEFAULT_EXT_URIS at login anyway:
    secDNS-1.1, rgp-1.0 and epp:fee-1.0. The server must tolerate that for this mode to pass.
--ext-uris none: Config(ext_uris=[]), i.e. a login with no <svcExtension> at all.

Session: greeting, login (1000), hello (greeting), [with E2E_DOMAIN, a server with RFC 5731
domains such as eppd --demo's sandbox: domain check (available), create (1000, creData), check
(taken), info (every field back), create again (2302)], poll req (1301, MSG1), poll ack (1000,
count-1), poll req (1301 MSG2, or 1300 when no MSG2), logout (1500), then the server must close.
One line per step on stdout; on any mismatch a "FAIL ..." line and exit status 1; exit status 2
for usage errors or epptools not installed. Socket timeouts (E2E_TIMEOUT seconds, default 10)
bound every read; the whole run is also bounded by SIGALRM (25 s by default).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import sys
import xml.etree.ElementTree as ET

try:
    import epptools
    from epptools import Client, Config, Connection, EppException
    from epptools.exceptions import ConnectionException
except ImportError as exc:  # pragma: no cover - environment problem
    print("FAIL epptools_client: Python package epptools is not installed (pip install epptools): %s" % exc,
          flush=True)
    sys.exit(2)

EPP_NS = "urn:ietf:params:xml:ns:epp-1.0"
TIMEOUT = float(os.environ.get("E2E_TIMEOUT") or 10)
CLTRID_PREFIX = "EppTools-E2E"
_step = 0


class Failure(Exception):
    pass


def fail(msg: str) -> None:
    raise Failure(msg)


def step_ok(what: str) -> None:
    global _step
    _step += 1
    print("ok %d - %s" % (_step, what), flush=True)


class RecordingConnection(Connection):
    """epptools' Connection (TLS) as shipped, recording the last frame each way."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.last_sent: str | None = None
        self.last_received: str | None = None

    def describe(self) -> str:
        sock = self._sock
        version = sock.version() if sock is not None else "?"
        return "TLS %s, server verified against %s" % (version, self._config.ca_file)

    def write_frame(self, xml: str) -> None:
        self.last_sent = xml
        self.last_received = None
        super().write_frame(xml)

    def read_frame(self) -> str:
        raw = super().read_frame()
        self.last_received = raw
        return raw

    def wait_closed_by_peer(self, seconds: float) -> bool:
        """True when the server closes its end within `seconds` (and sends nothing more)."""
        sock = self._sock
        if sock is None:
            return False
        sock.settimeout(seconds)
        try:
            return sock.recv(1) == b""
        except socket.timeout:
            return False
        except OSError:
            return True  # reset by peer: closed too


class PlainConnection(RecordingConnection):
    """The same with the TLS handshake left out: a plain TCP socket."""

    def describe(self) -> str:
        return "plain TCP"

    def open(self) -> None:
        cfg = self._config
        self._fatal = None
        try:
            sock = socket.create_connection((cfg.host, cfg.port), timeout=cfg.connect_timeout)
        except OSError as exc:
            raise ConnectionException("Cannot connect to %s:%d - %s" % (cfg.host, cfg.port, exc))
        sock.settimeout(max(1.0, float(cfg.read_timeout)))
        self._sock = sock  # the base class only calls sendall/recv/close on it


_CLTRID_SENT = re.compile(r"<(?:[\w.-]+:)?clTRID>([^<]*)</(?:[\w.-]+:)?clTRID>")


def epp_child(root: ET.Element, *path: str) -> ET.Element | None:
    el = root
    for name in path:
        el = el.find("{%s}%s" % (EPP_NS, name)) if el is not None else None
    return el


def check_trid(conn: RecordingConnection, what: str) -> str:
    """The clTRID epptools sent must come back verbatim, beside a non-empty svTRID."""
    sent, raw = conn.last_sent or "", conn.last_received or ""
    m = _CLTRID_SENT.search(sent)
    if m is None:
        fail("%s: epptools sent no clTRID? frame: %s" % (what, sent))
    cltrid = m.group(1)
    root = ET.fromstring(raw)
    trid = epp_child(root, "response", "trID")
    if trid is None:
        fail("%s: response has no <trID>: %s" % (what, raw))
    sv = epp_child(trid, "svTRID")
    if sv is None or not (sv.text or ""):
        fail("%s: response has no svTRID: %s" % (what, raw))
    cl = epp_child(trid, "clTRID")
    if cl is None:
        fail("%s: clTRID %r was not echoed: %s" % (what, cltrid, raw))
    if (cl.text or "") != cltrid:
        fail("%s: clTRID echo mismatch: sent %r, got %r" % (what, cltrid, cl.text))
    pattern = r"<(?:[A-Za-z_][\w.-]*:)?clTRID(?:\s[^>]*)?>%s</(?:[A-Za-z_][\w.-]*:)?clTRID\s*>" % re.escape(cltrid)
    if re.search(pattern, raw) is None:
        fail("%s: clTRID %r not found verbatim as element content in: %s" % (what, cltrid, raw))
    return cltrid


def expect_code(resp, code: int, what: str) -> None:
    if resp.code() != code:
        fail("%s: expected result code %d, got %d (%s): %s"
             % (what, code, resp.code(), resp.message() or "", resp.raw))


def check_greeting(resp, what: str) -> str:
    if not resp.is_greeting():
        fail("%s: not a <greeting>: %s" % (what, resp.raw))
    root = ET.fromstring(resp.raw)
    svid = epp_child(root, "greeting", "svID")
    if svid is None or not (svid.text or "").strip():
        fail("%s: greeting has no svID: %s" % (what, resp.raw))
    return svid.text


def domain_steps(client, conn: RecordingConnection, domain: str, clid: str) -> None:
    """check, create, check, info and create again, with epptools' domain helpers."""
    resp = client.domain.check([domain])
    expect_code(resp, 1000, "domain check")
    cl = check_trid(conn, "domain check")
    if resp.availability() != {domain: True}:
        fail("domain check: availability %r, expected {%r: True}: %s" % (resp.availability(), domain, resp.raw))
    step_ok("domain check %s: 1000, available, clTRID %s echoed" % (domain, cl))

    contacts = {"admin": "e2e-admin", "tech": ["e2e-tech1", "e2e-tech2"]}
    nameservers = ["ns1.example.net", "ns2.example.net"]
    resp = client.domain.create(domain, years=2, registrant="e2e-registrant", contacts=contacts,
                                nameservers=nameservers, auth_info="e2e-Secret-1")
    expect_code(resp, 1000, "domain create")
    check_trid(conn, "domain create")
    cr, ex = resp.created_date() or "", resp.expiry_date() or ""
    if resp.object_name() != domain:
        fail("domain create: creData name %r, expected %r" % (resp.object_name(), domain))
    if not (re.match(r"\d{4}-\d\d-\d\dT", cr) and re.match(r"\d{4}-", ex) and int(ex[:4]) == int(cr[:4]) + 2):
        fail("domain create: crDate %r / exDate %r not two years apart" % (cr, ex))
    step_ok("domain create %s for 2 years: 1000, crDate %s exDate %s" % (domain, cr, ex))

    resp = client.domain.check([domain])
    if resp.availability() != {domain: False}:
        fail("domain check again: availability %r, expected taken: %s" % (resp.availability(), resp.raw))
    step_ok("domain check %s: taken now" % domain)

    resp = client.domain.info(domain)
    expect_code(resp, 1000, "domain info")
    check_trid(conn, "domain info")
    got = {
        "name": resp.object_name(), "clID": resp.sponsor(), "crID": resp.created_by(),
        "registrant": resp.registrant(), "crDate": resp.created_date(), "exDate": resp.expiry_date(),
        "authInfo": resp.auth_info(), "ns": resp.nameservers(), "statuses": resp.statuses(),
        "tech": resp.contacts_for("tech"), "admin": resp.contacts_for("admin"),
    }
    want = {
        "name": domain, "clID": clid, "crID": clid, "registrant": "e2e-registrant", "crDate": cr,
        "exDate": ex, "authInfo": "e2e-Secret-1", "ns": nameservers, "statuses": ["ok"],
        "tech": ["e2e-tech1", "e2e-tech2"], "admin": ["e2e-admin"],
    }
    for key, value in want.items():
        if got[key] != value:
            fail("domain info: %s %r, expected %r: %s" % (key, got[key], value, resp.raw))
    if not resp.roid():
        fail("domain info: no roid: %s" % resp.raw)
    step_ok("domain info %s: roid %s, clID %s, status ok, registrant, 3 contacts, 2 ns, authInfo"
            % (domain, resp.roid(), resp.sponsor()))

    client.throw_on_failure(False)
    try:
        resp = client.domain.create(domain, years=1, auth_info="e2e-Secret-2")
    finally:
        client.throw_on_failure(True)
    expect_code(resp, 2302, "domain create again")
    check_trid(conn, "domain create again")
    step_ok("domain create %s again: 2302 (%s)" % (domain, resp.message()))


def run(args: argparse.Namespace) -> None:
    expected = args.messages
    n_expected = len(expected)
    ca_file = os.environ.get("E2E_CA_FILE") or None
    cfg = Config(
        host=args.host, port=args.port, clid=args.clid, password=args.password,
        connect_timeout=TIMEOUT, read_timeout=TIMEOUT, cltrid_prefix=CLTRID_PREFIX,
        ext_uris=[] if args.ext_uris == "none" else None, ca_file=ca_file,
    )
    conn = RecordingConnection(cfg) if ca_file else PlainConnection(cfg)
    client = Client(cfg, connection=conn)
    try:
        # 1. greeting: Client.connect() opens the transport and reads the greeting.
        greeting = client.connect()
        svid = check_greeting(greeting, "greeting")
        step_ok("greeting over %s: svID %r, objURIs %s, extURIs %s"
                % (conn.describe(), svid, greeting.service_obj_uris(), greeting.service_ext_uris()))

        # 2. login. epptools raises on a code other than 1000; the server's answer stays on conn.
        try:
            resp = client.login()
        except EppException as exc:
            sent = conn.last_sent or ""
            hint = ""
            code = getattr(exc, "epp_code", None)
            if args.ext_uris == "library" and not greeting.service_ext_uris() and code != 2200:
                hint = (" [the greeting lists no extURI, so epptools announced its defaults %s; "
                        "try --ext-uris none to confirm that is the cause]"
                        % epptools.namespaces.DEFAULT_EXT_URIS)
            fail("login failed: %s; server said: %s%s; login frame (password masked): %s"
                 % (exc, conn.last_received, hint, re.sub(r"<pw>[^<]*</pw>", "<pw>***</pw>", sent)))
        expect_code(resp, 1000, "login")
        cl = check_trid(conn, "login")
        login = ET.fromstring(conn.last_sent)
        objs = [e.text for e in login.iter("{%s}objURI" % EPP_NS)]
        exts = [e.text for e in login.iter("{%s}extURI" % EPP_NS)]
        step_ok("login as %s: 1000, clTRID %s echoed; announced objURIs %s extURIs %s"
                % (args.clid, cl, objs, exts))

        # 3. hello -> greeting (epptools raises ConnectionException on anything else)
        svid2 = check_greeting(client.hello(), "hello")
        step_ok("hello: greeting again, svID %r" % svid2)

        # 3b. domain commands, when the server has RFC 5731 domains
        domain = os.environ.get("E2E_DOMAIN") or None
        if domain:
            domain_steps(client, conn, domain, args.clid)

        # 4. poll req -> 1301 + first message
        resp = client.poll.request()
        expect_code(resp, 1301, "poll req #1")
        cl = check_trid(conn, "poll req #1")
        msgq = epp_child(ET.fromstring(resp.raw), "response", "msgQ")
        if msgq is None:
            fail("poll req #1: no <msgQ> in the 1301 response: %s" % resp.raw)
        count, mid = msgq.get("count"), resp.message_id()
        if count is None or not count.isdigit() or int(count) != n_expected:
            fail("poll req #1: msgQ count %r, expected %d" % (count, n_expected))
        if mid is None or not mid.isdigit():
            fail("poll req #1: msgQ id %r is not numeric" % mid)
        if resp.queue_date() is None:
            fail("poll req #1: msgQ has no qDate: %s" % resp.raw)
        text = resp.queue_message()
        if text != expected[0]:
            fail("poll req #1: message text %r, expected %r" % (text, expected[0]))
        first_id = mid
        step_ok("poll req: 1301, msgQ count=%s id=%s, msg %r, clTRID %s echoed" % (count, mid, text, cl))

        # 5. poll ack
        resp = client.poll.ack(first_id)
        expect_code(resp, 1000, "poll ack")
        cl = check_trid(conn, "poll ack")
        remaining = n_expected - 1
        msgq = epp_child(ET.fromstring(resp.raw), "response", "msgQ")
        if msgq is not None:
            count = msgq.get("count")
            if count is None or not count.isdigit() or int(count) != remaining:
                fail("poll ack: msgQ count %r, expected %d" % (count, remaining))
            if msgq.get("id") is not None and msgq.get("id") != first_id:
                fail("poll ack: msgQ id %r, expected the acked id %s" % (msgq.get("id"), first_id))
        elif remaining > 0:
            fail("poll ack: no <msgQ> in the response although %d message(s) remain" % remaining)
        step_ok("poll ack msgID=%s: 1000, msgQ count=%s, clTRID %s echoed"
                % (first_id, msgq.get("count") if msgq is not None else "(absent)", cl))

        # 6. poll req again
        resp = client.poll.request()
        if remaining > 0:
            expect_code(resp, 1301, "poll req #2")
            cl = check_trid(conn, "poll req #2")
            msgq = epp_child(ET.fromstring(resp.raw), "response", "msgQ")
            if msgq is None:
                fail("poll req #2: no <msgQ> in the 1301 response: %s" % resp.raw)
            count, mid, text = msgq.get("count"), resp.message_id(), resp.queue_message()
            if count is None or not count.isdigit() or int(count) != remaining:
                fail("poll req #2: msgQ count %r, expected %d" % (count, remaining))
            if mid is None or not mid.isdigit():
                fail("poll req #2: msgQ id %r is not numeric" % mid)
            if mid == first_id:
                fail("poll req #2: msgQ id %s is the acked message's id" % mid)
            if text != expected[1]:
                fail("poll req #2: message text %r, expected %r" % (text, expected[1]))
            step_ok("poll req: 1301, msgQ count=%s id=%s, msg %r, clTRID %s echoed" % (count, mid, text, cl))
        else:
            expect_code(resp, 1300, "poll req #2")
            cl = check_trid(conn, "poll req #2")
            if epp_child(ET.fromstring(resp.raw), "response", "msgQ") is not None:
                fail("poll req #2: 1300 response carries a <msgQ>")
            step_ok("poll req: 1300 (queue empty), clTRID %s echoed" % cl)

        # 7. logout -> 1500, then the server closes
        resp = client.logout()
        expect_code(resp, 1500, "logout")
        cl = check_trid(conn, "logout")
        step_ok("logout: 1500, clTRID %s echoed" % cl)
        if not conn.wait_closed_by_peer(5.0):
            fail("after logout: server did not close the connection within 5s (or sent more data)")
        step_ok("server closed the connection after logout")
    finally:
        client.disconnect()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ext-uris", choices=("library", "none"), default="library")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("clid")
    ap.add_argument("password")
    ap.add_argument("messages", nargs="+", metavar="MSG")
    args = ap.parse_args()
    if len(args.messages) > 2:
        ap.error("at most two expected messages")

    def on_alarm(signum, frame):
        print("FAIL epptools_client: timed out (server stalled?)", flush=True)
        os._exit(1)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(os.environ.get("E2E_TOTAL_TIMEOUT") or 25))
    try:
        run(args)
    except Failure as exc:
        print("FAIL epptools_client: %s" % exc, flush=True)
        return 1
    except EppException as exc:
        print("FAIL epptools_client: step %d: epptools raised %s: %s" % (_step + 1, type(exc).__name__, exc),
              flush=True)
        return 1
    except ET.ParseError as exc:
        print("FAIL epptools_client: step %d: response is not well-formed XML: %s" % (_step + 1, exc), flush=True)
        return 1
    except Exception as exc:  # anything else still ends in one clear FAIL line
        import traceback
        traceback.print_exc()
        print("FAIL epptools_client: step %d: unexpected %s: %s" % (_step + 1, type(exc).__name__, exc), flush=True)
        return 1
    finally:
        signal.alarm(0)
    print("PASS epptools_client: %d steps (epptools %s)" % (_step, epptools.__version__), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
