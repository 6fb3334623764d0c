"""A tiny end-to-end evaluation on a few synthetic clips: train recognisers on HR, score HR / Bicubic / one SR
method, build the tables; scores are cached and reused."""

import numpy as np
import pytest

from arsr_lib import synth, tables
from arsr_lib.datasets import load_ucf101
from arsr_lib.engine import Engine
from arsr_lib.frames import FramesConfig, extract_dataset
from arsr_lib.harness import Harness, prepare_method_frames
from arsr_lib.recipes import build_recipe
from arsr_lib.rectrain import train_recognisers
from arsr_lib.reporting.recognition_figures import prediction_flip_figure

from conftest import tmp_experiment


@pytest.mark.slow
def test_tiny_end_to_end(tmp_path):
    cfg = synth.SynthConfig(classes=("Wave", "ArmCircle", "WalkLeft"), groups=3, clips_per_group=2, frames=10)
    root = synth.generate(tmp_path / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    for v in ("hr", "bicubic"):
        extract_dataset(
            ds, tmp_path / "frames" / v, FramesConfig(variant=v, flow_method="dis"), progress=False
        )
    exp = tmp_experiment(tmp_path, recognition={"iters": {"tsn_rgb": 3, "tsn_flow": 3, "stresnet": 2}})
    runs = exp.runs_dir()
    task, dset, tcfg, out = build_recipe("vdsr", exp, [ds.path(i) for i in ds.train], None, iters=2)
    Engine(task, dset, tcfg, out, progress=False).run()
    recs = train_recognisers(ds, tmp_path / "frames" / "hr", runs, exp.recognition, progress=False)
    assert set(recs) == {"tsn_rgb", "tsn_flow", "stresnet"}
    roots, tags = prepare_method_frames(
        ds,
        {"VDSR": out / "final.pt"},
        tmp_path / "sr",
        tmp_path / "frames" / "sr",
        tmp_path / "frames" / "hr",
        tmp_path / "frames" / "bicubic",
        "dis",
        workers=1,
        progress=False,
    )
    h = Harness(exp.name, ds, roots, tags, recs, tmp_path / "scores", exp.recognition, "dis")
    spatial = tables.stream_table(h, "rgb", ["HR", "Bicubic", "VDSR"])
    assert list(spatial.method) == ["HR", "Bicubic", "VDSR"] and spatial["top-1 (%)"].between(0, 100).all()
    temporal = tables.stream_table(h, "flow", ["HR", "Bicubic", "VDSR"])
    assert len(temporal) == 3
    pc = tables.per_class_table(h, "rgb", ["HR", "Bicubic", "VDSR"])
    assert list(pc.index) == list(ds.classes) and pc["videos"].sum() == len(ds.test)
    for m in ("HR", "Bicubic", "VDSR"):  # per-class accuracies weighted by videos give the top-1
        top1 = spatial.loc[spatial.method == m, "top-1 (%)"].item()
        assert (pc[m] * pc["videos"]).sum() / pc["videos"].sum() == pytest.approx(top1)
    fusion = tables.fusion_table(h, {"HR + HR": ("HR", "HR"), "VDSR + Bicubic": ("VDSR", "Bicubic")})
    assert list(fusion["pairing (frames + flow)"]) == ["HR + HR", "VDSR + Bicubic"]
    s = h.scores("tsn_rgb", "rgb", "VDSR")
    assert s.shape == (len(ds.test), 3)
    cached = tmp_path / "scores" / "tsn_rgb-rgb-VDSR.npz"
    mtime = cached.stat().st_mtime_ns
    np.testing.assert_array_equal(h.scores("tsn_rgb", "rgb", "VDSR"), s)
    assert cached.stat().st_mtime_ns == mtime  # reused, not recomputed
    fl = tables.flips(h, "VDSR")
    assert list(fl.columns) == ["index", "video", "true", "Bicubic", "VDSR", "effect"]
    fig = prediction_flip_figure(h.ds, fl.iloc[0:0], "VDSR", tmp_path / "sr", "dis")  # no flips: a note
    assert fig is not None
    # TSN late fusion is the weighted sum of the cached stream scores
    fused = 1.0 * h.scores("tsn_rgb", "rgb", "HR") + 1.5 * h.scores("tsn_flow", "flow", "HR")
    acc = 100 * np.mean(fused.argmax(1) == h.labels)
    assert fusion.loc[0, "TSN top-1 (%)"] == pytest.approx(acc)
    _recognize_command_line(tmp_path, ds, h, runs)


def _recognize_command_line(tmp_path, ds, h, runs):
    """`arsr recognize` on a test video the HR two-stream TSN gets right: its class comes out first, and the
    output says what the recogniser knows; a real UCF101 clip gets a verdict over SynthActions' classes,
    labelled so; a tiny clip is super-resolved first; a clip too short is an error naming the file."""
    import shutil

    from arsr_lib.cli import main
    from arsr_lib.video import read_video, write_video

    from conftest import REALDATA

    right = np.flatnonzero(h.fused_tsn("HR", "HR").argmax(1) == h.labels)
    assert len(right), "the tiny recogniser gets no test video right"
    item = ds.test[right[0]]
    config_file = tmp_path / "exp.yaml"
    config_file.write_text("base: smoke\nrecognition: {iters: {tsn_rgb: 3, tsn_flow: 3, stresnet: 2}}\n")

    def run(video, *extra):
        args = [
            "recognize",
            str(video),
            "--config",
            str(config_file),
            "--runs",
            str(runs),
            "--top",
            "3",
            *extra,
        ]
        return main(args)

    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(ds.path(item)) == 0
    lines = out.getvalue().splitlines()
    assert "recogniser trained on SynthActions, 3 classes" in out.getvalue()
    assert lines[2].split()[1] == item.class_name, out.getvalue()
    real = sorted((REALDATA / "clips" / "ucf101").rglob("*.avi"))[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(real, "--recogniser", str(runs)) == 0
    assert "recogniser trained on SynthActions, 3 classes" in out.getvalue()
    assert "frames as decoded" in out.getvalue()
    small = tmp_path / "small.avi"
    write_video(small, np.ascontiguousarray(read_video(ds.path(item))[:, ::4, ::4]))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(small, "--sr-rgb", "Bicubic", "--sr-flow", "Bicubic") == 0
    assert "frames Bicubic" in out.getvalue()
    short = tmp_path / "short.avi"
    write_video(short, read_video(ds.path(item))[:3])
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run(short) == 2
    assert "short.avi: 3 decodable frame(s), at least 6 needed" in err.getvalue()
    shutil.rmtree(runs / "tsn_flow")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run(ds.path(item)) == 2
    assert "no trained recogniser at" in err.getvalue()
