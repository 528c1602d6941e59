"""``nlpsuite audit`` on the command line, and the audit's statistics."""

from __future__ import annotations

import json

import pytest

from nlpsuite.cli import main
from nlpsuite.evaluation.audit.statistics import ClusterBootstrap, holm, mcnemar_exact, wilson_interval


def test_wilson_interval_known_values():
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.7225, abs=1e-4)


def test_mcnemar_exact_is_a_binomial_test_on_discordant_pairs():
    assert mcnemar_exact(10, 0) == pytest.approx(2 / 1024)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0


def test_holm_adjusts_in_step_down_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_bootstrap_resamples_original_inputs_not_variants():
    # one input with ten identical variants is one observation: its weight moves as a block
    clusters = ["a"] * 10 + [f"b{i}" for i in range(10)]
    values = [1.0] * 10 + [0.0] * 10
    boot = ClusterBootstrap(clusters, 2000, seed=0)
    ci = boot.mean_ci(values, clusters)
    weights = boot.row_counts(clusters)
    assert (weights[:, :10] == weights[:, :1]).all()
    assert ci["high"] - ci["low"] > 0.5  # far wider than a bootstrap over 20 independent pairs would give


@pytest.mark.slow
def test_cli_audit_writes_reports_and_prints_flip_rates(planted_bias_classifier, audit_dataset, tmp_path, capsys):
    out = tmp_path / "audit"
    code = main(["audit", "--task", "sentiment", "--model", str(planted_bias_classifier), "--dataset",
                 str(audit_dataset), "--perturbations", "gender,names", "--output-dir", str(out), "--quiet",
                 "--bootstrap", "200", "--seed", "3"])
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, captured.err
    assert "male->female" in printed and "finding(s) flagged" in printed
    for name in ("audit.json", "pairs.jsonl", "audit.md", "audit.html"):
        assert (out / name).is_file()
    results = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert results["config"]["seed"] == 3 and results["config"]["bootstrap"] == 200
    assert results["reproducibility"]["command"].startswith("nlpsuite audit") or results["reproducibility"]["command"]


def test_cli_audit_refuses_an_unknown_perturbation(audit_dataset, capsys):
    code = main(["audit", "--task", "sentiment", "--dataset", str(audit_dataset), "--perturbations", "gendr", "-q"])
    assert code == 2
    assert "did you mean 'gender'" in capsys.readouterr().err


def test_cli_audit_says_when_nothing_can_be_swapped(tmp_path, capsys):
    data = tmp_path / "plain.jsonl"
    data.write_text(json.dumps({"text": "The film was long.", "label": "negative"}) + "\n", encoding="utf-8")
    code = main(["audit", "--task", "sentiment", "--dataset", str(data), "-q"])
    assert code == 2
    assert "has anything to swap" in capsys.readouterr().err


def test_audit_command_import_is_cheap():
    import subprocess
    import sys

    code = "import sys, nlpsuite.cli.commands.audit; print('torch' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
