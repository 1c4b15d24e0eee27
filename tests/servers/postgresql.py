"""A throwaway PostgreSQL server for tests, the demo and the benchmarks: Debian's postgres, unprivileged.

Its own cluster (``initdb``) in the given folder, a Unix socket directory inside that folder and a
loopback port, TLS with the suite's test CA; no system cluster or service is touched. As root the
server runs as the ``postgres`` system user (initdb and postgres refuse root), so the folder and
every parent must be traversable by that user (a ``tempfile.mkdtemp`` folder under /tmp is; pytest's
``tmp_path`` under /tmp/pytest-of-root is not). Stopped by its own PID only.

Authentication (pg_hba.conf): TCP from loopback with SCRAM-SHA-256 (``hostssl`` and ``host``);
the Unix socket with ``peer``, where an ident map lets root (and the user the server runs as) in as
the cluster's superuser, and any other system user in as the role of the same name.
``hba_extra`` lines go before those, for tests that need another method (``password``, ``md5``...).
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time

from tests.servers import certs, process

HERE = os.path.dirname(os.path.abspath(__file__))
ODOO_SCHEMA = os.path.join(HERE, "odoo_schema.sql")
SERVICE_USER = "postgres"  # created by Debian's postgresql-common
SOCKET_DIR = "socket"
READY_SECONDS = 30


def bindir():
    """The newest ``/usr/lib/postgresql/N/bin`` (15 on Debian 12); ``MAILCONFIG_PG_BINDIR`` overrides."""
    override = os.environ.get("MAILCONFIG_PG_BINDIR")
    if override:
        return override
    found = [path for path in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(path, "postgres"))]
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: "
                           "install the Debian package 'postgresql'")
    return max(found, key=lambda path: int(path.split("/")[-2]) if path.split("/")[-2].isdigit() else 0)


def _tool(name):
    return os.path.join(bindir(), name)


def _account():
    """The (name, uid, gid) the server runs as: ``postgres`` when we are root, ourselves otherwise."""
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise RuntimeError("no '%s' system user: install the Debian package 'postgresql'" % SERVICE_USER) from None
    else:
        entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _check_traversable(folder, uid, gid):
    """Fail early, naming the culprit, when ``uid`` cannot reach ``folder``."""
    path = folder
    while True:
        info = os.stat(path)
        if info.st_uid == uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise RuntimeError("the '%s' user cannot traverse %s (mode %o): start the server in a folder whose "
                               "parents are all searchable, e.g. tempfile.mkdtemp() under /tmp"
                               % (pwd.getpwuid(uid).pw_name, path, stat.S_IMODE(info.st_mode)))
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _chown_tree(path, uid, gid):
    if os.geteuid() != 0:
        return
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid)


def _as_account(uid, gid):
    """Popen arguments that run a child as the server account (nothing to add when we are that user)."""
    if os.geteuid() != 0:
        return {}
    return {"user": uid, "group": gid, "extra_groups": []}


def _env():
    """A clean environment: no PG* variable of the caller's leaks into the server or the clients."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env.pop("LANG", None)
    return env


def _log_tail(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).strip()
    except OSError:
        return ""


def _settings(port, socket_dir, own):
    return {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": "'%s'" % socket_dir,
        "unix_socket_permissions": "0700",
        "max_connections": "300",
        "shared_buffers": "32MB",
        "dynamic_shared_memory_type": "mmap",  # no dependency on a container's small /dev/shm
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "password_encryption": "'scram-sha-256'",
        "ssl": "on",
        "ssl_cert_file": "'%s'" % os.path.join(own, "server.crt"),
        "ssl_key_file": "'%s'" % os.path.join(own, "server.key"),
        "ssl_ca_file": "'%s'" % os.path.join(own, "ca.pem"),
        "ssl_min_protocol_version": "'TLSv1.2'",
        "logging_collector": "off",
        "log_destination": "'stderr'",
        "log_line_prefix": "'%m [%p] %q%u@%d '",
        "timezone": "'UTC'",
        "log_timezone": "'UTC'",
        "datestyle": "'iso, mdy'",
        "lc_messages": "'C'",
    }


