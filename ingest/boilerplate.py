"""Remove web-page chrome with rules for the genre, never for one site or file.

A line is chrome when it is short, carries no sentence end (。), and matches a
kind of page furniture: navigation, breadcrumbs, login prompts, font-size and print
tools, share counters, previous/next links, related-reading lists, comment boxes,
copyright/ICP/address footers. The document's own record lines (发文字号, 成文日期,
发布日期, a lone 信息来源 or 时间 stamp) are not furniture. Whole regions
are cut too: everything before the title, and the tail after the first footer
marker once no body sentence follows it.

Some footer words are policy vocabulary as well (备案, 许可证, 技术支持, 注册, 退出,
热线, 地址：, 来源：…): "1.项目已依法依规完成核准（备案）；" is a condition, and a page that
broke a sentence over lines leaves pieces such as "…的技术支持能力和服". Such *ambiguous*
words mark a line as chrome only when it does not read as document text (it starts
no numbered clause and ends on no clause pause), and never between the first and the
last sentence of the body: there only unmistakable furniture is removed.
"""

from __future__ import annotations

import re

from ingest.indicators import is_table_row
from ingest.markers import match_marker

_MAX_CHROME_LEN = 90
_TOOLS = r"打印本页|打印此页|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|收藏本页|收藏|加入收藏|我要纠错|纠错|保存本页|保存|下载|分享|朗读"

# Furniture no policy text contains: removed wherever it stands.
_FURNITURE_PATTERNS = [
    # navigation and breadcrumbs
    r"(?:^|\s)首页(?:\s|$|>|\||\s*>)",
    r"当前位置|所在(?:的)?位置|您的位置|当前的位置",
    r"[^>]>>?[^>]+>",
    r"^(?:[^|]{1,14}\|)+[^|]{0,14}$",
    # login, accounts, site tools
    r"请登录|(?:登录|注册)\s*[|｜]|[|｜]\s*(?:登录|注册)|退出登录|会员中心|用户中心|欢迎(?:来到|光临|访问)",
    r"扫一扫",
    # page tools, alone or in a row: 【打印本页】【关闭窗口】, [收藏] [纠错]; a bare verb
    # (打印, 下载) alone on a line may be a piece of a broken sentence, so it is ambiguous
    r"^(?:[【\[(（]?\s*(?:打印本页|打印此页|关闭本页|关闭窗口|返回顶部|收藏本页|加入收藏|我要纠错"
    r"|保存本页)\s*[】\])）]?\s*)+$",
    rf"^(?:[【\[(（]\s*(?:{_TOOLS})\s*[】\])）]\s*)+$",
    # (words such as 无障碍 or 适老化 alone are policy topics, so only the tool names count)
    r"字体\s*[:：]?\s*[【\[(（]?\s*大\s*中\s*小|视力保护色|护眼模式|无障碍(?:浏览|阅读|模式)"
    r"|适老化(?:模式|版)|长者模式|关怀模式|繁體|繁体版",
    r"^(?:上一篇|下一篇)|^(?:上一条|下一条)\s*[:：]",
    r"在手机(?:上)?(?:打开|浏览|查看)|手机版|点击此处下载|下载地址|附件下载\s*[:：]",
    # share counters and article furniture ("字号" alone: 发文字号, 老字号)
    r"分享到|分享:|我要评论|浏览:|浏览次数|阅读量|阅读次数|点击数|点击量|访问量|访问次数|"
    r"(?<!发文)字号\s*[:：]?\s*[【\[]?\s*(?:大|T\b)|【(?:大|中|小|打印|关闭)】",
    r"【转载】|【原创】",
    r"\.(?:png|jpe?g|gif|bmp|webp)$",
    # related reading, comments
    r"相关(?:阅读|文章|新闻|链接|推荐)|推荐阅读|延伸阅读|更多\s*>|查看更多|内容列表|模块标题",
    r"网友评论|发表评论|评论列表|昵称|表情:|字数:|我来说两句|条评论",
    # footers
    r"Copyright|©|All rights reserved|ICP|公网安备|网站(?:地图|简介|声明)|联系我们|友情链接|豁免条款",
    r"^(?:seo\s*)+$",
]
# Words of page furniture that policy prose uses too (备案, 许可证, 技术支持, 退出机制,
# 注册资本, 老字号, 服务热线, 尽职免责, 资金来源：, 时间：…, a list of bodies).
_AMBIGUOUS_PATTERNS = [
    r"^(?:[^\s|]{1,6}\s+){3,}[^\s|]{1,6}$",
    r"位置:|浏览器|分辨率|^(?:文章|搜索|详细内容|正文|更多|APP)$|^(?:上一条|下一条)",
    rf"^(?:[【\[(（]?\s*(?:{_TOOLS})\s*[】\])）]?\s*)+$",
    r"登录|注册|退出|公众号|APP$|客户端|二维码|(?<!发文)字号",
    r"^(?:发布|发稿|更新)?(?:时间|日期)\s*[:：]|来源\s*[:：]|作者\s*[:：]|编辑\s*[:：]|责任编辑",
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    r"热门|排行",
    r"版权所有|版权声明|版权说明|备案|主办单位|承办单位|协办单位|技术支持|免责",
    r"地址\s*[:：]|邮编|电话\s*[:：]|客服|热线|传真|E-?mail|许可证|经营许可",
    r"^工作日|^节假日",
    r"^\s*[•·▪■□◆◇►▶]",
]
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS), re.IGNORECASE)
_AMBIGUOUS = re.compile("|".join(f"(?:{p})" for p in _AMBIGUOUS_PATTERNS), re.IGNORECASE)
_PAREN_NOTE = re.compile(r"^（[^（）]*）$")
_CLAUSE_PAUSE = ("；", ";", "，", ",", "、")  # a line ending so goes on in the next clause

