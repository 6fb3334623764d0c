import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from arsr_lib.data import synth
from arsr_lib.data.video import read_video
from arsr_lib.models import DUF, VDSR
from arsr_lib.sr.inference import load_sr_model, save_sr, super_resolve
from arsr_lib.sr.pairs import PairConfig, ToSRPairDataset
from arsr_lib.sr.recipes import build_recipe
from arsr_lib.sr.srdata import PatchConfig, SRPatchDataset, VideoSource
from arsr_lib.train.engine import Engine

from conftest import ROOT, tmp_experiment

CFG = synth.SynthConfig(
    classes=("SwingRacket", "Wave", "WalkLeft"), groups=3, clips_per_group=1, frames=12, height=64, width=64
)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = synth.generate(tmp_path_factory.mktemp("sr") / "synth", CFG, workers=1, progress=False)
    return sorted(str(p) for p in root.rglob("*.avi"))


def test_patch_dataset_is_seeded_and_aligned(videos):
    src = VideoSource(videos)
    ds = SRPatchDataset(src, PatchConfig(patch=32), length=10, seed=3)
    a, b = ds[4], ds[4]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["lr"].shape == (3, 8, 8) and a["hr"].shape == (3, 32, 32) and a["weight"].shape == (32, 32)
    d7 = SRPatchDataset(src, PatchConfig(patch=32, n_frames=7), length=4)[0]
    assert d7["lr"].shape == (7, 3, 8, 8)


def test_tosr_pairs_mined_by_motion_and_warp_check(videos):
    src = VideoSource(videos)
    ds = ToSRPairDataset(src, PairConfig(patch=32, stride=(8, 8), margin=2, top_k=3), seed=0)
    assert len(ds) > 0 and all(
        0 < n <= 3 for n in np.unique([(v, t) for v, t, _, _ in ds.items], axis=0, return_counts=True)[1]
    )
    s = ds[0]
    assert s["lr1"].shape == (7, 3, 8, 8) and s["hr1"].shape == (3, 32, 32) and s["flow"].shape == (32, 32, 2)
    from arsr_lib.data.flow import warp

    w, valid = warp(s["hr2"][None], s["flow"][None])
    m = valid.bool().expand_as(w)
    # the kept patches are those whose HR flow explains the motion better than no motion
    assert (w - s["hr1"][None])[m].pow(2).mean() < (s["hr2"] - s["hr1"])[None][m].pow(2).mean()


def test_pair_mining_in_parallel_cached_on_disk_and_short_clips(videos, tmp_path, monkeypatch):
    from arsr_lib.data.video import write_video
    from arsr_lib.sr import pairs

    cfg = PairConfig(patch=32, stride=(8, 8), margin=2, top_k=3)
    alone = ToSRPairDataset(VideoSource(videos), cfg, pairs_per_video=2, seed=0)
    cached = VideoSource(videos, flow_cache=tmp_path / "flows")
    parallel = ToSRPairDataset(cached, cfg, pairs_per_video=2, seed=0, workers=2)
    assert (
        parallel.items == alone.items and parallel.excluded == alone.excluded
    )  # same pairs, any worker count
    assert len(list((tmp_path / "flows").rglob("pairs-*.json"))) == len(videos)
    assert len(list((tmp_path / "flows").rglob("*.npy"))) == 2 * len(videos)  # HR flow of those pairs only
    monkeypatch.setattr(pairs, "_mine_video", lambda *a: pytest.fail("mined twice"))
    again = ToSRPairDataset(
        VideoSource(videos, flow_cache=tmp_path / "flows"), cfg, pairs_per_video=2, seed=0
    )
    assert again.items == alone.items  # a re-run reads the records
    monkeypatch.undo()
    short = write_video(tmp_path / "short.avi", read_video(videos[0])[:5])
    with pytest.raises(ValueError, match=r"at least gap \+ n_frames = 9 frames"):
        ToSRPairDataset(VideoSource([short]), cfg)
    mixed = ToSRPairDataset(VideoSource([short, videos[0]]), cfg, pairs_per_video=2, seed=0)
    assert {v for v, *_ in mixed.items} == {1}  # the short clip gives no pair; the others do


