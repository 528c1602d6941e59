"""The demo in a real browser (Debian's chromium driven by Playwright), with every non-loopback request aborted.

The test fails if the page tries to reach any address beyond loopback (a font,
a script, analytics), types into the sentiment tab and reads the label back,
runs an Evaluate on the sample, and saves screenshots (in a temporary folder,
or in ``$NLPSUITE_SCREENSHOT_DIR`` when set, e.g. for CI artifacts).
"""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures_web import shots_dir

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.slow, pytest.mark.browser]
#: Flags for a headless chromium in a container; the last ones keep chromium's own background traffic off.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--no-first-run", "--disable-features=OptimizationHints,MediaRouter",
]


def is_loopback(url: str) -> bool:
    scheme, host = urlsplit(url).scheme, urlsplit(url).hostname or ""
    if scheme in ("data", "blob", "about"):
        return True
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, demo_server):
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def guard(route):
        if is_loopback(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the page tried to reach addresses beyond loopback: {outside}"


def test_sentiment_and_evaluate_in_a_real_browser(page, demo_server, tmp_path_factory):
    from playwright.sync_api import expect

    shots = shots_dir(tmp_path_factory)
    page.goto(demo_server.url, wait_until="networkidle")
    page.get_by_role("tab", name="sentiment").click()
    page.screenshot(path=str(shots / "01-sentiment-tab.png"), full_page=True)

    page.locator("#sentiment-input-text textarea").fill("The room was lovely and the staff were kind.")
    page.locator("#sentiment-run").click()
    label = page.locator("#sentiment-output-label")
    expect(label).to_contain_text("positive", timeout=120_000)
    expect(page.locator("#sentiment-output-model")).to_contain_text("Model used", timeout=30_000)
    page.screenshot(path=str(shots / "02-sentiment-result.png"), full_page=True)

    page.get_by_role("tab", name="Evaluate").click()
    task = page.locator("#evaluate-task input")
    task.click()
    task.fill("sentiment")
    page.get_by_role("option", name="sentiment").click()
    page.locator("#evaluate-run").click()
    metrics = page.locator("#evaluate-metrics")
    try:
        expect(metrics).to_contain_text("macro_f1", timeout=120_000)
    finally:
        page.screenshot(path=str(shots / "03-evaluate-result.png"), full_page=True)
    expect(page.locator("#evaluate-plots svg").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="⇣").first).to_be_visible(timeout=30_000)
    assert "results" in page.locator("#evaluate-files").inner_text()
    page.screenshot(path=str(shots / "03-evaluate-result.png"), full_page=True)

    page.get_by_role("tab", name="translation").click()
    expect(page.locator("#translation-notice")).to_contain_text("no embedded model", timeout=30_000)
    page.screenshot(path=str(shots / "04-translation-tab.png"), full_page=True)
    assert not page.outside_requests  # type: ignore[attr-defined]


def test_an_audit_in_a_real_browser(page, demo_server, tmp_path_factory):
    from playwright.sync_api import expect

    from tests.fixtures_web import write_gendered_reviews

    shots = shots_dir(tmp_path_factory)
    data = write_gendered_reviews(tmp_path_factory.mktemp("browser-audit") / "gendered-reviews.jsonl")
    page.goto(demo_server.url, wait_until="networkidle")
    page.get_by_role("tab", name="Audit").click()
    expect(page.locator("#audit-task input")).to_have_value("sentiment", timeout=30_000)  # the first task
    boxes = page.locator("#audit-perturbations")
    expect(boxes.get_by_label("gender", exact=False).first).to_be_checked()
    page.locator("#audit-source").get_by_text("an uploaded file").click()
    page.locator("#audit-upload input[type=file]").set_input_files(str(data))
    expect(page.locator("#audit-upload")).to_contain_text("gendered-reviews.jsonl", timeout=30_000)
    page.locator("#audit-run").click()
    table = page.locator("#audit-disparity")
    try:
        expect(table).to_contain_text("flip rate", timeout=180_000)
    finally:
        page.screenshot(path=str(shots / "05-audit.png"), full_page=True)
    text = table.inner_text()
    assert "male->female" in text and "female->male" in text and "insufficient evidence" in text  # names: none
    expect(page.locator("#audit-groups")).to_contain_text("accuracy", timeout=30_000)
    pairs = page.locator("#audit-pairs")
    expect(pairs.locator("del").first).to_be_visible(timeout=30_000)
    expect(pairs.locator("ins").first).to_be_visible()
    downloads = page.locator("#audit-files").inner_text().replace("\n", "")  # the name is split at its suffix
    assert "audit.json" in downloads and "audit.html" in downloads
    page.locator("#audit-disparity").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "05-audit.png"), full_page=True)
    assert not page.outside_requests  # type: ignore[attr-defined]
