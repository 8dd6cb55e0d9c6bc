"""What kind of answer a question wants, and whether a sentence holds one.

A question's interrogative word says what its answer looks like: 何时 wants a time,
多少 a number, 谁 / 哪个部门 a person or body, 哪里 a place, 为什么 a reason, 如何 a
method, 哪些 a list. A sentence that repeats the question's words but holds no such
element echoes the question instead of answering it; selection and refusal weigh both.

The cue words are general Chinese and English question words, not any corpus's terms.
"""

from __future__ import annotations

import re
from enum import StrEnum

from assistant.wanted_unit import states_unit
from vectorstore.lexical import posseg


class AnswerType(StrEnum):
    TIME = "time"
    NUMBER = "number"
    AGENT = "agent"  # a person or a body
    PLACE = "place"
    REASON = "reason"
    METHOD = "method"
    LIST = "list"
    YESNO = "yesno"
    OTHER = "other"


# Question cues, checked in this order: the first that matches decides.
_QUESTION_CUES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (AnswerType.REASON, re.compile(r"为什么|为何|什么原因|何种原因|原因是|缘何|\bwhy\b|\bfor what reason\b", re.I)),
    (AnswerType.TIME, re.compile(
        r"何时|什么时候|哪一?年|哪一?天|几月|几号|哪个月|什么时间|何日|日期|多久|多长时间|期限|时限|"
        r"哪个阶段|截至何|\bwhen\b|\bwhat (?:year|date|time|month|day)\b|\bhow long\b|\bdeadline\b|"
        r"\bby which (?:year|date)\b|\bin which year\b|\buntil when\b", re.I)),
    (AnswerType.NUMBER, re.compile(
        r"多少|几[个家项条次名所种年倍成]|多大|多高|多长|多重|多远|比例|比重|占比|金额|数量|数额|规模|"
        r"总量|几何|\bhow (?:many|much|large|big|high|small)\b|\bnumber of\b|\bwhat size\b|"
        r"\b(?:below|above|under|over|up to|at least|at most) what\b|\bwhat (?:percentage|share|proportion|"
        r"amount|number|rate|ratio)\b|\bpercent", re.I)),
    (AnswerType.AGENT, re.compile(
        r"谁|哪个部门|哪些部门|什么部门|哪个单位|哪些单位|什么单位|哪个机构|哪些机构|什么机构|哪家|"
        r"哪个组织|什么组织|由哪|主管部门|负责部门|责任单位|牵头|\bwho\b|\bwhom\b|\bwhich (?:units?|departments?|"
        r"agenc(?:y|ies)|bod(?:y|ies)|authorit(?:y|ies)|organi[sz]ations?|ministr(?:y|ies)|offices?|"
        r"compan(?:y|ies)|institutions?)\b",
        re.I)),
    (AnswerType.PLACE, re.compile(
        r"哪里|哪儿|何处|何地|什么地方|哪(?:个|些)(?:地方|地区|城市|省份?|市(?!场)|区县?|县|国家|园区|片区)|"
        r"在哪(?![些几个一]|方面|类)|什么(?:地区|海域|水域|区域|位置|地点|国家|城市|省份?|地带)|位于何|\bwhere\b|"
        r"\bwhich (?:cit(?:y|ies)|provinces?|regions?|places?|districts?|countr(?:y|ies)|areas?)\b", re.I)),
    (AnswerType.LIST, re.compile(
        r"哪些|哪几|哪[一二三四五六七八九十两]+[个项条类种家]|包括什么|包含什么|列举|分别是|具体包括|\bwhat are\b|\bwhich\b.*\b(?:are|were)\b|"
        r"\blist\b|\bname the\b|\binclude\b", re.I)),
    (AnswerType.METHOD, re.compile(
        r"如何|怎样|怎么|通过什么|以什么|什么方式|何种方式|什么途径|哪种方式|什么措施|什么办法|"
        r"\bhow (?:do|does|did|is|are|will|should|can|to)\b|\bin what way\b|\bby what means\b", re.I)),
    (AnswerType.YESNO, re.compile(
        r"是否|能否|可否|是不是|能不能|可不可以|有没有|吗[？?]?$|^(?:is|are|does|do|did|can|could|will|"
        r"should|must|may|was|were|has|have)\b|\bwhether\b", re.I)),
)


def question_type(text: str) -> AnswerType:
    """The answer type a question asks for (OTHER when its wording says nothing)."""
    stripped = text.strip()
    for kind, cue in _QUESTION_CUES:
        if cue.search(stripped):
            return kind
    return AnswerType.OTHER


_TIME = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月(?:份|底|末|初)?|"
    r"[一二三四五六七八九十]+月|(?:19|20)\d{2}[-/.]\d{1,2}|[上下]半年|第[一二三四]季度|年底|年末|"
    r"\d+\s*(?:个)?(?:工作日|日内|天|周|个月|年内|年以内|小时)|[一二三四五六七八九十两]+(?:个)?(?:工作日|日内|天|周|个月|年)|"
    r"起施行|之日起|以前|之前|以后|之后|期间|届满|期限|同时|此前")
