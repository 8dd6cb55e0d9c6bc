"""The real page in a real Chromium: ask, get a cited answer, open the citation's clause.

Runs the real server (``make_server_app``) over a real index of a copy of the corpus, on a
free loopback port, and drives Debian's /usr/bin/chromium through Playwright (its own
browser download needs the network). ``bash scripts/install_browser.sh`` installs both.
Screenshots go to test-artifacts/; with PQA_DOCS_SCREENSHOT=1 the README's
docs/screenshot.png is refreshed too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest

from assistant.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "东湖高新区2025年高新技术企业数量目标是多少？"
CITED_CLAUSE = "2.支持高新技术企业发展壮大"
UNANSWERABLE = "成都市2025年高新技术企业数量目标是多少？"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs /usr/bin/chromium: run `bash scripts/install_browser.sh`"),
]


@pytest.fixture(scope="module")
def server_url(indexed_settings: Settings) -> Iterator[str]:
    """The real server app under uvicorn in a thread, answering once /healthz says ready."""
    import uvicorn

    from assistant.server import make_server_app

    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    settings = indexed_settings.model_copy(update={"generator": "extractive", "api_key": None})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port meanwhile
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_server_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, timeout=240)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def _wait_ready(url: str, *, timeout: float) -> None:
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{url}/healthz", timeout=5)
            body = r.json()
            if r.status_code == 200 and body.get("status") == "ready":
                return
            if body.get("status") == "failed":
                pytest.fail(f"server failed to start: {body.get('message')}")
            last = str(body)
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    pytest.fail(f"server not ready after {timeout:.0f} s: {last}")


@contextlib.contextmanager
def _page(server_url: str, tmp_path: Path, name: str) -> Iterator[Page]:
    """A Chromium page at the server's root; a screenshot ``<name>-failure.png`` on error;
    and, when it closes, no request may have left the server."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}-failure.png").unlink(missing_ok=True)
    external: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = browser.new_page()
        page.on("request", lambda req: external.append(req.url)
                if urlsplit(req.url).hostname not in {"127.0.0.1", "localhost", None} else None)
        try:
            page.goto(server_url + "/")
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{name}-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert external == [], f"the page loaded external resources: {external}"


def _save_screenshot(page: Page, name: str, docs_name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if os.environ.get("PQA_DOCS_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(ARTIFACTS / f"{name}.png", ROOT / "docs" / docs_name)


def test_ask_open_the_cited_clause_and_load_nothing_external(server_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with _page(server_url, tmp_path, "browser") as page:
        question = page.locator("#pqa-question textarea")
        question.fill(QUESTION)
        page.locator("#pqa-send").click()

        answer = page.locator("#pqa-chat .pqa-answer:not(.pqa-streaming)").last
        expect(answer).to_contain_text("10000", timeout=90_000)
        expect(answer.locator(".pqa-refusal")).to_have_count(0)
        first = answer.locator(".pqa-sources a.pqa-cite").first
        expect(first).to_contain_text("《")
        clause_path = first.locator(".pqa-path").inner_text().strip()
        assert CITED_CLAUSE in clause_path

        first.click()
        panel = page.locator("#pqa-panel")
        cited = panel.locator(".pqa-cited")
        expect(cited.locator("mark")).to_contain_text("10000", timeout=30_000)
        expect(cited.locator(".pqa-clause-path")).to_have_text(clause_path)
        expect(panel.locator(".pqa-panel-path")).to_contain_text(CITED_CLAUSE)
        assert panel.locator(".pqa-context").count() >= 1, "the clause is shown among its neighbours"

        _save_screenshot(page, "browser-answer", "screenshot.png")

        # A refusal looks different, and still links its related clauses.
        question.fill(UNANSWERABLE)
        question.press("Enter")
        refused = page.locator("#pqa-chat .pqa-answer.pqa-refused")
        expect(refused.locator(".pqa-refusal")).to_contain_text("未找到答案", timeout=90_000)
        expect(refused.locator(".pqa-sources")).to_contain_text("相关条款 / Related clauses")

        page.get_by_role("tab", name="文档 / Documents").click()
        expect(page.locator("#pqa-docs")).to_contain_text("002_fdf6c96830e6b8c3.txt")


# 002 (东湖 action plan), clause 2.支持高新技术企业发展壮大: 到2025年,东湖高新区高新技术企业数量力争
# 突破10000家; 003 (武汉 十三五 plan) reports the 1656 firms reached in 2015 under the same words.
TARGET_SEARCH = "高新技术企业"
TARGET_SENTENCE = "东湖高新区高新技术企业数量力争突破10000家"
TARGET_METRIC = "高新技术企业数量 (家)"


def test_targets_tab_opens_a_rows_clause_and_charts_its_metric(server_url: str, tmp_path: Path) -> None:
    import re

    from playwright.sync_api import expect

    with _page(server_url, tmp_path, "targets") as page:
        page.get_by_role("tab", name="指标 / Targets").click()
        table = page.locator("#pqa-targets")
        expect(table).to_contain_text("条匹配", timeout=30_000)  # loaded when the tab opens

        search = page.locator("#pqa-targets-q textarea, #pqa-targets-q input").first
        search.fill(TARGET_SEARCH)
        search.press("Enter")
        expect(table.locator(".pqa-targets-count")).to_contain_text(f"「{TARGET_SEARCH}」", timeout=30_000)
        rows = table.locator("tr.pqa-trow")
        assert rows.count() >= 4 and rows.count() <= 200

        # The metric chosen from the dropdown is charted, targets and achieved values apart.
        metric = page.locator("#pqa-metric input")
        metric.click()
        metric.fill("高新技术企业数量")
        page.get_by_role("option", name=re.compile("^" + re.escape(TARGET_METRIC))).first.click()
        chart = page.locator("#pqa-chart")
        svg = chart.locator("svg.pqa-chart-svg")
        expect(svg).to_be_visible(timeout=30_000)
        expect(chart.locator(".pqa-chart-note")).to_contain_text("家")
        assert svg.locator(".pqa-pt-target").count() >= 1
        assert svg.locator(".pqa-pt-achieved").count() >= 1, "003 reports the firms reached in 2015"
        expect(chart.locator(".pqa-legend")).to_contain_text("目标 / target")
        expect(chart.locator(".pqa-legend")).to_contain_text("实际 / achieved")

        # A row opens its clause in context, the sentence highlighted, as a citation does.
        row = rows.filter(has_text=CITED_CLAUSE).filter(has_text="10000家").first
        row.click()
        panel = page.locator("#pqa-target-panel")
        cited = panel.locator(".pqa-cited")
        expect(cited.locator("mark")).to_contain_text(TARGET_SENTENCE, timeout=30_000)
        expect(panel.locator(".pqa-panel-path")).to_contain_text(CITED_CLAUSE)
        assert panel.locator(".pqa-context").count() >= 1, "the clause is shown among its neighbours"
        expect(svg).to_be_visible()  # the row's metric stays charted
        expect(metric).to_have_value(re.compile("^" + re.escape(TARGET_METRIC)))

        _save_screenshot(page, "targets", "targets.png")
