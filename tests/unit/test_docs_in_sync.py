"""Generated documentation must match the schema it is generated from."""

import os
import subprocess
import sys
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT


def test_declaration_reference_matches_schema():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
