import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from arsr_lib.core.atomic import MARKER, read_marker
from arsr_lib.core.errors import ExtractionError
from arsr_lib.core.shards import parse_shard
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig, extract_video
from arsr_lib.data.rawframes import load_rawframes
from arsr_lib.data.splitfiles import load_folder
from arsr_lib.data.video import write_video

from conftest import ROOT, textured_frames


def _make_videos(root: Path, n: int, t: int = 6, h: int = 48, w: int = 64) -> Path:
    for k in range(n):
        cls = f"class{k % 2}"
        (root / cls).mkdir(parents=True, exist_ok=True)
        write_video(
            root / cls / f"v_{cls}_g{k + 1:02d}_c01.avi",
            textured_frames(t, h, w, shift=(1 + k % 3, k % 2), seed=k),
        )
    return root


def _tree(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }


def test_layout_variants_and_readback(tmp_path):
    src = _make_videos(tmp_path / "src", 1, t=5, h=50, w=66)
    video = next(src.rglob("*.avi"))
    for variant, shape in [("hr", (50, 66)), ("lr", (12, 16)), ("bicubic", (48, 64))]:
        out = tmp_path / variant
        assert extract_video(video, out, FramesConfig(variant=variant, flow_method="dis"))[0] == "done"
        names = sorted(p.name for p in out.iterdir())
        assert (
            names[:2] == [MARKER, "flow_x_00001.jpg"]
            and "img_00005.jpg" in names
            and "flow_y_00004.jpg" in names
        )
        assert "flow_x_00005.jpg" not in names  # T-1 flows
        frames, flow = load_rawframes(out)
        assert frames.shape == (5, *shape, 3) and flow.shape == (4, *shape, 2)
        assert read_marker(out)["config"]["variant"] == variant
    # same config again -> skipped; another config -> redone
    assert (
        extract_video(video, tmp_path / "hr", FramesConfig(variant="hr", flow_method="dis"))[0] == "skipped"
    )
    assert (
        extract_video(video, tmp_path / "hr", FramesConfig(variant="hr", flow_method="farneback"))[0]
        == "done"
    )


def test_png_frames_are_lossless(tmp_path):
    src = _make_videos(tmp_path / "src", 1, t=3)
    video = next(src.rglob("*.avi"))
    extract_video(video, tmp_path / "o", FramesConfig(image_ext="png", flow_method=None, min_frames=1))
    frames, flow = load_rawframes(tmp_path / "o")
    from arsr_lib.data.video import read_video

    np.testing.assert_array_equal(frames, read_video(video))
    assert flow is None


def test_failures_are_reported_and_others_complete(tmp_path):
    src = _make_videos(tmp_path / "src", 3, t=4)
    (src / "class0" / "v_class0_g09_c01.avi").write_bytes(b"garbage" * 100)  # corrupt
    (src / "class1" / "v_class1_g10_c01.avi").write_bytes(b"")  # empty
    write_video(src / "class1" / "v_class1_g11_c01.avi", textured_frames(1, 48, 64))  # too short for flow
    ds = load_folder(src)
    with pytest.raises(ExtractionError) as exc:
        extract_dataset(ds, tmp_path / "out", FramesConfig(), subsets=("test",), progress=False)
    msg = str(exc.value)
    assert "3 of 6 video(s) failed" in msg
    assert "v_class0_g09_c01.avi" in msg and "v_class1_g10_c01.avi: VideoError" in msg and "empty file" in msg
    assert "v_class1_g11_c01.avi" in msg and "at least 2 needed" in msg
    assert len(list((tmp_path / "out").rglob(MARKER))) == 3
    assert not list((tmp_path / "out").rglob(".*partial*"))
    assert not (tmp_path / "out" / "class0" / "v_class0_g09_c01").exists()


