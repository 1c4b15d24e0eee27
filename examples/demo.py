"""`make demo`: the whole job on this machine, end to end.

Starts the local mail servers (Dovecot with IMAP/POP3/submission, a relay sink, a
throwaway CA), a MariaDB holding an Open Dental and an OpenEMR practice's databases (the
OpenEMR site's key files in its site folder) and a PostgreSQL holding an Odoo practice's,
then runs the example fleet through playbooks/site.yml as an MSP would: a --check --diff
dry run, the real run (the EXACT practice gets its setup sheet), a second run that must
change nothing, the EXACT entry recorded, and playbooks/verify.yml with the fleet summary
and its HTML report. The servers are stopped at the end, whatever happened.
"""

import argparse
import datetime
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import yaml  # noqa: E402  pylint: disable=wrong-import-position
from ansible.parsing.vault import VaultLib, VaultSecret  # noqa: E402  pylint: disable=wrong-import-position

from tests.servers import mariadb, openemr, postgresql, suite  # noqa: E402  pylint: disable=wrong-import-position

DEFAULT_DIR = "/tmp/mailconfig-demo"  # Dovecot's own users must be able to traverse it when we are root
INVENTORY = os.path.join(ROOT, "examples", "inventory")
VAULT_PASSWORD = os.path.join(ROOT, "examples", "demo-vault-password")
VAULT = os.path.join(INVENTORY, "group_vars", "practices", "vault.yml")
EXPECTED_FAILURES = {"wisdom-works"}  # the practice with a deliberately stale password
# Each application practice's database as its host_vars file names it: host, database, database user.
OPEN_DENTAL = ("open-smiles", "opendental_smiles", "mailconfig")
OPENEMR = ("riverside-medical", "openemr_riverside", "mailconfig_emr")
ODOO = ("harbour-dental", "odoo_harbour", "mailconfig_odoo")
EXACT = "crown-dental"
# The Odoo practice's mail servers as it created and confirmed them in Odoo, and a record of another
# company's that must stay as it is (Odoo 17.0's columns: tests/servers/odoo_schema.sql).
ODOO_RECORDS = """
INSERT INTO ir_mail_server (id, name, from_filter, smtp_host, smtp_port, smtp_authentication, smtp_user, smtp_pass,
                            smtp_encryption, sequence, active, create_date, write_date)
VALUES (1, 'Harbour Dental', 'harbour-dental.example.test', 'smtp.old-host.example', 587, 'login',
        'old@harbour-dental.example.test', 'Harbour-Old-Smtp-2023', 'starttls', 10, true, '2024-03-01', '2024-03-01'),
       (2, 'Sister Company', 'sister.example', 'smtp.sister.example', 465, 'login', 'it@sister.example',
        'Sister-Smtp-Pass-77', 'ssl', 20, true, '2024-03-01', '2024-03-01');
SELECT setval('ir_mail_server_id_seq', 2);
INSERT INTO fetchmail_server (id, name, state, server, port, server_type, is_ssl, "user", password, active, priority,
                              attach, original, create_date, write_date)
VALUES (1, 'Harbour Dental', 'done', 'pop.old-host.example', 995, 'pop', true, 'old@harbour-dental.example.test',
        'Harbour-Old-Pop-2023', true, 5, true, false, '2024-03-01', '2024-03-01');
SELECT setval('fetchmail_server_id_seq', 1);
UPDATE ir_cron SET active = true;
"""


def banner(text):
    print("\n" + "=" * 78 + "\n== " + text + "\n" + "=" * 78, flush=True)


