"""site.yml and verify.yml through ansible-runner, the engine AWX and Automation Platform run every job with.

The private data directory is laid out as AWX lays it out: ``project/`` (the playbooks),
``inventory/``, ``env/extravars``, ``env/envvars``, ``env/cmdline`` and ``env/passwords``
(the vault password answered at its prompt, as AWX does for a Vault credential).
"""

import glob
import json
import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import COLLECTIONS, ROOT, VENV_BIN
from tests.servers import fleet

VAULT_PASSWORD = "Runner-Vault-Pass-4471"
PRACTICES = 3


def _vault(text, folder):
    password_file = os.path.join(folder, ".vault-pass")
    with open(password_file, "w", encoding="utf-8") as handle:
        handle.write(VAULT_PASSWORD)
    done = subprocess.run([os.path.join(VENV_BIN, "ansible-vault"), "encrypt", "--vault-password-file", password_file,
                           "--output", "-", "-"], input=text, capture_output=True, text=True, check=True)
    os.unlink(password_file)
    return done.stdout


@pytest.fixture(scope="module")
def private_data_dir(tmp_path_factory, mail_servers):
    """AWX's layout: the project is the collection's playbooks folder, the passwords only in a vaulted file."""
    folder = tmp_path_factory.mktemp("runner")
    shutil.copytree(
        os.path.join(ROOT, "playbooks"), str(folder / "project"), ignore=shutil.ignore_patterns("__pycache__")
    )
    inventory = fleet.write(folder, mail_servers, PRACTICES)
    hosts = yaml.safe_load(open(os.path.join(inventory, "hosts.yml"), encoding="utf-8"))
    group = hosts["all"]["children"]["practices"]
    secrets = {}
    for number, (host, values) in enumerate(sorted(group["hosts"].items())):
        secrets["vault_password_%d" % number] = values["mail_account"]["auth"]["password"]
        values["mail_account"]["auth"]["password"] = "{{ vault_password_%d }}" % number
        os.makedirs(str(folder / "sites" / host))
        values["mail_account_store"] = {
            "type": "sqlite",
            "path": str(folder / "sites" / host / "settings.db"),
            "create": True,
        }
    os.makedirs(str(folder / "inventory" / "group_vars" / "practices"))
    with open(str(folder / "inventory" / "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(hosts, handle)
    with open(str(folder / "inventory" / "group_vars" / "practices" / "vault.yml"), "w", encoding="utf-8") as handle:
        handle.write(_vault(yaml.safe_dump(secrets), str(folder)))
    os.makedirs(str(folder / "env"))
    env = {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "MAILCONFIG_REPORT": str(folder / "reports" / "mail"),
           "MAILCONFIG_RUN_ID": "awx-job-test", "MAILCONFIG_STATE_DIR": str(folder / "volume" / "state"),
           "PATH": VENV_BIN + os.pathsep + os.environ["PATH"]}
    for name, data in (("envvars", env), ("extravars", {"mail_account_serial": [1, "100%"]}),
                       ("passwords", {r"^Vault password:\s*?$": VAULT_PASSWORD})):
        with open(str(folder / "env" / name), "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle)
    (folder / "env" / "cmdline").write_text("--ask-vault-pass")
    return folder


def runner(folder, playbook, ident, **extravars):
    if extravars:
        with open(str(folder / "env" / "extravars"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(extravars, handle)
    return subprocess.run(
        [os.path.join(VENV_BIN, "ansible-runner"), "run", str(folder), "-p", playbook, "--ident", ident],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ["PATH"]),
        check=False,
    )


def events(folder, ident):
    found = []
    for path in sorted(glob.glob(str(folder / "artifacts" / ident / "job_events" / "*.json"))):
        with open(path, encoding="utf-8") as handle:
            found.append(json.load(handle))
    return found


def host_results(found, action):
    return {
        event["event_data"]["host"]: event["event_data"]["res"]
        for event in found
        if event["event"] in ("runner_on_ok", "runner_on_failed")
        and event["event_data"].get("resolved_action", "").endswith(action)
    }


def assert_no_secret_in_artifacts(folder, mail_servers):
    secrets = fleet.passwords(mail_servers, PRACTICES) + [VAULT_PASSWORD]
    for path in glob.glob(str(folder / "artifacts" / "**" / "*"), recursive=True) + glob.glob(
        str(folder / "reports" / "*")
    ):
        if os.path.isfile(path) and not path.endswith(os.sep + "passwords"):
            text = open(path, encoding="utf-8", errors="replace").read()
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, (path, leaked)


def test_site_then_verify_from_the_controller(private_data_dir, mail_servers):
    folder = private_data_dir
    site = runner(folder, "site.yml", "site", mail_account_serial=[1, "100%"])
    assert site.returncode == 0, site.stdout[-4000:] + site.stderr[-2000:]
    assert (folder / "artifacts" / "site" / "status").read_text().strip() == "successful"
    applied = host_results(events(folder, "site"), "mail_account")
    assert sorted(applied) == [fleet.name(n) for n in range(PRACTICES)]
    assert not host_results(
        events(folder, "site"), "mail_verify"
    )  # one round trip per practice: the test before the save
    assert all(res["changed"] and res["outcome"] == "written" and res["tested"] for res in applied.values())
    assert all(res["outgoing"]["status"] == "ok" and res["incoming"]["status"] == "ok" for res in applied.values())
    with open(str(folder / "volume" / "state" / "audit.jsonl"), encoding="utf-8") as handle:
        audit = [json.loads(line) for line in handle]
    assert sorted(line["practice"] for line in audit) == [fleet.name(n) for n in range(PRACTICES)]
    assert {line["run_id"] for line in audit} == {"awx-job-test"}
    assert all(line["store"]["type"] == "sqlite" and line["changed"] for line in audit)

    verify = runner(folder, "verify.yml", "verify", mail_account_verify_from="controller")
    assert verify.returncode == 0, verify.stdout[-4000:] + verify.stderr[-2000:]
    found = events(folder, "verify")
    batch = [event for event in found if event["event"] == "runner_on_ok"
             and event["event_data"].get("resolved_action", "").endswith("mail_verify_batch")]
    assert len(batch) == 1 and batch[0]["event_data"]["res"]["counts"] == {
        "checked": PRACTICES,
        "ok": PRACTICES,
        "failed": 0,
    }
    per_host = host_results(found, "mail_verify")
    assert sorted(per_host) == [fleet.name(n) for n in range(PRACTICES)]
    assert all(res["ok"] and res["outgoing"]["auth_mechanism"] == "PLAIN" for res in per_host.values())
    with open(str(folder / "reports" / "mail.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert report["run"]["run_id"] == "awx-job-test" and report["totals"]["verified_ok"] == PRACTICES
    assert (folder / "reports" / "mail.html").exists()
    assert "MAIL ACCOUNTS" in (folder / "artifacts" / "verify" / "stdout").read_text()
    assert_no_secret_in_artifacts(folder, mail_servers)
