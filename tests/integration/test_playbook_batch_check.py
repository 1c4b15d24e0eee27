"""site.yml and verify.yml check a batch in one task (declarations and role variables), then keep one task per practice.

Ansible would check the role's variables with a task per host, and a skipped task still
costs a worker per host; the playbooks turn that check off and do it for the whole batch,
and a practice the batch refused fails at its own step, with its own message, unwritten.
"""

import json
import os
import re

import yaml

from tests.integration.test_role import tasks_run
from tests.integration.test_test_then_save import SITE, inventory, store_options, summary_row
from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations

VERIFY = os.path.join(os.path.dirname(SITE), "verify.yml")
SUMMARY = {"ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"}
ONE_BATCH = ("-e", yaml.safe_dump({"mail_account_serial": ["100%"], "mail_account_max_fail_percentage": 100}, default_flow_style=True))


def per_host(output):
    """PLAY RECAP counts per practice."""
    return {host: dict((k, int(v)) for k, v in re.findall(r"(ok|changed|failed|skipped)=(\d+)", line))
            for host, line in re.findall(r"^(practice-\w)\s+:(.*)$", output.split("PLAY RECAP")[-1], re.M)}


def failure(output, host):
    """The message of ``host``'s failed task (-v output)."""
    return re.search(r"^fatal: \[%s\]: FAILED! => (.*)$" % host, output, re.M).group(1)


def test_site_checks_the_batch_once_and_each_refused_practice_fails_at_its_save(playbook, mail_servers):
    password = mail_servers["users"]["alice"]["password"]
    pop3 = declarations.raw(mail_servers, protocol="pop3", incoming=("pop3s", "tls"))
    del pop3["incoming"]["leave_copy_on_server"]  # POP3 without an acknowledgement: MC201, an error
    stores = {name: store_options(playbook.tmp_path / name, "sqlite") for name in ("practice-a", "practice-b", "practice-c")}
    for options in stores.values():
        os.makedirs(os.path.dirname(options["path"]), exist_ok=True)
    inv = inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-a"]},
        # two wrong role variables, one of them holding the password by mistake
        "practice-b": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-b"],
                       "mail_account_state": "gone", "mail_account_update_password": password},
        # a declaration error, with the apply step off: the practice still fails
        "practice-c": {"mail_account": pop3, "mail_account_store": stores["practice-c"], "mail_account_apply": False},
    })
    result = playbook.run(SITE, "-v", *ONE_BATCH, inventory=inv, env=SUMMARY)
    assert result.returncode == 2, result.stdout[-4000:]
    assert not any(task.startswith("Validating arguments") for task in tasks_run(result.stdout))
    assert result.stdout.count("TASK [Validate every practice of this batch in one task") == 1
    assert per_host(result.stdout) == {"practice-a": {"ok": 2, "changed": 1, "failed": 0, "skipped": 0},
                                       "practice-b": {"ok": 0, "changed": 0, "failed": 1, "skipped": 0},
                                       "practice-c": {"ok": 0, "changed": 0, "failed": 1, "skipped": 0}}
    assert os.path.exists(stores["practice-a"]["path"])
    assert not os.path.exists(stores["practice-b"]["path"]) and not os.path.exists(stores["practice-c"]["path"])
    refused = failure(result.stdout, "practice-b")
    assert "mail_account_state must be one of: present, absent, restored, got: gone" in refused
    assert "mail_account_update_password must be one of" in refused and "********" in refused
    assert "1 of 1 declaration failed validation" in failure(result.stdout, "practice-c")
    assert "MC201" in failure(result.stdout, "practice-c")
    assert "role_variables" in summary_row(result.stdout, "practice-b")
    assert "MC201" in summary_row(result.stdout, "practice-c")
    assert_no_secrets(result.stdout, mail_servers)
    again = playbook.run(SITE, "-v", *ONE_BATCH, "--limit", "practice-a", inventory=inv, env=SUMMARY)
    assert again.returncode == 0 and per_host(again.stdout)["practice-a"]["changed"] == 0, again.stdout[-3000:]