def _hba(extra):
    lines = ["# written by tests/servers/postgresql.py; first match wins"]
    lines += list(extra)
    lines += [
        "local   all  all                 peer map=local",
        "hostssl all  all  127.0.0.1/32   scram-sha-256",
        "host    all  all  127.0.0.1/32   scram-sha-256",
    ]
    return "\n".join(lines) + "\n"


def _ident(admin):
    # MAPNAME  SYSTEM-USERNAME  PG-USERNAME
    lines = ["local  root  %s" % admin, "local  %s  %s" % (admin, admin), "local  /^(.*)$  \\1"]
    return "\n".join(lines) + "\n"


def start(folder, tls=None, hba_extra=()):
    """Start a private cluster under ``folder``; return the state (port, socket dir, pid, ca, tls, admin ...).

    ``tls`` is the dict of ``certs.make`` (made here when not given); ``hba_extra`` are pg_hba.conf lines
    placed before the suite's own.
    """
    started = time.monotonic()
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o755)
    admin, uid, gid = _account()
    _check_traversable(folder, uid, gid)
    tls = tls or certs.make(folder)
    data = os.path.join(folder, "data")
    socket_dir = os.path.join(folder, SOCKET_DIR)
    own = os.path.join(folder, "server-tls")  # the server's copies, readable by the user it runs as only
    if os.path.exists(os.path.join(data, "PG_VERSION")):
        raise RuntimeError("%s already holds a cluster: start each server in a fresh folder" % data)
    for path in (data, socket_dir, own):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, 0o700)
    for name, path in (
        ("ca.pem", tls["ca"]),
        ("server.crt", tls["valid"]["cert"]),
        ("server.key", tls["valid"]["key"]),
    ):
        shutil.copyfile(path, os.path.join(own, name))
        os.chmod(os.path.join(own, name), 0o600)
    log = os.path.join(folder, "postgresql.log")
    open(log, "ab").close()
    for path in (data, socket_dir, own, log):
        _chown_tree(path, uid, gid)
    socket_path_length = len(os.path.join(socket_dir, ".s.PGSQL.65535"))
    if socket_path_length > 107:
        raise RuntimeError("socket path under %s is %d bytes, over the 107 a Unix socket allows: use a shorter folder"
                           % (socket_dir, socket_path_length))

    with open(log, "ab") as out:
        result = subprocess.run([_tool("initdb"), "-D", data, "-U", admin, "--auth=peer", "--encoding=UTF8",
                                 "--locale=C", "--no-instructions"], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=_env(), check=False, **_as_account(uid, gid))
    if result.returncode:
        raise RuntimeError("initdb failed (exit %s); see %s:\n%s" % (result.returncode, log, _log_tail(log)))

    port = process.free_ports(1)[0]
    files = {
        "postgresql.conf": "".join("%s = %s\n" % item for item in _settings(port, socket_dir, own).items()),
        "pg_hba.conf": _hba(hba_extra),
        "pg_ident.conf": _ident(admin),
    }
    for name, text in files.items():
        path = os.path.join(data, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        _chown_tree(path, uid, gid)

    argv = [_tool("postgres"), "-D", data]
    with open(log, "ab") as out:
        server = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True, env=_env(), **_as_account(uid, gid))
    state = {"dir": folder, "data": data, "port": port, "host": "127.0.0.1", "socket_dir": socket_dir,
             "pid": server.pid, "marker": data, "ca": tls["ca"], "tls": tls, "admin": admin,
             "log": log, "bindir": bindir()}
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if server.poll() is not None:
            raise RuntimeError("postgres exited with %s before accepting connections; see %s:\n%s"
                               % (server.returncode, log, _log_tail(log)))
        ready = subprocess.run([_tool("pg_isready"), "-q", "-h", socket_dir, "-p", str(port), "-U", admin,
                                "-d", "postgres"], env=_env(), check=False)
        if ready.returncode == 0 and sql(state, "SELECT 1", check=False).returncode == 0:
            break
        if time.monotonic() > deadline:
            stop(state)
            raise RuntimeError("postgres did not accept connections within %d s; see %s:\n%s"
                               % (READY_SECONDS, log, _log_tail(log)))
        time.sleep(0.05)
    state["start_seconds"] = round(time.monotonic() - started, 2)
    return state


