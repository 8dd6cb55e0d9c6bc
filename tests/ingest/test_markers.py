import pytest

from ingest.markers import is_marker_only, match_marker, outline_number


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("2.3 推进产业基础高级化", "dec2", "2.3"),
        ("2.3推进产业基础高级化", "dec2", "2.3"),
        ("2.3.1 实施产业基础再造工程。", "dec3", "2.3.1"),
        ("4.1", "dec2", "4.1"),
        ("2.3、加快建设", "dec2", "2.3、"),
        ("1. 总体要求", "num", "1."),
    ],
)
def test_decimal_outline_numbers_are_markers_by_depth(line: str, kind: str, text: str) -> None:
    marker = match_marker(line)
    assert marker is not None and (marker.kind, marker.text) == (kind, text)


@pytest.mark.parametrize(
    "line",
    ["1.2万家企业实现上云", "2.5%左右", "3.5 亿元以上", "1.5倍的增长目标。", "2021.5 起实施",
     "0.5个百分点", "2.1 km/h"],
)
def test_a_number_with_a_unit_is_a_quantity_not_a_heading(line: str) -> None:
    assert match_marker(line) is None


def test_outline_number_components() -> None:
    assert outline_number("2.3.1") == (2, 3, 1)
    assert is_marker_only("4.1") and not is_marker_only("4.1 加强组织领导")
