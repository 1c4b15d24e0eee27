"""Test, then save, through real ansible-playbook against the test Dovecot and relay sink.

Every login attempt is counted in Dovecot's own log (one ``Login:`` or ``auth failed``
line per attempt and service), and every store is compared byte for byte (JSON, INI) or
row for row (SQLite) before and after a run that must not write.
"""

import hashlib
import json
import os
import re
import sqlite3
import time

import pytest
import yaml

from tests.integration.apply_helpers import STORE_TYPES, read_store
from tests.integration.test_verify_playbook import WRONG, assert_no_secrets
from tests.servers import declarations

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(ROOT, "playbooks", "site.yml")
RESTORE = os.path.join(ROOT, "playbooks", "restore.yml")
OTHER_WRONG = "Wrong-Again-Playbook-3141"
SUMMARY = {"ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"}
_ATTEMPT = re.compile(r"(imap|pop3|submission)-login: Info: (?:Login: user=<|Disconnected: .*\(auth failed)")


class Logins:
    """Login attempts in Dovecot's log since this object was made, per service."""

    def __init__(self, state):
        self.path = os.path.join(state["dir"], "dovecot", "dovecot.log")
        self.start = os.path.getsize(self.path)

    def since(self, settle=1.5):
        """Attempts per service; waits ``settle`` seconds for late lines (a failed login is logged after its delay)."""
        time.sleep(settle)
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            text = handle.read().decode("utf-8", "replace")
        counts = {}
        for service in _ATTEMPT.findall(text):
            counts[service] = counts.get(service, 0) + 1
        return counts


def store_options(tmp_path, kind):
    name = "settings.db" if kind == "sqlite" else "settings." + kind
    return {"type": kind, "path": str(tmp_path / "app" / name), "create": True}


def inventory(playbook, state, practices):
    """``practices``: name -> host variables (over the defaults: local connection, the test CA)."""
    hosts = {}
    for name, variables in practices.items():
        hosts[name] = dict({"ansible_connection": "local", "mail_account_verify_ca_path": state["ca"]}, **variables)
    os.makedirs(str(playbook.tmp_path / "app"), exist_ok=True)
    return playbook.write("inventory.yml", yaml.safe_dump({"all": {"hosts": hosts}}, allow_unicode=True))


def practice(playbook, state, kind="sqlite", **variables):
    """One practice, practice-a, with ``variables`` over a good declaration and a store of ``kind``."""
    variables.setdefault("mail_account", declarations.raw(state))
    variables.setdefault("mail_account_store", store_options(playbook.tmp_path, kind))
    return inventory(playbook, state, {"practice-a": variables})


def content(kind, path):
    """The whole store: its bytes (file stores) or every row of every table (SQLite)."""
    if kind == "sqlite":
        db = sqlite3.connect(path)
        try:
            tables = [
                name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            ]
            return dict((table, sorted(db.execute('SELECT * FROM "%s"' % table))) for table in tables)
        finally:
            db.close()
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def results(output, task="Test and save the mail account settings"):
    """The JSON results printed (-v) for every run of ``task``, in order."""
    found = []
    for block in output.split("TASK [")[1:]:
        if block.startswith("mailops.mailconfig.mail_account : %s]" % task):
            found.extend(
                json.loads(match)
                for match in re.findall(r"^(?:ok|changed|fatal): \[[^\]]+\][^{\n]*(\{.*\})$", block, re.M)
            )
    return found


def summary_row(output, name="practice-a"):
    summary = output.split("MAIL ACCOUNTS")[-1]
    return next(line for line in summary.splitlines() if line.startswith(name + " "))


def site(playbook, inv, *args, **kwargs):
    env = dict(SUMMARY, **kwargs.pop("env", {}))
    return playbook.run(SITE, "-v", *args, inventory=inv, env=env, **kwargs)


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_wrong_password_keeps_the_store_as_it_was(playbook, mail_servers, kind):
    good = practice(playbook, mail_servers, kind)
    path = store_options(playbook.tmp_path, kind)["path"]
    logins = Logins(mail_servers)
    first = site(playbook, good)
    assert first.returncode == 0, first.stdout[-3000:]
    assert logins.since() == {"submission": 1, "imap": 1}  # the test before the save is the only login of the rollout
    (written,) = results(first.stdout)
    assert written["outcome"] == "written" and written["tested"] and written["tested_from"] == "practice-a"
    assert written["outgoing"]["status"] == written["incoming"]["status"] == "ok"
    before = content(kind, path)
    logins = Logins(mail_servers)
    wrong = site(
        playbook, practice(playbook, mail_servers, kind, mail_account=declarations.raw(mail_servers, password=WRONG))
    )
    assert wrong.returncode == 2
    assert content(kind, path) == before
    (kept,) = results(wrong.stdout)
    assert kept["kept_previous"] and kept["outcome"] == "kept_previous" and not kept["changed"]
    assert kept["outgoing"]["code"] == kept["incoming"]["code"] == "auth_failed"
    assert "kept the previous settings" in kept["msg"]
    assert logins.since() == {"submission": 1, "imap": 1}
    assert "auth_failed" in summary_row(wrong.stdout)
    assert (
        not os.path.exists(path + ".bak") and [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".bak")] == []
    )
    for output in (first.stdout, wrong.stdout):
        assert_no_secrets(output, mail_servers)


