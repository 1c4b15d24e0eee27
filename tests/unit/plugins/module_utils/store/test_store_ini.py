"""The INI store: line-based editing that keeps comments, blank lines, other sections and key order."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_A, PASSWORD_B, apply, file_bytes, no_secret_in, plain_plan, plan, raw_declaration, store)

APP = """\
; Practice application settings
# edited by hand, keep the comments

[general]
theme = dark
language=en-GB

[email]
; the signature is ours, not mailconfig's
signature = Kind regards
outgoing.host=old.example.org
outgoing.port : 25

[printing]
tray = 2
"""


def write(tmp_path, text=APP, name="app.ini"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_only_our_lines_change(tmp_path):
    path = write(tmp_path)
    apply(IniStore, plan(), store("ini", path))
    ours = """\
outgoing.host=smtp.ionos.co.uk
outgoing.port : 465
address = reception@smiles-dental.co.uk
display_name =
username = reception@smiles-dental.co.uk
auth.method = password
auth.password = %s
oauth2.tenant =
oauth2.token_endpoint =
oauth2.client_id =
oauth2.client_secret =
oauth2.refresh_token =
oauth2.scopes =
outgoing.security = tls
outgoing.authenticate = true
incoming.enabled = true
incoming.protocol = imap
incoming.host = imap.ionos.co.uk
incoming.port = 993
incoming.security = tls
incoming.leave_copy_on_server = false
sending.rate_per_minute = 3
""" % PASSWORD_A
    # a changed line keeps its own spacing and delimiter; new keys follow the section's last key
    assert path.read_text() == APP.replace("outgoing.host=old.example.org\noutgoing.port : 25\n", ours)


def test_second_run_is_idempotent(tmp_path):
    path = write(tmp_path)
    apply(IniStore, plan(), store("ini", path))
    text = path.read_text()
    assert not apply(IniStore, plan(), store("ini", path)).changed
    assert path.read_text() == text


def test_new_section_goes_at_the_end_after_a_blank_line(tmp_path):
    path = write(tmp_path, "[general]\ntheme = dark")  # no final newline
    apply(IniStore, plain_plan({"email.address": "a@b.example", "email.outgoing.port": 587}), store("ini", path))
    assert path.read_text() == "[general]\ntheme = dark\n\n[email]\naddress = a@b.example\noutgoing.port = 587\n"


def test_new_file(tmp_path):
    path = tmp_path / "new.ini"
    apply(IniStore, plain_plan({"email.address": "a@b.example", "email.display_name": None}), store("ini", path, create=True))
    assert path.read_text() == "[email]\naddress = a@b.example\ndisplay_name =\n"


def test_crlf_line_endings_are_kept(tmp_path):
    path = write(tmp_path, "[general]\r\ntheme = dark\r\n\r\n[email]\r\naddress = old@b.example\r\n")
    apply(IniStore, plain_plan({"email.address": "a@b.example", "email.username": "a"}), store("ini", path))
    assert file_bytes(path) == b"[general]\r\ntheme = dark\r\n\r\n[email]\r\naddress = a@b.example\r\nusername = a\r\n"


def test_duplicates_of_our_keys_are_collapsed_into_the_first(tmp_path):
    path = write(tmp_path, "[email]\naddress = one\nother = x\naddress = two\n\n[email]\naddress = three\n")
    apply(IniStore, plain_plan({"email.address": "a@b.example"}), store("ini", path))
    assert path.read_text() == "[email]\naddress = a@b.example\nother = x\n"


def test_ini_section_puts_every_key_with_its_full_name_under_one_section(tmp_path):
    path = write(tmp_path)
    apply(IniStore, plan(key_map={"email.address": "from"}), store("ini", path, ini_section="mailconfig"))
    text = path.read_text()
    assert text.startswith(APP) and "\n[mailconfig]\nfrom = reception@smiles-dental.co.uk\nemail.display_name =\n" in text


def test_absent_removes_our_lines_and_a_section_left_empty(tmp_path):
    path = write(tmp_path)
    apply(IniStore, plan(), store("ini", path))
    apply(IniStore, plan(state="absent"), store("ini", path))
    expected = APP.replace("outgoing.host=old.example.org\noutgoing.port : 25\n", "")
    assert path.read_text() == expected
    apply(IniStore, plan(), store("ini", path, ini_section="mailconfig"))
    apply(IniStore, plan(state="absent"), store("ini", path, ini_section="mailconfig"))
    assert path.read_text() == expected  # the [mailconfig] section and the blank line before it are gone


def test_absent_keeps_a_section_that_still_has_comments(tmp_path):
    path = write(tmp_path, "[email]\n# keep me\naddress = a@b.example\n")
    apply(IniStore, plain_plan({"email.address": "x"}, state="absent"), store("ini", path))
    assert path.read_text() == "[email]\n# keep me\n"


def test_diff_is_the_masked_file_and_marks_the_changed_secret(tmp_path):
    path = write(tmp_path)
    apply(IniStore, plan(), store("ini", path))
    outcome = apply(IniStore, plan(raw_declaration(password=PASSWORD_B)), store("ini", path))
    assert "auth.password = ********\n" in outcome.before
    assert "auth.password = ******** (changed)\n" in outcome.after
    assert outcome.before.count("\n") == outcome.after.count("\n")
    assert not no_secret_in(outcome.before + outcome.after)


@pytest.mark.parametrize("value", ["two\nlines", " leading", "trailing ", "cr\rhere"])
def test_values_an_ini_line_cannot_hold_are_refused(tmp_path, value):
    path = write(tmp_path)
    with pytest.raises(StoreError) as error:
        apply(IniStore, plain_plan({"email.auth.password": value}, secrets=["email.auth.password"]), store("ini", path))
    assert str(error.value) == ("INI store %s: the value of email.auth.password cannot be kept on one INI line "
                                "(it has a line break or a space at either end)" % path)
    assert path.read_text() == APP


def test_key_without_section_needs_ini_section(tmp_path):
    path = write(tmp_path)
    with pytest.raises(StoreError, match="key SMTP_HOST has no section part: set store.ini_section"):
        apply(IniStore, plan(key_map={"email.outgoing.host": "SMTP_HOST"}), store("ini", path))
    assert path.read_text() == APP


def test_lines_that_are_not_entries_are_kept_verbatim(tmp_path):
    text = "stray line before any section\n[email]\nflag_without_value\n  indented = yes  \naddress = old\n"
    path = write(tmp_path, text)
    apply(IniStore, plain_plan({"email.address": "new"}), store("ini", path))
    assert path.read_text() == text.replace("address = old", "address = new")


CASED = """\
[Email]
Address = old@example.org
Auth.Password = Old-Pw-In-Caps-5522
  continued-on-a-second-line