def stop(state, timeout=30.0):
    """Fast shutdown (SIGINT: open sessions are ended) of our server only, by its PID; SIGKILL as a last resort."""
    process.stop(state["pid"], state["marker"], timeout, first=signal.SIGINT)


def psql_argv(state, database="postgres", user=None):
    """``psql`` over the socket as ``user`` (the superuser by default): unaligned, tab-separated, NULL as NULL."""
    return [os.path.join(state["bindir"], "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", state["socket_dir"],
            "-p", str(state["port"]), "-U", user or state["admin"], "-d", database, "-A", "-t", "-F", "\t",
            "-P", "null=NULL"]


def sql(state, statements, database="postgres", check=True, user=None):
    """Run ``statements`` with ``psql`` over the Unix socket (peer authentication), in one session."""
    result = subprocess.run(psql_argv(state, database, user), input=statements, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(), check=False)
    if check and result.returncode:
        raise RuntimeError("psql failed: %s" % result.stderr.strip())
    return result


def rows(state, query, database="postgres"):
    """The rows of ``query`` as lists of text (NULL as ``None``)."""
    out = sql(state, query, database).stdout
    return [[None if cell == "NULL" else cell for cell in line.split("\t")] for line in out.splitlines()]


def quote_ident(name):
    return '"%s"' % name.replace('"', '""')


def quote_literal(text):
    return "'%s'" % text.replace("'", "''")


def create_database(state, name, schema_file=None, owner=None):
    """A fresh UTF-8 database (from template0, as Odoo makes them), then ``schema_file`` run in it."""
    statement = "CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0" % quote_ident(name)
    if owner:
        statement += " OWNER %s" % quote_ident(owner)
    sql(state, "DROP DATABASE IF EXISTS %s;\n" % quote_ident(name))
    sql(state, statement + ";\n")
    if schema_file:
        with open(schema_file, encoding="utf-8") as handle:
            sql(state, handle.read(), database=name)


def create_user(state, name, password):
    """A login role with ``password`` (stored as a SCRAM-SHA-256 verifier: password_encryption)."""
    sql(state, "CREATE ROLE %s LOGIN PASSWORD %s;\n" % (quote_ident(name), quote_literal(password)))


def grant(state, database, user, privileges="SELECT, INSERT, UPDATE"):
    """``privileges`` on every table of ``database``'s public schema, and its sequences (for ``id`` serials)."""
    sql(state, "GRANT CONNECT ON DATABASE %s TO %s;\n" % (quote_ident(database), quote_ident(user)))
    sql(
        state,
        "GRANT USAGE ON SCHEMA public TO {u};\n"
        "GRANT {p} ON ALL TABLES IN SCHEMA public TO {u};\n"
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {u};\n".format(u=quote_ident(user), p=privileges),
        database=database,
    )


def create_odoo(state, database, user, password):
    """An Odoo 17.0-shaped database (odoo_schema.sql) and a user allowed to read and write it."""
    create_database(state, database, ODOO_SCHEMA)
    create_user(state, user, password)
    grant(state, database, user)


@contextlib.contextmanager
def running(prefix="mailconfig-postgresql-", tls=None, hba_extra=()):
    """A PostgreSQL server in a fresh folder under the system temp dir for the duration of the block."""
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        state = start(folder, tls=tls, hba_extra=hba_extra)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield state
    finally:
        stop(state)
        shutil.rmtree(folder, ignore_errors=True)
