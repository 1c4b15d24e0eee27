"""Normalisation: provider defaults fill the gaps, explicit values win, ports and
security follow the conventions, and the result is the complete shape modules expect."""

import copy
import pathlib

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import DECLARATION_ARGUMENT
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check_file
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._normalise import normalise
from tests.paths import REPO_ROOT

CORPUS = pathlib.Path(REPO_ROOT) / "tests" / "data" / "declarations"
LIVE_PROVIDERS = sorted(k for k, e in _catalogue.providers().items() if k in _catalogue.live_keys())
SHAPE = {
    "schema_version": None, "address": None, "display_name": None, "provider": None, "username": None,
    "auth": {"method": None, "password": None, "oauth2": None},
    "outgoing": {"host": None, "port": None, "security": None, "authenticate": None, "allow_plaintext_login": None},
    "incoming": {"enabled": None, "protocol": None, "host": None, "port": None, "security": None,
                 "leave_copy_on_server": None, "acknowledge_mail_removal": None, "allow_plaintext_login": None},
    "sending": {"rate_per_minute": None},
    "practice": {"update_contact_email": None},
}
OAUTH2_KEYS = {"tenant", "token_endpoint", "client_id", "client_secret", "refresh_token", "scopes"}


def declaration(provider="ionos_uk", **changes):
    data = {"schema_version": 1, "address": "reception@castlegate-dental.co.uk", "provider": provider,
            "auth": {"method": "password", "password": "Normalise-Pw-1"}}
    data.update(changes)
    return data


def run(data):
    return normalise(data, _catalogue.provider(data["provider"]))


def _shape_of(value, template):
    if isinstance(template, dict):
        assert isinstance(value, dict) and set(value) == set(template)
        for key, sub in template.items():
            _shape_of(value[key], sub)


@pytest.mark.parametrize("provider", LIVE_PROVIDERS)
def test_provider_defaults_fill_every_server(provider):
    entry = _catalogue.provider(provider)
    result = run(declaration(provider, incoming={"protocol": "imap"}))
    assert {k: result["outgoing"][k] for k in ("host", "port", "security")} == entry["outgoing"]
    assert {k: result["incoming"][k] for k in ("host", "port", "security")} == entry["incoming"]["imap"]
    assert result["outgoing"]["authenticate"] is True


@pytest.mark.parametrize("provider", [key for key in LIVE_PROVIDERS if "pop3" in _catalogue.provider(key)["incoming"]])
def test_provider_defaults_for_pop3(provider):
    published = dict(_catalogue.provider(provider)["incoming"]["pop3"])
    published.pop("leave_copy_available", None)
    result = run(declaration(provider, incoming={"protocol": "pop3", "acknowledge_mail_removal": True}))
    assert {k: result["incoming"][k] for k in ("host", "port", "security")} == published
    assert result["incoming"]["acknowledge_mail_removal"] is True


@pytest.mark.parametrize(
    "field, value", [("host", "smtp.castlegate-dental.co.uk"), ("port", 587), ("security", "starttls")]
)
def test_an_explicit_outgoing_value_wins(field, value):
    assert run(declaration(outgoing={field: value}))["outgoing"][field] == value


def test_explicit_port_and_security_are_kept_together():
    result = run(declaration("gmail", outgoing={"port": 2525, "security": "starttls"}))["outgoing"]
    assert result == {"host": "smtp.gmail.com", "port": 2525, "security": "starttls", "authenticate": True,
                      "allow_plaintext_login": False}


def test_one_explicit_half_takes_its_partner_from_the_convention_not_the_catalogue():
    # Gmail publishes 465/tls; a declaration that says starttls means 587, not 465.
    assert run(declaration("gmail", outgoing={"security": "starttls"}))["outgoing"]["port"] == 587
    assert run(declaration("gmail", outgoing={"port": 587}))["outgoing"]["security"] == "starttls"


@pytest.mark.parametrize("port, security", [(465, "tls"), (587, "starttls"), (25, "starttls"), (2525, "tls")])
def test_smtp_security_follows_the_port(port, security):
    assert (
        run(declaration("other", outgoing={"host": "mail.castlegate-dental.co.uk", "port": port}))["outgoing"][
            "security"
        ]
        == security
    )


