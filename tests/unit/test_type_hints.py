"""Public functions of module_utils and plugin_utils carry type hints (CONTRIBUTING.md).

PENDING lists the files not annotated yet; they are being reshaped on other branches and get their
hints when those land. A file not listed fails here as soon as a public function lacks a hint, and a
listed file that has become complete fails too, so the list only shrinks.
"""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PENDING = {
    "plugins/plugin_utils/_application.py",
    "plugins/plugin_utils/_audit_log.py",
    "plugins/plugin_utils/_batch_verify.py",
    "plugins/plugin_utils/_catalogue.py",
    "plugins/plugin_utils/_deadlines.py",
    "plugins/plugin_utils/_finding_formats.py",
    "plugins/plugin_utils/_findings.py",
    "plugins/plugin_utils/_ispdb.py",
    "plugins/plugin_utils/_report.py",
    "plugins/plugin_utils/_report_cli.py",
    "plugins/plugin_utils/_report_html.py",
    "plugins/plugin_utils/_report_prometheus.py",
    "plugins/plugin_utils/_run_info.py",
    "plugins/plugin_utils/_sender_checks.py",
    "plugins/plugin_utils/_windows.py",
    "plugins/plugin_utils/_yaml_marks.py",
}


def unannotated(path):
    """Public functions and methods of public classes in ``path`` without a return or argument hint."""
    found = []

    def visit(node, public):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, public and not child.name.startswith("_"))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and public and not child.name.startswith("_"):
                arguments = [a for a in child.args.args + child.args.kwonlyargs if a.arg not in ("self", "cls")]
                if child.returns is None or any(a.annotation is None for a in arguments):
                    found.append(child.name)

    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        visit(ast.parse(handle.read()), True)
    return found


def sources():
    for folder in ("plugins/module_utils", "plugins/plugin_utils"):
        for base, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(base, name), ROOT)


@pytest.mark.parametrize("path", sorted(sources()))
def test_public_functions_have_type_hints(path):
    missing = unannotated(path)
    if path in PENDING:
        assert missing, "%s is fully annotated now: remove it from PENDING" % path
    else:
        assert not missing, "%s: add type hints to %s" % (path, ", ".join(missing))
