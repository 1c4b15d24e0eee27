"""Sender checks (MX, SPF, DMARC, DKIM) against a real DNS server, and mail_sender_check through ansible-playbook."""

import json
import os
import re
import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _dns, _sender_checks

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dns"))
# pylint: disable-next=unused-import,wrong-import-position
from dns_server import counting_dns, knot, silent_dns  # noqa: E402,F401

SECRET = "Sup3r-Secret-Pw!2026"
CLIENT_SECRET = "client-secret-Zq81"


@pytest.fixture
def resolver(knot):
    return _dns.Resolver(servers=knot.address, timeout=3)


def codes(findings):
    return sorted(f.code for f in findings)


@pytest.mark.parametrize("domain, provider, expected", [
    ("m365.test", "office365", []),
    ("nested.test", "office365", []),
    ("workspace.test", "gmail", ["MC622"]),
    ("godaddy.test", "godaddy", ["MC620", "MC632"]),
    ("godaddy365.test", "godaddy_m365", ["MC622", "MC630"]),  # GoDaddy's include is the right one: no MC613
    ("godaddy365.test", "office365", ["MC613", "MC622", "MC630"]),  # what declaring plain office365 would wrongly say
    ("nomx.test", None, ["MC602", "MC615", "MC620", "MC632"]),
    ("nullmx.test", None, ["MC602", "MC610", "MC620", "MC632"]),
    ("twospf.test", "office365", ["MC611", "MC621", "MC630"]),
    ("badspf.test", "office365", ["MC612", "MC621", "MC630"]),
    ("wrongspf.test", "gmail", ["MC613", "MC614", "MC621"]),
    ("nodkim.test", "office365", ["MC630", "MC631"]),
    ("gone.test", "gmail", ["MC601"]),
    ("gmail.com", "gmail", ["MC641"]),
    ("unknownmx.test", "other", ["MC615", "MC620", "MC632"]),
])
def test_findings_per_domain(resolver, domain, provider, expected):
    findings = _sender_checks.check_sender(domain, provider, resolver=resolver)
    assert codes(findings) == expected
    for finding in findings:
        assert finding.severity == _sender_checks.CODES[finding.code][1]
        assert finding.message and finding.hint and finding.path == "domain"


@pytest.mark.parametrize("domain, provider, code, words", [
    ("twospf.test", "office365", "MC611", "twospf.test has 2 SPF records"),
    ("badspf.test", "office365", "MC612", "'ip4:192.0.2.300' is not a valid IPv4 address; unknown mechanism 'foo'"),
    ("badspf.test", "office365", "MC621", "p=block is not one of none, quarantine, reject"),
    ("twospf.test", "office365", "MC621", "_dmarc.twospf.test has 2 DMARC records"),
    ("wrongspf.test", "gmail", "MC613", "does not include the provider's sending hosts (include:_spf.google.com)"),
    ("wrongspf.test", "gmail", "MC614", "ends in +all"),
    ("wrongspf.test", "gmail", "MC621", "pct=150"),
    ("godaddy.test", "godaddy", "MC620", "no DMARC record at _dmarc.godaddy.test"),
    ("workspace.test", "gmail", "MC622", "p=none"),
    ("nodkim.test", "office365", "MC631", "selector1._domainkey.nodkim.test is unusable: its key is revoked"),
    ("nodkim.test", "office365", "MC630", "no DKIM key for office365's usual selectors selector1, selector2"),
    ("nullmx.test", None, "MC602", "null MX"),
    ("gone.test", "gmail", "MC601", "does not exist (NXDOMAIN)"),
])
def test_messages_say_what_was_seen(resolver, domain, provider, code, words):
    messages = [f.message for f in _sender_checks.check_sender(domain, provider, resolver=resolver) if f.code == code]
    assert any(words in m for m in messages), messages


def test_provider_include_found_one_level_down(counting_dns):
    resolver = _dns.Resolver(servers=counting_dns.address, timeout=3)
    assert _sender_checks.check_sender("nested.test", "office365", resolver=resolver) == []
    assert counting_dns.counts[("_spf.nested.test", "TXT")] == 1
    assert ("spf.protection.outlook.com", "TXT") not in counting_dns.counts  # found without asking for it


def test_dkim_selectors_given_by_the_practice(resolver):
    assert codes(_sender_checks.check_sender("ownsel.test", "godaddy", ["practice2026"], resolver)) == []
    findings = _sender_checks.check_sender("ownsel.test", "godaddy", ["s1", "s2"], resolver)
    assert codes(findings) == ["MC630"]
    assert "no DKIM key for the declared selectors s1, s2" in findings[0].message
    assert codes(_sender_checks.check_sender("m365.test", "office365", ["google"], resolver)) == ["MC630"]


