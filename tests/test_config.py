"""Experiments as typed objects: profiles, overrides, files, environment read when loading, checkpoints
that rebuild their models without any profile."""

import dataclasses
import pathlib
import re
import subprocess
import sys

import pytest
import torch

from arsr_lib import config
from arsr_lib.config import Experiment, SRRecipe
from arsr_lib.models import VDSR, build_model
from arsr_lib.recognition.training import load_recogniser, recogniser_spec
from arsr_lib.sr.inference import load_sr_model
from arsr_lib.train.engine import Engine
from arsr_lib.train.steps import ClassifierStep
from arsr_lib.train.task import Task, TrainConfig

from conftest import ROOT


def _differences(a, b, where=""):
    """Dotted names of the fields in which two experiments differ."""
    if dataclasses.is_dataclass(a):
        return [
            d
            for f in dataclasses.fields(a)
            for d in _differences(getattr(a, f.name), getattr(b, f.name), f"{where}{f.name}.")
        ]
    if isinstance(a, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{where}{k}.")]
    return [] if a == b else [where.rstrip(".")]


def test_each_profile_builds_one_frozen_experiment():
    for name in config.PROFILES:
        exp = config.load(name)
        assert isinstance(exp, Experiment) and exp.name == name
        with pytest.raises(dataclasses.FrozenInstanceError):
            exp.seed = 1
        with pytest.raises(TypeError, match="read-only"):
            exp.recipes["vdsr"] = None
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        config.load("fast")


def test_ci_is_smoke_with_fewer_steps_and_nothing_else():
    smoke, ci = config.load("smoke"), config.load("ci")
    changed = _differences(smoke, ci)
    iters = {f"recipes.{r}.iters" for r in smoke.recipes} | {
        f"recognition.iters.{k}" for k in smoke.recognition.iters
    }
    # detail_twins: ci's 12 evaluated videos hold about one twin per class (smoke measures 4 per pair)
    assert set(changed) == {"name", "data.eval_videos", "data.detail_twins"} | iters
    assert ci.sr_schedule.amp is False and ci.recognition.schedule.amp is False  # no bf16 on CPU, as smoke


def test_overrides_are_nested_typed_and_unknown_names_are_refused():
    exp = config.load("smoke", data={"flow_method": "tvl1", "workers": None}, recipes={"vdsr": {"iters": 7}})
    assert exp.data.flow_method == "tvl1" and exp.data.workers == 2  # None leaves the profile's value
    assert exp.recipe("vdsr").iters == 7 and exp.recipe("duf").iters == 300
    exp = config.override(exp, {"recognition": {"fusion": [1, 2]}})
    assert exp.recognition.fusion == (1, 2)
    with pytest.raises(ValueError, match=r"unknown setting 'data\.flow'"):
        config.load("smoke", data={"flow": "tvl1"})
    with pytest.raises(TypeError, match="recognition.partial_bn must be true or false"):
        config.load("smoke", recognition={"partial_bn": "yes"})
    with pytest.raises(ValueError, match="recipe step must be one of"):
        config.load("smoke", recipes={"vdsr": {"step": "magic"}})
    with pytest.raises(ValueError, match="starts from 'nothing'"):
        config.load("smoke", recipes={"vdsr": {"init": "nothing"}})


def test_environment_is_read_when_an_experiment_is_built_not_at_import(tmp_path):
    env = {
        "ARSR_UCF101_ROOT": str(tmp_path / "ucf"),
        "ARSR_VGG19_WEIGHTS": "/w/vgg.pth",
        "ARSR_REPORTS_DIR": str(tmp_path / "rep"),
    }
    paper = config.load("paper", env=env)
    assert paper.dataset_root() == tmp_path / "ucf" and paper.sr_loss.vgg19_weights == "/w/vgg.pth"
    assert paper.reports_dir() == tmp_path / "rep" / "paper"
    assert config.load("paper", env={}).data.root is None
    code = (
        "import os; from arsr_lib import config; os.environ['ARSR_UCF101_ROOT'] = '/set/after/import'; "
        "print(config.load('paper').data.root)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.stdout.strip() == "/set/after/import"


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_an_experiment_from_a_file(tmp_path, suffix):
    text = {
        ".yaml": "base: smoke\nname: smoke-tvl1\ndata: {flow_method: tvl1}\n"
        "recipes:\n  vdsr: {iters: 50}\n  vdsr_l1: {arch: vdsr, step: pixel, pixel_loss: l1,"
        " iters: 10, batch: 2, patch: 32, lr: 0.001}\n",
        ".toml": 'base = "smoke"\nname = "smoke-tvl1"\n[data]\nflow_method = "tvl1"\n'
        "[recipes.vdsr]\niters = 50\n"
        '[recipes.vdsr_l1]\narch = "vdsr"\nstep = "pixel"\npixel_loss = "l1"\niters = 10\nbatch = 2\n'
        "patch = 32\nlr = 0.001\n",
    }[suffix]
    path = tmp_path / f"exp{suffix}"
    path.write_text(text)
    exp = config.from_file(path)
    assert exp.name == "smoke-tvl1" and exp.data.flow_method == "tvl1" and exp.recipe("vdsr").iters == 50
    assert exp.recipe("vdsr_l1") == SRRecipe("vdsr", "pixel", "l1", iters=10, batch=2, patch=32, lr=0.001)
    assert exp.runs_dir().name == "smoke-tvl1" and exp.frames_root("sr").name == "sr-smoke-tvl1"
    # the command line prints the same experiment
    res = subprocess.run(
        [sys.executable, "-m", "arsr_lib", "config", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0 and '"flow_method": "tvl1"' in res.stdout


def test_bad_config_files_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {flow_method: [unclosed\n")
    with pytest.raises(ValueError, match="bad.yaml: not valid YAML"):
        config.from_file(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("base = 'smoke'\n[data]\nflow = 'dis'\n")
    with pytest.raises(ValueError, match=r"unknown.toml: unknown setting 'data\.flow'"):
        config.from_file(unknown)
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        config.from_file(tmp_path / "missing.yaml")
    other = tmp_path / "exp.json"
    other.write_text("{}")
    with pytest.raises(ValueError, match="are .yaml, .yml or .toml"):
        config.from_file(other)


def test_experiments_are_plain_data_for_keys_and_pickling():
    import pickle

    exp = config.load("smoke")
    assert pickle.loads(pickle.dumps(exp)) == exp
    plain = config.to_dict(exp)
    assert plain["recipes"]["sosr"]["pixel_loss"] == "flow_weighted_mse" and plain["recognition"][
        "fusion"
    ] == [1.0, 1.5]


def test_checkpoints_rebuild_sr_models_and_recognisers_without_a_profile(tmp_path):
    """Training runs record ``{"arch", "kwargs"}``: loading needs the checkpoint alone."""
    sr = build_model("vdsr", depth=3, nf=8)
    spec = recogniser_spec("tsn_flow", 4, config.load("ci").recognition)
    rec = build_model(spec["arch"], **spec["kwargs"])
    for name, model, model_spec in (
        ("sr", sr, {"arch": "vdsr", "kwargs": {"depth": 3, "nf": 8}}),
        ("rec", rec, spec),
    ):
        task = Task(models={"g": model}, step=ClassifierStep(("x",)), specs={"g": model_spec})
        engine = Engine(task, [0], TrainConfig(iters=0, batch=1, lr=1e-3), tmp_path / name, progress=False)
        engine.run()
    loaded = load_sr_model(tmp_path / "sr" / "final.pt")
    assert isinstance(loaded, VDSR) and all(
        torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), sr.state_dict().values())
    )
    loaded_rec = load_recogniser(tmp_path / "rec" / "final.pt")
    assert loaded_rec.modality == "flow" and loaded_rec.base.fc.out_features == 4


def test_no_profile_branches_or_lookups_in_the_package():
    sources = "\n".join(p.read_text() for p in pathlib.Path(ROOT / "arsr_lib").rglob("*.py"))
    assert "profile ==" not in sources and "profile !=" not in sources
    for old in ("SR_TRAIN[", "SR_ARCH[", "SR_LOSS[", "REC[", "PROFILES["):
        assert old not in sources


def test_methods_name_their_source_and_recipes_train_in_order():
    synth = config.load("synth")
    assert not synth.off_the_shelf("ESRGAN") and "ESRGAN-FT" not in synth.methods
    assert synth.method_source("SoSR") == "sosr" and synth.method_source("Bicubic") is None
    # ESRGAN and SoSR: one PSNR pre-training and one discriminator warm-up (shared starts), the same
    # schedule, differing only in the pixel loss; their seeds vary the fine-tune alone, a ToSR seed starts
    # from its twin's
    esrgan, sosr = synth.recipe("esrgan"), synth.recipe("sosr")
    assert _differences(esrgan, sosr) == ["pixel_loss"] and esrgan.init == "d_warmup"
    assert synth.recipe("d_warmup").init == "rrdb_psnr"
    assert synth.recipe("d_warmup").shared and synth.recipe("rrdb_psnr").shared
    assert synth.recipe("sosr@2").init == "d_warmup" and synth.recipe("sosr@2").seed_offset == 2
    assert "rrdb_psnr@1" not in synth.recipes and synth.recipe("tosr_duf@1").init == "duf@1"
    smoke = config.load("smoke")
    pretrained = config.load("smoke", methods={**smoke.methods, "ESRGAN": "realsr-df2k"})
    assert pretrained.off_the_shelf("ESRGAN") and not smoke.off_the_shelf("ESRGAN")
    assert "ESRGAN-FT" not in smoke.methods
    assert smoke.recipes_for(["SoSR", "VDSR"]) == ["rrdb_psnr", "sosr", "vdsr"]  # its start first
    with pytest.raises(ValueError, match="unknown SR method 'EDSR'"):
        smoke.method_source("EDSR")
    with pytest.raises(ValueError, match="neither a recipe"):
        config.load("smoke", methods={"EDSR": "edsr"})


def test_the_study_is_part_of_the_experiment_and_a_file_changes_it(tmp_path):
    """What is compared, paired and tabled lives in ``exp.study``: each profile's is the default one
    restricted to its methods, and a config file changes it like any other setting."""
    smoke, synth = config.load("smoke"), config.load("synth")
    assert "ESRGAN-FT" not in smoke.methods and "ESRGAN-FT + VSR-DUF" not in smoke.study.pairings
    assert synth.study.seeds == 3 and synth.study.pairings == smoke.study.pairings
    # a seed variant is read by the claims alone: only the streams they read of its method are made
    assert synth.study.claim_streams("SoSR") == ("rgb",) and synth.study.claim_streams("VSR-DUF") == ("flow",)
    assert synth.study.claim_streams("ESRGAN") == ("rgb", "flow")  # SoSR's partner, ToSR-ESRGAN's twin
    from arsr_lib.sr.testframes import method_streams

    streams = method_streams(["SoSR", "SoSR@1", "VSR-DUF@2", "Bicubic"], synth.study)
    assert streams == {
        "SoSR": ("rgb", "flow"),  # seed 0: every table (the temporal premise reads every method's flow)
        "SoSR@1": ("rgb",),
        "VSR-DUF@2": ("flow",),
        "Bicubic": ("rgb", "flow"),
    }
    # every method's flow feeds the temporal stream, the frame-wise ESRGAN family included (flicker premise)
    assert smoke.study.flow_consumers() == set(smoke.methods) | {"HR"}
    assert list(smoke.study.stages) == ["sosr", "tosr"] and smoke.study.recognize == ("SoSR", "ToSR-DUF")
    path = tmp_path / "study.yaml"
    path.write_text(
        "base: smoke\n"
        "study:\n"
        "  pairings: {VDSR + ToSR-DUF: [VDSR, ToSR-DUF]}\n"
        "  comparisons: {SoSR vs VDSR (spatial): [rgb, SoSR, VDSR]}\n"
        "  recognize: [VDSR, VSR-DUF]\n"
    )
    exp = config.from_file(path)
    assert exp.study.pairings["VDSR + ToSR-DUF"] == ("VDSR", "ToSR-DUF")  # added to the profile's
    assert exp.study.comparisons["SoSR vs VDSR (spatial)"] == ("rgb", "SoSR", "VDSR")
    assert exp.study.recognize == ("VDSR", "VSR-DUF")
    path.write_text("base: smoke\nstudy: {pairings: {X: [SoSR, ToSR-Nothing]}}\n")
    with pytest.raises(ValueError, match=r"study\.yaml: the study of smoke names methods .*'ToSR-Nothing'"):
        config.from_file(path)
    path.write_text("base: smoke\nstudy: {comparisons: {X: [depth, SoSR, VDSR]}}\n")
    with pytest.raises(ValueError, match=r"stream must be one of \('rgb', 'flow'\) \(got 'depth'\)"):
        config.from_file(path)
    path.write_text("base: smoke\nstudy: {pairings: {X: [SoSR]}}\n")
    with pytest.raises(ValueError, match=r"study.pairings\['X'\] must have 2 entries"):
        config.from_file(path)


def test_scale_and_flow_bound_are_pinned_protocols_not_settings():
    with pytest.raises(ValueError, match="unknown setting 'data.flow_bound'"):
        config.load("smoke", data={"flow_bound": 10})
    with pytest.raises(ValueError, match="unknown setting 'data.scale'"):
        config.load("smoke", data={"scale": 2})


def _parts(exp):
    """(override path, dataclass) of every part of an experiment that holds settings."""
    yield (), exp
    for name in ("data", "sr_loss", "pairs", "sr_schedule", "recognition", "compute"):
        yield (name,), getattr(exp, name)
    yield ("recognition", "schedule"), exp.recognition.schedule
    for name, recipe in exp.recipes.items():
        yield ("recipes", name), recipe


NUMERIC = re.compile(r"^(int|float)( \| None)?$|^tuple\[(int|float)|^Mapping$")


def test_every_numeric_setting_has_a_range_and_refuses_a_value_outside_it(tmp_path):
    """Each numeric field of the schema states its range; a value outside it, from an override or a file, is
    an error naming the field, the value and the range (nothing is built with it)."""
    from arsr_lib.config.ranges import Range

    exp = config.load("smoke")
    tried = 0
    for path, part in _parts(exp):
        ranges = dict(getattr(type(part), "RANGES", {}))
        if path == ():
            ranges = {"seed": Range(0, 2**32 - 1)}
        for f in dataclasses.fields(part):
            if (
                NUMERIC.match(str(f.type))
                and f.type != "Mapping"
                or f.name == "iters"
                and path == ("recognition",)
            ):
                assert f.name in ranges, f"{'.'.join(path) or 'experiment'}.{f.name} has no stated range"
        for name, rng in ranges.items():
            current, bad = getattr(part, name), rng.outside()
            bad = int(bad) if bad == int(bad) else bad
            value = (
                {k: bad for k in current}
                if isinstance(current, dict)
                else [bad]
                if isinstance(current, tuple)
                else bad
            )
            changes: dict = {name: value}
            for key in reversed(path):
                changes = {key: changes}
            with pytest.raises(ValueError, match=rf"{re.escape(name)} = .* is out of range: it must be in"):
                config.override(exp, changes)
            tried += 1
    assert tried >= 45
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("base: smoke\nrecipes: {vdsr: {iters: -5}}\n")
    with pytest.raises(
        ValueError,
        match=r"bad\.yaml: recipes\.vdsr: recipe\.iters = -5 is out of range: it must be in \[1, inf\]",
    ):
        config.from_file(bad_file)
    with pytest.raises(ValueError, match=r"recognition\.test_snippets = -3 is out of range"):
        config.load("smoke", recognition={"test_snippets": -3})


def test_command_line_numbers_are_checked_by_the_parser(capsys):
    from arsr_lib.run.cli import main

    for argv, culprit in (
        (["sr", "in.avi", "-o", "out", "--tile", "-5"], "--tile: -5 is out of range: it must be in [8, inf]"),
        (["sr", "in.avi", "-o", "out", "--batch", "0"], "--batch: 0 is out of range"),
        (["sr", "in.avi", "-o", "out", "--max-frames", "0"], "--max-frames: 0 is out of range"),
        (
            ["frames", "--dataset", "folder", "--root", "x", "--out", "y", "--workers", "0"],
            "--workers: 0 is out",
        ),
        (["train", "--recipe", "vdsr", "--iters", "-5"], "--iters: -5 is out of range"),
        (["recognize", "v.avi", "--top", "two"], "--top: 'two' is not an integer"),
    ):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2 and culprit in capsys.readouterr().err, argv


def test_training_seeds_are_variants_of_the_compared_methods_and_their_starts():
    from arsr_lib.config.seeds import seeds_of
    from arsr_lib.sr.recipes import stage_methods, stage_recipes

    one = config.load("smoke")
    assert not any("@" in m for m in one.methods)
    exp = config.load("smoke", study={"seeds": 3})
    assert seeds_of("ToSR-DUF", exp.methods) == ["ToSR-DUF", "ToSR-DUF@1", "ToSR-DUF@2"]
    assert exp.methods["ToSR-DUF@2"] == "tosr_duf@2"
    tosr = exp.recipe("tosr_duf@2")
    assert tosr.seed_offset == 2 and tosr.init == "duf@2"  # the twin's seed is part of the claim
    assert replace_fields(tosr) == replace_fields(exp.recipe("tosr_duf"))
    assert "Bicubic@1" not in exp.methods  # nothing to train, nothing to seed
    assert stage_recipes(exp, "tosr")[-3:] == ["tosr_duf", "tosr_duf@1", "tosr_duf@2"]
    assert "SoSR@2" in stage_methods(exp, "sosr")
    fewer = config.override(exp, {"study": {"seeds": 2}})
    assert (
        "ToSR-DUF@1" in fewer.methods and "ToSR-DUF@2" not in fewer.methods and "duf@2" not in fewer.recipes
    )
    with pytest.raises(ValueError, match=r"study.seeds = 0 is out of range"):
        config.load("smoke", study={"seeds": 0})


def replace_fields(recipe):
    """A recipe's settings but its seed and start."""
    from dataclasses import asdict

    return {k: v for k, v in asdict(recipe).items() if k not in ("seed_offset", "init")}
