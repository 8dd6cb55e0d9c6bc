"""Query analysis without an LLM: language, years, aliases, glossary expansion, intent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.lexicon import translate_english
from assistant.names import CorpusVocab, NameIndex, english_names, place_names
from vectorstore.glossary import lexicon_rows

FIVE_YEAR_PLANS = {"十一五": (2006, 2010), "十二五": (2011, 2015), "十三五": (2016, 2020),
                   "十四五": (2021, 2025), "十五五": (2026, 2030)}
EN_PLAN = re.compile(r"\b(11|12|13|14|15)th\s+five[- ]year", re.I)
EN_PLAN_NAME = {"11": "十一五", "12": "十二五", "13": "十三五", "14": "十四五", "15": "十五五"}
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_QUOTED = re.compile(r"[“\"'‘「『]([^”\"'’」』]{2,30})[”\"'’」』]")
# A plan period as written: 2012—2016, 2012-2016年, 2023至2025年.
YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?\s*[—–\-~～至到]+\s*((?:19|20)\d{2})(?!\d)年?")
_COMPARE_ZH = re.compile(r"各个(?:规划|文件|方案|计划)|各(?:规划|文件|方案|计划)|历次|怎样变化|如何变化|有何变化|变化情况|演变|不同(?:规划|文件|方案)|历年|对比各|有何不同|有什么不同|区别|相比")
_COMPARE_EN = re.compile(
    r"\bcompar|\bchang(?:e|ed|es)\b|\bacross\b|\beach (?:plan|document)|plan to plan|over time|"
    r"\bevolv|different plans|\bdiffer\b|\bvs\.?\b|\bversus\b", re.I)
_FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s*(?:万亿|亿|万|千)?\s*(?:元|件|家|个|项|%|平方米)")
_NUMERIC_ZH = re.compile(r"多少|几|目标|指标|达到|比重|规模|数量|金额|增长")
_NUMERIC_EN = re.compile(r"\bhow (?:many|much)\b|\btarget|\bgoal|\bshare\b|\bpercent|\bnumber\b|"
                         r"\bamount\b|\bvalue\b|\bgrowth\b", re.I)


def _inflected(term: str) -> str:
    """A pattern for the term and its inflections: patents, granted, transferred.

    Short words (AI, R&D) only take a plural, or "AI" would match "aimed".
    """
    last = term[-1]
    if len(term.split()[-1]) < 4 or not last.isalpha():
        return rf"{re.escape(term)}s?"
    return rf"{re.escape(term)}(?:s|es|d|ed|ing|{last}ed|{last}ing)?"



def _fold(text: str) -> str:
    return re.sub(r"\s*-\s*", " ", text.lower())


@dataclass(frozen=True)
class Lexicon:
    """Aliases (place ↔ body names) and the bilingual glossary, both user-extendable data."""

    aliases: dict[str, tuple[str, ...]]  # canonical → all names (canonical first)
    glossary: tuple[tuple[str, tuple[str, ...]], ...]  # longest English term first

    def alias_groups(self, text: str) -> list[tuple[str, ...]]:
        """Alias groups any of whose names occur in ``text`` (case-insensitive for English)."""
        low = text.lower()
        found: list[tuple[str, ...]] = []
        # Longest names first, masked once matched, so 光谷科技创新大走廊 is not also 光谷.
        pairs = [(n, group) for group in self.aliases.values() for n in group]
        for name, group in sorted(pairs, key=lambda x: -len(x[0])):
            if name.lower() in low:
                low = low.replace(name.lower(), " ")
                if group not in found:
                    found.append(group)
        return found

    def translate(self, text: str) -> list[str]:
        """Chinese terms for the English glossary terms in ``text``, longest match first."""
        return self.glossary_matches(text)[0]

    def glossary_matches(self, text: str) -> tuple[list[str], str]:
        """Chinese terms for the glossary terms in ``text``, and the text left unmatched.

        Hyphens match spaces (equity-incentive = equity incentive) and a term matches its
        inflections (patent → patents, transfer → transferred).
        """
        low = f" {_fold(text)} "
        found: list[str] = []
        for en, zh in self.glossary:
            pattern = rf"(?<![a-z]){_inflected(_fold(en))}(?![a-z])"
            if re.search(pattern, low):
                found.extend(t for t in zh if t not in found)
                low = re.sub(pattern, " ", low)
        return found, low



def load_lexicon(extra_glossary: Path | None = None, extra_aliases: Path | None = None,
                 *, dirs: Sequence[Path] = ()) -> Lexicon:
    """The packaged glossary and aliases plus user files (see ``lexicon_rows``)."""
    rows = lexicon_rows(extra_glossary, extra_aliases, dirs=dirs)
    glossary: dict[str, list[str]] = {}
    for en, zh in rows.glossary:
        glossary.setdefault(en, []).extend(t for t in zh if t not in glossary.get(en, []))
    aliases: dict[str, list[str]] = {}
    for canon, names in rows.aliases:
        group = aliases.setdefault(canon, [canon])
        group.extend(n for n in names if n not in group)
    ordered = sorted(glossary.items(), key=lambda kv: -len(kv[0]))
    return Lexicon(
        aliases={k: tuple(v) for k, v in aliases.items()},
        glossary=tuple((en, tuple(zh)) for en, zh in ordered),
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


_EN_AMOUNT = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(hundred million|million|billion|thousand|trillion)?"
    r"(?:\s*(yuan|rmb))?(?![\w])", re.I)
EN_SCALE = {"thousand": 1e3, "million": 1e6, "hundred million": 1e8, "billion": 1e9, "trillion": 1e12}


def chinese_amounts(text: str) -> list[str]:
    """English amounts as the corpus writes them: 10 million yuan → 1000万元, 8,000 → 8000.

    Chinese counts in 万 (10^4) and 亿 (10^8), so an English figure only matches a clause
    lexically once rescaled. Bare years and small numbers are left alone.
    """
    out: list[str] = []
    for num, scale, yuan in _EN_AMOUNT.findall(text):
        if not scale and "," not in num:
            continue
        value = float(num.replace(",", "")) * EN_SCALE.get(scale.lower(), 1.0)
        if value >= 1e8 and value % 1e7 == 0:
            form = f"{value / 1e8:g}亿"
        elif value >= 1e4 and value % 1e3 == 0:
            form = f"{value / 1e4:g}万"
        else:
            form = f"{value:g}"
        out.append(form + ("元" if yuan else ""))
    return out


@dataclass(frozen=True)
class QueryAnalysis:
    """What a question asks about, as far as rules can tell."""

    text: str
    lang: str  # "zh" | "en"
    years: tuple[int, ...]
    periods: tuple[tuple[int, int], ...]
    alias_groups: tuple[tuple[str, ...], ...]
    expansions: tuple[str, ...]  # Chinese terms added for lexical search
    is_comparison: bool
    wants_number: bool
    translations: tuple[str, ...] = ()  # Chinese for an English question: plans, terms, amounts
    quoted: tuple[str, ...] = ()  # phrases the question quotes (“强化知识产权保护”)
    term_translations: tuple[str, ...] = ()  # its words' Chinese (glossary, then CC-CEDICT)
    # English names no corpus name matches (Guangdong): searched as written, never refused.
    search_names: tuple[str, ...] = ()

    @property
    def lexical_text(self) -> str:
        """The question plus glossary terms and canonical place names, for BM25.

        Only the canonical name of an alias group is added: all of them would let the
        place outweigh what is asked about it. ``search_names`` stay in as written.
        """
        names = [g[0] for g in self.alias_groups if g[0] not in self.text]
        return " ".join([self.text, *names, *self.translations])

    @property
    def dense_text(self) -> str:
        """The question as asked; an English one also carries its Chinese terms."""
        if self.lang != "en":
            return self.text
        names = [g[0] for g in self.alias_groups]
        return " ".join([self.text, *names, *self.translations])

    def covers_year(self, period: tuple[int, int] | None) -> bool:
        """True if a document period covers any asked year (or nothing was asked)."""
        if not self.years or period is None:
            return not self.years
        return any(period[0] <= y <= period[1] for y in self.years)


def strip_comparison(text: str) -> str:
    """The question without its comparison wording (有何不同, how did … change)."""
    return _COMPARE_EN.sub(" ", _COMPARE_ZH.sub(" ", text))


def detect_lang(text: str) -> str:
    """"en" when Latin letters outnumber Chinese characters."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > cjk * 2 else "zh"