# Markers that open a page footer; everything after the first one is cut, provided
# no body sentence comes later.
_FOOTER = re.compile(
    r"相关阅读|相关文章|推荐阅读|网友评论|发表评论|浏览排行|版权所有|Copyright|©|ICP|"
    r"更多\s*>|关闭窗口|打印本页|模块标题|友情链接|主办单位|^来源\s*[:：]|^分享到|"
    r"^(?:上一篇|下一篇)|扫一扫在手机",
    re.IGNORECASE,
)
# A labelled line of the document's own record (发文字号：…, 成文日期：…, or the page's lone
# 信息来源：… or 时间：… stamp) is metadata, not furniture, unless its value also carries
# page counters, a source credit or another label.
_RECORD_LABEL = re.compile(
    r"^(?:发文字号|文号|成文日期|印发日期|发文日期|发布日期|发布时间|时间|信息来源|来源)\s*[:：]\s*(?=\S)"
)
_NOT_RECORD = re.compile(r"来源|浏览|访问|点击|阅读|分享|作者|编辑|[\u4e00-\u9fff]\s*[:：]")


def is_record(line: str) -> bool:
    """A lone labelled field of the document's record: 发布日期：2024-04-06, 信息来源：某局."""
    s = line.strip()
    m = _RECORD_LABEL.match(s)
    return m is not None and not _NOT_RECORD.search(s[m.end():])


def reads_as_text(line: str) -> bool:
    """A line that opens a numbered clause, stops on a clause pause (；，、) or is a whole
    parenthetical note (（联系人：…）, （此件公开发布）) is the document's text."""
    s = line.strip()
    return match_marker(s) is not None or s.endswith(_CLAUSE_PAUSE) or bool(_PAREN_NOTE.match(s))


def is_furniture(line: str) -> bool:
    """True if a line is page furniture that no document text could be."""
    s = line.strip()
    if not s or "。" in s or len(s) > _MAX_CHROME_LEN or is_table_row(s):
        return False
    return bool(_FURNITURE.search(s))


def is_chrome(line: str) -> bool:
    """True if a line is page furniture rather than document text."""
    s = line.strip()
    if not s or "。" in s or len(s) > _MAX_CHROME_LEN or is_table_row(s):
        return False
    if is_furniture(s):
        return True
    if is_record(s) or reads_as_text(s):
        return False
    return bool(_AMBIGUOUS.search(s))


def is_body_sentence(line: str) -> bool:
    """A line that reads like policy prose: long enough and ends a sentence."""
    s = line.strip()
    return len(s) >= 30 and ("。" in s or s.endswith((";", "；"))) and not is_chrome(s)


def footer_start(lines: list[str]) -> int:
    """Index of the first footer line, or len(lines) when there is no footer."""
    last_body = max((i for i, ln in enumerate(lines) if is_body_sentence(ln)), default=-1)
    for i in range(last_body + 1, len(lines)):
        if _FOOTER.search(lines[i].strip()) and len(lines[i].strip()) <= _MAX_CHROME_LEN:
            return i
    return len(lines)


_LINK = re.compile(r"^[^。，、；：,;:!?！？\d（）()《》【】〔〕“”]{2,16}$")
LINK_RUN = 8  # this many link-like lines in a row are a menu, not a document's text


def link_runs(lines: list[str]) -> set[int]:
    """Indexes of lines in a run of menu or link-list entries: at least LINK_RUN short
    lines in a row with no punctuation, bracket or figure (a site's navigation, a list of
    other bodies' websites). Policy prose, numbered headings, table rows and the one-
    character pieces of a sentence a page broke over lines all break such a run."""
    out: set[int] = set()
    start = 0
    for i in range(len(lines) + 1):
        line = lines[i].strip() if i < len(lines) else ""
        if line and _LINK.match(line) and match_marker(line) is None and not is_table_row(line):
            continue
        if i - start >= LINK_RUN:
            out.update(range(start, i))
        start = i + 1
    return out


def body_span(lines: list[str], start: int = 0) -> range:
    """Indexes of the body: from the first line (at or after ``start``) of prose, one
    with a sentence end or a comma, to the last line holding a sentence end."""
    first = next((i for i in range(start, len(lines)) if "。" in lines[i] or "，" in lines[i]), None)
    last = next((i for i in range(len(lines) - 1, start - 1, -1) if "。" in lines[i]), None)
    return range(first, last + 1) if first is not None and last is not None else range(0)


def strip_boilerplate(lines: list[str], title_index: int | None) -> list[str]:
    """Drop chrome lines, menus, the header region before the title, and the footer region.

    Lines before the title are dropped unless they read like prose, so a clean
    document with its title on line 1 loses nothing. Between the body's first and last
    sentence only unmistakable furniture goes: a line there that merely shares a word
    with a footer (备案, 技术支持, 电话：) is a piece of the body.
    """
    end = footer_start(lines)
    menus = link_runs(lines)
    body = body_span(lines[:end], title_index or 0)
    kept: list[str] = []
    for i, line in enumerate(lines[:end]):
        s = line.strip()
        if not s or i in menus or (is_furniture(s) if i in body else is_chrome(s)):
            continue
        if title_index is not None and i < title_index and not is_body_sentence(s):
            continue
        kept.append(s)
    return kept