def test_site_keeps_the_steps_after_the_save_for_the_practices_that_ask(playbook, mail_servers):
    stores = {name: store_options(playbook.tmp_path / name, "sqlite") for name in ("practice-a", "practice-b")}
    for options in stores.values():
        os.makedirs(os.path.dirname(options["path"]), exist_ok=True)
    inv = inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-a"],
                       "mail_account_verify_from": "controller"},
        "practice-b": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-b"]},
    })
    result = playbook.run(SITE, "-v", *ONE_BATCH, inventory=inv, env=SUMMARY)
    assert result.returncode == 0, result.stdout[-4000:]
    # practice-a: validate (run once), save, the batch check from the controller, its share; sender check skipped (off),
    # and the failures-only grouping (run once; this practice gets a result of its own)
    assert per_host(result.stdout) == {"practice-a": {"ok": 4, "changed": 1, "failed": 0, "skipped": 2},
                                       "practice-b": {"ok": 1, "changed": 1, "failed": 0, "skipped": 0}}
    assert re.search(r"Verify the mail account credentials\][^\n]*\n+ok: \[practice-a\] => .*\"auth_mechanism\": \"PLAIN\"",
                     result.stdout)
    assert "practice-b" not in result.stdout.split("Verify the mail account credentials]")[1].split("PLAY RECAP")[0]
    assert '"after_save": ["practice-a"]' in result.stdout


def test_site_ends_the_batch_in_one_step_when_no_practice_asks_for_a_step_after_the_save(playbook, mail_servers):
    """end_host per practice costs ansible-core time per practice that grows with the batch; end_batch runs once."""
    stores = {name: store_options(playbook.tmp_path / name, "sqlite") for name in ("practice-a", "practice-b")}
    for options in stores.values():
        os.makedirs(os.path.dirname(options["path"]), exist_ok=True)
    inv = inventory(playbook, mail_servers, {
        name: {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores[name]} for name in stores})
    result = playbook.run(SITE, "-v", *ONE_BATCH, inventory=inv, env=SUMMARY)
    assert result.returncode == 0, result.stdout[-4000:]
    assert '"after_save": []' in result.stdout
    assert "TASK [End the batch here when none of its practices needs a step after the save]" in result.stdout
    after = result.stdout.split("TASK [End the batch here")[1]
    assert "TASK [End here for the practices" not in after and "TASK [mailops.mailconfig.mail_account" not in after, after
    # practice-a: validate (run once for the batch) and save; practice-b: save
    assert per_host(result.stdout) == {"practice-a": {"ok": 2, "changed": 1, "failed": 0, "skipped": 0},
                                       "practice-b": {"ok": 1, "changed": 1, "failed": 0, "skipped": 0}}