def test_dns_timeout_is_reported_not_guessed(silent_dns):
    resolver = _dns.Resolver(servers=silent_dns.address, timeout=0.3)
    findings = _sender_checks.check_sender("m365.test", "office365", resolver=resolver)
    assert codes(findings) == ["MC600"]
    assert "no answer for m365.test MX" in findings[0].message and "MAILCONFIG_DNS_SERVER" in findings[0].hint


def test_offline_mode_is_reported():
    findings = _sender_checks.check_sender("m365.test", "office365", resolver=_dns.Resolver(offline=True))
    assert codes(findings) == ["MC600"] and "MAILCONFIG_OFFLINE" in findings[0].message


@pytest.mark.parametrize(
    "record, problem",
    [
        ("v=spf1 -all", None),
        ("V=SPF1 Include:_spf.google.com ~ALL", None),
        ("v=spf1 a mx a:mail.example.com/24 mx//64 a/24//64 ptr ptr:example.com ?all", None),
        ("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{l1r+-}._spf.%{d} -all", None),
        ("v=spf1 include:example.com redirect=_spf.example.com exp=explain.example.com", None),
        ("v=spf1 custom-mod=anything -all", None),
        ("v=spf2 -all", "does not start with v=spf1"),
        ("v=spf1 include: -all", "'include' needs a domain"),
        ("v=spf1 include:example -all", "'include' needs a domain"),
        ("v=spf1 ip4:192.0.2.0/33", "invalid prefix length"),
        ("v=spf1 ip4:192.0.2.0/08", "invalid prefix length"),
        ("v=spf1 ip6:2001:db8::/129", "invalid prefix length"),
        ("v=spf1 ip6:192.0.2.1", "not a valid IPv6 address"),
        ("v=spf1 a/24/64", "invalid prefix length"),
        ("v=spf1 all:example.com", "'all' takes no argument"),
        ("v=spf1 +redirect=example.com", "cannot take a qualifier"),
        ("v=spf1 redirect=a.example.com redirect=b.example.com", "'redirect' appears more than once"),
        ("v=spf1 exists:%{z}.example.com", "'exists' needs a domain"),
        ("v=spf1 include:bad%domain.com", "'include' needs a domain"),
        ("v=spf1 ~include", "'include' needs a domain"),
        ("v=spf1 =broken", "is not an SPF term"),
        (
            "v=spf1 " + " ".join("include:s%d.example.com" % i for i in range(11)) + " -all",
            "receivers give up (permerror) after 10",
        ),
        ("v=spf1 " + " ".join("include:s%d.example.com" % i for i in range(10)) + " -all", None),
    ],
)
def test_spf_syntax(record, problem):
    errors = _sender_checks.parse_spf(record)[1]
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors


@pytest.mark.parametrize("record, problem", [
    ("v=DMARC1; p=none", None),
    ("v=DMARC1;p=Reject;sp=quarantine;pct=100;adkim=s;aspf=r", None),
    ("v=DMARC1; rua=mailto:d@example.com", "no p= policy"),
    ("v=DMARC1; p=monitor", "p=monitor is not one of"),
    ("v=DMARC1; p=none; sp=all", "sp=all"),
    ("v=DMARC1; p=none; pct=-1", "pct=-1"),
    ("v=DMARC1; p=none; adkim=x", "adkim=x"),
])
def test_dmarc_syntax(record, problem):
    errors = _sender_checks.dmarc_errors(record)[0]
    assert (errors == []) if problem is None else any(problem in e for e in errors)


@pytest.mark.parametrize(
    "record, problem",
    [
        (
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCoLwATx8Be0jWBvvUMnlKph9A3Hl/W "
            "rYA8iO/7DnEzH/XsLl0Rrr7Z",
            None,
        ),
        ("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", None),
        ("v=DKIM1; p=", "revoked"),
        ("v=DKIM1; k=rsa", "no p= public key"),
        ("k=rsa; v=DKIM1; p=AAAA", "must come first"),
        ("v=DKIM1; p=not base64!", "not valid base64"),
        ("v=DKIM1; k=dsa; p=AAAA", "k=dsa is unknown"),
    ],
)
def test_dkim_key_syntax(record, problem):
    error = _sender_checks.dkim_key_error(record)
    assert error is None if problem is None else problem in error


def test_requirements_name_sources_and_dates():
    for key, entry in _sender_checks.requirements().items():
        assert entry["sources"] and re.match(r"\d{4}-\d\d-\d\d$", entry["checked"]), key
        assert isinstance(entry["spf_includes"], list) and isinstance(entry["dkim_selectors"], list)


