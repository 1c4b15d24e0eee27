"""``mailconfig-oauth campaign`` over 20 practices (mixed stores) against the local identity provider.

The command runs as a user runs it (bin/mailconfig-oauth, a subprocess). The test then
decrypts the vault file with ansible-core's vault library, reads the rewritten host_vars
files, and searches every output and artifact for the tokens and passwords. The first
run ends with ``--run-playbook`` (under -vvv): site.yml tests each moved practice's new
grant with an XOAUTH2 login to the suite's Dovecot and saves it; a second site.yml,
through ansible-runner as AWX runs it, then changes nothing.
"""

import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.conftest import COLLECTIONS, VENV_BIN, ansible_env
from tests.paths import REPO_ROOT
from tests.servers import dovecot, oauth_fleet
from tests.servers.identity_provider import IdentityProvider, microsoft_endpoints

COUNT = 20
COMMAND = [sys.executable, os.path.join(REPO_ROOT, "bin", "mailconfig-oauth"), "campaign"]
DECLINED, EXPIRED = 1, 2


@pytest.fixture(scope="module")
def fleet(mail_servers, tmp_path_factory):
    tls = mail_servers["tls"]["valid"]
    # stores hold the grant
    folder, sites = tmp_path_factory.mktemp("campaign"), tmp_path_factory.mktemp("campaign-sites")
    idp = IdentityProvider(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None, interval=1).start()
    oauth_fleet.add_people(idp, COUNT, polls=2, outcomes={DECLINED: "declined", EXPIRED: "expired"})
    inventory, password_file = oauth_fleet.write(folder, COUNT, microsoft_endpoints(idp), mail_servers, sites)
    state = {
        "idp": idp,
        "inventory": inventory,
        "password_file": password_file,
        "folder": str(folder),
        "ca": mail_servers["ca"],
        "sites": str(sites),
        "outputs": [],
    }
    try:
        yield state
    finally:
        idp.stop()


def campaign(fleet, *args):
    command = oauth_fleet.campaign_command(fleet["inventory"], fleet["password_file"], fleet["ca"], *args)
    env = ansible_env(fleet["folder"], ANSIBLE_VERBOSITY=3)  # what --run-playbook starts runs under -vvv
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=fleet["folder"], env=env, check=False
    )
    fleet["outputs"].append(done.stdout + done.stderr)
    return done


def vault_tokens(fleet):
    path = os.path.join(fleet["inventory"], "group_vars", "all", "vault_refresh_tokens.yml")
    with open(path, "rb") as handle:
        data = handle.read()
    secret = VaultSecret(oauth_fleet.VAULT_PASSWORD.encode())
    return yaml.safe_load(VaultLib([("default", secret)]).decrypt(data))["vault_refresh_tokens"], data


def host_vars(fleet, number):
    with open(
        os.path.join(fleet["inventory"], "host_vars", oauth_fleet.name(number) + ".yml"), encoding="utf-8"
    ) as handle:
        return handle.read()


