"""Remove web-page chrome with rules for the genre, never for one site or file.

A line is chrome when it is short, carries no sentence end (。), and matches a
kind of page furniture: navigation, breadcrumbs, login prompts, font-size and print
tools, share counters, previous/next links, related-reading lists, comment boxes,
copyright/ICP/address footers. The document's own record lines (发文字号, 成文日期,
发布日期) are not furniture. Whole regions
are cut too: everything before the title, and the tail after the first footer
marker once no body sentence follows it.
"""

from __future__ import annotations

import re

from ingest.indicators import is_table_row
from ingest.markers import match_marker

_MAX_CHROME_LEN = 90

_CHROME_PATTERNS = [
    # navigation and breadcrumbs
    r"(?:^|\s)首页(?:\s|$|>|\||\s*>)",
    r"当前位置|所在(?:的)?位置|您的位置|当前的位置|位置:",
    r"[^>]>>?[^>]+>",
    r"^(?:[^|]{1,14}\|)+[^|]{0,14}$",
    r"^(?:[^\s|]{1,6}\s+){3,}[^\s|]{1,6}$",
    # login, accounts, site tools
    r"登录|注册|退出|会员中心|用户中心|欢迎(?:来到|光临|访问)",
    r"浏览器|分辨率|公众号|APP$|客户端|扫一扫|二维码",
    r"^(?:文章|搜索|详细内容|正文|更多)$",
    # page tools, alone or in a row: 【打印本页】【关闭窗口】, [收藏] [纠错]
    r"^(?:[【\[(（]?\s*(?:打印本页|打印此页|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|收藏本页|收藏"
    r"|加入收藏|我要纠错|纠错|保存本页|保存|下载|分享)\s*[】\])）]?\s*)+$",
    # (words such as 无障碍 or 适老化 alone are policy topics, so only the tool names count)
    r"字体\s*[:：]?\s*[【\[(（]?\s*大\s*中\s*小|视力保护色|护眼模式|无障碍(?:浏览|阅读|模式)"
    r"|适老化(?:模式|版)|长者模式|关怀模式|繁體|繁体版",
    r"^(?:上一篇|下一篇|上一条|下一条)",
    r"在手机(?:上)?(?:打开|浏览|查看)|手机版|点击此处下载|下载地址|附件下载\s*[:：]",
    # share counters and article furniture ("字号" alone: 发文字号 is document metadata)
    r"分享到|分享:|我要评论|浏览:|浏览次数|阅读量|阅读次数|点击数|点击量|访问量|访问次数|"
    r"(?<!发文)字号|【(?:大|中|小|打印|关闭)】",
    r"^(?:发布|发稿|更新)?(?:时间|日期)\s*[:：]|来源\s*[:：]|作者\s*[:：]|编辑\s*[:：]|责任编辑",
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    r"【转载】|【原创】",
    r"\.(?:png|jpe?g|gif|bmp|webp)$",
    # related reading, rankings, comments
    r"相关(?:阅读|文章|新闻|链接|推荐)|推荐阅读|延伸阅读|热门|排行|更多\s*>|查看更多|内容列表|模块标题",
    r"网友评论|发表评论|评论列表|昵称|表情:|字数:|我来说两句|条评论",
    # footers
    r"版权所有|版权声明|版权说明|Copyright|©|All rights reserved|ICP|备案|公网安备",
    r"主办单位|承办单位|协办单位|技术支持|网站(?:地图|简介|声明)|联系我们|友情链接|免责|豁免条款",
    r"地址\s*[:：]|邮编|电话\s*[:：]|客服|热线|传真|E-?mail|许可证|经营许可",
    r"^(?:seo\s*)+$|^工作日|^节假日",
    r"^\s*[•·▪■□◆◇►▶]",
]
_CHROME = re.compile("|".join(f"(?:{p})" for p in _CHROME_PATTERNS), re.IGNORECASE)

# Markers that open a page footer; everything after the first one is cut, provided
# no body sentence comes later.
_FOOTER = re.compile(
    r"相关阅读|相关文章|推荐阅读|网友评论|发表评论|浏览排行|版权所有|Copyright|©|ICP|"
    r"更多\s*>|关闭窗口|打印本页|模块标题|友情链接|主办单位|^来源\s*[:：]|^分享到|"
    r"^(?:上一篇|下一篇)|扫一扫在手机",
    re.IGNORECASE,
)
# A labelled line of the document's own record (发文字号：…, 成文日期：…) is metadata,
# not furniture, unless the same line also carries page counters or a source credit.
_RECORD_LABEL = re.compile(r"^(?:发文字号|文号|成文日期|印发日期|发文日期|发布日期)\s*[:：]\s*\S")
_NOT_RECORD = re.compile(r"来源|浏览|访问|点击|阅读|分享|作者|编辑")


def is_chrome(line: str) -> bool:
    """True if a line is page furniture rather than document text."""
    s = line.strip()
    if not s:
        return False
    if "。" in s or len(s) > _MAX_CHROME_LEN:
        return False
    if (_RECORD_LABEL.match(s) and not _NOT_RECORD.search(s)) or is_table_row(s):
        return False
    return bool(_CHROME.search(s))


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


def strip_boilerplate(lines: list[str], title_index: int | None) -> list[str]:
    """Drop chrome lines, menus, the header region before the title, and the footer region.

    Lines before the title are dropped unless they read like prose, so a clean
    document with its title on line 1 loses nothing.
    """
    end = footer_start(lines)
    menus = link_runs(lines)
    kept: list[str] = []
    for i, line in enumerate(lines[:end]):
        s = line.strip()
        if not s or is_chrome(s) or i in menus:
            continue
        if title_index is not None and i < title_index and not is_body_sentence(s):
            continue
        kept.append(s)
    return kept
