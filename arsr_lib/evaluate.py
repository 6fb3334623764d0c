"""The evaluation harness: recognisers trained on HR, applied to every SR method's output.

For each test video and method (HR, Bicubic and every SR recipe): the LR test video is
super-resolved (cached lossless AVI), rawframes and flow are extracted with the profile's flow
method, each stream is scored with the test protocol and the streams are fused. Scores are cached
per (method, recogniser, stream) under a key of everything they depend on (recogniser weights,
the SR checkpoint digest, the protocol, the video list) and recomputed only when that changes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from arsr_lib import stats
from arsr_lib.atomic import MARKER, atomic_path, file_digest, files_tag, write_json_atomic
from arsr_lib.engine import Engine, Task, TrainConfig, load_final, seed_everything
from arsr_lib.frames import FramesConfig, extract_many, output_dir
from arsr_lib.models.stresnet import STResNet
from arsr_lib.models.tsn import TSN
from arsr_lib.recognition import ClipConfig, RawframeClips, cross_entropy_step, score_videos

# the paper's pairing and the comparisons the tables show: (frames method -> spatial, flow method -> temporal)
PAIRINGS = {
    "HR + HR": ("HR", "HR"),
    "Bicubic + Bicubic": ("Bicubic", "Bicubic"),
    "VDSR + VDSR": ("VDSR", "VDSR"),
    "ESRGAN + ESRGAN": ("ESRGAN", "ESRGAN"),
    "ESRGAN + VSR-DUF (off-the-shelf)": ("ESRGAN", "VSR-DUF"),
    "SoSR + ToSR-DUF (paper)": ("SoSR", "ToSR-DUF"),
    "SoSR-VDSR + ToSR-VDSR": ("SoSR-VDSR", "ToSR-VDSR"),
}
COMPARISONS = {  # (table, stream, a, b): is a better than b on the same videos?
    "SoSR vs ESRGAN (spatial)": ("rgb", "SoSR", "ESRGAN"),
    "SoSR-VDSR vs VDSR (spatial)": ("rgb", "SoSR-VDSR", "VDSR"),
    "ToSR-DUF vs VSR-DUF (temporal)": ("flow", "ToSR-DUF", "VSR-DUF"),
    "ToSR-VDSR vs VDSR (temporal)": ("flow", "ToSR-VDSR", "VDSR"),
}


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------
def build_recogniser(kind: str, n_classes: int, rec: dict):
    if kind == "tsn_rgb":
        return TSN(n_classes, "rgb", rec["depth"], rec["width"], rec["new_length"], rec["dropout_rgb"], rec["partial_bn"])
    if kind == "tsn_flow":
        return TSN(n_classes, "flow", rec["depth"], rec["width"], rec["new_length"], rec["dropout_flow"], rec["partial_bn"])
    if kind == "stresnet":
        return STResNet(n_classes, rec["depth"], rec["width"], rec["new_length"])
    raise ValueError(f"unknown recogniser {kind!r}")


def train_recognisers(ds, hr_frames_root, runs_dir, profile: str, seed: int = 0, progress: bool = True,
                      iters: dict | None = None) -> dict[str, Path]:
    """TSN RGB, TSN flow (cross-modality init from the RGB model), ST-ResNet (streams from the TSN models)."""
    from arsr_lib.profiles import REC

    rec = REC[profile]
    folders = [str(output_dir(hr_frames_root, i.rel_path)) for i in ds.train]
    labels = [i.label for i in ds.train]
    n_classes = len(ds.classes)
    out = {}
    for kind, modality, inputs in (("tsn_rgb", "rgb", ("rgb",)), ("tsn_flow", "flow", ("flow",)),
                                   ("stresnet", "both", ("rgb", "flow"))):
        seed_everything(seed)
        model = build_recogniser(kind, n_classes, rec)
        init = None
        if kind == "tsn_rgb" and rec["imagenet"]:
            from arsr_lib.models.resnet import load_imagenet

            load_imagenet(model.base, rec["imagenet"])
        elif kind == "tsn_flow":  # cross-modality initialisation from the (trained) RGB network
            init = out["tsn_rgb"]
            sd = load_final(init)["models"]["g"]
            own = model.state_dict()
            model.load_state_dict({k: v for k, v in sd.items() if k in own and v.shape == own[k].shape}, strict=False)
            model.init_flow_from_rgb(sd["base.conv1.weight"])
        elif kind == "stresnet":
            init = out["tsn_flow"]
            a = {k[len("base."):]: v for k, v in load_final(out["tsn_rgb"])["models"]["g"].items()}
            m = {k[len("base."):]: v for k, v in load_final(out["tsn_flow"])["models"]["g"].items()}
            model.appearance.load_state_dict(a)
            model.motion.load_state_dict(m)
        n_it = (iters or rec["iters"])[kind]
        clip_cfg = ClipConfig(modality, rec["segments"], rec["new_length"], rec["crop"],
                              flip=True if modality == "rgb" else rec["flip_flow"])
        ds_train = RawframeClips(folders, labels, clip_cfg, seed=seed)
        cfg = TrainConfig(iters=n_it, batch=rec["batch"], lr=rec["lr"], milestones=(int(n_it * 0.7),), gamma=0.1,
                          seed=seed, ckpt_every=max(50, n_it // 10), log_every=10, amp=profile != "smoke")
        sig = {"kind": kind, "rec": rec, "clips": asdict(clip_cfg), "init": file_digest(init) if init else None, "n_classes": n_classes,
               "train": files_tag([Path(f) / MARKER for f in folders])}
        task = Task(models={"g": model}, step=cross_entropy_step("g", inputs, 0.5 if kind == "stresnet" else 0.0),
                    specs={"g": {"arch": kind, "n_classes": n_classes}}, signature=sig)
        Engine(task, ds_train, cfg, Path(runs_dir) / kind, progress=progress, desc=kind).run()
        out[kind] = Path(runs_dir) / kind / "final.pt"
    return out


def load_recogniser(path, profile: str):
    from arsr_lib.profiles import REC

    state = load_final(path)
    spec = state["specs"]["g"]
    m = build_recogniser(spec["arch"], spec["n_classes"], REC[profile])
    m.load_state_dict(state["models"]["g"])
    return m.eval()


# ---------------------------------------------------------------------------------------------
# frames of every method, scores, tables
# ---------------------------------------------------------------------------------------------
@dataclass
class Harness:
    profile: str
    ds: object  # SplitDataset
    frames_roots: dict  # method -> rawframes root
    tags: dict  # method -> source tag (SR checkpoint digest)
    recognisers: dict  # kind -> final.pt
    cache_dir: Path
    flow_method: str = "dis"

    def protocol(self) -> dict:
        from arsr_lib.profiles import REC

        r = REC[self.profile]
        return {"flow": self.flow_method, "bound": 20, "snippets": r["test_snippets"], "crops": r["test_crops"],
                "crop": r["crop"], "new_length": r["new_length"], "fusion rgb:flow": r["fusion"],
                "profile": self.profile}

    def folders(self, method: str) -> list[str]:
        return [str(output_dir(self.frames_roots[method], i.rel_path)) for i in self.ds.test]

    def scores(self, kind: str, stream: str, method: str, flow_method_name: str | None = None) -> np.ndarray:
        """Cached scores (n_test, n_classes). ``stream``: "rgb", "flow" (TSN) or "both" (ST-ResNet with frames of
        ``method`` and flow of ``flow_method_name``)."""
        from arsr_lib.profiles import REC

        r = REC[self.profile]
        fm = flow_method_name or method
        key = {"kind": kind, "stream": stream, "method": method, "flow_from": fm, "tag": self.tags.get(method),
               "flow_tag": self.tags.get(fm), "rec": file_digest(self.recognisers[kind]), "protocol": self.protocol(),
               "videos": hashlib.sha256("\n".join(i.rel_path for i in self.ds.test).encode()).hexdigest()[:16]}
        name = f"{kind}-{stream}-{method}" + (f"-{fm}" if fm != method else "")
        path = Path(self.cache_dir) / f"{name}.npz"
        meta = path.with_suffix(".json")
        if path.is_file() and meta.is_file() and json.loads(meta.read_text()) == json.loads(json.dumps(key, default=str)):
            return np.load(path)["scores"]
        model = load_recogniser(self.recognisers[kind], self.profile)
        s = score_videos(model, self.folders(method), stream, r["test_snippets"], r["test_crops"], r["crop"],
                         r["new_length"], flow_folders=self.folders(fm) if stream == "both" else None)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=s)
        write_json_atomic(meta, key)
        return s

    @property
    def labels(self) -> np.ndarray:
        return np.array([i.label for i in self.ds.test])


def prepare_method_frames(ds, methods: dict, sr_root, frames_root, hr_root, bicubic_root, flow_method: str,
                          workers: int = 2, progress: bool = True) -> tuple[dict, dict]:
    """Rawframes roots and source tags of HR, Bicubic and each SR method (SR videos made and extracted if needed)."""
    from arsr_lib.sreval import checkpoint_digest, make_sr_videos, sr_video_path

    roots = {"HR": Path(hr_root), "Bicubic": Path(bicubic_root)}
    # the baselines' tags follow their rawframes (a regenerated dataset re-scores them)
    tags = {k: f"{k.lower()}-" + files_tag([output_dir(r, i.rel_path) / MARKER for i in ds.test]) for k, r in roots.items()}
    sr_methods = {k: v for k, v in methods.items() if v is not None}
    make_sr_videos(ds, sr_methods, sr_root, ds.test, progress=progress)
    for name, ckpt in sr_methods.items():
        tag = checkpoint_digest(ckpt)
        cfg = FramesConfig(variant="hr", flow_method=flow_method, source_tag=tag)
        root = Path(frames_root) / name
        jobs = [(sr_video_path(sr_root, name, i.rel_path), output_dir(root, i.rel_path)) for i in ds.test]
        extract_many(jobs, cfg, workers=workers, progress=progress, desc=f"frames {name}")
        roots[name], tags[name] = root, tag
    return roots, tags


def _acc_cells(scores, labels, seed=0) -> dict:
    correct = np.argmax(scores, 1) == labels
    lo, hi = stats.bootstrap_ci(correct, seed=seed)
    mlo, mhi = stats.bootstrap_ci(stats.mean_class_accuracy, labels, scores=scores, n_boot=500, seed=seed)
    return {"top-1 (%)": 100 * correct.mean(), "top-1 95% CI": f"[{100 * lo:.1f}, {100 * hi:.1f}]",
            "mean-class (%)": 100 * stats.mean_class_accuracy(scores, labels),
            "mean-class 95% CI": f"[{100 * mlo:.1f}, {100 * mhi:.1f}]"}


def stream_table(h: Harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN accuracy of one stream ("rgb" spatial, "flow" temporal) per SR method."""
    rows = [{"method": m, **_acc_cells(h.scores("tsn_" + stream, stream, m), h.labels)} for m in methods]
    return pd.DataFrame(rows)


