"""How the genre writes a quantity: figures, units, years, places, and the words around them.

``ingest.targets`` reads each sentence of a policy text with these rules: where its figures
are (a number with a unit, a percentage, 翻一番), which numbers are no figures (years, dates,
ordinals, document numbers, names in 《》 and “”), what time frame and place a sentence opens
with, and which words before or after a figure name what it measures. Every rule is one of
the genre (units, qualifiers, verbs, place suffixes); none names a metric or place of a
particular document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.markers import cn_to_int

_AR = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = r"[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*"
_SEP = r"(?:—+|–|-|－|~|～|至|到)"
_PCT = r"个百分点|百分点|%|％|‰"
_MONEY = r"美元|欧元|元"
_MEASURE = (r"万千瓦时|千瓦时|千伏安|千瓦|兆瓦|吉瓦|瓦|千伏|伏|吨标准煤|吨|千克|公斤|平方公里|平方千米"
            r"|平方米|立方米|公里|千米|毫米|厘米|米|公顷|亩|摄氏度|℃")
_TIME = r"个工作日|工作日|个月|小时|分钟|年|天|日|周"
_COUNT = (r"人次|户次|批次|家|个|项|件|人|名|位|所|支|座|台|套|辆|户|条|张|册|部|篇|种|款|处|栋|间|床"
          r"|只|头|株|宗|场|次|届|轮|艘|架")
UNIT_WORDS = rf"{_PCT}|{_MONEY}|{_MEASURE}|{_TIME}|倍|{_COUNT}"  # every unit a figure may carry
FIGURE = re.compile(
    rf"(?<![\d.A-Za-z])(?P<num>{_AR}|{_CN})(?:[（(](?P<alt>{_AR})[)）])?"
    rf"(?:\s?{_SEP}\s?(?P<num2>{_AR}|{_CN}))?(?P<approx>余|多)?(?P<mult>千万|百万|万亿|万|亿|千|百)?"
    rf"\s?(?P<unit>{_PCT}|{_MONEY}|{_MEASURE}|{_TIME}|倍|{_COUNT})?"
    r"(?P<post>及以上|及以下|以上|以下|左右|以内|之内|上下|多|余)?")
_PERCENT_WORDS = re.compile(r"百分之(?P<num>[零〇一二两三四五六七八九十百]+)")
_DOUBLING = re.compile(r"翻了?(?P<n>[一两二三]?)番|倍增")
_TIME_UNIT = re.compile(rf"^(?:{_TIME})$")
_KEEPS_MULT = re.compile(rf"^(?:{_MONEY}|{_MEASURE})$")  # 亿元, 万平方米: units of account
_CN_UNIT = re.compile(rf"^(?:{_PCT}|{_MONEY}|{_MEASURE}|{_TIME}|倍)$")
_MULT = {"千万": 1e7, "百万": 1e6, "万亿": 1e12, "万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}
# A Chinese-numeral duration is a figure after a time word (提前二日, 有效期为五年) or before
# a bound (三十日前, 二十四小时内); elsewhere it is part of a phrase (关键五年, 五年行动计划).
_TIME_WORD = re.compile(r"(?:提前|延长|超过|连续|每|满|逾|近|为|达)$")
# Numbers that are no figures: years, dates, ordinals, document numbers, names and labels.
_NOT_FIGURES = re.compile(
    r"(?:19|20)\d{2}\s*年?\s*(?:—+|–|-|－|~|～|至|到)\s*(?:19|20)\d{2}\s*年"
    r"|(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|(?<!\d)\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
    r"|[〇○零一二三四五六七八九]{4}年|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
    r"|第\s*[\d一二三四五六七八九十百千零〇两]+|[〔\[［(（【]\d{4}[〕\]］)）】]\s*第?\d+\s*号"
    r"|《[^》\n]*》|〈[^〉\n]*〉|“[^”“\n]{0,20}”|\"[^\"\n]{0,20}\"|‘[^’\n]{0,20}’")

_FIVE_YEAR = re.compile(r"(?<![一二三四五六七八九十百])“?十([一二三四五])五”?")
_SPAN = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:—+|–|-|－|~|～|至|到)\s*((?:19|20)\d{2})\s*年")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")  # not a full date
_FRAME = (r"(?:力争|争取|预计|计划)?(?:到|至|截至|截止到?|自|从|在|于)?\s*(?:“?十[一二三四五]五”?"
          r"|(?:19|20)\d{2}\s*年?\s*(?:(?:—+|–|-|－|~|～|至|到)\s*(?:19|20)\d{2}\s*年)?)"
          r"(?:及之后|以来|以后|之后|期间|时期|期末|年底|年末|底|末|前|起|内)?")
_TIME_LEAD = re.compile(rf"^(?:{_FRAME}\s*[，,、]?\s*)+")
_TIME_TAIL = re.compile(rf"(?:{_FRAME})$")
_MARKER = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．](?!\d)|[一二三四五六七八九十]+是)")

# Places and bodies: 全市, 本省, 各区, or a name with a place suffix (东湖高新区, 武汉市).
_NAME = r"[^\W\d_的占和与及或等在对由到为是将按使把被从向以了]"
_AREA = r"(?:特别行政区|自治区|自治州|自治县|新区|高新区|开发区|示范区|自贸区|试验区|片区|园区|地区)"
_GENERIC = r"[全本我各](?:省|市|区|县|国|州|盟|旗)"
SCOPE = re.compile(rf"^(?:{_GENERIC}|{_NAME}{{2,10}}?{_AREA}"
                   rf"|{_NAME}{{2,8}}?(?<![上城都超股])[省市区县州盟旗])(?![域别间块位分场民值城级])")
AREA_END = re.compile(rf"(?:{_AREA}|^{_GENERIC})$")  # a metric that is only a place
_SCOPE_VERB = re.compile(r"^(?:优先|积极|大力)?(?:支持|鼓励|推动|推进|引导|促进|指导|围绕|结合|根据|依托)")

# Words around a figure: qualifiers are kept on the Target, fillers only trimmed away.
_QUALIFIER = ("不低于|不少于|不高于|不超过|年均增长|控制在|保持在|稳定在|力争|争取|确保|达到|超过|突破|不足"
              "|低于|高于|少于|多于|增长|提高|提升|增加|下降|降低|减少|压减|新增|累计|最高|最低|每年|年均"
              "|提前|约|近|逾|过|达")
_FILLER = (r"分别|应当|必须|可以|按照|获得|实现|完成|拥有|其中|由|从|为|是|有|应|须|可|将|在|于|按|处|共"
           r"|合计|总计|并|且|的|到|至")
_LEADING = (r"其中|并且|同时|以及|努力|使|让|推动|促进|加快|进一步|大力|全面|通过|对于|对|将|由|从|按照|按"
            r"|其|共|获得|培育|打造|建成|建设|形成|引进|培养|新建|创建|发起|设立|支持|给予|实施|开展|实现"
            r"|完成|拥有|集聚|聚集|吸引|带动|围绕|结合|根据|依托|优先|鼓励|积极|着力|重点|应当|必须|若|如"
            r"|且|处|分年度|——|[、，,\s]")
HAS_QUALIFIER = re.compile(_QUALIFIER)
_PER_UNIT = re.compile(r"(?<=[\u4e00-\u9fff）)])(?:为|是)?每[\u4e00-\u9fff]{1,4}$|(?<=[\u4e00-\u9fff）)])(?:为|是)$")
_TRAIL = re.compile(rf"(?:(?P<q>{_QUALIFIER}|每)|(?P<f>{_FILLER}))$")
LEAD_WORD = re.compile(rf"^(?:(?P<q>{_QUALIFIER})|{_LEADING})")
_EVERYWHERE = re.compile(r"最高|最低|每年|年均(?!增长)")  # qualifiers that never name a quantity
ACHIEVED_WORDS = re.compile(r"实际|已经|已|完成")
BASELINE_WORDS = re.compile(r"(?:由|从)(?:不足|约|近|超过)?$")
# After a count or a sum comes the noun counted (4个实验室, 10亿元基金), ending at its verb.
_NOUN_END = re.compile(r"建设运行|建设|运行|落地|实施|支持|用于|投入|预研|参与|开展|提供|在"
                       r"|、(?=一|若干)|[，,。；;：:（()）]")
SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
HARD_STOP = set("，,：:；;。！？!?")
_OPEN, _CLOSE = set("（(［[【"), set("）)］]】")
JOINS = ("", "至", "到", "—", "——", "-", "~", "～", "－")  # between the two ends of a range
# A plan's review of the past: the figures under such a heading are records, not goals.
REVIEW_HEADING = re.compile(r"发展基础|工作基础|现实基础|发展回顾|主要成就|完成情况|发展现状")


@dataclass(frozen=True)
class Figure:
    """One quantity in a sentence: its written value, what it is worth, and its span."""

    start: int
    end: int  # end of the value; a bound written after it (以上, 内) ends at ``tail``
    tail: int
    value: str
    number: float | None
    unit: str
    post: str = ""
    approx: str = ""  # 余 or 多 inside the value
    is_range: bool = False
    is_time: bool = False


@dataclass(frozen=True)
class TimeRef:
    """A time frame a text names: its year and, for a span or a plan, its years."""

    pos: int
    year: int
    period: tuple[int, int] | None
    base: int | None = None  # the baseline year: a span's first, the year before a plan's


def to_number(text: str) -> float | None:
    """An Arabic or Chinese numeral as a float; None if it is neither."""
    if re.fullmatch(_AR, text):
        return float(text.replace(",", ""))
    n = cn_to_int(text)
    return None if n is None else float(n)


def split_unit(unit: str) -> tuple[float, str]:
    """A table column's unit as (factor, unit): 万个 → (10000, 个); 亿元 and % stay whole."""
    m = FIGURE.fullmatch(f"1{unit}")
    if m and m.group("mult") and m.group("unit") and not _KEEPS_MULT.match(m.group("unit")):
        return _MULT[m.group("mult")], m.group("unit")
    return 1.0, unit


