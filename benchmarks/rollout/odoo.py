"""Rollout cost of the Odoo store (postgresql) against the SQLite store, in the same playbook runs.

    .venv/bin/python benchmarks/rollout/odoo.py [--hosts 200] [--forks 5] [--repeats 3]

One inventory of N hosts with ansible_connection=local (the controller applying to each
practice's database). Per host, in one play: mail_account to its own SQLite store, mail_account
to its own Odoo database (the postgresql store, verified TLS and SCRAM; every host's database on
one PostgreSQL started here, made from one template seeded like a practice whose servers were
created and confirmed in Odoo), and ansible.builtin.ping (one bare module per host). Two playbook
runs: the first (every store changes) and the idempotent one (nothing changes). Task wall times
come from timestamps between tasks (linear strategy), as in benchmarks/rollout/run.py; the order
of the tasks rotates between repeats (with the default three, each task runs first once) and the
median is reported. With --cpu, each task's CPU per host, split into the module processes, the
rest of Ansible and the database server.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# pylint: disable=wrong-import-position
import run as rollout  # noqa: E402  benchmarks/rollout/run.py: declarations, marks, the playbook runner
import _cpu  # noqa: E402  benchmarks/_cpu.py (on the path through run.py)  pylint: disable=wrong-import-order
from tests.servers import postgresql  # noqa: E402

DB_USER, DB_PASSWORD = "bench", "Bench-Db-Password-1"
TEMPLATE = "odoo_bench_template"
SEED = """
INSERT INTO ir_mail_server
    (name, smtp_host, smtp_port, smtp_authentication, smtp_user, smtp_pass, smtp_encryption, active)
