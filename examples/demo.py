"""`make demo`: the whole job on this machine, end to end.

Starts the local mail servers (Dovecot with IMAP/POP3/submission, a relay sink, a
throwaway CA) and a MariaDB holding an Open Dental practice's database, then runs the example fleet through playbooks/site.yml as an MSP
would: a --check --diff dry run, the real run, a second run that must change
nothing, and playbooks/verify.yml with the fleet summary and its HTML report.
The servers are stopped at the end, whatever happened.
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.servers import mariadb, suite  # noqa: E402  pylint: disable=wrong-import-position

DEFAULT_DIR = "/tmp/mailconfig-demo"  # Dovecot's own users must be able to traverse it when we are root
INVENTORY = os.path.join(ROOT, "examples", "inventory")
VAULT_PASSWORD = os.path.join(ROOT, "examples", "demo-vault-password")
EXPECTED_FAILURES = {"wisdom-works"}  # the practice with a deliberately stale password
OPEN_DENTAL = (
    "open-smiles",
    "opendental_smiles",
    "mailconfig",
    "OpenDental-Db-Demo-5vQ",
)  # host, database, user, vault's password


def banner(text):
    print("\n" + "=" * 78 + "\n== " + text + "\n" + "=" * 78, flush=True)


def write_vars(folder, state, database):
    path = os.path.join(folder, "demo-vars.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("demo_root: %s\ndemo_ca: %s\n" % (folder, state["ca"]))
        handle.write("demo_mariadb_host: 127.0.0.1\ndemo_mariadb_port: %d\ndemo_ports:\n" % database["port"])
        for name, port in sorted(state["ports"].items()):
            handle.write("  %s: %d\n" % (name, port))
    return path


SQLITE_SITES = ("smiles-dental", "bright-teeth", "incisor-clinic", "wisdom-works")
INI_SITES = ("molar-care", "canine-corner")


def seed_applications(folder):
    """Each site's practice application as it is before the rollout: its own settings
    database (with the practice record) or INI file, holding settings that are not ours."""
    for name in SQLITE_SITES + INI_SITES:
        os.makedirs(os.path.join(folder, "sites", name))
    for name in SQLITE_SITES:
        with sqlite3.connect(os.path.join(folder, "sites", name, "settings.db")) as db:
            db.execute("CREATE TABLE practice (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
            db.execute(
                "INSERT INTO practice VALUES (1, ?, ?)",
                (name.replace("-", " ").title(), "old-address@%s.example.test" % name),
            )
            db.execute(
                "CREATE TABLE settings (section TEXT, key TEXT, value TEXT, updated_at TEXT, PRIMARY KEY (section, key))"
            )
            db.execute("INSERT INTO settings VALUES ('ui', 'language', 'en-GB', '2026-01-05T09:00:00Z')")
        db.close()
    for name in INI_SITES:
        with open(os.path.join(folder, "sites", name, "practice.ini"), "w", encoding="utf-8") as handle:
            handle.write("; Practice application settings (edited by hand at the site)\n[general]\nlanguage = en-GB\n"
                         "; reminders go out at 9\nreminder_hour = 9\n")


def open_dental_row(database):
    """The Open Dental practice's default address as its database holds it (never the password)."""
    return mariadb.rows(
        database,
        "SELECT e.EmailAddressNum, e.SMTPserver, e.ServerPort, e.UseSSL, e.SenderAddress, e.Pop3ServerIncoming, "
        "(SELECT COUNT(*) FROM signalod) FROM emailaddress e JOIN preference p ON p.PrefName = 'EmailDefaultAddressNum' "
        "AND p.ValueString = e.EmailAddressNum",
        OPEN_DENTAL[1],
    )[0]


def playbook(name, extra_vars, state_dir, *args, env=None):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
               os.path.join(ROOT, "playbooks", name), "--vault-password-file", VAULT_PASSWORD,
               "-e", "@" + extra_vars, "-e", "mail_account_max_fail_percentage=50"] + list(args)
    environment = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "playbooks", "ansible.cfg"),
                       ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".venv", "collections"),
                       ANSIBLE_NOCOLOR="1", MAILCONFIG_STATE_DIR=state_dir, **(env or {}))
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in command), flush=True)
    result = subprocess.run(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    print(result.stdout, flush=True)
    failed = {
        host
        for host, count in re.findall(
            r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)", result.stdout, re.M
        )
        if int(count)
    }
    if result.returncode not in (0, 2) or not failed <= EXPECTED_FAILURES:
        raise SystemExit(
            "demo: %s failed unexpectedly (exit %d, failed hosts: %s)" % (name, result.returncode, sorted(failed))
        )
    return result.stdout


def changed_total(output):
    return sum(int(n) for n in re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=DEFAULT_DIR, help="working folder, emptied first (default %(default)s)")
    folder = os.path.abspath(parser.parse_args().dir)
    started = time.monotonic()
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    banner(
        "Starting local mail servers (Dovecot IMAP/POP3/submission, relay sink, throwaway CA) and Open Dental's MariaDB"
    )
    state = suite.start(os.path.join(folder, "servers"))
    database = None
    try:
        database = mariadb.start(os.path.join(folder, "mariadb"), tls=state["tls"])
        mariadb.create_opendental(database, OPEN_DENTAL[1], OPEN_DENTAL[2], OPEN_DENTAL[3])
        extra = write_vars(folder, state, database)
        seed_applications(folder)
        print("Open Dental database %s before: default address row %s (server %s, port %s)" % (
            OPEN_DENTAL[1], *open_dental_row(database)[:3]))
        print("servers up: %s" % ", ".join("%s:%d" % item for item in sorted(state["ports"].items())[:6]))
        banner("1. Dry run: site.yml --check --diff (nothing is written; secrets masked)")
        state_dir = os.path.join(folder, "controller-state")  # the lockout guard's memory, for this demo only
        playbook("site.yml", extra, state_dir, "--check", "--diff")
        banner("2. Rollout: site.yml")
        first = playbook("site.yml", extra, state_dir)
        banner("3. Rollout again: site.yml must change nothing")
        second = playbook("site.yml", extra, state_dir)
        if changed_total(second):
            raise SystemExit("demo: the second run changed something (changed=%d)" % changed_total(second))
        print("second run: changed=0 on every practice (first run changed %d)" % changed_total(first))
        row = open_dental_row(database)
        print(
            "Open Dental database %s after: default address row %s: SMTPserver=%s ServerPort=%s UseSSL=%s SenderAddress=%s "
            "Pop3ServerIncoming=%s; %s reload signals in signalod" % ((OPEN_DENTAL[1],) + tuple(row))
        )
        banner("4. Health check: verify.yml, with the fleet report")
        report = os.path.join(folder, "report", "mail-accounts")
        playbook("verify.yml", extra, state_dir, env={"MAILCONFIG_REPORT": report})
        banner("Done in %.0f s" % (time.monotonic() - started))
        print("HTML report: %s.html\nJSON report: %s.json" % (report, report))
    finally:
        if database:
            mariadb.stop(database)
        suite.stop(state)
        print("local mail servers stopped")


if __name__ == "__main__":
    main()