def _figure(s: str, m: re.Match[str]) -> Figure | None:
    """A regex hit as a Figure, or None when the genre does not read it as a quantity."""
    num, unit, mult, post = m.group("num"), m.group("unit") or "", m.group("mult") or "", m.group("post") or ""
    chinese, after = not num[0].isdigit(), s[m.end():m.end() + 1]
    is_time = bool(_TIME_UNIT.match(unit))
    if not unit and (chinese or mult not in ("万", "亿")):
        return None  # a bare number: a list number, a code, part of a name
    if chinese and not _CN_UNIT.match(unit):
        return None  # 三个“翻番”, 五个一: an enumeration, not a figure
    if chinese and is_time and not post and not (after and after in "内前") \
            and not _TIME_WORD.search(s[:m.start()]):
        return None
    if after in ("级", "强", "型"):
        return None  # 千亿级, 500强: a class label, part of a metric
    number = to_number(num)
    if number is not None and mult and not _KEEPS_MULT.match(unit):
        number = round(number * _MULT[mult], 6)  # 20万家 → 200000 家; 5000亿元 stays 亿元
    end = m.end() - len(post)
    if is_time and not post and after and after in "内前":
        post = after  # 三十日前, 二十四小时内: a deadline's bound
    ranged = m.group("num2") is not None
    return Figure(m.start(), end, end + len(post), s[m.start():end], None if ranged else number,
                  mult + unit if _KEEPS_MULT.match(unit) else unit, post, m.group("approx") or "",
                  ranged, is_time)


