"""The batched torch TV-L1 against OpenCV's on small inputs, its batching, and its bad input."""

import cv2
import numpy as np
import pytest
import torch

from arsr_lib.data import tvl1
from arsr_lib.data.flow import compute_flow

from conftest import textured_frames


def _pairs(frames):
    return [(frames[i], frames[i + 1]) for i in range(len(frames) - 1)]


def test_grey_conversion_is_opencvs_bit_for_bit():
    rgb = np.random.default_rng(0).integers(0, 256, (3, 17, 23, 3), dtype=np.uint8)
    ours = tvl1.rgb_to_grey(torch.from_numpy(rgb)).numpy()
    theirs = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in rgb]).astype(np.float32)
    assert np.array_equal(ours, theirs)


def test_flow_matches_opencvs_tvl1_on_a_moving_texture():
    frames = textured_frames(t=3, h=48, w=64, shift=(2, 1))
    ours = np.stack(tvl1.tvl1_flow(_pairs(frames)))
    theirs = compute_flow(frames, "tvl1")
    epe = np.linalg.norm(ours - theirs, axis=-1)
    assert epe.mean() < 0.05, epe.mean()
    inner = ours[:, 8:-8, 8:-8]
    assert np.allclose(inner.mean(axis=(0, 1, 2)), (2, 1), atol=0.15)  # the texture's motion


def test_a_pairs_flow_does_not_depend_on_its_batch():
    """Each pair stops iterating on its own bound: batched with others or alone, one flow."""
    a = textured_frames(t=2, h=32, w=32, shift=(1, 0), seed=1)
    b = textured_frames(t=2, h=32, w=32, shift=(0, 0), seed=2)  # still: converges early
    c = textured_frames(t=2, h=40, w=32, shift=(0, 2), seed=3)  # another size: its own group
    alone = tvl1.tvl1_flow(_pairs(a))[0]
    batched = tvl1.tvl1_flow(_pairs(a) + _pairs(b) + _pairs(c), batch=8)
    assert np.allclose(batched[0], alone, atol=1e-5)
    assert batched[2].shape == (40, 32, 2)
    assert np.abs(batched[1]).max() < 0.05


def test_the_cost_model_counts_every_levels_iterations():
    # 320x240, scale step 0.5, 5 levels (the 20x15 one is under 16 px: 4 levels), 5 x 10 x 30 per level
    n = tvl1.iterations_per_pair(240, 320)
    assert n == pytest.approx(1500 * (1 + 1 / 4 + 1 / 16 + 1 / 64))


@pytest.mark.parametrize(
    "pair, match",
    [
        ((np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8)), "different sizes"),
        ((np.zeros((1, 8, 3), np.uint8), np.zeros((1, 8, 3), np.uint8)), "too small"),
        ((np.zeros((8, 8), np.float32), np.zeros((8, 8), np.float32)), "uint8"),
    ],
)
def test_bad_pairs_are_named(pair, match):
    with pytest.raises(ValueError, match=match):
        tvl1.tvl1_flow([pair])


def test_nan_frames_and_a_bad_batch_are_refused_and_constant_frames_give_zero_flow():
    g = torch.zeros(1, 8, 8)
    with pytest.raises(ValueError, match="NaN"):
        tvl1.tvl1_batch(g, g.clone().fill_(float("nan")))
    with pytest.raises(ValueError, match="batch must be"):
        tvl1.tvl1_flow([], batch=0)
    flat = np.full((24, 24, 3), 128, np.uint8)
    assert np.abs(tvl1.tvl1_flow([(flat, flat)])[0]).max() == 0


