"""Rollout cost of mail_account against the floor of one Ansible task per host.

    .venv/bin/python benchmarks/rollout/run.py [--hosts 200] [--forks 5] [--repeats 3] [--tasks apply,openemr]

One inventory of N hosts with ansible_connection=local. Each host applies its own
declaration to its own SQLite store (mailops.mailconfig.mail_account), applies an
Open Dental-compatible declaration to its own Open Dental database (the mysql store;
every host's database on one MariaDB started here, seeded like a practice that already
has an address, so the first run changes a row and the idempotent one changes nothing),
applies an OpenEMR-compatible declaration to its own OpenEMR database (the mysql store's
settings layout, with the site's key files in the host's own site folder; seeded like a
practice that set up mail in OpenEMR 7.0.3), and in the same play copies a file of the same size as that store
(ansible.builtin.copy, the floor of one Ansible task per host, which runs two modules: stat, then copy or file)
and runs ansible.builtin.ping (one bare module per host, a stricter floor). Two
playbook runs: the first (every store and copy is new) and the idempotent one
(nothing changes). With the linear strategy each task finishes on every host before
the next starts, so timestamps taken between the tasks give each task's wall time.
The order of the tasks rotates between repeats; the median is reported. Then,
in-process, the per-host cost of the two halves of mail_account: the controller's
validation (action plugin) and the store work of the module. With --cpu, each task's CPU per
host, split into the module processes, the rest of Ansible and the database server
(benchmarks/_cpu.py).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
for path in (ROOT, COLLECTIONS, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

# pylint: disable=wrong-import-position
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings  # noqa: E402
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sqlite import SqliteStore  # noqa: E402
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP  # noqa: E402
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Plan  # noqa: E402
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check  # noqa: E402
from tests.servers import mariadb, openemr  # noqa: E402
import _cpu  # noqa: E402  benchmarks/_cpu.py  pylint: disable=wrong-import-order
from _timing import timed  # noqa: E402  pylint: disable=wrong-import-order

DB_USER, DB_PASSWORD = "bench", "Bench-Db-Password-1"

PROVIDERS = ("ionos_uk", "gmail", "godaddy", "yahoo")


def declaration(number):
    """Host ``number``'s own declaration: its own address and password, one of four providers."""
    return {
        "schema_version": 1,
        "address": "reception@practice%03d.example.co.uk" % number,
        "provider": PROVIDERS[number % len(PROVIDERS)],
        "auth": {"method": "password", "password": "Bench-Password-%03d" % number},
        "incoming": {"protocol": "imap"},
        "sending": {"rate_per_minute": 3},
    }


def opendental_declaration(number):
    """Host ``number``'s declaration in a shape Open Dental can hold (465 TLS, POP3)."""
    return dict(declaration(number), provider="gmail", incoming={"protocol": "pop3", "acknowledge_mail_removal": True},
                lint={"ignore": ["MC709"]})


def openemr_declaration(number):
    """Host ``number``'s declaration in a shape OpenEMR can hold (465 TLS, outgoing only)."""
    return dict(declaration(number), provider="gmail", incoming={"enabled": False}, lint={"ignore": ["MC726"]})


def mark(name):
    return {
        "name": "mark %s" % name,
        "ansible.builtin.set_fact": {name: "{{ now(utc=true).timestamp() }}"},
        "run_once": True,
    }


