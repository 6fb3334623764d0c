"""The one device switch, bf16 inference against fp32, out-of-memory errors that name what to lower, and the
GPU check's code path on the CPU."""

import os
import platform
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from arsr_lib import config
from arsr_lib.core.devices import resolve_device
from arsr_lib.core.errors import SRMemoryError
from arsr_lib.models import build_model, pretrained
from arsr_lib.sr.inference import save_sr, super_resolve, super_resolve_stream
from arsr_lib.sr.metrics import psnr_y

from conftest import ROOT, tmp_experiment


def test_device_switch():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="auto, cpu, cuda"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="compute.device"):
        config.load("smoke", compute={"device": "gpu0"})
    assert config.load("paper", env={}).compute.bf16_inference  # the GPU run's SR and scoring in bf16


@pytest.mark.slow
def test_bf16_inference_matches_fp32_within_005_db(tmp_path, set5):
    """The pretrained RRDBNet (23 blocks) on five Set5 crops (the MATLAB x4 LR): PSNR-Y over the batch with
    bf16 autocast within 0.05 dB of fp32 (CPU bf16 here; the GPU path is the same autocast)."""
    s = 24
    lr = np.stack(
        [
            cv2.imread(str(set5 / f"img_00{i}_SRF_4_LR.png"))[16 : 16 + s, 16 : 16 + s, ::-1]
            for i in range(1, 6)
        ]
    )
    hr = np.stack(
        [
            cv2.imread(str(set5 / f"img_00{i}_SRF_4_HR.png"))[64 : 64 + 4 * s, 64 : 64 + 4 * s, ::-1]
            for i in range(1, 6)
        ]
    )
    model = pretrained.load_pretrained("realesrgan-x4plus", tmp_path)
    fp32 = psnr_y(super_resolve(model, lr), hr)
    bf16 = psnr_y(super_resolve(model, lr, amp=True), hr)
    assert abs(fp32 - bf16) <= 0.05, (fp32, bf16)


class _OutOfMemory(torch.nn.Module):
    scale = 4

    def forward(self, x):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


def test_out_of_memory_names_batch_and_tile_and_writes_nothing(tmp_path):
    frames = np.zeros((3, 16, 16, 3), np.uint8)
    with pytest.raises(SRMemoryError, match=r"lower `batch` \(now 2\) or `tile`.*now 8"):
        list(super_resolve_stream(_OutOfMemory(), frames, batch=2, tile=8))
    out = tmp_path / "sr.avi"
    with pytest.raises(SRMemoryError):
        save_sr(super_resolve_stream(_OutOfMemory(), frames, batch=2), out)
    assert not out.exists() and not list(tmp_path.iterdir())  # no half-written video
    # a real model still runs
    assert super_resolve(build_model("bicubic"), frames).shape == (3, 64, 64, 3)


@pytest.mark.slow
def test_gpu_check_runs_tiny_on_the_cpu(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "gpu_check.py"),
            "--tiny",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    import json

    result = json.loads((tmp_path / "gpu_check_tiny.json").read_text())
    for key in (
        "rrdb_fp32_fps",
        "rrdb_bf16_fps",
        "train_esrgan_its",
        "score_tsn_rgb_videos_per_s",
        "tvl1_pairs_per_s",
    ):
        assert result[key] > 0
    assert (
        result["projection_hours"]["hours_here"] > 0
        and result["projection_hours"]["hours_h100_projection"] > 0
    )
    assert {r["stage"] for r in result["projection_hours"]["rows"]} >= {
        "SR training sosr",
        "scoring tsn_rgb (10 methods/pairings)",
        "LR oracle training tsn_rgb",
    }
    assert "H100 projection" in (tmp_path / "gpu_check_tiny.md").read_text()
    # without a GPU and without --tiny it refuses clearly
    if not torch.cuda.is_available():
        res = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py")], capture_output=True, text=True
        )
        assert res.returncode == 2 and "no CUDA device" in res.stderr


def test_cpu_numerics_are_pinned_for_the_cpu_profiles(monkeypatch):
    from arsr_lib import config
    from arsr_lib.core.devices import pin_cpu_numerics

    smoke, synth = config.load("smoke").compute, config.load("synth").compute
    # smoke: one thread in each of two processes (the recogniser lane); synth: the committed run's 2 threads
    assert (smoke.threads, smoke.cpu_isa, smoke.recogniser_lane) == (1, "AVX2", True)
    assert (synth.threads, synth.cpu_isa, synth.recogniser_lane) == (2, "AVX2", False)
    before = torch.get_num_threads()
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")  # one the user set is kept
    try:
        pin_cpu_numerics(1, "AVX2")
        assert torch.get_num_threads() == 1
        assert os.environ["ONEDNN_MAX_CPU_ISA"] == "AVX2" and os.environ["MKL_CBWR"] == "COMPATIBLE"
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="compute.threads"):
        pin_cpu_numerics(0, None)


