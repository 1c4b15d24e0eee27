# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The resolver options of every action that may ask DNS (plugin_utils.action._action.CONTEXT_SPEC)."""

    DOCUMENTATION = r'''
options:
  dns_server:
    description:
      - DNS server(s) to ask, as C(address[:port]) separated by commas, for example C(127.0.0.1:5353) or C([::1]:53).
      - Defaults to E(MAILCONFIG_DNS_SERVER), then the system resolver.
      - Also decides a declaration whose provider is V(auto).
    type: str
  dns_timeout:
    description:
      - Seconds to wait for each DNS answer. Defaults to E(MAILCONFIG_DNS_TIMEOUT), then 5.
    type: float
  offline:
    description:
      - Ask no DNS questions at all (offline CI). A declaration whose provider is V(auto) is then decided from the
        catalogue's address domains only, or is an error (C(MC650)) that asks for an explicit provider.
      - Defaults to E(MAILCONFIG_OFFLINE).
    type: bool
'''
