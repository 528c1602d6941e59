"""Markdown and HTML reports render from a run directory, self-contained and escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from nlpsuite.evaluation.report import write_reports
from tests.eval_run_dirs import write_run_dir

SCRIPT = "<script>alert('x')</script>"


class _Collector(HTMLParser):
    """Collects tags and attributes, to check what the browser would load or run."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((k, v or "") for k, v in attrs)


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.fixture
def sentiment_run(tmp_path):
    gold = ["positive", "negative", "neutral"] * 8
    predicted = ["positive", "negative", "negative", "positive", "negative", "neutral"] * 4
    rows = [(f"id{i}", g, p) for i, (g, p) in enumerate(zip(gold, predicted))]
    inputs = {"id0": f"great film {SCRIPT} & more", "id1": "| pipes | and *stars* _under_ `tick`"}
    return write_run_dir(
        tmp_path / "run", "sentiment", rows, inputs=inputs, errors={"id5": f"empty text {SCRIPT}"},
        limit=24, fallback_notice="default model unavailable offline; used the embedded all-MiniLM-L6-v2",
    )


def test_reports_are_written_next_to_results(sentiment_run):
    paths = write_reports(sentiment_run)
    assert [p.name for p in paths] == ["report.md", "report.html"]
    assert all(p.parent == sentiment_run and p.stat().st_size > 0 for p in paths)


def test_markdown_report_has_metrics_with_cis_settings_and_banners(sentiment_run):
    md = write_reports(sentiment_run)[0].read_text(encoding="utf-8")
    assert md.startswith("# nlpsuite evaluation: sentiment")
    assert "Not reportable" in md and "--limit 24" in md
    assert "Fallback model used" in md and "embedded all-MiniLM-L6-v2" in md
    row = next(line for line in md.splitlines() if line.startswith("| accuracy |"))
    assert re.search(r"\| accuracy \| 0\.\d{4} \| \[0\.\d{4}, 0\.\d{4}\] \| higher \| 24 \| 1 \|", row), row
    assert "| macro\\_f1 |" in md
    assert "labels_compared_as" in md and "200 resamples, seed 0" in md
    assert "| neutral |" in md  # per-class table
    assert "samples_per_s" in md and "git_commit" in md and "nlpsuite eval --task sentiment" in md
    assert "<script>" not in md


def test_html_report_is_self_contained_with_plots(sentiment_run):
    html = write_reports(sentiment_run)[1].read_text(encoding="utf-8")
    assert not re.search(r"https?://", html), "the report must not refer to any URL"
    parsed = _parse(html)
    assert parsed.tags.count("svg") == 3  # metrics with CIs, per-sample histogram, confusion matrix
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert not [v for k, v in parsed.attributes if k in ("src", "href")]
    assert 'class="ci"' in html  # CI whiskers
    assert html.count('class="cell"') == 3 * 4  # 3 reference labels × (3 labels + "(no prediction)")
    assert 'class="bar"' in html
    assert "Not reportable" in html and "Fallback model used" in html


def test_html_report_escapes_sample_text(sentiment_run):
    html = write_reports(sentiment_run)[1].read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "great film" in html and "&amp; more" in html


def test_translation_report_shows_signatures_and_bleu_histogram(tmp_path):
    refs = ["the cat sat on the mat", "a dog ran over the hill", "rain is expected in the north"]
    hyps = ["the cat sat on a mat", "a dog ran", "rain expected up north"]
    run = write_run_dir(tmp_path / "mt", "translation", [(f"s{i}", r, h) for i, (r, h) in enumerate(zip(refs, hyps))])
    md_path, html_path = write_reports(run)
    md, html = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    assert "signature `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" in md
    assert "Not reportable" not in md and "Fallback" not in md
    assert "Per-sample bleu" in html and "Confusion matrix" not in html
    assert _parse(html).tags.count("svg") == 2
