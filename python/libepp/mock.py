"""A mock EPP registry in memory, for testing registrar tools: ``python -m libepp``.

It serves what a registrar's client needs to exercise a session: login (the registrars and
passwords it was given), hello, logout, a poll queue per registrar (the messages it was given,
acked one by one), and domain check, create, info and delete on an in-memory zone (a domain
belongs to the registrar that created it; ``info``/``delete`` of another's is 2201). Every other
command is 2101. Nothing is written to disk: each start is a fresh registry.

::

    python -m libepp --port 0                                  # plain TCP, a free port
    python -m libepp --port 7000 --cert server.pem --key server-key.pem
    python -m libepp --registrar registrar1:secret-pw1 --message "Welcome"

It prints ``libepp mock registry listening on HOST:PORT`` on stdout once it listens, and logs
one line per command on stderr (the ``libepp.server`` logger). :class:`MockRegistry` is the
handler, for use in a test's own event loop with :func:`libepp.asyncio.serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import logging
import ssl
import sys
import time
import xml.etree.ElementTree as ET
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ._libepp import CommandRequest, Config, PollMessage, Response
from .asyncio import CommandAnswer, serve

__all__ = ["MockRegistry", "main"]

DOMAIN_NS = "urn:ietf:params:xml:ns:domain-1.0"
CONTACT_NS = "urn:ietf:params:xml:ns:contact-1.0"
HOST_NS = "urn:ietf:params:xml:ns:host-1.0"
SECDNS_NS = "urn:ietf:params:xml:ns:secDNS-1.1"
_D = "{%s}" % DOMAIN_NS
#: What ``python -m libepp`` serves without ``--registrar`` and ``--message``.
DEFAULT_REGISTRARS = {"registrar1": "secret-pw1"}
DEFAULT_MESSAGES = ("Welcome to the libepp mock registry", "A second message, to ack")

log = logging.getLogger("libepp.mock")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _date(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.0Z")


class _Domain:
    def __init__(self, name: str, roid: str, owner: str, created: float, years: int) -> None:
        self.name, self.roid, self.owner, self.created = name, roid, owner, created
        self.expires = created + years * 365 * 86400.0


class MockRegistry:
    """The handler of ``python -m libepp`` (see the module documentation)."""

    def __init__(self, registrars: Optional[Dict[str, str]] = None,
                 messages: Iterable[str] = DEFAULT_MESSAGES, server_id: str = "libepp mock registry",
                 now: Optional[float] = None) -> None:
        self.registrars = dict(DEFAULT_REGISTRARS if registrars is None else registrars)
        if not self.registrars:
            raise ValueError("a mock registry needs at least one registrar")
        self.config = Config(server_id, object_uris=[DOMAIN_NS, CONTACT_NS, HOST_NS],
                             extension_uris=[SECDNS_NS])
        self._ids = itertools.count(1)
        queued = time.time() if now is None else now
        texts = list(messages)
        #: Per registrar, its messages (id, queued at, text), oldest first.
        self.queues: Dict[str, List[Tuple[int, float, str]]] = {
            clid: [(next(self._ids), queued, t) for t in texts] for clid in self.registrars}
        #: The zone: domain name (lower case) -> its record.
        self.domains: Dict[str, _Domain] = {}
        self._roids = itertools.count(1)

    def authenticate(self, client_id: str, password: str, new_password: Optional[str]) -> bool:
        if self.registrars.get(client_id) != password:
            return False
        if new_password is not None:
            self.registrars[client_id] = new_password
        return True

    def poll(self, client_id: str) -> Optional[PollMessage]:
        queue = self.queues.get(client_id)
        if not queue:
            return None
        msg_id, queued_at, text = queue[0]
        return PollMessage(msg_id, len(queue), queued_at, text)

    def ack(self, client_id: str, msg_id: int) -> Optional[int]:
        queue = self.queues.get(client_id, [])
        for i, (id_, _, _) in enumerate(queue):
            if id_ == msg_id:
                del queue[i]
                return len(queue)
        return None

    def command(self, client_id: str, request: CommandRequest) -> CommandAnswer:
        if request.object_uri != DOMAIN_NS:
            return 2101, "only domain commands in this mock registry"
        try:
            root = ET.fromstring(request.object_xml)
        except ET.ParseError:  # pragma: no cover - libepp hands over well-formed XML only
            return 2400
        names = [(e.text or "").strip() for e in root.iter(_D + "name")]
        if request.verb == "check":
            return self._check(names)
        if not names:
            return 2003, "domain:name is missing"
        name = names[0]
        if request.verb == "create":
            period = root.find(_D + "period")
            years = 1
            if period is not None and (period.text or "").strip().isdigit():
                n = int((period.text or "").strip())
                years = max(1, n if period.get("unit", "y") == "y" else n // 12)
            return self._create(client_id, name, years)
        if request.verb == "info":
            return self._info(client_id, name)
        if request.verb == "delete":
            return self._delete(client_id, name)
        return 2101, "domain %s is not implemented in this mock registry" % request.verb

    def _check(self, names: Sequence[str]) -> Response:
        cds = "".join('<domain:cd><domain:name avail="%d">%s</domain:name>%s</domain:cd>'
                      % (n.lower() not in self.domains, _xml_escape(n),
                         "<domain:reason>In use</domain:reason>" if n.lower() in self.domains else "")
                      for n in names)
        return Response(1000, res_data='<domain:chkData xmlns:domain="%s">%s</domain:chkData>' % (DOMAIN_NS, cds))

    def _create(self, client_id: str, name: str, years: int) -> Response:
        key = name.lower()
        if key in self.domains:
            return Response(2302, "%s already exists" % name)
        d = _Domain(name, "D%d-MOCK" % next(self._roids), client_id, time.time(), years)
        self.domains[key] = d
        return Response(1000, res_data=(
            '<domain:creData xmlns:domain="%s"><domain:name>%s</domain:name><domain:crDate>%s'
            "</domain:crDate><domain:exDate>%s</domain:exDate></domain:creData>"
            % (DOMAIN_NS, _xml_escape(d.name), _date(d.created), _date(d.expires))))

    def _owned(self, client_id: str, name: str) -> Tuple[Optional[_Domain], Optional[Response]]:
        d = self.domains.get(name.lower())
        if d is None:
            return None, Response(2303, "%s does not exist" % name)
        if d.owner != client_id:
            return None, Response(2201, "%s belongs to another registrar" % name)
        return d, None

    def _info(self, client_id: str, name: str) -> Response:
        d, refused = self._owned(client_id, name)
        if d is None:
            assert refused is not None
            return refused
        return Response(1000, res_data=(
            '<domain:infData xmlns:domain="%s"><domain:name>%s</domain:name><domain:roid>%s</domain:roid>'
            '<domain:status s="ok"/><domain:clID>%s</domain:clID><domain:crID>%s</domain:crID>'
            "<domain:crDate>%s</domain:crDate><domain:exDate>%s</domain:exDate></domain:infData>"
            % (DOMAIN_NS, _xml_escape(d.name), d.roid, _xml_escape(d.owner), _xml_escape(d.owner),
               _date(d.created), _date(d.expires))))

    def _delete(self, client_id: str, name: str) -> Response:
        d, refused = self._owned(client_id, name)
        if d is None:
            assert refused is not None
            return refused
        del self.domains[d.name.lower()]
        return Response(1000)


def _registrar(value: str) -> Tuple[str, str]:
    clid, sep, password = value.partition(":")
    if not sep or not clid or not password:
        raise argparse.ArgumentTypeError("expected CLID:PASSWORD, not %r" % value)
    return clid, password


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m libepp",
        description="A mock EPP registry in memory (domain check/create/info/delete, a poll queue), "
                    "for testing registrar tools. Plain TCP unless --cert and --key are given.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7000,
                   help="port (default 7000; 0 picks a free one, printed on stdout)")
    p.add_argument("--cert", help="TLS: the server certificate chain (PEM)")
    p.add_argument("--key", help="TLS: the server's private key (PEM)")
    p.add_argument("--client-ca", help="TLS: require client certificates signed by this CA (PEM)")
    p.add_argument("--registrar", action="append", type=_registrar, metavar="CLID:PASSWORD",
                   help="a registrar that may log in (repeatable; default registrar1:secret-pw1)")
    p.add_argument("--message", action="append", metavar="TEXT",
                   help="a message queued for every registrar (repeatable; default two messages)")
    p.add_argument("--server-id", default="libepp mock registry", help="the greeting's svID")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="stderr log level (INFO: one line per command; DEBUG: also every frame written)")
    return p


async def _run(args: argparse.Namespace) -> None:
    context: Optional[ssl.SSLContext] = None
    if args.cert or args.key:
        if not (args.cert and args.key):
            raise SystemExit("python -m libepp: --cert and --key go together")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
    elif args.client_ca:
        raise SystemExit("python -m libepp: --client-ca needs --cert and --key")
    registry = MockRegistry(dict(args.registrar) if args.registrar else None,
                            DEFAULT_MESSAGES if args.message is None else args.message, args.server_id)
    server = await serve(registry, args.host, args.port, context)
    async with server:
        host, port = server.sockets[0].getsockname()[:2]
        print("libepp mock registry listening on %s:%d (%s)" % (host, port, "TLS" if context else "plain TCP"),
              flush=True)
        log.info("registrars: %s", ", ".join(sorted(registry.registrars)))
        await server.serve_forever()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m libepp``: runs the mock registry until interrupted."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        pass
    return 0