def find_figures(sentence: str) -> list[Figure]:
    """Every figure in a sentence, in order; numbers in names, dates and ordinals are none."""
    s = _NOT_FIGURES.sub(lambda m: "\x00" * len(m.group()), sentence)  # offsets unchanged
    found = [f for m in FIGURE.finditer(s) if (f := _figure(s, m)) is not None]
    for m in _PERCENT_WORDS.finditer(s):
        if (n := cn_to_int(m.group("num"))) is not None:
            found.append(Figure(m.start(), m.end(), m.end(), m.group(), float(n), "%"))
    for m in _DOUBLING.finditer(s):
        if m.group() == "倍增" and re.match(r"[\u4e00-\u9fff]", s[m.end():m.end() + 1]):
            continue  # 倍增计划, 倍增器: a name
        times = {"两": 4.0, "二": 4.0, "三": 8.0}.get(m.group("n") or "", 2.0)
        found.append(Figure(m.start(), m.end(), m.end(), m.group(), times, "倍"))
    return sorted(found, key=lambda f: f.start)


def time_refs(text: str) -> list[TimeRef]:
    """Every time frame in ``text`` by position: “十三五”, 2021—2025年, 到2025年."""
    refs: list[TimeRef] = []
    for m in _FIVE_YEAR.finditer(text):
        start = 2001 + 5 * (cn_to_int(m.group(1)) or 1)
        refs.append(TimeRef(m.start(), start + 4, (start, start + 4), start - 1))
    spans = [m for m in _SPAN.finditer(text) if int(m.group(1)) < int(m.group(2))]
    refs += [TimeRef(m.start(), int(m.group(2)), (int(m.group(1)), int(m.group(2))), int(m.group(1)))
             for m in spans]
    refs += [TimeRef(m.start(), int(m.group(1)), None) for m in _YEAR.finditer(text)
             if not any(s.start() <= m.start() < s.end() for s in spans)]
    return sorted(refs, key=lambda r: r.pos)


