"""Command line ``arsr`` (also ``python -m arsr_lib``).

Examples::

    arsr splits --dataset ucf101 --split-dir ../shared/realdata/ucf101_splits --split 1
    arsr synth --out data/synth --size smoke
    arsr frames --dataset synth --root data/synth --out data/rawframes/hr --variant hr --flow dis --workers 2
    arsr frames --dataset ucf101 --root /data/UCF101 --split-dir /data/ucfTrainTestlist \\
        --out /data/ucf_frames --variant lr --flow tvl1 --shard 3/16
    arsr reproduce --profile smoke
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arsr_lib.errors import ArsrError


def _add_dataset_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--dataset", required=required, choices=["ucf101", "hmdb51", "synth", "folder"],
                   help="split format: ucf101 (also SynthActions), hmdb51, or a plain folder of class folders")
    p.add_argument("--split-dir", type=Path, help="folder with the split files "
                   "(ucfTrainTestlist / testTrainMulti_7030_splits); default <root>/ucfTrainTestlist for ucf101/synth")
    p.add_argument("--split", type=int, default=1, choices=[1, 2, 3])
    p.add_argument("--root", type=Path, help="dataset root holding <Class>/<video>")


def _load(args):
    from arsr_lib.datasets import load_dataset

    return load_dataset(args.dataset, args.split_dir, args.split, args.root)


def cmd_splits(args) -> int:
    ds = _load(args)
    if args.present:
        ds = ds.filter_present(strict=args.strict)
    c = ds.counts()
    print(f"{ds.name} split {ds.split}: {c['classes']} classes, train {c['train']}, test {c['test']}, "
          f"unused {c['unused']}, distinct videos {c['distinct']}")
    if args.classes:
        for i, name in enumerate(ds.classes, 1):
            print(f"{i:4d} {name}")
    return 0


def cmd_frames(args) -> int:
    from arsr_lib import protocol
    from arsr_lib.frames import FramesConfig, extract_dataset, extract_many

    cfg = FramesConfig(variant=args.variant, scale=args.scale, flow_method=None if args.flow == "none" else args.flow,
                       image_ext=args.image_ext, max_frames=args.max_frames,
                       min_frames=1 if args.flow == "none" else 2)
    print(protocol.describe(cfg.flow_method, variant=cfg.variant, frames=cfg.image_ext))
    kw = dict(workers=args.workers, shard=args.shard, progress=not args.quiet, force=args.force)
    if args.video:
        jobs = [(Path(v), Path(args.out) / Path(v).stem) for v in args.video]
        counts = extract_many(jobs, cfg, **kw)
    else:
        if args.dataset is None:
            raise ArsrError("arsr frames: give --dataset (with --root) or one or more --video files")
        ds = _load(args).filter_present(strict=args.strict)
        counts = extract_dataset(ds, args.out, cfg, subsets=tuple(args.subsets.split(",")), **kw)
    print(f"rawframes in {args.out}: {counts['done']} extracted, {counts['skipped']} already complete")
    return 0


def cmd_synth(args) -> int:
    from arsr_lib import synth

    cfg = synth.config_for(args.size, **{k: v for k, v in dict(
        groups=args.groups, clips_per_group=args.clips, frames=args.frames, height=args.height, width=args.width,
        seed=args.seed, noise_sigma=args.noise, pan_speed=args.pan, fps=args.fps).items() if v is not None},
        **({"classes": tuple(args.classes.split(","))} if args.classes else {}),
        **({"distractor": True} if args.distractor else {}))
    root = synth.generate(args.out, cfg, workers=args.workers, progress=not args.quiet, force=args.force)
    n = len(cfg.classes) * cfg.groups * cfg.clips_per_group
    print(f"SynthActions ({args.size}): {len(cfg.classes)} classes x {cfg.groups} groups x {cfg.clips_per_group} clips "
          f"= {n} videos of {cfg.frames} frames at {cfg.width}x{cfg.height} in {root}")
    return 0


def cmd_sr(args) -> int:
    from arsr_lib.degrade import downscale
    from arsr_lib.inference import save_sr, super_resolve
    from arsr_lib.recipes import load_sr_model
    from arsr_lib.video import read_video

    frames = read_video(args.input, max_frames=args.max_frames)
    if args.degrade:
        frames = downscale(frames)
    model = load_sr_model(args.model, device=args.device)
    sr = super_resolve(model, frames, batch=args.batch, tile=args.tile, device=args.device, progress=not args.quiet)
    out = save_sr(sr, args.output, fmt=args.format)
    print(f"{args.input}: {len(frames)} frames {frames.shape[2]}x{frames.shape[1]} -> {sr.shape[2]}x{sr.shape[1]} "
          f"with {args.model} -> {out}")
    return 0


def cmd_train(args) -> int:
    from arsr_lib.prep import prepare_dataset
    from arsr_lib.profiles import get_profile, project_root
    from arsr_lib.recipes import train_recipe

    prof = get_profile(args.profile)
    ds = prepare_dataset(prof, progress=not args.quiet)
    train = [ds.path(i) for i in ds.train]
    val = [ds.path(i) for i in ds.test]
    runs = args.runs or project_root() / "runs" / prof.name
    final = train_recipe(args.recipe, prof.name, train, val, runs, progress=not args.quiet, flow_method=prof.flow_method,
                         seed=prof.seed, iters=args.iters, device=args.device)
    print(f"{args.recipe} ({prof.name}): {final}")
    return 0


def cmd_recognize(args) -> int:
    from arsr_lib import protocol
    from arsr_lib.evaluate import recognize

    top = recognize(args.video, args.profile, args.sr_rgb, args.sr_flow, args.top, args.runs, args.device)
    print(protocol.describe(None, profile=args.profile, streams=f"frames {args.sr_rgb}, flow {args.sr_flow}"))
    for rank, (name, score) in enumerate(top, 1):
        print(f"{rank}. {name:24s} {score:8.3f}")
    return 0


def cmd_reproduce(args) -> int:
    from arsr_lib.reproduce import main as run

    return run(args.profile, args.only, args.force)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arsr", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("splits", help="print classes and train/test/unused counts of a dataset split",
                       description="Print the classes and the train/test/unused counts of a split, to check an install.")
    _add_dataset_args(p)
    p.add_argument("--present", action="store_true", help="count only the videos present under --root")
    p.add_argument("--strict", action="store_true", help="with --present: fail listing missing videos")
    p.add_argument("--classes", action="store_true", help="also list the classes")
    p.set_defaults(func=cmd_splits)

    p = sub.add_parser("frames", help="extract rawframes (img_/flow_x_/flow_y_) for HR, LR or bicubic video",
                       description="Extract TSN-layout rawframes and quantised flow, in parallel, resumably.")
    _add_dataset_args(p, required=False)
    p.add_argument("--video", nargs="+", help="extract these video files instead of a dataset")
    p.add_argument("--subsets", default="train,test", help="comma-separated: train,test,unused")
    p.add_argument("--out", required=True, type=Path, help="output root (<out>/<Class>/<video>/img_00001.jpg ...)")
    p.add_argument("--variant", default="hr", choices=["hr", "lr", "bicubic"])
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--flow", default="dis", choices=["tvl1", "dis", "farneback", "none"])
    p.add_argument("--image-ext", default="jpg", choices=["jpg", "png"], help="png for lossless frames")
    p.add_argument("--max-frames", type=int)
    p.add_argument("--workers", type=int, default=1, help="processes (one video each)")
    p.add_argument("--shard", help="k/n: process only every n-th video starting at k (cluster array jobs)")
    p.add_argument("--strict", action="store_true", help="fail when a listed video is missing")
    p.add_argument("--force", action="store_true", help="redo complete folders too")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_frames)

    p = sub.add_parser("synth", help="generate the SynthActions dataset (UCF101 layout)",
                       description="Generate SynthActions: videos, ground-truth masks and flow, split files.")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--size", default="smoke", choices=["smoke", "default", "paper-like"])
    p.add_argument("--classes", help="comma-separated subset of the classes")
    p.add_argument("--groups", type=int)
    p.add_argument("--clips", type=int, help="clips per group")
    p.add_argument("--frames", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--width", type=int)
    p.add_argument("--fps", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--noise", type=float, help="sensor noise sigma (grey levels)")
    p.add_argument("--pan", type=float, help="max camera pan speed (px/frame)")
    p.add_argument("--distractor", action="store_true", help="add a small moving ball")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--force", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("sr", help="super-resolve a video with a trained model (or bicubic)",
                       description="Super-resolve INPUT with a checkpoint (final.pt of any recipe) or 'bicubic'.")
    p.add_argument("input", type=Path)
    p.add_argument("-m", "--model", required=True, help="final.pt of a training run, or 'bicubic'")
    p.add_argument("-o", "--output", required=True, type=Path, help="out.avi (lossless FFV1) or a folder of frames")
    p.add_argument("--format", choices=["avi", "png", "jpg"], help="default: avi for .avi outputs, else png")
    p.add_argument("--degrade", action="store_true", help="first make the paper's x4 LR of INPUT (for HR inputs)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--tile", type=int, help="LR tile size for frames too large for memory")
    p.add_argument("--max-frames", type=int)
    p.add_argument("--device", default="cpu")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_sr)

    p = sub.add_parser("train", help="train an SR recipe of a profile (resumes automatically)",
                       description="Train one recipe; a killed run resumes from its last checkpoint.")
    p.add_argument("--recipe", required=True, choices=["rrdb_psnr", "esrgan", "sosr", "vdsr", "sosr_vdsr", "duf",
                                                       "tosr_duf", "tosr_vdsr"])
    p.add_argument("--profile", default="smoke", choices=["smoke", "ci", "paper"])
    p.add_argument("--iters", type=int, help="override the profile's iteration count")
    p.add_argument("--runs", type=Path, help="runs folder (default runs/<profile>)")
    p.add_argument("--device")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("recognize", help="top-5 classes of the two-stream prediction for a video",
                       description="TSN two-stream prediction; videos smaller than the recogniser's input are "
                                   "super-resolved first (SoSR frames, ToSR flow by default).")
    p.add_argument("video", type=Path)
    p.add_argument("--profile", default="smoke", choices=["smoke", "ci", "paper"])
    p.add_argument("--sr-rgb", default="SoSR", help="SR method for the spatial stream (e.g. SoSR, ESRGAN, Bicubic)")
    p.add_argument("--sr-flow", default="ToSR-DUF", help="SR method for the temporal stream")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--runs", type=Path, help="runs folder with the recognisers and SR checkpoints")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=cmd_recognize)

    p = sub.add_parser("reproduce", help="run every notebook in order through papermill",
                       description="Run notebooks/NN_*.ipynb in order; outputs in reports/<profile>/.")
    p.add_argument("--profile", default="smoke", choices=["smoke", "ci", "paper"])
    p.add_argument("--only", nargs="+", help="notebook name prefixes to run (e.g. 01)")
    p.add_argument("--force", action="store_true", help="run every stage even when its recorded outputs are complete")
    p.set_defaults(func=cmd_reproduce)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ArsrError, PermissionError, ValueError, FileNotFoundError) as exc:
        print(f"arsr {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
