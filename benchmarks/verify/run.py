"""Verification speed against the local servers: our check vs swaks + curl, and 50 accounts through Ansible.

    .venv/bin/python benchmarks/verify/run.py [--repeats 20] [--accounts 50] [--forks 10]

1. One account, SMTP submission (587, STARTTLS, AUTH) + IMAP (993, AUTHENTICATE, EXAMINE
   INBOX), certificates verified against the test CA, ``--repeats`` times each, same run:
   - mail_verify's check in-process (``module_utils.probe._verify.verify``);
   - the same check as a fresh Python process (what each Ansible task pays to start);
   - swaks (SMTP, STARTTLS, AUTH, quit) followed by curl (IMAPS login, EXAMINE INBOX).
2. ``--accounts`` hosts (local connection), one mail_verify task each, ansible-playbook
   with ``--forks``.
Prints a Markdown table of median and best wall times and the ratios.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import _local
import yaml

from _timing import timed  # noqa: E402  pylint: disable=wrong-import-order
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify  # noqa: E402
from tests.servers import declarations  # noqa: E402

OUTGOING, INCOMING = ("submission", "starttls"), ("imaps", "tls")

_FRESH = """
import json, sys
sys.path.insert(0, %r)
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify
result = verify(json.loads(sys.argv[1]), ca_path=sys.argv[2])[0]
sys.exit(0 if result["ok"] else 1)
"""


def _ours(declaration, ca):
    started = time.perf_counter()
    result = verify(declaration, ca_path=ca)[0]
    if not result["ok"]:
        raise SystemExit("our check failed: %s" % json.dumps(result, indent=1)[:2000])
    return time.perf_counter() - started


def _checked(name, run):
    wall, result = run[0], run[2]
    if result.returncode != 0:
        raise SystemExit(
            "%s failed (%d): %s" % (name, result.returncode, result.stdout.decode("utf-8", "replace")[-2000:])
        )
    return wall


def _swaks_and_curl(state):
    account, ca = state["users"]["alice"], state["ca"]
    swaks = [
        "swaks",
        "--server",
        "127.0.0.1:%d" % state["ports"]["submission"],
        "--tls",
        "--tls-verify",
        "--tls-ca-path",
        ca,
        "--auth",
        "PLAIN",
        "--auth-user",
        account["username"],
        "--auth-password",
        account["password"],
        "--quit-after",
        "AUTH",
        "--to",
        "nobody@example.test",
    ]
    curl = ["curl", "-sS", "--cacert", ca, "--user", "%s:%s" % (account["username"], account["password"]),
            "--url", "imaps://localhost:%d/INBOX" % state["ports"]["imaps"], "-X", "EXAMINE INBOX"]
    return _checked("swaks", timed(swaks, stdin=subprocess.DEVNULL)) + _checked("curl", timed(curl))


def _fleet(state, accounts, forks):
    with tempfile.TemporaryDirectory() as folder:
        inventory = {"all": {"hosts": {"practice%03d" % n: {} for n in range(accounts)},
                             "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                      "mail_account": declarations.raw(state, outgoing=OUTGOING, incoming=INCOMING)}}}
        play = [{"hosts": "all", "gather_facts": False, "tasks": [
            {"mailops.mailconfig.mail_verify": {"declaration": "{{ mail_account }}", "ca_path": state["ca"]}}]}]
        paths = {}
        for name, data in (("inventory.yml", inventory), ("verify.yml", play)):
            paths[name] = os.path.join(folder, name)
            with open(paths[name], "w", encoding="utf-8") as handle:
                yaml.safe_dump(data, handle)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_local.COLLECTIONS, ANSIBLE_HOST_KEY_CHECKING="0",
                   ANSIBLE_LOCAL_TEMP=os.path.join(folder, "tmp"), ANSIBLE_CONFIG=os.path.join(folder, "none.cfg"))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", paths["inventory.yml"],
                   "--forks", str(forks), paths["verify.yml"]]
        return _checked("ansible-playbook", timed(command, env=env))


def _row(name, walls, base=None):
    median = statistics.median(walls)
    ratio = "%.2f" % (median / base) if base else "1.00"
    return "| %s | %.1f | %.1f | %s |" % (name, median * 1000, min(walls) * 1000, ratio)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()
    with _local.servers() as state:
        declaration = declarations.normalised(state, outgoing=OUTGOING, incoming=INCOMING)
        fresh = [sys.executable, "-c", _FRESH % _local.COLLECTIONS, json.dumps(declaration), state["ca"]]
        ours, process, peers = [], [], []
        for _repetition in range(args.repeats):  # interleaved, so every contender sees the same machine load
            ours.append(_ours(declaration, state["ca"]))
            process.append(_checked("fresh process", timed(fresh)))
            peers.append(_swaks_and_curl(state))
        fleet = _fleet(state, args.accounts, args.forks)
    base = statistics.median(ours)
    print("One account, SMTP submission (STARTTLS) + IMAPS, %d repetitions each, interleaved:\n" % args.repeats)
    print("| check | median ms | best ms | median vs ours in-process |")
    print("|---|---|---|---|")
    print(_row("mail_verify check, in-process (SMTP and IMAP in parallel)", ours))
    print(_row("mail_verify check, fresh Python process", process, base))
    print(_row("swaks then curl (two processes, sequential)", peers, base))
    print("\n%d accounts, ansible-playbook --forks %d, one mail_verify task each: %.1f s wall (%.0f ms per account)"
          % (args.accounts, args.forks, fleet, fleet * 1000 / args.accounts))


if __name__ == "__main__":
    main()
