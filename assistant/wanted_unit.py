"""What unit a question's number is measured in, and whether a text states such a figure.

"每千瓦每年多少元" wants an amount of money, "多少度" a temperature, "what share" a
percentage. A sentence that echoes such a question but holds only a figure of another
kind (a 50% where a price is asked) does not answer it. The units are the genre's unit
vocabulary that ingest reads figures with (``ingest.target_parts``); a question that names
no unit wants any number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.target_parts import UNIT_WORDS, find_figures
from vectorstore.metrics import unit_dimension

# Units measuring the same kind of thing; a unit outside these classes is its own class.
_CLASSES = {
    "money": ("元", "美元", "欧元", "钱"),
    "percent": ("%", "％", "‰", "个百分点", "百分点", "成"),
    "duration": ("年", "个月", "月", "天", "日", "周", "小时", "分钟", "工作日", "个工作日"),
    "temperature": ("摄氏度", "℃", "度"),
    "energy": ("千瓦时", "万千瓦时", "度电"),
    "power": ("瓦", "千瓦", "兆瓦", "吉瓦"),
    "area": ("平方米", "平方公里", "平方千米", "公顷", "亩"),
    "length": ("米", "公里", "千米", "毫米", "厘米"),
    "weight": ("吨", "千克", "公斤", "吨标准煤"),
}
_CLASS_OF = {u: c for c, units in _CLASSES.items() for u in units}
_ZH_ASKED = re.compile(rf"(?:多少|几)\s*(?:千万|百万|万亿|万|亿|千|百)?(?P<unit>{UNIT_WORDS}|钱|度)")
# A share asked for ("占GDP比重", "what percentage of the cost") is a percentage whatever it
# is a share of; otherwise the words of a measured quantity say its class. Support is given
# as a sum or as a share of the cost, so its words want either.
_ZH_SHARE = re.compile(r"比例|比重|占比|占[^，。？?]{0,8}多少|百分之几|百分比|增速|增幅|增长率|百分点")
_ZH_WORDS = (
    (re.compile(r"资金|补贴|补助|奖励|支持"), "percent"),
    (re.compile(r"价格|[电热水气房]价|单价|价款|定价|收费|费用|费标准|金额|资金|补贴|补助|奖励|罚款|钱"), "money"),
)
_EN_SHARE = re.compile(r"\b(?:percentage|percent|share|proportion|ratio|growth rate)\b", re.I)
_EN_WORDS = (
    (re.compile(r"\b(?:rates?|subsid(?:y|ies)|support|funding)\b", re.I), "percent"),
    (re.compile(r"\b(?:how much money|price|prices|tariff|fee|fees|cost|costs|yuan|rmb|subsid(?:y|ies)|"
                r"fine|fines|amount of (?:money|funding|support))\b", re.I), "money"),
    (re.compile(r"\bhow many (?:days|months|years|hours|weeks|working days)\b|\bhow long\b", re.I), "duration"),
    (re.compile(r"\b(?:temperature|degrees?)\b", re.I), "temperature"),
    (re.compile(r"\b(?:kwh|kilowatt-hours?)\b", re.I), "energy"),
    (re.compile(r"\b(?:kw|mw|gw|kilowatts?|megawatts?|gigawatts?)\b", re.I), "power"),
    (re.compile(r"\b(?:square (?:metres|meters|kilometres|kilometers)|hectares?|mu)\b", re.I), "area"),
)


def unit_class(unit: str) -> str:
    """The class a unit measures: 亿元 → money, 万人 → 人 (a count is its own class)."""
    u = unit_dimension(unit)  # the metric groups' unit, its magnitude stripped
    return _CLASS_OF.get(u, u)


def wanted_units(question: str) -> frozenset[str]:
    """The unit classes a question's number may be in; empty when it names none.

    A unit after 多少 / 几 decides ("多少万元" → money); failing that, a word that names a
    measured quantity (比例 → percent, 电价 → money); a bare 多少 names none.
    """
    found = {unit_class(m.group("unit")) for m in _ZH_ASKED.finditer(question)}
    found.discard("个")  # 几个 counts anything
    if found:
        return frozenset(found)
    english = question.isascii()
    if (_EN_SHARE if english else _ZH_SHARE).search(question):
        return frozenset({"percent"})
    words = _EN_WORDS if english else _ZH_WORDS
    return frozenset(cls for pattern, cls in words if pattern.search(question))


def states_unit(text: str, wanted: Iterable[str], stated: str) -> bool:
    """Whether ``text`` holds a figure in one of the ``wanted`` classes that ``stated`` (the
    question) does not already say."""
    classes = set(wanted)
    return any(unit_class(f.unit) in classes and f.value not in stated for f in find_figures(text))
