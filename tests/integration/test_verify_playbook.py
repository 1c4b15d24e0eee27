"""mail_verify through real ansible-playbook: results, failure, check mode, test message, and no secret anywhere.

Every run's whole output (stdout and stderr merged, up to -vvv) is searched for every
password and token the tests use, in plain, JSON-escaped and SASL-base64 forms.
"""

import base64
import json
import re

import yaml

from tests.servers import declarations, sink, tokens

REFRESH = "Refresh-Token-Playbook-2718"
WRONG = "Wrong-Pass-Playbook-1618"


def _forms(secret, username=None):
    forms = {secret, json.dumps(secret)[1:-1], base64.b64encode(secret.encode("utf-8")).decode()}
    if username:
        forms.add(base64.b64encode(b"\0" + username.encode() + b"\0" + secret.encode("utf-8")).decode())
    return forms


def assert_no_secrets(output, state, *extra):
    secrets = set()
    for account in state["users"].values():
        secrets |= _forms(account["password"], account["username"])
    secrets |= _forms(WRONG, state["users"]["alice"]["username"]) | _forms(REFRESH)
    for secret in extra:
        secrets |= _forms(secret)
    leaked = sorted(secret for secret in secrets if secret in output)
    assert not leaked, "secrets in output: %r" % leaked


def task(name, declaration, register, **options):
    args = dict({"declaration": declaration}, **options)
    return {"name": name, "mailops.mailconfig.mail_verify": args, "register": register}


