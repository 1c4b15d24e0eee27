"""Only the failures as tasks: the failed practices are reported in a play of their own, on their own hosts (issue 25).

With ``mail_account_verify_host_results: failed`` a batch checked from the controller ends in one
step and a second play reports the practices that failed, each as its own failed task (what AWX
marks); no passing practice costs a task or prints a line. In the default mode nothing prints a
line per practice for that machinery either (issue 25, item 12).
"""

import os
import re

from tests.integration.test_playbook_batch_check import ONE_BATCH, SUMMARY, VERIFY, failure, per_host
from tests.integration.test_test_then_save import SITE, inventory, store_options, summary_row
from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations

WRONG = "Wrong-Failed-Play-5772"
FAILED_ONLY = {"mail_account_verify_from": "controller", "mail_account_verify_host_results": "failed"}
REPORT_PLAY = "PLAY [Report the practices whose check from the controller failed]"


def skipping_per_task(output):
    """Task header -> how many practices it printed a ``skipping:`` line for."""
    counts = {}
    for header, body in re.findall(r"^TASK \[([^\]]+)\][^\n]*\n(.*?)(?=^TASK \[|^PLAY )", output, re.M | re.S):
        counts[header] = counts.get(header, 0) + len(re.findall(r"^skipping: \[", body, re.M))
    return counts


def failed_per_host(output):
    """PLAY RECAP's failed count per practice that has a line there."""
    return {host: counts["failed"] for host, counts in per_host(output).items()}


def test_default_mode_prints_no_line_per_practice_for_the_failures_only_machinery(playbook, mail_servers):
    """Issue 25, 12: the end_host task printed its header and a skipping line for every practice, whatever the mode."""
    names = ("practice-a", "practice-b", "practice-c")
    for vantage in ("site", "controller"):
        inv = inventory(playbook, mail_servers, {
            name: {"mail_account": declarations.raw(mail_servers), "mail_account_verify_from": vantage}
            for name in names})
        result = playbook.run(VERIFY, inventory=inv, env=SUMMARY)
        assert result.returncode == 0, result.stdout[-4000:]
        assert "End here for the practices" not in result.stdout
        skipped = skipping_per_task(result.stdout)
        assert skipped and all(count <= 1 for count in skipped.values()), (vantage, skipped)
        assert failed_per_host(result.stdout) == dict.fromkeys(names, 0)
        checks = result.stdout.split("Verify the mail account credentials]")[1]
        assert sorted(re.findall(r"^ok: \[(practice-\w)\]", checks, re.M)) == list(names)


def test_verify_reports_each_failed_practice_on_its_own_host_in_the_second_play(playbook, mail_servers):
    inv = inventory(playbook, mail_servers, {
        "practice-a": dict(FAILED_ONLY, mail_account=declarations.raw(mail_servers)),
        "practice-b": dict(FAILED_ONLY, mail_account=declarations.raw(mail_servers, password=WRONG)),
        "practice-c": dict(FAILED_ONLY, mail_account=declarations.raw(mail_servers),
                           mail_account_verify_timeout="soon"),
        "practice-d": dict(FAILED_ONLY, mail_account=declarations.raw(mail_servers)),
    })
    result = playbook.run(VERIFY, "-v", inventory=inv, env=SUMMARY)
    assert result.returncode == 2, result.stdout[-4000:]
    first, second = result.stdout.split(REPORT_PLAY)
    assert "fatal:" not in first and "End here for the practices" not in result.stdout
    reported = re.findall(r"^(?:fatal|ok|skipping): \[([\w-]+)\]", second.split("PLAY RECAP")[0], re.M)
    assert sorted(reported) == ["practice-b", "practice-c"]
    assert "auth_failed" in failure(result.stdout, "practice-b")
    assert "mail_account_verify_timeout" in failure(result.stdout, "practice-c")
    assert failed_per_host(result.stdout) == {"practice-a": 0, "practice-b": 1, "practice-c": 1}
    assert "auth_failed" in summary_row(result.stdout, "practice-b")
    assert "role_variables" in summary_row(result.stdout, "practice-c")
    for name in ("practice-a", "practice-d"):
        assert summary_row(result.stdout, name).split()[4:6] == ["ok", "ok"], summary_row(result.stdout, name)
    assert_no_secrets(result.stdout, mail_servers, WRONG)


def _site_inventory(playbook, mail_servers, practices):
    """Each practice verifies from the controller, failures only, after saving to its own SQLite store."""
    stores = {}
    for name, variables in practices.items():
        stores[name] = store_options(playbook.tmp_path / name, "sqlite")
        os.makedirs(os.path.dirname(stores[name]["path"]), exist_ok=True)
        variables.update(FAILED_ONLY, mail_account_store=stores[name])
    return inventory(playbook, mail_servers, practices), stores


def test_site_reports_a_failed_check_after_the_save_in_its_last_play(playbook, mail_servers):
    # practice-b saves untested with a wrong password, so only its check after the save fails
    inv, stores = _site_inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers)},
        "practice-b": {"mail_account": declarations.raw(mail_servers, password=WRONG), "mail_account_test": False}})
    result = playbook.run(SITE, "-v", *ONE_BATCH, inventory=inv, env=SUMMARY)
    assert result.returncode == 2, result.stdout[-4000:]
    first, second = result.stdout.split(REPORT_PLAY)
    assert "fatal:" not in first and "auth_failed" in failure(second, "practice-b")
    assert failed_per_host(result.stdout) == {"practice-a": 0, "practice-b": 1}
    assert all(os.path.exists(options["path"]) for options in stores.values())
    assert_no_secrets(result.stdout, mail_servers, WRONG)


def test_site_with_a_failed_save_in_the_batch_still_exits_failed(playbook, mail_servers):
    """end_batch would mark the practice that failed its save as done (exit code 0): that batch goes on instead."""
    inv, stores = _site_inventory(playbook, mail_servers, {
        "practice-a": {"mail_account": declarations.raw(mail_servers)},
        "practice-c": {"mail_account": declarations.raw(mail_servers), "mail_account_update_password": "sometimes"}})
    result = playbook.run(SITE, "-v", *ONE_BATCH, inventory=inv, env=SUMMARY)
    assert result.returncode == 2, result.stdout[-4000:]
    assert failed_per_host(result.stdout) == {"practice-a": 0, "practice-c": 1}
    assert "mail_account_update_password" in failure(result.stdout, "practice-c")
    assert os.path.exists(stores["practice-a"]["path"]) and not os.path.exists(stores["practice-c"]["path"])