def playbook(order):
    apply = {"name": "mail_account", "mailops.mailconfig.mail_account": {
        "declaration": "{{ mail_account }}", "store": {"path": "{{ site_dir }}/settings.db", "create": True},
        "test": False}}  # the store's cost alone; benchmarks/fleet measures the rollout with its live test
    opendental = {
        "name": "opendental",
        "mailops.mailconfig.mail_account": {
            "declaration": "{{ od_account }}",
            "store": {
                "type": "mysql",
                "application": "opendental",
                "host": "127.0.0.1",
                "port": "{{ db_port }}",
                "user": DB_USER,
                "password": DB_PASSWORD,
                "database": "{{ db_name }}",
                "ca_path": "{{ db_ca }}",
            },
            "test": False,
        },
    }
    oemr = {"name": "openemr", "mailops.mailconfig.mail_account": {
        "declaration": "{{ oe_account }}", "store": {"type": "mysql", "application": "openemr", "host": "127.0.0.1",
                                                     "port": "{{ db_port }}", "user": DB_USER, "password": DB_PASSWORD,
                                                     "database": "{{ oe_db_name }}", "ca_path": "{{ db_ca }}",
                                                     "site_dir": "{{ site_dir }}/sites/default"}, "test": False}}
    # OpenEMR's default deployment: the module on its own server, MariaDB through the local socket (no TLS); each
    # host's own second database, so that both OpenEMR tasks meet a practice before its rollout.
    local = dict(oemr["mailops.mailconfig.mail_account"]["store"], unix_socket="{{ db_socket }}",
                 database="{{ oe_socket_db_name }}")
    for option in ("host", "port", "ca_path"):
        del local[option]
    oemr_socket = {"name": "openemr_socket", "mailops.mailconfig.mail_account": dict(
        oemr["mailops.mailconfig.mail_account"], store=local)}
    copy = {
        "name": "copy",
        "ansible.builtin.copy": {"src": "{{ site_dir }}/source.bin", "dest": "{{ site_dir }}/copy.bin", "mode": "0600"},
    }
    tasks = {
        "apply": apply,
        "opendental": opendental,
        "openemr": oemr,
        "openemr_socket": oemr_socket,
        "copy": copy,
        "ping": {"name": "ping", "ansible.builtin.ping": {}},
    }
    steps = [mark("t0")]
    for number, name in enumerate(order):
        steps += [tasks[name], mark("t%d" % (number + 1))]
    times = ", ".join("'%s': t%d|float - t%d|float" % (name, number + 1, number) for number, name in enumerate(order))
    steps.append(
        {"name": "report", "run_once": True, "ansible.builtin.debug": {"msg": "TIMES {{ {%s} | to_json }}" % times}}
    )
    return [{"hosts": "all", "gather_facts": False, "tasks": steps}]


def interpreter(work, cpu):
    """The Python the hosts' modules run with: the venv's, or (``cpu``) the wrapper that logs each module's CPU."""
    python = os.path.join(VENV_BIN, "python")
    return _cpu.interpreter_wrapper(work, python) if cpu else python


