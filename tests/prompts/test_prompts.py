import pytest

from prompts import EXPECTED, PromptError, load_prompt, render, variables


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_prompt_file_matches_what_the_chain_supplies(name: str) -> None:
    assert variables(load_prompt(name)) == EXPECTED[name]


def test_missing_variable_fails_fast() -> None:
    with pytest.raises(PromptError, match="needs"):
        render("condense", question="那上市企业呢？")


def test_missing_file_is_a_clear_error() -> None:
    with pytest.raises(PromptError, match="missing"):
        load_prompt("no_such_prompt")
