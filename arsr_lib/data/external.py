"""Rawframes made elsewhere (denseflow / mmaction2), and mmaction2 list files for the ones made here.

Many UCF101 users hold TV-L1 rawframes already: per video a folder ``<Class>/<video stem>/`` of
``img_%05d.jpg`` frames and ``flow_x_%05d.jpg`` / ``flow_y_%05d.jpg`` flow images (denseflow's layout, which
is this project's). :func:`adopt_dataset` accepts such a tree as the HR rawframes of an experiment
(``data.hr_rawframes``): every folder the run reads is checked (frames numbered 1..N without a gap, N - 1 or N
flows of each axis numbered the same way, one size for the frames and one for the flows), and a folder that
passes gets this project's marker, which records that its flow came from outside (``flow_method`` names it);
a folder that does not is named, with what is wrong, in one error listing every such folder. Nothing is
extracted.

:func:`write_list_files` writes mmaction2's rawframes list files (``frame_dir total_frames label``) for a
rawframes root, one per subset of the split, so that mmaction2 opens the folders this project makes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2

from arsr_lib.core import protocol
from arsr_lib.core.atomic import MARKER, read_marker, write_json_atomic, write_text_atomic
from arsr_lib.core.errors import ExtractionError
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.frames import output_dir

EXTERNAL_FLOW = "external"  # the marker's flow method of adopted folders
_NUMBERED = re.compile(r"^(img|flow_x|flow_y)_(\d{5})\.jpg$")


def _numbers(folder: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"img": [], "flow_x": [], "flow_y": []}
    for name in os.listdir(folder):
        m = _NUMBERED.match(name)
        if m:
            found[m.group(1)].append(int(m.group(2)))
    return {k: sorted(v) for k, v in found.items()}


def _size(path: Path) -> tuple[int, int]:
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f"{path.name} is not a readable image")
    return int(img.shape[0]), int(img.shape[1])


def check_external(folder: str | os.PathLike) -> dict:
    """The marker info of a denseflow-style folder (frame and flow counts, size); a ``ValueError`` saying
    what is wrong otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError("no such folder")
    n = _numbers(folder)
    frames = n["img"]
    if len(frames) < 2 or frames != list(range(1, len(frames) + 1)):
        raise ValueError(f"frames must be img_00001.jpg .. img_N.jpg without a gap (found {len(frames)})")
    for axis in ("flow_x", "flow_y"):
        if n[axis] != list(range(1, len(n[axis]) + 1)) or len(n[axis]) not in (len(frames) - 1, len(frames)):
            missing = sorted(set(range(1, len(frames))) - set(n[axis]))[:3]
            raise ValueError(
                f"{axis}: {len(n[axis])} images for {len(frames)} frames (need N - 1 or N, numbered from 1"
                + (f"; missing {', '.join(f'{axis}_{k:05d}.jpg' for k in missing)}" if missing else "")
                + ")"
            )
    if n["flow_x"] != n["flow_y"]:
        raise ValueError(f"{len(n['flow_x'])} flow_x but {len(n['flow_y'])} flow_y images")
    h, w = _size(folder / protocol.IMG_TMPL.format(1, ext="jpg"))
    last = _size(folder / protocol.IMG_TMPL.format(len(frames), ext="jpg"))
    fsize = _size(folder / protocol.FLOW_TMPL.format(1, axis="x", ext="jpg"))
    if last != (h, w) or fsize != (h, w):
        raise ValueError(
            f"sizes differ: img_00001 {w}x{h}, img_{len(frames):05d} {last[1]}x{last[0]}, "
            f"flow_x_00001 {fsize[1]}x{fsize[0]}"
        )
    return {"frames": len(frames), "flows": len(n["flow_x"]), "height": h, "width": w}


def external_config(source: str) -> dict:
    """The marker config of an adopted folder: JPEG frames, flow from outside (bound 20, 8 bits assumed)."""
    return {
        "variant": "hr",
        "flow_method": EXTERNAL_FLOW,
        "bound": protocol.FLOW_BOUND,
        "image_ext": "jpg",
        "source": source,
    }