@pytest.mark.parametrize("protocol, port, security", [
    ("imap", 993, "tls"), ("imap", 143, "starttls"), ("pop3", 995, "tls"), ("pop3", 110, "starttls"),
])
def test_incoming_security_follows_the_port(protocol, port, security):
    incoming = {"protocol": protocol, "host": "mail.castlegate-dental.co.uk", "port": port}
    assert run(declaration("other", incoming=incoming))["incoming"]["security"] == security


@pytest.mark.parametrize("protocol, security, port", [
    ("smtp", "tls", 465), ("smtp", "starttls", 587), ("smtp", "none", 25),
    ("imap", "tls", 993), ("imap", "starttls", 143), ("imap", "none", 143),
    ("pop3", "tls", 995), ("pop3", "starttls", 110), ("pop3", "none", 110),
])
def test_the_port_follows_the_security(protocol, security, port):
    server = {"host": "mail.castlegate-dental.co.uk", "security": security}
    if protocol == "smtp":
        assert run(declaration("other", outgoing=server))["outgoing"]["port"] == port
    else:
        assert run(declaration("other", incoming=dict(server, protocol=protocol)))["incoming"]["port"] == port


def test_other_without_servers_leaves_them_empty_for_mc504():
    result = run(declaration("other", incoming={"protocol": "imap"}))
    assert (result["outgoing"]["host"], result["outgoing"]["port"], result["outgoing"]["security"]) == (
        None,
        None,
        None,
    )
    assert (result["incoming"]["host"], result["incoming"]["port"], result["incoming"]["security"]) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "incoming", [None, {"enabled": False}, {"enabled": False, "protocol": "pop3", "host": "pop.ionos.co.uk"}]
)
def test_disabled_incoming_is_empty(incoming):
    data = declaration() if incoming is None else declaration(incoming=incoming)
    assert run(data)["incoming"] == {"enabled": False, "protocol": None, "host": None, "port": None, "security": None,
                                     "leave_copy_on_server": False, "acknowledge_mail_removal": False,
                                     "allow_plaintext_login": False}


def test_enabled_defaults_to_true_and_protocol_to_imap_when_incoming_is_given():
    result = run(declaration(incoming={"host": "imap.ionos.co.uk"}))["incoming"]
    assert result["enabled"] is True and result["protocol"] == "imap" and result["port"] == 993


def test_pop3_options_are_dropped_on_imap():
    result = run(
        declaration(incoming={"protocol": "imap", "leave_copy_on_server": True, "acknowledge_mail_removal": True})
    )
    assert (
        result["incoming"]["leave_copy_on_server"] is False and result["incoming"]["acknowledge_mail_removal"] is False
    )


def test_the_top_level_defaults():
    result = run(declaration())
    assert result["username"] == "reception@castlegate-dental.co.uk"
    assert result["display_name"] is None
    assert result["sending"] == {"rate_per_minute": 3}
    assert result["practice"] == {"update_contact_email": False}
    assert result["auth"] == {"method": "password", "password": "Normalise-Pw-1", "oauth2": None}


def test_explicit_top_level_values_win():
    result = run(declaration(username="cg-reception", display_name="Castlegate Dental", sending={"rate_per_minute": 2},
                             practice={"update_contact_email": True}, outgoing={"authenticate": False}))
    assert (result["username"], result["display_name"]) == ("cg-reception", "Castlegate Dental")
    assert result["sending"]["rate_per_minute"] == 2 and result["practice"]["update_contact_email"] is True
    assert result["outgoing"]["authenticate"] is False


def test_oauth2_endpoint_from_the_tenant_and_scopes_from_the_catalogue():
    grant = {"tenant": "castlegate.onmicrosoft.com", "client_id": "c-1", "refresh_token": "Normalise-Rt-1"}
    result = run(declaration("office365", auth={"method": "oauth2", "oauth2": grant}))
    oauth2 = result["auth"]["oauth2"]
    assert set(oauth2) == OAUTH2_KEYS
    assert oauth2["token_endpoint"] == "https://login.microsoftonline.com/castlegate.onmicrosoft.com/oauth2/v2.0/token"
    assert oauth2["scopes"] == _catalogue.provider("office365")["oauth2"]["scopes"]
    assert oauth2["client_secret"] is None and result["auth"]["password"] is None


