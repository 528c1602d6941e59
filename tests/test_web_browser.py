"""The demo in a real browser (Debian's chromium driven by Playwright), with every non-loopback request aborted.

The test fails if the page tries to reach any address beyond loopback (a font,
a script, analytics), types into the sentiment tab and reads the label back,
runs an Evaluate on the sample, and saves screenshots (in a temporary folder,
or in ``$NLPSUITE_SCREENSHOT_DIR`` when set, e.g. for CI artifacts).
"""

from __future__ import annotations

import ipaddress
import re
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


# -- the demo for people: errors where they look, tabs that say what they can do, no server paths --------------
def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def pick(page, dropdown: str, option: str) -> None:
    """Choose ``option`` in the Gradio dropdown with element id ``dropdown``."""
    box = page.locator(f"#{dropdown} input")
    box.click()
    # another dropdown's closed list may still be in the page: only the open one is visible
    page.locator(f'#{dropdown} [role=option][aria-label="{option}"]:visible, '
                 f'[role=option][aria-label="{option}"]:visible').first.click()


def test_a_failed_run_shows_its_error_in_the_tab_and_clears_the_old_result(page, demo_server, tmp_path_factory):
    from playwright.sync_api import expect

    shots = shots_dir(tmp_path_factory)
    page.goto(demo_server.url, wait_until="networkidle")
    open_tab(page, "sentiment")
    page.locator("#tab-sentiment .gallery-item").first.click()
    expect(page.locator("#sentiment-input-text textarea")).not_to_have_value("", timeout=30_000)
    page.locator("#sentiment-run").click()
    label = page.locator("#sentiment-output-label")
    expect(label).to_contain_text("positive", timeout=120_000)

    page.locator("#sentiment-input-text textarea").fill("   ")
    page.locator("#sentiment-run").click()
    error = page.locator("#sentiment-output-error")
    expect(error).to_contain_text("fill in 'text' first", timeout=60_000)
    expect(error).to_contain_text("What to do")
    expect(label).not_to_contain_text("positive")  # the earlier result is gone, not left under the message
    expect(page.locator("#sentiment-output-model")).not_to_contain_text("Model used")
    page.screenshot(path=str(shots / "10-sentiment-error-inline.png"), full_page=True)

    # Evaluate: a failed run of another task leaves nothing of the sentiment run on screen
    open_tab(page, "Evaluate")
    page.locator("#evaluate-run").click()
    metrics = page.locator("#evaluate-metrics")
    expect(metrics).to_contain_text("macro_f1", timeout=120_000)
    pick(page, "evaluate-task", "translation")
    page.locator("#evaluate-run").click()
    evaluate_error = page.locator("#evaluate-error")
    expect(evaluate_error).to_contain_text("Could not run", timeout=120_000)
    expect(metrics).not_to_contain_text("macro_f1")
    expect(page.locator("#evaluate-summary")).not_to_contain_text("sentiment")
    assert "--" not in evaluate_error.inner_text()  # the page's words, not the command line's
    page.screenshot(path=str(shots / "11-evaluate-error-inline.png"), full_page=True)


def test_a_tab_that_cannot_run_offline_says_why_with_run_and_examples_disabled(page, bare_demo_server,
                                                                               tmp_path_factory):
    from playwright.sync_api import expect

    shots = shots_dir(tmp_path_factory)
    page.goto(bare_demo_server.url, wait_until="networkidle")
    for task in ("translation", "generation"):
        open_tab(page, task)
        tag = task.replace("-", "_")
        notice = page.locator(f"#{tag}-notice")
        expect(notice).to_contain_text("Cannot run here", timeout=30_000)
        expect(notice).to_contain_text("offline")
        assert "couldn't connect" not in notice.inner_text() and "--" not in notice.inner_text()
        expect(page.locator(f"#{tag}-run")).to_be_disabled()
        assert page.locator(f"#tab-{tag} .gallery-item").count() == 0  # no examples to click
        page.screenshot(path=str(shots / f"12-{task}-cannot-run-offline.png"), full_page=True)
    open_tab(page, "sentiment")  # a task with an embedded model runs on the same server
    expect(page.locator("#sentiment-run")).to_be_enabled()


def visible_text(page) -> str:
    """Everything the page shows, the collapsed Details included (opened first)."""
    return page.locator("body").inner_text()


def test_no_server_path_reaches_the_page(page, demo_server, tmp_path_factory, tiny_translator):
    import sys

    from playwright.sync_api import expect

    shots = shots_dir(tmp_path_factory)
    page.goto(demo_server.url, wait_until="networkidle")
    open_tab(page, "translation")
    # a typed path is not a choice the Model dropdown takes: it keeps one of the offered models
    box = page.locator("#translation-model input")
    box.click()
    box.fill("../../etc")
    page.keyboard.press("Enter")
    page.locator("#translation-input-source textarea").fill("the cat sleeps on the sofa .")
    page.locator("#translation-run").click()
    expect(page.locator("#translation-output-error")).to_contain_text("Could not run", timeout=120_000)
    pick(page, "translation-model", "tiny-opus-mt-en-de (local)")
    page.locator("#translation-run").click()
    expect(page.locator("#translation-output-model")).to_contain_text("tiny-opus-mt-en-de (local)", timeout=120_000)
    page.locator("#tab-translation").get_by_text("Details and warnings").click()
    expect(page.locator("#translation-output-details")).to_contain_text("tiny-opus-mt-en-de", timeout=30_000)
    translation_text = visible_text(page)

    bad = tmp_path_factory.mktemp("browser-bad-upload") / "broken.csv"
    bad.write_text('text,label\n"an unclosed quote,positive\n', encoding="utf-8")
    open_tab(page, "Evaluate")
    page.locator("#evaluate-source").get_by_text("an uploaded file").click()
    page.locator("#evaluate-upload input[type=file]").set_input_files(str(bad))
    expect(page.locator("#evaluate-upload")).to_contain_text("broken", timeout=30_000)
    page.locator("#evaluate-run").click()
    error = page.locator("#evaluate-error")
    expect(error).to_contain_text("broken.csv", timeout=120_000)
    page.screenshot(path=str(shots / "13-bad-upload-inline.png"), full_page=True)
    shown = translation_text + visible_text(page)
    for secret in (str(tiny_translator.parent), str(demo_server.runner.settings.runs_dir), sys.prefix, "/tmp/",
                   "site-packages", "--model", "--columns"):
        assert secret not in shown, secret


