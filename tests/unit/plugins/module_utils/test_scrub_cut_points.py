"""Mask first, cut after: at no cut position does a piece of any spelling of the secret survive.

A *fragment* of a secret is any run of 4 consecutive characters of one of its
spellings (``secret_forms``: as is, URL- and form-encoded, JSON-escaped, base64 at each
offset and in both alphabets). The text around the secret is made of characters no
spelling uses, so any fragment found in the output can only come from the secret.
"""

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import DERIVED_MIN, MASK, Masker, secret_forms
from tests.adversarial.hostile import fragments

FRAGMENT = 4
SECRETS = [
    "Cut-Pw/+ \u00e9\"9c1&=%x",  # spaces, quotes, URL and JSON escapes, non-ASCII
    "Pw\U0001F600Emoji42",  # a surrogate pair in JSON's ASCII escape, 4 UTF-8 bytes in base64
    "ab&c d",  # shorter than DERIVED_MIN: only spelled-out forms are masked
]
PAD = "~" * 12
# a reply line break and the next line's prefix, as a server may put inside an echoed secret
JUNCTION = "\r\n535-5.7.8 "


def survivors(text, secret):
    return sorted(piece for piece in fragments(secret, FRAGMENT) if piece in text)


@pytest.mark.parametrize("secret", SECRETS, ids=["specials", "emoji", "short"])
def test_no_fragment_survives_any_cut(secret):
    masker = Masker([secret])
    assert not survivors(PAD + MASK + JUNCTION + "..." + PAD, secret)  # the surroundings hold no fragment themselves
    checked = 0
    for form in sorted(secret_forms(secret)):
        texts = [PAD + form + PAD]
        if len(form) >= DERIVED_MIN:
            texts += [PAD + form[:split] + JUNCTION + form[split:] + PAD for split in range(1, len(form))]
        for text in texts:
            masked = masker.text(text)
            assert not survivors(masked, secret), (form, text)
            for cut in range(len(text) + 1):
                shortened = masker.shortened(text, cut)
                assert shortened == (masked[:cut] + "..." if len(masked) > cut else masked)
                assert not survivors(shortened, secret), (form, text, cut)
                checked += 1
    assert checked > 50 * len(secret_forms(secret))


def test_cutting_first_would_leak():
    """The check above can fail: the old order (cut, then mask) leaves a fragment at most cut points."""
    secret = SECRETS[0]
    masker = Masker([secret])
    text = PAD + secret + PAD
    leaking = [cut for cut in range(len(text)) if survivors(masker.text(text[:cut]), secret)]
    assert len(leaking) >= len(secret) - 2 * FRAGMENT
