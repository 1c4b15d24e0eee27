"""verify.yml over many practices: per-host checks from the site vs one controller-side batch, same run.

    .venv/bin/python benchmarks/verify/batch.py [--practices 200 1000] [--forks 10] [--per-server 4]
                                                [--dovecot throughput|default]

Every practice is a virtual user of the local Dovecot (SMTP submission with STARTTLS
and IMAPS, certificates verified). Every mode runs the collection's own verify.yml with
the same inventory and forks: from the site; from the controller with a task result per
practice (``mail_account_verify_host_results: all``, the default); and from the controller
with a task only for the practices that failed (``failed``; here none fails, so no
practice has a task of its own). The batch task's own duration is read from Ansible's
junit callback, so the rest of the wall time is what Ansible spends besides it (start,
the validate task, and one task per practice in the ``all`` mode).

Two floors, with the same inventory and forks, say what no batching removes: Ansible's
start-up with this inventory (a play whose only task is ``meta: noop``, which costs no
worker process) and one trivial task per practice (``ansible.builtin.debug``), the least
a result of each practice's own costs.

Dovecot runs in its high-performance mode by default (``--dovecot default`` for one
process started per connection): it shares the two cores with the controller, and 2,000
logins' worth of process starts would otherwise be charged to the batch.
"""

import argparse
import json
import os
import sys
import tempfile
from xml.etree import ElementTree

import _local

from _timing import timed  # noqa: E402  pylint: disable=wrong-import-order
from tests.servers import fleet  # noqa: E402

VERIFY = os.path.join(_local.ROOT, "playbooks", "verify.yml")
FLOORS = {"start-up": "ansible.builtin.meta: noop", "one task per practice": "ansible.builtin.debug:\n        msg: ok"}


def _env(folder, **extra):
    return dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=_local.COLLECTIONS,
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_LOCAL_TEMP=os.path.join(folder, "tmp"),
        ANSIBLE_CONFIG=os.path.join(folder, "none.cfg"),
        **extra,
    )


def _floor(state, folder, practices, forks, task):
    """Wall seconds of a play over the same inventory whose only task is ``task``."""
    inventory = fleet.write(folder, state, practices)
    playbook = os.path.join(folder, "floor.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write("- hosts: all\n  gather_facts: false\n  tasks:\n    - %s\n" % task)
    wall, _cpu, result = timed([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                                "--forks", str(forks), playbook], env=_env(folder))
    if result.returncode:
        raise SystemExit("floor %r failed: %s" % (task, result.stdout.decode("utf-8", "replace")[-2000:]))
    return wall


def _run(state, folder, practices, forks, mode, per_server, host_results="all"):
    inventory = fleet.write(folder, state, practices, extra_vars={"mail_account_verify_from": mode,
                                                                  "mail_account_verify_per_server": per_server,
                                                                  "mail_account_verify_host_results": host_results})
    report, junit = os.path.join(folder, "report", "mail"), os.path.join(folder, "junit")
    env = _env(
        folder, ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_OUTPUT_DIR=junit, MAILCONFIG_REPORT=report
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i",
        inventory,
        "--forks",
        str(forks),
        VERIFY,
    ]
    wall, _cpu, result = timed(command, env=env)
    with open(report + ".json", encoding="utf-8") as handle:
        rows = json.load(handle)["practices"]
    good = sum(1 for row in rows if row["outgoing"] == "ok" and row["incoming"] == "ok")
    if result.returncode or good != practices:
        raise SystemExit(
            "%s run: exit %d, %d of %d practices ok: %s"
            % (mode, result.returncode, good, practices, result.stdout.decode("utf-8", "replace")[-2000:])
        )
    return wall, _batch_seconds(junit)


def _batch_seconds(junit):
    """The batch task's own time, from ansible's junit callback (None in the per-host mode)."""
    for name in os.listdir(junit):
        for case in ElementTree.parse(os.path.join(junit, name)).iter("testcase"):
            if "in one batch" in case.get("name", "") and case.find("skipped") is None:
                return float(case.get("time"))
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--per-server", type=int, default=4)
    parser.add_argument("--dovecot", choices=("throughput", "default"), default="throughput")
    args = parser.parse_args()
    rows = []
    with _local.servers(args.dovecot == "throughput") as state, tempfile.TemporaryDirectory() as folder:
        for practices in args.practices:
            site = _run(
                state, os.path.join(folder, "site%d" % practices), practices, args.forks, "site", args.per_server
            )
            batch = _run(
                state, os.path.join(folder, "batch%d" % practices), practices, args.forks, "controller", args.per_server
            )
            failed = _run(
                state,
                os.path.join(folder, "failed%d" % practices),
                practices,
                args.forks,
                "controller",
                args.per_server,
                "failed",
            )
            floors = [_floor(state, os.path.join(folder, "floor%d-%d" % (practices, n)), practices, args.forks, task)
                      for n, task in enumerate(FLOORS.values())]
            rows.append((practices, site, batch, failed, floors))
    print("verify.yml, --forks %d, per_server %d, Dovecot %s mode, every practice ok; same run:\n" % (
        args.forks, args.per_server, args.dovecot))
    print("| practices | from the site: wall s | controller, result per practice: wall s (speed-up) | batch task s "
          "| rest s | controller, task only when failed: wall s (speed-up) | batch task s | rest s |")
    print("|---|---|---|---|---|---|---|---|")
    for practices, site, batch, failed, _floors in rows:
        print("| %d | %.1f | %.1f (%.1fx) | %.1f | %.1f | %.1f (%.1fx) | %.1f | %.1f |" % (
            practices, site[0], batch[0], site[0] / batch[0], batch[1], batch[0] - batch[1],
            failed[0], site[0] / failed[0], failed[1], failed[0] - failed[1]))
    print("\nAnsible's floors, same inventory and forks (wall s; the site run divided by each in brackets):\n")
    print("| practices | %s |" % " | ".join(FLOORS))
    print("|---|%s" % ("---|" * len(FLOORS)))
    for practices, site, _batch, _failed, floors in rows:
        print("| %d | %s |" % (practices, " | ".join("%.1f (%.1fx)" % (floor, site[0] / floor) for floor in floors)))


if __name__ == "__main__":
    main()
