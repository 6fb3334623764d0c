"""The package's one-way data flow, checked on the import statements: the sub-packages are the pipeline's
layers, no module imports one from a later package, and no function-level import of a package module hides a
cycle (the command line's lazy imports excepted)."""

import ast

from conftest import ROOT

PACKAGE = ROOT / "arsr_lib"
# docs/architecture.md: the sub-packages in the order data flows through them
LAYERS = ["core", "config", "data", "models", "train", "sr", "recognition", "report", "run"]
LAYER = {name: i for i, name in enumerate(LAYERS)}
# what may sit at the top of the package besides the sub-packages
TOP_LEVEL = {"__init__", "__main__"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "arsr_lib" else ""


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        name = rel.parts[0].removesuffix(".py")
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


def test_the_tree_is_the_layers():
    """Every module lives in one of the layer packages; each package says what it is for in its docstring."""
    names = {name for _, name, _ in _modules()}
    outside = sorted(names - set(LAYER) - TOP_LEVEL)
    assert not outside, f"modules outside the layer packages: {outside}"
    for name in LAYERS:
        init = PACKAGE / name / "__init__.py"
        assert init.is_file(), f"{name}/ is not a package"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init} has no docstring saying what it holds"


def test_no_module_imports_a_later_package():
    upward = []
    for path, name, tree in _modules():
        if name in TOP_LEVEL:
            continue
        for node, targets in _imports(tree):
            for target in targets:
                top = _top(target)
                if top in LAYER and LAYER[top] > LAYER[name]:
                    upward.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert not upward, "\n".join(upward)


def test_modules_and_functions_stay_small():
    """No module over ~300 lines, no function over ~60 (docstrings included): the size at which a newcomer
    can still read one in a sitting."""
    long = []
    for path, _, tree in _modules():
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            long.append(f"{path.relative_to(ROOT)}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {n} lines")
    assert not long, "\n".join(long)


def _public_functions(tree):
    """(name, node) of the module's public functions and the public methods of its public classes."""

    def visit(node, in_class):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                yield from visit(child, True)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
                if not name.startswith("_") or name in ("__init__", "__call__"):
                    yield name, child, in_class

    yield from visit(tree, False)


def test_every_public_function_is_annotated():
    """Type hints on every public function and method (mypy checks them in ``make lint``)."""
    missing = []
    for path, _, tree in _modules():
        for name, node, in_class in _public_functions(tree):
            a = node.args
            params = a.posonlyargs + a.args + a.kwonlyargs
            if in_class and params and params[0].arg in ("self", "cls"):
                params = params[1:]
            bare = [p.arg for p in params if p.annotation is None]
            bare += [f"*{v.arg}" for v in (a.vararg, a.kwarg) if v is not None and v.annotation is None]
            if node.returns is None and name != "__init__":
                bare.append("return")
            if bare:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}: {', '.join(bare)}")
    assert not missing, "\n".join(missing)


def test_package_imports_are_at_module_level():
    """Function-level imports of package modules are how cycles get hidden; only the CLI's commands import
    lazily (for start-up time: each command loads what it uses)."""
    hidden = []
    for path, name, tree in _modules():
        if path.name == "commands.py":
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