def test_the_list_is_soonest_first_with_what_moving_means(fleet):
    done = campaign(fleet, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    names = [row["practice"] for row in rows]
    assert names == sorted(oauth_fleet.name(n) for n in range(COUNT) if oauth_fleet.kind(n) != "gmail")
    assert all(row["date"] == "2026-12-31" and row["provider"] == "office365" for row in rows)
    moves = dict((row["practice"], row["move"]) for row in rows)
    assert moves[oauth_fleet.name(3)] == "own sign-in" and moves[oauth_fleet.name(5)] == "cannot move"
    assert moves[oauth_fleet.name(0)] == "our grant"
    assert "SMTP AUTH back on" in [row for row in rows if row["move"] == "cannot move"][0]["what"]


def moved_by_the_first_run():
    """The practices the first run moves in their host_vars files (site.yml's --limit)."""
    return [n for n in range(COUNT) if oauth_fleet.kind(n) in ("sqlite", "opendental") and n not in (DECLINED, EXPIRED)]


def recap(output):
    """practice -> {ok: n, changed: n, failed: n, ...} from ansible-playbook's PLAY RECAP."""
    found = re.findall(r"^(practice\d{4}) +: (.*)$", output, re.M)
    return dict(
        (host, dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", counts))) for host, counts in found
    )


@pytest.fixture(scope="module")
def first_run(fleet):
    return campaign(fleet, "--start", "all", "--handouts", os.path.join(fleet["folder"], "handouts"), "--run-playbook")


@pytest.fixture(scope="module")
def second_site(fleet, first_run):
    """The printed site.yml command again, through ansible-runner with AWX's private data directory layout."""
    folder = fleet["folder"]
    [command] = [
        line.strip()
        for line in first_run.stdout.splitlines()
        if line.strip().startswith("ansible-playbook ") and "--limit" in line
    ]
    limit = command.split("--limit ")[1].split()[0]
    shutil.copytree(
        os.path.join(REPO_ROOT, "playbooks"),
        os.path.join(folder, "project"),
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    os.makedirs(os.path.join(folder, "env"))
    settings = {
        "envvars": {
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "MAILCONFIG_STATE_DIR": os.path.join(folder, "runner-state"),
            "PATH": VENV_BIN + os.pathsep + os.environ["PATH"],
        },
        "passwords": {r"^Vault password:\s*?$": oauth_fleet.VAULT_PASSWORD},
    }
    for name, data in settings.items():
        with open(os.path.join(folder, "env", name), "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle)
    with open(os.path.join(folder, "env", "cmdline"), "w", encoding="utf-8") as handle:
        handle.write("--ask-vault-pass --limit %s" % limit)
    done = subprocess.run(
        [os.path.join(VENV_BIN, "ansible-runner"), "run", folder, "-p", "site.yml", "--ident", "site-again"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"]),
    )
    fleet["outputs"].append(done.stdout + done.stderr)
    return done, limit


def test_the_campaign_moves_the_signed_in_practices(fleet, first_run):
    assert first_run.returncode == 1, first_run.stdout  # one declined, one expired
    assert "1 declined, 1 expired" in first_run.stdout and "16 moved" not in first_run.stdout
    tokens, _data = vault_tokens(fleet)
    movable = [
        n for n in range(COUNT) if oauth_fleet.kind(n) not in ("gmail", "openemr") and n not in (DECLINED, EXPIRED)
    ]
    assert sorted(tokens) == sorted(oauth_fleet.name(n) for n in movable)
    assert all(token in fleet["idp"].refresh_tokens for token in tokens.values())
    assert (
        "--limit " + ",".join(oauth_fleet.name(n) for n in movable if oauth_fleet.kind(n) != "inline")
        in first_run.stdout
    )


def test_site_yml_run_by_the_campaign_tests_and_saves_the_moved_practices(fleet, first_run):
    ran = recap(first_run.stdout)
    assert sorted(ran) == [oauth_fleet.name(n) for n in moved_by_the_first_run()], first_run.stdout[-3000:]
    assert all(counts["failed"] == 0 and counts["unreachable"] == 0 for counts in ran.values()), first_run.stdout[
        -3000:
    ]
    saved = [n for n in moved_by_the_first_run() if oauth_fleet.kind(n) == "sqlite"]
    assert all(ran[oauth_fleet.name(n)]["changed"] == 1 for n in saved)
    assert ran[oauth_fleet.name(3)]["changed"] == 0  # Open Dental signs in by itself: mail_account_apply false
    logins = [request for request in fleet["idp"].requests if request.get("grant_type") == "refresh_token"]
    assert len(logins) == len(saved)  # each saved grant was tested first: a token for an XOAUTH2 login to Dovecot
    for number in saved:
        with sqlite3.connect(os.path.join(fleet["sites"], oauth_fleet.name(number), "settings.db")) as database:
            text = "\n".join(database.iterdump())
        assert "oauth2" in text and oauth_fleet.PASSWORD_FORMAT % number not in text


def test_a_second_site_yml_through_ansible_runner_changes_nothing(fleet, second_site):
    done, limit = second_site
    folder = fleet["folder"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "artifacts", "site-again", "job_events", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            found.append(json.load(handle))
    applied = dict(
        (event["event_data"]["host"], event["event_data"]["res"])
        for event in found
        if event["event"] == "runner_on_ok" and event["event_data"].get("resolved_action", "").endswith("mail_account")
    )
    saved = [oauth_fleet.name(n) for n in moved_by_the_first_run() if oauth_fleet.kind(n) == "sqlite"]
    assert sorted(applied) == saved and limit.split(",") == [oauth_fleet.name(n) for n in moved_by_the_first_run()]
    assert not any(res["changed"] for res in applied.values())
    assert all(counts["changed"] == 0 and counts["failed"] == 0 for counts in recap(done.stdout).values())


def test_declarations_are_rewritten_keeping_comments(fleet, first_run):
    text = host_vars(fleet, 0)
    assert text.startswith("---\n# practice0000: a dental practice on Microsoft 365. Comment kept by the campaign.\n")
    assert "address: reception@practice0000.example.test   # the mailbox patients see" in text
    auth = yaml.safe_load(text)["mail_account"]["auth"]
    # the registration's own
    token_endpoint = microsoft_endpoints(fleet["idp"], "practice0000.example.test")["token_endpoint"]
    assert auth == {
        "method": "oauth2",
        "oauth2": {
            "tenant": "practice0000.example.test",
            "client_id": oauth_fleet.CLIENT_ID,
            "token_endpoint": token_endpoint,
            "refresh_token": "{{ vault_refresh_tokens['practice0000'] }}",
        },
    }
    assert "password" not in text
    open_dental = yaml.safe_load(host_vars(fleet, 3))
    assert open_dental["mail_account_apply"] is False and open_dental["mail_account"]["auth"]["method"] == "oauth2"
    assert yaml.safe_load(host_vars(fleet, 5))["mail_account"]["auth"]["method"] == "password"  # OpenEMR cannot move
    assert yaml.safe_load(host_vars(fleet, DECLINED))["mail_account"]["auth"]["method"] == "password"


def test_a_declaration_outside_host_vars_gets_the_exact_change_printed(fleet, first_run):
    assert "practice0007: signed in; token stored; its auth is not in a host_vars file" in first_run.stdout
    assert "refresh_token: \"{{ vault_refresh_tokens['practice0007'] }}\"" in first_run.stdout


def test_hand_outs_are_written_for_each_started_sign_in(fleet, first_run):
    folder = os.path.join(fleet["folder"], "handouts")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".md"))
    started = [n for n in range(COUNT) if oauth_fleet.kind(n) not in ("gmail", "openemr")]
    assert names == ["%s.md" % oauth_fleet.name(n) for n in started]
    with open(os.path.join(folder, "practice0000.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert fleet["idp"].verification_uri() in text and "reception@practice0000.example.test" in text
    with open(os.path.join(folder, "index.html"), encoding="utf-8") as handle:
        page = handle.read()
    assert page.count("<tr id=") == len(started)


def test_a_second_run_restarts_declined_and_expired_and_changes_nothing_else(fleet, first_run, second_site):
    before = {n: host_vars(fleet, n) for n in range(COUNT) if oauth_fleet.kind(n) != "inline"}
    for number in (DECLINED, EXPIRED):
        fleet["idp"].add_person(oauth_fleet.address(number), outcome="ok", polls=0)
    done = campaign(fleet, "--start", "all", "--handouts", os.path.join(fleet["folder"], "handouts-2"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 moved" in done.stdout and "--limit practice0001,practice0002 " in done.stdout
    changed = [n for n in before if host_vars(fleet, n) != before[n]]
    assert changed == [DECLINED, EXPIRED]
    tokens, data = vault_tokens(fleet)
    third = campaign(fleet, "--start", "all", "--handouts", os.path.join(fleet["folder"], "handouts-3"))
    assert third.returncode == 0 and "moved" not in third.stdout.split("outcome:")[1]
    assert vault_tokens(fleet)[1] == data and len(tokens) == 16
    assert not os.path.exists(os.path.join(fleet["folder"], "handouts-3", "index.html"))  # nothing left to sign in


def test_no_token_or_password_in_any_output_or_artifact(fleet, first_run, second_site):
    idp = fleet["idp"]
    secrets = list(idp.refresh_tokens) + list(idp.issued) + oauth_fleet.passwords(COUNT) + [oauth_fleet.VAULT_PASSWORD]
    secrets += [request["device_code"] for request in idp.requests if request.get("device_code")]
    texts = dict(("output %d" % number, text) for number, text in enumerate(fleet["outputs"]))
    # the vault password, given on purpose
    given = (fleet["password_file"], os.path.join(fleet["folder"], "env", "passwords"))
    for folder, _dirs, files in os.walk(fleet["folder"]):
        for path in (os.path.join(folder, name) for name in files if os.path.join(folder, name) not in given):
            with open(path, encoding="utf-8", errors="replace") as handle:
                texts[path] = handle.read()
    assert len(texts) > COUNT and idp.issued and any("artifacts" in path for path in texts)
    assert any("ESTABLISH LOCAL CONNECTION" in text for text in fleet["outputs"])  # -vvv was on
    leaks = [(path, secret) for secret in secrets for path, text in texts.items() if secret in text]
    assert not leaks


def test_signin_moves_one_practice_and_prints_only_the_page_and_code(fleet, tmp_path):
    inventory, password_file = oauth_fleet.write(tmp_path, 1, microsoft_endpoints(fleet["idp"]))
    command = COMMAND[:-1] + [
        "signin",
        "-i",
        inventory,
        "--practice",
        "practice0000",
        "--vault-password-file",
        password_file,
        "--ca-path",
        fleet["ca"],
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=str(tmp_path), check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "practice0000: open %s and enter the code " % fleet["idp"].verification_uri() in done.stdout
    tokens, _data = vault_tokens({"inventory": inventory})
    assert list(tokens) == ["practice0000"] and tokens["practice0000"] not in done.stdout + done.stderr
    with open(os.path.join(inventory, "host_vars", "practice0000.yml"), encoding="utf-8") as handle:
        assert "refresh_token: \"{{ vault_refresh_tokens['practice0000'] }}\"" in handle.read()


def test_a_plain_text_vault_file_is_refused_and_nothing_is_written(fleet, tmp_path):
    inventory, password_file = oauth_fleet.write(tmp_path, 1, microsoft_endpoints(fleet["idp"]))
    plain = os.path.join(inventory, "group_vars", "all", "vault_refresh_tokens.yml")
    with open(plain, "w", encoding="utf-8") as handle:
        handle.write("vault_refresh_tokens: {}\n")
    host_file = os.path.join(inventory, "host_vars", "practice0000.yml")
    with open(host_file, encoding="utf-8") as handle:
        before = handle.read()
    command = COMMAND + [
        "-i",
        inventory,
        "--vault-password-file",
        password_file,
        "--ca-path",
        fleet["ca"],
        "--start",
        "all",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=str(tmp_path), check=False)
    assert done.returncode == 2 and "not encrypted with Ansible Vault" in done.stderr, done.stdout + done.stderr
    with open(plain, encoding="utf-8") as handle:
        assert handle.read() == "vault_refresh_tokens: {}\n"
    with open(host_file, encoding="utf-8") as handle:
        assert handle.read() == before