def test_verify_checks_the_role_variables_once_and_fails_only_the_wrong_practice(playbook, mail_servers):
    for vantage in ("site", "controller"):
        inv = inventory(playbook, mail_servers, {
            "practice-a": {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": vantage},
            "practice-b": {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": vantage,
                           "mail_account_verify_timeout": "soon"},
        })
        result = playbook.run(VERIFY, "-v", inventory=inv, env=SUMMARY)
        assert result.returncode == 2, result.stdout[-4000:]
        assert not any(task.startswith("Validating arguments") for task in tasks_run(result.stdout))
        counts = per_host(result.stdout)
        assert counts["practice-a"]["failed"] == 0 and counts["practice-b"]["failed"] == 1, (vantage, counts)
        assert "mail_account_verify_timeout" in failure(result.stdout, "practice-b")
        assert "role_variables" in summary_row(result.stdout, "practice-b")
        assert summary_row(result.stdout, "practice-a").split()[4:6] == ["ok", "ok"], summary_row(result.stdout, "practice-a")
        assert_no_secrets(result.stdout, mail_servers)


def test_verify_from_the_controller_can_keep_a_task_only_for_the_practices_that_failed(playbook, mail_servers):
    wrong = "Wrong-Only-Failed-2718"
    inv = inventory(playbook, mail_servers, {
        name: {"mail_account": declarations.raw(mail_servers, password=wrong if name == "practice-c" else None),
               "mail_account_verify_from": "controller", "mail_account_verify_host_results": "failed"}
        for name in ("practice-a", "practice-b", "practice-c")})
    report = str(playbook.tmp_path / "report" / "mail")
    result = playbook.run(VERIFY, "-v", inventory=inv, env=dict(SUMMARY, MAILCONFIG_REPORT=report))
    assert result.returncode == 2, result.stdout[-4000:]
    counts = per_host(result.stdout)
    # practice-a ran the batch tasks (run once: validate, check, put practice-c into the group the second play reports)
    # and then ended, like practice-b; only practice-c has a check task
    assert counts == {"practice-a": {"ok": 3, "changed": 0, "failed": 0, "skipped": 0},
                      "practice-c": {"ok": 0, "changed": 0, "failed": 1, "skipped": 0}}, counts
    assert "auth_failed" in failure(result.stdout, "practice-c")
    with open(report + ".json", encoding="utf-8") as handle:
        rows = {row["practice"]: row for row in json.load(handle)["practices"]}
    assert {name: (row["outgoing"], row["incoming"]) for name, row in rows.items()} == {
        "practice-a": ("ok", "ok"), "practice-b": ("ok", "ok"), "practice-c": ("failed", "failed")}
    assert rows["practice-c"]["diagnosis"] == "auth_failed"
    assert_no_secrets(result.stdout, mail_servers, wrong)


def test_when_every_practice_passes_from_the_controller_the_batch_ends_in_one_step(playbook, mail_servers):
    """Only the failures as tasks, and none failed: one end_batch, no end_host per practice (whose cost grows as N cubed)."""
    inv = inventory(playbook, mail_servers, {
        name: {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": "controller",
               "mail_account_verify_host_results": "failed"}
        for name in ("practice-a", "practice-b", "practice-c")})
    report = str(playbook.tmp_path / "report" / "mail")
    result = playbook.run(VERIFY, inventory=inv, env=dict(SUMMARY, MAILCONFIG_REPORT=report))
    assert result.returncode == 0, result.stdout[-4000:]
    run = tasks_run(result.stdout)
    assert any(task.endswith("End the batch after the check from the controller, when asked")
               for task in run), run
    assert not any("End here for the practices" in task or task.endswith("Verify the mail account credentials") for task in run), run
    # validate and check (run once); the grouping of failed practices skipped (none failed)
    assert per_host(result.stdout) == {"practice-a": {"ok": 2, "changed": 0, "failed": 0, "skipped": 1}}
    with open(report + ".json", encoding="utf-8") as handle:
        rows = {row["practice"]: (row["outgoing"], row["incoming"]) for row in json.load(handle)["practices"]}
    assert rows == {name: ("ok", "ok") for name in ("practice-a", "practice-b", "practice-c")}
    assert_no_secrets(result.stdout, mail_servers)


def test_an_inventory_may_mix_both_vantage_points(playbook, mail_servers):
    """The batch takes only the practices set to verify from the controller; the others check from their site."""
    inv = inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers)},
        "practice-b": {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": "controller"},
        "practice-c": {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": "controller"}})
    result = playbook.run(VERIFY, "-v", inventory=inv, env=SUMMARY)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "2 practices checked from the controller: 2 ok, 0 failed" in result.stdout
    assert {host: counts["failed"] for host, counts in per_host(result.stdout).items()} == {
        "practice-a": 0, "practice-b": 0, "practice-c": 0}
    for name in ("practice-a", "practice-b", "practice-c"):
        assert summary_row(result.stdout, name).split()[4:6] == ["ok", "ok"], summary_row(result.stdout, name)


def test_a_rollout_that_stops_after_a_failed_batch_lists_the_practices_it_never_reached(playbook, mail_servers):
    """Issue 25, 7: the first batch (one practice) fails its test, the rollout stops; the other practices are rows too."""
    stores = {name: store_options(playbook.tmp_path / name, "sqlite") for name in ("practice-a", "practice-b", "practice-c")}
    for options in stores.values():
        os.makedirs(os.path.dirname(options["path"]), exist_ok=True)
    inv = inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers, password="Wrong-Stop-Pass-1"),
                       "mail_account_store": stores["practice-a"]},
        "practice-b": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-b"]},
        "practice-c": {"mail_account": declarations.raw(mail_servers), "mail_account_store": stores["practice-c"]},
    })
    result = playbook.run(SITE, inventory=inv, env=SUMMARY)
    assert result.returncode == 2, result.stdout[-4000:]
    assert set(per_host(result.stdout)) == {"practice-a"}  # the rollout stopped after the first batch
    for name in ("practice-b", "practice-c"):
        row = summary_row(result.stdout, name)
        assert "not reached" in row and "not_reached" in row, row
    assert "3 practices" in result.stdout.split("MAIL ACCOUNTS")[-1]
    assert not os.path.exists(stores["practice-b"]["path"])
