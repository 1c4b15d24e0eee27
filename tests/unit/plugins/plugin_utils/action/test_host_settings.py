"""Each practice's own verification settings for the controller's batch (issue 25, break 1)."""

import os

import yaml

from tests.conftest import ROOT
from ansible_collections.mailops.mailconfig.plugins.action.mail_verify_batch import (
    ARGUMENT_SPEC,
    PER_HOST,
    ROLE_VARIABLES,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._host_settings import HostSettings

GIVEN = {"timeout": 20.0, "ca_path": "/etc/first-ca.pem", "validate_certs": True, "plaintext_allowed_hosts": [],
         "retry_failed_secret": False, "verify_from": "controller"}


def settings(first):
    return HostSettings(ARGUMENT_SPEC, GIVEN, PER_HOST, ROLE_VARIABLES, first)


def test_a_practice_s_own_values_win_converted_to_the_options_types():
    own, problem = settings({}).of(
        {
            "mail_account_verify_timeout": "3",
            "mail_account_verify_ca_path": "/etc/own-ca.pem",
            "mail_account_verify_deadline": 0,
            "mail_account_retry_failed_secret": "yes",
        }
    )
    assert problem is None
    assert own["timeout"] == 3.0 and own["ca_path"] == "/etc/own-ca.pem" and own["retry_failed_secret"] is True
    assert own["deadline"] is None  # 0, the role's default, means the module's own deadline


def test_a_practice_without_its_own_value_gets_the_task_s_unless_it_was_the_first_host_s_own():
    first = {
        "mail_account_verify_timeout": 20,
        "mail_account_verify_from": "controller",
    }  # the run_once host's host_vars
    own, _problem = settings(first).of({})
    assert own["timeout"] == 15  # the option's default, not the first host's 20
    assert own["verify_from"] is None  # so that a practice left at the default (site) checks from its site
    assert own["ca_path"] == "/etc/first-ca.pem"  # the first host sets none: the play's value
    assert settings({}).of({})[0]["timeout"] == 20.0


def test_a_bad_value_names_the_variable():
    own, problem = settings({}).of({"mail_account_verify_timeout": "soon"})
    assert own == {} and "mail_account_verify_timeout" in problem


def test_the_role_s_defaults_mean_what_the_batch_s_defaults_mean():
    """A practice that sets nothing gets the option's default when the first host sets its own: they must agree."""
    with open(os.path.join(ROOT, "roles", "mail_account", "defaults", "main.yml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    for option, variable in ROLE_VARIABLES.items():
        role = defaults[variable] or None
        batch = ARGUMENT_SPEC[option].get("default") or None
        assert role == batch or (option == "verify_from" and role == "site" and batch is None), (option, role, batch)


def test_the_documentation_lists_every_option_and_the_role_variables():
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.mailops.mailconfig.plugins.modules import mail_verify_batch
    options = yaml.safe_load(mail_verify_batch.DOCUMENTATION)["options"]
    assert set(options) == set(ARGUMENT_SPEC)
    assert options["host_variables"]["default"] == ROLE_VARIABLES
