"""Answer modes: which parent clause announces the list its items make."""

from __future__ import annotations

import pytest

from assistant.modes import _ANNOUNCES


@pytest.mark.parametrize(("heading", "announces"), [
    ("第十六条 供热企业应当具备下列条件", True),   # a regulation's article over its (一)(二)(三)
    ("一、申报书主要内容如下：", True),
    ("申报材料应包括以下内容", True),
    ("（一）对年销量5000辆以下的车型", False),    # 以下 as "below" a figure
    ("（二）补贴标准", False),
])
def test_a_heading_announcing_a_list(heading: str, announces: bool) -> None:
    assert bool(_ANNOUNCES.search(heading)) is announces
