"""A training killed with SIGKILL midway and run again ends with the weights of an uninterrupted run, bit for
bit: a recogniser with dropout (its masks are drawn from the step, not from the generator's history) and an SR
GAN fine-tune (generator and discriminator, two optimisers)."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from arsr_lib.data import synth
from arsr_lib.train.checkpoint import load_final

from conftest import ROOT

ITERS = 60

_TRAIN = f"""
import sys, torch
torch.set_num_threads(1)
from pathlib import Path
from arsr_lib import config
from arsr_lib.data.splitfiles import load_ucf101
from arsr_lib.train.engine import Engine
kind, root, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
exp = config.load(
    "smoke",
    paths={{"project": out, "reports_root": out}},
    recognition={{"iters": {{"tsn_rgb": {ITERS}}}, "schedule": {{"ckpt_every": 5}}}},
)
ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
if kind == "sosr":
    from arsr_lib.sr.recipes import build_recipe
    videos = [ds.path(i) for i in ds.train]
    Engine(*build_recipe("rrdb_psnr", exp, videos, None, iters=1), progress=False).run()  # its init
    task, dataset, cfg, _ = build_recipe("sosr", exp, videos, None, iters={ITERS})
    cfg.ckpt_every = 5
    Engine(task, dataset, cfg, out + "/sosr", progress=False).run()
else:
    from arsr_lib.recognition.training import train_recognisers
    train_recognisers(ds, root.parent / "hr", out + "/runs", exp.recognition, progress=False, upto="tsn_rgb")
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A few SynthActions clips and their HR rawframes (what the recognisers train on)."""
    from arsr_lib.data.extract import extract_dataset
    from arsr_lib.data.frames import FramesConfig
    from arsr_lib.data.splitfiles import load_ucf101

    tmp = tmp_path_factory.mktemp("resume")
    cfg = synth.SynthConfig(classes=("Wave", "ArmCircle", "WalkLeft"), groups=3, clips_per_group=1, frames=10)
    root = synth.generate(tmp / "synth", cfg, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
    extract_dataset(ds, tmp / "hr", FramesConfig(variant="hr", flow_method="dis"), progress=False)
    return root


def _run(kind: str, root, out, kill: bool = False) -> None:
    cmd = [sys.executable, "-c", _TRAIN, kind, str(root), str(out)]
    if not kill:
        subprocess.run(cmd, check=True, cwd=ROOT)
        return
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)
    last = _run_dir(kind, out) / "last.pt"
    deadline = time.time() + 300
    while time.time() < deadline and not last.exists() and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _run_dir(kind: str, out):
    return out / "sosr" if kind == "sosr" else out / "runs" / kind


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tsn_rgb", "sosr"])
def test_a_killed_training_resumes_to_the_weights_of_an_uninterrupted_one(dataset, tmp_path, kind):
    _run(kind, dataset, tmp_path / "ref")
    _run(kind, dataset, tmp_path / "run", kill=True)
    run = _run_dir(kind, tmp_path / "run")
    assert (run / "last.pt").exists() and not (run / "final.pt").exists(), "the kill should land midway"
    killed_at = torch.load(run / "last.pt", weights_only=True)["step"]
    assert 5 <= killed_at < ITERS
    _run(kind, dataset, tmp_path / "run")
    ref = load_final(_run_dir(kind, tmp_path / "ref") / "final.pt")["models"]
    got = load_final(run / "final.pt")["models"]
    assert set(ref) == set(got)
    for name in ref:
        differ = [k for k in ref[name] if not torch.equal(ref[name][k], got[name][k])]
        assert not differ, f"{kind} resumed from step {killed_at}: {name} differs in {differ[:3]}"
    rows = (run / "log.csv").read_text().splitlines()
    assert len(rows) == 1 + ITERS // 10  # header + one row per 10 steps, nothing duplicated by the resume
