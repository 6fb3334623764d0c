"""The bad input the command line is tried with: each case's command, the exit status it must give and what
the first line it prints on stderr must say. ``tests/test_bad_input.py`` runs every case in-process (no
traceback, the status, the line, nothing half-written); ``benchmarks/bad_input.py`` runs them as real
processes and writes the committed report (``reports/benchmarks/bad_input.md``)."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared"


@dataclass(frozen=True)
class Case:
    name: str  # what is wrong, in words
    argv: tuple[str, ...]  # after ``arsr``; {name} is an input of make_inputs
    status: int  # the exit status it must give
    says: str  # a regular expression the first line on stderr must match
    output: str | None = None  # an output that must not exist afterwards (nothing half-written)


def said(stderr: str) -> str:
    """The line a case is judged by: the first on stderr that is not argparse's usage."""
    for line in stderr.splitlines():
        if line.strip() and not line.startswith(("usage:", " ")):
            return line
    return ""


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def _clip(path: Path, frames: int, size: int = 64, fourcc: str = "MJPG") -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (size, size))  # type: ignore[attr-defined]
    rng = np.random.default_rng(frames)
    base = cv2.GaussianBlur(rng.integers(0, 255, (size, size * 2, 3), np.uint8), (0, 0), 2)
    for t in range(frames):
        writer.write(np.ascontiguousarray(base[:, t % size : t % size + size]))
    writer.release()
    return path


