# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: mail_provider
short_description: Published mail settings of a provider, or the provider of an address
version_added: 0.1.0
description:
  - Looks up the provider catalogue shipped with the collection (C(data/providers.yml)).
  - A term that contains C(@) is an address; its provider is detected on the controller as for a declaration whose
    provider is V(auto), from the catalogue's known address domains, then the domain's MX records, then RFC 6186 SRV
    records (see the collection's docs/detection.md; C(MAILCONFIG_DNS_SERVER) points it at a resolver,
    C(MAILCONFIG_OFFLINE=1) turns DNS off).
  - Any other term is a provider key such as V(gmail) or V(office365).
  - Each result is the catalogue entry with C(key) added, and for an address C(detection) (which rule decided and
    what it saw); an address whose provider cannot be decided gives an error that asks for an explicit provider.
author:
  - mailconfig contributors (@mailops)
options:
  _terms:
    description: Provider keys or email addresses.
    required: true
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Show Gmail's published SMTP server
  ansible.builtin.debug:
    msg: "{{ lookup('mailops.mailconfig.mail_provider', 'gmail').outgoing.host }}"

- name: Which provider serves this address?
  ansible.builtin.debug:
    msg: "{{ lookup('mailops.mailconfig.mail_provider', 'reception@hotmail.co.uk').key }}"
'''

RETURN = r'''
_raw:
  description: One catalogue entry per term.
  type: list
  elements: dict
  contains:
    key:
      description: The provider key to use in a declaration.
      type: str
    detection:
      description: For an address, how the provider was decided (rule, evidence, and servers from SRV records).
      type: dict
    name:
      description: The provider's name.
      type: str
    outgoing:
      description: Published SMTP submission server (host, port, security).
      type: dict
    incoming:
      description: Published IMAP and POP3 servers, by protocol.
      type: dict
    sources:
      description: Where the settings come from.
      type: list
      elements: str
    checked:
      description: When the entry was last checked against its sources.
      type: str
'''

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        results = []
        for term in terms:
            term = str(term).strip()
            if "@" in term:
                # Imported for addresses only: detection loads dnspython, which a provider key does not need.
                # pylint: disable-next=import-outside-toplevel
                from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect
                try:
                    detection = _detect.detect_provider(term)
                except _detect.DetectionError as exc:
                    raise AnsibleLookupError("%s; %s" % (exc.message, exc.hint)) from None
                results.append(
                    dict(_catalogue.provider(detection.provider), key=detection.provider, detection=detection.as_dict())
                )
                continue
            key = term
            if key not in _catalogue.providers():
                raise AnsibleLookupError(
                    "unknown provider '%s'; known: %s" % (key, ", ".join(sorted(_catalogue.providers())))
                )
            results.append(dict(_catalogue.provider(key), key=key))
        return results
