import json
import subprocess
import sys

import jupytext
import pytest

from arsr_lib.run.cli import main
from arsr_lib.run.reproduce import NotebookFailed, reproduce

from conftest import ROOT


def test_cli_splits(realdata, capsys):
    assert (
        main(
            ["splits", "--dataset", "ucf101", "--split-dir", str(realdata / "ucf101_splits"), "--split", "2"]
        )
        == 0
    )
    assert "101 classes, train 9586, test 3734, unused 0, distinct videos 13320" in capsys.readouterr().out
    assert main(["splits", "--dataset", "hmdb51", "--split-dir", str(realdata / "hmdb51_splits")]) == 0
    assert "51 classes, train 3570, test 1530, unused 1666" in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["splits", "--dataset", "ucf101", "--split-dir", str(tmp_path)]) == 2
    assert f"split file not found: {tmp_path / 'classInd.txt'}" in capsys.readouterr().err


def test_module_entry_point_and_help():
    res = subprocess.run(
        [sys.executable, "-m", "arsr_lib", "frames", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert res.returncode == 0 and "--shard" in res.stdout and "--workers" in res.stdout


def test_cli_synth_then_frames(tmp_path, capsys):
    out = tmp_path / "synth"
    assert (
        main(
            [
                "synth",
                "--out",
                str(out),
                "--groups",
                "3",
                "--clips",
                "1",
                "--val-groups",
                "0",
                "--frames",
                "4",
                "--height",
                "32",
                "--width",
                "32",
                "--classes",
                "Wave,ArmCircle",
                "--quiet",
            ]
        )
        == 0
    )
    assert "2 classes x 3 groups x 1 clips = 6 videos" in capsys.readouterr().out
    assert (
        main(
            [
                "frames",
                "--dataset",
                "synth",
                "--root",
                str(out),
                "--out",
                str(tmp_path / "f"),
                "--variant",
                "bicubic",
                "--quiet",
            ]
        )
        == 0
    )
    assert "6 extracted, 0 already complete" in capsys.readouterr().out
    assert (tmp_path / "f" / "Wave" / "v_Wave_g01_c01" / "flow_y_00003.jpg").is_file()


def _notebook(path, code, stage=None):
    """A two-cell notebook source (jupytext py:percent): the parameters cell and ``code``; ``stage``: the
    stage of the study it declares in its metadata."""
    nb = jupytext.reads(
        '# %% tags=["parameters"]\nprofile = "smoke"\n\n# %%\n' + code + "\n", fmt="py:percent"
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    text = jupytext.writes(nb, fmt="py:percent")
    if stage:  # the stage in the jupytext header, as the notebooks carry it
        text = f"# ---\n# jupyter:\n#   arsr:\n#     stage: {stage}\n# ---\n\n" + text
    path.write_text(text)


def test_reproduce_runs_in_order_and_stops_naming_the_failing_notebook(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_ok.py", "open('ran_01', 'w').write(profile)")
    _notebook(nbs / "02_broken.py", "raise RuntimeError('boom in stage two')")
    _notebook(nbs / "03_never.py", "open('ran_03', 'w').write('x')")
    with pytest.raises(
        NotebookFailed,
        match=r"02_broken.py failed in cell 2 of the executed copy .*RuntimeError: boom in stage two",
    ):
        reproduce("smoke", folder=nbs, out_dir=tmp_path / "reports")
    assert (nbs / "ran_01").read_text() == "smoke"
    assert not (nbs / "ran_03").exists()
    assert (tmp_path / "reports" / "01_ok.ipynb").is_file() and (
        tmp_path / "reports" / "02_broken.ipynb"
    ).is_file()


def test_reproduce_resumes_a_partly_finished_run_and_skips_complete_stages(tmp_path, capsys):
    nbs, rep = tmp_path / "notebooks", tmp_path / "reports"
    nbs.mkdir()
    log = nbs / "ran.log"
    stage = "open('ran.log', 'a').write('{n} '); open(r'{rep}/{n}.csv', 'w').write('table {n}')"
    _notebook(nbs / "01_a.py", stage.format(n="01", rep=rep))
    _notebook(
        nbs / "02_b.py",
        "import os\nif not os.path.exists('fixed'): raise RuntimeError('not yet')\n"
        + stage.format(n="02", rep=rep),
    )
    _notebook(nbs / "03_c.py", stage.format(n="03", rep=rep))
    with pytest.raises(NotebookFailed, match="02_b.py"):
        reproduce("smoke", folder=nbs, out_dir=rep)
    assert log.read_text() == "01 "
    assert (rep / ".stages" / "01_a.json").is_file() and not (rep / ".stages" / "02_b.json").exists()
    rec = json.loads((rep / ".stages" / "01_a.json").read_text())
    assert set(rec["outputs"]) == {"01.csv", "01_a.ipynb"}

    (nbs / "fixed").write_text("")  # the problem is fixed: the run resumes after the finished stage
    times = reproduce("smoke", folder=nbs, out_dir=rep)
    assert log.read_text() == "01 02 03 " and times["01_a.ipynb"] == 0.0 and times["03_c.ipynb"] > 0
    assert "01_a.ipynb skipped" in capsys.readouterr().out

    reproduce("smoke", folder=nbs, out_dir=rep)  # everything complete: nothing runs
    assert log.read_text() == "01 02 03 "

    (rep / "03.csv").write_text("tampered")  # an output changed or lost: that stage runs again
    reproduce("smoke", folder=nbs, out_dir=rep)
    assert log.read_text() == "01 02 03 03 " and (rep / "03.csv").read_text() == "table 03"

    _notebook(
        nbs / "02_b.py", stage.format(n="02", rep=rep) + "  # edited"
    )  # upstream edit: it and later stages
    reproduce("smoke", folder=nbs, out_dir=rep)
    assert log.read_text() == "01 02 03 03 02 03 "

    reproduce("smoke", folder=nbs, out_dir=rep, force=True)  # --force runs all
    assert log.read_text() == "01 02 03 03 02 03 01 02 03 "
    reproduce("smoke", folder=nbs, out_dir=rep, only=["03"], force=False)
    assert log.read_text().endswith("01 02 03 ")  # complete: --only 03 skips it too


def test_reproduce_runs_an_experiment_from_a_config_file(tmp_path):
    """The notebooks get the file as their ``config_file`` parameter; editing the file re-runs the stages."""
    nbs, rep = tmp_path / "notebooks", tmp_path / "reports"
    nbs.mkdir()
    code = (
        "from arsr_lib.run import notebook\n"
        "exp = notebook.experiment(profile, config_file)\n"
        "open('seen.txt', 'a').write(f'{exp.name} {exp.data.flow_method}\\n')"
    )
    _notebook(nbs / "01_use.py", code)
    cfg = tmp_path / "exp.yaml"
    cfg.write_text("base: smoke\nname: smoke-tvl1\ndata: {flow_method: tvl1}\n")
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg))
    assert (nbs / "seen.txt").read_text() == "smoke-tvl1 tvl1\n"
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg))  # unchanged: skipped
    assert (nbs / "seen.txt").read_text() == "smoke-tvl1 tvl1\n"
    cfg.write_text("base: smoke\nname: smoke-farneback\ndata: {flow_method: farneback}\n")
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg))
    assert (nbs / "seen.txt").read_text().splitlines()[-1] == "smoke-farneback farneback"