def test_every_recipe_builds_and_twenty_steps_lower_the_loss(videos, tmp_path):
    torch.set_num_threads(2)
    for recipe in ("rrdb_psnr",):  # starts from random weights: its loss must fall fast
        task, ds, cfg, out = build_recipe(recipe, tmp_experiment(tmp_path / "a"), videos, None, iters=20)
        cfg.log_every = 1
        Engine(task, ds, cfg, out, progress=False).run()
        import csv

        rows = list(csv.DictReader(open(out / "log.csv")))
        first, last = (
            np.mean([float(r["loss"]) for r in rows[:3]]),
            np.mean([float(r["loss"]) for r in rows[-3:]]),
        )
        assert len(rows) == 20 and last < 0.95 * first
    exp = tmp_experiment(tmp_path)
    for recipe in exp.recipes:  # the others build (their init comes from the runs folder)
        if recipe in ("esrgan", "sosr"):
            Engine(*build_recipe("rrdb_psnr", exp, videos, None, iters=1), progress=False).run()
        if recipe == "tosr_duf":
            Engine(*build_recipe("duf", exp, videos, None, iters=1), progress=False).run()
        task, ds, cfg, out = build_recipe(recipe, exp, videos, videos[:1], iters=2)
        cfg.log_every, cfg.val_every = 1, 2
        Engine(task, ds, cfg, out, progress=False).run()
        assert (out / "final.pt").is_file() and "val_psnr_y" in (out / "log.csv").read_text()


