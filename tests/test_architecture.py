"""The package's one-way data flow, checked on the import statements: no module imports one from a later
layer, and no function-level import of a package module hides a cycle (the command line's lazy imports
excepted)."""

import ast

from conftest import ROOT

PACKAGE = ROOT / "arsr_lib"
# docs/architecture.md: earlier layers never import later ones (modules in one layer may import each other)
LAYERS = [
    ["protocol", "errors", "atomic", "config", "codekey", "devices", "cache"],
    ["video", "datasets", "synth"],
    ["degrade"],
    ["flow", "frames", "prep"],
    ["models"],
    ["losses", "steps", "runlog"],
    ["engine", "checkpoint"],
    ["inference", "metrics", "stats"],
    ["srdata", "recipes", "sreval"],
    ["recognition", "rectrain"],
    ["harness", "tables", "predict"],
    ["reporting"],
    ["viewer", "viewer_widget"],
    ["notebook", "reproduce", "evaluate"],
    ["commands", "cli", "__main__"],
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "arsr_lib" else ""


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        name = rel.parts[0].removesuffix(".py")
        if name == "__init__":
            continue
        yield path, name, ast.parse(path.read_text())


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            targets = [node.module] + (
                [f"{node.module}.{a.name}" for a in node.names] if node.module == "arsr_lib" else []
            )
            yield node, [t for t in targets if _top(t)]
        elif isinstance(node, ast.Import):
            yield node, [a.name for a in node.names if _top(a.name)]


def test_every_module_has_a_layer():
    names = {name for _, name, _ in _modules()}
    assert names <= set(LAYER), f"modules without a layer: {sorted(names - set(LAYER))}"


def test_no_module_imports_a_later_layer():
    upward = []
    for path, name, tree in _modules():
        for node, targets in _imports(tree):
            for target in targets:
                top = _top(target)
                if top in LAYER and LAYER[top] > LAYER[name]:
                    upward.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert not upward, "\n".join(upward)


def test_package_imports_are_at_module_level():
    """Function-level imports of package modules are how cycles get hidden; only the CLI's commands import
    lazily (for start-up time: each command loads what it uses)."""
    hidden = []
    for path, name, tree in _modules():
        if name == "commands":
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                        if module and module.startswith("arsr_lib"):
                            hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno} {module}")
    assert not hidden, "\n".join(hidden)


def test_every_module_imports():
    import importlib

    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if module != "arsr_lib.__main__":
            importlib.import_module(module)