def test_one_login_per_side_then_none_and_the_lockout_guard(playbook, mail_servers):
    """Good, idempotent, wrong, wrong again (not tried), another secret (tried at once), a good one on another port."""
    kind = "sqlite"
    path = store_options(playbook.tmp_path, kind)["path"]
    runs = []

    def run(declaration, expect_rc, expect_logins, **extra):
        logins = Logins(mail_servers)
        result = site(playbook, practice(playbook, mail_servers, kind, mail_account=declaration, **extra))
        assert result.returncode == expect_rc, result.stdout[-3000:]
        assert logins.since() == expect_logins
        runs.append(result.stdout)
        return results(result.stdout)[0]

    assert run(declarations.raw(mail_servers), 0, {"submission": 1, "imap": 1})["outcome"] == "written"
    idempotent = run(declarations.raw(mail_servers), 0, {})
    assert idempotent["outcome"] == "unchanged" and not idempotent["tested"] and "changed=0" in runs[-1]
    stored = content(kind, path)
    assert (
        run(declarations.raw(mail_servers, password=WRONG), 2, {"submission": 1, "imap": 1})["outgoing"]["code"]
        == "auth_failed"
    )
    guarded = run(declarations.raw(mail_servers, password=WRONG), 2, {})
    assert guarded["outgoing"]["stage"] == guarded["incoming"]["stage"] == "lockout_guard"
    assert "not tried again" in guarded["msg"] and guarded["kept_previous"]
    assert "set mail_account_retry_failed_secret: true" in guarded["msg"]  # the playbooks' name for it (issue 25, 13)
    assert "tested_from" not in guarded and "kept_previous (not tested: lockout guard)" in summary_row(runs[-1])
    assert (
        run(declarations.raw(mail_servers, password=OTHER_WRONG), 2, {"submission": 1, "imap": 1})["outgoing"]["stage"]
        == "authenticate"
    )
    retried = run(
        declarations.raw(mail_servers, password=WRONG),
        2,
        {"submission": 1, "imap": 1},
        mail_account_retry_failed_secret=True,
    )
    assert retried["outgoing"]["stage"] == "authenticate"
    assert content(kind, path) == stored
    moved = run(declarations.raw(mail_servers, outgoing=("submissions", "tls")), 0, {"submission": 1, "imap": 1})
    assert moved["outcome"] == "written" and read_store(kind, path)["email.outgoing.security"] == "tls"
    state_dir = playbook.tmp_path / "mailconfig-state"
    memory = (state_dir / "rejected-secrets.json").read_text()
    assert oct(os.stat(str(state_dir / "secret-fingerprint.key")).st_mode & 0o777) == "0o600"
    key = (state_dir / "secret-fingerprint.key").read_bytes()
    for output in runs + [memory]:
        assert_no_secrets(output, mail_servers, OTHER_WRONG)
        assert key.hex() not in output


def test_the_scheduled_verify_follows_the_lockout_guard(playbook, mail_servers):
    inv = practice(playbook, mail_servers, mail_account=declarations.raw(mail_servers, password=WRONG))
    verify = os.path.join(ROOT, "playbooks", "verify.yml")
    first_logins = Logins(mail_servers)
    first = playbook.run(verify, "-v", inventory=inv)
    assert first.returncode == 2 and first_logins.since() == {"submission": 1, "imap": 1}
    again_logins = Logins(mail_servers)
    again = playbook.run(verify, "-v", inventory=inv)
    assert again.returncode == 2 and again_logins.since() == {}
    assert '"stage": "lockout_guard"' in again.stdout
    assert_no_secrets(first.stdout + again.stdout, mail_servers)


@pytest.mark.parametrize("endpoint, code", [(("closed", "tls"), "connection_refused"),
                                            (("smtp_selfsigned", "tls", "localhost"), "certificate_untrusted")])
def test_unreachable_or_untrusted_server_keeps_the_store(playbook, mail_servers, endpoint, code):
    path = store_options(playbook.tmp_path, "sqlite")["path"]
    assert site(playbook, practice(playbook, mail_servers)).returncode == 0
    before = content("sqlite", path)
    result = site(
        playbook, practice(playbook, mail_servers, mail_account=declarations.raw(mail_servers, outgoing=endpoint))
    )
    assert result.returncode == 2
    assert content("sqlite", path) == before
    (kept,) = results(result.stdout)
    assert kept["outcome"] == "kept_previous" and kept["outgoing"]["code"] == code