@pytest.mark.slow
def test_the_accuracy_and_speed_benchmark_runs_quick(tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    out = tmp_path / "bench"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench_tvl1.py"), "--quick", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    r = json.loads(out.with_suffix(".json").read_text())
    assert r["real"]["torch: quantised within one level (%)"] > 90
    assert r["synth"]["torch / OpenCV, actor EPE"] < 1.05
    assert all(s["torch pairs/s"] > 0 for s in r["speed"])


def test_tvl1_torch_is_a_flow_method_of_the_pipeline():
    """One implementation per experiment: ``data.flow_method = "tvl1_torch"`` reaches every flow the run
    computes through ``compute_flow`` (rawframes, SR test frames, ToSR mining, SoSR weight maps)."""
    from arsr_lib import config
    from arsr_lib.data.flow import make_flow_engine

    frames = textured_frames(t=3, h=32, w=40, shift=(1, 1))
    batched = compute_flow(frames, "tvl1_torch")
    assert batched.shape == (2, 32, 40, 2)
    one = make_flow_engine("tvl1_torch").calc(frames[0][..., 0], frames[1][..., 0], None)
    assert one.shape == (32, 40, 2)
    assert np.linalg.norm(batched - compute_flow(frames, "tvl1"), axis=-1).mean() < 0.05
    exp = config.load("smoke", data={"flow_method": "tvl1_torch"})
    assert (
        exp.data.flow_method == "tvl1_torch" and config.load("paper", env={}).data.flow_method == "tvl1_torch"
    )


def test_tvl1_torch_in_a_forked_pool_after_the_parent_used_torch_threads(tmp_path):
    """The rawframes and SR-test-frame pools fork workers; torch's thread pool, once used by the parent, must
    not deadlock the workers' TV-L1 (it did: the paper dry run hung in notebook 01)."""
    import subprocess
    import sys

    script = (
        "import torch, numpy as np, sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from conftest import textured_frames\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from arsr_lib.data.flow import compute_flow\n"
        "torch.set_num_threads(2); (torch.rand(512, 512) @ torch.rand(512, 512)).sum()\n"
        "frames = [textured_frames(t=3, h=32, w=32, seed=k) for k in range(2)]\n"
        "with ProcessPoolExecutor(2) as pool:\n"
        "    out = list(pool.map(compute_flow, frames, ['tvl1_torch'] * 2))\n"
        "print(len(out), out[0].shape)\n"
    )
    from conftest import ROOT

    res = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert "2 (2, 32, 32, 2)" in res.stdout


def test_flow_device_is_the_gpu_for_the_torch_tvl1_only():
    import torch

    from arsr_lib.data.flow import flow_device

    cuda = torch.device("cuda")
    assert flow_device("tvl1_torch", cuda) == cuda and flow_device("tvl1_torch", "cuda:1") == torch.device(
        "cuda:1"
    )
    # the CPU: worker processes with one thread each; the OpenCV methods: never on a device
    assert flow_device("tvl1_torch", "cpu") is None and flow_device("tvl1", cuda) is None
    assert flow_device(None, cuda) is None


def _videos(root, n, t=5):
    from arsr_lib.data.video import write_video

    jobs = []
    for k in range(n):
        video = root / "src" / f"v_C_g{k + 1:02d}_c01.avi"
        video.parent.mkdir(parents=True, exist_ok=True)
        write_video(video, textured_frames(t, 40, 48, shift=(1 + k % 2, 1), seed=k))
        jobs.append((video, root / "out" / video.stem))
    return jobs


def _flow_jpegs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.glob("flow_*.jpg"))} | {
        p.name: p.read_bytes() for p in sorted(folder.glob("img_*.jpg"))
    }


def test_the_device_pipeline_writes_what_the_workers_write(tmp_path):
    """The GPU path (flow in this process, decoding and JPEGs in spawned workers) run on the CPU here: the
    same folders, byte for byte, as each worker extracting its videos whole; a complete folder is skipped."""
    from arsr_lib.data.extract import extract_many
    from arsr_lib.data.frames import FramesConfig

    cfg = FramesConfig(flow_method="tvl1_torch")
    jobs = _videos(tmp_path, 3)
    ref_jobs = [(v, tmp_path / "ref" / o.name) for v, o in jobs]
    assert extract_many(ref_jobs, cfg, workers=2, progress=False)["done"] == 3
    counts = extract_many(jobs, cfg, workers=2, progress=False, flow_device="cpu", flow_batch=3)
    assert counts == {"done": 3, "skipped": 0, "failed": 0}
    for (_, out), (_, ref) in zip(jobs, ref_jobs):
        assert _flow_jpegs(out) == _flow_jpegs(ref) and len(_flow_jpegs(out)) == 5 + 2 * 4
    again = extract_many(jobs, cfg, workers=2, progress=False, flow_device="cpu")
    assert again == {"done": 0, "skipped": 3, "failed": 0}
    with pytest.raises(ValueError, match="flow_device='cpu' is for the torch TV-L1, not flow method 'dis'"):
        extract_many(jobs, FramesConfig(flow_method="dis"), progress=False, flow_device="cpu")


