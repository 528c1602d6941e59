"""Bias plugin: WEAT statistics with known answers, test definitions, the task and command on the embedded model."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from nlpsuite.cli.app import main
from nlpsuite.errors import InputError, UnknownNameError
from nlpsuite.plugins.bias import weat as stats
from nlpsuite.plugins.bias.definitions import builtin_tests, parse_test, read_test_file, select_builtin
from nlpsuite.plugins.bias.multiple_testing import holm_adjust


def separated_embeddings(n: int, dim: int = 4) -> tuple[np.ndarray, ...]:
    """X on axis 0 (the A axis), Y on axis 1 (the B axis): s(x) = 1 and s(y) = -1 for every word."""
    a_axis, b_axis = np.eye(dim)[0], np.eye(dim)[1]
    return np.tile(a_axis, (n, 1)), np.tile(b_axis, (n, 1)), np.tile(a_axis, (3, 1)), np.tile(b_axis, (3, 1))


# --- statistics -----------------------------------------------------------------------------------------


def test_perfect_separation_gives_the_closed_form_d_and_the_smallest_exact_p():
    x, y, a, b = separated_embeddings(8)
    result = stats.weat(x, y, a, b, n_bootstrap=0)
    # s = +1 for X, -1 for Y: mean difference 2, sample std sqrt(2n / (2n - 1))
    assert result.effect_size == pytest.approx(2 * math.sqrt(15 / 16), abs=1e-12)
    assert result.p_value_method == "exact"
    assert result.n_permutations == math.comb(16, 8) == 12_870
    assert result.p_value == pytest.approx(1 / 12_870, rel=1e-12)
    assert result.test_statistic == pytest.approx(16.0)


def test_effect_size_uses_the_pooled_sample_std_with_ddof_1():
    rng = np.random.default_rng(3)
    x, y, a, b = (rng.normal(size=(n, 6)) for n in (7, 9, 5, 4))
    cos = lambda u, v: u @ v / (np.linalg.norm(u) * np.linalg.norm(v))  # noqa: E731
    s = lambda w: np.mean([cos(w, v) for v in a]) - np.mean([cos(w, v) for v in b])  # noqa: E731
    s_x, s_y = [s(w) for w in x], [s(w) for w in y]
    expected = (np.mean(s_x) - np.mean(s_y)) / np.std(s_x + s_y, ddof=1)
    result = stats.weat(x, y, a, b, n_bootstrap=0)
    assert result.effect_size == pytest.approx(expected, abs=1e-12)
    assert (result.n_targ1, result.n_targ2) == (7, 9)


def test_exact_p_counts_partitions_at_least_as_extreme():
    s_x, s_y = np.array([0.5, 0.3, 0.2]), np.array([0.4, 0.1, 0.0])
    # sums of every 3-subset of the 6 values; observed X sums to 1.0
    pooled = [0.5, 0.3, 0.2, 0.4, 0.1, 0.0]
    from itertools import combinations

    sums = [sum(c) for c in combinations(pooled, 3)]
    expected = sum(1 for v in sums if v >= 1.0 - 1e-12) / len(sums)
    p, total = stats.exact_p_value(s_x, s_y)
    assert total == 20 and p == pytest.approx(expected)
    assert p == pytest.approx(4 / 20)  # {.5,.3,.2}, {.5,.3,.4}, {.5,.4,.2}, {.5,.4,.1}


def test_exact_and_monte_carlo_agree():
    rng = np.random.default_rng(11)
    s_x, s_y = rng.normal(0.3, 1.0, size=8), rng.normal(0.0, 1.0, size=8)
    exact, method, _ = stats.permutation_p_value(s_x, s_y)
    assert method == "exact"
    sampled, method, used = stats.permutation_p_value(s_x, s_y, max_exact=100, n_samples=40_000, seed=5)
    assert method == "monte-carlo" and used == 40_000
    standard_error = math.sqrt(exact * (1 - exact) / 40_000)
    assert abs(sampled - exact) < 4 * standard_error + 1e-4


def test_monte_carlo_is_seeded_and_never_zero():
    x, y, a, b = separated_embeddings(25)
    s_x, s_y = stats.associations(x, a, b), stats.associations(y, a, b)
    p, method, used = stats.permutation_p_value(s_x, s_y, n_samples=2_000, seed=1)
    assert method == "monte-carlo" and used == 2_000
    # no random partition beats perfect separation: only the +1 for the observed one remains
    assert p == pytest.approx(1 / 2_001)
    rng = np.random.default_rng(2)
    s_x, s_y = rng.normal(size=25), rng.normal(size=25)
    assert stats.permutation_p_value(s_x, s_y, n_samples=3_000, seed=7) == stats.permutation_p_value(
        s_x, s_y, n_samples=3_000, seed=7
    )


def test_reversing_the_targets_flips_d_and_the_tail():
    rng = np.random.default_rng(4)
    s_x, s_y = rng.normal(0.5, 1, size=6), rng.normal(0, 1, size=6)
    forward = stats.weat_from_associations(s_x, s_y, n_bootstrap=0)
    backward = stats.weat_from_associations(s_y, s_x, n_bootstrap=0)
    assert backward.effect_size == pytest.approx(-forward.effect_size)
    # P(T >= t) + P(T <= t) = 1 + P(T = t); with distinct values only the observed split itself ties
    assert forward.p_value + backward.p_value == pytest.approx(1 + 1 / math.comb(12, 6))


def test_bootstrap_ci_brackets_d_and_is_seeded():
    rng = np.random.default_rng(8)
    s_x, s_y = rng.normal(1, 1, size=20), rng.normal(0, 1, size=20)
    d = stats.effect_size(s_x, s_y)
    low, high = stats.bootstrap_ci(s_x, s_y, n_resamples=2_000, seed=3)
    assert low < d < high
    assert (low, high) == stats.bootstrap_ci(s_x, s_y, n_resamples=2_000, seed=3)
    narrow = stats.bootstrap_ci(s_x, s_y, n_resamples=2_000, level=0.5, seed=3)
    assert low < narrow[0] < narrow[1] < high


def test_undefined_effect_size_is_reported_not_divided_by_zero():
    s = np.full(4, 0.25)
    result = stats.weat_from_associations(s, s, n_bootstrap=100)
    assert result.effect_size is None and result.ci_low is None and result.ci_high is None
    assert result.p_value == 1.0  # every partition ties with the observed one


def test_holm_on_known_p_values():
    assert holm_adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjust([0.5, 0.9]) == [1.0, 1.0]
    assert holm_adjust([0.02, None, 0.01]) == [0.02, None, 0.02]
    assert holm_adjust([]) == []
    with pytest.raises(ValueError):
        holm_adjust([1.5])


def test_templated_tests_permute_words_not_sentences():
    # 3 words per target set, 4 sentences each: at the word level there are C(6, 3) = 20 partitions
    x, y, a, b = separated_embeddings(12)
    x_units = [w for w in ("w1", "w2", "w3") for _ in range(4)]
    y_units = [w for w in ("v1", "v2", "v3") for _ in range(4)]
    result = stats.weat(x, y, a, b, x_units=x_units, y_units=y_units, n_bootstrap=0)
    assert (result.n_targ1, result.n_targ2) == (3, 3)
    assert result.n_permutations == 20 and result.p_value == pytest.approx(1 / 20)
    # sentence-level permutation would have claimed p = 1 / C(24, 12)
    assert stats.weat(x, y, a, b, n_bootstrap=0, n_permutations=1_000).p_value < 1 / 20


def test_unit_associations_average_each_words_sentences():
    values = np.array([1.0, 3.0, 10.0, 20.0, 30.0])
    assert stats.unit_associations(values, ["a", "a", "b", "b", "b"]).tolist() == [2.0, 20.0]
    assert stats.unit_associations(values, None).tolist() == values.tolist()


# --- test definitions -----------------------------------------------------------------------------------

FRUIT_VEHICLE = {
    "targ1": {"category": "Fruit", "examples": ["apple", "banana", "cherry", "grape", "mango", "peach"]},
    "targ2": {"category": "Vehicles", "examples": ["car", "truck", "bus", "train", "bicycle", "airplane"]},
    "attr1": {"category": "Eating", "examples": ["eat", "delicious", "tasty", "meal", "snack", "juicy"]},
    "attr2": {"category": "Travel", "examples": ["drive", "road", "travel", "wheel", "engine", "ride"]},
}


def test_builtin_battery_has_weat_1_to_10_with_published_sizes_and_citations():
    tests = builtin_tests()
    assert list(tests) == [f"weat{i}" for i in range(1, 11)]
    sizes = {name: tuple(len(s.examples) for s in t.sets().values()) for name, t in tests.items()}
    assert sizes["weat1"] == sizes["weat2"] == (25, 25, 25, 25)
    assert sizes["weat6"] == sizes["weat7"] == sizes["weat8"] == sizes["weat10"] == (8, 8, 8, 8)
    assert sizes["weat9"] == (6, 6, 7, 7)
    for name, test in tests.items():
        assert any("Caliskan" in c and "Science, 356" in c for c in test.citation), name
        assert len(test.citation) >= 2, f"{name} should also cite its IAT source"
    assert any("Greenwald" in c for c in tests["weat1"].citation)
    assert any("Monteith" in c for c in tests["weat9"].citation)
    assert any("Math = male" in c for c in tests["weat7"].citation)
    assert "Einstein" in tests["weat8"].targ1.examples


def test_select_builtin_names_and_typos():
    assert [t.name for t in select_builtin("weat7, WEAT2")] == ["weat7", "weat2"]
    assert len(select_builtin("all")) == 10
    with pytest.raises(UnknownNameError, match="weat11") as info:
        select_builtin("weat11")
    assert "weat1" in info.value.hint


def test_user_tests_in_json_yaml_and_seat_layout_agree(tmp_path):
    import yaml

    (tmp_path / "fruit.json").write_text(json.dumps(FRUIT_VEHICLE), encoding="utf-8")
    (tmp_path / "fruit.jsonl").write_text(json.dumps(FRUIT_VEHICLE, indent=2), encoding="utf-8")  # SEAT files
    (tmp_path / "fruit.yaml").write_text(yaml.safe_dump(FRUIT_VEHICLE), encoding="utf-8")
    (tmp_path / "two.yaml").write_text(yaml.safe_dump({"tests": {"a": FRUIT_VEHICLE, "b": FRUIT_VEHICLE}}))
    (tmp_path / "lines.jsonl").write_text(json.dumps(FRUIT_VEHICLE) + "\n" + json.dumps(FRUIT_VEHICLE) + "\n")
    parsed = [read_test_file(tmp_path / f) for f in ("fruit.json", "fruit.jsonl", "fruit.yaml")]
    assert parsed[0] == parsed[1] == parsed[2]
    assert parsed[0][0].name == "fruit" and parsed[0][0].targ2.category == "Vehicles"
    assert [t.name for t in read_test_file(tmp_path / "two.yaml")] == ["a", "b"]
    assert len(read_test_file(tmp_path / "lines.jsonl")) == 2


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ({k: v for k, v in FRUIT_VEHICLE.items() if k != "attr2"}, ".json", "missing 'attr2'"),
        ({**FRUIT_VEHICLE, "targ1": {"category": "Fruit", "examples": "apple, banana"}}, ".json", "one string"),
        ({**FRUIT_VEHICLE, "attr1": {"category": "E", "examples": ["eat", "  "]}}, ".yaml", r"attr1.examples\[2\] is empty"),
        ({**FRUIT_VEHICLE, "targ2": {"category": "V", "examples": ["car"]}}, ".json", "at least 2 words"),
        ({**FRUIT_VEHICLE, "atr1": {}}, ".json", "unknown key"),
        ({**FRUIT_VEHICLE, "templates": ["This is it."]}, ".json", "exactly one"),
        ({"hello": "world"}, ".yaml", "holds no association test"),
    ],
)
def test_malformed_user_tests_say_what_is_wrong(tmp_path, content, suffix, message):
    import yaml

    path = tmp_path / f"mine{suffix}"
    path.write_text(yaml.safe_dump(content) if suffix == ".yaml" else json.dumps(content), encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_test_file(path)
    assert str(path) in info.value.message and info.value.hint


def test_unparseable_files_name_the_position(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("targ1:\n  examples: [a, b\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML at line"):
        read_test_file(bad_yaml)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"targ1": ', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_test_file(bad_json)
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        read_test_file(empty)
    with pytest.raises(InputError, match="does not exist"):
        read_test_file(tmp_path / "missing.json")


def test_yaml_numbers_are_words_and_duplicates_warn():
    test = parse_test({**FRUIT_VEHICLE, "attr1": {"category": "Years", "examples": [1984, 2001, 1984]}})
    assert test.attr1.examples == ("1984", "2001", "1984")
    assert any("1984" in w for w in test.warnings)


# --- the plugin interface -------------------------------------------------------------------------------


def test_listing_the_plugin_imports_no_heavy_library():
    code = (
        "import sys, nlpsuite.plugins.bias as b; from nlpsuite.registry import get_task; get_task('bias'); "
        "b.register_commands(); print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_builtin_battery_is_the_bias_sample_dataset():
    from nlpsuite.registry import get_dataset

    records = list(get_dataset("bias-sample").load())
    assert [r["id"] for r in records] == [f"weat{i}" for i in range(1, 11)]
    assert parse_test(records[5]["test"]) == builtin_tests()["weat6"]


@pytest.fixture(scope="module")
def bias_task():
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    return load_task("bias", options=TaskOptions(task_args={"bootstrap": 500}), notify=lambda _m: None)


@pytest.mark.slow
def test_embedded_model_finds_a_clear_association(bias_task):
    assert bias_task.model.name.startswith("all-MiniLM-L6-v2") and not bias_task.model.fallback
    reversed_test = {**FRUIT_VEHICLE, "attr1": FRUIT_VEHICLE["attr2"], "attr2": FRUIT_VEHICLE["attr1"]}
    forward, backward = bias_task.predict([{"id": "fv", "test": FRUIT_VEHICLE}, {"id": "vf", "test": reversed_test}])
    assert forward["kind"] == "weat" and forward["test"] == "fv"
    assert forward["effect_size"] > 1.5 and forward["ci_low"] > 0.5
    assert forward["p_value_method"] == "exact" and forward["n_permutations"] == math.comb(12, 6)
    assert forward["p_value"] <= 2 / 924
    assert backward["effect_size"] == pytest.approx(-forward["effect_size"], abs=1e-9)
    assert backward["p_value"] > 0.99
    config = bias_task.config()
    assert config["bootstrap"] == 500 and config["seed"] == 0 and config["max_exact"] == 100_000


@pytest.mark.slow
def test_templated_test_on_the_embedded_model_permutes_words(bias_task):
    templated = {**FRUIT_VEHICLE, "templates": ["This is {}.", "I saw {} today.", "{} is here."]}
    (output,) = bias_task.predict([{"id": "seat", "test": templated}])
    assert output["kind"] == "seat" and output["details"]["n_templates"] == 3
    assert (output["n_targ1"], output["n_targ2"]) == (6, 6)
    assert output["p_value_method"] == "exact" and output["n_permutations"] == math.comb(12, 6)
    assert output["effect_size"] > 1.0


@pytest.mark.slow
def test_bad_empty_and_long_inputs(bias_task):
    long_word = " ".join(["banana"] * 600)
    long_test = {**FRUIT_VEHICLE, "targ1": {"category": "Fruit", "examples": [*FRUIT_VEHICLE["targ1"]["examples"], long_word]}}
    outputs = bias_task.predict([
        {"id": "name", "test": "weat9"},
        {"id": "empty", "test": ""},
        {"id": "blank", "test": "   "},
        {"id": "broken", "test": {"targ1": {"examples": ["a", "b"]}}},
        {"id": "long", "test": long_test},
        {"id": "missing"},
        {"id": "several", "test": "all"},
    ])
    assert outputs[0]["test"] == "weat9" and outputs[0]["p_value_method"] == "exact"
    assert "empty" in outputs[1]["error"] and "empty" in outputs[2]["error"]
    assert "missing 'targ2'" in outputs[3]["error"] and "hint" in outputs[3]["error"]
    assert outputs[4]["effect_size"] is not None and any("truncated" in w for w in outputs[4]["warnings"])
    assert "missing field 'test'" in outputs[5]["error"]
    assert "one test per record" in outputs[6]["error"]


@pytest.mark.slow
def test_pairs_on_a_sentence_encoder_ask_for_a_masked_or_causal_lm(bias_task):
    (output,) = bias_task.predict([{"test": {"pairs": [{"sent_more": "a b", "sent_less": "a c"}]}}])
    assert "masked or causal language model" in output["error"]


@pytest.mark.slow
def test_weat_command_prints_a_holm_adjusted_battery(tmp_path, capsys):
    import yaml

    user = tmp_path / "fruit.yaml"
    user.write_text(yaml.safe_dump({"name": "fruit", **FRUIT_VEHICLE}), encoding="utf-8")
    argv = ["bias", "weat", "--tests", "weat9,weat10", "--file", str(user), "--bootstrap", "200", "--quiet"]
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [t["test"] for t in report["tests"]] == ["weat9", "weat10", "fruit"]
    raw = [t["p_value"] for t in report["tests"]]
    assert [t["p_value_holm"] for t in report["tests"]] == pytest.approx(holm_adjust(raw))
    assert report["correction"] == "holm" and report["settings"]["bootstrap"] == 200
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "p_holm" in table and "Fruit vs Vehicles" in table and "weat10" in table


def test_weat_command_reports_bad_files_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("targ1: [a, b]\n", encoding="utf-8")
    assert main(["bias", "weat", "--file", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "missing 'targ2'" in err and "hint:" in err and "Traceback" not in err
    assert main(["bias", "weat", "--tests", "weat42"]) == 2
    assert "unknown built-in test 'weat42'" in capsys.readouterr().err
    assert main(["bias", "weat", "--tests", ""]) == 2
    assert "no tests selected" in capsys.readouterr().err


@pytest.mark.slow
def test_confidence_sets_the_level_of_the_ci_on_d():
    from nlpsuite.runtime import load_task
    from nlpsuite.specs import TaskOptions

    def interval(level: str) -> tuple[float, float]:
        task = load_task("bias", options=TaskOptions(task_args={"bootstrap": "400", "confidence": level}),
                         notify=lambda _m: None)
        (output,) = task.predict([{"id": "fv", "test": FRUIT_VEHICLE}])
        assert output["details"]["ci_level"] == float(level)
        return output["ci_low"], output["ci_high"]

    narrow, wide = interval("0.6"), interval("0.99")
    assert wide[0] <= narrow[0] <= narrow[1] <= wide[1] and (wide[1] - wide[0]) > (narrow[1] - narrow[0])
