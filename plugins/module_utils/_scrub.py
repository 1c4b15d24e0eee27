# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mask secrets in free text: the second line of defence behind Ansible's no_log.

Server answers, token errors, diffs and our own messages can echo what we sent: a
password a provider quotes back, the SASL exchange in base64, the token request's
form URL-encoded, a JSON-escaped value. Every spelling of a secret is masked (see
``secret_forms``; a caller adds the encodings only it knows, such as a store's
cipher with a public key), also when a server splits it over the lines of a reply.
Masking comes first and cutting long text after, so no cut-off piece survives.
Fields we generate ourselves (codes, statuses, stage names, ports, declared host
names) are never masked: a short secret such as ``ok`` would otherwise rewrite them.
"""

import base64
import json
import re
from typing import AbstractSet, Any, Iterable, Optional, Set
from urllib.parse import quote, quote_plus

MASK = "********"
# Free text (a server's answer, a message) is cut to this many characters, after masking.
CUT = 300
# Secrets this long or longer are also masked in base64 and across reply lines; shorter
# ones would match random text there (mailconfig-lint warns about them, MC311).
DERIVED_MIN = 8
# Between two characters of a secret a reply may hold a line break and the next line's
# "535-5.7.8 " prefix, or (in joined text) spaces. Secrets are also looked for in the
# text with these junctions taken out.
_JUNCTION = re.compile(r" +|\r?\n(?:\d{3}[ -])?(?:[245]\.\d{1,3}\.\d{1,3} +)?")
# Result fields that we generate ourselves and that are never masked.
GENERATED_FIELDS = frozenset(("status", "protocol", "host", "port", "security", "address", "stage", "code", "hint",
                              "auth_mechanism", "elapsed_ms", "name", "ok", "changed", "sent", "to", "messages",
                              "version", "cipher", "not_after", "days_left", "type", "path", "table"))


def _base64_forms(raw):
    """The base64 characters that encode ``raw`` whatever its offset in a longer encoded message."""
    found = set()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw).decode("ascii")
            first = -(-8 * shift // 6)  # the first character made only of the secret's bits
            last = (8 * (shift + len(raw))) // 6  # characters before this one are complete
            found.add(encoded[first:last])
    return found


def secret_forms(secret: str) -> Set[str]:
    """Every spelling of ``secret`` we mask: as is, URL- and form-encoded, JSON-escaped, and base64."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    if len(secret) >= DERIVED_MIN:
        forms.update(_base64_forms(secret.encode("utf-8")))
    return set(form for form in forms if form)


class Masker:
    """Masks the forms of some secrets in text, except inside the ``keep`` strings (our own names)."""

    def __init__(self, secrets: Iterable[Optional[str]], extra_forms: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
        forms = set(form for form in extra_forms if form)
        for secret in secrets:
            if secret:
                forms.update(secret_forms(secret))
        self._forms = sorted(forms, key=len, reverse=True)
        # as each form reads in the text with the junctions taken out (a password may hold spaces itself)
        self._split_forms = set(_JUNCTION.sub("", form) for form in self._forms if len(form) >= DERIVED_MIN)
        self._split_forms = [form for form in self._split_forms if len(form) >= DERIVED_MIN]
        self._keep = sorted(set(k for k in keep if k), key=len, reverse=True)

    def _spans(self, value):
        """(start, end) of every occurrence of a form, whole or split by junctions."""
        spans = [span for form in self._forms for span in _find(value, form)]
        if self._split_forms and _JUNCTION.search(value):
            joined, origin, at = [], [], 0
            for junction in _JUNCTION.finditer(value):
                joined.append(value[at:junction.start()])
                origin.extend(range(at, junction.start()))
                at = junction.end()
            joined.append(value[at:])
            origin.extend(range(at, len(value)))
            joined = "".join(joined)
            spans += [(origin[start], origin[end - 1] + 1) for form in self._split_forms for start, end in _find(joined, form)]
        return spans

    def text(self, value: str) -> str:
        if not self._forms or not value:
            return value
        kept = [span for k in self._keep for span in _find(value, k)]
        spans = sorted(span for span in self._spans(value)
                       if not any(start <= span[0] and span[1] <= end for start, end in kept))
        merged = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out, at = [], 0
        for start, end in merged:
            out.extend((value[at:start], MASK))
            at = end
        out.append(value[at:])
        return "".join(out)

    def masked(self, value: Any, cut: Optional[int] = None, skip: AbstractSet[str] = frozenset()) -> Any:
        """``value`` with every nested string masked (and cut to ``cut``), except dict fields named in ``skip``."""
        if isinstance(value, dict):
            return dict((key, item if key in skip else self.masked(item, cut, skip)) for key, item in value.items())
        if isinstance(value, list):
            return [self.masked(item, cut, skip) for item in value]
        if isinstance(value, str):
            return self.shortened(value, cut)
        return value

    def shortened(self, value: str, cut: Optional[int] = CUT) -> str:
        """``value`` masked, then cut to ``cut`` characters (None: not cut).

        The only place text from a peer is shortened: a cut made before masking leaves
        a piece of the secret that no form matches any more.
        """
        value = self.text(value)
        return value[:cut] + "..." if cut is not None and len(value) > cut else value


def _find(text, part):
    """(start, end) of every occurrence of ``part`` in ``text``, overlapping ones included."""
    found, at = [], text.find(part)
    while at >= 0:
        found.append((at, at + len(part)))
        at = text.find(part, at + 1)
    return found


def scrub(value: Any, secrets: Iterable[Optional[str]], extra_forms: Iterable[str] = (), keep: Iterable[str] = ()) -> Any:
    """``value`` with every form of each secret (and each of ``extra_forms``) masked, in all nested strings."""
    return Masker(secrets, extra_forms, keep).masked(value)


def scrub_result(value: Any, secrets: Iterable[Optional[str]], extra_forms: Iterable[str] = (), keep: Iterable[str] = ()) -> Any:
    """A verify result masked in its free text only (GENERATED_FIELDS stay as they are), then cut to CUT."""
    return Masker(secrets, extra_forms, keep).masked(value, CUT, GENERATED_FIELDS)