Outgoing.Port = 25
"""


def test_windows_rule_matches_sections_and_keys_whatever_their_case_and_replaces_in_place(tmp_path):
    path = write(tmp_path, CASED)
    outcome = apply(IniStore, plan(), store("ini", path))
    text = path.read_text()
    assert text.startswith("[Email]\nAddress = reception@smiles-dental.co.uk\nAuth.Password = %s\nOutgoing.Port = 465\n" % PASSWORD_A)
    assert "[email]" not in text and text.lower().count("auth.password") == 1 and text.lower().count("[email]") == 1
    assert "continued-on-a-second-line" not in text  # the old value's continuation line went with it
    assert "Old-Pw" not in outcome.before + outcome.after and "email.auth.password = ********\n" in outcome.before
    assert not apply(IniStore, plan(), store("ini", path)).changed


def test_configparser_rule_folds_key_names_only(tmp_path):
    import configparser
    path = write(tmp_path, CASED)
    apply(IniStore, plan(), store("ini", path, ini_case="configparser"))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(path))  # one value per key: configparser accepts the file
    assert parser["email"]["auth.password"] == PASSWORD_A
    assert parser["Email"]["auth.password"] == "Old-Pw-In-Caps-5522\ncontinued-on-a-second-line"  # not ours there


def test_an_indented_key_under_ours_is_a_continuation_only_for_configparser(tmp_path):
    text = "[email]\naddress = old@example.org\n  theme = dark\n"
    windows = write(tmp_path, text, "w.ini")
    apply(IniStore, plan(), store("ini", windows))
    assert "  theme = dark\n" in windows.read_text()
    parser_style = write(tmp_path, text, "c.ini")
    apply(IniStore, plan(), store("ini", parser_style, ini_case="configparser"))
    assert "theme" not in parser_style.read_text()


NOTEPAD = "\ufeff[Email]\r\nAddress = old@example.org\r\nAUTH.PASSWORD = Old-Pw-Notepad-4411\r\n\r\n[General]\r\ntheme = dark\r\n"


def test_a_notepad_file_with_byte_order_mark_crlf_and_other_case_keeps_one_email_section(tmp_path):
    import configparser
    path = write(tmp_path, NOTEPAD)
    apply(
        IniStore,
        plain_plan({"email.address": "a@b.example", "email.auth.password": PASSWORD_A, "email.username": "a"}),
        store("ini", path),
    )
    data = file_bytes(path)
    assert data.startswith(b"\xef\xbb\xbf[Email]\r\n") and data.count(b"\xef\xbb\xbf") == 1  # kept, once, in front
    assert data.decode("utf-8-sig") == ("[Email]\r\nAddress = a@b.example\r\nAUTH.PASSWORD = %s\r\nusername = a\r\n\r\n"
                                        "[General]\r\ntheme = dark\r\n" % PASSWORD_A)
    parser = configparser.ConfigParser(interpolation=None)
    with open(str(path), encoding="utf-8-sig") as handle:  # how a Python application reads a Notepad file
        parser.read_file(handle)  # DuplicateSectionError if a second [Email] had been added
    assert parser.sections() == ["Email", "General"]
    assert (parser["Email"]["address"], parser["Email"]["auth.password"], parser["Email"]["username"]) == \
        ("a@b.example", PASSWORD_A, "a")
    assert not apply(IniStore, plain_plan({"email.address": "a@b.example", "email.auth.password": PASSWORD_A,
                                           "email.username": "a"}), store("ini", path)).changed
    assert file_bytes(path) == data


def test_a_byte_order_mark_alone_gets_our_section_after_it(tmp_path):
    path = write(tmp_path, "\ufeff")
    apply(IniStore, plain_plan({"email.address": "a@b.example"}), store("ini", path))
    assert file_bytes(path) == b"\xef\xbb\xbf[email]\naddress = a@b.example\n"
