"""Calibration sweep: how a SynthActions difficulty setting separates HR from x4 bicubic for one stream.

``python tools/calibration_sweep.py --mod rgb --iters 2400``  (the adopted smoke setting; the defaults of the
dataset options are the adopted values, e.g. ``--groups 30 --clips 1 --contrast 0.3 --actor 0.75``)

Generates the dataset variant (cached under ``--work``), extracts HR and bicubic rawframes (DIS flow), and
trains the smoke TSN stream (tiny ResNet, 3 segments, dropout, Adam, step decay at 70 %) with an in-memory
sampler (TSN's multi-scale crops resized to 80 px as in the harness's sampler, horizontal flips for RGB only)
instead of the engine, so that one setting costs 2.5-5.5 minutes on 2 CPU cores. ``--classes`` trains on a
subset (e.g. the detail pairs alone, to check that their detail is learnable at all). Test: 5 snippets x the
centre crop, top-1 and per-class accuracy on HR and bicubic test videos of split 1, printed four times during
training. It is the quick instrument used to choose the dataset's defaults (docs/synthactions.md); the numbers
that count come from notebook 05's harness.

It reads the **validation split only** (``--val-groups`` groups, disjoint from every split's train and test
groups): the test split is never read, so no choice made with this tool is selected on it.
"""

import argparse
import glob
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from arsr_lib.data.frames import output_dir
from arsr_lib.models.resnet import ResNet

torch.set_num_threads(2)
ap = argparse.ArgumentParser()
ap.add_argument("--width", type=int, default=32)
ap.add_argument("--crop", type=int, default=80)
ap.add_argument("--iters", type=int, default=800)
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--batch", type=int, default=8)
ap.add_argument("--opt", default="adam")
ap.add_argument("--mod", default="rgb", choices=["rgb", "flow"])
ap.add_argument("--wd", type=float, default=0.0)
ap.add_argument("--contrast", type=float, default=0.3)
ap.add_argument("--objscale", type=float, default=1.5)
ap.add_argument("--groups", type=int, default=30)
ap.add_argument("--clips", type=int, default=1)
ap.add_argument("--frames", type=int, default=16)
ap.add_argument("--noise", type=float, default=1.0)
ap.add_argument("--classes", default=None, help="comma-separated subset of the classes (default: all)")
ap.add_argument("--period", type=int, default=None, help="SynthConfig.mesh_period (default: the dataset's)")
ap.add_argument("--dropout", type=float, default=0.5)
ap.add_argument("--actor", type=float, default=0.75)
ap.add_argument("--val-groups", type=int, default=4, help="validation groups (evaluated; test never read)")
ap.add_argument(
    "--test-groups", type=int, default=None, help="test groups per split (default: the dataset's)"
)
ap.add_argument("--amplitude", type=float, default=None, help="SynthConfig.small_amplitude (HR px)")
ap.add_argument("--small-cycles", type=float, default=None, help="SynthConfig.small_cycles")
ap.add_argument(
    "--flow", default="dis", choices=["dis", "tvl1", "tvl1_torch", "farneback"], help="flow method"
)
ap.add_argument("--spokes", type=int, default=None, help="SynthConfig.wheel_spokes")
ap.add_argument("--inner", type=float, default=None, help="SynthConfig.wheel_inner")
ap.add_argument("--radius", type=float, default=None, help="SynthConfig.wheel_radius")
ap.add_argument("--scene", type=float, default=None, help="SynthConfig.scene_context")
ap.add_argument(
    "--train-on",
    default="hr",
    choices=["hr", "bicubic"],
    help="train on HR (the recognisers) or on x4 bicubic (the LR oracle: is the cue in the LR input?)",
)
ap.add_argument("--work", default="/tmp/arsr-calibration")
a = ap.parse_args()
torch.manual_seed(0)
rng = np.random.default_rng(0)
from arsr_lib.data import synth
from arsr_lib.data.splitfiles import load_ucf101

a.period = a.period or synth.SynthConfig().mesh_period
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig

tag = (
    (a.classes.replace(",", "-") + "_" if a.classes else "")
    + f"a{a.actor}_c{a.contrast}_o{a.objscale}_g{a.groups}_k{a.clips}_f{a.frames}_n{a.noise}_p{a.period}"
    + f"_v{a.val_groups}_t{a.test_groups}_m{a.amplitude}_y{a.small_cycles}"
    + f"_s{a.spokes}_i{a.inner}_R{a.radius}_x{a.scene}"
    + f"_r{synth.dataset._renderer_digest()}"
)
base = Path(a.work) / tag
cfg = synth.SynthConfig(
    groups=a.groups,
    clips_per_group=a.clips,
    frames=a.frames,
    texture_contrast=a.contrast,
    object_scale=a.objscale,
    noise_sigma=a.noise,
    actor_scale=a.actor,
    mesh_period=a.period,
    val_groups=a.val_groups,
    test_groups_per_split=a.test_groups,
    **({"classes": tuple(a.classes.split(","))} if a.classes else {}),
    **({"small_amplitude": a.amplitude} if a.amplitude is not None else {}),
    **({"small_cycles": a.small_cycles} if a.small_cycles is not None else {}),
    **({"wheel_spokes": a.spokes} if a.spokes is not None else {}),
    **({"wheel_inner": a.inner} if a.inner is not None else {}),
    **({"wheel_radius": a.radius} if a.radius is not None else {}),
    **({"scene_context": a.scene} if a.scene is not None else {}),
)
root = synth.generate(base / "synth", cfg, workers=2, progress=False)
ds = load_ucf101(root / "ucfTrainTestlist", 1, root)
if not ds.val:
    sys.exit("calibration_sweep: no validation split (--val-groups 0); the test split is never read")
