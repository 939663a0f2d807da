"""The size caps that keep hostile or clumsy input bounded, as one value handed to the stages.

Settings (config.py) holds them as documented fields and builds a ``Limits``; readers, the
pipeline, the store and the API take one as an argument (default: ``DEFAULT``), never reading
the environment themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    sentence_chars: int = 1000  # a longer "sentence" (junk, a table, a 5 MB line) is cut at a space before this
    parsed_sentences: int = 150  # sentences of one document the parser sees, most relevant first
    report_bytes: int = 64 << 20  # a larger report file is refused unread
    feed_line: int = 1 << 20  # a longer feed line is no message: counted (bad:long_line) and skipped
    feed_json_chars: int = 256 << 20  # a feed that is one JSON document (aircraft.json, a trace) is refused past this
    json_depth: int = 1000  # a JSON line or sidecar of a report, or a JSON feed line or trace entry, nested deeper is refused (the interpreter's bound)
    gzip_ratio: int = 20  # a gzip file may inflate to this many times its size ...
    gzip_floor: int = 16 << 20  # ... and at least to this many bytes; past the cap it is a bomb, refused
    request_body_bytes: int = 16 << 20  # an API request body, counted while it is read (413 past it)
    lock_wait: float = 30.0  # seconds to wait for another process that holds the store file

    def gzip_cap(self, size: int) -> int:
        """How many bytes a gzip file of ``size`` bytes may inflate to."""
        return max(self.gzip_floor, self.gzip_ratio * size)


DEFAULT = Limits()
