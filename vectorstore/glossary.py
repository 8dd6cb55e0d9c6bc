"""The glossary and alias files: rows of ``key<TAB>term,term,…``.

They are read on both sides of the index. Retrieval translates English questions with
them; the lexical index keeps their Chinese terms whole when it tokenizes (高新技术企业 as
one token), so the index and the questions must be tokenized with the same terms, read
here from the same files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

Rows = list[tuple[str, list[str]]]
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class LexiconRows:
    """Glossary rows (English → Chinese terms) and alias rows (canonical → names)."""

    glossary: Rows
    aliases: Rows

    def chinese_terms(self) -> set[str]:
        """Every Chinese term, so the tokenizer keeps them whole."""
        terms = {t for _, zh in self.glossary for t in zh}
        terms |= {n for canon, names in self.aliases for n in [canon, *names] if _HAN.search(n)}
        return terms


def read_tsv(text: str) -> Rows:
    """``key<TAB>a,b,c`` rows; blank lines, comments and lines without a tab are skipped."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        key, values = line.split("\t", 1)
        rows.append((key.strip(), [v.strip() for v in values.split(",") if v.strip()]))
    return rows


def lexicon_rows(extra_glossary: Path | None = None, extra_aliases: Path | None = None,
                 *, dirs: Sequence[Path] = ()) -> LexiconRows:
    """The packaged rows plus user files in the same format.

    The packaged rows are general; what belongs to one corpus (its places, its terms) is
    user data: ``extra_*`` files, and in each of ``dirs`` that exists, every ``*.tsv``
    (a name starting "alias" holds aliases, any other glossary rows).
    """
    data = resources.files("vectorstore") / "data"
    glossary = read_tsv((data / "glossary.tsv").read_text(encoding="utf-8"))
    aliases = read_tsv((data / "aliases.tsv").read_text(encoding="utf-8"))
    files = [p for d in dirs if d.is_dir() for p in sorted(d.glob("*.tsv"))]
    for path in [*files, extra_glossary, extra_aliases]:
        if path is None:
            continue
        rows = read_tsv(path.read_text(encoding="utf-8"))
        is_alias = path == extra_aliases or (path in files and path.name.startswith("alias"))
        (aliases if is_alias else glossary).extend(rows)
    return LexiconRows(glossary, aliases)
