"""The LR oracle: the TSN streams trained on Bicubic frames of the training split, read per class on the
validation split (never the test split)."""

import pytest

from arsr_lib.data import synth
from arsr_lib.data.frames import output_dir
from arsr_lib.data.prep import extract_variants
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.recognition import tables
from arsr_lib.recognition.oracle import (
    oracle_harness,
    oracle_runs,
    oracle_table,
    recoverable_classes,
    train_oracle,
)
from arsr_lib.recognition.scores import run_harness

from conftest import tmp_experiment


@pytest.mark.slow
def test_the_oracle_learns_from_lr_and_is_read_on_validation_only(tmp_path):
    cfg = synth.SynthConfig(classes=("Wave", "ArmCircle", "WalkLeft"), groups=6, clips_per_group=2, frames=10)
    root = synth.generate(tmp_path / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root).hold_out_groups(1)
    exp = tmp_experiment(
        tmp_path, recognition={"iters": {"tsn_rgb": 3, "tsn_flow": 3, "stresnet": 2}}, data={"workers": 1}
    )
    extract_variants(ds, exp, ("hr", "bicubic"), subsets=("train", "val"), progress=False)
    paths = train_oracle(exp, ds, progress=False)
    assert set(paths) == {"tsn_rgb", "tsn_flow"}
    assert all(p.is_file() and p.parent.parent == oracle_runs(exp) for p in paths.values())
    val = ds.validation()
    hr = run_harness(exp, val, methods={}, progress=False, evaluated="val")
    table = oracle_table(hr, oracle_harness(exp, val, paths), separable=50.0)
    assert list(table.index) == [*ds.classes, "all"]
    assert table.loc["all", "videos"] == len(ds.val) and table["videos"].iloc[:-1].sum() == len(ds.val)
    for stream in ("rgb", "flow"):
        oracle = table[f"{stream}: LR oracle on Bicubic"]
        assert oracle.between(0, 100).all()
        assert recoverable_classes(table, stream) == [c for c in ds.classes if oracle[c] >= 50.0]
    assert (exp.runs_dir() / "scores-oracle-val").is_dir()
    calibration = tables.recoverable_calibration(hr, {"rgb": list(ds.classes), "flow": list(ds.classes)[:1]})
    assert list(calibration["classes"]) == [3, 1] and calibration["gap (pts)"].notna().all()
    # the test split is never read: no rawframes of its videos were made
    for variant in ("hr", "bicubic"):
        assert not any(output_dir(exp.frames_root(variant), i.rel_path).exists() for i in ds.test)
