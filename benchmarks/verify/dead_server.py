"""verify.yml from the controller, failures only, when one practice's server is dead (issue 25).

    .venv/bin/python benchmarks/verify/dead_server.py [--practices 1000] [--forks 10] [--timeout 5]
        [--samples 3] [--site]

Same inventory and forks, same run: the baseline (every practice on the local Dovecot and
passing), then the same with one practice's outgoing server a black hole (a listening socket
that never answers, implicit TLS) and that practice at ``mail_account_verify_timeout``
``--timeout``; ``--samples`` pairs of the two, interleaved so both see the same load, each
pair's ratio, and the medians. With ``--site``, the dead-server run from the sites too, once
(minutes at 1,000). The load average is printed before and after.
The target: the dead-server run within 30 s at 1,000 practices, within the baseline plus that
practice's deadline, and faster than from the sites.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile

import _local

from _timing import timed  # noqa: E402  pylint: disable=wrong-import-order
from batch import VERIFY, _env  # noqa: E402  pylint: disable=wrong-import-order
from tests.servers import declarations, fleet, proxy  # noqa: E402


def _run(state, folder, practices, forks, mode, dead_timeout=None):
    """Wall seconds of one verify.yml run (checking that it failed exactly the dead practice, if any)."""
    dead, overrides, host_vars = practices // 2, {}, {}
    if dead_timeout is not None:
        overrides[dead] = declarations.virtual(state, dead, outgoing=("hole", "tls"), incoming=None)
        host_vars[dead] = {"mail_account_verify_timeout": dead_timeout}
    inventory = fleet.write(folder, state, practices, overrides, {"mail_account_verify_from": mode,
                                                                  "mail_account_verify_host_results": "failed"}, host_vars)
    report = os.path.join(folder, "report", "mail")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "--forks", str(forks), VERIFY]
    wall, _cpu, result = timed(command, env=_env(folder, MAILCONFIG_REPORT=report,
                                                 ANSIBLE_CALLBACKS_ENABLED="mailops.mailconfig.fleet_summary"))
    with open(report + ".json", encoding="utf-8") as handle:
        failing = sorted(row["practice"] for row in json.load(handle)["practices"] if row["diagnosis"])
    expected = [fleet.name(dead)] if dead_timeout is not None else []
    if failing != expected or result.returncode != (2 if expected else 0):
        raise SystemExit(
            "%s run: exit %d, failing %s: %s"
            % (mode, result.returncode, failing, result.stdout.decode("utf-8", "replace")[-2000:])
        )
    return wall


def _load():
    return "%.1f %.1f %.1f" % os.getloadavg()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--site", action="store_true")
    args = parser.parse_args()
    hole = proxy.BlackHole()
    pairs, site, load = [], None, [_load()]
    with _local.servers(True) as running, tempfile.TemporaryDirectory() as folder:
        state = dict(running, ports=dict(running["ports"], hole=hole.port))
        for sample in range(args.samples):
            run = os.path.join(folder, "%d" % sample)
            baseline = _run(state, run + "baseline", args.practices, args.forks, "controller")
            dead = _run(state, run + "dead", args.practices, args.forks, "controller", args.timeout)
            pairs.append((baseline, dead))
        if args.site:
            site = _run(state, os.path.join(folder, "site"), args.practices, args.forks, "site", args.timeout)
    hole.close()
    load.append(_load())
    deadline = 3 * args.timeout  # mail_verify's default deadline: three stage timeouts
    baseline, dead = (statistics.median(run[i] for run in pairs) for i in (0, 1))
    print("verify.yml from the controller, failures only, %d practices, --forks %d; one dead server at timeout %g s "
          "(deadline %g s); %d interleaved pairs, load average %s before, %s after:\n"
          % (args.practices, args.forks, args.timeout, deadline, len(pairs), load[0], load[1]))
    print("| run | wall s, median | samples | against the baseline (pair by pair) |")
    print("|---|---|---|---|")
    print("| baseline: every practice passes | %.1f | %s | 1.00x |" % (
        baseline, ", ".join("%.1f" % b for b, _d in pairs)))
    print("| one practice's server dead | %.1f | %s | %.2fx, %+.1f s median (%s; allowed +%g s) |" % (
        dead, ", ".join("%.1f" % d for _b, d in pairs), statistics.median(d / b for b, d in pairs),
        statistics.median(d - b for b, d in pairs), ", ".join("%+.1f" % (d - b) for b, d in pairs), deadline))
    if site is not None:
        print("| the dead-server run from the sites | %.1f | 1 | %.2fx; the controller's is %.2fx of it |" % (
            site, site / baseline, dead / site))


if __name__ == "__main__":
    main()
