"""Policy texts in the genre's own shapes, for tests that must not lean on the seed corpus.

Each is written for these tests in the style of real government pages and files; where a
real page gave the shape, its address is noted. Wording is abridged and altered, and the
places and numbers are made up, so no rule can be tuned to a real document.
"""

from __future__ import annotations

# A municipal 转发 notice carrying two rules, as a law-database page shows it: breadcrumb,
# page stamp, the notice, a date in Chinese numerals, then each rule's full text, the
# first rule's title split over two lines.
# Shape from: http://law241.infoeach.com/view-MjQxfDEwODU5NQ==.html
NOTICE_WITH_TWO_RULES = """您的位置: 首页 » 法律资料网 » 法律法规 »

临川市人民政府办公室关于转发临川市城市建设投资集团有限公司管理办法和临川市国有资本运营有限公司管理办法的通知

时间:2024-07-02 19:03:05 来源: 法律资料网 作者:法律资料网 阅读:8548
下载地址: 点击此处下载

临川市人民政府办公室关于转发临川市城市建设投资集团有限公司管理办法和临川市国有资本运营有限公司管理办法的通知
临府办发〔2018〕52号
各县（区）人民政府，市政府各部门：
经市政府常务会议研究同意，现将市国资委制定的《临川市城市建设投资集团有限公司管理办法》和《临川市国有资本运营有限公司管理办法》转发给你们，请认真遵照执行。
二○一八年十月十四日

临川市城市建设投资集团
有限公司管理办法
（临川市国有资产监督管理委员会 2018年10月6日）
第一条 为规范市城投集团的经营管理，防范投融资风险，制定本办法。
第二条 市城投集团是市政府出资设立的国有独资公司。
第三条 市城投集团的主要职责：
（一）承担城市基础设施项目投资建设；
（二）经营管理授权范围内的国有资产。
临川市国有资本运营有限公司管理办法
第一条 为规范市国资运营公司的经营管理，制定本办法。
第二条 市国资运营公司注册资本金 1 000 万元，由市国资委履行出资人职责。
第三条 本办法自印发之日起施行。
"""

# A county government page: font-size and print tools, a record table whose labels and
# values sit on separate lines, a notice transmitting one plan under an 附件 line, and
# the previous/next links and share box that close such pages.
# Shape from: http://zb.gov.cn/zbxzf/xzfwj/202404/49ca3d0c669f4c2ebf6f7fabf563549c.shtml
# and http://www.dongyang.gov.cn/art/2023/3/21/art_1229692327_59603057.html
GOV_PAGE = """首页 > 政务公开 > 政策文件
【字体：大 中 小】 【打印本页】 【关闭窗口】
• 索引号:
  6107280000/2024-001005
• 发文机关:
  南岭县人民政府办公室
• 发文字号:
  南政办发〔2024〕7号
• 成文日期:
  2024年04月02日
• 发布日期:
  2024年04月06日 16:34
南岭县人民政府办公室关于印发《南岭县促进残疾人就业行动方案（2024—2026年）》的通知
各镇人民政府，县政府各部门：
《南岭县促进残疾人就业行动方案（2024—2026年）》已经县政府同意，现印发给你们，请结合实际认真贯彻落实。
南岭县人民政府办公室
2024年4月2日
（此件公开发布）
附件
南岭县促进残疾人就业行动方案（2024—2026年）
为推动残疾人更加充分更高质量就业，制定本方案。
一、总体目标
到 2026 年，全县新增残疾人就业 300 人以上，持证残疾人就业率达到 60% 以上。
二、主要措施
（一）实施机关、事业单位带头安置残疾人就业行动。各单位按比例安排残疾人就业。
（二）实施残疾人职业技能提升行动。每年组织培训 200 人次以上。
三、保障措施
建立部门协同机制，每年 12 月底前报送工作进展。
上一篇：南岭县人民政府办公室关于做好春季农业生产工作的通知
下一篇：南岭县人民政府关于调整县政府领导分工的通知
分享到：
扫一扫在手机打开当前页
"""

# A five-year plan as a PDF copies it: spaced numbers, decimal outline numbering, and an
# indicator table flattened to one cell a line, its 类别 cells merged over two rows.
FIVE_YEAR_PLAN = """东江市“十四五”数字经济发展规划
为加快数字经济发展，根据《东江市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》，编制本规划。
一、发展基础
1.1 发展成效
“十三五”期间，全市数字经济规模达到 1.2 万亿元，年均增长 15.3%。
1.2 面临形势
二、发展目标
到 2025 年，数字经济核心产业增加值占地区生产总值比重达到 10% 左右。
专栏1 “十四五”时期数字经济发展主要指标
类别
指标
单位
2020年
2025年
属性
数字基础设施
5G基站数量
万个
1.1
2.5
预期性
千兆宽带用户数
万户
30
120
预期性
数字产业化
数字经济核心产业增加值占比
%
7.6
10
预期性
注：数字经济核心产业按国家统计局分类统计。
三、主要任务
3.1 夯实数字基础设施
3.1.1 建设高速泛在的信息网络。加快5G网络规模化部署。
2.5%的年均增速在此不是标题。
3.1.2 布局算力基础设施。建设城市算力中心。
3.2 推进数字产业化
3.2.1 做强电子信息制造业。全市投入 1 000 万元支持芯片设计。
四、保障措施
4.1 加强组织领导
"""
