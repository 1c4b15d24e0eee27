"""EXACT's setup sheet: the wizard's screens in order with the exact values, IMAP or POP, EXACT's own OAuth sign-in for
Microsoft 365 and Gmail, never a secret (Markdown, HTML, entry file and index), written only when it changes."""

import os

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _setup_sheet, _setup_sheet_files

PASSWORD = "Sheet-Secret-Pw-4711"
BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "ionos_uk",
        "auth": {"method": "password", "password": PASSWORD}, "incoming": {"protocol": "imap"},
        "sending": {"rate_per_minute": 3}, "practice": {"update_contact_email": True}}


def normalised(**changes):
    checked = check(dict(BASE, **changes), application="exact")
    assert checked.normalised is not None, [f.text() for f in checked.findings]
    return checked.normalised


def steps(sheet):
    return [(step["field"], step["do"], step["value"]) for screen in sheet["screens"] for step in screen["steps"]]


def test_imap_sheet_lists_the_wizard_screens_in_order_with_exact_values():
    sheet = _setup_sheet.build("smiles-exact", "exact", normalised())
    assert [screen["title"] for screen in sheet["screens"]] == [
        "Practice email account", "Incoming mail", "Outgoing mail", "Sending rate", "Finish"]
    assert steps(sheet) == [
        ("Practice email Address", "type", "reception@smiles-dental.co.uk"),
        ("User Name", "type", "reception@smiles-dental.co.uk"),
        ("Password", "type the password", ""),
        ("Enable incoming mail", "tick", ""),
        ("Incoming Mail Server", "type", "imap.ionos.co.uk"),
        ("IMAP (port 993)", "tick", ""),
        ("POP (port 995)", "leave clear", ""),
        ("Outgoing Mail Server", "type", "smtp.ionos.co.uk"),
        ("Port", "type", "465"),
        ("Use Authentication", "tick", ""),
        ("Test Credentials", "press", ""),
        ("Limit the sending rate", "tick", ""),
        ("Messages per minute", "type", "3"),
        ("Next", "press", ""),
        ("Finish", "press", ""),
        ("Update the practice information with this address?", "answer", "Yes"),
    ]
    assert sheet["status"] == "awaiting entry"
    assert "Test Successful" in _setup_sheet.markdown(sheet)


def test_pop_sheet_ticks_pop_and_warns_that_it_moves_all_mail():
    sheet = _setup_sheet.build("p", "exact", normalised(incoming={"protocol": "pop3", "acknowledge_mail_removal": True}))
    chosen = dict(((field, do) for field, do, _value in steps(sheet)))
    assert chosen["POP (port 995)"] == "tick" and chosen["IMAP (port 993)"] == "leave clear"
    assert ("Incoming Mail Server", "type", "pop.ionos.co.uk") in steps(sheet)
    assert "moves all mail into EXACT" in _setup_sheet.markdown(sheet)


def test_no_incoming_mail_leaves_the_box_clear_and_skips_its_fields():
    sheet = _setup_sheet.build("p", "exact", normalised(incoming={"enabled": False}, practice={"update_contact_email": False}))
    fields = [field for field, _do, _value in steps(sheet)]
    assert ("Enable incoming mail", "leave clear", "") in steps(sheet)
    assert "Incoming Mail Server" not in fields and "IMAP (port 993)" not in fields
    assert ("Update the practice information with this address?", "answer", "No") in steps(sheet)


GRANT = {"method": "oauth2", "oauth2": {"tenant": "smiles.onmicrosoft.com", "client_id": "c1", "refresh_token": "Rt-Sheet-08ab4f"}}


@pytest.mark.parametrize("provider, auth, sign_in", [("office365", GRANT, "Office 365 with OAuth 2.0"),
                                                     ("gmail", BASE["auth"], "Google (Gmail) with OAuth 2.0")])
def test_microsoft_365_and_gmail_use_exacts_own_oauth_sign_in_never_a_password(provider, auth, sign_in):
    sheet = _setup_sheet.build("p", "exact", normalised(provider=provider, auth=auth))
    assert ("Sign-in method", "choose", sign_in) in steps(sheet)
    assert "Password" not in [field for field, _do, _value in steps(sheet)]
    assert "--show-secret" not in _setup_sheet.markdown(sheet) and "Rt-Sheet-08ab4f" not in _setup_sheet.page(sheet)


def test_no_rendering_holds_the_password_and_the_sheet_says_how_to_see_it(tmp_path):
    sheet = _setup_sheet.build("smiles-exact", "exact", normalised(), entered="2026-12-01")
    changed, paths = _setup_sheet_files.write(str(tmp_path), sheet)
    assert changed and sorted(os.listdir(str(tmp_path))) == [
        ".index.lock", "index.html", "index.md", "smiles-exact.html", "smiles-exact.json", "smiles-exact.md"]
    for name in os.listdir(str(tmp_path)):
        with open(str(tmp_path / name), encoding="utf-8") as handle:
            assert PASSWORD not in handle.read(), name
    with open(paths["markdown"], encoding="utf-8") as handle:
        text = handle.read()
    assert "bin/mailconfig-sheet -i INVENTORY smiles-exact --show-secret" in text
    assert "Status: entered 2026-12-01" in text and "only EXACT's own Test Credentials button proves that" in text
    with open(paths["html"], encoding="utf-8") as handle:
        assert "<code>reception@smiles-dental.co.uk</code>" in handle.read()


def test_a_profile_step_that_would_show_a_secret_is_refused():
    with pytest.raises(_setup_sheet.SheetError, match="would put the secret email.auth.password"):
        _setup_sheet._step({"field": "Password", "setting": "email.auth.password"}, {}, {}, "p")


def test_written_only_when_changed_and_check_mode_writes_nothing(tmp_path):
    folder = str(tmp_path / "sheets")
    sheet = _setup_sheet.build("smiles-exact", "exact", normalised())
    assert _setup_sheet_files.write(folder, sheet, dry=True)[0] and not os.path.exists(folder)
    assert _setup_sheet_files.write(folder, sheet)[0]
    before = os.stat(os.path.join(folder, "smiles-exact.md")).st_mtime_ns
    assert not _setup_sheet_files.write(folder, sheet)[0]
    assert os.stat(os.path.join(folder, "smiles-exact.md")).st_mtime_ns == before
    assert _setup_sheet_files.write(folder, _setup_sheet.build("smiles-exact", "exact", normalised(), entered="2026-12-01"))[0]


def test_the_index_lists_every_sheet_in_the_folder_with_its_status(tmp_path):
    folder = str(tmp_path)
    _setup_sheet_files.write(folder, _setup_sheet.build("molar-exact", "exact", normalised(address="info@molar.co.uk"),
                                                        entered="2026-11-30"))
    _setup_sheet_files.write(folder, _setup_sheet.build("smiles-exact", "exact", normalised()))
    with open(os.path.join(folder, "index.md"), encoding="utf-8") as handle:
        index = handle.read()
    assert "| molar-exact | EXACT (Software of Excellence) | `info@molar.co.uk` | entered 2026-11-30 |" in index
    assert "| smiles-exact |" in index and "awaiting entry" in index
    with open(os.path.join(folder, "index.html"), encoding="utf-8") as handle:
        assert '<a href="smiles-exact.html">smiles-exact</a>' in handle.read()


@pytest.mark.parametrize("practice, stem", [("smiles-exact", "smiles-exact"), ("../etc/passwd", "_etc_passwd"), ("index", "index-practice")])
def test_file_names_stay_in_the_folder(practice, stem):
    assert _setup_sheet_files.file_name(practice) == stem