def vault_values():
    """The demo vault's variables: the demo creates each database user with the password the inventory will use."""
    with open(VAULT_PASSWORD, "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    with open(VAULT, "rb") as handle:
        return yaml.safe_load(VaultLib([("default", secret)]).decrypt(handle.read()))


def write_vars(folder, state, database, odoo_server):
    path = os.path.join(folder, "demo-vars.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("demo_root: %s\ndemo_ca: %s\n" % (folder, state["ca"]))
        handle.write("demo_openemr_root: %s\n" % os.path.join(folder, "openemr"))
        handle.write("demo_postgresql_host: localhost\ndemo_postgresql_port: %d\n" % odoo_server["port"])
        handle.write("mail_account_sheets_dir: %s\n" % os.path.join(folder, "setup-sheets"))
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
                "CREATE TABLE settings (section TEXT, key TEXT, value TEXT, updated_at TEXT, PRIMARY KEY (section, "
                "key))"
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
        "(SELECT COUNT(*) FROM signalod) FROM emailaddress e JOIN preference p ON p.PrefName = "
        "'EmailDefaultAddressNum' "
        "AND p.ValueString = e.EmailAddressNum",
        OPEN_DENTAL[1],
    )[0]


def seed_databases(database, odoo_server, folder):
    """The application practices' databases as they are before the rollout; their users' passwords from the vault."""
    vault = vault_values()
    mariadb.create_opendental(database, OPEN_DENTAL[1], OPEN_DENTAL[2],
                              vault["vault_opendental_db_passwords"][OPEN_DENTAL[0]])
    openemr.create(database, OPENEMR[1], OPENEMR[2], vault["vault_openemr_db_passwords"][OPENEMR[0]])
    openemr.site(os.path.join(folder, "openemr"))
    postgresql.create_odoo(odoo_server, ODOO[1], ODOO[2], vault["vault_odoo_db_passwords"][ODOO[0]])
    postgresql.sql(odoo_server, ODOO_RECORDS, ODOO[1])


def openemr_globals(database):
    """The OpenEMR practice's mail globals; SMTP_PASS only as its key version and length (it is sealed)."""
    found = dict(mariadb.rows(database, "SELECT gl_name, gl_value FROM globals WHERE gl_index = 0 AND gl_name IN "
                              "('EMAIL_METHOD', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_USER', 'SMTP_PASS')",
                              OPENEMR[1]))
    sealed = found.pop("SMTP_PASS")
    return " ".join("%s=%s" % item for item in sorted(found.items())) + " SMTP_PASS=<key version %s, %d characters>" % (
        sealed[:3], len(sealed))


def odoo_records(odoo_server):
    """The Odoo practice's mail server records (never a password) and how many records each table holds."""
    outgoing = postgresql.rows(odoo_server, "SELECT id, smtp_host, smtp_port, smtp_encryption, smtp_user, write_date, "
                               "(SELECT COUNT(*) FROM ir_mail_server) FROM ir_mail_server "
                               "WHERE name = 'Harbour Dental'", ODOO[1])[0]
    incoming = postgresql.rows(odoo_server, 'SELECT id, server, port, server_type, is_ssl, "user", state, write_date, '
                               "(SELECT COUNT(*) FROM fetchmail_server) FROM fetchmail_server "
                               "WHERE name = 'Harbour Dental'", ODOO[1])[0]
    return ("ir_mail_server[id=%s]: smtp_host=%s smtp_port=%s smtp_encryption=%s smtp_user=%s write_date=%s "
            "(%s records)\n" % tuple(outgoing) + "fetchmail_server[id=%s]: server=%s port=%s server_type=%s is_ssl=%s "
            "user=%s state=%s write_date=%s (%s records)" % tuple(incoming))


def show_sheet(folder):
    """Where the EXACT practice's setup sheet is, and what it tells the person at EXACT's wizard."""
    sheets = os.path.join(folder, "setup-sheets")
    path = os.path.join(sheets, EXACT + ".md")
    print("EXACT setup sheet for %s: %s (also %s.html; every sheet: %s)\n" % (
        EXACT, path, path[:-3], os.path.join(sheets, "index.html")))
    with open(path, encoding="utf-8") as handle:
        print("\n".join(("    " + line).rstrip() for line in handle.read().splitlines()))


def record_entry(folder):
    """What an MSP does once the sheet's values are typed into EXACT: the day, as the practice's host variable."""
    path = os.path.join(folder, "entered.yml")
    day = datetime.date.today().isoformat()
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# The EXACT practice's entry, recorded (in a real inventory: its host_vars file).\n"
                     "practices:\n  hosts:\n    %s:\n      mail_account_entered: \"%s\"\n" % (EXACT, day))
    print("recorded in %s: %s mail_account_entered: \"%s\"" % (path, EXACT, day))
    return path


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