def test_numpy_blas_threads_are_limited_at_run_time():
    from threadpoolctl import ThreadpoolController

    from arsr_lib import config
    from arsr_lib.config.compute import ComputeConfig
    from arsr_lib.core.devices import pin_cpu_numerics

    assert config.load("smoke").compute.blas_threads == 1 and config.load("paper").compute.blas_threads == 1
    openblas = ThreadpoolController().select(internal_api="openblas")
    before = [i["num_threads"] for i in openblas.info()]
    assert before, "numpy's BLAS is OpenBLAS in the pinned wheels"
    try:
        openblas.limit(limits=2)  # so that the test fails on a 1-core machine too if nothing is limited
        pin_cpu_numerics(None, None, blas_threads=1)
        assert [i["num_threads"] for i in ThreadpoolController().select(internal_api="openblas").info()] == [
            1
        ] * len(before)
    finally:
        for lib, n in zip(openblas.lib_controllers, before):
            lib.set_num_threads(n)
    with pytest.raises(ValueError, match="compute.blas_threads"):
        ComputeConfig(blas_threads=0)


class _Libc:
    """A C library's ``mallopt`` that records its calls (1: accepted, 0: refused)."""

    def __init__(self, answer=1):
        self.calls, self.answer = [], answer

    def mallopt(self, param, value):
        self.calls.append((param, value.value))
        return self.answer


def test_malloc_thresholds_are_set_together_and_checked():
    from arsr_lib.config.compute import ComputeConfig
    from arsr_lib.core.devices import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, pin_malloc

    libc = _Libc()
    assert pin_malloc(32, 256, libc=libc) is True
    assert libc.calls == [(M_MMAP_THRESHOLD, 32 << 20), (M_TRIM_THRESHOLD, 256 << 20)]
    assert pin_malloc(None, None, libc=libc) is False and len(libc.calls) == 2  # glibc's dynamic thresholds
    with pytest.raises(ValueError, match="compute.malloc_mmap_mb = 32: glibc's mallopt refused"):
        pin_malloc(32, 256, libc=_Libc(answer=0))
    with pytest.warns(UserWarning, match="no mallopt"):
        assert pin_malloc(32, 256, libc=object()) is False
    with pytest.raises(ValueError, match="set together"):
        ComputeConfig(malloc_mmap_mb=32)
    with pytest.raises(
        ValueError, match=r"compute.malloc_trim_mb = 4096 is out of range: it must be in \[1, 2047\]"
    ):
        ComputeConfig(malloc_mmap_mb=32, malloc_trim_mb=4096)
    if platform.libc_ver()[0] == "glibc":  # this process's own allocator accepts them
        assert pin_malloc(32, 256) is True


def test_the_cpu_profiles_keep_the_heap_and_every_entry_point_sets_it(monkeypatch, tmp_path):
    """glibc's threshold pinned at its initial 128 kB (60fe183) made every large temporary of a training step
    an mmap of its own (reports/benchmarks/cache_rss.md); the profiles' threshold is far above a step's
    temporaries and below the caches' 64 MiB slabs, which stay mapped on their own."""
    import argparse

    from arsr_lib.core import devices
    from arsr_lib.run import commands, notebook

    for name in ("ci", "smoke", "synth"):
        c = config.load(name).compute
        assert (c.malloc_mmap_mb, c.malloc_trim_mb) == (32, 256)
    seen = []
    monkeypatch.setattr(devices, "pin_malloc", lambda m, t: seen.append(("command", m, t)))
    monkeypatch.setattr(notebook, "pin_malloc", lambda m, t: seen.append(("notebook", m, t)))
    before = torch.get_num_threads()
    try:
        commands._experiment(argparse.Namespace(config=None, profile="ci", device=None))
        notebook.start(tmp_experiment(tmp_path, "ci"), load_data=False)
    finally:
        torch.set_num_threads(before)
    assert seen == [("command", 32, 256), ("notebook", 32, 256)]


def test_an_unindexed_gpu_is_the_ranks_own_under_torchrun(monkeypatch):
    """One rule for the training engine, SR training's flow warm-up and ``arsr frames``: under torchrun an
    unindexed ``cuda`` is ``cuda:LOCAL_RANK`` (every rank on cuda:0 otherwise); an index or the CPU stays."""
    import torch

    from arsr_lib.core.devices import rank_device

    cuda = torch.device("cuda")
    assert rank_device(cuda) == cuda  # no torchrun
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert rank_device(cuda) == torch.device("cuda:3")
    assert rank_device(torch.device("cuda:1")) == torch.device("cuda:1")
    assert rank_device(torch.device("cpu")) == torch.device("cpu")
