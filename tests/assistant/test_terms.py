"""Query terms and how much of them a clause covers."""

from assistant.query import analyze
from assistant.terms import content_terms, coverage


def test_compound_written_with_an_extra_character_counts() -> None:
    weights = {"孵化场地面积": 5.0, "完成": 1.0}
    assert coverage("孵化场地总面积由200万平方米提升到1000万平方米", weights) == 5.0 / 6.0
    assert coverage("科技企业孵化器场地面积(万平方米)：完成920万平方米", weights) == 1.0
    # Scattered characters are not the compound: only its parts earn (half) credit.
    assert coverage("孵化器的场地和办公面积", {"孵化场地面积": 1.0, "孵化": 1.0}) < 0.75


def test_missing_compound_earns_half_credit_for_its_parts() -> None:
    weights = {"发明专利": 2.0, "发明": 1.0, "专利": 1.0}
    assert coverage("专利申请量", weights) == 0.5 * 2.0 * 0.5 / 2.0
    assert coverage("发明专利拥有量", weights) == 1.0


def test_function_words_and_plan_names_are_not_content() -> None:
    idf = {"按照": 3.0, "产值": 2.0, "十三五": 4.0}
    terms = content_terms(analyze("按照“十三五”规划，产值目标是多少？"), idf)
    assert "产值" in terms and "按照" not in terms and "十三五" not in terms


def test_head_word_alone_can_be_denied_credit() -> None:
    weights = {"上市企业": 4.0, "上市": 2.0, "企业": 1.0}
    assert coverage("高新技术企业数量突破3000家", weights) > 0
    assert coverage("高新技术企业数量突破3000家", weights, head_credit=False) == 0
    assert coverage("支持科技型企业上市", weights, head_credit=False) > 0
