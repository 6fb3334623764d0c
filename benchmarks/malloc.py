"""Recogniser training steps on the CPU under glibc's dynamic malloc thresholds and under the fixed ones the
CPU profiles set (``compute.malloc_mmap_mb`` / ``malloc_trim_mb``, applied by ``devices.pin_malloc``).

    python benchmarks/malloc.py [--steps 150] [--repeats 3]

Each row times ``--steps`` training steps (after 5 warm-up steps) of one of smoke's recognisers at its size
and memory order (tiny ResNet of width 32, batch 8, 3 segments of 80-px crops; TSN in NHWC, ST-ResNet in NCHW;
Adam, clipping) on random inputs, on one torch thread with oneDNN capped at AVX2, in a fresh process, and
reports the minor page faults and the system CPU time the process took during the timed steps and its peak
resident memory. The two schemes alternate, ``--repeats`` times each, so that drifts of the machine's speed
fall on both. Writes ``reports/benchmarks/malloc.md``.
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
import json, resource, sys, time
from arsr_lib.core.devices import pin_cpu_numerics, pin_malloc
from recogniser_step import training_step
kind, scheme, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
pin_cpu_numerics(1, "AVX2", 1)
if scheme != "dynamic":
    mmap_mb, trim_mb = map(int, scheme.split("/"))
    assert pin_malloc(mmap_mb, trim_mb)
step = training_step(kind, channels_last=kind != "stresnet")  # smoke's memory orders
for _ in range(5):
    step()
u0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
for _ in range(steps):
    step()
seconds, u1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
faults = round((u1.ru_minflt - u0.ru_minflt) / steps)
print(json.dumps({"ms": round(1000 * seconds / steps, 1), "faults": faults,
                  "sys_ms": round(1000 * (u1.ru_stime - u0.ru_stime) / steps, 1),
                  "rss_mb": u1.ru_maxrss >> 10}))
"""
FIXED = "32/256"  # the profiles' compute.malloc_mmap_mb / malloc_trim_mb
NAMES = {"dynamic": "glibc's dynamic thresholds", FIXED: "fixed: mmap 32 MiB, trim 256 MiB (the profiles')"}


def _run(kind: str, scheme: str, steps: int) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", CHILD, kind, scheme, str(steps)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])},
    )
    if res.returncode:
        raise RuntimeError(f"benchmark child {kind} {scheme} failed ({res.returncode}):\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "malloc.md")
    args = ap.parse_args(argv)
    results: dict[tuple[str, str], list[dict]] = {}
    for kind in ("tsn_rgb", "tsn_flow", "stresnet"):
        for _ in range(args.repeats):
            for scheme in NAMES:
                r = _run(kind, scheme, args.steps)
                results.setdefault((kind, scheme), []).append(r)
                print(kind, scheme, r, flush=True)
    lines = [
        "# Recogniser training steps: glibc's dynamic malloc thresholds against the profiles' fixed ones",
        "",
        f"`benchmarks/malloc.py --steps {args.steps} --repeats {args.repeats}`; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {' '.join(platform.libc_ver())}; "
        "smoke's recogniser sizes and memory orders, random inputs, 1 torch thread, oneDNN at AVX2; one "
        "fresh process per measurement, the two schemes alternating. Per step: wall time, minor page faults "
        "and system CPU time; peak resident memory of the process.",
        "",
        "| recogniser | malloc thresholds | ms / step (each run) | mean ms / step | minor faults / step "
        "| system ms / step | peak RSS (MB) |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for (kind, scheme), rs in results.items():
        mean = sum(r["ms"] for r in rs) / len(rs)
        faults = round(sum(r["faults"] for r in rs) / len(rs))
        sys_ms = sum(r["sys_ms"] for r in rs) / len(rs)
        lines.append(
            f"| {kind} | {NAMES[scheme]} | {' / '.join(str(r['ms']) for r in rs)} | {mean:.1f} "
            f"| {faults} | {sys_ms:.1f} | {max(r['rss_mb'] for r in rs)} |"
        )
    lines += ["", "| recogniser | fixed / dynamic, mean step time |", "|---|---:|"]
    for kind in ("tsn_rgb", "tsn_flow", "stresnet"):
        means = [sum(r["ms"] for r in results[(kind, s)]) / args.repeats for s in NAMES]
        lines.append(f"| {kind} | {means[1] / means[0]:.2f} |")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
