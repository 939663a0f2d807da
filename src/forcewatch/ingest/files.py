"""The files a command is given: folders walked without leaving them, special files refused by name.

A symlink inside a folder is followed only when it stays in the folder (or with
``follow_symlinks``); FIFOs, devices and sockets are never opened (a FIFO blocks, /dev/zero never
ends); a file name that is not UTF-8 is refused by name, since the store keeps names as text. What a
walk leaves out is counted by reason, so the user hears of it.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest import shown, utf8_name


@dataclass
class Walk:
    """Regular files in order, each with whether it was named (not found in a folder); one-line errors
    for inputs refused; files left out, by reason."""

    files: list[tuple[Path, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    def skip_line(self) -> str | None:
        """"skipped 3 file(s) in folders: 2 not a recognised feed, 1 symlink out of the folder", or None."""
        if not self.skipped:
            return None
        parts = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return f"skipped {sum(self.skipped.values())} file(s) in folders: {parts}"


def _kind(mode: int) -> str:
    return ("FIFO" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "socket" if stat.S_ISSOCK(mode) else "not a regular file")


def regular(path: Path) -> str | None:
    """None when ``path`` (followed) is a regular file, else why not, for a one-line error."""
    try:
        st = path.stat()
    except OSError as exc:
        if not path.is_symlink():
            return f"cannot read ({exc.strerror or exc})"
        return "symlink loop" if exc.errno == 40 else "broken symlink"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder"
    if not stat.S_ISREG(st.st_mode):
        return f"{_kind(st.st_mode)}, not a regular file: refused"
    return None


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def walk(paths: Iterable[Path], follow_symlinks: bool = False) -> Walk:
    """Files named, and the files inside folders named (sorted, recursively, sidecars aside)."""
    out = Walk()
    for p in paths:
        p = Path(p)
        if not utf8_name(p):
            out.errors.append(f"{shown(p)}: file name is not valid UTF-8 (rename the file)")
            continue
        if p.is_dir():
            _walk_dir(p, follow_symlinks, out)
            continue
        why = regular(p)
        if why is None:
            out.files.append((p, True))
        else:
            out.errors.append(f"{p}: {why}")
    return out


def _walk_dir(top: Path, follow: bool, out: Walk) -> None:
    root = os.path.realpath(top)
    seen = {root}
    found: list[Path] = []
    for folder, dirs, names in os.walk(top, followlinks=follow, onerror=lambda e: out.errors.append(
            f"{shown(e.filename)}: cannot read folder ({e.strerror or e})")):
        kept = []
        for d in sorted(dirs):
            full = os.path.join(folder, d)
            real = os.path.realpath(full)
            if os.path.islink(full) and (not follow or real in seen):
                out.skipped["symlinked folder not followed" if not follow else "symlink loop"] += 1
                continue
            seen.add(real)
            kept.append(d)
        dirs[:] = kept
        for name in names:
            full = Path(folder, name)
            if name.endswith(".meta.json"):
                continue
            if not utf8_name(full):
                out.errors.append(f"{shown(full)}: file name is not valid UTF-8 (rename the file)")
                continue
            if full.is_symlink() and not follow and not _inside(os.path.realpath(full), root):
                out.skipped["symlink out of the folder (--follow-symlinks)"] += 1
                continue
            why = regular(full)
            if why is None:
                found.append(full)
            elif "refused" in why:
                out.errors.append(f"{full}: {why}")
            else:
                out.skipped[why] += 1
    out.files += [(f, False) for f in sorted(found)]