def strip_lead(text: str) -> str:
    """A sentence without its list marker, time frame or short label (——三个“翻番”:)."""
    prev = None
    while prev != text:
        prev = text
        text = _TIME_LEAD.sub("", _MARKER.sub("", text.lstrip("—- \t"))).lstrip("，,")
        label = re.match(r"^[^，,。；;：:\d]{1,14}[：:](?=.)", text)
        text = text[label.end():] if label else text
    return text


def scope_at(text: str) -> str:
    """The place or body a sentence opens with, after its time frame: 全市, 东湖高新区."""
    m = SCOPE.match(_SCOPE_VERB.sub("", strip_lead(text)))  # 支持东湖高新区…: not the verb
    return m.group() if m else ""


def segment_start(s: str, pos: int, floor: int) -> int:
    """Where the words naming the figure at ``pos`` begin: after a pause or an open bracket."""
    depth = 0
    for i in range(pos - 1, floor - 1, -1):
        if s[i] in _CLOSE:
            depth += 1
        elif s[i] in _OPEN and depth:
            depth -= 1
        elif s[i] in _OPEN or (s[i] in HARD_STOP and not depth):
            return i + 1
    return floor


def clean(metric: str) -> str:
    """A metric without stray punctuation; "" if too little is left to name anything."""
    metric = metric.strip(" ，,、：:—-\u3000")
    for a, b in ("（）", "()", "“”"):
        if metric.count(a) != metric.count(b):
            metric = metric.strip(a + b)
    return metric if len(metric) >= 2 and re.search(r"[\u4e00-\u9fffA-Za-z]", metric) else ""


def read_metric(pre: str) -> tuple[str, list[str]]:
    """The metric named before a figure, and the qualifiers between it and the figure."""
    text = strip_lead(pre)
    quals = [q for q in ("力争", "争取") if q in pre[: len(pre) - len(text)]]
    while (m := LEAD_WORD.match(text)) and not (text[m.end():] and text[m.end()] in "值率量额数"):
        quals += [m.group("q")] if m.group("q") else []  # …but not 增加 of 增加值
        text = text[m.end():]
    tail: list[str] = []
    while (m := _TRAIL.search(_TIME_TAIL.sub("", text).rstrip(" ，,、"))) and (m.start() or m.group("q")):
        tail[:0] = [m.group("q")] if m.group("q") else []
        text = m.string[: m.start()]
    text = _PER_UNIT.sub("", _TIME_TAIL.sub("", text))  # 补贴标准为每辆车 → 补贴标准
    if "按照" in text and not HAS_QUALIFIER.search(text.split("按照")[0]):
        rest, more = read_metric(text.rsplit("按照", 1)[1])  # 项目按照负荷用电量1.2倍确定
        return rest, quals + more + tail
    quals += _EVERYWHERE.findall(text)
    text = _EVERYWHERE.sub("", text)
    if len(text.replace("实现", "")) >= 2:
        text = text.replace("实现", "")  # 新材料产业实现高新技术产值达到…
    return clean(text), quals + tail


def noun_after(s: str, figs: list[Figure], i: int) -> str:
    """The noun a figure counts when it comes first (4个湖北实验室, 十万元以上…罚款)."""
    fig = figs[i]
    if i + 1 < len(figs) and s[fig.tail:figs[i + 1].start] in JOINS:
        return noun_after(s, figs, i + 1)  # a range shares the noun after its upper end
    nxt = s[fig.tail:fig.tail + 1]
    if not re.match(r"[\u4e00-\u9fff“]", nxt) or nxt in "的以" or LEAD_WORD.match(s[fig.tail:]) \
            or fig.unit == "倍" or (fig.is_time and fig.post not in ("以上", "以下", "左右")):
        return ""
    end = min([m.start() for m in [_NOUN_END.search(s, fig.tail)] if m]
              + [f.start for f in figs[i + 1:]] + [len(s)])
    noun = s[fig.tail:end].rstrip("、和及与")
    return noun if 2 <= len(noun) <= 24 else ""


