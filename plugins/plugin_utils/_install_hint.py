# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to install a missing controller library into the Python that needs it.

A bare ``pip install`` is refused by Debian 12's (and other distributions') externally managed
Python, so outside a virtual environment the hint names the distribution package and a venv.
"""

from __future__ import annotations

import sys
from typing import Sequence

DEBIAN_PACKAGES = {"PyYAML": "python3-yaml", "jsonschema": "python3-jsonschema", "dnspython": "python3-dnspython"}


def install_hint(packages: Sequence[str]) -> str:
    """One sentence that installs the pip ``packages`` where this Python will find them."""
    names = " ".join(packages)
    if sys.prefix != sys.base_prefix:  # a virtual environment: its pip is the right one
        return "%s -m pip install %s" % (sys.executable, names)
    debian = " ".join(DEBIAN_PACKAGES.get(package, package) for package in packages)
    return ("with Debian's or Ubuntu's Python, apt install %s; otherwise run from a virtual environment "
            "(python3 -m venv VENV, then VENV/bin/pip install %s)" % (debian, names))
