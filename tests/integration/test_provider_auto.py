"""`provider: auto` in declarations and addresses in the mail_provider lookup, against a real DNS server."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dns"))
from dns_server import knot  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINT = os.path.join(ROOT, "bin", "mailconfig-lint")

AUTO = """\
schema_version: 1
address: reception@{domain}
provider: auto
auth:
  method: password
  password: Auto-Detect-Secret-31
{extra}sending:
  rate_per_minute: 3
"""


def lint(text, env):
    result = subprocess.run([sys.executable, LINT, "--format", "json", "-"], input=text, capture_output=True, text=True,
                            env=dict(os.environ, **env), check=False)
    assert "Auto-Detect-Secret-31" not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def test_mx_decides_and_provider_rules_then_apply(knot):
    code, findings = lint(
        AUTO.format(domain="m365.test", extra="outgoing:\n  port: 465\n"), {"MAILCONFIG_DNS_SERVER": knot.address}
    )
    by_code = {f["code"]: f for f in findings}
    assert by_code["MC651"]["severity"] == "info"
    assert "'office365' by mx" in by_code["MC651"]["message"]
    assert (by_code["MC651"]["line"], by_code["MC651"]["path"]) == (3, "provider")
    # office365's own rule fires because the detected provider is used from then on
    assert by_code["MC204"]["path"] == "outgoing.port"
    assert code == 1


def test_srv_only_domain_fills_the_servers(knot):
    code, findings = lint(AUTO.format(domain="srvonly.test", extra=""), {"MAILCONFIG_DNS_SERVER": knot.address})
    assert code == 0, findings
    assert any(f["code"] == "MC651" and "'other' by srv" in f["message"] for f in findings)


def test_srv_servers_outside_the_domain_are_not_trusted(knot):
    code, findings = lint(AUTO.format(domain="srvelsewhere.test", extra=""), {"MAILCONFIG_DNS_SERVER": knot.address})
    assert code == 1
    assert [(f["code"], f["path"]) for f in findings] == [("MC652", "provider")]
    assert "mail.elsewhere-host.test" in findings[0]["message"]


def test_a_catalogue_server_does_not_vouch_for_a_stranger_beside_it(knot):
    code, findings = lint(AUTO.format(domain="srvmixed.test", extra="incoming:\n  protocol: imap\n"),
                          {"MAILCONFIG_DNS_SERVER": knot.address})
    assert code == 1
    assert [(f["code"], f["path"]) for f in findings] == [("MC652", "provider")]
    assert "mail.elsewhere-host.test" in findings[0]["message"] and "imap.gmail.com" not in findings[0]["message"]


def test_only_the_servers_the_declaration_uses_must_be_trusted(knot):
    env = {"MAILCONFIG_DNS_SERVER": knot.address}
    code, findings = lint(AUTO.format(domain="srvinside.test", extra=""), env)
    assert code == 0, findings
    code, findings = lint(AUTO.format(domain="srvinside.test", extra="incoming:\n  protocol: imap\n"), env)
    assert code == 1 and "imap.elsewhere-host.test" in findings[0]["message"]


def test_undecidable_domain_is_an_error_asking_for_a_provider(knot):
    code, findings = lint(AUTO.format(domain="nomx.test", extra=""), {"MAILCONFIG_DNS_SERVER": knot.address})
    assert code == 1
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("MC650", "provider", 3)]
    assert "Set provider explicitly" in findings[0]["hint"]


def test_offline_ci_refuses_auto_with_the_reason():
    code, findings = lint(AUTO.format(domain="m365.test", extra=""), {"MAILCONFIG_OFFLINE": "1"})
    assert code == 1
    assert findings[0]["code"] == "MC650" and "MAILCONFIG_OFFLINE" in findings[0]["message"] + findings[0]["hint"]


def test_lookup_detects_from_mx(knot, playbook):
    result = playbook.run("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.assert:
                that:
                  - found.key == 'gmail'
                  - found.detection.rule == 'mx'
                  - found.outgoing.host == 'smtp.gmail.com'
              vars:
                found: "{{ lookup('mailops.mailconfig.mail_provider', 'front.desk@workspace.test') }}"
        """, env={"MAILCONFIG_DNS_SERVER": knot.address})
    assert result.returncode == 0, result.stdout
