import pytest

from ingest.boilerplate import footer_start, is_chrome, strip_boilerplate
from ingest.types import Document

CHROME = ["登录", "版权所有", "ICP备", "浏览排行", "分享到", "Copyright", "网友评论", "当前位置", "友情链接"]


@pytest.mark.parametrize(
    "line",
    [
        "关于我们 | 常见问题",
        "首页 > 资讯 > 武汉热点",
        "您所在的位置:首页 > 科技金融政策 > 详细页",
        "欢迎来到国家粮食成果转化交易平台,请登录 | 注册",
        "分享到: 6.02K",
        "时间:2022-02-21 11:16:50来源:whbt浏览: 分享:",
        "鄂ICP备15021561号-1",
        "Copyright © 2024 武汉轻工大学 版权所有",
        "地址:湖北省武汉市常青花园学府南路68号 邮编:430023",
        "发表评论 昵称:表情: 字数:0/500(您的评论需要经过审核才能显示)",
        "2022-02-21_112614.png",
        # government page tools and links
        "【字体：大中小】",  # 【字体：大 中 小】 after normalisation
        "字号大中小",
        "【打印本页】【关闭窗口】",
        "[打印] [关闭]",
        "上一篇：南岭县人民政府办公室关于做好春季农业生产工作的通知",
        "下一篇：南岭县人民政府关于调整县政府领导分工的通知",
        "扫一扫在手机打开当前页",
        "发布日期:2023-03-21访问次数:信息来源:东阳市人民政府办公室",
        "视力保护色：",
        "下载地址:点击此处下载",
    ],
)
def test_page_furniture_is_chrome(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "一、工作目标",
        "(三)实施产业能级提升行动,加快构建“221”产业体系",
        "实施住所登记申报承诺制,拓展“一址多照”登记适用范围。",
        "中共武汉市委",
        "2012年5月9日",
        # the document's own record, and policy topics that share words with page tools
        "发文字号：南政办发〔2024〕7号",
        "成文日期：2024年04月02日",
        "发布日期：2024年04月06日",
        "(三)推动大中小企业融通发展",
        "(五)推进无障碍环境建设和适老化改造",
        "上篇 总体战略",
    ],
)
def test_document_text_is_not_chrome(line: str) -> None:
    assert not is_chrome(line)


def test_footer_cut_only_after_last_body_sentence() -> None:
    lines = ["标题行动方案", "分享到: 12", "一、目标", "到2025年,高新技术企业数量达到10000家,形成一批企业。",
             "来源:武汉市人民政府官网", "吃喝玩乐更多 >", "• 2023某某活动时间"]
    assert footer_start(lines) == 4
    assert strip_boilerplate(lines, title_index=0) == lines[:1] + lines[2:4]


def test_header_before_title_is_dropped_but_prose_kept() -> None:
    lines = ["学院概况", "某市科技创新规划", "正文一句话,足够长的一句政策文本内容在这里出现并且以句号结束。"]
    assert strip_boilerplate(lines, title_index=1) == lines[1:]


def test_no_boilerplate_survives_in_any_corpus_document(corpus_docs: dict[str, Document]) -> None:
    for key, doc in corpus_docs.items():
        for word in CHROME:
            assert word not in doc.text, f"{key}: {word!r} survived"
        assert "X为了获得更好的用户体验" not in doc.text
        assert "吃喝玩乐" not in doc.text


def test_body_survives_intact(corpus_docs: dict[str, Document]) -> None:
    assert "每年1月底之前东湖高新区要将发展情况报告市人民政府。" in corpus_docs["002"].text
    assert "在东湖国家自主创新示范区设立国际技术转移服务机构" in corpus_docs["000"].text
    assert corpus_docs["003"].text.rstrip().endswith("把创新业绩纳入对领导干部考核范围。")


def test_furniture_after_the_title_is_removed_and_record_lines_kept() -> None:
    lines = ["南岭县促进残疾人就业行动方案", "【字体：大中小】【打印本页】【关闭窗口】", "发文字号：南政办发〔2024〕7号",
             "一、总体目标", "到2026年，全县新增残疾人就业300人以上，持证残疾人就业率达到60%以上。",
             "上一篇：南岭县关于做好春季农业生产工作的通知", "分享到：", "扫一扫在手机打开当前页"]
    assert strip_boilerplate(lines, title_index=0) == [lines[0], lines[2], lines[3], lines[4]]


def test_a_rebuilt_table_row_is_never_chrome() -> None:
    row = "指标：新增注册企业数；单位：万户；2020年：1.2；2025年：2.0；属性：预期性"  # 注册 alone is a login word
    assert not is_chrome(row)
    assert is_chrome("地址：某市人民路1号；邮编：430000")


def test_a_menu_of_links_is_removed_and_a_broken_sentence_is_not() -> None:
    menu = ["职权信息", "规划计划", "政策文件", "政策解读", "政府信息公开", "依申请公开", "调查征集", "领导信箱"]
    title = "北京市发展和改革委员会关于公开征集新能源供热项目的通知"
    body = ["各有关单位：", "一、支持方向", "（一）支持类型", "浅层地源热泵、中深层水热型地热等新能源供热系统。"]
    pieces = ["通过后由盟市能源主管部门", "批复", "并", "报自治区能源局备案。"]
    sites = ["国家发展和改革委员会", "天津市发展和改革委员会", "河北省发展和改革委员会", "山西省发展和改革委员会",
             "辽宁省发展和改革委员会", "吉林省发展和改革委员会", "上海市发展和改革委员会", "江苏省发展和改革委员会"]
    lines = [title, *menu, *body, *pieces, "特此通知。", "北京市发展和改革委员会", "2026年3月6日", *sites]
    kept = strip_boilerplate(lines, 0)
    assert not set(menu) & set(kept) and not set(sites) & set(kept)
    assert all(line in kept for line in [*body, *pieces, "北京市发展和改革委员会", "2026年3月6日"])
