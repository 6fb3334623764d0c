"""The notebooks are their own source: jupytext py:percent scripts that JupyterLab opens, edits and saves."""

import shutil
import subprocess

import jupytext
import pytest

from arsr_lib.run.reproduce import build_notebooks, notebooks

from conftest import ROOT

SOURCES = notebooks(ROOT / "notebooks")


def check_notebook(path):
    """What every notebook must be: parses, kernel python3, exactly one parameters cell, no outputs, and in
    jupytext's canonical form (so that opening and saving it unchanged changes nothing)."""
    text = path.read_text()
    nb = jupytext.reads(text, fmt="py:percent")
    assert nb.metadata["kernelspec"]["name"] == "python3", path
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code", (
        f"{path.name}: needs exactly one parameters cell"
    )
    assert "profile = " in tagged[0].source and "config_file = " in tagged[0].source
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), path
    assert jupytext.writes(nb, fmt="py:percent") == text, f"{path.name}: not in jupytext's canonical form"
    return nb


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_each_notebook_parses_has_one_parameters_cell_and_no_outputs(path):
    check_notebook(path)


def test_notebooks_are_the_six_stages_and_no_ipynb_is_committed():
    assert [p.name[:3] for p in SOURCES] == ["01_", "02_", "03_", "04_", "05_", "06_"]
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"], capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    if tracked:  # a git checkout (CI's fresh clone is one)
        assert not [t for t in tracked if t.endswith(".ipynb")], "commit the py:percent sources, not .ipynb"


def test_editing_and_saving_in_jupyterlab_keeps_the_notebook_valid(tmp_path):
    """The round trip JupyterLab makes with jupytext: open the .py as a notebook, run a cell (outputs), edit a
    cell, save. The saved file holds the edit, still passes every check, and still builds and
    parameterises."""
    import papermill as pm

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for source in SOURCES:
        shutil.copy(source, folder)
    manager = jupytext.TextFileContentsManager(root_dir=str(folder))
    for source in SOURCES:
        model = manager.get(source.name)
        nb = model["content"]
        code = [c for c in nb.cells if c.cell_type == "code"]
        code[1].outputs = [{"output_type": "stream", "name": "stdout", "text": "ran in JupyterLab\n"}]
        code[1].execution_count = 1
        nb.cells[0].source += "\n\nA note added in JupyterLab."
        manager.save({"type": "notebook", "format": "json", "content": nb}, source.name)
        saved = check_notebook(folder / source.name)
        assert "A note added in JupyterLab." in saved.cells[0].source
        original = jupytext.read(source)
        assert [c.source for c in saved.cells[1:]] == [c.source for c in original.cells[1:]]
    built = build_notebooks(tmp_path / "built", folder)
    assert [p.name for p in built] == [p.stem + ".ipynb" for p in SOURCES]
    # plain notebooks: an .ipynb claiming a py:percent pairing is refused by JupyterLab's jupytext manager
    for path in built:
        assert "jupytext" not in jupytext.read(path).metadata, path.name
    for path in (ROOT / "reports").glob("*/*.ipynb"):
        assert "jupytext" not in jupytext.read(path).metadata, (
            f"{path}: executed copy carries jupytext pairing"
        )
    pm.execute_notebook(
        str(built[0]), str(tmp_path / "prepared.ipynb"), parameters={"profile": "smoke"}, prepare_only=True
    )
    prepared = jupytext.read(tmp_path / "prepared.ipynb")
    injected = [c for c in prepared.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'profile = "smoke"' in injected[0].source
