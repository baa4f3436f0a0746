"""Every Python example of README.md and python/README.md passes ``mypy --strict`` as written.

A block that is not meant to be checked says so on the line before it, with the reason:
``<!-- mypy: skip (reason) -->``. There is none today; the counts below make adding a block, or
skipping one, a visible change of this test. The same mypy run checks that the
libepp.asyncio.Handler protocol refuses, statically, handlers serve() would refuse at run time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

HERE = Path(__file__).resolve().parent
READMES = [HERE.parent.parent / "README.md", HERE.parent / "README.md"]
SKIP = re.compile(r"<!--\s*mypy:\s*skip\b[^>]*-->\s*\n```python\n")
#: (README, python blocks checked, blocks marked skip)
EXPECTED = {"README.md": (1, 0), "python/README.md": (5, 0)}


def blocks(path: Path) -> Tuple[List[Tuple[int, str]], int]:
    text = path.read_text()
    checked, skipped = [], 0
    for m in re.finditer(r"```python\n(.*?)```", text, re.S):
        head = text[max(0, m.start() - 200):m.start() + len("```python\n")]
        if SKIP.search(head):
            skipped += 1
            continue
        checked.append((text[:m.start()].count("\n") + 2, m.group(1)))
    return checked, skipped


def have_mypy() -> bool:
    return subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode == 0


def test_readme_examples_pass_mypy_strict(tmp_path: Path) -> None:
    if not have_mypy():
        if os.environ.get("CI") == "true":
            pytest.fail("mypy is not installed (CI=true: this test may not be skipped)")
        pytest.skip("mypy is not installed")
    files = []
    counts = {}
    for readme in READMES:
        assert readme.exists(), readme
        checked, skipped = blocks(readme)
        key = "README.md" if readme.parent == HERE.parent.parent else "python/README.md"
        counts[key] = (len(checked), skipped)
        for line, code in checked:
            # One module per block, named after where it starts.
            name = "%s_line%d.py" % (key.replace("/", "_").replace(".", "_"), line)
            (tmp_path / name).write_text(code)
            files.append(name)
    assert counts == EXPECTED
    # And the handler protocol, statically: mypy refuses a handler without authenticate, or with
    # one of the wrong shape, and takes one whose parameters have other names (they are passed
    # by position).
    (tmp_path / "handlers.py").write_text(HANDLERS)
    files.append("handlers.py")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                        "--cache-dir", os.devnull, "--hide-error-context", "--no-error-summary", *files],
                       capture_output=True, text=True, cwd=str(tmp_path))
    errors = [line for line in r.stdout.splitlines() if ": error: " in line]
    assert errors == [
        'handlers.py:23: error: Argument 1 to "serve" has incompatible type "NoAuthenticate"; '
        'expected "Handler"  [arg-type]',
        'handlers.py:24: error: Argument 1 to "serve" has incompatible type "WrongAuthenticate"; '
        'expected "Handler"  [arg-type]',
    ], r.stdout + r.stderr
    assert r.returncode == 1, r.stdout + r.stderr


HANDLERS = """\
from typing import Optional

import libepp
from libepp.asyncio import serve


class NoAuthenticate:
    def command(self, client_id: str, request: libepp.CommandRequest) -> int:
        return 1000


class WrongAuthenticate:
    def authenticate(self, client_id: str, password: str) -> bool:
        return True


class OtherNames:
    async def authenticate(self, clid: str, pw: str, new_pw: Optional[str]) -> bool:
        return True


async def main() -> None:
    await serve(NoAuthenticate(), "127.0.0.1", 0)
    await serve(WrongAuthenticate(), "127.0.0.1", 0)
    await serve(OtherNames(), "127.0.0.1", 0)
"""
