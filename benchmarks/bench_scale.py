"""Scale benchmark: does memory stay flat and time grow linearly as the dataset grows?

The whole pipeline on SynthActions at the paper-like frame size (320x240), for N = 20, 80 and 320 videos
(4 classes x 5 groups x N/20 clips, 32 frames each): generation, rawframes (HR of both splits, LR and bicubic
of the test split, the smoke profile's DIS flow), SR training (SoSR-VDSR: flow-weighted patches with the HR
flow cached on disk; ToSR-VDSR: pair mining over every training video, 3 positions each), recogniser training
(TSN RGB, TSN flow, ST-ResNet) and the evaluation (SR of the frames the test protocol reads for one method,
TSN scores of HR, Bicubic and that method). Each stage runs in its own process; its peak resident memory
(the process itself, and the largest of its worker processes) and its wall time are recorded. Training
stages run a fixed number of steps (their time does not depend on N, apart from ToSR's mining); the others
do work per video.

    python benchmarks/bench_scale.py                       # writes reports/benchmarks/bench_scale.md
    python benchmarks/bench_scale.py --sizes 20 --work /tmp/scale
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLASSES = ("Wave", "ArmCircle", "WalkLeft", "SwingRacket")
STAGES = ("generate", "rawframes", "sr_training", "recogniser_training", "evaluation")
STEPS = 20


def experiment(work: Path):
    from arsr_lib import config

    root = work / "synth"
    return config.load(
        "smoke",
        paths={"project": str(work), "reports_root": str(work / "reports")},
        data={
            "dataset": "ucf101",
            "root": str(root),
            "split_dir": str(root / "ucfTrainTestlist"),
            "workers": 2,
        },
        compute={"device": "cpu", "workers": 0, "cache_mb": 256},
        pairs={"pairs_per_video": 3},
        recipes={r: {"iters": STEPS} for r in ("sosr_vdsr", "tosr_vdsr", "vdsr")},
        recognition={"iters": {"tsn_rgb": STEPS, "tsn_flow": STEPS, "stresnet": STEPS // 2}},
    )


def stage(name: str, work: Path, n: int) -> dict:
    """Run one stage in this process; returns what it did."""
    from arsr_lib.core.devices import runtime
    from arsr_lib.data import synth
    from arsr_lib.data.prep import extract_variants, prepare_dataset
    from arsr_lib.recognition.scores import Harness
    from arsr_lib.recognition.training import train_recognisers
    from arsr_lib.sr.recipes import train_recipe
    from arsr_lib.sr.testframes import prepare_method_frames

    exp = experiment(work)
    if name == "generate":
        cfg = synth.config_for("paper-like", classes=CLASSES, groups=5, clips_per_group=n // 20, frames=32)
        synth.generate(exp.dataset_root(), cfg, workers=2, progress=False)
        return {"videos": n}
    ds = prepare_dataset(exp, progress=False)
    train = [ds.path(i) for i in ds.train]
    if name == "rawframes":
        extract_variants(ds, exp, progress=False)
    elif name == "sr_training":
        for recipe in ("sosr_vdsr", "vdsr", "tosr_vdsr"):
            train_recipe(recipe, exp, train, progress=False)
    elif name == "recogniser_training":
        train_recognisers(
            ds,
            exp.frames_root("hr"),
            exp.runs_dir(),
            exp.recognition,
            exp.seed,
            False,
            "synth",
            device="cpu",
            workers=0,
            cache_bytes=exp.loader_cache_bytes,
        )
    elif name == "evaluation":
        recs = {k: exp.runs_dir() / k / "final.pt" for k in ("tsn_rgb", "tsn_flow", "stresnet")}
        roots, tags, streams = prepare_method_frames(
            exp, ds, {"VDSR": exp.runs_dir() / "vdsr" / "final.pt"}, progress=False
        )
        h = Harness(
            exp.name,
            ds,
            roots,
            tags,
            recs,
            exp.runs_dir() / "scores",
            exp.recognition,
            exp.data.flow_method,
            streams,
            runtime("cpu"),
        )
        for m in ("HR", "Bicubic", "VDSR"):
            h.scores("tsn_rgb", "rgb", m)
            h.scores("tsn_flow", "flow", m)
    return {"train": len(ds.train), "test": len(ds.test)}


def measure(name: str, work: Path, n: int) -> dict:
    cmd = [sys.executable, __file__, "--run-stage", name, "--work", str(work), "--n", str(n)]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if res.returncode:
        raise RuntimeError(f"stage {name} (N={n}) failed:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out.update(stage=name, n=n, seconds=seconds)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 80, 320])
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench_scale")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "bench_scale.md")
    ap.add_argument("--from-log", type=Path, help="remake the report from the JSON lines a run printed")
    ap.add_argument("--run-stage")
    ap.add_argument("--n", type=int)
    args = ap.parse_args(argv)
    if args.run_stage:  # the child: one stage, then its peak memory on stdout
        info = stage(args.run_stage, args.work, args.n)
        me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({**info, "peak_rss_mb": me, "peak_worker_rss_mb": kids}))
        return 0
    if args.from_log:
        rows = [json.loads(line) for line in args.from_log.read_text().splitlines() if line.startswith("{")]
        write_report(rows, args.out)
        return 0
    rows = []
    for n in args.sizes:
        if n % 20:
            raise SystemExit(f"--sizes must be multiples of 20 (4 classes x 5 groups); got {n}")
        work = args.work / f"n{n}"
        shutil.rmtree(work, ignore_errors=True)
        for name in STAGES:
            row = measure(name, work, n)
            rows.append(row)
            print(json.dumps(row), flush=True)
        shutil.rmtree(work, ignore_errors=True)
    write_report(rows, args.out)
    return 0


def write_report(rows: list[dict], out: Path) -> None:
    sizes = sorted({r["n"] for r in rows})
    lines = [
        f"Scale benchmark ({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}):"
        " SynthActions at 320x240, 32 frames per video, 4 classes x 5 groups x N/20 clips; smoke profile"
        f" models, DIS flow, {STEPS} steps per training run, a 256 MB frame cache for SR training"
        " (benchmarks/bench_scale.py).",
        "",
        "| stage | N videos | train / test | seconds | s per video | peak RSS (MB) | peak worker RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        split = f"{r.get('train', '-')} / {r.get('test', '-')}"
        lines.append(
            f"| {r['stage']} | {r['n']} | {split} | {r['seconds']:.1f} | {r['seconds'] / r['n']:.3f} | "
            f"{r['peak_rss_mb']:.0f} | {r['peak_worker_rss_mb']:.0f} |"
        )
    pairs = list(zip(sizes, sizes[1:])) + ([(sizes[0], sizes[-1])] if len(sizes) > 2 else [])
    if pairs:
        lines += [
            "",
            "Ratios between sizes (peak memory should stay near 1 once the frame cache is full; time should"
            " follow the number of videos where a stage works per video):",
            "",
            "| stage | sizes | videos | peak RSS | peak worker RSS | time |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name in STAGES:
            for lo, hi in pairs:
                a = next(r for r in rows if r["stage"] == name and r["n"] == lo)
                b = next(r for r in rows if r["stage"] == name and r["n"] == hi)
                wa, wb = a["peak_worker_rss_mb"], b["peak_worker_rss_mb"]
                worker = f"{wb / wa:.2f}" if wa else "-"
                rss, time_ratio = b["peak_rss_mb"] / a["peak_rss_mb"], b["seconds"] / a["seconds"]
                lines.append(
                    f"| {name} | {hi} / {lo} | x{hi // lo} | {rss:.2f} | {worker} | {time_ratio:.2f} |"
                )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
