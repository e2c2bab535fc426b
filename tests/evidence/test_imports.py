"""``evidence/`` runs without a browser: it imports neither Playwright nor ``pages`` nor ``collector``."""

from __future__ import annotations

import ast
from pathlib import Path

import evidence

FORBIDDEN = ("playwright", "pages", "collector", "pytest_playwright")
ROOT = Path(evidence.__file__).parent


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return sorted(found)


def violations(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if module.split(".")[0] in FORBIDDEN:
                problems.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return problems


def test_no_module_under_evidence_imports_playwright_pages_or_collector() -> None:
    assert len(list(ROOT.rglob("*.py"))) > 10  # the walk really covers the package
    assert violations(ROOT) == []


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    package = tmp_path / "evidence"
    (package / "sub").mkdir(parents=True)
    (package / "ok.py").write_text("import json\nfrom evidence.models import Order\n")
    (package / "sub" / "bad.py").write_text(
        "from __future__ import annotations\ndef f():\n    from playwright.sync_api import Page\n"
        "import collector.cli\nimportlib.import_module('pages.login')\n"
    )
    assert violations(package) == [
        "evidence/sub/bad.py:3 imports playwright.sync_api",
        "evidence/sub/bad.py:4 imports collector.cli",
        "evidence/sub/bad.py:5 imports pages.login",
    ]


def test_bundles_are_written_reassessed_and_verified_without_fcntl(tmp_path: Path) -> None:
    """No Unix-only module on the evidence path (Windows has no ``fcntl``): the locks come from
    ``filelock``, which falls back to its portable lock where fcntl is missing."""
    import subprocess
    import sys

    script = f"""
import sys
sys.modules["fcntl"] = None  # as on Windows: any import of it fails
from pathlib import Path
from evidence.bundle import append_assessment, verify_path, write_bundle
from evidence.bundle.example import example_artifacts, example_assessment, example_case, example_context, fixed_clock
ref = write_bundle(Path({str(tmp_path)!r}), example_case(), example_artifacts(), example_context(), clock=fixed_clock)
append_assessment(ref.path, example_assessment(), "reviewer", clock=fixed_clock)
from typer.testing import CliRunner
from collector.cli import app
result = CliRunner().invoke(app, ["verify", str(ref.path)])
assert result.exit_code == 0, result.output
print("ok", verify_path(ref.path).ok)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok True"
