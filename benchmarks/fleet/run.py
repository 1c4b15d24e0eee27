"""A whole rollout: playbooks/site.yml over N local practices, each tested live before it
is saved, against two floors in the same run: one ansible.builtin.copy task per host and
one ansible.builtin.ping per host.

    .venv/bin/python benchmarks/fleet/run.py [--hosts 200] [--forks 10] [--repeats 1] [--pairs 4]

Each practice tests its own declaration (SMTP submission with STARTTLS + IMAPS login,
against the local Dovecot started for the run) and saves it to its own SQLite store.
Two rollouts are timed: the first (every store new: one login per side per practice)
and the idempotent one (nothing changes: no login). The floors are a play that copies
a file of the store's size to each host and a play that pings each host, with the same
forks. The sequence is ping, first rollout, copy, ping, idempotent rollout, copy, ping:
each rollout is compared with the copy run right after it and with the mean of the ping
runs just before and just after it, which cancels a drift of the machine's speed over
those minutes (seen here: the same play 20 % slower ten minutes later). With
``--repeats N`` the whole sequence runs N times from empty stores and each ratio is the
median of the N ratios (each taken within its own repeat). With ``--pairs K`` each
repeat then goes on with K more (idempotent rollout, ping) pairs, so the idempotent
rollout against ping, the ratio closest to this machine's noise, is the median of K + 1
samples per repeat, each against the ping runs on either side of it.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from tests.servers import suite  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.join(ROOT, ".venv", "bin")


def inventory(work, state, hosts):
    """N practices sharing the servers (as one user, alice), each with its own store and address."""
    user = state["users"]["alice"]
    practices = {}
    for number in range(hosts):
        practices["practice-%03d" % number] = {
            "mail_account": {
                "schema_version": 1,
                "address": user["username"],
                "provider": "other",
                "auth": {"method": "password", "password": user["password"]},
                "outgoing": {"host": "localhost", "port": state["ports"]["submission"], "security": "starttls"},
                "incoming": {
                    "protocol": "imap",
                    "host": "localhost",
                    "port": state["ports"]["imaps"],
                    "security": "tls",
                },
                "sending": {"rate_per_minute": 3},
            },
            "mail_account_store": {
                "type": "sqlite",
                "path": os.path.join(work, "sites", "practice-%03d.db" % number),
                "create": True,
            },
        }
    data = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                             "mail_account_verify_ca_path": state["ca"]},
                    "hosts": practices}}
    path = os.path.join(work, "inventory.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def ping_playbook(work):
    path = os.path.join(work, "ping.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n")
    return path


def floor_playbook(work):
    path = os.path.join(work, "floor.yml")
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as handle:
        handle.write(os.urandom(12288))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.copy:\n"
            "        src: %s\n        dest: %s/copies/{{ inventory_hostname }}.bin\n        mode: '0600'\n"
            % (payload, work)
        )
    return path


def timed_playbook(work, inv, playbook, forks):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".venv", "collections"),
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_LOCAL_TEMP=os.path.join(work, "tmp"),
        ANSIBLE_CALLBACKS_ENABLED="mailops.mailconfig.fleet_summary",
        MAILCONFIG_STATE_DIR=os.path.join(work, "state"),
    )
    started = time.perf_counter()
    result = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inv, playbook], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode:
        raise SystemExit("%s failed:\n%s" % (playbook, result.stdout[-4000:]))
    return wall


def rollouts(work, state, args):
    """The two rollouts and their floors: [(name, wall seconds)], each ping floor the mean of the runs around its rollout."""
    inv = inventory(work, state, args.hosts)
    site = os.path.join(ROOT, "playbooks", "site.yml")
    floor, ping = floor_playbook(work), ping_playbook(work)
    pings = [timed_playbook(work, inv, ping, args.forks)]
    first = timed_playbook(work, inv, site, args.forks)
    first_copy = timed_playbook(work, inv, floor, args.forks)
    pings.append(timed_playbook(work, inv, ping, args.forks))
    again = timed_playbook(work, inv, site, args.forks)
    again_copy = timed_playbook(work, inv, floor, args.forks)
    pings.append(timed_playbook(work, inv, ping, args.forks))
    idempotent = [again]
    for _pair in range(args.pairs):
        idempotent.append(timed_playbook(work, inv, site, args.forks))
        pings.append(timed_playbook(work, inv, ping, args.forks))
    # each idempotent run against the ping runs on either side of it (pings[1:] bracket them in order)
    against_ping = [run / statistics.mean(pings[index + 1:index + 3]) for index, run in enumerate(idempotent)]
    return [("site.yml, first rollout", first), ("copy floor, first", first_copy),
            ("ping floor, first", statistics.mean(pings[0:2])),
            ("site.yml, idempotent rollout", again), ("copy floor, idempotent", again_copy),
            ("ping floor, idempotent", statistics.mean(pings[1:3])),
            ("ping runs", pings), ("idempotent runs", idempotent), ("idempotent against ping", against_ping)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=4, help="more (idempotent rollout, ping) pairs per repeat")
    args = parser.parse_args()
    repeats = []
    with suite.running("mailconfig-fleet-servers-") as state:
        for _repeat in range(args.repeats):
            work = tempfile.mkdtemp(prefix="mailconfig-fleet-")
            os.makedirs(os.path.join(work, "sites"))
            os.makedirs(os.path.join(work, "copies"))
            try:
                repeats.append(rollouts(work, state, args))
            finally:
                shutil.rmtree(work, ignore_errors=True)
    samples = [ratio for rows in repeats for ratio in dict(rows)["idempotent against ping"]]
    print("| run | wall s | per host ms | vs copy floor | vs ping floor |")
    print("|---|---|---|---|---|")
    for index, (name, _wall) in enumerate(repeats[0][:6]):
        which = "first" if "first" in name else "idempotent"
        copy, ping = (1, 2) if which == "first" else (4, 5)
        wall = statistics.median(rows[index][1] for rows in repeats)
        # the idempotent rollout's ping ratio: the median of every pair's sample (the other cells: the run next to its copy)
        against_ping = (statistics.median(samples) if name == "site.yml, idempotent rollout"
                        else statistics.median(rows[index][1] / rows[ping][1] for rows in repeats))
        print(
            "| %s | %.1f | %.0f | %.2fx | %.2fx |"
            % (
                name,
                wall,
                wall * 1000 / args.hosts,
                statistics.median(rows[index][1] / rows[copy][1] for rows in repeats),
                against_ping,
            )
        )
    print(
        "\nidempotent rollout against the ping runs around it, %d samples: median %.2fx, from %.2fx to %.2fx (%s)\n"
        % (
            len(samples),
            statistics.median(samples),
            min(samples),
            max(samples),
            ", ".join("%.2f" % ratio for ratio in samples),
        )
    )
    print(json.dumps({"hosts": args.hosts, "forks": args.forks, "repeats": [dict(rows) for rows in repeats]}))


if __name__ == "__main__":
    main()