def test_explicit_oauth2_endpoint_and_scopes_win():
    grant = {"tenant": "castlegate.onmicrosoft.com", "token_endpoint": "https://login.castlegate-idp.co.uk/token",
             "client_id": "c-1", "client_secret": "Normalise-Cs-1", "scopes": ["offline_access"]}
    oauth2 = run(declaration("office365", auth={"method": "oauth2", "oauth2": grant}))["auth"]["oauth2"]
    assert oauth2["token_endpoint"] == "https://login.castlegate-idp.co.uk/token"
    assert oauth2["scopes"] == ["offline_access"]


def test_no_endpoint_without_a_tenant_or_template():
    grant = {"client_id": "c-1", "refresh_token": "Normalise-Rt-1"}
    assert (
        run(declaration("office365", auth={"method": "oauth2", "oauth2": grant}))["auth"]["oauth2"]["token_endpoint"]
        is None
    )
    assert (
        run(declaration("ionos_uk", auth={"method": "oauth2", "oauth2": grant}))["auth"]["oauth2"]["token_endpoint"]
        is None
    )


def test_a_password_left_beside_an_oauth2_grant_is_not_passed_on():
    auth = {
        "method": "oauth2",
        "password": "Normalise-Stale-Pw",
        "oauth2": {"client_id": "c-1", "refresh_token": "Normalise-Rt-1"},
    }
    assert run(declaration("gmail", auth=auth))["auth"]["password"] is None


def test_a_grant_left_beside_a_password_is_not_passed_on():
    auth = {
        "method": "password",
        "password": "Normalise-Pw-2",
        "oauth2": {"client_id": "c-1", "refresh_token": "Normalise-Stale-Rt"},
    }
    assert run(declaration("gmail", auth=auth))["auth"] == {
        "method": "password",
        "password": "Normalise-Pw-2",
        "oauth2": None,
    }


def test_the_result_shares_nothing_with_the_declaration_or_the_catalogue():
    scopes_before = copy.deepcopy(_catalogue.provider("gmail")["oauth2"]["scopes"])
    data = declaration(
        "gmail",
        auth={"method": "oauth2", "oauth2": {"client_id": "c-1", "refresh_token": "Normalise-Rt-1"}},
        incoming={"protocol": "imap"},
    )
    before = copy.deepcopy(data)
    result = run(data)
    result["auth"]["oauth2"]["scopes"].append("mutated")
    result["outgoing"]["host"] = "mutated"
    result["incoming"]["host"] = "mutated"
    assert data == before
    assert _catalogue.provider("gmail")["oauth2"]["scopes"] == scopes_before
    assert run(data)["outgoing"]["host"] == "smtp.gmail.com"


CLEAN_FILES = sorted(CORPUS.glob("ok-*.yml"))


@pytest.mark.parametrize("path", CLEAN_FILES, ids=[p.name for p in CLEAN_FILES])
def test_every_clean_corpus_file_normalises_to_the_full_shape(path):
    result = check_file(str(path)).normalised
    _shape_of(result, SHAPE)
    if result["auth"]["oauth2"] is not None:
        assert set(result["auth"]["oauth2"]) == OAUTH2_KEYS


def _without_none(value):
    return {k: _without_none(v) for k, v in value.items() if v is not None} if isinstance(value, dict) else value


@pytest.mark.parametrize("path", CLEAN_FILES, ids=[p.name for p in CLEAN_FILES])
def test_the_module_argument_spec_round_trips_every_normalised_declaration(path):
    """The controller's output is what the target-side argument spec expects.

    Ansible checks ``choices`` on explicit None values (incoming disabled has protocol
    and security None), so an action sends the declaration without its None leaves;
    the spec must put back exactly the normalised declaration, secrets marked no_log.
    """
    normalised = check_file(str(path)).normalised
    result = ArgumentSpecValidator({"declaration": DECLARATION_ARGUMENT}).validate(
        {"declaration": _without_none(normalised)}
    )
    assert result.error_messages == []
    validated = result.validated_parameters["declaration"]
    assert {k: validated[k] for k in normalised} == normalised
    secrets = [normalised["auth"]["password"]] + [
        (normalised["auth"]["oauth2"] or {}).get(k) for k in ("client_secret", "refresh_token")
    ]
    assert {s for s in secrets if s} <= result._no_log_values  # pylint: disable=protected-access