flow_tag = "" if a.flow == "dis" else "_" + a.flow
for v in ("hr", "bicubic"):
    subsets = ("train", "val") if v == a.train_on else ("val",)  # never the test split
    extract_dataset(
        ds,
        base / (v + flow_tag),
        FramesConfig(variant=v, flow_method=a.flow),
        subsets=subsets,
        workers=2,
        progress=False,
    )


class P:
    def frames_root(self, v):
        return base / (v + flow_tag)


p = P()


def load(root, items):
    X = []
    for it in items:
        d = output_dir(root, it.rel_path)
        if a.mod == "rgb":
            fs = sorted(glob.glob(str(d / "img_*.jpg")))
            X.append(np.stack([cv2.imread(f)[:, :, ::-1] for f in fs]))
        else:
            fx = sorted(glob.glob(str(d / "flow_x_*.jpg")))
            fy = sorted(glob.glob(str(d / "flow_y_*.jpg")))
            X.append(np.stack([np.stack([cv2.imread(x, 0), cv2.imread(y, 0)], -1) for x, y in zip(fx, fy)]))
    return X


t0 = time.time()
Xtr = load(p.frames_root(a.train_on), ds.train)
ytr = np.array([i.label for i in ds.train])
Xhr = load(p.frames_root("hr"), ds.val)  # validation only
Xbi = load(p.frames_root("bicubic"), ds.val)
yte = np.array([i.label for i in ds.val])
print("loaded", len(Xtr), len(Xhr), time.time() - t0, flush=True)
inch = 3 if a.mod == "rgb" else 10


def norm(x):
    x = torch.from_numpy(np.ascontiguousarray(x)).float()
    return (x / 255 - 0.5) / 0.25


def snippet(v, s):
    if a.mod == "rgb":
        return v[s]
    st = v[s : s + 5]  # (5,H,W,2) -> (H,W,10)
    return st.transpose(1, 2, 0, 3).reshape(st.shape[1], st.shape[2], 10)


def nav(v):
    return len(v) if a.mod == "rgb" else len(v) - 4


def batch():
    xs, ys = [], []
    for _ in range(a.batch):
        i = rng.integers(len(Xtr))
        v = Xtr[i]
        n = nav(v)
        segs = []
        for k in range(3):
            lo, hi = k * n // 3, max(k * n // 3 + 1, (k + 1) * n // 3)
            s = snippet(v, rng.integers(lo, hi))
            H, W = s.shape[:2]
            c = a.crop
            size = min(
                H, W, int(round(c / 0.875 * rng.choice((1.0, 0.875, 0.75, 0.66))))
            )  # TSN multi-scale crop
            y0 = rng.integers(0, H - size + 1)
            x0 = rng.integers(0, W - size + 1)
            s = s[y0 : y0 + size, x0 : x0 + size]
            if rng.random() < 0.5 and a.mod == "rgb":
                s = s[:, ::-1]
            s = cv2.resize(np.ascontiguousarray(s), (c, c), interpolation=cv2.INTER_LINEAR)
            segs.append(s)
        xs.append(np.stack(segs))
        ys.append(ytr[i])
    x = norm(np.stack(xs)).permute(0, 1, 4, 2, 3)
    return x.flatten(0, 1), torch.tensor(ys)


ncls = len(cfg.classes)
m = ResNet("tiny", ncls, inch, a.width)
m.fc = torch.nn.Sequential(torch.nn.Dropout(a.dropout), m.fc)
opt = (
    torch.optim.Adam(m.parameters(), a.lr, weight_decay=a.wd)
    if a.opt == "adam"
    else torch.optim.SGD(m.parameters(), a.lr, 0.9, weight_decay=a.wd or 5e-4)
)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(a.iters * 0.7)], 0.1)


def evaluate(X):
    m.eval()
    P = []
    with torch.no_grad():
        for v in X:
            n = nav(v)
            starts = np.linspace(0, n - 1, 5).round().astype(int)
            c = a.crop
            H, W = v.shape[1:3]
            y0 = (H - c) // 2
            x0 = (W - c) // 2
            x = norm(np.stack([snippet(v, s)[y0 : y0 + c, x0 : x0 + c] for s in starts])).permute(0, 3, 1, 2)
            P.append(m(x).softmax(1).mean(0).argmax().item())
    m.train()
    P = np.array(P)
    n, k = len(yte), int((P == yte).sum())
    # Wilson's 95 % interval of the top-1 over the validation videos
    z, p_hat = 1.96, k / n
    centre = (p_hat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return "%.3f (95%% CI %.3f-%.3f, n=%d) [%s]" % (
        p_hat,
        centre - half,
        centre + half,
        n,
        " ".join("%d" % round(100 * (P[yte == c] == c).mean()) for c in range(ncls)),
    )


t0 = time.time()
accs = []
for it in range(1, a.iters + 1):
    x, y = batch()
    out = m(x).view(a.batch, 3, -1).mean(1)
    loss = F.cross_entropy(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    accs.append((out.argmax(1) == y).float().mean().item())
    if it % (a.iters // 4) == 0:
        print(
            f"it {it} loss {loss.item():.3f} train {np.mean(accs[-100:]):.2f} t {time.time() - t0:.0f}s\n"
            f"  validation HR {evaluate(Xhr)}\n  validation BI {evaluate(Xbi)}",
            flush=True,
        )