_IF = re.compile(r"若|如果|假如|倘若|一旦|如(?=[^期下上何今同此实果意])")
# "those that …" ending in 的 and a pause or a grant (完成投资45%以上的，由…; 占比30%至60%（不含）的给予…)
_THOSE_WHICH = re.compile(r"(?:(?:至|到|—|-|~|～)[\d.]+[^\d，,；;。的（(]{0,3})?(?:以上|以下|及以上|及以下|左右)?(?:[（(][^）)]{0,6}[）)])?(?:[\u4e00-\u9fff]{0,3})?的"
                          r"(?:[，,]|给予|予以|可|按)")
_GRANT = re.compile(r"给予|予以|奖励|补助|补贴|按照?")  # what a qualifying party is given
_THEN_REQUIRED = re.compile(r"(?:需|须|方可|才能|才可)[\u4e00-\u9fff]")  # 接入220千伏需提供…: a requirement's trigger
_SOFT_STOP = "，,；;。（("


def is_condition(s: str, fig: Figure) -> bool:
    """A figure a condition states, not a goal: 若项目接入220千伏…, 确有必要接入220千伏的，….

    Either the clause (up to the last comma, semicolon or bracket) holding the figure opens
    with or contains an "if" before it; or the figure's phrase ends in 的 and a pause or a
    grant (a "those that …" clause: 完成投资45%以上的，由…; 占比30%至60%的给予…); or the rest
    of its clause makes it a trigger (接入220千伏需提供…) or names those a grant goes to
    (占比达到60%及以上的新建项目，给予…).
    """
    start = max(s.rfind(ch, 0, fig.start) for ch in _SOFT_STOP) + 1
    if _IF.search(s[start:fig.start]):
        return True
    after = s[fig.tail:fig.tail + 12]
    if _THOSE_WHICH.match(after):
        return True
    # The clause the figure sits in, up to its pause: "…的X项目，给予…" or "…需提供…".
    end = min([i for i in (s.find(ch, fig.tail) for ch in "，,；;。") if i >= 0] or [len(s)])
    clause = s[fig.tail:end]
    if _THEN_REQUIRED.search(re.split(r"[（(]", clause, maxsplit=1)[0]):  # an aside in brackets is no predicate
        return True
    return "的" in clause and bool(_GRANT.match(s[end + 1:end + 6]))


_VIOLATES = re.compile(r"^(?:第[零〇一二三四五六七八九十百千\d]+条\s*)?(?:违反本(?:条例|办法|规定|细则)[^，,；;]{0,20}规定|有下列[^，,；;]{0,10}之一)?[，,]?")


def offence(s: str, fig: Figure) -> str:
    """What a fine or penalty is for, in the 法律责任 style: 违反本条例规定，OFFENCE的，由…处…罚款
    → OFFENCE; "" when no "…的，" clause precedes the figure."""
    head = s[:fig.start]
    cut = max(head.rfind("的，"), head.rfind("的,"))
    if cut <= 0:
        return ""
    text = _VIOLATES.sub("", head[:cut].lstrip())
    return text if 2 <= len(text) <= 80 else ""


_WINDOW_POST = ("内", "以内", "之内", "前", "之前", "后", "之后")
_WINDOW_WORDS = re.compile(r"提前$|之日起$|有效期|公示|时限")


def is_window(s: str, fig: Figure, metric: str) -> bool:
    """A procedural window, not a target: a duration bounding when something is done
    (二十四小时内检测, 开始六个月前申请, 提前二日通知, 有效期为五年, 公示时间5个工作日).
    A duration that is itself required (合同期限10年以上) stays."""
    if not fig.is_time or fig.post in ("以上", "以下", "左右"):
        return False
    return fig.post in _WINDOW_POST or bool(_WINDOW_WORDS.search(s[max(0, fig.start - 4):fig.start])
                                             or _WINDOW_WORDS.search(metric))


def is_label(s: str, figs: list[Figure], i: int) -> bool:
    """A figure naming a class of what the next figure counts (产值过50亿元的企业29家)."""
    fig = figs[i]
    return s[fig.tail:fig.tail + 1] == "的" and i + 1 < len(figs) \
        and not any(ch in HARD_STOP for ch in s[fig.tail:figs[i + 1].start])


def share_noun(s: str, fig: Figure) -> str:
    """What a share is of, when it follows the figure: 占全国50%的市场份额 → 市场份额."""
    if fig.unit != "%" or s[fig.tail:fig.tail + 1] != "的":
        return ""
    m = _NOUN_END.search(s, fig.tail + 1)
    noun = s[fig.tail + 1:m.start() if m else len(s)]
    return noun if 2 <= len(noun) <= 10 else ""
