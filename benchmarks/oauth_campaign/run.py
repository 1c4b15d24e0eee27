"""The campaign's wall time and peak memory against the local identity provider, for 20 and 200 practices.

Each person signs in after 3 polls, the provider's interval is 1 s: 4 s of polling is the
floor. The command runs as a user runs it (bin/mailconfig-oauth, a child process); its
peak memory is the child's maximum resident set (getrusage). The provider runs in this
process, on the same 2 cores.

    .venv/bin/python benchmarks/oauth_campaign/run.py --practices 20 200 --repeats 3
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, ".venv", "collections"))

from tests.servers import certs, dovecot, oauth_fleet  # noqa: E402  pylint: disable=wrong-import-position
# pylint: disable-next=wrong-import-position
from tests.servers.identity_provider import IdentityProvider, microsoft_endpoints  # noqa: E402

POLLS = 3


def one_run(count, tls):
    """(wall seconds, peak RSS in MB, outcome line) of one campaign over ``count`` practices."""
    folder = tempfile.mkdtemp(prefix="oauth-campaign-")
    with IdentityProvider(
        cert=tls["valid"]["cert"], cert_key=tls["valid"]["key"], key=dovecot.OAUTH2_KEY, kid=None, interval=1
    ) as idp:
        oauth_fleet.add_people(idp, count, polls=POLLS)
        inventory, password_file = oauth_fleet.write(folder, count, microsoft_endpoints(idp))
        command = oauth_fleet.campaign_command(
            inventory, password_file, tls["ca"], "--start", "all", "--handouts", os.path.join(folder, "handouts")
        )
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder)
        output = child.stdout.read()
        _pid, _status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children
        child.returncode = 0  # reaped here; keeps Popen from waiting again
        wall = time.monotonic() - started
    peak = usage.ru_maxrss / 1024
    outcome = [line for line in output.splitlines() if line.startswith("outcome:")]
    return wall, peak, outcome[0] if outcome else output[-400:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tls = certs.make(tempfile.mkdtemp(prefix="oauth-campaign-tls-"))
    print("| practices | wall s (median of %d) | wall s (max) | peak RSS MB (max) | outcome |" % args.repeats)
    print("|---|---|---|---|---|")
    for count in args.practices:
        runs = [one_run(count, tls) for _repeat in range(args.repeats)]
        print(
            "| %d | %.2f | %.2f | %.1f | %s |"
            % (
                count,
                statistics.median(r[0] for r in runs),
                max(r[0] for r in runs),
                max(r[1] for r in runs),
                runs[-1][2],
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