# 一个, 一项, 一次 mostly say "a", not a count: a lone 一 before a measure word is no figure.
_NUMBER = re.compile(
    r"\d+(?:\.\d+)?|(?<![零一二三四五六七八九十百千万亿两])(?!一(?:个|家|项|条|次|名|所|种|人)"
    r"(?![零一二三四五六七八九十百千万亿两]))[零一二三四五六七八九十百千万亿两]+"
    r"(?:个|家|项|条|次|名|所|种|倍|成|人|元|亩|吨|万|亿)|翻[一两二三四]?番|百分之")
_AGENT_SUFFIX = re.compile(
    r"[\u4e00-\u9fff]{1,12}(?:部|厅|局|委|委员会|办公室|办|政府|公司|集团|中心|法院|检察院|银行|协会|"
    r"学会|联合会|大学|学院|研究院|研究所|人民代表大会|常务委员会|管委会|管理委员会|"
    r"先生|女士|主任|部长|局长|市长|省长|书记|主席|总经理|董事长|法官|原告|被告|申请人|被申请人|"
    r"上诉人|被上诉人|当事人|负责人)")
_PLACE_SUFFIX = re.compile(
    r"[\u4e00-\u9fff]{1,10}(?:省|市|区|县|镇|乡|村|街道|路|街|号|园区|开发区|新区|示范区|自贸区|"
    r"片区|高新区|港|湾|岛|山|河|湖|州|国)")
_REASON = re.compile(r"因为|由于|因此|所以|因而|为了|以便|旨在|鉴于|导致|致使|造成|原因|缘于|出于|基于|理由")
_METHOD = re.compile(
    r"通过|采取|采用|按照|依照|依据|根据|利用|借助|以[\u4e00-\u9fff]{1,8}(?:方式|形式|为主)|方式|方法|"
    r"途径|措施|办法|程序|步骤|机制|实行|实施|推行|建立|完善|加强|支持|鼓励|给予")
_LIST = re.compile(r"[、；;]|以及|和[\u4e00-\u9fff]{1,10}等|等(?:领域|方面|行业|产业|内容|事项|措施|项目)")
_YESNO = re.compile(r"可以|应当|不得|禁止|允许|必须|须|有权|不予|予以|是|否|不")


def _pos_flags(text: str) -> set[str]:
    return {w.flag for w in posseg().cut(text)}


def holds(kind: AnswerType, text: str) -> bool:
    """Whether ``text`` holds an element of the wanted kind (a time, a number, a body …).

    Person and place names also come from jieba's part-of-speech tags (nr, ns, nt), so
    names without a telling suffix count; the tagger runs only for those two kinds.
    """
    if kind is AnswerType.TIME:
        return bool(_TIME.search(text))
    if kind is AnswerType.NUMBER:
        return bool(_NUMBER.search(text))
    if kind is AnswerType.AGENT:
        return bool(_AGENT_SUFFIX.search(text)) or bool(_pos_flags(text) & {"nr", "nt", "nrt", "nrfg"})
    if kind is AnswerType.PLACE:
        return bool(_PLACE_SUFFIX.search(text)) or "ns" in _pos_flags(text)
    if kind is AnswerType.REASON:
        return bool(_REASON.search(text))
    if kind is AnswerType.METHOD:
        return bool(_METHOD.search(text))
    if kind is AnswerType.LIST:
        return bool(_LIST.search(text))
    if kind is AnswerType.YESNO:
        return bool(_YESNO.search(text))
    return True


_ELEMENTS = {AnswerType.TIME: _TIME, AnswerType.NUMBER: _NUMBER, AnswerType.REASON: _REASON,
             AnswerType.METHOD: _METHOD, AnswerType.AGENT: _AGENT_SUFFIX, AnswerType.PLACE: _PLACE_SUFFIX}


def holds_new(kind: AnswerType, text: str, question: str, units: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds an element of the kind that the question does not already state.

    "2025年目标是多少" is answered by a figure, not by the 2025 the question names. A number
    question that names its unit (``units``, see assistant.wanted_unit) wants a figure in it.
    """
    if kind is AnswerType.NUMBER and units:
        return states_unit(text, units, question)
    pattern = _ELEMENTS.get(kind)
    if pattern is None:
        return holds(kind, text)
    if any(m.group().strip() and not _stated(m.group(), question) for m in pattern.finditer(text)):
        return True
    if kind in _NAME_TAGS:  # names without a telling suffix: 张三, 浦东
        return any(w.flag in _NAME_TAGS[kind] and len(w.word) >= 2 and w.word not in question
                   for w in posseg().cut(text))
    return False


_NAME_TAGS = {AnswerType.AGENT: frozenset({"nr", "nt", "nrt", "nrfg"}), AnswerType.PLACE: frozenset({"ns"})}


def _stated(piece: str, question: str) -> bool:
    """Whether the question already says ``piece``; a figure only as a whole number
    (the 5 of 2.5% is not stated by a question about 2025)."""
    left = r"(?<!\d)(?<!\d\.)" if piece[:1].isdigit() else ""
    right = r"(?!\.?\d)" if piece[-1:].isdigit() else ""
    return bool(re.search(f"{left}{re.escape(piece)}{right}", question))
