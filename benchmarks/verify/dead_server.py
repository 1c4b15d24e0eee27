"""verify.yml from the controller, failures only, when one practice's server is dead (issue 25).

    .venv/bin/python benchmarks/verify/dead_server.py [--practices 1000] [--forks 10] [--timeout 5] [--site]

Same inventory and forks, same run: the baseline (every practice on the local Dovecot and
passing), then the same with one practice's outgoing server a black hole (a listening socket
that never answers, implicit TLS) and that practice at ``mail_account_verify_timeout``
``--timeout``. With ``--site``, the dead-server run from the sites too (minutes at 1,000).
The target: the dead-server run within 30 s at 1,000 practices, within the baseline plus that
practice's deadline, and faster than from the sites.
"""

import argparse
import json
import os
import sys
import tempfile

import _local

from _timing import timed  # noqa: E402  pylint: disable=wrong-import-order
from batch import VERIFY, _env  # noqa: E402  pylint: disable=wrong-import-order
from tests.servers import declarations, fleet, proxy  # noqa: E402

DEAD = 500


def _run(state, folder, practices, forks, mode, dead_timeout=None):
    """Wall seconds of one verify.yml run, and the practices it reported failing."""
    overrides, host_vars = {}, {}
    if dead_timeout is not None:
        overrides[DEAD] = declarations.virtual(state, DEAD, outgoing=("hole", "tls"), incoming=None)
        host_vars[DEAD] = {"mail_account_verify_timeout": dead_timeout}
    inventory = fleet.write(folder, state, practices, overrides, {"mail_account_verify_from": mode,
                                                                  "mail_account_verify_host_results": "failed"}, host_vars)
    report = os.path.join(folder, "report", "mail")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "--forks", str(forks), VERIFY]
    wall, _cpu, result = timed(command, env=_env(folder, MAILCONFIG_REPORT=report,
                                                 ANSIBLE_CALLBACKS_ENABLED="mailops.mailconfig.fleet_summary"))
    with open(report + ".json", encoding="utf-8") as handle:
        failing = sorted(row["practice"] for row in json.load(handle)["practices"] if row["diagnosis"])
    expected = [fleet.name(DEAD)] if dead_timeout is not None else []
    if failing != expected or result.returncode != (2 if expected else 0):
        raise SystemExit("%s run: exit %d, failing %s: %s" % (mode, result.returncode, failing,
                                                               result.stdout.decode("utf-8", "replace")[-2000:]))
    return wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--site", action="store_true")
    args = parser.parse_args()
    hole = proxy.BlackHole()
    with _local.servers(True) as running, tempfile.TemporaryDirectory() as folder:
        state = dict(running, ports=dict(running["ports"], hole=hole.port))
        baseline = _run(state, os.path.join(folder, "baseline"), args.practices, args.forks, "controller")
        dead = _run(state, os.path.join(folder, "dead"), args.practices, args.forks, "controller", args.timeout)
        site = _run(state, os.path.join(folder, "site"), args.practices, args.forks, "site", args.timeout) if args.site else None
    hole.close()
    deadline = 3 * args.timeout  # mail_verify's default deadline: three stage timeouts
    print("verify.yml from the controller, failures only, %d practices, --forks %d; one dead server at timeout %g s "
          "(deadline %g s); same run:\n" % (args.practices, args.forks, args.timeout, deadline))
    print("| run | wall s | against the baseline |")
    print("|---|---|---|")
    print("| baseline: every practice passes | %.1f | 1.00x |" % baseline)
    print("| one practice's server dead | %.1f | %.2fx (+%.1f s; allowed +%g s) |" % (dead, dead / baseline, dead - baseline, deadline))
    if site is not None:
        print("| the same from the sites | %.1f | %.2fx |" % (site, site / baseline))


if __name__ == "__main__":
    main()