def test_the_recogniser_lane_starts_after_the_data_stage_and_must_succeed(tmp_path, monkeypatch):
    """With ``compute.recogniser_lane`` the runner starts ``arsr recognisers`` once stage 01 is done, before
    the SR stages, and waits for it at the end (stage 05 itself waits on the runs' locks); a failed lane fails
    the run; no lane when stage 05 will not run. The runner finds the stages in the notebooks' metadata, not
    in their numbers."""
    from arsr_lib.run import reproduce as runner

    nbs, rep = tmp_path / "notebooks", tmp_path / "reports"
    nbs.mkdir()
    for stage in ("01_data", "02_sosr", "05_recognition"):
        _notebook(nbs / f"{stage}.py", f"open('ran.log', 'a').write('{stage[:2]} ')", stage=stage[3:])
    events, exit_code = [], [0]

    class FakeLane:
        def __init__(self, profile, config_file, device, log):
            events.append(("start", (nbs / "ran.log").read_text(), profile, config_file is not None))
            self.log = log

        def finish(self):
            events.append(("finish", (nbs / "ran.log").read_text()))
            if exit_code[0]:
                raise NotebookFailed(f"the recogniser lane exited with {exit_code[0]}; see {self.log}")

        def stop(self):
            events.append(("stop",))

    monkeypatch.setattr(runner, "RecogniserLane", FakeLane)
    cfg = tmp_path / "lane.yaml"
    cfg.write_text("base: smoke\nname: smoke-lane\ncompute: {recogniser_lane: true}\n")
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg))
    assert events == [("start", "01 ", "smoke", True), ("finish", "01 02 05 "), ("stop",)]

    events.clear()
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg))  # stage 05 complete: no lane
    assert events == []
    stage_05 = rep / ".stages" / "05_recognition.json"  # (not --force: it clears the profile's real caches)
    exit_code[0] = 3
    stage_05.unlink()
    before = (nbs / "ran.log").read_text()
    with pytest.raises(NotebookFailed, match="recogniser lane exited with 3"):
        reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(cfg), only=["01", "05"])
    (start, ran_then, *_), (finish, ran_at_end) = events[:2]
    assert (start, finish, events[2:]) == ("start", "finish", [("stop",)])
    # --only 01 05: 01 is complete (skipped), the lane starts after it and before 05 runs
    assert ran_then == before and ran_at_end == before + "05 "
    no_lane = tmp_path / "no-lane.yaml"
    no_lane.write_text("base: smoke\nname: smoke-lane\ncompute: {recogniser_lane: false}\n")
    stage_05.unlink()
    reproduce("smoke", folder=nbs, out_dir=rep, config_file=str(no_lane))
    assert len(events) == 3 and (nbs / "ran.log").read_text().endswith("01 02 05 ")  # ran, without a lane