# --- through ansible-playbook -------------------------------------------------

INVENTORY = """
[practices]
smiles1 ansible_host=192.0.2.1 ansible_connection=ssh ansible_user=nobody
smiles2 ansible_host=192.0.2.1 ansible_connection=ssh ansible_user=nobody
smiles3 ansible_host=192.0.2.1 ansible_connection=ssh ansible_user=nobody
broken ansible_host=192.0.2.1 ansible_connection=ssh ansible_user=nobody
"""

HOST_VARS = {
    "smiles1": {
        "address": "reception@m365.test",
        "provider": "office365",
        "auth": {
            "method": "oauth2",
            "oauth2": {
                "tenant": "m365tenant.onmicrosoft.com",
                "client_id": "c1",
                "client_secret": CLIENT_SECRET,
                "refresh_token": SECRET,
            },
        },
    },
    "smiles2": {
        "address": "accounts@m365.test",
        "provider": "office365",
        "auth": {"method": "password", "password": SECRET},
    },
    "smiles3": {
        "address": "dr.smith@m365.test",
        "provider": "office365",
        "auth": {"method": "password", "password": SECRET},
    },
    "broken": {
        "address": "reception@twospf.test",
        "provider": "office365",
        "auth": {"method": "password", "password": SECRET},
    },
}

PLAYBOOK = """
- hosts: practices
  gather_facts: false
  tasks:
    - name: Check the sending domain
      mailops.mailconfig.mail_sender_check:
        declaration: "{{ mail_account }}"
        fail_on_error: "{{ fail_on_error | default(true) }}"
      register: sender

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ sender | to_json }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
      delegate_to: localhost
      check_mode: false
      changed_when: false
      when: sender is not failed
"""


@pytest.fixture
def fleet(playbook):
    inventory = playbook.write("inventory/hosts.ini", INVENTORY)
    for host, account in HOST_VARS.items():
        playbook.write(
            "inventory/host_vars/%s.yml" % host, "mail_account: %s\n" % json.dumps(dict(account, schema_version=1))
        )
    return inventory


def no_secrets(text):
    return SECRET not in text and CLIENT_SECRET not in text


def results(playbook):
    folder = str(playbook.tmp_path)
    return {
        name[:-5]: json.load(open(os.path.join(folder, name), encoding="utf-8"))
        for name in os.listdir(folder)
        if name.endswith(".json")
    }


def test_playbook_checks_each_domain_once_and_never_connects(playbook, fleet, counting_dns):
    done = playbook.run(PLAYBOOK, "-e", "out_dir=%s" % playbook.tmp_path, "--forks", "4", inventory=fleet,
                        env={"MAILCONFIG_DNS_SERVER": counting_dns.address}, verbosity=3)
    # the hosts' SSH address is unroutable: any connection attempt would make them unreachable
    assert re.search(r"smiles1\s+: ok=2 +changed=0 +unreachable=0 +failed=0", done.stdout), done.stdout[-3000:]
    assert re.search(r"broken\s+: ok=0 +changed=0 +unreachable=0 +failed=1", done.stdout), done.stdout[-3000:]
    assert (
        "twospf.test: 2 errors, 1 warning (MC611 spf-multiple, MC621 dmarc-invalid, MC630 dkim-missing)" in done.stdout
    )
    found = results(playbook)
    assert sorted(found) == ["smiles1", "smiles2", "smiles3"]
    for result in found.values():
        assert result["ok"] is True and result["findings"] == [] and result["changed"] is False
        assert (result["domain"], result["provider"]) == ("m365.test", "office365")
    # three practices share m365.test: each question was asked once for the whole run, across forked workers
    assert counting_dns.counts[("m365.test", "MX")] == 1
    assert counting_dns.counts[("_dmarc.m365.test", "TXT")] == 1
    assert counting_dns.counts[("selector1._domainkey.m365.test", "TXT")] == 1
    assert set(counting_dns.counts.values()) == {1}
    assert no_secrets(done.stdout)


