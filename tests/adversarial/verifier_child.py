"""The verifier under attack, in its own process: reads {declaration, options} as JSON on stdin.

Prints one JSON object: the result and warnings of _verify.verify (or the error it
raised), how far the peak resident memory grew past the baseline taken after the
imports (KiB, this process's own VmHWM: see measured.py), and how long verify() took.
"""

import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".venv", "collections"))
sys.path.insert(0, ROOT)

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _verify  # noqa: E402
from tests.adversarial.measured import peak_kb  # noqa: E402


def main():
    request = json.load(sys.stdin)
    baseline = peak_kb()
    started = time.monotonic()
    report = {"result": None, "warnings": [], "error": None}
    try:
        report["result"], report["warnings"] = _verify.verify(request["declaration"], **request["options"])
    except ValueError as exc:
        report["error"] = "%s: %s" % (type(exc).__name__, exc)
    report["seconds"] = time.monotonic() - started
    ballast = bytearray(
        int(os.environ.get("MAILCONFIG_TEST_BALLAST_MB", "0")) * 1024 * 1024
    )  # proves the meter reads growth
    ballast[::4096] = os.urandom(len(ballast[::4096]))  # every page touched, no two alike
    report["grew_kb"] = peak_kb() - baseline
    print(json.dumps(report))


if __name__ == "__main__":
    main()
