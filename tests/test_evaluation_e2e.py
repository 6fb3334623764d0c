"""A tiny end-to-end evaluation on a few synthetic clips: train recognisers on HR, score HR / Bicubic / one SR
method, build the tables; scores are cached and reused."""

import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from arsr_lib.core.devices import runtime
from arsr_lib.data import synth
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.recognition import tables
from arsr_lib.recognition.scores import Harness
from arsr_lib.recognition.training import Recognisers, train_experiment_recognisers, train_recognisers
from arsr_lib.report.recognition_figures import prediction_flip_figure
from arsr_lib.sr.recipes import build_recipe
from arsr_lib.sr.testframes import prepare_method_frames
from arsr_lib.train.engine import Engine

from conftest import tmp_experiment


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A few synthetic clips with HR and bicubic rawframes, a VDSR trained for 2 steps, the recognisers (not
    trained yet: each is trained when first asked for) and a harness over HR, Bicubic, VDSR and SoSR-VDSR."""
    tmp_path = tmp_path_factory.mktemp("e2e")
    cfg = synth.SynthConfig(classes=("Wave", "ArmCircle", "WalkLeft"), groups=3, clips_per_group=2, frames=10)
    root = synth.generate(tmp_path / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    exp = tmp_experiment(
        tmp_path, recognition={"iters": {"tsn_rgb": 3, "tsn_flow": 3, "stresnet": 2}}, data={"workers": 1}
    )
    for v in ("hr", "bicubic"):
        extract_dataset(ds, exp.frames_root(v), FramesConfig(variant=v, flow_method="dis"), progress=False)
    task, dset, tcfg, out = build_recipe("vdsr", exp, [ds.path(i) for i in ds.train], None, iters=2)
    Engine(task, dset, tcfg, out, progress=False).run()
    recs = Recognisers(exp, ds, progress=False)
    methods = {"VDSR": out / "final.pt", "SoSR-VDSR": out / "final.pt"}
    roots, tags, streams = prepare_method_frames(exp, ds, methods, progress=False)
    scores = tmp_path / "scores"
    h = Harness(exp.name, ds, roots, tags, recs, scores, exp.recognition, "dis", streams, runtime("cpu"))
    return SimpleNamespace(tmp=tmp_path, ds=ds, exp=exp, runs=exp.runs_dir(), vdsr=out / "final.pt", h=h)


@pytest.mark.slow
def test_each_recogniser_is_trained_when_first_asked_for(world):
    """With those it starts from: the TSN streams can be scored while ST-ResNet, the last, still trains (in
    the recogniser lane)."""
    recs, runs = world.h.recognisers, world.runs
    assert set(recs) == {"tsn_rgb", "tsn_flow", "stresnet"}
    assert recs["tsn_flow"] == runs / "tsn_flow" / "final.pt" and (runs / "tsn_rgb" / "final.pt").is_file()
    assert not (runs / "stresnet").exists()
    with pytest.raises(ValueError, match="upto must be one of"):
        train_recognisers(
            world.ds, world.exp.frames_root("hr"), runs, world.exp.recognition, progress=False, upto="tsn"
        )


@pytest.mark.slow
def test_the_study_decides_which_streams_read_each_method(world):
    """By default every method's flow feeds the temporal stream (the flicker premise); a study whose tables
    read no flow of a method (SoSR-VDSR below) never makes it, and asking for it is an error."""
    import dataclasses

    from arsr_lib.config.study import Study
    from arsr_lib.sr.testframes import method_streams

    assert world.h.streams["VDSR"] == world.h.streams["SoSR-VDSR"] == ("rgb", "flow")
    study = Study(temporal_table=("HR", "Bicubic", "VDSR"))
    assert method_streams(["VDSR", "SoSR-VDSR", "SoSR-VDSR@1"], study) == {
        "VDSR": ("rgb", "flow"),
        "SoSR-VDSR": ("rgb",),
        "SoSR-VDSR@1": ("rgb",),
    }
    spatial_only = dataclasses.replace(world.h, streams={**world.h.streams, "SoSR-VDSR": ("rgb",)})
    with pytest.raises(ValueError, match="SoSR-VDSR's frames were made for the rgb stream only"):
        spatial_only.scores("tsn_flow", "flow", "SoSR-VDSR")


@pytest.mark.slow
def test_sparse_sr_test_frames_equal_those_of_the_whole_video(world):
    _sparse_frames_equal_whole_video_frames(
        world.exp, world.ds, world.vdsr, world.h.frames_roots["VDSR"], world.tmp
    )


@pytest.mark.slow
def test_scores_are_cached_and_shards_merge_into_the_whole_table(world):
    h = world.h
    s = h.scores("tsn_rgb", "rgb", "VDSR")
    assert s.shape == (len(world.ds.test), 3)
    cached = world.tmp / "scores" / "tsn_rgb-rgb-VDSR.npz"
    mtime = cached.stat().st_mtime_ns
    np.testing.assert_array_equal(h.scores("tsn_rgb", "rgb", "VDSR"), s)
    assert cached.stat().st_mtime_ns == mtime  # reused, not recomputed
    _sharded_scores_merge(h, world.tmp)


@pytest.mark.slow
def test_stream_and_per_class_tables_agree(world):
    h, shown = world.h, ["HR", "Bicubic", "VDSR"]
    spatial = tables.stream_table(h, "rgb", shown)
    assert list(spatial.method) == shown and spatial["top-1 (%)"].between(0, 100).all()
    assert len(tables.stream_table(h, "flow", shown)) == 3
    pc = tables.per_class_table(h, "rgb", shown)
    assert list(pc.index) == list(world.ds.classes) and pc["videos"].sum() == len(world.ds.test)
    for m in shown:  # per-class accuracies weighted by videos give the top-1
        top1 = spatial.loc[spatial.method == m, "top-1 (%)"].item()
        assert (pc[m] * pc["videos"]).sum() / pc["videos"].sum() == pytest.approx(top1)


@pytest.mark.slow
def test_the_fusion_table_is_tsn_late_fusion_of_the_cached_streams(world):
    h = world.h
    fusion = tables.fusion_table(h, {"HR + HR": ("HR", "HR"), "VDSR + Bicubic": ("VDSR", "Bicubic")})
    assert list(fusion["pairing (frames + flow)"]) == ["HR + HR", "VDSR + Bicubic"]
    fused = 1.0 * h.scores("tsn_rgb", "rgb", "HR") + 1.5 * h.scores("tsn_flow", "flow", "HR")
    assert fusion.loc[0, "TSN top-1 (%)"] == pytest.approx(100 * np.mean(fused.argmax(1) == h.labels))


@pytest.mark.slow
def test_prediction_flips_and_their_figure(world):
    fl = tables.flips(world.h, "VDSR")
    assert list(fl.columns) == ["index", "video", "true", "Bicubic", "VDSR", "effect"]
    fig = prediction_flip_figure(world.ds, fl.iloc[0:0], "VDSR", world.tmp / "sr", "dis")  # no flips: a note
    assert fig is not None


@pytest.mark.slow
def test_training_all_recognisers_reuses_the_runs_the_harness_trained(world):
    recs = world.h.recognisers
    world.h.scores("stresnet", "both", "HR", "HR")  # trains ST-ResNet if no test has yet
    finals = {k: recs[k].stat().st_mtime_ns for k in recs}
    assert train_experiment_recognisers(world.exp, world.ds, progress=False) == dict(recs)
    assert {k: recs[k].stat().st_mtime_ns for k in recs} == finals


@pytest.mark.slow
def test_arsr_recognize_reads_what_the_harness_reads(world):
    """One path from an SR method to the frames a recogniser reads: for the same LR video and SR model, the
    test inputs of ``arsr recognize`` are the harness's, bit for bit."""
    from arsr_lib.data.degrade import downscale
    from arsr_lib.data.frames import output_dir
    from arsr_lib.recognition.clips import test_inputs
    from arsr_lib.recognition.predict import _stream_input
    from arsr_lib.sr.inference import load_sr_model

    r = world.exp.recognition
    model = load_sr_model(world.vdsr)
    for it in world.ds.test[:2]:
        lr = np.stack([downscale(f) for f in world.ds.read(it)])
        folder = str(output_dir(world.h.frames_roots["VDSR"], it.rel_path))
        for stream in ("rgb", "flow"):
            mine = _stream_input(
                lr.__getitem__,
                len(lr),
                stream,
                model,
                world.tmp / f"recognize-{stream}",
                world.exp,
                runtime("cpu"),
            )
            harness = test_inputs(folder, stream, r.test_snippets, r.test_crops, r.crop, r.new_length)
            assert torch.equal(mine, harness), (it.rel_path, stream)
            shutil.rmtree(world.tmp / f"recognize-{stream}")


