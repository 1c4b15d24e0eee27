# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mask secrets in free text: the second line of defence behind Ansible's no_log.

Server answers, diffs and our own messages can echo what we sent (a SASL blob, a
token, a password a provider quotes back); every string a module returns passes here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MASK = "********"


def scrub(value, secrets):
    """``value`` with every occurrence of each secret masked, in all nested strings.

    Longest secrets first, so a secret that contains another is masked whole.
    """
    ordered = sorted(set(s for s in secrets if s), key=len, reverse=True)
    return _masked(value, ordered)


def _masked(value, secrets):
    if isinstance(value, dict):
        return dict((key, _masked(item, secrets)) for key, item in value.items())
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
    return value