def adopt_dataset(ds: SplitDataset, root: str | os.PathLike, subsets: tuple[str, ...]) -> int:
    """Check every folder of ``subsets`` under ``root`` and mark those not yet marked; returns how many were
    marked now. mmaction2 list files at ``root`` (``*_rawframes.txt``) are checked against the folders: a
    listed folder that is missing, outside ``root``, or whose frame count or label disagrees with the folder
    and the split. Every folder and list line that fails is named in one :class:`ExtractionError`."""
    root = Path(root)
    if not root.is_dir():
        raise ExtractionError(f"data.hr_rawframes = {root}: no such folder")
    conf = external_config(str(root))
    bad, marked = [], 0
    seen: dict[str, tuple[int, int]] = {}  # folder (relative to root) -> its frames and label
    for item in (it for s in subsets for it in getattr(ds, s)):
        folder = output_dir(root, item.rel_path)
        rel = folder.relative_to(root).as_posix()
        if rel in seen:
            continue
        meta = read_marker(folder)
        if meta is not None and meta.get("config", {}).get("flow_method") == EXTERNAL_FLOW:
            seen[rel] = (int(meta["frames"]), item.label)
            continue
        try:
            info = check_external(folder)
        except ValueError as exc:
            bad.append(f"{folder}: {exc}")
            seen[rel] = (-1, item.label)
            continue
        write_json_atomic(folder / MARKER, {"config": conf, **info})
        seen[rel] = (int(info["frames"]), item.label)
        marked += 1
    bad += check_list_files(root, seen)
    if bad:
        shown = "\n  ".join(bad[:20]) + (f"\n  ... and {len(bad) - 20} more" if len(bad) > 20 else "")
        raise ExtractionError(f"data.hr_rawframes: {len(bad)} rawframes problem(s):\n  {shown}")
    return marked


def check_list_files(root: Path, folders: dict[str, tuple[int, int]]) -> list[str]:
    """What is wrong with the mmaction2 list files at ``root`` (``*_rawframes.txt``, lines ``frame_dir
    total_frames label``, ``frame_dir`` relative to ``root`` or absolute inside it): each problem names the
    file and line. ``folders``: frame count and label of the folders this run reads (by path relative to
    ``root``; a count of -1: the folder failed its own check, already reported)."""
    problems = []
    top = root.resolve()
    for lst in sorted(root.glob("*_rawframes.txt")):
        for n, line in enumerate(lst.read_text().splitlines(), 1):
            where = f"{lst}:{n}"
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].lstrip("-").isdigit():
                problems.append(f"{where}: expected 'frame_dir total_frames label', got {line.strip()!r}")
                continue
            target = (root / parts[0]).resolve()
            if not target.is_relative_to(top):
                problems.append(f"{where}: {parts[0]} is outside the rawframes root {root}")
                continue
            rel = target.relative_to(top).as_posix()
            if rel not in folders:
                if not target.is_dir():
                    problems.append(f"{where}: {parts[0]}: no such folder")
                continue
            frames, label = folders[rel]
            if frames >= 0 and int(parts[1]) != frames:
                problems.append(f"{where}: {rel} lists {parts[1]} frames, the folder has {frames}")
            if int(parts[2]) != label:
                problems.append(f"{where}: {rel} lists label {parts[2]}, the split says {label}")
    return problems


def write_list_files(
    ds: SplitDataset, root: str | os.PathLike, subsets: tuple[str, ...], keep_existing: bool = False
) -> list[Path]:
    """mmaction2 rawframes list files of ``root`` (``<root>/<dataset>_<subset>_split_<k>_rawframes.txt``:
    ``frame_dir total_frames label`` per complete folder, ``frame_dir`` relative to ``root``); a folder not
    made yet is left out. ``keep_existing``: a list file already there is left as it is (an adopted tree's
    own, checked by :func:`adopt_dataset`)."""
    root = Path(root)
    written = []
    for subset in subsets:
        path = root / f"{ds.name}_{subset}_split_{ds.split}_rawframes.txt"
        if keep_existing and path.is_file():
            continue
        lines = []
        for item in getattr(ds, subset):
            folder = output_dir(root, item.rel_path)
            meta = read_marker(folder)
            if meta is None:
                continue
            rel = folder.relative_to(root).as_posix()
            lines.append(f"{rel} {int(meta['frames'])} {item.label}")
        write_text_atomic(path, "".join(line + "\n" for line in lines))
        written.append(path)
    return written
