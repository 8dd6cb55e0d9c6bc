"""Decimal outline numbering (1 / 2.3 / 2.3.1), as 十四五 plans and technical specs use it.

A number at the start of a line is a heading only when it continues the outline:
2.3 after 2.2, 2.3.1 under 2.3, 2.1 under a clause numbered 2 (第二章, 二、, 2). That
sequence check, not a list of exceptions, is what keeps a table value such as "1.5"
or a quantity such as "2.5%" out of the clause tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.markers import Marker, match_marker, outline_number

_BARE_HEAD = re.compile(r"^([1-9]\d?) +(?=[\u4e00-\u9fff])([^。；;,，]{2,30})$")


class Outline:
    """Which decimal numbers a document has used so far, to accept only their successors."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.seen: set[tuple[int, ...]] = set()
        # Bare chapter numbers ("3 保障措施") count only in documents whose decimal
        # headings start with them (3.1, 3.2 …); elsewhere a bare number is a table cell.
        self.heads: set[int] = set()
        for line in lines:
            m = match_marker(line)
            if m is not None and m.kind.startswith("dec"):
                self.heads.add(outline_number(m.text)[0])

    def bare_head(self, line: str) -> Marker | None:
        """A top-level outline heading without punctuation ("2 发展目标"), if the outline has one."""
        m = _BARE_HEAD.match(line)
        if m is None or int(m.group(1)) not in self.heads:
            return None
        return Marker("dec1", m.group(1), int(m.group(1)))

    def accept(self, marker: Marker, open_ordinals: list[int | None]) -> bool:
        """True if ``marker`` continues the outline; remembers it when it does."""
        number = outline_number(marker.text)
        *prefix, last = number
        if last > 1:
            ok = (*prefix, last - 1) in self.seen
        elif len(prefix) > 1:
            ok = tuple(prefix) in self.seen
        elif prefix:
            ok = prefix[0] in open_ordinals or tuple(prefix) in self.seen
        else:
            ok = True
        if ok:
            self.seen.add(number)
        return ok
