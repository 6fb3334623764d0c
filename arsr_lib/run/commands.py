"""What each ``arsr`` subcommand does (the parser is :mod:`arsr_lib.run.cli`).

The package modules are imported inside each command so that ``arsr --help`` and a command's own startup
load only what that command uses (torch, OpenCV and papermill are slow to import); no import cycle is
involved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arsr_lib.core.errors import ArsrError


def _load(args):
    from arsr_lib.data.splitfiles import load_dataset

    return load_dataset(args.dataset, args.split_dir, args.split, args.root)


def cmd_splits(args: argparse.Namespace) -> int:
    ds = _load(args)
    if args.present:
        ds = ds.filter_present(strict=args.strict)
    c = ds.counts()
    print(
        f"{ds.name} split {ds.split}: {c['classes']} classes, train {c['train']}, test {c['test']}, "
        f"unused {c['unused']}, distinct videos {c['distinct']}"
    )
    if args.classes:
        for i, name in enumerate(ds.classes, 1):
            print(f"{i:4d} {name}")
    return 0


def cmd_frames(args: argparse.Namespace) -> int:
    from arsr_lib.core import protocol
    from arsr_lib.core.devices import rank_device, resolve_device
    from arsr_lib.core.shards import torchrun_shard
    from arsr_lib.data.extract import extract_dataset, extract_many
    from arsr_lib.data.flow import flow_device
    from arsr_lib.data.frames import FramesConfig

    cfg = FramesConfig(
        variant=args.variant,
        scale=args.scale,
        flow_method=None if args.flow == "none" else args.flow,
        image_ext=args.image_ext,
        max_frames=args.max_frames,
        min_frames=1 if args.flow == "none" else 2,
    )
    print(protocol.describe(cfg.flow_method, variant=cfg.variant, frames=cfg.image_ext))
    # torchrun: each rank extracts its share of the videos on its own GPU
    ranked = torchrun_shard()
    shard = f"{ranked[0]}/{ranked[1]}" if ranked else args.shard
    device = flow_device(cfg.flow_method, rank_device(resolve_device(args.device)))
    kw = dict(
        workers=args.workers, shard=shard, progress=not args.quiet, force=args.force, strict=args.strict
    )
    if device is not None:
        print(f"flow on {device}, {args.flow_batch} pairs per launch; decoding and writing in the workers")
        kw.update(flow_device=str(device), flow_batch=args.flow_batch)
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


def cmd_synth(args: argparse.Namespace) -> int:
    from arsr_lib.data import synth

    cfg = synth.config_for(
        args.size,
        **{
            k: v
            for k, v in dict(
                groups=args.groups,
                clips_per_group=args.clips,
                val_groups=args.val_groups,
                frames=args.frames,
                height=args.height,
                width=args.width,
                seed=args.seed,
                noise_sigma=args.noise,
                pan_speed=args.pan,
                fps=args.fps,
            ).items()
            if v is not None
        },
        **({"classes": tuple(args.classes.split(","))} if args.classes else {}),
        **({"distractor": True} if args.distractor else {}),
    )
    root = synth.generate(args.out, cfg, workers=args.workers, progress=not args.quiet, force=args.force)
    n = len(cfg.classes) * cfg.groups * cfg.clips_per_group
    print(
        f"SynthActions ({args.size}): {len(cfg.classes)} classes x {cfg.groups} groups x "
        f"{cfg.clips_per_group} clips = {n} videos of {cfg.frames} frames at {cfg.width}x{cfg.height} "
        f"in {root}"
    )
    return 0


AUTO_TILE = 192  # LR tile side chosen for frames larger than this (bounded memory at any frame size)
AUTO_BATCH_PIXELS = 2_000_000  # SR output pixels per batch when --batch is not given


def cmd_sr(args: argparse.Namespace) -> int:
    import itertools
    import time

    from tqdm.auto import tqdm

    from arsr_lib.core.atomic import check_output
    from arsr_lib.core.devices import resolve_device
    from arsr_lib.core.errors import VideoError
    from arsr_lib.data.degrade import downscale
    from arsr_lib.data.video import check_decoded, count_frames, declared_info, iter_frames
    from arsr_lib.sr.inference import load_sr_model, output_format, save_sr, super_resolve_stream

    device = str(resolve_device(args.device))
    if args.bf16 and not device.startswith("cuda"):
        raise ArsrError("--bf16: bf16 inference is for GPUs; on the CPU SR runs in fp32")
    check_output(args.output, folder=output_format(args.output, args.format) != "avi")  # before any work
    info = declared_info(args.input)
    total = count_frames(args.input, limit=args.max_frames)  # what decodes, not what the container claims
    note = check_decoded(args.input, total, args.strict, limit=args.max_frames)
    if note:
        print(note, file=sys.stderr)
    frames = iter_frames(args.input, max_frames=args.max_frames)
    if args.degrade:
        frames = (downscale(frame) for frame in frames)
    first = next(frames, None)
    if first is None:
        raise VideoError(f"{args.input}: no decodable frames")
    h, w = first.shape[:2]
    model = load_sr_model(args.model, device=device)
    scale = getattr(model, "scale", 4)
    tile = args.tile or (AUTO_TILE if max(h, w) > AUTO_TILE else None)
    batch = args.batch or max(1, AUTO_BATCH_PIXELS // (h * w * scale * scale))
    stream = super_resolve_stream(
        model, itertools.chain([first], frames), batch=batch, tile=tile, device=device, amp=args.bf16
    )
    bar = tqdm(stream, total=total, desc=f"SR {args.model}", unit="frame", disable=args.quiet)
    count = 0

    def counted(sr_frames):
        nonlocal count
        for count, frame in enumerate(sr_frames, 1):  # the count is read after the loop
            yield frame

    started = time.time()
    out = save_sr(counted(bar), args.output, fmt=args.format, fps=info["fps"] or 25.0)
    seconds = time.time() - started
    print(
        f"{args.input}: {count} frames {w}x{h} -> {w * scale}x{h * scale} with {args.model} "
        f"({device}, {'bf16' if args.bf16 else 'fp32'}, batch {batch}, tile {tile or 'none'}; "
        f"{count / max(seconds, 1e-9):.2f} frames/s) -> {out}"
    )
    return 0


def _experiment(args):
    """The experiment a command runs: ``--config FILE`` when given, else ``--profile``."""
    from arsr_lib import config
    from arsr_lib.core.devices import pin_cpu_numerics, pin_malloc

    exp = config.from_file(args.config) if args.config else config.load(args.profile)
    if getattr(args, "device", None):
        exp = config.override(exp, {"compute": {"device": args.device}})
    pin_cpu_numerics(exp.compute.threads, exp.compute.cpu_isa, exp.compute.blas_threads)
    pin_malloc(exp.compute.malloc_mmap_mb, exp.compute.malloc_trim_mb)
    return exp


def cmd_train(args: argparse.Namespace) -> int:
    from arsr_lib.run.prepare import prepare_recipe
    from arsr_lib.sr.recipes import train_recipe

    exp = _experiment(args)
    exp.recipe(args.recipe)  # an unknown recipe is an error before any data is made
    train, val = prepare_recipe(exp, args.recipe, progress=not args.quiet)
    final = train_recipe(args.recipe, exp, train, val, progress=not args.quiet, iters=args.iters)
    print(f"{args.recipe} ({exp.name}): {final}")
    return 0


def cmd_recognisers(args: argparse.Namespace) -> int:
    from arsr_lib.recognition.oracle import train_oracle
    from arsr_lib.recognition.training import train_experiment_recognisers
    from arsr_lib.run.prepare import prepare_recognisers

    exp = _experiment(args)
    ds = prepare_recognisers(exp, progress=not args.quiet)
    for kind, final in train_experiment_recognisers(exp, ds, progress=not args.quiet).items():
        print(f"{kind} ({exp.name}): {final}")
    if ds.val:  # the LR oracle notebook 05 reads on validation (arsr_lib.recognition.oracle)
        for kind, final in train_oracle(exp, ds, progress=not args.quiet).items():
            print(f"LR oracle {kind} ({exp.name}): {final}")
    return 0


def cmd_recognize(args: argparse.Namespace) -> int:
    from arsr_lib.core import protocol
    from arsr_lib.recognition.predict import recognize

    exp = _experiment(args)
    verdict = recognize(
        args.video,
        exp,
        args.sr_rgb,
        args.sr_flow,
        args.top,
        args.runs,
        exp.compute.device,
        recogniser=args.recogniser,
        strict=args.strict,
    )
    streams = f"frames {verdict.streams['rgb']}, flow from frames {verdict.streams['flow']}"
    print(protocol.describe(exp.data.flow_method, profile=exp.name, streams=streams))
    print(f"recogniser trained on {verdict.dataset}, {verdict.classes} classes: a verdict over those only")
    for rank, (name, score) in enumerate(verdict.top, 1):
        print(f"{rank}. {name:24s} {score:8.3f}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    from arsr_lib.run.reproduce import main as run

    return run(args.profile, args.only, args.force, config_file=args.config, device=args.device)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from arsr_lib.core import protocol
    from arsr_lib.run.evaluate import evaluate

    exp = _experiment(args)
    written = evaluate(exp, args.shard, progress=not args.quiet)
    print(protocol.describe(exp.data.flow_method, profile=exp.name))
    for path in written:
        print(path)
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from arsr_lib.run.reproduce import build_notebooks

    for path in build_notebooks(args.out):
        print(path)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    import json

    from arsr_lib import config

    print(json.dumps(config.to_dict(_experiment(args)), indent=2))
    return 0
