"""playbooks/validate.yml and the mail_provider lookup through real ansible-playbook."""

import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATE = os.path.join(ROOT, "playbooks", "validate.yml")

GOOD = """\
mail_account:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: ionos_uk
  auth: {method: password, password: "Vault-Good-7781"}
  sending: {rate_per_minute: 3}
"""

BAD = """\
mail_account:
  schema_version: 1
  address: reception@molars.example.co.uk
  provider: office365
  auth:
    method: password
    password: 12345
  outgoing:
    port: 465
  sending: {rate_per_minute: 3}
"""

# A non-string password: the schema error must not quote it back.
SECRETS = ("Vault-Good-7781", "12345")


def inventory(playbook, hosts):
    playbook.write(
        "inv/hosts.yml", "all:\n  hosts:\n" + "".join("    %s:\n      ansible_host: 192.0.2.1\n" % h for h in hosts)
    )
    return os.path.join(str(playbook.tmp_path), "inv", "hosts.yml")


def test_valid_inventory_passes_without_connecting(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    result = playbook.run(VALIDATE, inventory=inventory(playbook, ["smiles"]))
    # ansible_host is an unroutable documentation address: any connection attempt would fail.
    assert result.returncode == 0, result.stdout
    assert "ok=1" in result.stdout
    assert "Vault-Good-7781" not in result.stdout


def test_bad_hosts_are_all_listed_with_file_line_and_code(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    playbook.write("inv/host_vars/molars.yml", BAD)
    result = playbook.run(VALIDATE, "-vvv", inventory=inventory(playbook, ["smiles", "molars", "empty"]))
    assert result.returncode == 2, result.stdout
    assert "2 of 3 declarations failed validation" in result.stdout
    assert "molars.yml:7:" in result.stdout and "auth.password error MC012" in result.stdout
    assert "molars.yml:9:" in result.stdout and "outgoing.port error MC204" in result.stdout
    assert "empty: no mail_account declaration" in result.stdout
    for secret in SECRETS:
        assert "password: %s" % secret not in result.stdout
    assert "Vault-Good-7781" not in result.stdout


def test_the_failure_lands_on_the_broken_practices_not_the_run_once_host(playbook):
    """Issue 25, 11: the recap (and AWX) mark the practices whose declaration is wrong, each with its own findings."""
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    playbook.write("inv/host_vars/molars.yml", BAD)
    result = playbook.run(VALIDATE, inventory=inventory(playbook, ["smiles", "molars", "empty"]))
    assert result.returncode == 2, result.stdout
    recap = dict(re.findall(r"^(\w+)\s+:.*failed=(\d+)", result.stdout.split("PLAY RECAP")[-1], re.M))
    assert recap == {"smiles": "0", "molars": "1", "empty": "1"}, result.stdout
    molars = re.search(r"^fatal: \[molars\]: FAILED! => (.*)$", result.stdout, re.M).group(1)
    assert "outgoing.port error MC204" in molars and "empty" not in molars
    assert "fatal: [smiles]" not in result.stdout


def test_strict_fails_on_warnings(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD.replace("rate_per_minute: 3", "rate_per_minute: 40"))
    inv = inventory(playbook, ["smiles"])
    assert playbook.run(VALIDATE, inventory=inv).returncode == 0
    strict = playbook.run(VALIDATE, "-e", "mail_account_validate_strict=true", inventory=inv)
    assert strict.returncode == 2
    assert "MC401" in strict.stdout


def test_runs_as_collection_playbook(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    result = playbook.run("mailops.mailconfig.validate", inventory=inventory(playbook, ["smiles"]))
    assert result.returncode == 0, result.stdout


def test_mail_provider_lookup(playbook):
    result = playbook.run("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.assert:
                that:
                  - lookup('mailops.mailconfig.mail_provider', 'gmail').outgoing.host == 'smtp.gmail.com'
                  - lookup('mailops.mailconfig.mail_provider', 'front.desk@hotmail.co.uk').key == 'outlook'
                  - lookup('mailops.mailconfig.mail_provider', 'office365').outgoing.port == 587
            - ansible.builtin.debug:
                msg: "{{ lookup('mailops.mailconfig.mail_provider', 'nobody@unknown-domain.example') }}"
              register: unknown
              ignore_errors: true
            - ansible.builtin.assert:
                that:
                  - unknown is failed
                  - "'Set provider explicitly' in unknown.msg"
        """, env={"MAILCONFIG_OFFLINE": "1"})
    assert result.returncode == 0, result.stdout


def test_strict_false_as_a_string_is_false_and_strict_failures_list_the_warning(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD.replace("rate_per_minute: 3", "rate_per_minute: 40"))
    inv = inventory(playbook, ["smiles"])
    assert playbook.run(VALIDATE, "-e", "mail_account_validate_strict=false", inventory=inv).returncode == 0
    strict = playbook.run(VALIDATE, "-e", "mail_account_validate_strict=yes", inventory=inv)
    assert "has 1 warning:" in strict.stdout and "sending.rate_per_minute warning MC401" in strict.stdout


def test_fleet_summary_has_a_row_per_host_after_validate(playbook):
    playbook.write("inv/host_vars/alpha.yml", GOOD)
    playbook.write("inv/host_vars/beta.yml", BAD)
    result = playbook.run(VALIDATE, inventory=inventory(playbook, ["alpha", "beta", "gamma"]),
                          env={"ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"})
    rows = {line.split()[0]: line.split() for line in result.stdout.split("MAIL ACCOUNTS")[1].splitlines()
            if line.split() and line.split()[0] in ("alpha", "beta", "gamma")}
    assert (
        rows["alpha"][1:3] == ["ionos_uk", "yes"]
        and rows["beta"][1:3] == ["office365", "no"]
        and rows["gamma"][2] == "no"
    )
    assert "MC" in " ".join(rows["beta"])
    assert "no_declaration" in rows["gamma"]
    assert "3 practices: 1 validated, 0 changed, 0 verified ok, 2 need attention" in result.stdout


def test_strict_typo_and_a_non_mapping_declaration_are_clear_failures(playbook):
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    typo = playbook.run(VALIDATE, "-e", "mail_account_validate_strict=ture",
                        inventory=inventory(playbook, ["smiles"]))
    assert typo.returncode == 2 and "argument 'strict'" in typo.stdout and "not a valid boolean" in typo.stdout
    result = playbook.run("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - mailops.mailconfig.mail_declaration:
                declarations: {a: oops, b: [1, 2]}
        """)
    assert result.returncode == 2
    assert result.stdout.count("MC002") >= 2 and "Traceback" not in result.stdout


def test_fleet_summary_lists_the_deadlines_by_date_in_the_table_and_the_json(playbook):
    """A month before Microsoft turns SMTP AUTH password login off by default: which practices are hit, soonest first."""
    playbook.write("inv/host_vars/alpha.yml", GOOD)
    playbook.write("inv/host_vars/delta.yml", GOOD.replace("ionos_uk", "office365").replace("smiles", "delta"))
    playbook.write(
        "inv/host_vars/epsilon.yml",
        GOOD.replace("ionos_uk", "nhsmail").replace("Vault-Good-7781", "Vault-Nhs-5512")
        + "  incoming: {protocol: imap}\n",
    )
    report = os.path.join(str(playbook.tmp_path), "reports", "fleet")
    result = playbook.run(
        VALIDATE,
        inventory=inventory(playbook, ["alpha", "delta", "epsilon"]),
        env={"ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary", "MAILCONFIG_REPORT": report},
    )
    assert "MAIL ACCOUNTS" in result.stdout, result.stdout[-4000:]
    summary = result.stdout.split("MAIL ACCOUNTS")[1]
    lines = [line for line in summary.splitlines() if line.startswith("deadline ")]
    assert [line.split("  ")[1:3] for line in lines] == [["nhsmail", "1 practice"], ["nhsmail", "1 practice"],
                                                         ["office365", "1 practice"]]
    assert [line.split()[1] for line in lines] == ["2023-05-25", "2026-12-31", "2026-12-31"]
    assert "MC303:" in lines[0] and "MC302:" in lines[2] and not [line for line in lines if "epsilon" in line]
    with open(report + ".json", encoding="utf-8") as handle:
        data = json.load(handle)
    groups = [(g["date"], g["provider"], g["practices"], [c["code"] for c in g["changes"]]) for g in data["deadlines"]]
    assert groups == [
        ("2023-05-25", "nhsmail", ["epsilon"], ["MC303"]), ("2026-12-31", "nhsmail", ["epsilon"], ["MC302"]),
        ("2026-12-31", "office365", ["delta"], ["MC302"])]
    assert all(c["what"] and "tenant admin can re-enable it" in c["to_do"] for c in data["deadlines"][2]["changes"])
    assert {r["practice"]: r["deadline"] for r in data["practices"]}["epsilon"] == "2023-05-25, 2026-12-31"
    page = open(report + ".html", encoding="utf-8").read()
    assert page.index("Deadlines") < page.index('<table id="practices">') and 'href="#p-delta"' in page
    for secret in ("Vault-Good-7781", "Vault-Nhs-5512"):
        assert secret not in result.stdout and secret not in json.dumps(data)
