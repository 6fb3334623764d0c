"""Recogniser training steps on the CPU: memory order (``recognition.channels_last``) x torch threads, and two
one-thread processes at once (``compute.recogniser_lane``).

    python benchmarks/channels_last.py [--steps 40]

Each row times ``--steps`` training steps (after 5 warm-up steps) of one of smoke's recognisers at its size
(tiny ResNet of width 32, batch 8, 3 segments of 80-px crops; flow: 5 x/y pairs; Adam, clipping) on random
inputs, in a fresh process with oneDNN's kernels capped at AVX2 (as the profiles pin them). ``NCHW`` is
PyTorch's default order, ``NHWC`` the backbones built with ``channels_last=True``. The last rows run the
TSN-RGB step in two one-thread processes at the same time: what a two-core CPU does with the recogniser lane
beside the SR stages. Writes ``reports/benchmarks/channels_last.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
from arsr_lib.core.devices import pin_cpu_numerics
from recogniser_step import training_step
kind, order, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pin_cpu_numerics(threads, "AVX2", 1)
step = training_step(kind, channels_last=order == "NHWC")
for _ in range(5):
    step()
t = time.perf_counter()
for _ in range(steps):
    step()
print(json.dumps({"ms": round(1000 * (time.perf_counter() - t) / steps, 1)}))
"""


def _start(kind: str, order: str, threads: int, steps: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, order, str(threads), str(steps)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])},
    )


def _ms(proc: subprocess.Popen) -> float:
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"benchmark child failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])["ms"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "channels_last.md")
    args = ap.parse_args(argv)
    lines = [
        "# Recogniser training steps on the CPU: memory order, threads, two processes at once",
        "",
        f"`benchmarks/channels_last.py --steps {args.steps}`; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; smoke's recogniser sizes, random inputs, oneDNN at AVX2; "
        "one fresh process per measurement.",
        "",
        "| recogniser | order | torch threads | ms / step | steps / s (all processes) |",
        "|---|---|---:|---:|---:|",
    ]
    for kind in ("tsn_rgb", "tsn_flow", "stresnet"):
        for order in ("NCHW", "NHWC"):
            for threads in (2, 1):
                ms = _ms(_start(kind, order, threads, args.steps))
                lines.append(f"| {kind} | {order} | {threads} | {ms} | {1000 / ms:.2f} |")
                print(lines[-1], flush=True)
    for order in ("NCHW", "NHWC"):
        both = [_start("tsn_rgb", order, 1, args.steps) for _ in range(2)]
        ms = [_ms(p) for p in both]
        lines.append(
            f"| tsn_rgb, two processes at once | {order} | 1 each | {' / '.join(map(str, ms))} "
            f"| {sum(1000 / m for m in ms):.2f} |"
        )
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
