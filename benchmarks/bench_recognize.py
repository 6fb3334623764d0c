"""Peak memory and time of ``arsr recognize`` on 1, 10 and 60 seconds of a 1920x1080 clip.

The clips are generated here (25 fps, MJPG: a textured background panned slowly, a few moving shapes, sensor
noise), once, under ``--work``. Each measurement is one fresh ``arsr recognize`` process; its peak resident
memory is read with ``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process, so one run's peak never hides
another's. The recognisers are the ``ci`` profile's (trained by ``arsr recognisers --profile ci`` when
missing): what is measured is the path from the clip to the recognisers' inputs, not their size.

    python benchmarks/bench_recognize.py            # writes reports/benchmarks/bench_recognize.md
    python benchmarks/bench_recognize.py --baseline 3bc46e9 --baseline-seconds 1   # and the old code beside

``--baseline REV`` runs the same command of an older commit (a git worktree of it, with this checkout's
recognisers) on the clips of at most ``--baseline-seconds``: code that decoded the whole clip needs far more
memory than this machine has for the longer ones.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FPS = 25
SIZE = (1920, 1080)

_MEASURE = """
import json, resource, subprocess, sys, time
t = time.time()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": done.returncode, "time_s": time.time() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "stdout": done.stdout, "stderr": done.stderr[-2000:]}))
"""


def make_clip(path: Path, seconds: int, seed: int = 0) -> Path:
    """A 1920x1080 MJPG clip of ``seconds`` at 25 fps (written once; a finished file is reused)."""
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    w, h = SIZE
    texture = cv2.resize(rng.integers(0, 255, (h // 8, w // 8 + 64, 3), np.uint8), (w + 512, h))
    texture = cv2.GaussianBlur(texture, (0, 0), 3)
    tmp = path.with_suffix(".partial.avi")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)  # type: ignore[attr-defined]
    for t in range(seconds * FPS):
        pan = int(4 * t) % 512
        frame = texture[:, pan : pan + w].copy()
        for k in range(4):  # shapes moving at different speeds
            cx = int((300 + 400 * k + 12 * t * (k + 1)) % w)
            cy = int(h / 2 + 250 * np.sin(t / (10 + 5 * k) + k))
            cv2.circle(frame, (cx, cy), 60 + 20 * k, (40 * k, 200 - 40 * k, 120), -1)
        noise = rng.normal(0, 3, frame.shape)
        writer.write(np.clip(frame + noise, 0, 255).astype(np.uint8))
    writer.release()
    tmp.replace(path)
    return path


def measure(clip: Path, python: str, checkout: Path = ROOT) -> dict:
    cmd = [
        python,
        "-m",
        "arsr_lib",
        "recognize",
        str(clip),
        "--profile",
        "ci",
        "--runs",
        str(ROOT / "runs" / "ci"),
    ]
    out = subprocess.run(
        [python, "-c", _MEASURE, *cmd], cwd=checkout, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def baseline_checkout(rev: str) -> Path:
    """A git worktree of ``rev`` (made once, under /tmp)."""
    path = Path("/tmp") / f"arsr-baseline-{rev}"
    if not path.is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, nargs="+", default=[1, 10, 60])
    ap.add_argument("--work", type=Path, default=ROOT / "data" / "bench_recognize")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "bench_recognize.md")
    ap.add_argument("--baseline", help="an older commit to measure side by side")
    ap.add_argument("--baseline-seconds", type=int, default=1, help="the longest clip the baseline is given")
    args = ap.parse_args()
    python = sys.executable
    if not (ROOT / "runs" / "ci" / "tsn_rgb" / "final.pt").is_file():
        subprocess.run(
            [python, "-m", "arsr_lib", "recognisers", "--profile", "ci", "--quiet"], cwd=ROOT, check=True
        )
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for seconds in args.seconds:
        started = time.time()
        clip = make_clip(args.work / f"clip_{seconds}s_1080p.avi", seconds)
        made = time.time() - started
        result = measure(clip, python)
        if result["rc"] != 0:
            raise SystemExit(f"arsr recognize failed on {clip}: {result['stderr']}")
        row = {"seconds": seconds, "frames": seconds * FPS, "made_s": made, **result, "base": None}
        if args.baseline and seconds <= args.baseline_seconds:
            row["base"] = measure(clip, python, baseline_checkout(args.baseline))
        rows.append(row)
        print(f"{seconds:3d} s: {result['peak_rss_mb']:.0f} MB peak, {result['time_s']:.1f} s", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        "# `arsr recognize` on 1920x1080 clips: peak memory and time",
        "",
        f"Made by `benchmarks/bench_recognize.py` at commit {commit.stdout.strip()} on {platform.node()} "
        f"({platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} cores), "
        "one fresh process per clip, recognisers of the `ci` profile. Clips: generated MJPG, 25 fps.",
        "",
        f"Baseline: the same command at commit {args.baseline or '-'} (it decoded the whole clip and "
        "computed flow at full resolution), on the clips it was given.",
        "",
        "| clip | frames | peak RSS (MB) | time (s) | baseline peak RSS (MB) | baseline time (s) | RSS ratio"
        " |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        b = r["base"]
        if b and b["rc"] == 0:
            extra = f"{b['peak_rss_mb']:.0f} | {b['time_s']:.1f} | {b['peak_rss_mb'] / r['peak_rss_mb']:.1f}x"
        else:
            extra = "failed | - | -" if b else "not run | - | -"
        clip = f"{r['seconds']} s 1920x1080 | {r['frames']}"
        lines.append(f"| {clip} | {r['peak_rss_mb']:.0f} | {r['time_s']:.1f} | {extra} |")
    first, last = rows[0], rows[-1]
    lines += [
        "",
        f"Peak memory {last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x from {first['seconds']} s to "
        f"{last['seconds']} s of video ({last['frames'] // first['frames']}x the frames); time "
        f"{last['time_s'] / first['time_s']:.2f}x (one decode pass counts the frames, one keeps the frames "
        "the test protocol reads, brought to the recognisers' frame size).",
        "",
        "What `arsr recognize` printed for the longest clip:",
        "",
        "```",
        last["stdout"].strip(),
        "```",
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