@pytest.mark.slow
def test_arsr_recognize_on_synthetic_real_small_and_short_clips(world):
    """Last: it removes a trained recogniser to check the error that names it."""
    _recognize_command_line(world.tmp, world.ds, world.h, world.runs)


def _sparse_frames_equal_whole_video_frames(exp, ds, checkpoint, sparse_root, tmp_path):
    """SR of only the frames the test protocol reads gives the test inputs the whole-video path gives (SR
    video -> rawframes of every frame -> flow of every pair)."""
    from arsr_lib.data.extract import extract_many
    from arsr_lib.data.frames import output_dir
    from arsr_lib.recognition.clips import test_inputs
    from arsr_lib.sr.sreval import make_sr_videos, sr_video_path

    make_sr_videos(ds, {"VDSR": checkpoint}, tmp_path / "sr", ds.test, progress=False)
    jobs = [
        (sr_video_path(tmp_path / "sr", "VDSR", i.rel_path), output_dir(tmp_path / "whole", i.rel_path))
        for i in ds.test
    ]
    extract_many(jobs, FramesConfig(variant="hr", flow_method="dis"), progress=False)
    r = exp.recognition
    for it in ds.test:
        for stream in ("rgb", "flow"):
            args = (stream, r.test_snippets, r.test_crops, r.crop, r.new_length)
            sparse = test_inputs(str(output_dir(sparse_root, it.rel_path)), *args)
            whole = test_inputs(str(output_dir(tmp_path / "whole", it.rel_path)), *args)
            assert torch.equal(sparse, whole), (it.rel_path, stream)


