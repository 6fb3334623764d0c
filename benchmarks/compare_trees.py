"""Do two checkouts train the same networks? Final-weight digests of every SR recipe after a few steps.

    .venv/bin/python benchmarks/compare_trees.py TREE old|new [--steps 20]

``TREE`` is a checkout (e.g. a ``git worktree`` of a commit); ``old`` uses the API before experiments became
typed objects (``build_recipe(name, "smoke", videos, val, runs_dir, ...)``), ``new`` the ``config`` API. Both
train on the first 40 training / 8 test videos of ``data/synth-smoke`` of this checkout and print, per
recipe, a SHA-256 over every model's weights in ``final.pt`` (discriminator included). Equal digests from two
trees mean the same floats, step for step. Used to check the architecture redesign (docs/architecture.md);
its output is in ``reports/benchmarks/redesign_equivalence.md``.
"""

import hashlib
import sys
from pathlib import Path

tree, api = sys.argv[1], sys.argv[2]
steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 20
sys.path.insert(0, tree)
import torch  # noqa: E402

from arsr_lib.data.splitfiles import load_dataset  # noqa: E402
from arsr_lib.sr.recipes import build_recipe  # noqa: E402
from arsr_lib.train.engine import Engine  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "synth-smoke"
ds = load_dataset("synth", None, 1, DATA)
train, val = [ds.path(i) for i in ds.train][:40], [ds.path(i) for i in ds.test][:8]
work = Path(f"/tmp/compare_trees-{api}")


def digest(path) -> str:
    models = torch.load(path, weights_only=True)["models"]
    return hashlib.sha256(
        b"".join(v.numpy().tobytes() for m in models.values() for v in m.values())
    ).hexdigest()[:16]


if api == "new":
    from arsr_lib import config

    exp = config.load("smoke", paths={"project": str(work), "reports_root": str(work)})
for recipe in ["rrdb_psnr", "sosr", "sosr_vdsr", "duf", "tosr_duf", "vdsr", "tosr_vdsr"]:
    if api == "old":
        task, data, cfg, out = build_recipe(
            recipe, "smoke", train, val, work, flow_method="dis", seed=0, iters=steps
        )
    else:
        task, data, cfg, out = build_recipe(recipe, exp, train, val, iters=steps)
    Engine(task, data, cfg, out, progress=False).run()
    print(recipe, api, digest(out / "final.pt"), flush=True)
