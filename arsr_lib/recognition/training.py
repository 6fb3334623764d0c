"""Recogniser training on HR rawframes: TSN RGB, TSN flow (cross-modality from the RGB network), ST-ResNet
(its streams from the two TSN networks), each a run of the one engine with a :class:`ClassifierStep`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from torch import nn

from arsr_lib.config import Experiment, RecognitionConfig, to_dict
from arsr_lib.core.atomic import MARKER, file_digest, files_tag
from arsr_lib.core.codekey import code_digest
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.frames import output_dir
from arsr_lib.data.rawframes import rawframes_info
from arsr_lib.models import build_model, model_from_checkpoint
from arsr_lib.models.resnet import load_imagenet
from arsr_lib.recognition.clips import ClipConfig, RawframeClips
from arsr_lib.train.checkpoint import CheckpointError, load_final
from arsr_lib.train.engine import Engine
from arsr_lib.train.steps import ClassifierStep
from arsr_lib.train.task import Task, TrainConfig, seed_everything

# recogniser -> (clip modality, batch keys fed to the model)
KINDS = {"tsn_rgb": ("rgb", ("rgb",)), "tsn_flow": ("flow", ("flow",)), "stresnet": ("both", ("rgb", "flow"))}
STRESNET_STREAMS_WEIGHT = 0.5  # each stream's own cross-entropy, added to the fused one
# what a recogniser checkpoint says it was trained on (printed beside every single-video verdict)
DATASET_LABELS = {
    "synth": "SynthActions",
    "ucf101": "UCF101",
    "hmdb51": "HMDB51",
    "folder": "a folder dataset",
}


def recogniser_spec(kind: str, n_classes: int, rec: RecognitionConfig) -> dict:
    """``{"arch", "kwargs"}`` of a recogniser: what its checkpoint records to rebuild it."""
    common = dict(num_classes=n_classes, depth=rec.depth, width=rec.width, new_length=rec.new_length)
    # TSN's backbone in NHWC order when asked (ST-ResNet's steps are slower so: reports/benchmarks/
    # channels_last.md); recorded only when set, so the specs of checkpoints made before it stay the same
    tsn = dict(common, channels_last=True) if rec.channels_last else common
    if kind == "tsn_rgb":
        return {
            "arch": "tsn",
            "kwargs": dict(tsn, modality="rgb", dropout=rec.dropout_rgb, partial_bn=rec.partial_bn),
        }
    if kind == "tsn_flow":
        return {
            "arch": "tsn",
            "kwargs": dict(tsn, modality="flow", dropout=rec.dropout_flow, partial_bn=rec.partial_bn),
        }
    if kind == "stresnet":
        return {"arch": "stresnet", "kwargs": common}
    raise ValueError(f"unknown recogniser {kind!r}; choose one of {sorted(KINDS)}")


def _initialise(kind: str, model, rec: RecognitionConfig, done: dict[str, Path]) -> Path | None:
    """Load the weights a recogniser starts from; returns the checkpoint it was initialised from."""
    if kind == "tsn_rgb":
        if rec.imagenet_weights:
            load_imagenet(model.base, rec.imagenet_weights)
        return None
    if kind == "tsn_flow":  # cross-modality initialisation from the (trained) RGB network
        rgb = load_final(done["tsn_rgb"])["models"]["g"]
        own = model.state_dict()
        model.load_state_dict(
            {k: v for k, v in rgb.items() if k in own and v.shape == own[k].shape}, strict=False
        )
        model.init_flow_from_rgb(rgb["base.conv1.weight"])
        return done["tsn_rgb"]
    strip = len("base.")
    model.appearance.load_state_dict(
        {k[strip:]: v for k, v in load_final(done["tsn_rgb"])["models"]["g"].items()}
    )
    model.motion.load_state_dict(
        {k[strip:]: v for k, v in load_final(done["tsn_flow"])["models"]["g"].items()}
    )
    return done["tsn_flow"]


def _train_config(rec: RecognitionConfig, kind: str, seed: int, workers: int) -> TrainConfig:
    """The engine's configuration of recogniser ``kind``: lr x0.1 at 70 % of its steps, ~10 checkpoints."""
    n_iters, sched = rec.iters[kind], rec.schedule
    return TrainConfig(
        iters=n_iters,
        batch=rec.batch,
        lr=rec.lr,
        milestones=(int(n_iters * 0.7),),
        gamma=0.1,
        seed=seed,
        ckpt_every=max(sched.ckpt_every, n_iters // 10),
        log_every=sched.log_every,
        amp=sched.amp,
        num_workers=workers,
    )


def _frame_size(folders: list[str]) -> dict[str, int]:
    """The size of the frames a recogniser learns from (what ``arsr recognize`` brings a large clip to)."""
    meta = rawframes_info(folders[0])
    return {"height": int(meta["height"]), "width": int(meta["width"])}


def train_recognisers(
    ds: SplitDataset,
    hr_frames_root: str | Path,
    runs_dir: str | Path,
    rec: RecognitionConfig,
    seed: int = 0,
    progress: bool = True,
    dataset: str = "synth",
    device: str = "auto",
    workers: int = 0,
    cache_bytes: int = 0,
    upto: str | None = None,
) -> dict[str, Path]:
    """Train (or reuse) the three recognisers in order on ``device`` with ``workers`` DataLoader processes
    reading the sampled frames, each keeping up to ``cache_bytes`` of decoded images; returns
    ``kind -> final.pt``. ``upto``: stop after that one (it and those it starts from)."""
    if upto is not None and upto not in KINDS:
        raise ValueError(f"train_recognisers: upto must be one of {list(KINDS)} (got {upto!r})")
    folders = [str(output_dir(hr_frames_root, i.rel_path)) for i in ds.train]
    labels, n_classes = [i.label for i in ds.train], len(ds.classes)
    done: dict[str, Path] = {}
    for kind, (modality, inputs) in KINDS.items():
        seed_everything(seed)
        spec = recogniser_spec(kind, n_classes, rec)
        model = build_model(spec["arch"], **spec["kwargs"])
        init = _initialise(kind, model, rec, done)
        clips = ClipConfig(
            modality,
            rec.segments,
            rec.new_length,
            rec.crop,
            flip=True if modality == "rgb" else rec.flip_flow,
        )
        cfg = _train_config(rec, kind, seed, workers)
        signature = {
            "kind": kind,
            "recognition": to_dict(rec),
            "clips": asdict(clips),
            "init": file_digest(init) if init else None,
            "n_classes": n_classes,
            "train": files_tag([Path(f) / MARKER for f in folders]),
            "code": code_digest("recogniser_training"),
        }
        step = ClassifierStep(inputs, STRESNET_STREAMS_WEIGHT if kind == "stresnet" else 0.0)
        classes = {"dataset": DATASET_LABELS.get(dataset, dataset), "names": list(ds.classes)}
        specs = {"g": spec, "classes": classes, "frames": _frame_size(folders)}
        task = Task({"g": model}, step, specs=specs, signature=signature)
        Engine(
            task,
            RawframeClips(folders, labels, clips, seed=seed, cache_bytes=cache_bytes),
            cfg,
            Path(runs_dir) / kind,
            device=device,
            progress=progress,
            desc=kind,
        ).run()
        done[kind] = Path(runs_dir) / kind / "final.pt"
        if kind == upto:
            break
    return done


def train_experiment_recognisers(
    exp: Experiment,
    ds: SplitDataset,
    progress: bool = True,
    upto: str | None = None,
    variant: str = "hr",
    runs_dir: Path | None = None,
    rec: RecognitionConfig | None = None,
) -> dict[str, Path]:
    """:func:`train_recognisers` with everything taken from experiment ``exp`` (what the harness and ``arsr
    recognisers`` both call, so that either reuses the other's runs); the LR oracle trains on another
    ``variant``'s frames into its own ``runs_dir`` with its own ``rec``."""
    return train_recognisers(
        ds,
        exp.frames_root(variant),
        runs_dir or exp.runs_dir(),
        rec or exp.recognition,
        exp.seed,
        progress,
        exp.data.dataset,
        device=exp.compute.device,
        workers=exp.workers,
        cache_bytes=exp.loader_cache_bytes,
        upto=upto,
    )


class Recognisers(Mapping):
    """``kind -> final.pt`` of experiment ``exp``'s recognisers, each trained, reused or waited for (while
    another process holds its run: the recogniser lane) when it is first asked for, with those it starts
    from. A harness thus scores the TSN streams while ST-ResNet, the last of the three, still trains in the
    lane; iterating gives every kind in training order."""

    def __init__(self, exp: Experiment, ds: SplitDataset, progress: bool = True):
        self._exp, self._ds, self._progress = exp, ds, progress
        self._paths: dict[str, Path] = {}

    def __getitem__(self, kind: str) -> Path:
        if kind not in KINDS:
            raise KeyError(f"no recogniser {kind!r}; the recognisers are {list(KINDS)}")
        if kind not in self._paths:
            self._paths.update(train_experiment_recognisers(self._exp, self._ds, self._progress, upto=kind))
        return self._paths[kind]

    def __iter__(self):
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


def load_recogniser(path: str | Path, device: str = "cpu") -> nn.Module:
    """A trained recogniser from its ``final.pt``, rebuilt from the architecture the checkpoint records."""
    return model_from_checkpoint(load_final(path, map_location=device)).to(device).eval()


def recogniser_frame_size(path: str | Path) -> tuple[int, int]:
    """(height, width) of the frames a recogniser checkpoint was trained on."""
    specs = load_final(path)["specs"]
    if "frames" not in specs:
        raise CheckpointError(
            f"{path}: records no training frame size (a recogniser trained before it was recorded); "
            "train it again"
        )
    return int(specs["frames"]["height"]), int(specs["frames"]["width"])


def recogniser_classes(path: str | Path) -> tuple[str, list[str]]:
    """(the dataset it was trained on, its class names) as a recogniser checkpoint records them."""
    specs = load_final(path)["specs"]
    if "classes" not in specs:
        raise CheckpointError(
            f"{path}: records no class names (a recogniser trained before they were recorded); train it again"
        )
    return specs["classes"]["dataset"], list(specs["classes"]["names"])