def _name_groups(question: str, names: NameIndex, groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Alias groups (中文, English) for the corpus names an English question spells in pinyin."""
    known = {n.lower() for g in groups for n in g}
    out: dict[str, list[str]] = {}
    for english, chinese in names.lookup(question):
        if english.lower() not in known and chinese not in known:
            out.setdefault(chinese, [chinese]).append(english)
    return [tuple(g) for g in out.values()]


def _translate(question: str, lex: Lexicon, groups: list[tuple[str, ...]],
               corpus: CorpusVocab | None) -> list[str]:
    """Glossary terms first; the words it leaves, names and comparison wording aside, via CC-CEDICT."""
    # Names first: a glossary term inside a name ("science and technology" in a corridor's
    # English name) would otherwise break the name apart before it could be masked.
    masked = question
    for name in sorted((n for g in groups for n in g), key=len, reverse=True):
        masked = re.sub(re.escape(name), " ", masked, flags=re.I)
    found, rest = lex.glossary_matches(masked)
    if corpus is None:
        return found
    for _, zh in translate_english(strip_comparison(rest), corpus):
        found.extend(t for t in zh if t not in found)
    return found


def analyze(question: str, lexicon: Lexicon | None = None, corpus: CorpusVocab | None = None) -> QueryAnalysis:
    """Rule-based analysis of one standalone question.

    With ``corpus``, an English question's words are also translated through CC-CEDICT
    and its pinyin names through the corpus's names, both kept only where the corpus
    uses them.
    """
    lex = lexicon or default_lexicon()
    lang = detect_lang(question)
    years = [int(y) for y in YEAR.findall(question)]
    periods: list[tuple[int, int]] = []
    expansions: list[str] = []
    for name, span in FIVE_YEAR_PLANS.items():
        if name in question:
            periods.append(span)
    for a, b in YEAR_RANGE.findall(question):
        if int(a) < int(b):
            periods.append((int(a), int(b)))
    for m in EN_PLAN.finditer(question):
        name = EN_PLAN_NAME[m.group(1)]
        periods.append(FIVE_YEAR_PLANS[name])
        expansions.append(name)
    groups = lex.alias_groups(question)
    if lang == "en" and corpus is not None:
        groups += _name_groups(question, corpus.names, groups)
    for group in groups:
        expansions.extend(n for n in group if re.search(r"[\u4e00-\u9fff]", n) and n not in question)
    terms = _translate(question, lex, groups, corpus) if lang == "en" else []
    translations = [*terms, *chinese_amounts(question)] if lang == "en" else []
    plan_names = [e for e in expansions if e in FIVE_YEAR_PLANS]
    expansions.extend(t for t in translations if t not in expansions)
    wants_number = bool(_NUMERIC_ZH.search(question) or _NUMERIC_EN.search(question))
    # "发布会提出2016年达到300亿元，2015年实际达到了多少？" sets a stated figure beside
    # another one: the answer quotes both, usually from different documents.
    states_figure = bool(_FIGURE.search(question)) or (lang == "en" and bool(chinese_amounts(question)))
    # Two places named (山东…和北京…) ask about two documents, as a comparison does.
    known = [n for g in groups for n in g]
    is_comparison = bool(_COMPARE_ZH.search(question) or _COMPARE_EN.search(question)
                         or (states_figure and wants_number) or len(place_names(question, known)) >= 2)
    named = " ".join(n for g in groups for n in g).lower()
    return QueryAnalysis(
        text=question.strip(),
        lang=lang,
        years=tuple(dict.fromkeys(years)),
        periods=tuple(dict.fromkeys(periods)),
        alias_groups=tuple(groups),
        expansions=tuple(dict.fromkeys(expansions)),
        is_comparison=is_comparison,
        wants_number=wants_number,
        translations=tuple(dict.fromkeys([*plan_names, *translations])),
        quoted=tuple(q for q in _QUOTED.findall(question) if len(q) >= 2 and q not in FIVE_YEAR_PLANS),
        term_translations=tuple(terms),
        search_names=tuple(n for n in english_names(question) if n.lower() not in named) if lang == "en" else (),
    )