def test_the_device_pipeline_names_a_bad_video_and_stops_on_out_of_memory(tmp_path, monkeypatch):
    from arsr_lib.core.errors import ExtractionError
    from arsr_lib.data import extract as extract_mod
    from arsr_lib.data.extract import extract_many
    from arsr_lib.data.frames import FramesConfig

    cfg = FramesConfig(flow_method="tvl1_torch")
    jobs = _videos(tmp_path, 3)
    jobs[1][0].write_bytes(b"not a video")
    with pytest.raises(ExtractionError, match=r"1 of 3 video\(s\) failed:\s+\S*v_C_g02_c01.avi"):
        extract_many(jobs, cfg, workers=2, progress=False, flow_device="cpu")
    assert jobs[0][1].is_dir() and jobs[2][1].is_dir() and not jobs[1][1].exists()

    def no_memory(*a, **k):
        raise MemoryError("tvl1_flow: 16 pairs of 48x40 px do not fit on cuda: lower compute.flow_batch")

    monkeypatch.setattr(extract_mod, "compute_flow", no_memory)
    fresh = [(v, tmp_path / "oom" / o.name) for v, o in jobs[::2]]
    with pytest.raises(MemoryError, match="compute.flow_batch"):
        extract_many(fresh, cfg, workers=2, progress=False, flow_device="cpu")
    oom = tmp_path / "oom"
    assert not oom.exists() or not any(p for p in oom.iterdir() if (p / "img_00001.jpg").exists())


def test_sr_test_frames_flow_on_the_device_equals_the_workers(tmp_path):
    from arsr_lib.data.flow import compute_flow
    from arsr_lib.sr.testframes import device_flows

    frames = textured_frames(t=4, h=32, w=40, shift=(1, 0))
    pairs = {0: (frames[0], frames[1]), 2: (frames[2], frames[3])}
    got = device_flows(pairs, "tvl1_torch", "cpu", batch=2)
    assert sorted(got) == [0, 2]
    for k, (a, b) in pairs.items():
        np.testing.assert_array_equal(got[k], compute_flow(np.stack([a, b]), "tvl1_torch")[0])


def test_arsr_frames_under_torchrun_takes_its_ranks_share(tmp_path, monkeypatch, capsys):
    from arsr_lib.run.cli import main

    jobs = _videos(tmp_path, 4, t=3)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    videos = [str(v) for v, _ in jobs]
    assert main(["frames", "--video", *videos, "--out", str(tmp_path / "f"), "--flow", "dis", "--quiet"]) == 0
    made = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert made == [jobs[1][0].stem, jobs[3][0].stem]  # rank 1 of 2: the 2nd and 4th videos
    assert "flow on" not in capsys.readouterr().out  # no GPU here: no device path


def test_sr_training_flow_is_warmed_on_the_device_and_read_back(tmp_path):
    """The HR flow of SR training pairs, computed before training where the device is (here the CPU): the
    cache then holds what a DataLoader worker would have computed, and a second warm computes nothing."""
    from arsr_lib.sr.srdata import FLOW_DTYPE, VideoSource

    jobs = _videos(tmp_path, 2, t=4)
    paths = [v for v, _ in jobs]
    warm = VideoSource(paths, flow_method="tvl1_torch", flow_cache=tmp_path / "cache")
    assert warm.warm_flows((1, 2), "cpu", batch=2, videos=[1]) == 3 + 2  # one rank's share
    assert warm.warm_flows((1, 2), "cpu", batch=2) == 3 + 2  # the other video only
    assert warm.warm_flows((1, 2), "cpu", batch=2) == 0
    fresh = VideoSource(paths, flow_method="tvl1_torch")  # no cache: computed as a sample needs it
    for v in range(2):
        for t0, t1 in ((0, 1), (2, 3), (1, 3)):
            np.testing.assert_array_equal(warm.flow_between(v, t0, t1), fresh.flow_between(v, t0, t1))
    assert warm.flow_between(0, 0, 1).dtype == np.float32 and FLOW_DTYPE == np.float16
    with pytest.raises(ValueError, match="no flow_cache"):
        fresh.warm_flows((1,), "cpu", batch=2)
