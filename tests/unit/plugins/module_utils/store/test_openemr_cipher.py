"""OpenEMR's CryptoGen cipher against the vectors OpenEMR's own code made (tests/data/openemr/):
we open every value it wrote, refuse every invalid one, and what we write has its exact layout."""

import base64
import hashlib
import hmac
import json
import os
import re

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _aes_cbc
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import Unreadable, cipher_for, key_files
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._openemr_cipher import OpenemrCipher, seal
from tests.paths import REPO_ROOT

with open(os.path.join(REPO_ROOT, "tests", "data", "openemr", "vectors.json"), encoding="utf-8") as _handle:
    VECTORS = json.load(_handle)
KEYS = dict((row["name"], row["value"]) for row in VECTORS["keys_table"])
FILES = dict(VECTORS["key_files"])
SPEC = {"name": "openemr"}


def site(stored=None, keys=None, files=None):
    return {
        "stored": stored,
        "keys": dict(KEYS if keys is None else keys),
        "key_files": dict(FILES if files is None else files),
    }


def stored_of(version):
    return next(value["ciphertext"] for value in VECTORS["values"] if value["version"] == version)


def drive_pair(version):
    """The raw (AES, HMAC) keys of a version's key files, opened as the vectors' README describes (for the layout
    checks)."""
    word = {"006": "six", "007": "seven"}[version]
    keys = []
    for half in "ab":
        content = FILES[word + half]
        table_word = {"006": "six", "007": "seven"}[content[:3]]
        blob = base64.b64decode(content[3:])
        keys.append(_aes_cbc.decrypt(base64.b64decode(KEYS[table_word + "a"]), blob[48:64], blob[64:]))
    return keys


@pytest.mark.parametrize(
    "vector", VECTORS["values"], ids=lambda v: "%s-%dB" % (v["version"], v["plaintext_utf8_bytes"])
)
def test_every_value_openemr_wrote_decrypts(vector):
    assert cipher_for(SPEC, site()).decrypt(vector["ciphertext"]) == vector["plaintext"]


@pytest.mark.parametrize("invalid", VECTORS["invalid_values"], ids=lambda v: v["reason"][:30])
def test_every_invalid_value_is_unreadable(invalid):
    with pytest.raises(Unreadable):
        cipher_for(SPEC, site()).decrypt(invalid["value"])


