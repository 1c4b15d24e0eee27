"""The mail_account role through real ansible-playbook: steps, tags, entry points,
argument validation, and no secret under -vvv."""

import os
import re
import sys

import pytest
import yaml

from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dns"))
from dns_server import knot  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inventory(playbook, state, **overrides):
    host_vars = {
        "ansible_connection": "local",
        "mail_account": declarations.raw(state),
        "mail_account_store": {"type": "sqlite", "path": str(playbook.tmp_path / "app" / "settings.db"), "create": True},
        "mail_account_verify_ca_path": state["ca"],
    }
    host_vars.update(overrides)
    os.makedirs(str(playbook.tmp_path / "app"), exist_ok=True)
    return playbook.write("inventory.yml", yaml.safe_dump({"all": {"hosts": {"practice-a": host_vars}}}, allow_unicode=True))


def role_play(**extra):
    play = {"hosts": "all", "gather_facts": False, "roles": ["mailops.mailconfig.mail_account"]}
    play.update(extra)
    return yaml.safe_dump([play], sort_keys=False)


def tasks_run(output):
    return re.findall(r"^TASK \[mailops\.mailconfig\.mail_account : ([^\]]+)\]", output, re.M)


def recap(output):
    return dict((k, int(v)) for k, v in re.findall(r"(ok|changed|failed|skipped)=(\d+)", output.split("PLAY RECAP")[-1]))


VERIFY_TASKS = ["Verify every practice's credentials from the controller, in one batch",
                "Put the practices whose check from the controller failed into the group a later play reports, when asked",
                "End the batch after the check from the controller, when asked", "Verify the mail account credentials"]


def test_full_role_then_idempotent_with_no_secret_at_vvv(playbook, mail_servers):
    inv = inventory(playbook, mail_servers)
    first = playbook.run(role_play(), "-vvv", inventory=inv, diff=True)
    assert first.returncode == 0, first.stdout[-4000:]
    assert [t for t in tasks_run(first.stdout) if not t.startswith("Validating arguments")] == [
        "Validate the mail account declaration", "Test and save the mail account settings",
        "Verify from the controller, and the sender check, when asked"]
    assert recap(first.stdout)["changed"] == 1
    assert recap(first.stdout)["skipped"] == 1  # no second login (the save was tested), no sender check (off by default)
    second = playbook.run(role_play(), "-vvv", inventory=inv, diff=True)
    assert recap(second.stdout)["changed"] == 0
    for output in (first.stdout, second.stdout):
        assert_no_secrets(output, mail_servers)


def test_tags_run_one_step(playbook, mail_servers):
    inv = inventory(playbook, mail_servers, mail_account_verify_from="controller")
    result = playbook.run(role_play(), "--tags", "verify", inventory=inv)
    assert result.returncode == 0, result.stdout[-3000:]
    assert [t for t in tasks_run(result.stdout) if not t.startswith("Validating arguments")] == [
        "Verify from the controller, and the sender check, when asked"] + VERIFY_TASKS
    assert not os.path.exists(str(playbook.tmp_path / "app" / "settings.db"))


def test_verify_from_the_controller_and_switched_off(playbook, mail_servers):
    inv = inventory(playbook, mail_servers, mail_account_verify_from="controller")
    batch = playbook.run(role_play(), "-v", inventory=inv)
    assert batch.returncode == 0, batch.stdout[-3000:]
    assert re.search(r"in one batch\][^\n]*\n+ok: \[practice-a\] => .*\"counts\": \{\"checked\": 1, \"failed\": 0, \"ok\": 1\}", batch.stdout)
    assert re.search(r"Verify the mail account credentials\][^\n]*\n+ok: \[practice-a\] => .*\"auth_mechanism\": \"PLAIN\"", batch.stdout)
    off = playbook.run(role_play(), inventory=inventory(playbook, mail_servers, mail_account_verify=False,
                                                        mail_account_verify_from="controller"))
    # the batch (no practice to check), the failures-only grouping (run once), the per-host verify, and the sender check (off)
    assert recap(off.stdout)["skipped"] == 4
    assert re.search(r"TASK \[mailops\.mailconfig\.mail_account : Verify the mail account credentials\][^\n]*\n+skipping: \[practice-a\]",
                     off.stdout)


def test_bad_role_variable_stops_before_any_task(playbook, mail_servers):
    inv = inventory(playbook, mail_servers, mail_account_verify_from="elsewhere")
    result = playbook.run(role_play(), inventory=inv)
    assert result.returncode == 2
    assert "mail_account_verify_from" in result.stdout and "elsewhere" in result.stdout
    assert "Validate the mail account declaration" not in result.stdout


def test_bad_declaration_fails_in_validate_and_nothing_is_written(playbook, mail_servers):
    declaration = declarations.raw(mail_servers)
    declaration["incoming"]["protocol"] = "pop3"
    declaration["incoming"].pop("leave_copy_on_server", None)
    inv = inventory(playbook, mail_servers, mail_account=declaration)
    result = playbook.run(role_play(), inventory=inv)
    assert result.returncode == 2
    assert "MC201" in result.stdout
    assert tasks_run(result.stdout)[-1] == "Validate the mail account declaration"
    assert not os.path.exists(str(playbook.tmp_path / "app" / "settings.db"))


@pytest.mark.parametrize("entry", ["verify.yml", "validate.yml"])
def test_collection_playbooks(playbook, mail_servers, entry):
    inv = inventory(playbook, mail_servers)
    result = playbook.run(os.path.join(ROOT, "playbooks", entry), inventory=inv)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not os.path.exists(str(playbook.tmp_path / "app" / "settings.db"))


def test_sender_check_step_and_its_summary_column(playbook, mail_servers, knot):
    """Off by default; when on, its worst finding shows in the fleet summary (two SPF records is an error)."""
    declaration = declarations.raw(mail_servers)
    declaration.update(address="reception@twospf.test", username=mail_servers["users"]["alice"]["username"],
                       lint={"ignore": ["MC502"]})
    inv = inventory(playbook, mail_servers, mail_account=declaration)
    env = {"MAILCONFIG_DNS_SERVER": knot.address, "ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"}
    off = playbook.run(role_play(), "--tags", "sender_check", inventory=inv, env=env)
    assert recap(off.stdout)["skipped"] == 1
    on = playbook.run(role_play(vars={"mail_account_sender_check": True}), "--tags", "validate,sender_check", inventory=inv, env=env)
    assert on.returncode == 0, on.stdout[-3000:]
    summary = on.stdout.split("MAIL ACCOUNTS")[1]
    row = next(line for line in summary.splitlines() if line.startswith("practice-a "))
    assert row.split()[6] == "error" and "MC6" in row
    assert_no_secrets(on.stdout, mail_servers)
