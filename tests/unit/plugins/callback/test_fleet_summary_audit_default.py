"""Every settings change reaches the audit log, though the run asked for no report and named no log."""

import json
from types import SimpleNamespace

from ansible_collections.mailops.mailconfig.plugins.callback.fleet_summary import CallbackModule
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _audit_log

WRITTEN = {
    "changed": True,
    "outcome": "written",
    "changed_keys": ["email.address"],
    "store": {"type": "sqlite", "path": "/srv/a.db"},
}


def _apply(practice, data, check_mode=False):
    task = SimpleNamespace(
        resolved_action="mailops.mailconfig.mail_account", action="mail_account", check_mode=check_mode
    )
    return SimpleNamespace(
        _task=task, _host=SimpleNamespace(get_name=lambda: practice), _task_fields={"args": {}}, _result=data
    )


def _summary():
    summary = CallbackModule()
    summary._plugin_options = {
        "audit_log": None,
        "report": None,
    }  # neither MAILCONFIG_AUDIT_LOG nor MAILCONFIG_REPORT set
    return summary


def test_a_change_is_logged_in_the_state_folder_without_a_report(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILCONFIG_STATE_DIR", str(tmp_path / "state"))
    summary = _summary()
    summary.v2_runner_on_ok(_apply("smiles", WRITTEN))
    summary.v2_runner_on_ok(_apply("molars", dict(WRITTEN, changed=False, outcome="unchanged", changed_keys=[])))
    summary.v2_runner_on_ok(_apply("pearly", WRITTEN, check_mode=True))  # a dry run changes nothing to log
    with open(str(tmp_path / "state" / "audit.jsonl"), encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert [(line["practice"], line["keys"], line["outcome"]) for line in lines] == [
        ("smiles", ["email.address"], "written")
    ]


def test_the_default_folder_follows_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MAILCONFIG_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert _audit_log.default_path() == str(tmp_path / "xdg" / "mailconfig" / "audit.jsonl")
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _audit_log.default_path() == str(tmp_path / "home" / ".local" / "state" / "mailconfig" / "audit.jsonl")


def test_a_named_log_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILCONFIG_STATE_DIR", str(tmp_path / "state"))
    summary = _summary()
    summary._plugin_options["audit_log"] = str(tmp_path / "volume" / "trail.jsonl")
    summary.v2_runner_on_failed(_apply("smiles", dict(WRITTEN, changed=False, outcome="kept_previous")))
    assert json.loads((tmp_path / "volume" / "trail.jsonl").read_text())["outcome"] == "kept_previous"
    assert not (tmp_path / "state").exists()
