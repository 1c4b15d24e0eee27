"""Public functions of module_utils and plugin_utils carry type hints (CONTRIBUTING.md).

Every argument and the return of each public function, and of each public method of a public
class, is annotated; a new one without hints fails here.
"""

import ast
import os

import pytest
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT


def unannotated(path):
    """Public functions and methods of public classes in ``path`` without a return or argument hint."""
    found = []

    def visit(node, public):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, public and not child.name.startswith("_"))
            elif (
                isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and public and not child.name.startswith("_")
            ):
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
    assert not missing, "%s: add type hints to %s" % (path, ", ".join(missing))
