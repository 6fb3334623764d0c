"""``arsr weights fetch`` from a local address, and the paper profile's weights files checked where read."""

import hashlib

import pytest
import torch

from arsr_lib.core import weights as W
from arsr_lib.run import weights as fetcher
from arsr_lib.run.cli import main


def _publish(folder, spec, payload: bytes) -> str:
    """A file served under a torchvision-style name whose hash prefix is its own SHA-256's."""
    digest = hashlib.sha256(payload).hexdigest()
    stem, ext = spec.name.split("-")[0], spec.name.rsplit(".", 1)[1]
    name = f"{stem}-{digest[:8]}.{ext}"
    (folder / name).write_bytes(payload)
    return name


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A local 'download server' (a file:// folder) holding both files, and FILES renamed to match them."""
    site = tmp_path / "site"
    site.mkdir()
    files = []
    for spec, seed in zip(W.FILES, (1, 2)):
        buf = tmp_path / f"sd{seed}.pth"
        torch.save({"w": torch.full((4,), float(seed))}, buf)
        files.append(W.WeightsFile(spec.variable, _publish(site, spec, buf.read_bytes()), spec.what))
    monkeypatch.setattr(fetcher, "FILES", tuple(files))
    return site.as_uri(), files


def test_fetch_writes_checked_files_and_prints_the_exports(tmp_path, served, capsys):
    url, files = served
    out = tmp_path / "weights"
    assert main(["weights", "fetch", "--to", str(out), "--base-url", url]) == 0
    printed = capsys.readouterr().out
    for spec in files:
        assert (out / spec.name).is_file() and f"export {spec.variable}={out / spec.name}" in printed
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # nothing partial left
    stamp = (out / files[0].name).stat().st_mtime_ns
    fetcher.fetch(out, url)  # already there and right: kept
    assert (out / files[0].name).stat().st_mtime_ns == stamp


def test_a_corrupt_download_is_refused_and_leaves_nothing(tmp_path, served, capsys):
    url, files = served
    site = tmp_path / "site"
    (site / files[1].name).write_bytes(b"truncated")
    out = tmp_path / "weights"
    assert main(["weights", "fetch", "--to", str(out), "--base-url", url]) == 2
    err = capsys.readouterr().err
    assert files[1].variable in err and "does not start with" in err and "arsr weights fetch" in err
    assert not (out / files[1].name).exists() and not [p for p in out.iterdir() if p.name.startswith(".")]
    (site / files[0].name).unlink()
    (out / files[0].name).unlink()
    assert main(["weights", "fetch", "--to", str(out), "--base-url", url]) == 2
    assert "cannot fetch" in capsys.readouterr().err


def test_the_loaders_name_the_variable_and_the_command(tmp_path):
    from arsr_lib.models.resnet import ResNet, load_imagenet
    from arsr_lib.train.losses import FeatureLoss

    with pytest.raises(W.WeightsError, match="ARSR_RESNET50_WEIGHTS.*no such file.*arsr weights fetch"):
        load_imagenet(ResNet("tiny", 3, 3, 8), tmp_path / "missing.pth")
    bad = tmp_path / "resnet50-0676ba61.pth"
    bad.write_bytes(b"not the published file")
    with pytest.raises(W.WeightsError, match="ARSR_RESNET50_WEIGHTS.*does not start with 0676ba61"):
        load_imagenet(ResNet("tiny", 3, 3, 8), bad)
    junk = tmp_path / "my-vgg.pth"  # no hash in the name: read, and refused as unreadable
    junk.write_bytes(b"junk")
    with pytest.raises(W.WeightsError, match="ARSR_VGG19_WEIGHTS.*not a readable state dict"):
        FeatureLoss(junk)
    with pytest.raises(W.WeightsError, match="no VGG19 weights file"):
        FeatureLoss(None)