def _sharded_scores_merge(h, tmp_path):
    """Two shards scored apart (as two torchrun ranks or array jobs would) merge into the table one process
    computes, and the merge recomputes nothing."""
    import dataclasses

    full = h.scores("tsn_rgb", "rgb", "VDSR")
    (tmp_path / "scores" / "tsn_rgb-rgb-VDSR.npz").unlink()
    for k in (1, 2):
        dataclasses.replace(h, shard=(k, 2)).score_shard("tsn_rgb", "rgb", "VDSR")
    assert len(list((tmp_path / "scores").glob("tsn_rgb-rgb-VDSR.shard-*-of-2.npz"))) == 2
    h._compute = None  # the merge must not score anything
    merged = h.scores("tsn_rgb", "rgb", "VDSR")
    del h._compute
    np.testing.assert_allclose(merged, full, rtol=0, atol=1e-6)


def _recognize_command_line(tmp_path, ds, h, runs):
    """`arsr recognize` on a test video the HR two-stream TSN gets right: its class comes out first, and the
    output says what the recogniser knows; a real UCF101 clip gets a verdict over SynthActions' classes,
    labelled so; a tiny clip is super-resolved first; a clip too short is an error naming the file."""
    import shutil

    from arsr_lib.data.video import read_video, write_video
    from arsr_lib.run.cli import main

    from conftest import REALDATA, shared

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
    real = sorted((shared(REALDATA) / "clips" / "ucf101").rglob("*.avi"))[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run(real, "--recogniser", str(runs)) == 0
    assert "recogniser trained on SynthActions, 3 classes" in out.getvalue()
    side = min(read_video(ds.path(item), max_frames=1).shape[1:3])  # the recognisers' training frames
    assert f"frames resized to a {side}-px short side" in out.getvalue()  # a 320x240 clip, brought down
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


@pytest.mark.slow
def test_arsr_recognize_keeps_only_the_frames_it_reads_brought_to_the_training_size(world, monkeypatch):
    """A clip five times the recognisers' frame size and twelve times as long: ``arsr recognize`` keeps only
    the frames the test protocol reads, each brought to the training frames' short side first."""
    import cv2

    from arsr_lib.data.video import write_video
    from arsr_lib.recognition import predict
    from arsr_lib.recognition.training import recogniser_frame_size

    train_experiment_recognisers(world.exp, world.ds, progress=False, upto="tsn_flow")  # a test removes it
    frames = world.ds.read(world.ds.test[0])
    n = 12 * len(frames)
    big = (cv2.resize(frames[t % len(frames)], None, fx=5, fy=5) for t in range(n))
    clip = write_video(world.tmp / "big.avi", big)
    kept: dict = {}
    read_needed = predict.read_needed

    def spy(video, needed, short_side):
        kept.update(read_needed(video, needed, short_side))
        return kept

    monkeypatch.setattr(predict, "read_needed", spy)
    verdict = predict.recognize(clip, world.exp, runs_dir=world.runs, device="cpu")
    side = min(recogniser_frame_size(world.runs / "tsn_rgb" / "final.pt"))
    assert verdict.streams == {s: f"resized to a {side}-px short side" for s in ("rgb", "flow")}
    assert set(kept) == predict.needed_frames(world.exp, n, {"rgb": 1, "flow": 1})
    assert len(kept) < n / 2 and all(min(f.shape[:2]) == side for f in kept.values())


def test_needed_frames_take_the_sr_window_and_fit_keeps_the_aspect():
    from arsr_lib import config
    from arsr_lib.recognition.predict import fit_to, needed_frames

    exp = config.load("smoke")
    plain = needed_frames(exp, 200, {"rgb": 1, "flow": 1})
    windowed = needed_frames(exp, 200, {"rgb": 1, "flow": 5})
    assert plain < windowed and all(0 <= i < 200 for i in windowed)
    assert all({i - 2, i + 2} & windowed for i in plain)
    assert fit_to(np.zeros((1080, 1920, 3), np.uint8), 96).shape == (96, 171, 3)
    small = np.zeros((60, 80, 3), np.uint8)
    assert fit_to(small, 96) is small


@pytest.mark.slow
def test_paired_tests_read_every_training_seed(world):
    """A claim over two seeds of VDSR (here the same weights twice): the seed columns, each seed's difference,
    and the verdict read from the seeds x groups interval."""
    import dataclasses

    from arsr_lib.config.study import Study
    from arsr_lib.report import narrative

    h = world.h
    seeded = dataclasses.replace(
        h,
        frames_roots={**h.frames_roots, "VDSR@1": h.frames_roots["VDSR"]},
        tags={**h.tags, "VDSR@1": h.tags["VDSR"]},
        streams={**h.streams, "VDSR@1": h.streams["VDSR"]},
    )
    study = Study(comparisons={"VDSR vs Bicubic (spatial)": ("rgb", "VDSR", "Bicubic")})
    table = tables.paired_tests(seeded, study)
    row = table.iloc[0]
    assert row["seeds"] == 2 and row["mean diff over seeds (pts)"] == pytest.approx(row["top-1 diff (pts)"])
    one = f"{row['top-1 diff (pts)']:+.1f}"
    assert row["per-seed diffs (pts)"] == f"{one} {one}" and row["MDE 80% (pts)"] >= 0
    assert row["seeds x groups CI low"] <= row["mean diff over seeds (pts)"] <= row["seeds x groups CI high"]
    assert "over 2 seed(s)" in narrative.paired_summary(table)