def per_class_table(h: Harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN top-1 (%) of one stream per class (rows, with the number of test videos) and method (columns): where
    a method wins back or loses accuracy, e.g. the detail pairs of SynthActions for the spatial stream."""
    y = h.labels
    table = {"videos": [int((y == c).sum()) for c in range(len(h.ds.classes))]}
    for m in methods:
        pred = np.argmax(h.scores("tsn_" + stream, stream, m), 1)
        table[m] = [100 * float((pred[y == c] == c).mean()) if (y == c).any() else float("nan")
                    for c in range(len(h.ds.classes))]
    return pd.DataFrame(table, index=pd.Index(list(h.ds.classes), name="class"))


def fusion_table(h: Harness, pairings: dict = PAIRINGS) -> pd.DataFrame:
    from arsr_lib.profiles import REC

    wr, wf = REC[h.profile]["fusion"]
    rows = []
    for name, (fa, ff) in pairings.items():
        if fa not in h.frames_roots or ff not in h.frames_roots:
            continue
        tsn = wr * h.scores("tsn_rgb", "rgb", fa) + wf * h.scores("tsn_flow", "flow", ff)
        st = h.scores("stresnet", "both", fa, ff)
        row = {"pairing (frames + flow)": name}
        row.update({f"TSN {k}": v for k, v in _acc_cells(tsn, h.labels).items() if "mean" not in k})
        row.update({f"ST-ResNet {k}": v for k, v in _acc_cells(st, h.labels).items() if "mean" not in k})
        rows.append(row)
    return pd.DataFrame(rows)


def paired_tests(h: Harness) -> pd.DataFrame:
    from arsr_lib.profiles import REC

    wr, wf = REC[h.profile]["fusion"]
    rows = []
    y = h.labels
    for name, (stream, a, b) in COMPARISONS.items():
        if a not in h.frames_roots or b not in h.frames_roots:
            continue
        ca = np.argmax(h.scores("tsn_" + stream, stream, a), 1) == y
        cb = np.argmax(h.scores("tsn_" + stream, stream, b), 1) == y
        rows.append({"comparison": name, "recogniser": "TSN", **stats.paired_bootstrap(ca, cb), **stats.mcnemar_exact(ca, cb)})
    fa, ff = PAIRINGS["SoSR + ToSR-DUF (paper)"]
    if fa in h.frames_roots and ff in h.frames_roots:
        for rec_name, sa, sb in (
            ("TSN", wr * h.scores("tsn_rgb", "rgb", fa) + wf * h.scores("tsn_flow", "flow", ff),
             wr * h.scores("tsn_rgb", "rgb", "Bicubic") + wf * h.scores("tsn_flow", "flow", "Bicubic")),
            ("ST-ResNet", h.scores("stresnet", "both", fa, ff), h.scores("stresnet", "both", "Bicubic", "Bicubic")),
        ):
            ca, cb = np.argmax(sa, 1) == y, np.argmax(sb, 1) == y
            rows.append({"comparison": "SoSR + ToSR-DUF vs Bicubic + Bicubic (two-stream)", "recogniser": rec_name,
                         **stats.paired_bootstrap(ca, cb), **stats.mcnemar_exact(ca, cb)})
    df = pd.DataFrame(rows)
    for c in ("diff", "ci_low", "ci_high"):
        if c in df:
            df[c] = 100 * df[c]
    return df.rename(columns={"diff": "top-1 diff (pts)", "ci_low": "95% CI low", "ci_high": "95% CI high"})


def run_harness(prof, ds, methods: dict | None = None, progress: bool = True) -> Harness:
    """Train (or reuse) the recognisers, make every method's test rawframes, return the harness."""
    from arsr_lib.recipes import method_checkpoints

    methods = methods if methods is not None else method_checkpoints(prof.runs_dir())
    missing = [m for m, c in methods.items() if c is not None and not Path(c).is_file()]
    if missing:
        raise FileNotFoundError(f"SR checkpoints missing for {missing}: run notebooks 02 and 03 (or `arsr train`) first")
    recs = train_recognisers(ds, prof.frames_root("hr"), prof.runs_dir(), prof.name, prof.seed, progress)
    roots, tags = prepare_method_frames(ds, methods, prof.sr_root(), prof.frames_root("sr"), prof.frames_root("hr"),
                                        prof.frames_root("bicubic"), prof.flow_method, prof.workers, progress)
    return Harness(prof.name, ds, roots, tags, recs, prof.runs_dir() / "scores", prof.flow_method)


def flips(h: Harness, method: str, reference: str = "Bicubic") -> pd.DataFrame:
    """Test videos whose TSN spatial prediction changes between ``reference`` and ``method`` frames."""
    y = h.labels
    pa = np.argmax(h.scores("tsn_rgb", "rgb", method), 1)
    pr = np.argmax(h.scores("tsn_rgb", "rgb", reference), 1)
    rows = []
    for i, it in enumerate(h.ds.test):
        if pa[i] != pr[i] and (pa[i] == y[i] or pr[i] == y[i]):
            rows.append({"index": i, "video": it.rel_path, "true": h.ds.classes[y[i]],
                         reference: h.ds.classes[pr[i]], method: h.ds.classes[pa[i]],
                         "effect": "better" if pa[i] == y[i] else "worse"})
    return pd.DataFrame(rows, columns=["index", "video", "true", reference, method, "effect"])


def recognize(video, profile: str = "smoke", sr_rgb: str = "SoSR", sr_flow: str = "ToSR-DUF", top: int = 5,
              runs_dir=None, device: str = "cpu") -> list[tuple[str, float]]:
    """Two-stream TSN prediction for one video file: the ``top`` classes with their fused scores.

    When the video is smaller than the recogniser's input crop it is super-resolved first: frames by
    ``sr_rgb`` for the spatial stream, by ``sr_flow`` for the temporal stream (the paper's pairing by default).
    """
    import tempfile

    from arsr_lib.atomic import atomic_folder
    from arsr_lib.flow import compute_flow
    from arsr_lib.frames import write_rawframes
    from arsr_lib.inference import super_resolve
    from arsr_lib.profiles import REC, get_profile
    from arsr_lib.recipes import load_sr_model, method_checkpoints
    from arsr_lib.recognition import test_inputs
    from arsr_lib.video import read_video

    prof = get_profile(profile)
    r = REC[profile]
    runs = Path(runs_dir) if runs_dir else prof.runs_dir()
    frames = read_video(video, min_frames=r["new_length"] + 1)
    ckpts = method_checkpoints(runs)
    inputs = {}
    for stream, method in (("rgb", sr_rgb), ("flow", sr_flow)):
        v = frames
        if min(frames.shape[1:3]) < r["crop"]:
            if method not in ckpts:
                raise ValueError(f"unknown SR method {method!r}; choose from {list(ckpts)}")
            v = super_resolve(load_sr_model(ckpts[method] or "bicubic", device=device), frames, device=device)
        inputs[stream] = v
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for stream, v in inputs.items():
            cfg = FramesConfig(flow_method=prof.flow_method if stream == "flow" else None, min_frames=1)
            folder = Path(tmp) / stream
            fl = compute_flow(v, prof.flow_method) if stream == "flow" else None
            with atomic_folder(folder, {"recognize": stream}) as (t, info):
                info.update(write_rawframes(t, v, fl, cfg))
            x = test_inputs(str(folder), stream, r["test_snippets"], r["test_crops"], r["crop"], r["new_length"])
            model = load_recogniser(runs / f"tsn_{stream}" / "final.pt", profile)
            with torch.no_grad():
                scores[stream] = model(x[None])[0].numpy()
    fused = r["fusion"][0] * scores["rgb"] + r["fusion"][1] * scores["flow"]
    classes = _class_names(prof)
    order = np.argsort(-fused)[:top]
    return [(classes[i], float(fused[i])) for i in order]


def _class_names(prof) -> list[str]:
    from arsr_lib.datasets import load_dataset

    return load_dataset(prof.dataset, prof.split_dir, prof.split, prof.resolved_root()).classes
