"""Cache keys that include the code that made the artefact.

Each cached artefact (rawframes, SR training runs, SR videos, recogniser runs, scores, mined ToSR pairs, the
on-disk flow cache) is keyed, among its parameters, by the digest of the source of the modules that produce
it, listed here in :data:`PRODUCERS`; not the whole package, so a fix re-runs exactly what it affects (a
changed loss retrains the SR models and re-scores them, but the rawframes of the dataset are reused).

The digest reads the files from disk (no import), so this module sits in the first layer.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]

# artefact -> the package modules, dotted below arsr_lib (files, or packages = folders), whose source
# decides its content
PRODUCERS: dict[str, tuple[str, ...]] = {
    "flow": ("data.flow", "data.tvl1", "core.protocol"),
    "rawframes": (
        "data.video",
        "data.degrade",
        "data.flow",
        "data.tvl1",
        "data.frames",
        "data.extract",
        "core.protocol",
        "core.atomic",
    ),
    "pairs": ("data.video", "data.degrade", "data.flow", "data.tvl1", "sr.srdata", "sr.pairs"),
    "sr_training": (
        "data.video",
        "data.degrade",
        "data.flow",
        "data.tvl1",
        "models",
        "train.losses",
        "train.steps",
        "train.engine",
        "sr.srdata",
        "sr.pairs",
        "sr.recipes",
        "train.task",
        "train.checkpoint",
        "sr.featurenet",
    ),
    "sr_videos": ("data.video", "data.degrade", "models", "sr.inference"),
    # the sparse SR test frames the recognisers read: sr.testframes picks the frames, decodes and writes them
    # (and their flow: data.flow, data.tvl1)
    "sr_frames": (
        "data.video",
        "data.degrade",
        "data.flow",
        "data.tvl1",
        "data.snippets",
        "models",
        "sr.inference",
        "sr.testframes",
    ),
    "recogniser_training": (
        "data.frames",
        "data.rawframes",
        "models",
        "train.task",
        "train.steps",
        "train.engine",
        "data.snippets",
        "recognition.clips",
        "recognition.training",
        "train.checkpoint",
    ),
    "scores": (
        "data.frames",
        "data.rawframes",
        "data.snippets",
        "models",
        "recognition.clips",
        "recognition.scores",
    ),
    # the background swap test's frames (HR actor, another method's background)
    "swap": ("data.frames", "data.synth.dataset", "recognition.swap", "core.atomic"),
}

# overrides of a module's source text (tests use it to show which caches a change invalidates)
_OVERRIDES: dict[str, str] = {}


def _files(module: str) -> list[Path]:
    path = PACKAGE.joinpath(*module.split("."))
    if path.is_dir():
        return sorted(path.rglob("*.py"))
    file = path.with_suffix(".py")
    if not file.is_file():
        raise ValueError(f"codekey: {module!r} is not a module of arsr_lib (no {file})")
    return [file]


@functools.lru_cache(maxsize=64)
def _module_digest(module: str, override: str | None) -> str:
    h = hashlib.sha256()
    if override is not None:
        h.update(override.encode())
    for f in _files(module):
        h.update(str(f.relative_to(PACKAGE)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def code_digest(artefact: str, length: int = 16) -> str:
    """Digest of the source of the modules producing ``artefact`` (a key of :data:`PRODUCERS`)."""
    if artefact not in PRODUCERS:
        raise ValueError(f"codekey: unknown artefact {artefact!r}; choose one of {sorted(PRODUCERS)}")
    h = hashlib.sha256()
    for module in PRODUCERS[artefact]:
        h.update(module.encode() + b"\0" + _module_digest(module, _OVERRIDES.get(module)).encode())
    return h.hexdigest()[:length]


def set_override(module: str, text: str | None) -> None:
    """Pretend ``module``'s source also contains ``text`` (None: undo); for tests of cache invalidation."""
    _files(module)
    if text is None:
        _OVERRIDES.pop(module, None)
    else:
        _OVERRIDES[module] = text
