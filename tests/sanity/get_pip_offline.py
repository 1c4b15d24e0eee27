"""Stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test fetches get-pip from its own CI file host, which this project's CI
cannot reach (only package registries are reachable). This script does the same
job with the interpreter's bundled ensurepip, then installs what ansible-test asked
for from the package index. `make sanity` puts it where ansible-test looks first.
"""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], stdout=subprocess.DEVNULL)
# get-pip's own switches, which pip install does not know
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install"] + ARGS)
