"""``python -m libepp``, the mock registry, as a registrar's tooling sees it: started as a process
on a free port, driven by the epptools client over plain TCP and over TLS (a CA made by trustme),
through login, check, create, info, poll and ack, delete and logout; one log line per command."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import trustme
from epptools import Client, Config

from test_asyncio_e2e import TIMEOUT, plain_client

STARTUP = 20.0


class MockProcess:
    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "libepp", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.stderr: List[str] = []
        threading.Thread(target=self._pump_out, daemon=True).start()
        self.err_thread = threading.Thread(target=self._pump_err, daemon=True)
        self.err_thread.start()
        try:
            first = self.lines.get(timeout=STARTUP)
        except queue.Empty:
            self.stop()
            raise AssertionError("no listening line in %ss; stderr: %s" % (STARTUP, self.stderr))
        assert first is not None, "exited before listening: %s" % "".join(self.stderr)
        m = re.fullmatch(r"libepp mock registry listening on 127\.0\.0\.1:(\d+) \((TLS|plain TCP)\)\n", first)
        assert m, first
        self.port, self.transport = int(m.group(1)), m.group(2)

    def _pump_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def command_lines(self, n: int) -> List[str]:
        """The first n per-command log lines (waiting a bounded time for them)."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            got = [line for line in self.stderr if " INFO libepp.server: " in line]
            if len(got) >= n:
                return got[:n]
            time.sleep(0.05)
        raise AssertionError("fewer than %d command lines: %s" % (n, "".join(self.stderr)))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait(10)
        self.err_thread.join(5)


@pytest.fixture
def mock() -> Iterator[Any]:
    started: List[MockProcess] = []

    def start(*args: str) -> MockProcess:
        p = MockProcess(*args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def registrar_session(client: Client) -> None:
    assert client.connect().is_greeting()
    assert client.login().code() == 1000
    client.throw_on_failure(False)
    assert client.domain.check(["mine.example", "other.example"]).availability() == {
        "mine.example": True, "other.example": True}
    r = client.domain.create("mine.example", years=2)
    assert r.code() == 1000 and r.object_name() == "mine.example"
    r2 = client.domain.create("mine.example", years=1)
    assert (r2.code(), r2.message()) == (2302, "mine.example already exists")
    info = client.domain.info("mine.example")
    assert info.code() == 1000 and info.roid() == "D1-MOCK" and info.statuses() == ["ok"]
    assert info.sponsor() == "registrar1" and info.expiry_date() == r.expiry_date()
    assert client.domain.check(["mine.example"]).availability() == {"mine.example": False}
    assert client.domain.info("nowhere.example").code() == 2303
    p = client.poll.request()
    assert (p.code(), p.message_count(), p.queue_message()) == (1301, 2, "Welcome to the libepp mock registry")
    assert client.poll.ack(p.message_id()).code() == 1000
    p = client.poll.request()
    assert (p.code(), p.message_count(), p.queue_message()) == (1301, 1, "A second message, to ack")
    assert client.poll.ack(p.message_id()).message_count() == 0
    assert client.poll.request().code() == 1300
    assert client.domain.delete("mine.example").code() == 1000
    assert client.domain.info("mine.example").code() == 2303
    assert client.logout().code() == 1500
    client.disconnect()


EXPECTED = [("login", 1000), ("check", 1000), ("create", 1000), ("create", 2302), ("info", 1000),
            ("check", 1000), ("info", 2303), ("poll req", 1301), ("poll ack", 1000), ("poll req", 1301),
            ("poll ack", 1000), ("poll req", 1300), ("delete", 1000), ("info", 2303), ("logout", 1500)]


def logged(lines: List[str]) -> List[Any]:
    out = []
    for line in lines:
        m = re.search(r"INFO libepp\.server: peer=127\.0\.0\.1:\d+ client=registrar1 command='([\w ]+)' "
                      r"clTRID=MOCK-\S+ svTRID=libeppmockregistry-\d+-\d+ code=(\d{4}) duration=\d+\.\dms$",
                      line.rstrip("\n"))
        assert m, line
        out.append((m.group(1), int(m.group(2))))
    return out


def test_mock_registry_plain_tcp(mock: Any) -> None:
    p = mock()
    assert p.transport == "plain TCP"
    client = plain_client(p.port)
    client._config.cltrid_prefix = "MOCK"  # type: ignore[attr-defined]
    registrar_session(client)
    assert logged(p.command_lines(len(EXPECTED))) == EXPECTED


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    d = tmp_path_factory.mktemp("mock-tls")
    files = {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server-key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    cert.cert_chain_pems[0].write_to_path(str(files["cert"]))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(files["cert"]), append=True)
    cert.private_key_pem.write_to_path(str(files["key"]))
    return {k: str(v) for k, v in files.items()}


def test_mock_registry_tls(mock: Any, tls_files: Dict[str, str]) -> None:
    p = mock("--cert", tls_files["cert"], "--key", tls_files["key"], "--registrar", "registrar1:secret-pw1",
             "--registrar", "registrar2:other-pw2")
    assert p.transport == "TLS"
    cfg = Config(host="127.0.0.1", port=p.port, clid="registrar1", password="secret-pw1",
                 connect_timeout=TIMEOUT, read_timeout=TIMEOUT, ca_file=tls_files["ca"], cltrid_prefix="MOCK")
    registrar_session(Client(cfg))
    assert logged(p.command_lines(len(EXPECTED))) == EXPECTED


def test_mock_registry_refuses_bad_options(tmp_path: Path) -> None:
    for args, message in (
        (["--cert", "x.pem"], "python -m libepp: --cert and --key go together"),
        (["--registrar", "nopassword"], "argument --registrar: expected CLID:PASSWORD, not 'nopassword'"),
    ):
        r = subprocess.run([sys.executable, "-m", "libepp", "--port", "0", *args], capture_output=True,
                           text=True, timeout=30, cwd=str(tmp_path))
        assert r.returncode != 0 and message in r.stderr, r.stderr


def test_mock_registry_in_process() -> None:
    """MockRegistry is a handler like any other: it passes serve()'s checks, and its answers."""
    import libepp
    from libepp.asyncio import check_handler
    from libepp.mock import MockRegistry

    reg = MockRegistry({"r1": "pw-r1-secret"}, ["hello"], now=1_800_000_000.0)
    check_handler(reg)
    assert reg.authenticate("r1", "pw-r1-secret", None) is True
    assert reg.authenticate("r1", "wrong", None) is False
    msg = reg.poll("r1")
    assert isinstance(msg, libepp.PollMessage)
    assert (msg.id, msg.count, msg.queued_at, msg.text) == (1, 1, 1_800_000_000.0, "hello")
    assert reg.ack("r1", 2) is None and reg.ack("r1", 1) == 0 and reg.poll("r1") is None
    with pytest.raises(ValueError):
        MockRegistry({})