VALUES ('Practice', 'smtp.old.example', 25, 'login', 'old@example.co.uk', 'Old-Pass-1', 'none', true);
INSERT INTO fetchmail_server (name, state, server, port, server_type, is_ssl, "user", password, active)
VALUES ('Practice', 'done', 'imap.old.example', 143, 'imap', false, 'old@example.co.uk', 'Old-Pass-1', true);
UPDATE ir_cron SET active = true;
"""


def playbook(order):
    tasks = {
        "sqlite": {
            "name": "sqlite",
            "mailops.mailconfig.mail_account": {
                "declaration": "{{ mail_account }}",
                "store": {"path": "{{ site_dir }}/settings.db", "create": True},
                "test": False,
            },
        },
        "odoo": {
            "name": "odoo",
            "mailops.mailconfig.mail_account": {
                "declaration": "{{ mail_account }}",
                "test": False,
                "store": {
                    "type": "postgresql",
                    "application": "odoo",
                    "host": "localhost",
                    "port": "{{ db_port }}",
                    "user": DB_USER,
                    "password": DB_PASSWORD,
                    "database": "{{ db_name }}",
                    "ca_path": "{{ db_ca }}",
                    "record_name": "Practice",
                },
            },
        },
        "ping": {"name": "ping", "ansible.builtin.ping": {}},
    }
    steps = [rollout.mark("t0")]
    for number, name in enumerate(order):
        steps += [tasks[name], rollout.mark("t%d" % (number + 1))]
    times = ", ".join("'%s': t%d|float - t%d|float" % (name, number + 1, number) for number, name in enumerate(order))
    steps.append(
        {"name": "report", "run_once": True, "ansible.builtin.debug": {"msg": "TIMES {{ {%s} | to_json }}" % times}}
    )
    return [{"hosts": "all", "gather_facts": False, "tasks": steps}]


def setup(work, hosts, server, python):
    """Inventory and host_vars: each host's own declaration, SQLite folder and Odoo database."""
    lines = ["[all]"]
    os.makedirs(os.path.join(work, "host_vars"))
    for number in range(hosts):
        name = "site%03d" % number
        os.makedirs(os.path.join(work, "sites", name))
        with open(os.path.join(work, "host_vars", name + ".json"), "w", encoding="utf-8") as handle:
            json.dump({"mail_account": rollout.declaration(number), "site_dir": os.path.join(work, "sites", name),
                       "db_name": "odoo_bench_%03d" % number, "db_port": server["port"], "db_ca": server["ca"]}, handle)
        lines.append("%s ansible_connection=local ansible_python_interpreter=%s" % (name, python))
    with open(os.path.join(work, "inventory.ini"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def reset(work, hosts, server):
    """No SQLite stores, and every Odoo database copied afresh from the seeded template."""
    postgresql.sql(
        server,
        "".join(
            "DROP DATABASE IF EXISTS odoo_bench_%03d;\nCREATE DATABASE odoo_bench_%03d TEMPLATE %s;\n"
            % (number, number, TEMPLATE)
            for number in range(hosts)
        ),
    )
    # One session in each copy, as Odoo has had in a practice's database long before a rollout: the first session in
    # a database builds its catalogue cache file (about 5 ms here), which would otherwise be billed to the first run.
    postgresql.sql(server, "".join("\\connect odoo_bench_%03d\nSELECT 1;\n" % number for number in range(hosts)))
    # Flush the copies now (the server's buffers, then the kernel's): otherwise they are written out during the
    # first run and billed to it.
    postgresql.sql(server, "CHECKPOINT;")
    os.sync()
    for number in range(hosts):
        path = os.path.join(work, "sites", "site%03d" % number, "settings.db")
        if os.path.exists(path):
            os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="with three, each task runs first after a reset once")
    parser.add_argument("--separate", action="store_true", help=rollout.SEPARATE_HELP)
    parser.add_argument("--cpu", action="store_true", help=rollout.CPU_HELP)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mailconfig-odoo-rollout-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user when we are root
    server = postgresql.start(os.path.join(work, "pg"))
    try:
        postgresql.create_odoo(server, TEMPLATE, DB_USER, DB_PASSWORD)
        postgresql.sql(server, SEED, TEMPLATE)
        setup(work, args.hosts, server, rollout.interpreter(work, args.cpu))
        meter = _cpu.Meter(os.path.join(work, "module-cpu.log"), [server["pid"]]) if args.cpu else None
        tasks = ("sqlite", "odoo", "ping")
        results = {phase: {task: [] for task in tasks} for phase in ("first", "idempotent")}
        cpu = {phase: {task: [] for task in tasks} for phase in ("first", "idempotent")}
        for repeat in range(args.repeats):
            order = tasks[repeat % len(tasks):] + tasks[:repeat % len(tasks)]
            reset(work, args.hosts, server)
            for phase in ("first", "idempotent"):
                times, wall, split = rollout.phase_times(work, order, args.forks, args.separate, playbook, meter,
                                                         args.hosts)
                for task in tasks:
                    results[phase][task].append(times[task])
                    if split:
                        cpu[phase][task].append(split[task])
                print(
                    "repeat %d %-10s order %-18s sqlite %6.2f s  odoo %6.2f s  ping %6.2f s  playbook %6.2f s"
                    % (repeat + 1, phase, "/".join(order), times["sqlite"], times["odoo"], times["ping"], wall),
                    flush=True,
                )
        print("\n%d hosts, forks %d, median of %d repeats\n" % (args.hosts, args.forks, args.repeats))
        print("| run | SQLite store wall s | Odoo (postgresql) wall s | ping wall s | odoo / SQLite |")
        print("|---|---|---|---|---|")
        for phase in ("first", "idempotent"):
            sqlite_s, odoo_s, ping_s = (statistics.median(results[phase][task]) for task in tasks)
            print("| %s | %.2f | %.2f | %.2f | %.2fx |" % (phase, sqlite_s, odoo_s, ping_s, odoo_s / sqlite_s))
        if meter:
            print("\nCPU per host (median):\n\n" + rollout.cpu_table(cpu, tasks, "sqlite"))
    finally:
        postgresql.stop(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
