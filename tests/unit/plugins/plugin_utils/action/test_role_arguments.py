"""The role's variables checked for a batch: the same spec file and entry points as Ansible's own per-host check."""

import pytest
import yaml
from ansible.errors import AnsibleUndefinedVariable

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _role_arguments
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _deadlines

SECRET = "Role-Var-Secret-4242"


class HostVars(dict):
    """A host's variables as hostvars gives them: a name whose template fails raises on access."""

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        if value == "{{ undefined }}":
            raise AnsibleUndefinedVariable("'undefined' is undefined")
        return value


def test_every_entry_point_of_the_spec_file_is_used_as_written():
    with open(_role_arguments.SPEC_FILE, encoding="utf-8") as handle:
        specs = yaml.safe_load(handle)["argument_specs"]
    for name, entry in specs.items():
        assert _role_arguments.options(name) == entry["options"]
    with pytest.raises(_role_arguments.UnknownEntryPoint, match="has: after_save, apply, main"):
        _role_arguments.options("rollout")


def test_unset_variables_take_the_spec_defaults():
    params, errors = _role_arguments.check(HostVars(mail_account={"address": "a@b.example"}), "main")
    assert errors == []
    assert params["mail_account_store"]["type"] == "sqlite" and params["mail_account_verify_from"] == "site"


def test_wrong_values_are_named_and_secrets_are_hidden():
    host = HostVars(mail_account={}, mail_account_state="gone", mail_account_update_password=SECRET,
                    mail_account_verify_timeout="soon", mail_account_key_map="{{ undefined }}")
    _params, errors = _role_arguments.check(host, "main", secrets=[SECRET, None])
    text = "\n".join(errors)
    assert "mail_account_state must be one of: present, absent, restored, got: gone" in text
    assert "mail_account_update_password" in text and SECRET not in text and "********" in text
    assert "mail_account_verify_timeout" in text
    assert (
        "mail_account_key_map cannot be resolved" in text and "'undefined' is undefined" not in text
    )  # the error is not quoted


def test_given_values_and_unchecked_names():
    _params, errors = _role_arguments.check(HostVars(), "main")
    assert errors == ["missing required arguments: mail_account"]
    assert _role_arguments.check(HostVars(), "main", unchecked=["mail_account"])[1] == []
    assert _role_arguments.check(HostVars(), "main", given={"mail_account": {}, "not_in_spec": 1})[1] == []


def test_verify_entry_point_ignores_the_store():
    params, errors = _role_arguments.check(HostVars(mail_account={}, mail_account_store="not a dict"), "verify")
    assert errors == [] and "mail_account_store" not in params


def test_deadlines_of_a_later_batch_replace_only_their_practices():
    row = {
        "date": "2026-12-31",
        "code": "MC302",
        "what": "x",
        "provider": "office365",
        "severity": "warning",
        "to_do": "y",
    }
    first = [dict(row, practice="p1"), dict(row, practice="p2")]
    later = [dict(row, practice="p2", date="2026-06-01")]
    assert [(r["practice"], r["date"]) for r in _deadlines.merged(first, later, ["p2", "p3"])] == [
        ("p2", "2026-06-01"),
        ("p1", "2026-12-31"),
    ]
