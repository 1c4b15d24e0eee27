"""A throwaway MariaDB server for tests, the demo and the benchmarks: Debian's mariadbd, unprivileged.

Its own data directory, socket and loopback port, TLS with the suite's test CA; no system
service is touched. As root the server runs as the ``mysql`` user (mariadbd refuses root),
so the folder must be one that user can traverse. Stopped by its own PID only.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from tests.servers import certs, process

ROOT_SOCKET = "mysqld.sock"
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "opendental_schema.sql")


def _owner_args(folder):
    """``--user=mysql`` (and the folder handed to it) when we are root; nothing otherwise."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("mysql")
    for parent, dirs, files in os.walk(folder):
        os.chown(parent, account.pw_uid, account.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(parent, name), account.pw_uid, account.pw_gid)
    return ["--user=mysql"]


def start(folder, tls=None, sql_mode=None):
    """Start mariadbd under ``folder`` (its parents must be traversable by ``mysql`` when we are root);
    returns the state (port, socket, pid, ca ...).

    ``tls`` is the dict of ``certs.make`` (made here when not given); ``sql_mode`` the
    server's global mode ('' for Open Dental's own choice; None keeps MariaDB's strict default).
    """
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o755)
    tls = tls or certs.make(folder)
    data = os.path.join(folder, "data")
    os.makedirs(data, exist_ok=True)
    own = os.path.join(folder, "server-tls")  # the server's copies, readable by the user it runs as
    os.makedirs(own, exist_ok=True)
    for name, path in (("ca.pem", tls["ca"]), ("cert.pem", tls["valid"]["cert"]), ("key.pem", tls["valid"]["key"])):
        shutil.copyfile(path, os.path.join(own, name))
        os.chmod(os.path.join(own, name), 0o600)
    _owner_args(own)
    user = _owner_args(data)
    log = os.path.join(folder, "mariadb.log")
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            "--datadir=" + data,
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ]
        + user,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        check=True,
    )
    port = process.free_ports(1)[0]
    socket_path = os.path.join(data, ROOT_SOCKET)
    argv = [
        "mariadbd",
        "--no-defaults",
        "--datadir=" + data,
        "--socket=" + socket_path,
        "--port=%d" % port,
        "--bind-address=127.0.0.1",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        "--max-connections=400",
        "--pid-file=" + os.path.join(data, "mariadbd.pid"),
        "--ssl-ca=" + os.path.join(own, "ca.pem"),
        "--ssl-cert=" + os.path.join(own, "cert.pem"),
        "--ssl-key=" + os.path.join(own, "key.pem"),
        "--log-error=" + os.path.join(data, "error.log"),
        "--innodb-flush-log-at-trx-commit=2",
        "--performance-schema=OFF",
    ] + user
    if sql_mode is not None:
        argv.append("--sql-mode=" + sql_mode)
    server = process.spawn(argv, log)
    state = {
        "dir": folder,
        "port": port,
        "socket": socket_path,
        "pid": server.pid,
        "marker": "--datadir=" + data,
        "ca": tls["ca"],
        "tls": tls,
    }
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            raise RuntimeError("mariadbd exited with %s; see %s" % (server.returncode, os.path.join(data, "error.log")))
        if os.path.exists(socket_path) and sql(state, "SELECT 1", check=False).returncode == 0:
            break
        if time.monotonic() > deadline:
            stop(state)
            raise RuntimeError("mariadbd did not answer within 30 s")
        time.sleep(0.1)
    return state


def stop(state):
    process.stop(state["pid"], state["marker"])


def sql(state, statements, database=None, check=True):
    """Run ``statements`` as the server's root over its socket with the ``mariadb`` client."""
    argv = ["mariadb", "--no-defaults", "--socket=" + state["socket"], "-uroot", "--batch", "--skip-column-names"]
    if database:
        argv.append(database)
    result = subprocess.run(
        argv, input=statements, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False
    )
    if check and result.returncode:
        raise RuntimeError("mariadb client failed: %s" % result.stderr.strip())
    return result