def test_the_recogniser_lane_runs_arsr_recognisers_of_the_same_experiment(tmp_path, monkeypatch):
    from arsr_lib.run import lane

    seen = {}
    monkeypatch.setattr(lane.subprocess, "Popen", lambda cmd, **kw: seen.update(cmd=cmd, **kw) or None)
    cfg = tmp_path / "exp.yaml"
    lane.RecogniserLane("smoke", str(cfg), "cpu", tmp_path / "lane.log")
    assert seen["cmd"][1:] == [
        "-m",
        "arsr_lib",
        "recognisers",
        "--quiet",
        "--config",
        str(cfg.resolve()),
        "--device",
        "cpu",
    ]
    lane.RecogniserLane("synth", None, None, tmp_path / "lane.log")
    assert seen["cmd"][-2:] == ["--profile", "synth"] and seen["cwd"] == str(ROOT)
    with pytest.raises(SystemExit) as done:
        main(["recognisers", "--help"])
    assert done.value.code == 0


def test_arsr_synth_offers_every_size(capsys):
    """Every SynthActions size (the evidence run's ``synth`` too) is a choice of ``arsr synth --size``."""
    from arsr_lib.data.synth.spec import SIZES

    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    text = capsys.readouterr().out
    assert all(size in text for size in SIZES) and "synth" in SIZES
    with pytest.raises(SystemExit) as bad:
        main(["synth", "--out", "x", "--size", "huge"])
    assert bad.value.code == 2 and "invalid choice: 'huge'" in capsys.readouterr().err