def test_shards_partition_the_jobs(tmp_path):
    src = _make_videos(tmp_path / "src", 5, t=3)
    ds = load_folder(src)
    cfg = FramesConfig(flow_method=None, min_frames=1)
    counts = [
        extract_dataset(ds, tmp_path / "out", cfg, subsets=("test",), shard=f"{k}/2", progress=False)["done"]
        for k in (1, 2)
    ]
    assert counts == [3, 2] and len(list((tmp_path / "out").rglob(MARKER))) == 5
    assert parse_shard(None) == (1, 1)
    with pytest.raises(ValueError, match="k/n"):
        parse_shard("3")
    with pytest.raises(ValueError, match="1 <= k <= n"):
        parse_shard("3/2")


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write: chmod 555, or for root (which ignores modes) a read-only tmpfs."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        os.chmod(ro, 0o555)
        yield ro
        os.chmod(ro, 0o755)
        return
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)], capture_output=True, text=True
    )
    if res.returncode != 0:
        pytest.skip(f"running as root and cannot mount a read-only tmpfs: {res.stderr.strip()}")
    try:
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], check=False)


def test_read_only_output_folder(tmp_path, read_only_dir):
    src = _make_videos(tmp_path / "src", 1, t=3)
    out = read_only_dir / "frames"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "arsr_lib",
            "frames",
            "--dataset",
            "folder",
            "--root",
            str(src),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 2, res.stderr
    assert f"output folder {out}" in res.stderr and "not writable" in res.stderr
    assert not out.exists()


@pytest.mark.slow
def test_kill_midway_then_resume_equals_uninterrupted_run(tmp_path):
    src = _make_videos(tmp_path / "src", 6, t=24, h=64, w=80)
    args = ["--dataset", "folder", "--root", str(src), "--flow", "tvl1", "--quiet"]

    def run(out):
        return subprocess.run(
            [sys.executable, "-m", "arsr_lib", "frames", *args, "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    ref = tmp_path / "ref"
    assert run(ref).returncode == 0
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "arsr_lib", "frames", *args, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.rglob(MARKER)):
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the next video
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(out.rglob(MARKER)))
    assert 1 <= done_before < 6, "the kill should land midway"
    res = run(out)
    assert res.returncode == 0, res.stderr
    assert f"{6 - done_before} extracted, {done_before} already complete" in res.stdout
    assert not list(out.rglob(".*partial*"))
    assert _tree(out) == _tree(ref)


def test_one_reader_serves_recognition_and_the_viewer(tmp_path):
    """read_rawframes gives the stored uint8 frames / quantised flow; load_rawframes is it, dequantised."""
    from arsr_lib.data.flow import dequantize
    from arsr_lib.data.rawframes import read_rawframes
    from arsr_lib.recognition.clips import read_snippets

    src = _make_videos(tmp_path / "src", 1, t=4, h=32, w=40)
    out = tmp_path / "hr"
    extract_video(next(src.rglob("*.avi")), out, FramesConfig(variant="hr", flow_method="dis"))
    frames, flow = load_rawframes(out)
    rgb, quantised = read_rawframes(out, "rgb"), read_rawframes(out, "flow")
    assert rgb.dtype == quantised.dtype == np.uint8 and quantised.shape == (3, 32, 40, 2)
    np.testing.assert_array_equal(rgb, frames)
    np.testing.assert_array_equal(dequantize(quantised), flow)
    # the recogniser reads only the images its snippets use, the same bytes
    np.testing.assert_array_equal(read_rawframes(out, "flow", [2, 0]), quantised[[2, 0]])
    meta = json.loads((out / ".done.json").read_text())
    snippets = read_snippets(str(out), "flow", [1], 2, meta)
    np.testing.assert_array_equal(snippets[0], np.concatenate([quantised[1], quantised[2]], -1))
    with pytest.raises(ExtractionError, match="flow image 4 was not extracted"):
        read_rawframes(out, "flow", [3])
    with pytest.raises(ValueError, match="modality must be 'rgb' or 'flow'"):
        read_rawframes(out, "depth")
    with pytest.raises(ExtractionError, match="not a complete rawframes folder"):
        read_rawframes(tmp_path, "rgb")
