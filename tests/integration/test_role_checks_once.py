"""The role checks a host's declaration once per run and reports its findings once (issue 10, issue 15)."""

import re

import yaml

from tests.integration.test_role import inventory, role_play
from tests.integration.test_verify_playbook import assert_no_secrets


def test_findings_are_reported_by_the_validate_step_only(playbook, mail_servers):
    # rate 40 is above the 3 a minute the provider 'other' is known to allow: warning MC401
    inv = inventory(playbook, mail_servers)
    with open(inv, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["all"]["hosts"]["practice-a"]["mail_account"]["sending"]["rate_per_minute"] = 40
    with open(inv, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    done = playbook.run(role_play(), "-vvv", inventory=inv)
    assert done.returncode == 0, done.stdout[-4000:]
    assert len(re.findall(r"\[WARNING\]:[^\n]*MC401", done.stdout)) == 1, done.stdout[-4000:]
    assert "mail_account_checked" in done.stdout  # the fact the later steps reuse, shown at -vvv ...
    assert_no_secrets(done.stdout, mail_servers)  # ... without a secret in it


def test_a_declaration_changed_after_validation_is_checked_again(playbook, mail_servers):
    inv = inventory(playbook, mail_servers)
    done = playbook.run(
        yaml.safe_dump(
            [
                {
                    "hosts": "all",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "ansible.builtin.include_role": {
                                "name": "mailops.mailconfig.mail_account",
                                "tasks_from": "validate",
                            }
                        },
                        {
                            "ansible.builtin.set_fact": {
                                "mail_account": "{{ mail_account | combine({'sending': {'rate_per_minute': 40}}) }}"
                            }
                        },
                        {
                            "ansible.builtin.include_role": {
                                "name": "mailops.mailconfig.mail_account",
                                "tasks_from": "verify",
                            }
                        },
                    ],
                }
            ]
        ),
        inventory=inv,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert len(re.findall(r"\[WARNING\]:[^\n]*MC401", done.stdout)) == 1, done.stdout[-4000:]
