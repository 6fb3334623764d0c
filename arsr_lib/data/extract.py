"""Rawframes of many videos: in worker processes, resumably, failures named together.

:func:`extract_many` runs :func:`arsr_lib.data.frames.extract_video`'s steps over ``(video, out_dir)`` jobs:
on the CPU each worker extracts its videos whole, flow included; with the torch TV-L1 on a GPU
(``flow_device``) the workers decode and write while this process computes the flow on the device.
:func:`extract_dataset` does it for the videos of a split.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

import cv2

from arsr_lib.core.atomic import check_writable
from arsr_lib.core.errors import ExtractionError, FlowError, VideoError
from arsr_lib.core.pools import process_pool
from arsr_lib.core.shards import parse_shard, shard_of
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.flow import TORCH_FLOW_BATCH, compute_flow
from arsr_lib.data.frames import FramesConfig, decode_variant, extract_video, output_dir, write_folder


def _failure(exc: BaseException) -> str:
    if isinstance(exc, (VideoError, OSError, ValueError, FlowError)):
        return f"{type(exc).__name__}: {exc}"
    return "".join(traceback.format_exception(exc, limit=3))  # unexpected: keep the traceback


def _job(args):
    video, out_dir, cfg, force, strict = args
    cv2.setNumThreads(1)
    try:
        status, note = extract_video(video, out_dir, cfg, force, strict)
        return str(video), status, None, note
    except Exception as exc:
        return str(video), "failed", _failure(exc), None


def _decode_job(args):
    """Decoding in a worker of the device pipeline: (video, out_dir, status, error, note, frames)."""
    video, out_dir, cfg, force, strict = args
    cv2.setNumThreads(1)
    try:
        decoded = decode_variant(video, out_dir, cfg, force, strict)
    except Exception as exc:
        return str(video), out_dir, "failed", _failure(exc), None, None
    if decoded is None:
        return str(video), out_dir, "skipped", None, None, None
    return str(video), out_dir, "decoded", None, decoded[1], decoded[0]


def _write_job(args):
    """Writing in a worker of the device pipeline: (video, status, error)."""
    video, out_dir, cfg, frames, flow = args
    cv2.setNumThreads(1)
    try:
        write_folder(video, out_dir, cfg, frames, flow)
        return str(video), "done", None
    except Exception as exc:
        return str(video), "failed", _failure(exc)


def _extract_on_device(args: list, cfg: FramesConfig, workers: int, device, batch: int, record) -> None:
    """The GPU path: worker processes decode and write JPEGs while this process computes the flow on
    ``device``, ``batch`` pairs per launch, so the device does not wait on I/O. At most ``2 * workers``
    videos are decoded ahead and ``2 * workers`` wait to be written (memory stays bounded). The workers are
    spawned, not forked: they never touch the device, and a fork of a process holding CUDA state is
    unsafe. An out-of-memory on the device stops the run (a setting to change, :class:`MemoryError` naming
    ``compute.flow_batch``); the folders already written are complete, none is half-written."""
    workers = max(1, workers)
    ahead = 2 * workers
    with process_pool(workers, spawn=True) as pool:
        decoding = deque(pool.submit(_decode_job, a) for a in args[:ahead])
        queued = len(decoding)
        writing: deque = deque()

        def drain(limit: int) -> None:
            while len(writing) > limit:
                fut, note = writing.popleft()
                video, status, err = fut.result()
                record(video, status, err, note if status == "done" else None)

        try:
            while decoding:
                video, out_dir, status, err, note, frames = decoding.popleft().result()
                if queued < len(args):
                    decoding.append(pool.submit(_decode_job, args[queued]))
                    queued += 1
                if status != "decoded":
                    record(video, status, err, note)
                    continue
                try:
                    flow = compute_flow(frames, str(cfg.flow_method), device=device, batch=batch)
                except (FlowError, ValueError) as exc:  # this video's frames (NaN, too small): others go on
                    record(video, "failed", _failure(exc), None)
                    continue
                writing.append((pool.submit(_write_job, (video, out_dir, cfg, frames, flow)), note))
                drain(ahead)
            drain(0)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _extract_in_workers(args: list, workers: int, record: Callable[..., None]) -> None:
    """Each video extracted whole (flow included) in one of ``workers`` processes (inline with one)."""
    if workers <= 1:
        for result in (_job(a) for a in args):
            record(*result)
        return
    torch_tvl1 = any(a[2].flow_method == "tvl1_torch" for a in args)
    with process_pool(workers, spawn=torch_tvl1) as pool:
        for fut in as_completed([pool.submit(_job, a) for a in args]):
            record(*fut.result())


def extract_many(
    jobs: list[tuple[Path, Path]],
    cfg: FramesConfig = FramesConfig(),
    workers: int = 1,
    shard: str | None = None,
    progress: bool = True,
    force: bool = False,
    desc: str = "rawframes",
    strict: bool = False,
    flow_device: str | None = None,
    flow_batch: int = TORCH_FLOW_BATCH,
) -> dict[str, int]:
    """Extract ``(video, out_dir)`` jobs in parallel; resumable; returns status counts.

    Failures do not stop the other videos; they are raised together at the end as one
    :class:`ExtractionError` naming each failed video. A video that decodes fewer frames than its container
    declares is named on stderr at the end (a failure when ``strict``, beyond HMDB51's one frame).
    ``flow_device`` (a torch device name; the torch TV-L1 only, :func:`arsr_lib.data.flow.flow_device`):
    the flow is computed in this process on that device, ``flow_batch`` pairs per launch, while ``workers``
    processes decode and write; None: each worker extracts its videos whole, flow included.
    """
    from tqdm.auto import tqdm

    if flow_device is not None and cfg.flow_method != "tvl1_torch":
        raise ValueError(
            f"extract_many: flow_device={flow_device!r} is for the torch TV-L1, not flow method "
            f"{cfg.flow_method!r}"
        )
    jobs = [jobs[i] for i in shard_of(len(jobs), parse_shard(shard))]
    for p in {Path(o).parent for _, o in jobs}:
        check_writable(p)
    counts = {"done": 0, "skipped": 0, "failed": 0}
    failures: list[str] = []
    args = [(v, o, cfg, force, strict) for v, o in jobs]
    notes: list[str] = []
    bar = tqdm(total=len(args), desc=desc, disable=not progress, unit="video")

    def record(video: str, status: str, err: str | None, note: str | None) -> None:
        counts[status] += 1
        failures.extend([f"{video}: {err}"] if err else [])
        notes.extend([note] if note else [])
        bar.update()

    try:
        if flow_device is not None:
            _extract_on_device(args, cfg, workers, flow_device, flow_batch, record)
        else:
            _extract_in_workers(args, workers, record)
    finally:
        bar.close()
    for note in sorted(notes):
        print(note, file=sys.stderr)
    if failures:
        raise ExtractionError(
            f"{len(failures)} of {len(args)} video(s) failed:\n  " + "\n  ".join(sorted(failures))
        )
    return counts


def extract_dataset(
    dataset: SplitDataset,
    out_root: str | os.PathLike,
    cfg: FramesConfig = FramesConfig(),
    subsets: tuple[str, ...] = ("train", "test"),
    **kw: Any,
) -> dict[str, int]:
    """Extract every video of ``dataset`` (a :class:`~arsr_lib.data.datasets.SplitDataset`) in ``subsets``."""
    items = []
    for s in subsets:
        items += getattr(dataset, s)
    seen, jobs = set(), []
    for it in items:
        if it.rel_path not in seen:
            seen.add(it.rel_path)
            jobs.append((dataset.path(it), output_dir(out_root, it.rel_path)))
    return extract_many(jobs, cfg, **kw)
