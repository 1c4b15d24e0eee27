"""The diff of a file store never shows an old secret, however the file spells it."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A, apply, plan, store

OLD = "Old-Stored-Secret-3141"
OTHER = "Another-Old-Secret-2718"


@pytest.mark.parametrize("module, kind, name, text", [
    # PHP's json_encode escapes "/" and non-ASCII: the raw text never contains the plain secret.
    (JsonStore, "json", "app.json", '{"email": {"auth": {"password": "%s\\/x\\u00e9"}}}\n' % OLD),
    # a repeated key: a parser keeps one value, the raw text holds both
    (JsonStore, "json", "app.json", '{"email": {"auth": {"password": "%s", "password": "%s"}}}\n' % (OTHER, OLD)),
    (IniStore, "ini", "app.ini", "[email]\nauth.password = %s\nauth.password = %s\n" % (OLD, OTHER)),
    (IniStore, "ini", "app.ini", "[email]\nauth.password = %s\n" % OLD),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_old_secrets_are_masked_in_both_sides_of_the_diff(tmp_path, module, kind, name, text, check_mode):
    path = tmp_path / name
    path.write_text(text)
    outcome = apply(module, plan(), store(kind, path), check_mode=check_mode)
    assert outcome.changed
    for side in (outcome.before, outcome.after):
        assert OLD not in side and OTHER not in side
        assert "3141" not in side and "2718" not in side
    assert "********" in outcome.before and "********" in outcome.after


def test_an_unchanged_secret_is_masked_too(tmp_path):
    path = tmp_path / "app.ini"
    apply(IniStore, plan(), store("ini", path, create=True))
    outcome = apply(IniStore, plan(), store("ini", path))
    assert not outcome.changed
    assert PASSWORD_A not in outcome.before + outcome.after
    assert "auth.password = ********" in outcome.before


def test_a_symlinked_store_stays_a_link_to_the_updated_file(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "app.ini"
    target.write_text("[general]\nlanguage = en-GB\n")
    link = tmp_path / "app.ini"
    link.symlink_to(target)
    assert apply(IniStore, plan(), store("ini", link, follow=True)).changed
    assert link.is_symlink()
    assert "[email]" in target.read_text() and "language = en-GB" in target.read_text()
