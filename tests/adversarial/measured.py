"""Run a Python script (argv[1:]) in this process and write its peak resident memory to $MAILCONFIG_TEST_HWM_FILE.

The peak is this process's own VmHWM. getrusage's ru_maxrss would not do: on exec,
Linux carries the parent's high-water mark into it, so a child of a large pytest
process reports pytest's peak rather than its own.
"""

import atexit
import os
import runpy
import sys


def peak_kb():
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])


def _record():
    with open(os.environ["MAILCONFIG_TEST_HWM_FILE"], "w") as handle:
        handle.write(str(peak_kb()))


if __name__ == "__main__":
    atexit.register(_record)
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
