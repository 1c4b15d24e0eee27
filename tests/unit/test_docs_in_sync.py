"""Generated documentation must match the schema it is generated from."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_declaration_reference_matches_schema():
    result = subprocess.run([sys.executable, os.path.join(ROOT, "docs", "generate.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
