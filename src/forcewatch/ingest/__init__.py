"""Readers: turn report files into Documents and sensor feed files into decoded messages.

Everything a file says is untrusted: the helpers here are the one place numbers, times and JSON
from a file are checked, so every reader refuses the same things for the same reasons.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path


class InputError(Exception):
    """A file that cannot be read; the message names the file and the problem on one line."""


class TooDeep(ValueError):
    """JSON nested deeper than Limits.json_depth (or the interpreter's bound): refused, never parsed
    further. Feed readers record the line it was on (``refused``), so the user hears of it by file and
    line while the rest of the feed goes in."""


# POSIX seconds a feed may carry: 1970 up to 2100. Anything else (1e30, nan, a negative or
# far-future epoch) is a broken message, not a time.
EPOCH_MIN, EPOCH_MAX = 0.0, 4102444800.0


def number(value) -> float | None:
    """A finite float from an int, a float or a numeric string; None for anything else (nan, inf, 1e400, 5 digits
    of junk, a bool, a list)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > 40:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    elif isinstance(value, int):
        value = float(value) if abs(value) < 1e300 else math.inf
    elif not isinstance(value, float):
        return None
    return value if math.isfinite(value) else None


def epoch(value, millis_above: float = 1e11) -> float | None:
    """POSIX seconds from a feed's time field (milliseconds when above ``millis_above``), or None when it
    is not a plausible time."""
    t = number(value)
    if t is None:
        return None
    if t > millis_above:
        t /= 1000.0
    return t if EPOCH_MIN <= t <= EPOCH_MAX else None


def position(lat, lon) -> tuple[float, float] | None:
    """(lat, lon) when both are finite numbers in range, else None."""
    la, lo = number(lat), number(lon)
    if la is None or lo is None or not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0):
        return None
    return la, lo


def in_range(value, low: float, high: float) -> float | None:
    """A finite number within [low, high], else None."""
    x = number(value)
    return x if x is not None and low <= x <= high else None


def loads(text: str, max_depth: int | None = None):
    """JSON from a file: ValueError (never RecursionError) for nesting too deep (past ``max_depth``
    levels when given, Limits.json_depth), huge integers or junk."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep("nested too deeply") from None
    if max_depth is not None and deeper(value, max_depth):
        raise TooDeep(f"nested deeper than {max_depth} levels")
    return value


def refuse_deep(refused: list | None, line: int | None, exc: TooDeep, what: str = "line") -> None:
    """Note a feed's line (or, ``line`` None, a part of a one-document feed) refused for its JSON
    nesting, as (line, why), for a one-line file:line error."""
    if refused is not None:
        refused.append((line, f"JSON {exc}, {what} skipped"))


BAD_LINE = object()  # what feed_line gives for a line it counted as bad


def feed_line(text: str, line: int, max_depth: int | None, stats, refused: list | None, bad: str):
    """The JSON value of one line of a feed, or BAD_LINE: nested too deep is counted bad:deep_json and
    refused with its line number (for a one-line file:line error), other junk counted as ``bad``."""
    try:
        return loads(text, max_depth)
    except TooDeep as exc:
        stats["bad:deep_json"] += 1
        refuse_deep(refused, line, exc)
    except ValueError:
        stats[bad] += 1
    return BAD_LINE


def deeper(value, limit: int) -> bool:
    """Whether a parsed JSON value nests more than ``limit`` arrays and objects (level by level, no recursion)."""
    level, depth = [value], 0
    while level := [x for x in level if isinstance(x, (list, dict))]:
        depth += 1
        if depth > limit:
            return True
        level = [v for x in level for v in (x.values() if isinstance(x, dict) else x)]
    return False


def checked_text(value, what: str) -> str | None:
    """A text field from a file: a str that is valid Unicode (no lone surrogates), or None; ValueError
    naming the field for anything else (``"outlet": 5``)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} holds a lone surrogate (not Unicode text)") from None
    return value


def shown(path: str | Path) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 shown as \\x escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def utf8_name(path: str | Path) -> bool:
    """Whether a file name is valid UTF-8 (a store keeps names as text)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
