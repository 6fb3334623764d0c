"""The ``synth`` run's budget: what each stage of ``make reproduce PROFILE=synth`` costs on this CPU.

::

    python benchmarks/synth_budget.py                       # the synth profile as it stands
    python benchmarks/synth_budget.py --set '{"study": {"seeds": 3}}' --label seeds3
    python benchmarks/synth_budget.py --tiny --out /tmp/x   # the code path in seconds (tested)

Rates are measured here, each through the code the run uses (the engine's training step of every recipe kind
with the profile's batch, patch, loss and feature network; SR inference of each architecture on the LR frame
size; the recognisers' training steps and test-time scoring at the profile's protocol; DIS flow of a frame
pair), with the profile's thread count. The projection multiplies them by the run's counts, taken from the
experiment (recipes after seed expansion, each method's streams, the frames the test protocol reads, test and
validation videos, recogniser and oracle steps). Decoding, JPEG writing and the notebooks' figures are not in
the model; ``--calibrate SECONDS`` states the measured wall time of a run of the same design beside the
projection, so the model's share of the real time is in the report.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gpu_check import RandomBatches, _timed, _train_rate, sr_step_inputs  # noqa: E402

from arsr_lib import config  # noqa: E402
from arsr_lib.data.flow import compute_flow  # noqa: E402
from arsr_lib.data.snippets import protocol_frames  # noqa: E402
from arsr_lib.data.synth import config_for  # noqa: E402
from arsr_lib.models import build_model  # noqa: E402
from arsr_lib.recognition.training import STRESNET_STREAMS_WEIGHT, recogniser_spec  # noqa: E402
from arsr_lib.sr.testframes import method_streams  # noqa: E402
from arsr_lib.train.losses import NetFeatureLoss  # noqa: E402
from arsr_lib.train.steps import ClassifierStep  # noqa: E402

FEATURENET_BATCH = 16  # arsr_lib.sr.featurenet.BATCH


def experiment(overrides: dict | None, tiny: bool, profile: str = "synth"):
    exp = config.load(profile, env={})
    if overrides:
        exp = config.override(exp, overrides)
    if tiny:
        exp = config.override(
            exp,
            {
                "sr_arch": {"rrdbnet": {"nf": 8, "nb": 1, "gc": 4}},
                "recipes": {r: {"batch": 2} for r in exp.recipes},
                "recognition": {"batch": 2},
            },
        )
    return exp


def rates(exp, iters: int) -> dict:
    """Units per second of every kind of work the run does, measured here."""
    torch.set_num_threads(exp.compute.threads or 1)
    cpu = torch.device("cpu")
    syn = config_for(exp.data.synth_size)
    h, w = syn.height // 4, syn.width // 4
    out: dict = {}
    x = torch.rand(4, 3, h, w)
    for arch, window in (("rrdbnet", 1), ("vdsr", 1), ("duf", 7)):
        model = build_model(arch, **exp.sr_arch.args_of(arch)).eval()
        xin = x if window == 1 else torch.rand(4, window, 3, h, w)

        def infer(model=model, xin=xin):
            with torch.no_grad():
                model(xin)

        out[f"sr_{arch}_fps"] = 4 / _timed(infer, cpu, 1, iters)
    feature = NetFeatureLoss(build_model("featurenet")) if exp.sr_loss.feature > 0 else None
    for name, recipe in exp.recipes.items():
        gan_feature = feature if recipe.step == "gan" else None
        models, step, shapes, _, _ = sr_step_inputs(recipe, exp.sr_arch, exp.sr_loss, gan_feature)
        data = RandomBatches(shapes, n=4 * recipe.batch)
        out[f"train_{name}_its"] = _train_rate(name, models, step, data, recipe.batch, cpu, iters, 1)
    if feature is not None:
        data = RandomBatches({"x": (3, 32, 32)}, n=2 * FEATURENET_BATCH, classes=4)
        out["train_featurenet_its"] = _train_rate(
            "featurenet",
            {"g": build_model("featurenet")},
            ClassifierStep(("x",)),
            data,
            FEATURENET_BATCH,
            cpu,
            iters,
            1,
        )
    rec = exp.recognition
    n_classes = len(syn.classes)
    crop, k, length = rec.crop, rec.segments, rec.new_length
    for kind, inputs in (("tsn_rgb", ("rgb",)), ("tsn_flow", ("flow",)), ("stresnet", ("rgb", "flow"))):
        spec = recogniser_spec(kind, n_classes, rec)
        model = build_model(spec["arch"], **spec["kwargs"])
        shapes = {"rgb": (k, 3, crop, crop), "flow": (k, 2 * length, crop, crop)}
        shapes = {m: shapes[m] for m in inputs}
        step = ClassifierStep(inputs, STRESNET_STREAMS_WEIGHT if kind == "stresnet" else 0.0)
        data = RandomBatches(shapes, n=2 * rec.batch, classes=n_classes)
        out[f"train_{kind}_its"] = _train_rate(kind, {"g": model}, step, data, rec.batch, cpu, iters, 1)
        model.eval()
        n, c = rec.test_snippets, rec.test_crops
        rgb = torch.rand(1, n * c, 3, crop, crop)
        flo = torch.rand(1, n * c, 2 * length, crop, crop)

        def score(model=model, kind=kind):
            with torch.no_grad():
                if kind == "stresnet":
                    model(
                        rgb[0].view(n, c, 3, crop, crop).transpose(0, 1),
                        flo[0].view(n, c, 2 * length, crop, crop).transpose(0, 1),
                    )
                else:
                    model(rgb if kind == "tsn_rgb" else flo)

        out[f"score_{kind}_videos_per_s"] = 1.0 / _timed(score, cpu, 1, iters)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (2, syn.height, syn.width, 3), dtype=np.uint8)
    t0 = time.perf_counter()
    for _ in range(10 * iters):
        compute_flow(frames, exp.data.flow_method)
    out["flow_pairs_per_s"] = 10 * iters / (time.perf_counter() - t0)
    return out


def project(exp, r: dict) -> list[dict]:
    """Stage by stage: units x the measured rate."""
    syn = config_for(exp.data.synth_size)
    n_test = syn.n_test_groups * syn.clips_per_group * len(syn.classes)
    n_test = min(n_test, exp.data.eval_videos or n_test)  # the evaluation budget (data.eval_videos)
    n_val = syn.val_groups * syn.clips_per_group * len(syn.classes)
    n_train = (syn.groups - syn.n_test_groups - syn.val_groups) * syn.clips_per_group * len(syn.classes)
    rec, T = exp.recognition, syn.frames
    rows: list[dict] = []

    def add(stage, units, unit, rate):
        rows.append(
            {"stage": stage, "units": int(units), "unit": unit, "rate": rate, "seconds": units / rate}
        )

    if exp.sr_loss.feature > 0 and "train_featurenet_its" in r:
        add("feature network", exp.sr_loss.feature_net_iters, "iteration", r["train_featurenet_its"])
    for name, recipe in exp.recipes.items():
        add(f"SR training {name}", recipe.iters, "iteration", r[f"train_{name}_its"])
    streams = method_streams(list(exp.methods), exp.study)
    rgb_idx, flow_idx = protocol_frames(T, rec.test_snippets, rec.new_length, True)
    rgb_only = len(set(rgb_idx))
    with_flow = len(set(rgb_idx) | {j for f in flow_idx for j in (f, f + 1)})
    arch_of = {
        name: exp.recipes[src].arch if src in exp.recipes else "rrdbnet"
        for name, src in exp.methods.items()
        if src
    }
    per_arch: dict[str, int] = {}
    flows = 0
    for name, arch in arch_of.items():
        s = streams.get(name, ("rgb", "flow"))
        frames = with_flow if "flow" in s else rgb_only
        per_arch[arch] = per_arch.get(arch, 0) + frames
        flows += len(flow_idx) if "flow" in s else 0
    for arch, frames in per_arch.items():
        add(
            f"SR of test and validation frames ({arch})",
            (n_test + n_val) * frames,
            "frame",
            r[f"sr_{arch}_fps"],
        )
    add(
        "flow of SR test and validation frames", (n_test + n_val) * flows, "frame pair", r["flow_pairs_per_s"]
    )
    add(
        "flow of rawframes (HR all, bicubic test+val+train)",
        (2 * (n_train + n_test + n_val)) * (T - 1),
        "frame pair",
        r["flow_pairs_per_s"],
    )
    for kind, iters in rec.iters.items():
        add(f"recogniser training {kind}", iters, "iteration", r[f"train_{kind}_its"])
    for kind in ("tsn_rgb", "tsn_flow"):
        add(
            f"LR oracle training {kind}",
            max(1, round(rec.iters[kind] * exp.study.oracle_scale)),
            "iteration",
            r[f"train_{kind}_its"],
        )
    n_methods = len(arch_of) + 2
    n_flow = sum("flow" in streams.get(m, ("rgb", "flow")) for m in arch_of) + 2
    for kind, per in (("tsn_rgb", n_methods), ("tsn_flow", n_flow), ("stresnet", len(exp.study.pairings))):
        add(
            f"scoring {kind} ({per} methods)",
            (n_test + n_val) * per,
            "video",
            r[f"score_{kind}_videos_per_s"],
        )
    return rows


def markdown(exp, label: str, r: dict, rows: list[dict], calibrate: float | None) -> str:
    total = sum(x["seconds"] for x in rows)
    lines = [
        f"synth budget ({label}): {platform.machine()}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}; seeds {exp.study.seeds}; {len(exp.recipes)} SR runs, "
        f"{len(exp.methods)} SR methods",
        "",
        "| stage | units | unit | units/s here | minutes |",
        "|---|---:|---|---:|---:|",
    ]
    for x in sorted(rows, key=lambda x: -x["seconds"]):
        lines.append(
            f"| {x['stage']} | {x['units']:,} | {x['unit']} | {x['rate']:.3g} | {x['seconds'] / 60:.1f} |"
        )
    lines.append(f"| all stages, one after another | | | | {total / 60:.1f} |")
    if calibrate:
        lines += [
            "",
            f"Measured wall time of a run of this design: {calibrate / 60:.1f} min "
            f"({total / calibrate:.0%} of it in the model).",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default=None, help="JSON overrides of the synth experiment (a candidate design)")
    ap.add_argument("--label", default="synth as it stands")
    ap.add_argument("--profile", default="synth", help="a SynthActions profile (smoke: calibrates the model)")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--calibrate", type=float, default=None, help="measured seconds of a run of this design")
    ap.add_argument("--out", default=str(ROOT / "reports" / "benchmarks" / "synth_budget"))
    a = ap.parse_args(argv)
    exp = experiment(json.loads(a.set) if a.set else None, a.tiny, a.profile)
    r = rates(exp, 1 if a.tiny else a.iters)
    rows = project(exp, r)
    text = markdown(exp, a.label, r, rows, a.calibrate)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps({"label": a.label, "rates": r, "rows": rows}, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
