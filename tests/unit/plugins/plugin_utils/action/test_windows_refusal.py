"""Windows hosts are refused in one line before connecting, with the way that works; other hosts pass."""

import types

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._windows import windows_refusal


def connection(transport, shell="sh"):
    return types.SimpleNamespace(transport=transport, _shell=types.SimpleNamespace(SHELL_FAMILY=shell))


def task(delegate_to=None):
    return types.SimpleNamespace(delegate_to=delegate_to)


@pytest.mark.parametrize("transport, shell, expected", [
    ("winrm", "powershell", "connection winrm"),
    ("psrp", "powershell", "connection psrp"),
    ("ssh", "powershell", "connection ssh, PowerShell"),
])
def test_windows_connections_are_refused_naming_the_variable(transport, shell, expected):
    text = windows_refusal(
        connection(transport, shell), task(), {"inventory_hostname": "od-practice"}, "mail_account_apply_from"
    )
    assert text.startswith("od-practice is a Windows host (%s)" % expected)
    assert "mail_account_apply_from: controller" in text and "\n" not in text


def test_windows_facts_are_refused_unless_the_step_is_delegated():
    facts = {"inventory_hostname": "od-practice", "ansible_facts": {"os_family": "Windows"}}
    assert "its facts say Windows" in windows_refusal(connection("ssh"), task(), facts, "mail_account_verify_from")
    assert windows_refusal(connection("local"), task("localhost"), facts, "mail_account_verify_from") == ""


@pytest.mark.parametrize("transport", ["local", "ssh", "paramiko", "docker"])
def test_other_hosts_pass(transport):
    assert windows_refusal(connection(transport), task(), {"ansible_facts": {"os_family": "Debian"}}, "x") == ""
