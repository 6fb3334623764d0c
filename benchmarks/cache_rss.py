"""Resident memory and time of recogniser training's decoded-image cache under five storage schemes.

``python benchmarks/cache_rss.py --root data/rawframes/synth-smoke/hr --samples 6000 --steps 100 --repeats 2``
(writes ``reports/benchmarks/cache_rss.md``; the root is any rawframes variant folder: ``<class>/<video>/``)

Each row is a fresh process with one storage scheme of :class:`arsr_lib.core.cache.ByteLRU`:

* ``per-array``: every cached image its own ``malloc`` (the cache before the slabs), glibc's dynamic mmap
  threshold. glibc raises the threshold each time a large mmapped block is freed; the sample's temporaries
  then come from the heap, and the small long-lived cached images pin its pages;
* ``per-array, pinned``: the same with the threshold pinned at glibc's initial 128 kB (what the notebooks
  and the command line did at 60fe183): every large temporary, a training step's activations included, is
  then mmapped and unmapped each time, and its pages are faulted in anew;
* ``slabs`` (the library's): small images copied into slots of 64 MiB blocks, the threshold left alone;
* ``slabs, fixed``: the slabs with the fixed thresholds the profiles set (``compute.malloc_mmap_mb`` /
  ``malloc_trim_mb``: 32 MiB and 256 MiB, ``devices.pin_malloc``): a step's temporaries come from the heap
  and stay there; the 64 MiB slab blocks are still mapped on their own;
* ``slabs, fixed, one arena``: the same in a process started with ``MALLOC_ARENA_MAX=1`` (every thread
  allocates from the main heap): whether the growth of some processes sits in a secondary arena;
* ``none``: no cache at all, for the loader's own growth (its temporaries) and time.

Part 1 reads ``--samples`` TSN-RGB training samples (3 segments, 80-px crops) with a 1 GiB cache and reports
the growth of resident memory against the bytes cached. Part 2 runs ``--steps`` steps of smoke's TSN-RGB
training (tiny ResNet, width 32, batch 8, the same loader) after it and reports their time and the minor page
faults the process took during them. Each scheme runs ``--repeats`` times (the heap's growth varies from one
process to the next).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import ctypes, glob, json, resource, sys, time
import torch
import torch.nn.functional as F
from arsr_lib.core import cache
from arsr_lib.core.devices import pin_cpu_numerics, pin_malloc
from arsr_lib.models.tsn import TSN
from arsr_lib.recognition.clips import ClipConfig, RawframeClips
mode, root, samples, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pin_cpu_numerics(2, "AVX2", 1)
if mode in ("free", "pinned"):
    cache.ByteLRU.SMALL_BYTES = 0  # no slabs: every entry its own allocation
if mode == "pinned":
    assert ctypes.CDLL("libc.so.6").mallopt(-3, 128 << 10)
if mode in ("fixed", "arena1"):
    assert pin_malloc(32, 256)
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) >> 10
folders = sorted(glob.glob(root + "/*/*"))
clips = RawframeClips(folders, [0] * len(folders), ClipConfig("rgb", 3, 5, 80, flip=True), seed=0,
                      cache_bytes=0 if mode == "none" else 1 << 30)
base, t = rss(), time.time()
for i in range(samples):
    clips[i]
grown, load_s = rss() - base, time.time() - t
torch.manual_seed(0)
model = TSN(10, "rgb", "tiny", 32, 5, 0.5, False)
opt = torch.optim.Adam(model.parameters(), 1e-3)
faults, t = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.time()
for s in range(steps):
    batch = [clips[samples + 8 * s + j] for j in range(8)]
    x, y = torch.stack([b["rgb"] for b in batch]), torch.stack([b["label"] for b in batch])
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()
step_s = time.time() - t
cached_mb = clips._images.bytes >> 20 if clips._images else 0
print(json.dumps({"videos": len(folders), "cached_mb": cached_mb, "rss_growth_mb": grown,
                  "load_s": round(load_s, 1), "step_ms": round(1000 * step_s / max(1, steps), 1),
                  "faults_per_step": round((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
                                           / max(1, steps))}))
"""
NAMES = {
    "free": "per-array, glibc's dynamic threshold",
    "pinned": "per-array, threshold pinned at 128 kB",
    "slabs": "slabs (`cache.ByteLRU`), dynamic threshold",
    "fixed": "slabs, fixed thresholds (mmap 32 MiB, trim 256 MiB: the profiles')",
    "arena1": "slabs, fixed thresholds, `MALLOC_ARENA_MAX=1`",
    "none": "no cache (every image decoded each time), dynamic threshold",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, required=True, help="a rawframes variant folder (<class>/<video>/)")
    ap.add_argument("--samples", type=int, default=6000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks" / "cache_rss.md")
    args = ap.parse_args(argv)
    rows = []
    for mode in [m for m in NAMES for _ in range(args.repeats)]:
        res = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(args.root), str(args.samples), str(args.steps)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), **({"MALLOC_ARENA_MAX": "1"} if mode == "arena1" else {})},
        )
        rows.append((mode, json.loads(res.stdout.strip().splitlines()[-1])))
    lines = [
        "# Recogniser training's decoded-image cache: resident memory and step time by storage scheme",
        "",
        f"`benchmarks/cache_rss.py --samples {args.samples} --steps {args.steps} --repeats {args.repeats}`"
        f" on {rows[0][1]['videos']} videos' rawframes (`{args.root.name}` of `{args.root.parent.name}`); "
        "TSN-RGB samples, 1 GiB cache; "
        f"then {args.steps} TSN-RGB training steps of smoke's size (2 torch threads); "
        "one fresh process per row; "
        f"Python {sys.version.split()[0]}, {sys.platform}.",
        "",
        "| storage | samples | cached (MB) | RSS growth (MB) | RSS growth / cached | load s "
        "| training step (ms) | minor faults / step |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, r in rows:
        ratio = f"{r['rss_growth_mb'] / r['cached_mb']:.2f}" if r["cached_mb"] else "-"
        cells = (
            NAMES[mode],
            args.samples,
            r["cached_mb"],
            r["rss_growth_mb"],
            ratio,
            r["load_s"],
            r["step_ms"],
            r["faults_per_step"],
        )
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
