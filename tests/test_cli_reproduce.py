import json
import subprocess
import sys

import pytest

from arsr_lib.cli import main
from arsr_lib.reproduce import NotebookFailed, reproduce
from conftest import ROOT


def test_cli_splits(realdata, capsys):
    assert main(["splits", "--dataset", "ucf101", "--split-dir", str(realdata / "ucf101_splits"), "--split", "2"]) == 0
    assert "101 classes, train 9586, test 3734, unused 0, distinct videos 13320" in capsys.readouterr().out
    assert main(["splits", "--dataset", "hmdb51", "--split-dir", str(realdata / "hmdb51_splits")]) == 0
    assert "51 classes, train 3570, test 1530, unused 1666" in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["splits", "--dataset", "ucf101", "--split-dir", str(tmp_path)]) == 2
    assert f"split file not found: {tmp_path / 'classInd.txt'}" in capsys.readouterr().err


def test_module_entry_point_and_help():
    res = subprocess.run([sys.executable, "-m", "arsr_lib", "frames", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0 and "--shard" in res.stdout and "--workers" in res.stdout


def test_cli_synth_then_frames(tmp_path, capsys):
    out = tmp_path / "synth"
    assert main(["synth", "--out", str(out), "--groups", "3", "--clips", "1", "--frames", "4", "--height", "32",
                 "--width", "32", "--classes", "Wave,ArmCircle", "--quiet"]) == 0
    assert "2 classes x 3 groups x 1 clips = 6 videos" in capsys.readouterr().out
    assert main(["frames", "--dataset", "synth", "--root", str(out), "--out", str(tmp_path / "f"), "--variant",
                 "bicubic", "--quiet"]) == 0
    assert "6 extracted, 0 already complete" in capsys.readouterr().out
    assert (tmp_path / "f" / "Wave" / "v_Wave_g01_c01" / "flow_y_00003.jpg").is_file()


def _notebook(path, code):
    nb = {"cells": [{"id": "p", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": None,
                     "outputs": [], "source": ['profile = "smoke"\n']},
                    {"id": "c", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": [code]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))


def test_reproduce_runs_in_order_and_stops_naming_the_failing_notebook(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_ok.ipynb", "open('ran_01', 'w').write(profile)")
    _notebook(nbs / "02_broken.ipynb", "raise RuntimeError('boom in stage two')")
    _notebook(nbs / "03_never.ipynb", "open('ran_03', 'w').write('x')")
    with pytest.raises(NotebookFailed, match=r"02_broken.ipynb failed in cell 2 of the executed copy .*RuntimeError: boom in stage two"):
        reproduce("smoke", folder=nbs, out_dir=tmp_path / "reports")
    assert (nbs / "ran_01").read_text() == "smoke"
    assert not (nbs / "ran_03").exists()
    assert (tmp_path / "reports" / "01_ok.ipynb").is_file() and (tmp_path / "reports" / "02_broken.ipynb").is_file()