def play(*tasks):
    return yaml.safe_dump(
        [{"hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}], sort_keys=False, allow_unicode=True
    )


def recap(output):
    return dict(
        (key, int(value)) for key, value in re.findall(r"(ok|changed|failed)=(\d+)", output.split("PLAY RECAP")[-1])
    )


def test_results_and_every_output_free_of_secrets(playbook, mail_servers):
    state = mail_servers
    ca = state["ca"]
    token = tokens.access_token(state["users"]["alice"]["username"])
    oauth = declarations.raw(state, incoming=("pop3s", "tls"), protocol="pop3")
    grant = {
        "token_endpoint": "https://login.example.test/token",
        "client_id": "mailconfig-test",
        "refresh_token": REFRESH,
    }
    oauth["auth"] = {"method": "oauth2", "oauth2": grant}
    checks = {
        "alice": "ok and r_alice.outgoing.auth_mechanism == 'PLAIN' and r_alice.incoming.status == 'ok'",
        "jose_pop3": "ok and r_jose_pop3.incoming.protocol == 'pop3'",
        "wrong": "not ok and r_wrong.outgoing.code == 'auth_failed' and r_wrong.incoming.code == 'auth_failed'",
        "oauth": "ok and r_oauth.outgoing.auth_mechanism == 'XOAUTH2' and r_oauth.incoming.auth_mechanism == 'XOAUTH2'",
    }
    text = play(
        task("alice over 587 and IMAPS", declarations.raw(state), "r_alice", ca_path=ca),
        task(
            "non-ASCII password, 465 and POP3 STLS",
            declarations.raw(
                state, user="jose", outgoing=("submissions", "tls"), incoming=("pop3", "starttls"), protocol="pop3"
            ),
            "r_jose_pop3",
            ca_path=ca,
        ),
        task(
            "wrong password, reported",
            declarations.raw(state, password=WRONG),
            "r_wrong",
            ca_path=ca,
            fail_on_error=False,
        ),
        task("OAuth 2.0 access token", oauth, "r_oauth", ca_path=ca, access_token=token),
        {
            "name": "results as expected",
            "ansible.builtin.assert": {"that": [_condition(name, condition) for name, condition in checks.items()]},
        },
        {
            "name": "print every result",
            "ansible.builtin.debug": {"var": "item"},
            "loop": ["{{ r_alice }}", "{{ r_jose_pop3 }}", "{{ r_wrong }}", "{{ r_oauth }}"],
        },
    )
    result = playbook.run(text, verbosity=3)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "results as expected" in result.stdout and "All assertions passed" in result.stdout
    assert recap(result.stdout) == {"ok": 6, "changed": 0, "failed": 0}
    assert_no_secrets(result.stdout, state, token, token.rsplit(".", 1)[1])


def _condition(name, condition):
    """'ok and x' -> 'r_name.ok and x'; 'not ok and x' -> 'not r_name.ok and x'."""
    if condition.startswith("not ok"):
        return "not r_%s.ok%s" % (name, condition[len("not ok"):])
    return "r_%s.ok%s" % (name, condition[len("ok"):])


def test_a_failed_check_fails_the_task_with_the_diagnosis(playbook, mail_servers):
    result = playbook.run(
        play(task("wrong password", declarations.raw(mail_servers, password=WRONG), "r", ca_path=mail_servers["ca"])),
        verbosity=3,
    )
    assert result.returncode != 0
    assert recap(result.stdout)["failed"] == 1
    assert "outgoing auth_failed at authenticate" in result.stdout
    assert '"code": "auth_failed"' in result.stdout
    assert_no_secrets(result.stdout, mail_servers)


def test_send_test_to_sends_one_message_and_reports_changed(playbook, mail_servers):
    recipient = "manager-%d@example.test" % id(playbook)
    before = len(sink.messages(mail_servers["sink_maildir"]))
    result = playbook.run(
        play(
            task(
                "send",
                declarations.raw(mail_servers, incoming=None),
                "r",
                ca_path=mail_servers["ca"],
                send_test_to=recipient,
            )
        )
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert recap(result.stdout)["changed"] == 1
    received = [message for message in sink.messages(mail_servers["sink_maildir"]) if message["To"] == recipient]
    assert len(received) == 1 and len(sink.messages(mail_servers["sink_maildir"])) == before + 1
    assert received[0]["Subject"] == "mailconfig test message from %s" % mail_servers["users"]["alice"]["username"]
    assert "test message from mailconfig's mail_verify" in received[0].get_payload()
    assert_no_secrets(result.stdout, mail_servers)


def test_check_mode_sends_nothing(playbook, mail_servers):
    recipient = "check-mode-%d@example.test" % id(playbook)
    result = playbook.run(
        play(
            task(
                "send",
                declarations.raw(mail_servers, incoming=None),
                "r",
                ca_path=mail_servers["ca"],
                send_test_to=recipient,
            ),
            {"ansible.builtin.assert": {"that": ["r.ok", "not r.outgoing.test_message.sent"]}},
        ),
        check=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert not [message for message in sink.messages(mail_servers["sink_maildir"]) if message["To"] == recipient]


def test_plain_runs_report_no_change_and_validate_certs_false_warns(playbook, mail_servers):
    declaration = declarations.raw(mail_servers, outgoing=("smtp_selfsigned", "tls", "localhost"), incoming=None)
    text = play(
        task("first", declaration, "r1", validate_certs=False), task("second", declaration, "r2", validate_certs=False)
    )
    result = playbook.run(text)
    assert result.returncode == 0, result.stdout[-3000:]
    assert recap(result.stdout) == {"ok": 2, "changed": 0, "failed": 0}
    assert "[WARNING]: validate_certs is false" in result.stdout  # Ansible prints a repeated warning once


def test_declaration_errors_fail_before_any_connection(playbook, mail_servers):
    """The declaration points at the silent listener with a 30 s timeout: a connection would outlast the run's 25 s."""
    declaration = declarations.raw(mail_servers, outgoing=("silent", "tls"), incoming=None)
    declaration["address"] = '"The Dental Practice" <alice@example.test>'
    result = playbook.run(play(task("bad declaration", declaration, "r", timeout=30)), timeout=25)
    assert result.returncode != 0
    assert "MC101" in result.stdout and recap(result.stdout)["failed"] == 1
    assert '"stages"' not in result.stdout


def test_unusable_ca_path_fails_clearly_without_a_traceback(playbook, mail_servers):
    result = playbook.run(play(task("bad ca_path", declarations.raw(mail_servers), "r", ca_path="/nonexistent/ca.pem")))
    assert result.returncode == 2
    assert "ca_path /nonexistent/ca.pem cannot be used as a CA bundle" in result.stdout
    assert "Traceback" not in result.stdout
    assert_no_secrets(result.stdout, mail_servers)