def test_video_sr_duf_window_padding_and_tiling(videos, tmp_path):
    lr = read_video(videos[0])[:, ::4, ::4].copy()  # any small LR clip
    torch.manual_seed(0)
    duf = DUF(nf=8, growth=4, trunk=16).eval()
    for p in duf.res_head[-1].parameters():
        torch.nn.init.normal_(p, std=0.05)
    out = super_resolve(duf, lr, batch=5)
    assert out.shape == (len(lr), 64, 64, 3)
    x = torch.from_numpy(lr).float().div(255).permute(0, 3, 1, 2)
    padded = torch.cat([torch.zeros(3, *x.shape[1:]), x, torch.zeros(3, *x.shape[1:])])
    with torch.no_grad():
        first = duf(padded[None, 0:7])[0]  # frame 0 sees three black frames before it
    np.testing.assert_array_equal(out[0], (first.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())
    vd = VDSR(depth=4, nf=8).eval()
    torch.nn.init.normal_(vd.body[-1].weight, std=0.05)
    whole, tiled = super_resolve(vd, lr), super_resolve(vd, lr, tile=6, tile_pad=6)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1  # float summation order only
    avi = save_sr(whole, tmp_path / "o.avi")
    np.testing.assert_array_equal(read_video(avi), whole)
    folder = save_sr(whole, tmp_path / "frames", fmt="png")
    assert (folder / "img_00001.png").is_file() and (folder / ".done.json").is_file()


def test_cli_sr_with_checkpoint_and_bicubic(videos, tmp_path):
    task, ds, cfg, out = build_recipe("vdsr", tmp_experiment(tmp_path), videos, None, iters=2)
    Engine(task, ds, cfg, out, progress=False).run()
    model = load_sr_model(out / "final.pt")
    assert isinstance(model, VDSR)
    for m in (str(out / "final.pt"), "bicubic"):
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "arsr_lib",
                "sr",
                videos[0],
                "--degrade",
                "-m",
                m,
                "-o",
                str(tmp_path / f"o{len(m)}.avi"),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert res.returncode == 0, res.stderr
        assert read_video(tmp_path / f"o{len(m)}.avi").shape == (12, 64, 64, 3)


_DDP = """
import sys, torch
from arsr_lib.train.engine import Engine
from arsr_lib import config
from arsr_lib.sr.recipes import build_recipe
videos, out = sys.argv[1].split(","), sys.argv[2]
exp = config.load("smoke", paths={"project": out, "reports_root": out})
task, ds, cfg, _ = build_recipe("vdsr", exp, videos, None, iters=4)
Engine(task, ds, cfg, out + "/vdsr", progress=False).run()
import torch.distributed as dist
w = task.models["g"].body[0].weight.detach().clone()
ws = [torch.zeros_like(w) for _ in range(dist.get_world_size())]
dist.all_gather(ws, w)
assert all(torch.equal(ws[0], x) for x in ws), "replicas diverged"
open(out + f"/ok_rank{dist.get_rank()}", "w").write("ok")  # files, not stdout: ranks interleave
"""


@pytest.mark.slow
def test_ddp_with_torchrun_two_cpu_processes(videos, tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(_DDP)
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            str(script),
            ",".join(videos),
            str(tmp_path / "runs"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "runs" / "ok_rank0").is_file() and (tmp_path / "runs" / "ok_rank1").is_file()
    assert (tmp_path / "runs" / "vdsr" / "final.pt").is_file()
    assert (
        len((tmp_path / "runs" / "vdsr" / "log.csv").read_text().splitlines()) == 2
    )  # header + step 4, rank 0 only


def test_cli_sr_streams_real_footage_and_fails_cleanly(realdata, tmp_path):
    """`arsr sr` on a real UCF101 clip (its x4 LR), tiled or not; a garbage file is an error naming it and
    leaves no output behind."""
    clip = sorted((realdata / "clips" / "ucf101").rglob("*.avi"))[0]
    outputs = {}
    for label, extra in (("whole", []), ("tiled", ["--tile", "24"])):
        out = tmp_path / f"{label}.avi"
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "arsr_lib",
                "sr",
                str(clip),
                "--degrade",
                "-m",
                "bicubic",
                "-o",
                str(out),
                "--max-frames",
                "3",
                "--quiet",
                *extra,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert res.returncode == 0, res.stderr
        assert "3 frames 80x60 -> 320x240" in res.stdout and "frames/s" in res.stdout
        outputs[label] = read_video(out)
    assert outputs["whole"].shape == (3, 240, 320, 3)
    np.testing.assert_array_equal(outputs["whole"], outputs["tiled"])  # bicubic sees far less than 16 px
    garbage = tmp_path / "garbage.avi"
    garbage.write_bytes(b"not a video" * 100)
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "arsr_lib",
            "sr",
            str(garbage),
            "-m",
            "bicubic",
            "-o",
            str(tmp_path / "never.avi"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 2 and "garbage.avi" in res.stderr
    assert not list(tmp_path.glob("never*")) and not list(tmp_path.glob(".never*"))


class _Points(torch.utils.data.Dataset):
    def __len__(self):
        return 64

    def __getitem__(self, i):
        x = torch.full((2,), float(i % 7))
        return {"x": x, "y": x.sum(0, keepdim=True)}


def _fit_step(batch, optimisers, autocast, models):
    optimisers["g"].zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(models["g"](batch["x"]), batch["y"])
    loss.backward()
    optimisers["g"].step()
    return {"loss": loss.item()}


def test_a_run_folder_is_trained_by_one_process_at_a_time(tmp_path):
    """While another process holds a run folder (``arsr recognisers`` beside the notebooks), ``Engine.run``
    waits for it, then reuses the finished run instead of training it again."""
    import fcntl
    import threading

    from arsr_lib.train.task import Task, TrainConfig

    def engine():
        torch.manual_seed(0)
        task = Task(models={"g": torch.nn.Linear(2, 1)}, step=_fit_step, signature={"test": 1})
        cfg = TrainConfig(iters=20, batch=4, lr=1e-2)
        return Engine(task, _Points(), cfg, tmp_path / "run", "cpu", progress=False)

    (tmp_path / "run").mkdir()
    holder = open(tmp_path / "run" / ".lock", "a")
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's lock (flock is per open file)
    results = []
    waiting = threading.Thread(target=lambda: results.append(engine().run()))
    waiting.start()
    time.sleep(1.0)
    assert waiting.is_alive() and not results and not (tmp_path / "run" / "final.pt").exists()
    assert engine()._run()["cached"] is False  # the holder trains the run meanwhile
    fcntl.flock(holder, fcntl.LOCK_UN)
    holder.close()
    waiting.join(60)
    assert results == [{"step": 20, "resumed": True, "cached": True}]  # the waiter reused it


def test_super_resolve_takes_one_frame_and_grey_images():
    import cv2

    from arsr_lib.models.bicubic import BicubicSR

    model = BicubicSR()
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (2, 10, 12, 3), np.uint8)
    frames = super_resolve(model, rgb)
    assert frames.shape == (2, 40, 48, 3)
    np.testing.assert_array_equal(super_resolve(model, rgb[0]), frames[0])
    grey = rgb[0, ..., 0]
    out = super_resolve(model, grey)
    assert out.shape == (40, 48) and out.dtype == np.uint8
    three = super_resolve(model, np.repeat(grey[..., None], 3, axis=2))
    np.testing.assert_array_equal(out, cv2.cvtColor(three, cv2.COLOR_RGB2GRAY))
    np.testing.assert_array_equal(super_resolve(model, grey[None, ..., None])[0, ..., 0], out)
    with pytest.raises(ValueError, match=r"got \(10, 12, 2\) uint8"):
        super_resolve(model, rgb[0, ..., :2])
