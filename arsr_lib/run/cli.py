"""Command line ``arsr`` (also ``python -m arsr_lib``).

Examples::

    arsr splits --dataset ucf101 --split-dir ../shared/realdata/ucf101_splits --split 1
    arsr synth --out data/synth --size smoke
    arsr frames --dataset synth --root data/synth --out data/rawframes/hr --variant hr --flow dis --workers 2
    arsr frames --dataset ucf101 --root /data/UCF101 --split-dir /data/ucfTrainTestlist \\
        --out /data/ucf_frames --variant lr --flow tvl1 --shard 3/16
    arsr reproduce --profile smoke
    arsr evaluate --profile paper --shard 3/8   # one share of the test videos (or: torchrun ... evaluate)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arsr_lib.config import PROFILES
from arsr_lib.core.errors import ArsrError
from arsr_lib.data.synth.spec import SIZES
from arsr_lib.run import commands, weights
from arsr_lib.run.argtypes import COUNT, add_strict, error_line, int_in


def _add_dataset_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument(
        "--dataset",
        required=required,
        choices=["ucf101", "hmdb51", "synth", "folder"],
        help="split format: ucf101 (also SynthActions), hmdb51, or a plain folder of class folders",
    )
    p.add_argument(
        "--split-dir",
        type=Path,
        help="folder with the split files "
        "(ucfTrainTestlist / testTrainMulti_7030_splits); default <root>/ucfTrainTestlist for ucf101/synth",
    )
    p.add_argument("--split", type=int, default=1, choices=[1, 2, 3])
    p.add_argument("--root", type=Path, help="dataset root holding <Class>/<video>")


def _add_experiment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default="smoke", choices=sorted(PROFILES))
    p.add_argument(
        "--config", type=Path, help="a YAML/TOML experiment (base profile + overrides) instead of --profile"
    )
    p.add_argument(
        "--device",
        help="auto (CUDA when present), cpu, cuda or cuda:N for SR training, SR and scoring "
        "(default: the experiment's compute.device)",
    )


def _splits_parser(sub) -> None:
    p = sub.add_parser(
        "splits",
        help="print classes and train/test/unused counts of a dataset split",
        description="Print the classes and the train/test/unused counts of a split, to check an install.",
    )
    _add_dataset_args(p)
    p.add_argument("--present", action="store_true", help="count only the videos present under --root")
    p.add_argument("--strict", action="store_true", help="with --present: fail listing missing videos")
    p.add_argument("--classes", action="store_true", help="also list the classes")
    p.set_defaults(func=commands.cmd_splits)


def _frames_parser(sub) -> None:
    p = sub.add_parser(
        "frames",
        help="extract rawframes (img_/flow_x_/flow_y_) for HR, LR or bicubic video",
        description="Extract TSN-layout rawframes and quantised flow, in parallel, resumably.",
    )
    _add_dataset_args(p, required=False)
    p.add_argument("--video", nargs="+", help="extract these video files instead of a dataset")
    p.add_argument("--subsets", default="train,test", help="comma-separated: train,test,unused")
    p.add_argument(
        "--out", required=True, type=Path, help="output root (<out>/<Class>/<video>/img_00001.jpg ...)"
    )
    p.add_argument("--variant", default="hr", choices=["hr", "lr", "bicubic"])
    p.add_argument("--scale", type=int_in(2), default=4)
    p.add_argument("--flow", default="dis", choices=["tvl1", "tvl1_torch", "dis", "farneback", "none"])
    p.add_argument("--image-ext", default="jpg", choices=["jpg", "png"], help="png for lossless frames")
    p.add_argument("--max-frames", type=int_in(2))
    p.add_argument("--workers", type=COUNT, default=1, help="processes (one video each)")
    gpu = "tvl1_torch on CUDA (auto: when present): flow on the GPU, decoding and writing in the workers"
    p.add_argument("--device", default="auto", help=gpu)
    p.add_argument("--flow-batch", type=int_in(1), default=16, help="tvl1_torch: frame pairs per launch")
    p.add_argument("--shard", help="k/n: process only every n-th video starting at k (cluster array jobs)")
    add_strict(p, "a listed video is missing, or one")
    p.add_argument("--force", action="store_true", help="redo complete folders too")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=commands.cmd_frames)


def _synth_parser(sub) -> None:
    p = sub.add_parser(
        "synth",
        help="generate the SynthActions dataset (UCF101 layout)",
        description="Generate SynthActions: videos, ground-truth masks and flow, split files.",
    )
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--size", default="smoke", choices=list(SIZES), help="a SynthActions size (default smoke)")
    p.add_argument("--classes", help="comma-separated subset of the classes")
    p.add_argument("--groups", type=COUNT)
    p.add_argument("--clips", type=COUNT, help="clips per group")
    p.add_argument(
        "--val-groups", type=int_in(0), help="validation groups (the last ones; default: the size's)"
    )
    p.add_argument("--frames", type=int_in(2))
    p.add_argument("--height", type=int_in(16))
    p.add_argument("--width", type=int_in(16))
    p.add_argument("--fps", type=float)
    p.add_argument("--seed", type=int_in(0, 2**32 - 1))
    p.add_argument("--noise", type=float, help="sensor noise sigma (grey levels)")
    p.add_argument("--pan", type=float, help="max camera pan speed (px/frame)")
    p.add_argument("--distractor", action="store_true", help="add a small moving ball")
    p.add_argument("--workers", type=COUNT, default=2)
    p.add_argument("--force", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.cmd_synth)


def _sr_parser(sub) -> None:
    p = sub.add_parser(
        "sr",
        help="super-resolve a video with a trained model (or bicubic)",
        description="Super-resolve INPUT with a checkpoint (final.pt of any recipe) or 'bicubic'.",
    )
    p.add_argument("input", type=Path)
    p.add_argument(
        "-m",
        "--model",
        required=True,
        help="final.pt of a training run, a pretrained model (realsr-df2k, realesrgan-x4plus) or 'bicubic'",
    )
    p.add_argument(
        "-o", "--output", required=True, type=Path, help="out.avi (lossless FFV1) or a folder of frames"
    )
    p.add_argument("--format", choices=["avi", "png", "jpg"], help="default: avi for .avi outputs, else png")
    p.add_argument(
        "--degrade", action="store_true", help="first make the paper's x4 LR of INPUT (for HR inputs)"
    )
    p.add_argument("--batch", type=COUNT, help="frames per forward pass (default: from the frame size)")
    p.add_argument(
        "--tile",
        type=int_in(8),
        help=f"LR tile side, tiles overlap (default: {commands.AUTO_TILE} for larger frames)",
    )
    p.add_argument("--max-frames", type=int_in(2))
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (GPU only)")
    add_strict(p, "INPUT")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.cmd_sr)


def _train_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an SR recipe of a profile (resumes automatically)",
        description="Train one recipe; a killed run resumes from its last checkpoint.",
    )
    p.add_argument(
        "--recipe",
        required=True,
        help="a recipe of the experiment: rrdb_psnr, esrgan, sosr, vdsr, "
        "sosr_vdsr, duf, tosr_duf, tosr_vdsr (or one a config file adds)",
    )
    _add_experiment_args(p)
    p.add_argument("--iters", type=COUNT, help="override the profile's iteration count")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.cmd_train)


def _recognisers_parser(sub) -> None:
    p = sub.add_parser(
        "recognisers",
        help="train the recognisers (TSN RGB, TSN flow, ST-ResNet) of a profile on HR",
        description="Train or reuse the three recognisers on the HR training split; a killed run resumes "
        "from its last checkpoint, and a notebook asking for them meanwhile waits and reuses them.",
    )
    _add_experiment_args(p)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.cmd_recognisers)


def _recognize_parser(sub) -> None:
    p = sub.add_parser(
        "recognize",
        help="top-5 classes of the two-stream prediction for a video",
        description="TSN two-stream prediction; videos smaller than the recogniser's input are "
        "super-resolved first (SoSR frames, ToSR flow by default).",
    )
    p.add_argument("video", type=Path)
    _add_experiment_args(p)
    p.add_argument(
        "--sr-rgb", help="SR method for the spatial stream (default: the study's; e.g. SoSR, ESRGAN, Bicubic)"
    )
    p.add_argument("--sr-flow", help="SR method for the temporal stream (default: the study's)")
    p.add_argument("--top", type=COUNT, default=5)
    p.add_argument("--runs", type=Path, help="runs folder with the recognisers and SR checkpoints")
    p.add_argument(
        "--recogniser",
        type=Path,
        help="a folder with tsn_rgb/final.pt and tsn_flow/final.pt (e.g. of a paper run); default --runs",
    )
    add_strict(p, "the video")
    p.set_defaults(func=commands.cmd_recognize)


def _reproduce_parser(sub) -> None:
    p = sub.add_parser(
        "reproduce",
        help="run every notebook in order through papermill",
        description="Run notebooks/NN_*.ipynb in order; outputs in reports/<profile>/.",
    )
    _add_experiment_args(p)
    p.add_argument("--only", nargs="+", help="notebook name prefixes to run (e.g. 01)")
    p.add_argument(
        "--force", action="store_true", help="run every stage even when its recorded outputs are complete"
    )
    p.set_defaults(func=commands.cmd_reproduce)


def _evaluate_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score every SR method with the trained recognisers and write the tables (shardable)",
        description="Notebook 05's evaluation without a notebook. Under torchrun each rank super-resolves "
        "and scores its share of the test videos and rank 0 merges them and writes the tables; --shard k/n "
        "does one share (a cluster array job); a run without --shard merges complete shards, computing only "
        "what is missing. Train the recognisers first (notebook 05, or one unsharded run).",
    )
    _add_experiment_args(p)
    p.add_argument("--shard", help="k/n: this job's share of the test videos (every n-th from k)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=commands.cmd_evaluate)


def _notebooks_parser(sub) -> None:
    p = sub.add_parser(
        "notebooks",
        help="write the notebooks as .ipynb (from notebooks/NN_*.py) for nbval",
        description="Convert the jupytext sources notebooks/NN_*.py into OUT/NN_*.ipynb.",
    )
    p.add_argument("--out", type=Path, default=Path("build/notebooks"))
    p.set_defaults(func=commands.cmd_notebooks)


def _config_parser(sub) -> None:
    p = sub.add_parser(
        "config",
        help="print an experiment (a profile or a config file) as JSON",
        description="Print every setting of an experiment, e.g. to start a config file from.",
    )
    _add_experiment_args(p)
    p.set_defaults(func=commands.cmd_config)


SUBCOMMANDS = (
    _splits_parser,
    _frames_parser,
    _synth_parser,
    _sr_parser,
    _train_parser,
    _recognisers_parser,
    _recognize_parser,
    _reproduce_parser,
    _evaluate_parser,
    _notebooks_parser,
    _config_parser,
    weights.add_parser,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arsr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ArsrError, OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"arsr {args.command}: error: {error_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