def test_playbook_findings_point_at_the_declaration(playbook, fleet, knot):
    done = playbook.run(
        PLAYBOOK,
        "-e",
        "out_dir=%s" % playbook.tmp_path,
        "-e",
        "fail_on_error=false",
        "--limit",
        "broken",
        inventory=fleet,
        env={"MAILCONFIG_DNS_SERVER": knot.address},
        check=True,
        diff=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    result = results(playbook)["broken"]
    assert result["ok"] is False and result["failed"] is False
    assert [f["code"] for f in result["findings"]] == ["MC611", "MC621", "MC630"]
    first = result["findings"][0]
    assert first["path"] == "address" and first["file"].endswith("host_vars/broken.yml") and first["line"] == 1
    assert no_secrets(done.stdout)


def test_playbook_with_a_domain_detects_the_provider(playbook, knot):
    done = playbook.run("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - mailops.mailconfig.mail_sender_check:
                domain: nodkim.test
                dns_server: "%s"
                fail_on_error: false
              register: sender
            - ansible.builtin.assert:
                that:
                  - sender.provider == 'office365'
                  - sender.detection.rule == 'mx'
                  - sender.findings | map(attribute='code') | list == ['MC631', 'MC630']
                  - sender.ok
            - mailops.mailconfig.mail_sender_check:
                domain: unknownmx.test
                dns_server: "%s"
              register: unknown
            - ansible.builtin.assert:
                that:
                  - unknown.provider is none
                  - "'cannot detect the provider' in unknown.detection.error"
                  - unknown.findings | map(attribute='code') | list == ['MC615', 'MC620', 'MC632']
        """ % (knot.address, knot.address))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "changed=0" in done.stdout


def test_playbook_refuses_bad_input_before_any_dns(playbook, counting_dns):
    done = playbook.run("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - mailops.mailconfig.mail_sender_check:
                declaration:
                  schema_version: 1
                  address: '"Smiles" <reception@m365.test>'
                  provider: office365
                  auth: {method: password, password: "%s"}
              ignore_errors: true
              register: bad_declaration
            - mailops.mailconfig.mail_sender_check:
                domain: m365.test
                dns_timeout: soon
              ignore_errors: true
              register: bad_timeout
            - mailops.mailconfig.mail_sender_check:
                domain: m365.test
                dns_server: dns.example
              ignore_errors: true
              register: bad_server
            - mailops.mailconfig.mail_sender_check:
                provider: office365
              ignore_errors: true
              register: nothing
            - ansible.builtin.assert:
                that:
                  - bad_declaration is failed and 'MC101' in bad_declaration.msg
                  - bad_timeout is failed and 'dns_timeout' in bad_timeout.msg
                  - bad_server is failed and 'is not an IP address' in bad_server.msg
                  - nothing is failed and 'declaration, domain' in nothing.msg
        """ % SECRET, env={"MAILCONFIG_DNS_SERVER": counting_dns.address}, verbosity=3)
    assert done.returncode == 0, done.stdout[-3000:]
    assert sum(counting_dns.counts.values()) == 0
    assert no_secrets(done.stdout)


def test_playbook_offline(playbook, knot):
    done = playbook.run("""
        - hosts: localhost
          gather_facts: false
          tasks:
            - mailops.mailconfig.mail_sender_check:
                domain: m365.test
                provider: office365
              register: sender
              ignore_errors: true
            - ansible.builtin.assert:
                that:
                  - sender is failed
                  - sender.findings | map(attribute='code') | list == ['MC600']
        """, env={"MAILCONFIG_DNS_SERVER": knot.address, "MAILCONFIG_OFFLINE": "1"})
    assert done.returncode == 0, done.stdout[-3000:]
    assert "MAILCONFIG_OFFLINE=1" in done.stdout


AUTO_TASKS = """
- hosts: localhost
  gather_facts: false
  vars:
    auto: {schema_version: 1, address: reception@m365.test, provider: auto, auth: {method: password, password: "%s"}}
  tasks:
    - mailops.mailconfig.mail_sender_check:
        declaration: "{{ auto }}"
        offline: true
      register: offline
      ignore_errors: true
    - mailops.mailconfig.mail_sender_check:
        declaration: "{{ auto }}"
        dns_server: "%s"
      register: chosen
    - ansible.builtin.assert:
        that:
          - offline is failed and 'MC650' in offline.msg and 'offline' in offline.msg
          - chosen.provider == 'office365' and chosen.ok
""" % (SECRET, "{dns_server}")


def test_the_task_s_offline_and_dns_server_decide_provider_auto_too(playbook, knot, counting_dns):
    """offline: true asks no DNS question even for provider: auto; dns_server is the one asked for it."""
    done = playbook.run(AUTO_TASKS.replace("{dns_server}", knot.address),
                        env={"MAILCONFIG_DNS_SERVER": counting_dns.address}, verbosity=3)
    assert done.returncode == 0, done.stdout[-3000:]
    assert sum(counting_dns.counts.values()) == 0, counting_dns.counts  # the environment's server was never asked
    assert no_secrets(done.stdout)