@pytest.mark.parametrize("version", ["006", "007"])
def test_what_we_write_has_cryptogen_s_exact_layout_and_keeps_the_stored_version(version):
    cipher = cipher_for(SPEC, site(stored=stored_of(version)))
    aes, mac = drive_pair(version)
    for text in ("hunter2-Practice!", "pässwörd-ß-€-日本", "x" * 111, "0"):
        stored = cipher.encrypt(text)
        assert stored[:3] == version
        blob = base64.b64decode(stored[3:], validate=True)
        tag, iv, body = blob[:48], blob[48:64], blob[64:]
        assert hmac.compare_digest(tag, hmac.new(mac, iv + body, hashlib.sha384).digest())
        assert len(iv) == 16 and len(body) == 16 * (len(text.encode("utf-8")) // 16 + 1)
        assert _aes_cbc.decrypt(aes, iv, body).decode("utf-8") == text
        assert cipher.decrypt(stored) == text
        assert len(stored) <= 255
    assert cipher.encrypt("same") != cipher.encrypt("same")  # a new random IV each time
    assert cipher.encrypt("") == ""  # OpenEMR's screen stores an empty password empty


def test_stored_length_is_what_openemr_wrote_and_what_we_write():
    """The length lint (MC723) computes matches CryptoGen's output: 111 bytes fit gl_value's 255, 112 do not."""
    cipher = cipher_for(SPEC, site())
    for vector in VECTORS["values"]:
        assert (
            OpenemrCipher.stored_length(vector["plaintext_utf8_bytes"])
            == vector["ciphertext_chars"]
            == len(vector["ciphertext"])
        )
        if vector["plaintext"]:  # an empty password is stored empty (OpenEMR's screen does so too)
            assert len(cipher.encrypt(vector["plaintext"])) == vector["ciphertext_chars"]
    assert OpenemrCipher.stored_length(111) == 239 and OpenemrCipher.stored_length(112) == 259


def test_without_a_stored_value_the_newest_version_with_key_files_is_written():
    assert cipher_for(SPEC, site()).encrypt("a")[:3] == "007"
    six_only = dict((name, value) for name, value in FILES.items() if name.startswith("six"))
    assert cipher_for(SPEC, site(files=six_only)).encrypt("a")[:3] == "006"


def test_a_key_file_sealed_under_another_version_is_opened_with_the_pair_its_prefix_names():
    """An 8.0 site may seal a six* file as 007: the file's prefix, not its name, picks the keys table pair."""
    aes, mac = drive_pair("006")
    seven_table = (base64.b64decode(KEYS["sevena"]), base64.b64decode(KEYS["sevenb"]))
    files = dict(FILES, sixa=seal(seven_table, 7, aes), sixb=seal(seven_table, 7, mac))
    assert files["sixa"][:3] == "007"
    assert cipher_for(SPEC, site(stored=stored_of("006"), files=files)).decrypt(stored_of("006")) == "hunter2-Practice!"


@pytest.mark.parametrize(
    "stored, files, keys, message",
    [
        ("008" + stored_of("006")[3:], None, None, "version 008, which mailconfig does not know"),
        ("hunter2", None, None, "does not start with a CryptoGen version"),
        (None, {}, None, "has no key files sixa, sixb, sevena, sevenb: mailconfig never creates"),
        (
            stored_of("007"),
            {"sixa": FILES["sixa"], "sixb": FILES["sixb"]},
            None,
            "key file sevena (for version 007) is missing",
        ),
        (
            stored_of("006"),
            None,
            {"sevena": KEYS["sevena"], "sevenb": KEYS["sevenb"]},
            "sixa does not open with the site's keys table",
        ),
        (stored_of("007"), dict(FILES, sevenb=FILES["sixb"][:-8] + "AAAAAAA="), None, "sevenb does not open"),
    ],
)
def test_site_problems_are_clear_errors_without_any_key_or_value(stored, files, keys, message):
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        OpenemrCipher(site(stored=stored, files=files, keys=keys))
    text = str(raised.value)
    assert not any(secret in text for secret in list(KEYS.values()) + list(FILES.values()) + [stored or "-" * 9])


def test_keys_of_another_site_do_not_decrypt_this_site_s_value():
    other_table = dict(KEYS, sixa=base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ValueError, match="sixa does not open"):
        OpenemrCipher(site(stored=stored_of("006"), keys=other_table))


def test_key_files_are_read_bounded_without_links_and_missing_ones_left_out(tmp_path):
    (tmp_path / "sixa").write_text(FILES["sixa"])
    (tmp_path / "sixb").write_text(FILES["sixb"])
    (tmp_path / "oeOAuth.key").write_text("not ours")
    os.symlink(str(tmp_path / "sixa"), str(tmp_path / "sevena"))
    with pytest.raises(ValueError, match="cannot read the key file .*sevena"):
        key_files(str(tmp_path), ["sixa", "sixb", "sevena"])
    assert key_files(str(tmp_path), ["sixa", "sixb", "sevenb"]) == {"sixa": FILES["sixa"], "sixb": FILES["sixb"]}
    (tmp_path / "sevenb").write_bytes(b"0" * 5000)
    with pytest.raises(ValueError, match="longer than 4096 bytes"):
        key_files(str(tmp_path), ["sevenb"])
    with pytest.raises(ValueError, match="there is no key folder"):
        key_files(str(tmp_path / "missing"), ["sixa"])


def test_an_unknown_cipher_name_is_refused():
    with pytest.raises(ValueError, match="cipher 'rot13', which this store does not know"):
        cipher_for({"name": "rot13"})
