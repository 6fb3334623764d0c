"""The commands a new user runs first, in an empty copy of the checkout (no data/, no runs/): each prepares
what it needs by the notebooks' stage code and leaves reports/ alone; ``arsr evaluate`` under ``torchrun``
(two CPU processes, gloo) writes the tables of an unsharded run, byte for byte; a failing rank takes the
others down."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT

TABLES = ("spatial", "temporal", "fusion", "paired_tests")


def _tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """The checkout's files (what git tracks, and what it would), without data/ and runs/."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    copy = tmp_path_factory.mktemp("checkout") / "arsr"
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file() and not rel.startswith(("data/rawframes", "runs/")):
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, copy / rel)
    assert not (copy / "runs").exists() and not (copy / "data" / "synth").exists()
    return copy


def _arsr(copy: Path, *args: str, torchrun: int = 0, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    env.pop("ARSR_REPORTS_DIR", None)
    launcher = [sys.executable]
    if torchrun:
        launcher += ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={torchrun}"]
    return subprocess.run(
        [*launcher, "-m", "arsr_lib", *args],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_arsr_recognisers_prepares_its_data_in_an_empty_checkout(checkout):
    reports = _tree(checkout / "reports")
    done = _arsr(checkout, "recognisers", "--profile", "ci", "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    for kind in ("tsn_rgb", "tsn_flow", "stresnet"):
        assert (checkout / "runs" / "ci" / kind / "final.pt").is_file()
        assert f"{kind} (ci): " in done.stdout
    assert _tree(checkout / "reports") == reports, "arsr recognisers wrote under reports/"


@pytest.mark.slow
def test_arsr_train_trains_the_run_its_recipe_starts_from(checkout):
    done = _arsr(checkout, "train", "--recipe", "tosr_duf", "--profile", "ci", "--iters", "2", "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    runs = checkout / "runs" / "ci"
    assert (runs / "duf" / "final.pt").is_file() and (runs / "tosr_duf" / "final.pt").is_file()


@pytest.mark.slow
def test_evaluate_under_torchrun_writes_the_tables_of_an_unsharded_run(checkout, tmp_path):
    """Unsharded first (it trains the SR runs it needs); then, with the scores and SR test frames removed, two
    ranks each make and score their share, and rank 0 merges: reusing the finished runs enters no collective
    (the other rank has returned). A share never makes what the others read too: before the unsharded run it
    stops, naming what is missing."""
    done = _arsr(checkout, "evaluate", "--profile", "ci", "--quiet", "--shard", "1/2")
    assert done.returncode == 2 and "needs a prepared run; missing: " in done.stderr, done.stderr[-2000:]
    assert "SR run esrgan" in done.stderr and "Traceback" not in done.stderr
    done = _arsr(checkout, "evaluate", "--profile", "ci", "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    out = checkout / "reports" / "ci"
    unsharded = {t: (out / f"evaluate_{t}.csv").read_bytes() for t in TABLES}
    shutil.rmtree(checkout / "runs" / "ci" / "scores")
    shutil.rmtree(checkout / "data" / "rawframes" / "synth-smoke" / "sr-ci")
    for t in TABLES:
        (out / f"evaluate_{t}.csv").unlink()
    done = _arsr(checkout, "evaluate", "--profile", "ci", "--quiet", torchrun=2)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    shards = sorted(p.name for p in (checkout / "runs" / "ci" / "scores").glob("tsn_rgb-rgb-HR.shard-*.npz"))
    assert shards == ["tsn_rgb-rgb-HR.shard-1-of-2.npz", "tsn_rgb-rgb-HR.shard-2-of-2.npz"]
    for t in TABLES:
        assert (out / f"evaluate_{t}.csv").read_bytes() == unsharded[t], t


_FAILING_RANK = """
import os, sys
from arsr_lib.run.evaluate import _barrier
if os.environ["RANK"] == "1":
    sys.exit("rank 1: cannot read its share")
_barrier()  # rank 0 waits here for a rank that is gone
"""


@pytest.mark.slow
def test_a_failing_rank_takes_the_others_down_naming_it(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(textwrap.dedent(_FAILING_RANK))
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode != 0
    assert time.time() - started < 120, "the waiting rank hung"
    text = done.stdout + done.stderr
    assert "rank 1: cannot read its share" in text, text[-2000:]
    assert re.search(r"Root Cause.*?rank\s*:\s*1 \(local_rank", text, re.S), text[-2000:]
