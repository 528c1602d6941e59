"""Model references, integrity, safety defaults and the shared cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlpsuite import ModelSpec, TaskOptions, hookimpl
from nlpsuite.errors import (
    InputError,
    ModelIntegrityError,
    ModelSecurityError,
    ModelUnavailableError,
    UsageError,
)
from nlpsuite.models import loading
from nlpsuite.models.reference import parse_model_reference
from nlpsuite.testing import registered


def test_hub_reference_with_revision():
    request = parse_model_reference("Helsinki-NLP/opus-mt-en-de@v1.2")
    assert (request.kind, request.source, request.revision) == ("hub", "Helsinki-NLP/opus-mt-en-de", "v1.2")
    assert request.display_name == "Helsinki-NLP/opus-mt-en-de@v1.2"


def test_local_directory_reference(tmp_path):
    request = parse_model_reference(str(tmp_path))
    assert request.kind == "local" and request.source == str(tmp_path.resolve())


def test_registered_embedded_model_is_verified():
    request = parse_model_reference("all-MiniLM-L6-v2")
    assert request.kind == "registered" and request.spec.embedded
    assert (Path(request.source) / "model.safetensors").is_file()
    assert request.display_name == "all-MiniLM-L6-v2 (embedded)"


@pytest.mark.parametrize(
    "reference, error",
    [("./missing-dir", InputError), ("", UsageError), ("a b c", UsageError), ("org/model@", UsageError)],
)
def test_bad_references_say_what_to_pass(reference, error):
    with pytest.raises(error) as info:
        parse_model_reference(reference)
    assert info.value.hint


def test_file_is_not_a_model_directory(tmp_path):
    file = tmp_path / "weights.bin"
    file.write_bytes(b"x")
    with pytest.raises(InputError, match="is a file"):
        parse_model_reference(str(file))


class TamperedModel:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @hookimpl
    def register_models(self):
        return [ModelSpec(name="tampered", description="x", kind="other", path=lambda: self.directory,
                          sha256={"model.safetensors": "0" * 64})]


def test_registered_model_with_wrong_hash_is_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the real weights")
    with registered(TamperedModel(tmp_path), "tampered-plugin"):
        with pytest.raises(ModelIntegrityError, match="SHA-256"):
            parse_model_reference("tampered")


def test_pickled_weights_are_refused_unless_allowed(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    request = parse_model_reference(str(tmp_path))
    with pytest.raises(ModelSecurityError, match="pickled") as info:
        loading.preflight(request, TaskOptions())
    assert "--allow-pickle" in info.value.hint
    loading.preflight(request, TaskOptions(allow_pickle=True))


def test_remote_code_is_refused_unless_trusted(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "x.Model"}}), encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"")
    request = parse_model_reference(str(tmp_path))
    with pytest.raises(ModelSecurityError, match="own Python code"):
        loading.preflight(request, TaskOptions())
    loading.preflight(request, TaskOptions(trust_remote_code=True))


def test_uncached_hub_model_offline_is_unavailable_not_a_crash():
    request = parse_model_reference("sshleifer/distilbart-cnn-12-6")
    with pytest.raises(ModelUnavailableError) as info:
        loading.load_pretrained(request, TaskOptions(offline=True), "AutoModelForSeq2SeqLM")
    assert "offline" in info.value.message
    assert "--model PATH" in info.value.hint


def test_one_load_per_model_device_and_dtype():
    request = parse_model_reference("all-MiniLM-L6-v2")
    first = loading.load_sentence_transformer(request, TaskOptions(offline=True))
    again = loading.load_sentence_transformer(request, TaskOptions(offline=True, batch_size=7))
    assert first is again
    vector = first.encode(["a small test sentence"])
    assert vector.shape == (1, 384)
