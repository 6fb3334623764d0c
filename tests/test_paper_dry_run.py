"""The ``paper`` profile's dry run on real files: every notebook, with the paper's architectures and protocol
(full-size RRDBNet, VDSR-20, DUF-16L, ResNet-50, TV-L1 flow, the clips' own 320x240 / 340x256 frames, 10 test
crops of 224 px), on the real UCF101 clips of ../shared/realdata laid out as a UCF101 root with the official
split files. Only what sets the run's length is overridden: step counts and batch sizes, the number of
videos, frames per video and test snippets; CPU instead of the GPU, whose bf16 autocast has its own test.

The 11 clips all belong to split 1's test groups, so the training split gets stand-ins: for each of their 9
classes, one of its clips copied under the name of the class's first split-1 training video (real footage of
the class under a listed name; the recognisers' and SR models' weights of a dry run mean nothing anyway).
ImageNet ResNet-50 and VGG19 weights are random tensors in torchvision's layout, as nothing is downloaded.

It proves that the GPU run will not die on its first real file; it measures nothing.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch

from arsr_lib import config
from arsr_lib.models import build_model
from arsr_lib.run.reproduce import reproduce
from arsr_lib.train.losses import vgg19_features


def _ucf101_root(tmp: Path, realdata: Path) -> Path:
    clips = realdata / "clips" / "ucf101"
    splits = realdata / "ucf101_splits"
    root = tmp / "UCF101"
    shutil.copytree(clips, root)
    shutil.copytree(splits, root / "ucfTrainTestlist")  # the official files, all three splits
    train = [
        line.split()[0] for line in (splits / "trainlist01.txt").read_text().splitlines() if line.strip()
    ]
    for cls in sorted(p.name for p in clips.iterdir()):
        source = sorted((clips / cls).iterdir())[0]
        stand_in = next(t for t in train if t.startswith(f"{cls}/"))
        shutil.copy(source, (root / stand_in).with_suffix(source.suffix))
    return root


def _random_weights(tmp: Path) -> tuple[Path, Path]:
    resnet = tmp / "resnet50-random.pth"
    torch.save(build_model("tsn", num_classes=101, depth=50, modality="rgb").base.state_dict(), resnet)
    vgg = tmp / "vgg19-random.pth"
    torch.save({f"features.{k}": v for k, v in vgg19_features(layers=None).state_dict().items()}, vgg)
    return resnet, vgg


@pytest.mark.slow
@pytest.mark.dryrun
def test_paper_profile_runs_every_notebook_on_real_clips(tmp_path, realdata):
    root = _ucf101_root(tmp_path, realdata)
    resnet, vgg = _random_weights(tmp_path)
    steps = {name: {"iters": 1, "batch": 2} for name in config.load("paper").recipes}  # every recipe
    experiment = {
        "base": "paper",
        "paths": {"project": str(tmp_path / "project"), "reports_root": str(tmp_path / "reports")},
        "data": {
            "root": str(root),
            "split_dir": str(root / "ucfTrainTestlist"),
            "max_frames": 10,
            "eval_videos": 2,
            "workers": 2,
            "sr_train_videos": 4,
        },
        "compute": {"device": "cpu", "workers": 0},
        "pairs": {"pairs_per_video": 1},
        "recipes": steps,
        "sr_loss": {"vgg19_weights": str(vgg)},
        "recognition": {
            "iters": {"tsn_rgb": 1, "tsn_flow": 1, "stresnet": 1},
            "batch": 2,
            "test_snippets": 1,
            "imagenet_weights": str(resnet),
        },
    }
    config_file = tmp_path / "paper-dry-run.yaml"
    config_file.write_text(json.dumps(experiment))  # JSON is YAML
    times = reproduce("paper", config_file=str(config_file), parameters={"n_eval": 1, "n_show": 3})
    assert len(times) == 6 and all(t > 0 for t in times.values())
    reports = tmp_path / "reports" / "paper"
    spatial = pd.read_csv(reports / "05_spatial.csv")
    assert list(spatial.method) == [
        "HR",
        "Bicubic",
        "VDSR",
        "ESRGAN",
        "SoSR",
        "SoSR-VDSR",
        "VSR-DUF",
        "ToSR-DUF",
        "ToSR-VDSR",
        "ToSR-ESRGAN",
    ]
    temporal = pd.read_csv(reports / "05_temporal.csv")
    assert list(temporal.method) == list(spatial.method)  # every method's flow feeds the temporal stream
    assert "tvl1" in (reports / "05_spatial.md").read_text()  # the pinned protocol beside the numbers
    # the architectures were the paper's
    specs = torch.load(tmp_path / "project" / "runs" / "paper" / "sosr" / "final.pt", weights_only=True)[
        "specs"
    ]
    assert specs["g"]["kwargs"] == {"nf": 64, "nb": 23, "gc": 32}
    rec = torch.load(tmp_path / "project" / "runs" / "paper" / "tsn_rgb" / "final.pt", weights_only=True)
    assert rec["specs"]["g"]["kwargs"]["depth"] == 50
