"""``arsr weights fetch``: the ImageNet files of the ``paper`` profile, fetched once where there is internet.

The files (:data:`arsr_lib.core.weights.FILES`) come from torchvision's published addresses into a folder;
each is checked against the SHA-256 prefix torchvision publishes in its name (as ``torch.hub`` checks it),
written atomically (a partial or mismatching download never has the final name) and kept when already there
and right. The command prints the two ``export`` lines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from arsr_lib.core.weights import FILES, WeightsError, check_file

BASE_URL = "https://download.pytorch.org/models/"


def fetch(folder: Path, base_url: str = BASE_URL, timeout: float = 60.0) -> dict[str, Path]:
    """Fetch (or keep, when already right) every weights file into ``folder``; ``variable -> path``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for spec in FILES:
        dest = folder / spec.name
        if dest.is_file():
            try:
                out[spec.variable] = check_file(dest, spec)
                continue
            except WeightsError:
                dest.unlink()  # a corrupt copy: fetched anew
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{spec.name}.partial-")
        tmp = Path(tmp_name)
        url = base_url.rstrip("/") + "/" + spec.name
        try:
            with os.fdopen(fd, "wb") as fh, urllib.request.urlopen(url, timeout=timeout) as src:
                shutil.copyfileobj(src, fh)
            check_file(tmp.rename(tmp.with_name(f".{spec.name}")), spec)
            os.replace(tmp.with_name(f".{spec.name}"), dest)
        except OSError as exc:
            raise WeightsError(f"{spec.variable}: cannot fetch {url}: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(f".{spec.name}").unlink(missing_ok=True)
        out[spec.variable] = dest
    return out


def cmd_weights(args: argparse.Namespace) -> int:
    for variable, path in fetch(args.to, args.base_url or BASE_URL).items():
        print(f"export {variable}={path.resolve()}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``arsr weights`` subcommand."""
    p = sub.add_parser(
        "weights",
        help="fetch the ImageNet weights the paper profile reads (on a box with internet)",
        description="Fetch torchvision's VGG19 and ResNet-50 files into a folder, check each against the "
        "SHA-256 in its published name, and print the ARSR_VGG19_WEIGHTS / ARSR_RESNET50_WEIGHTS lines to "
        "export. A file already there with the right hash is kept.",
    )
    p.add_argument("action", choices=["fetch"])
    p.add_argument("--to", type=Path, default=Path("data/weights"), help="the folder (default: data/weights)")
    p.add_argument("--base-url", default=None, help="where the files are (default: torchvision's address)")
    p.set_defaults(func=cmd_weights)