def make_inputs(folder: Path) -> dict[str, str]:
    """The files the cases read, made in ``folder``: clips (good, truncated, one frame, empty, not a video),
    config files (empty, binary, without a base, out-of-range values, a folder), checkpoints (code in the
    pickle, truncated), a regular file to write under."""
    folder.mkdir(parents=True, exist_ok=True)
    f = {"dir": str(folder)}
    f["clip"] = str(_clip(folder / "clip.avi", 12, 24))  # LR-sized: x4 SR gives 96 px
    full = _clip(folder / "full.avi", 40)
    data = full.read_bytes()
    (folder / "truncated.avi").write_bytes(data[: len(data) // 2])
    f["truncated"] = str(folder / "truncated.avi")
    f["one_frame"] = str(_clip(folder / "one_frame.avi", 1))
    (folder / "empty.avi").write_bytes(b"")
    f["empty_video"] = str(folder / "empty.avi")
    (folder / "text.avi").write_text("not a video\n")
    f["text_video"] = str(folder / "text.avi")
    (folder / "empty.yaml").write_text("")
    f["empty_config"] = str(folder / "empty.yaml")
    (folder / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    f["binary_config"] = str(folder / "binary.yaml")
    (folder / "nobase.yaml").write_text("name: mine\n")
    f["nobase_config"] = str(folder / "nobase.yaml")
    configs = {
        "iters_config": "base: smoke\nrecipes: {vdsr: {iters: -5}}\n",
        "snippets_config": "base: smoke\nrecognition: {test_snippets: -3}\n",
        "unknown_config": "base: smoke\ndata: {flow: dis}\n",
        "yaml_config": "base: smoke\ndata: {flow_method: [unclosed\n",
        "base_config": "base: huge\n",
        "flow_config": "base: smoke\ndata: {flow_method: raft}\n",
        "lr_config": "base: smoke\nrecognition: {lr: -0.1}\n",
    }
    for name, text in configs.items():
        (folder / f"{name}.yaml").write_text(text)
        f[name] = str(folder / f"{name}.yaml")
    (folder / "config_dir").mkdir(exist_ok=True)
    f["config_dir"] = str(folder / "config_dir")
    (folder / "evil.pt").write_bytes(pickle.dumps(_Evil()))
    f["evil"] = str(folder / "evil.pt")
    (folder / "truncated.pt").write_bytes(b"PK\x03\x04" + bytes(100))
    f["truncated_pt"] = str(folder / "truncated.pt")
    (folder / "a_file").write_text("a regular file\n")
    f["a_file"] = str(folder / "a_file")
    (folder / "no_recognisers").mkdir(exist_ok=True)
    f["no_recognisers"] = str(folder / "no_recognisers")
    (folder / "frames_dir.avi").mkdir(exist_ok=True)
    f["dir_avi"] = str(folder / "frames_dir.avi")
    f["missing"] = str(folder / "missing.avi")
    f["realclip"] = str(next(iter(sorted((SHARED / "realdata").rglob("*.avi"))), folder / "missing.avi"))
    return f


SR = ("sr", "{clip}", "-m", "bicubic")
CASES = [
    # arsr sr: numbers, outputs, inputs, models
    Case(
        "negative tile",
        (*SR, "-o", "{dir}/o1.avi", "--tile", "-5"),
        2,
        r"--tile: .*-5.*must be in \[8, inf\]",
        "o1.avi",
    ),
    Case(
        "zero tile",
        (*SR, "-o", "{dir}/o2.avi", "--tile", "0"),
        2,
        r"--tile: .*must be in \[8, inf\]",
        "o2.avi",
    ),
    Case(
        "zero batch",
        (*SR, "-o", "{dir}/o3.avi", "--batch", "0"),
        2,
        r"--batch: .*must be in \[1, inf\]",
        "o3.avi",
    ),
    Case(
        "max-frames 0",
        (*SR, "-o", "{dir}/o4.avi", "--max-frames", "0"),
        2,
        r"--max-frames: .*must be in \[2, inf\]",
    ),
    Case("non-numeric batch", (*SR, "-o", "{dir}/o5.avi", "--batch", "many"), 2, r"--batch: .*'many'"),
    Case("mp4 output", (*SR, "-o", "{dir}/out.mp4"), 2, r"out\.mp4: cannot write \.mp4 here", "out.mp4"),
    Case("output under a file", (*SR, "-o", "{a_file}/out.avi"), 2, r"a_file is a file, not a folder"),
    Case("avi output is a folder", (*SR, "-o", "{dir_avi}"), 2, r"frames_dir\.avi: it is a folder"),
    Case(
        "avi format, png name", (*SR, "-o", "{dir}/o6.png", "--format", "avi"), 2, r"o6\.png: the avi format"
    ),
    Case(
        "missing input",
        ("sr", "{missing}", "-m", "bicubic", "-o", "{dir}/o7.avi"),
        2,
        r"missing\.avi",
        "o7.avi",
    ),
    Case(
        "empty video file",
        ("sr", "{empty_video}", "-m", "bicubic", "-o", "{dir}/o8.avi"),
        2,
        r"empty\.avi: ",
        "o8.avi",
    ),
    Case(
        "text file as video",
        ("sr", "{text_video}", "-m", "bicubic", "-o", "{dir}/o9.avi"),
        2,
        r"text\.avi: ",
        "o9.avi",
    ),
    Case(
        "truncated clip",
        ("sr", "{truncated}", "-m", "bicubic", "-o", "{dir}/t.avi", "--quiet"),
        0,
        r"^warning: .*truncated\.avi: \d+ of 40 declared frames decode",
    ),
    Case(
        "truncated clip, --strict",
        ("sr", "{truncated}", "-m", "bicubic", "-o", "{dir}/t2.avi", "--strict"),
        2,
        r"truncated\.avi: \d+ of 40 declared frames decode: truncated or corrupt \(--strict\)",
        "t2.avi",
    ),
    Case(
        "unknown model name",
        (*SR[:2], "-m", "esrgan-best", "-o", "{dir}/o10.avi"),
        2,
        r"esrgan-best",
        "o10.avi",
    ),
    Case(
        "pickle with code",
        (*SR[:2], "-m", "{evil}", "-o", "{dir}/o11.avi"),
        2,
        r"evil\.pt: not a weights-only",
        "o11.avi",
    ),
    Case(
        "truncated checkpoint",
        (*SR[:2], "-m", "{truncated_pt}", "-o", "{dir}/o12.avi"),
        2,
        r"truncated\.pt: ",
        "o12.avi",
    ),
    Case(
        "bf16 on the CPU",
        (*SR, "-o", "{dir}/o13.avi", "--bf16", "--device", "cpu"),
        2,
        r"--bf16: .*GPUs",
        "o13.avi",
    ),
    Case("unknown device", (*SR, "-o", "{dir}/o14.avi", "--device", "gpu"), 2, r"gpu", "o14.avi"),
    # config files and settings
    Case("empty config file", ("config", "--config", "{empty_config}"), 2, r"empty\.yaml: empty config file"),
    Case("config is a folder", ("config", "--config", "{config_dir}"), 2, r"config_dir is a folder"),
    Case("binary config", ("config", "--config", "{binary_config}"), 2, r"binary\.yaml: not a text file"),
    Case(
        "config without base", ("config", "--config", "{nobase_config}"), 2, r"nobase\.yaml: names no profile"
    ),
    Case("missing config", ("config", "--config", "{dir}/none.yaml"), 2, r"none\.yaml not found"),
    Case(
        "negative iterations",
        ("config", "--config", "{iters_config}"),
        2,
        r"recipes\.vdsr: recipe\.iters = -5 is out of range",
    ),
    Case("negative test snippets", ("config", "--config", "{snippets_config}"), 2, r"test_snippets.*-3"),
    Case("negative learning rate", ("config", "--config", "{lr_config}"), 2, r"recognition\.lr.*-0\.1"),
    Case("unknown setting", ("config", "--config", "{unknown_config}"), 2, r"unknown setting 'data\.flow'"),
    Case("invalid YAML", ("config", "--config", "{yaml_config}"), 2, r"yaml_config\.yaml: not valid YAML"),
    Case("unknown base profile", ("config", "--config", "{base_config}"), 2, r"unknown profile 'huge'"),
    Case("unknown flow method", ("config", "--config", "{flow_config}"), 2, r"raft"),
    Case("unknown profile", ("config", "--profile", "huge"), 2, r"--profile: invalid choice: 'huge'"),
    # arsr frames
    Case("frames: no input", ("frames", "--out", "{dir}/f1"), 2, r"give --dataset .* or one or more --video"),
    Case(
        "frames: missing video",
        ("frames", "--video", "{missing}", "--out", "{dir}/f2", "--quiet"),
        2,
        r"1 of 1 video\(s\) failed",
    ),
    Case(
        "frames: scale 1",
        ("frames", "--video", "{clip}", "--out", "{dir}/f3", "--scale", "1"),
        2,
        r"--scale: .*must be in \[2, inf\]",
    ),
    Case(
        "frames: zero workers",
        ("frames", "--video", "{clip}", "--out", "{dir}/f4", "--workers", "0"),
        2,
        r"--workers: .*must be in \[1, inf\]",
    ),
    Case(
        "frames: shard 3/2",
        ("frames", "--video", "{clip}", "--out", "{dir}/f5", "--shard", "3/2"),
        2,
        r"--shard '3/2': need 1 <= k <= n",
    ),
    Case(
        "frames: shard not k/n",
        ("frames", "--video", "{clip}", "--out", "{dir}/f6", "--shard", "half"),
        2,
        r"--shard must look like k/n",
    ),
    Case(
        "frames: truncated, --strict",
        ("frames", "--video", "{truncated}", "--out", "{dir}/f7", "--strict", "--quiet"),
        2,
        r"1 of 1 video\(s\) failed",
    ),
    Case(
        "frames: one-frame video",
        ("frames", "--video", "{one_frame}", "--out", "{dir}/f8", "--quiet"),
        2,
        r"1 of 1 video\(s\) failed",
    ),
    Case(
        "frames: output under a file",
        ("frames", "--video", "{clip}", "--out", "{a_file}/f9", "--quiet"),
        2,
        r"a_file",
    ),
    # arsr recognize
    Case(
        "recognize: missing video",
        ("recognize", "{missing}", "--recogniser", "{no_recognisers}"),
        2,
        r"missing\.avi",
    ),
    Case("recognize: zero top", ("recognize", "{clip}", "--top", "0"), 2, r"--top: .*must be in \[1, inf\]"),
    Case(
        "recognize: no recognisers",
        ("recognize", "{clip}", "--recogniser", "{no_recognisers}"),
        2,
        r"no trained recogniser at .*no_recognisers/tsn_rgb/final\.pt",
    ),
    # arsr synth, train, evaluate, splits
    Case(
        "synth: zero groups",
        ("synth", "--out", "{dir}/s1", "--groups", "0"),
        2,
        r"--groups: .*must be in \[1, inf\]",
        "s1",
    ),
    Case(
        "synth: tiny frames",
        ("synth", "--out", "{dir}/s2", "--height", "8"),
        2,
        r"--height: .*must be in \[16, inf\]",
        "s2",
    ),
    Case("synth: negative seed", ("synth", "--out", "{dir}/s3", "--seed", "-1"), 2, r"--seed: .*-1", "s3"),
    Case("synth: unknown class", ("synth", "--out", "{dir}/s4", "--classes", "Juggle"), 2, r"Juggle", "s4"),
    Case("train: unknown recipe", ("train", "--recipe", "srgan"), 2, r"unknown recipe 'srgan'"),
    Case(
        "train: zero iterations",
        ("train", "--recipe", "vdsr", "--iters", "0"),
        2,
        r"--iters: .*must be in \[1, inf\]",
    ),
    Case("evaluate: shard 0/2", ("evaluate", "--shard", "0/2"), 2, r"--shard '0/2': need 1 <= k <= n"),
    Case(
        "splits: missing root",
        ("splits", "--dataset", "ucf101", "--root", "{dir}/nowhere", "--present"),
        2,
        r"nowhere",
    ),
]
