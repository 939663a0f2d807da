"""The README's excerpts are what the commands print: the demo's timeline as a 100-column terminal shows
it (rows may be left out, never changed), and each `$ forcewatch ...` block on the demo database."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import forcewatch

README = Path(__file__).resolve().parents[2] / "README.md"
FORCEWATCH = f'forcewatch() {{ "{sys.executable}" -c "from forcewatch.serve.cli import app; app()" "$@"; }}; '
# The commands run in the demo's folder: they import this forcewatch, wherever the tests found it.
ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | {
    "PYTHONPATH": os.pathsep.join([str(Path(forcewatch.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}


def _blocks() -> list[list[str]]:
    """The README's fenced blocks, as lists of lines."""
    blocks, block = [], None
    for line in README.read_text("utf-8").split("\n"):
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                blocks.append(block)
                block = None
        elif block is not None:
            block.append(line)
    return blocks


def _in_a_terminal(args: list[str], cwd: Path, columns: int = 100) -> list[str]:
    """What a command shows in a terminal ``columns`` wide (a real pseudo-terminal), without colours."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    proc = subprocess.Popen(args, stdin=child, stdout=child, stderr=subprocess.DEVNULL, cwd=cwd,
                            env=ENV | {"TERM": "xterm", "NO_COLOR": "1"})
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(120) == 0
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8")).replace("\r", "").split("\n")


@pytest.fixture(scope="module")
def demo_dir(browser_db, demo_output, tmp_path_factory) -> Path:
    """A copy of the demo's folder (the dashboard's server holds the original open)."""
    if demo_output is None:
        pytest.skip("forcewatch demo does not run here")
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(browser_db.parent, work / "forcewatch-demo")
    return work


def test_the_first_screens_timeline_is_what_the_demo_prints(demo_dir):
    [table] = [b for b in _blocks() if b[0].startswith("┏")]
    table = [line for line in table if line]
    screen = _in_a_terminal([sys.executable, "-c", "from forcewatch.serve.cli import app; app()", "demo"], demo_dir)
    assert table[:3] == screen[screen.index(table[0]):][:3], "the header"
    rows, row = [], []
    for line in table[3:-1]:
        if line.startswith("├"):
            rows.append(row)
            row = []
        else:
            row.append(line)
    rows.append(row)
    assert len(rows) >= 3
    joined = "\n".join(screen)
    for row in rows:  # each row whole, as printed
        assert "\n".join(row) in joined, "\n".join(row)
    assert table[-1] in screen
    total = int(re.search(r"(\d+) events from", joined).group(1))
    assert f"timeline of {total} events" in README.read_text("utf-8") and f"of the {total} rows" in README.read_text("utf-8")


def test_the_command_excerpts_are_what_the_commands_print(demo_dir):
    """Each `$ forcewatch ...` line and the lines it prints (the gazetteer's path depends on the machine)."""
    shown = [b for b in _blocks() if b[0].startswith("$ forcewatch")]
    assert shown
    checked = 0
    for block in shown:
        runs, expected = [], None
        for line in block:
            if line.startswith("$ "):
                expected = []
                runs.append((line[2:], expected))
            elif line:
                expected.append(line)
        for command, lines in runs:
            got = subprocess.run(["bash", "-c", FORCEWATCH + command + " 2>&1"], cwd=demo_dir / "forcewatch-demo",
                                 capture_output=True, text=True, timeout=120, env=ENV)
            assert got.returncode == 0, (command, got.stdout)
            printed = got.stdout.rstrip("\n").split("\n")
            if command.startswith("forcewatch gazetteer info"):
                assert printed[0].startswith("database: ") and lines[0].startswith("database: ")
                printed, lines = printed[1:], lines[1:]
            assert printed == lines, command
            checked += 1
    assert checked >= 4