def test_a_csv_with_other_label_names_is_evaluated_through_the_label_map(page, demo_server, tmp_path_factory):
    from playwright.sync_api import expect

    shots = shots_dir(tmp_path_factory)
    data = tmp_path_factory.mktemp("browser-labels") / "reviews.csv"
    data.write_text("review,verdict\n" + "".join(f'"{text}",{label}\n' for text, label in [
        ("A wonderful, warm film.", "good"), ("Dull and far too long.", "bad"),
        ("I loved every minute.", "good"), ("The worst meal I have had.", "bad"),
    ]), encoding="utf-8")
    page.goto(demo_server.url, wait_until="networkidle")
    open_tab(page, "Evaluate")
    page.locator("#evaluate-source").get_by_text("an uploaded file").click()
    page.locator("#evaluate-upload input[type=file]").set_input_files(str(data))
    # the column form: one dropdown per field, filled with the file's own columns
    expect(page.locator("#evaluate-column-0")).to_be_visible(timeout=30_000)
    pick(page, "evaluate-column-0", "review")
    pick(page, "evaluate-column-1", "verdict")
    table = page.locator("#evaluate-label-map")
    expect(table).to_contain_text("good", timeout=30_000)
    expect(table).to_contain_text("bad")

    page.locator("#evaluate-run").click()  # without a map, no label in the file is one the model gives
    expect(page.locator("#evaluate-error")).to_contain_text("Label map", timeout=120_000)

    wanted = {"good": "positive", "bad": "negative"}
    for row in range(2):
        file_label = table.locator(f"[data-testid=cell-{row}-0]").inner_text().strip()
        cell = table.locator(f"[data-testid=cell-{row}-1]")
        cell.dblclick()
        # type only once the cell's editor has the focus: keys sent before that were lost under load
        editor = cell.locator("textarea, input").first
        expect(editor).to_be_focused(timeout=10_000)
        editor.fill(wanted[file_label])
        editor.press("Enter")
        expect(table.locator(f"[data-testid=cell-{row}-1]")).to_contain_text(wanted[file_label])
    page.screenshot(path=str(shots / "14-label-map-filled.png"), full_page=True)
    page.locator("#evaluate-run").click()
    metrics = page.locator("#evaluate-metrics")
    expect(metrics).to_contain_text("accuracy", timeout=120_000)
    expect(page.locator("#evaluate-error")).not_to_contain_text("Could not run")
    expect(page.locator("#evaluate-summary")).to_contain_text("4 samples")
    page.screenshot(path=str(shots / "15-label-map-evaluated.png"), full_page=True)


#: Local models (offered by the test server's --model-dir) for the tabs whose default needs the hub.
LOCAL_MODEL_FOR = {"translation": "tiny-opus-mt-en-de (local)", "generation": "tiny-gpt2 (local)",
                   "generation-reference": "tiny-gpt2 (local)"}


def test_every_task_tab_before_and_after_its_first_example(page, demo_server, tmp_path_factory):
    """Screenshots of each task tab as it opens and after its first example ran; each answers in its own
    output area (a result, or a message in the page's words) and shows no server path."""
    from playwright.sync_api import expect

    from nlpsuite.web.app import selected_tasks
    from nlpsuite.web.task_tab import slug

    shots = shots_dir(tmp_path_factory)
    page.goto(demo_server.url, wait_until="networkidle")
    for number, spec in enumerate(selected_tasks(), start=20):
        tag = slug(spec.name)
        open_tab(page, spec.name)
        page.screenshot(path=str(shots / f"{number}-{spec.name}-before.png"), full_page=True)
        if spec.name in LOCAL_MODEL_FOR:
            pick(page, f"{tag}-model", LOCAL_MODEL_FOR[spec.name])
        examples = page.locator(f"#tab-{tag} .gallery-item, #tab-{tag} tr.tr-body td:first-child")
        if examples.count():
            examples.first.click()
            main = page.locator(f"#tab-{tag} textarea").first
            expect(main).not_to_have_value("", timeout=30_000)  # the example is in before Run is clicked
        page.locator(f"#{tag}-run").click()
        answered = page.locator(f"#{tag}-output-model, #{tag}-output-error").filter(has_text=re.compile(r"\w"))
        expect(answered.first).to_be_visible(timeout=180_000)
        page.screenshot(path=str(shots / f"{number}-{spec.name}-after.png"), full_page=True)
        shown = page.locator(f"#tab-{tag}").inner_text()
        assert "/tmp/" not in shown and "site-packages" not in shown and "Traceback" not in shown, spec.name
    for tool in ("Evaluate", "Audit"):
        open_tab(page, tool)
        page.screenshot(path=str(shots / f"40-{tool.lower()}-before.png"), full_page=True)
