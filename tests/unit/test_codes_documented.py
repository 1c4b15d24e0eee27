"""Every code the fleet summary can show is documented in docs/diagnoses.md (the others: test_diagnosis, test_lint_rules)."""

import ast
import os
import re

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _entry_state
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def codes_the_callback_writes():
    """The literal codes passed to the callback's ``_note(row, code, hint)``."""
    tree = ast.parse(_read("plugins", "callback", "fleet_summary.py"))
    return {call.args[1].value for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "_note"
            and len(call.args) > 1 and isinstance(call.args[1], ast.Constant)}


def test_the_fleet_summary_codes_are_documented():
    emitted = codes_the_callback_writes()
    assert {"apply_failed", "verify_failed", "no_declaration", "unreachable"} <= emitted  # the parse found them
    emitted.add(_entry_state.DIAGNOSIS)  # a guided practice awaiting entry (the callback settles it there)
    section = _read("docs", "diagnoses.md").split("## Fleet summary codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert emitted == documented, "docs/diagnoses.md 'Fleet summary codes' must list exactly %s" % sorted(emitted)