def setup(work, hosts, store_size, database, python):
    """Inventory, host_vars and per-host source files of ``store_size`` bytes."""
    lines = ["[all]"]
    os.makedirs(os.path.join(work, "host_vars"))
    for number in range(hosts):
        name = "site%03d" % number
        site = os.path.join(work, "sites", name)
        os.makedirs(site)
        openemr.site(site)  # the key files OpenEMR's own code made (tests/data/openemr)
        with open(os.path.join(site, "source.bin"), "wb") as handle:
            handle.write(os.urandom(store_size))
        with open(os.path.join(work, "host_vars", name + ".json"), "w") as handle:
            json.dump(
                {
                    "mail_account": declaration(number),
                    "site_dir": site,
                    "od_account": opendental_declaration(number),
                    "oe_account": openemr_declaration(number),
                    "oe_db_name": "oebench_%03d" % number,
                    "oe_socket_db_name": "oesock_%03d" % number,
                    "db_name": "odbench_%03d" % number,
                    "db_port": database["port"],
                    "db_ca": database["ca"],
                    "db_socket": database["socket"],
                },
                handle,
            )
        lines.append("%s ansible_connection=local ansible_python_interpreter=%s" % (name, python))
    with open(os.path.join(work, "inventory.ini"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def reset(work, hosts, database, tasks=()):
    """Empty stores, no copies, and every Open Dental and OpenEMR database as a practice has it before the rollout
    (the second OpenEMR databases only for the ``openemr_socket`` task)."""
    mariadb.sql(database, "".join(mariadb.opendental_statements("odbench_%03d" % n) for n in range(hosts))
                + mariadb.grant(DB_USER, DB_PASSWORD, "odbench\\_%"))
    mariadb.sql(database, "".join(openemr.statements("oebench_%03d" % n) for n in range(hosts))
                + mariadb.grant(DB_USER, DB_PASSWORD, "oebench\\_%"))
    if "openemr_socket" in tasks:
        mariadb.sql(database, "".join(openemr.statements("oesock_%03d" % n) for n in range(hosts))
                    + mariadb.grant(DB_USER, DB_PASSWORD, "oesock\\_%", host="localhost"))
    for number in range(hosts):
        site = os.path.join(work, "sites", "site%03d" % number)
        for name in ("settings.db", "copy.bin"):
            if os.path.exists(os.path.join(site, name)):
                os.unlink(os.path.join(site, name))
    settle(database)


def settle(database):
    """Wait until MariaDB has written out the databases ``reset`` just made (its buffer pool's dirty pages) and the
    kernel its own: their flushing would otherwise be billed to whichever task runs first after a reset."""
    kept = mariadb.sql(database, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct").stdout.strip()
    mariadb.sql(database, "SET GLOBAL innodb_max_dirty_pages_pct = 0; FLUSH TABLES;")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        dirty = mariadb.sql(database, "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'").stdout.split()
        if dirty and dirty[-1] == "0":
            break
        time.sleep(0.5)
    mariadb.sql(database, "SET GLOBAL innodb_max_dirty_pages_pct = %s" % kept)
    os.sync()


def run_playbook(work, order, forks, plays=None, meter=None):
    """Run ``plays`` (this benchmark's playbook by default); the wall time of each task, and of the playbook.
    A ``meter`` (benchmarks/_cpu.py) measures the run's CPU."""
    path = os.path.join(work, "playbook-%s.json" % "-".join(order))
    with open(path, "w") as handle:
        json.dump(plays or playbook(order), handle)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_LOCAL_TEMP=os.path.join(work, "tmp"),
        ANSIBLE_CONFIG=os.path.join(work, "none.cfg"),
        ANSIBLE_NOCOLOR="1",
        PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
        MAILCONFIG_BENCH_CPU_LOG=meter.log if meter else os.devnull,
    )
    if meter:
        meter.start()
    command = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", os.path.join(work, "inventory.ini"), path]
    wall, cpu, result = timed(command, env=env, text=True)
    if meter:
        meter.stop(cpu)
    if result.returncode != 0:
        sys.exit(result.stdout[-5000:])
    line = [line for line in result.stdout.splitlines() if "TIMES " in line][0]
    times = json.loads(line.split("TIMES ", 1)[1].rstrip('"').replace('\\"', '"'))
    return times, wall


SEPARATE_HELP = ("one ansible-playbook run per task: a task that runs after others in the same run is slower "
                 "(the controller process has grown), whichever store it is")
CPU_HELP = "also split each task's CPU per host into module processes, the rest of Ansible and the database server " \
           "(implies --separate)"


def phase_times(work, order, forks, separate, plays=playbook, meter=None, hosts=1):
    """Each task's wall time in one phase: all in one playbook run, or (``separate``, or with a ``meter``) each in
    its own; with a meter, also each task's CPU per one of ``hosts`` (``_cpu.Meter.split``)."""
    if not (separate or meter):
        times, wall = run_playbook(work, order, forks, plays(order))
        return times, wall, {}
    times, wall, cpu = {}, 0.0, {}
    for task in order:
        one, seconds = run_playbook(work, (task,), forks, plays((task,)), meter)
        times.update(one)
        wall += seconds
        if meter:
            cpu[task] = meter.split(hosts)
    return times, wall, cpu


def cpu_table(cpu, tasks, baseline):
    """A Markdown table of each task's CPU per host by phase (each part's median over the repeats, and their sum),
    against ``baseline``'s."""
    lines = ["| run | task | modules ms | rest of Ansible ms | database server ms | total ms | total / %s |"
             % baseline, "|---|---|---|---|---|---|---|"]
    for phase in ("first", "idempotent"):
        parts = dict((task, dict((part, statistics.median(run[part] for run in cpu[phase][task]))
                                 for part in ("modules", "ansible", "server"))) for task in tasks)
        for task in tasks:
            total = sum(parts[task].values())
            lines.append("| %s | %s | %.0f | %.0f | %.1f | %.0f | %.2fx |" % (
                phase, task, parts[task]["modules"], parts[task]["ansible"], parts[task]["server"], total,
                total / sum(parts[baseline].values())))
    return "\n".join(lines)


def store_size(work):
    """Size of one host's store after the first run, for the same-size copy."""
    path = os.path.join(work, "probe.db")
    normalised = check(declaration(0)).normalised
    values, secrets = _settings.mapped(_settings.canonical(normalised), {})
    options = {"path": path, "create": True, "lock_timeout": 30, "table": "settings", "contact": None,
               "columns": {"section": "section", "key": "key", "value": "value", "updated_at": "updated_at"}}
    SqliteStore(options).apply(Plan(values, secrets, "present", "always", None), KEEP, False, False)
    size = os.path.getsize(path)
    os.unlink(path)
    return size


def in_process_breakdown(work, hosts):
    """Per-host milliseconds of the controller validation and of the module's store work, first and idempotent."""
    started = time.perf_counter()
    normalised = [check(declaration(n)).normalised for n in range(hosts)]
    validate = (time.perf_counter() - started) / hosts
    options = {"create": True, "lock_timeout": 30, "table": "settings", "contact": None,
               "columns": {"section": "section", "key": "key", "value": "value", "updated_at": "updated_at"}}
    plans = []
    for decl in normalised:
        values, secrets = _settings.mapped(_settings.canonical(decl), {})
        plans.append(Plan(values, secrets, "present", "always", None))
    costs = []
    for _round in ("first", "idempotent"):
        started = time.perf_counter()
        for number, plan in enumerate(plans):
            SqliteStore(dict(options, path=os.path.join(work, "inproc-%03d.db" % number))).apply(
                plan, KEEP, False, False
            )
        costs.append((time.perf_counter() - started) / hosts)
    return validate * 1000, costs[0] * 1000, costs[1] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--forks", type=int, default=5, help="ansible-playbook forks (Ansible's default is 5)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tasks", default="apply,opendental,openemr,copy,ping",
                        help="which tasks run, comma-separated (apply is the SQLite store, the baseline of the ratios)")
    parser.add_argument("--separate", action="store_true", help=SEPARATE_HELP)
    parser.add_argument("--cpu", action="store_true", help=CPU_HELP)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mailconfig-rollout-")
    os.chmod(work, 0o755)  # MariaDB runs as its own user when we are root
    database = mariadb.start(os.path.join(work, "mariadb"))
    try:
        size = store_size(work)
        setup(work, args.hosts, size, database, interpreter(work, args.cpu))
        meter = _cpu.Meter(os.path.join(work, "module-cpu.log"), [database["pid"]]) if args.cpu else None
        tasks = tuple(args.tasks.split(","))
        results = {phase: {task: [] for task in tasks} for phase in ("first", "idempotent")}
        cpu = {phase: {task: [] for task in tasks} for phase in ("first", "idempotent")}
        for repeat in range(args.repeats):
            order = tasks[repeat % len(tasks):] + tasks[:repeat % len(tasks)]
            reset(work, args.hosts, database, tasks)
            for phase in ("first", "idempotent"):
                times, wall, split = phase_times(work, order, args.forks, args.separate, meter=meter,
                                                 hosts=args.hosts)
                for task in tasks:
                    results[phase][task].append(times[task])
                    if split:
                        cpu[phase][task].append(split[task])
                print(
                    "repeat %d %-10s order %-40s %s  playbook %6.2f s"
                    % (
                        repeat + 1,
                        phase,
                        "/".join(order),
                        "  ".join("%s %6.2f s" % (task, times[task]) for task in tasks),
                        wall,
                    ),
                    flush=True,
                )
        print(
            "\n%d hosts, forks %d, store and copied file %d bytes, median of %d repeats\n"
            % (args.hosts, args.forks, size, args.repeats)
        )
        print(
            "| run | %s |" % " | ".join("%s wall s" % task for task in tasks)
            + "".join(" %s / apply |" % t for t in tasks if t != "apply")
        )
        print("|---|" + "---|" * (2 * len(tasks) - 1))
        for phase in ("first", "idempotent"):
            median = dict((task, statistics.median(results[phase][task])) for task in tasks)
            print("| %s | %s |" % (phase, " | ".join("%.2f" % median[task] for task in tasks))
                  + "".join(" %.2fx |" % (median[t] / median["apply"]) for t in tasks if t != "apply"))
        if meter:
            print("\nCPU per host (median):\n\n" + cpu_table(cpu, tasks, "apply"))
        validate_ms, first_ms, idem_ms = in_process_breakdown(work, args.hosts)
        print(
            "\nIn-process per host: controller validation %.2f ms, SQLite store work %.2f ms first / %.2f ms idempotent"
            % (validate_ms, first_ms, idem_ms)
        )
    finally:
        mariadb.stop(database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