def test_a_display_name_change_is_written_without_a_login_and_tested_from_a_delegate(playbook, mail_servers):
    path = store_options(playbook.tmp_path, "json")["path"]
    first = site(playbook, practice(playbook, mail_servers, "json", mail_account_apply_from="controller"))
    assert first.returncode == 0, first.stdout[-3000:]
    assert results(first.stdout)[0]["tested_from"] == "localhost"
    logins = Logins(mail_servers)
    renamed = declarations.raw(mail_servers, display_name="Smiles Dental Practice")
    result = site(playbook, practice(playbook, mail_servers, "json", mail_account=renamed))
    assert result.returncode == 0, result.stdout[-3000:]
    (written,) = results(result.stdout)
    assert written["outcome"] == "written" and not written["tested"] and "tested_from" not in written
    assert logins.since() == {}
    assert read_store("json", path)["email.display_name"] == "Smiles Dental Practice"


def test_write_untested_writes_with_a_warning(playbook, mail_servers):
    path = store_options(playbook.tmp_path, "ini")["path"]
    inv = practice(
        playbook,
        mail_servers,
        "ini",
        mail_account=declarations.raw(mail_servers, password=WRONG),
        mail_account_write_untested=True,
    )
    result = site(playbook, inv)
    assert result.returncode == 0, result.stdout[-3000:]
    (written,) = results(result.stdout)
    assert written["outcome"] == "written_untested" and written["changed"] and not written["ok"]
    assert "[WARNING]: written untested (write_untested is true)" in result.stdout
    assert read_store("ini", path)["email.auth.password"] == WRONG
    assert_no_secrets(result.stdout, mail_servers)


def test_check_mode_tests_every_practice_and_writes_nothing(playbook, mail_servers):
    """Two practices, the first (the first batch of a real run) failing: the dry run still reaches the second."""
    stores = {name: store_options(playbook.tmp_path / name, "sqlite") for name in ("practice-a", "practice-b")}
    for options in stores.values():
        os.makedirs(os.path.dirname(options["path"]), exist_ok=True)
    good = {
        name: {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores[name]} for name in stores
    }
    assert site(playbook, inventory(playbook, mail_servers, good)).returncode == 0
    before = dict((name, content("sqlite", options["path"])) for name, options in stores.items())
    changed = {
        "practice-a": {
            "mail_account": declarations.raw(mail_servers, password=WRONG),
            "mail_account_store": stores["practice-a"],
        },
        "practice-b": {
            "mail_account": declarations.raw(mail_servers, outgoing=("submissions", "tls")),
            "mail_account_store": stores["practice-b"],
        },
    }
    logins = Logins(mail_servers)
    dry = site(playbook, inventory(playbook, mail_servers, changed), check=True, diff=True)
    assert dry.returncode == 2
    assert logins.since() == {"submission": 2, "imap": 2}  # both practices tested, read-only
    assert dict((name, content("sqlite", options["path"])) for name, options in stores.items()) == before
    outcomes = dict((r["outgoing"]["port"], r["outcome"]) for r in results(dry.stdout))
    assert outcomes == {
        mail_servers["ports"]["submission"]: "kept_previous",
        mail_servers["ports"]["submissions"]: "written",
    }
    assert "would keep the previous settings" in dry.stdout
    assert "auth_failed" in summary_row(dry.stdout, "practice-a")
    assert "+email.outgoing.security = tls" in dry.stdout  # practice-b's diff: what would change
    assert_no_secrets(dry.stdout, mail_servers)


def test_restore_puts_back_the_settings_of_the_run_before_through_the_test(playbook, mail_servers):
    path = store_options(playbook.tmp_path, "sqlite")["path"]
    assert site(playbook, practice(playbook, mail_servers)).returncode == 0
    first = read_store("sqlite", path)
    moved = practice(
        playbook, mail_servers, mail_account=declarations.raw(mail_servers, outgoing=("submissions", "tls"))
    )
    assert site(playbook, moved).returncode == 0
    assert read_store("sqlite", path) != first
    logins = Logins(mail_servers)
    restored = playbook.run(RESTORE, "-v", "-e", "mail_account_hosts=practice-a", inventory=moved)
    assert restored.returncode == 0, restored.stdout[-3000:]
    (result,) = results(restored.stdout)
    assert result["outcome"] == "restored" and result["tested"] and result["restored_from"].endswith(".bak")
    assert result["changed_keys"] == ["email.outgoing.port", "email.outgoing.security"]
    assert logins.since() == {"submission": 1, "imap": 1}
    after = read_store("sqlite", path)
    assert (
        after["email.outgoing.port"] == first["email.outgoing.port"] and after["email.outgoing.security"] == "starttls"
    )
    # The one backup (of the second run) was spent by the restore, which made none of its own.
    assert [name for name in os.listdir(os.path.dirname(path)) if ".bak" in name] == []
    assert_no_secrets(restored.stdout, mail_servers)