def rows(state, query, database):
    """The rows of ``query`` as lists of text (NULL as ``None``)."""
    out = sql(state, query, database).stdout
    return [[None if cell == "NULL" else cell for cell in line.split("\t")] for line in out.splitlines()]


def opendental_statements(database, seed=True, version="24.3.35.0"):
    """SQL creating an Open Dental-shaped database (the tables and columns mail_account touches), seeded."""
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = handle.read()
    statements = "DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s` CHARACTER SET utf8mb4;\nUSE `%s`;\n%s\n" % (
        database,
        database,
        database,
        schema,
    )
    statements += (
        "INSERT INTO preference (PrefName, ValueString, Comments) VALUES ('DataBaseVersion', '%s', '');\n" % version
    )
    return statements + (SEED if seed else "")


def grant(user, password, databases, host="127.0.0.1"):
    """SQL for a user with what mail_account needs (SELECT, INSERT, UPDATE) on ``databases`` (a LIKE pattern),
    connecting from ``host`` (``localhost``: through the local socket)."""
    return ("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n"
            "GRANT SELECT, INSERT, UPDATE ON `%s`.* TO '%s'@'%s';\n" % (user, host, password, databases, user, host))


def create_opendental(state, database, user, password, seed=True, version="24.3.35.0"):
    """An Open Dental-shaped database and a user for it."""
    sql(state, opendental_statements(database, seed, version) + grant(user, password, database))


# A practice as Open Dental leaves it: a default address (password encrypted the way Open Dental
# does: 'Old-Default-Pass', 'North-Pass-1', 'South-Pass-1', 'Jones-Personal'), two clinics with addresses of their own,
# a user's personal
# address, and the preference rows (EmailNotifyAddressNum points at the default address too).
SEED = """
INSERT INTO emailaddress (EmailAddressNum, SMTPserver, EmailUsername, EmailPassword, ServerPort, UseSSL, SenderAddress,
  Pop3ServerIncoming, ServerPortIncoming, UserNum, AccessToken, RefreshToken, DownloadInbox, QueryString,
  AuthenticationType) VALUES
 (1, 'smtp.old-host.example', 'frontdesk@practice.example', 'HycGX7UwQuXgD8CTuDLDhBF8gXQmMhVgJKr2eL/hg2Q=', 587, 1,
  'frontdesk@practice.example', '', 0, 0, '', '', 0, '', 0),
 (2, 'smtp.north.example', 'north@practice.example', 'Y59NHljh68EJ/maEIg0qlg==', 465, 1,
  'north@practice.example', '', 0, 0, '', '', 0, '', 0),
 (3, 'smtp.south.example', 'south@practice.example', 'GfoRaR11uV5eqHcIEajEqA==', 587, 1,
  'south@practice.example', '', 0, 0, '', '', 0, '', 0),
 (4, 'smtp.gmail.com', 'dr.jones@gmail.example', 'Nl0EN9TpO16PZzSnVnZeNg==', 587, 1,
  'dr.jones@gmail.example', '', 0, 7, '', '', 0, '', 0);
INSERT INTO clinic (ClinicNum, Description, EmailAddressNum, EmailAliasOverride) VALUES
 (1, 'North Clinic', 2, ''), (2, 'South Clinic', 3, 'South Smiles'), (3, 'East Clinic', 0, '');
INSERT INTO preference (PrefName, ValueString, Comments) VALUES
 ('EmailDefaultAddressNum', '1', ''), ('EmailNotifyAddressNum', '1', ''), ('PracticeTitle', 'Smiles Dental Group', '');
INSERT INTO signalod (DateViewing, SigDateTime, FKey, FKeyType, IType, RemoteRole, MsgValue) VALUES
 ('0001-01-01', NOW(), 0, 'Undefined', 14, 0, '');
"""


@contextlib.contextmanager
def running(prefix="mailconfig-mariadb-", sql_mode=None):
    """A MariaDB server in a fresh folder under the system temp dir for the duration of the block."""
    folder = tempfile.mkdtemp(prefix=prefix)
    state = start(folder, sql_mode=sql_mode)
    try:
        yield state
    finally:
        stop(state)
        shutil.rmtree(folder, ignore_errors=True)
