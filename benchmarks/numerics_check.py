"""Which CPU settings change the bits of training: trains a small VDSR and a tiny ResNet for a few steps on
fixed data and prints a digest of the final weights, under the settings given.

    python benchmarks/numerics_check.py --runs "threads=1" "threads=2" "isa=SSE41" "isa=AVX2"

Each run is a fresh process (oneDNN and MKL read their environment once): ``threads=N`` sets
``torch.set_num_threads``, ``isa=X`` sets ``ONEDNN_MAX_CPU_ISA`` (the newest instruction set oneDNN's
kernels may use), ``cbwr=X`` sets ``MKL_CBWR`` (MKL's conditional numerical reproducibility). Two runs with
equal digests computed the same bits. Writes ``reports/benchmarks/numerics_check.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(threads: int) -> None:
    import torch

    sys.path.insert(0, str(ROOT))
    from arsr_lib.models.resnet import ResNet
    from arsr_lib.models.vdsr import VDSR

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    digest = hashlib.sha256()
    for model, shape, target in (
        (VDSR(depth=8, nf=32), (8, 3, 16, 16), lambda x: torch.nn.functional.interpolate(x, scale_factor=4)),
        (ResNet("tiny", 10, 3, 32), (8, 3, 80, 80), None),
    ):
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        for _ in range(30):
            x = torch.rand(*shape, generator=g)
            out = model(x)
            loss = (
                torch.nn.functional.mse_loss(out, target(x))
                if target
                else torch.nn.functional.cross_entropy(out, torch.randint(0, 10, (shape[0],), generator=g))
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
        for p in model.state_dict().values():
            digest.update(p.detach().contiguous().numpy().tobytes())
    print(json.dumps({"digest": digest.hexdigest()[:16], "torch": torch.__version__}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", nargs="+", default=["threads=2", "threads=1", "isa=SSE41", "isa=AVX2"])
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(ROOT / "reports" / "benchmarks" / "numerics_check.md"))
    args = ap.parse_args()
    if args.child is not None:
        _child(args.child)
        return
    rows = []
    for run in args.runs:
        env, threads = dict(os.environ), 2
        for setting in run.split(","):
            key, value = setting.split("=")
            if key == "threads":
                threads = int(value)
            elif key == "isa":
                env["ONEDNN_MAX_CPU_ISA"] = value
            elif key == "cbwr":
                env["MKL_CBWR"] = value
            else:
                raise SystemExit(f"unknown setting {key!r} in {run!r}")
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(threads)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append((run, json.loads(out.stdout.strip().splitlines()[-1])["digest"]))
        print(run, rows[-1][1], flush=True)
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        f"Digests of a small VDSR and a tiny ResNet after 30 Adam steps on fixed data ({cpu}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}); equal digests: the same bits.",
        "",
        "| settings | digest |",
        "|---|---|",
    ] + [f"| {run} | `{d}` |" for run, d in rows]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
