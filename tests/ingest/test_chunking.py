from ingest.chunking import DEFAULT_MAX_TOKENS, chunk_document, count_tokens, split_text
from ingest.types import Document


def test_every_chunk_within_budget(corpus_docs: dict[str, Document]) -> None:
    for doc in corpus_docs.values():
        for chunk in chunk_document(doc):
            assert chunk.n_tokens == count_tokens(chunk.text) <= DEFAULT_MAX_TOKENS


def test_no_chunk_crosses_a_clause_boundary(corpus_docs: dict[str, Document]) -> None:
    for doc in corpus_docs.values():
        by_path = {c.path_str: c for c in doc.clauses}
        for chunk in chunk_document(doc):
            clause = by_path[chunk.clause_path]
            assert chunk.text in clause.text or all(
                part in clause.text for part in chunk.text.split("\n"))


def test_small_clauses_are_single_chunks(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["002"]
    chunks = chunk_document(doc)
    fits = [c for c in doc.clauses
            if count_tokens(c.text) <= DEFAULT_MAX_TOKENS and c.text != c.heading]
    for clause in fits:
        assert sum(1 for ch in chunks if ch.clause_path == clause.path_str) == 1


def test_long_clause_splits_at_sentence_ends() -> None:
    text = "第一句很长的政策内容。" * 60
    parts = split_text(text, 100)
    assert len(parts) > 1
    assert all(count_tokens(p) <= 100 and p.endswith("。") for p in parts)
    assert "".join(parts) == text


def test_embed_text_carries_title_and_path(corpus_docs: dict[str, Document]) -> None:
    chunk = next(c for c in chunk_document(corpus_docs["002"]) if c.clause_path == "一、工作目标")
    assert chunk.embed_text.startswith("促进武汉东湖新技术开发区高质量发展行动方案\n一、工作目标\n")
    assert chunk.text.startswith("一、工作目标")


def test_ids_are_stable_and_unique(corpus_docs: dict[str, Document]) -> None:
    a = [c.id for c in chunk_document(corpus_docs["003"])]
    b = [c.id for c in chunk_document(corpus_docs["003"])]
    assert a == b and len(set(a)) == len(a)


def test_table_rows_stay_whole(corpus_docs: dict[str, Document]) -> None:
    row = "高新技术企业数量(家)：2015年1656家；2020年目标3000家"
    assert any(row in c.text for c in chunk_document(corpus_docs["003"]))


def test_one_line_items_are_kept_and_bare_headings_dropped(corpus_docs: dict[str, Document]) -> None:
    chunks = chunk_document(corpus_docs["000"])
    item = [c for c in chunks if c.heading.startswith("5、全社会研究与开发费用")]
    assert len(item) == 1 and "3%以上" in item[0].text  # the item is its own heading
    assert item[0].context == "到2016年,全市高新技术产业实现以下目标:"
    assert not any(c.clause_path == "二、主要任务与发展重点 > (一)组织三大行动" and c.text == c.heading
                   for c in chunks)
