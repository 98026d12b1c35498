"""The design's boundaries, checked on the source: who may import what (DESIGN.md, 'Rules')."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "actcli"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            out.add(base)
    return out


def _files():
    return [p for p in PKG.rglob("*.py")]


def test_only_cli_and_report_import_rich():
    for path in _files():
        rel = path.relative_to(PKG).as_posix()
        if rel.startswith(("cli/", "report/")):
            continue
        assert not any(m == "rich" or m.startswith("rich.") for m in _imports(path)), rel


def test_the_engine_imports_nothing_else_of_actcli_nor_the_ui_libraries():
    for path in (PKG / "nn").rglob("*.py"):
        for module in _imports(path):
            assert not module.startswith(("actcli", "..", "typer", "rich", "matplotlib")), (path.name, module)


def test_the_report_never_imports_the_lab():
    for path in (PKG / "report").rglob("*.py"):
        for module in _imports(path):
            assert not module.endswith(("lab", "sweep")), (path.name, module)


def test_matplotlib_is_imported_only_inside_functions():
    for path in _files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.startswith("matplotlib") for n in names), path.name


def test_help_does_not_import_matplotlib_or_the_engine():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom actcli.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
