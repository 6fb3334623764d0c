import json
import subprocess
import sys

from conftest import ROOT


def test_notebooks_match_their_source_and_carry_no_outputs(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_notebooks.py"), str(tmp_path)], check=True)
    built = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    committed = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert built == committed and len(built) >= 5
    for name in built:
        nb = json.loads((ROOT / "notebooks" / name).read_text())
        assert nb == json.loads((tmp_path / name).read_text()), f"{name} differs from tools/build_notebooks.py"
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