def run(folder, inspect=None):
    """The demo in ``folder`` (emptied first); ``inspect(servers)`` sees the servers before they stop (tests)."""
    started = time.monotonic()
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    banner("Starting local mail servers (Dovecot IMAP/POP3/submission, relay sink, throwaway CA), MariaDB for Open "
           "Dental and OpenEMR, PostgreSQL for Odoo")
    state = suite.start(os.path.join(folder, "servers"))
    database = odoo_server = None
    try:
        database = mariadb.start(os.path.join(folder, "mariadb"), tls=state["tls"])
        odoo_server = postgresql.start(os.path.join(folder, "postgresql"), tls=state["tls"])
        seed_databases(database, odoo_server, folder)
        extra = write_vars(folder, state, database, odoo_server)
        seed_applications(folder)
        print("Open Dental database %s before: default address row %s (server %s, port %s)" % (
            OPEN_DENTAL[1], *open_dental_row(database)[:3]))
        print("OpenEMR database %s before: %s" % (OPENEMR[1], openemr_globals(database)))
        print("Odoo database %s before:\n%s" % (ODOO[1], odoo_records(odoo_server)))
        print("servers up: %s" % ", ".join("%s:%d" % item for item in sorted(state["ports"].items())[:6]))
        banner("1. Dry run: site.yml --check --diff (nothing is written; secrets masked)")
        state_dir = os.path.join(folder, "controller-state")  # the lockout guard's memory, for this demo only
        playbook("site.yml", extra, state_dir, "--check", "--diff")
        banner("2. Rollout: site.yml (the EXACT practice gets a setup sheet: awaiting entry)")
        first = playbook("site.yml", extra, state_dir)
        show_sheet(folder)
        banner("3. Rollout again: site.yml must change nothing")
        second = playbook("site.yml", extra, state_dir)
        if changed_total(second):
            raise SystemExit("demo: the second run changed something (changed=%d)" % changed_total(second))
        print("second run: changed=0 on every practice (first run changed %d)" % changed_total(first))
        row = open_dental_row(database)
        print(
            "Open Dental database %s after: default address row %s: SMTPserver=%s ServerPort=%s UseSSL=%s "
            "SenderAddress=%s "
            "Pop3ServerIncoming=%s; %s reload signals in signalod" % ((OPEN_DENTAL[1],) + tuple(row))
        )
        print("OpenEMR database %s after: %s" % (OPENEMR[1], openemr_globals(database)))
        print("Odoo database %s after:\n%s" % (ODOO[1], odoo_records(odoo_server)))
        banner("4. The EXACT practice's settings were typed into its wizard: record the entry")
        entered = record_entry(folder)
        banner("5. Health check: verify.yml, with the fleet report (EXACT: entered and verified)")
        report = os.path.join(folder, "report", "mail-accounts")
        playbook("verify.yml", extra, state_dir, "-i", entered, env={"MAILCONFIG_REPORT": report})
        if inspect:
            inspect({"mariadb": database, "postgresql": odoo_server, "folder": folder})
        banner("Done in %.0f s" % (time.monotonic() - started))
        print("HTML report: %s.html\nJSON report: %s.json" % (report, report))
    finally:
        if odoo_server:
            postgresql.stop(odoo_server)
        if database:
            mariadb.stop(database)
        suite.stop(state)
        print("local mail servers stopped")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=DEFAULT_DIR, help="working folder, emptied first (default %(default)s)")
    run(os.path.abspath(parser.parse_args().dir))


if __name__ == "__main__":
    main()
