# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: mail_sender_check
short_description: Check that a practice's sending domain publishes MX, SPF, DMARC and DKIM
description:
  - Reads the DNS records of the domain a practice sends from and reports what receivers such as Gmail and
    Yahoo would hold against its mail (since February 2024 they junk or refuse mail without SPF, DKIM and DMARC).
  - Checks that the domain exists and has an MX record; that it has exactly one SPF record, valid by RFC 7208 and
    reaching the provider's sending hosts (for example C(include:spf.protection.outlook.com)); that C(_dmarc.<domain>)
    holds one DMARC record with a valid C(p=); and that a DKIM key is published for the provider's usual selectors
    (C(selector1)/C(selector2) for Microsoft 365, C(google) for Google Workspace) or for O(dkim_selectors).
  - Each finding has a stable code (C(MC600)-C(MC641)), a severity and a hint; see the collection's
    C(docs/detection.md).
  - Runs on the controller only and never connects to the target host. It is read-only, so it also runs in check mode.
  - The resolver is the system's unless O(dns_server) or the environment variable E(MAILCONFIG_DNS_SERVER) names one.
    Each question is asked once per playbook run, however many hosts share the domain.
version_added: 0.1.0
author: mailconfig contributors (@mailops)
options:
  declaration:
    description:
      - The mail account declaration, usually C({{ mail_account }}). It is validated on the controller exactly as for
        M(mailops.mailconfig.mail_account); the sending domain comes from its C(address) and the provider from its
        C(provider).
      - Secrets in it are never read or shown by this action.
      - Exactly one of O(declaration) and O(domain) is required.
    type: dict
  domain:
    description:
      - The sending domain to check, when there is no declaration.
      - Without O(provider), the provider is detected from the domain's MX and SRV records; when that fails,
        only the provider-independent checks run.
    type: str
  provider:
    description:
      - Provider key from the collection's provider catalogue whose sending hosts and DKIM selectors are expected.
      - Overrides the declaration's provider.
    type: str
  dkim_selectors:
    description:
      - DKIM selectors the practice publishes, instead of the provider's usual ones.
    type: list
    elements: str
  fail_on_error:
    description:
      - Fail the task when a finding has severity C(error). With V(false) the findings are only returned.
    type: bool
    default: true
notes:
  - With O(offline), every check reports C(MC600).
extends_documentation_fragment:
  - mailops.mailconfig.dns
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  become:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  connection:
    support: none
  delegation:
    support: none
    details: The checks always run on the controller.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
seealso:
  - module: mailops.mailconfig.mail_account
'''

EXAMPLES = r'''
- name: Check the sending domain of each practice
  mailops.mailconfig.mail_sender_check:
    declaration: "{{ mail_account }}"
  register: sender
  failed_when: false

- name: Check one domain against Microsoft 365's requirements, through a given DNS server
  mailops.mailconfig.mail_sender_check:
    domain: smiles-dental.co.uk
    provider: office365
    dns_server: 9.9.9.9

- name: A practice that signs with its own DKIM selector
  mailops.mailconfig.mail_sender_check:
    declaration: "{{ mail_account }}"
    dkim_selectors: [practice2026]
    fail_on_error: false
'''

RETURN = r'''
ok:
  description: Whether no finding has severity C(error).
  returned: success
  type: bool
  sample: false
domain:
  description: The domain that was checked.
  returned: success
  type: str
  sample: smiles-dental.co.uk
provider:
  description: The provider whose requirements were checked (declared, given, or detected), or null when unknown.
  returned: success
  type: str
  sample: office365
detection:
  description: How the provider was detected when only O(domain) was given.
  returned: when O(domain) is given without O(provider)
  type: dict
  sample: {provider: office365, rule: mx,
           evidence: ["MX 0 smiles-dental-co-uk.mail.protection.outlook.com matches office365's MX patterns"]}
findings:
  description: What is wrong or worth knowing, most important first; empty when everything is in order.
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description: Stable code, documented in C(docs/detection.md).
      type: str
      sample: MC620
    severity:
      description: C(error), C(warning) or C(info).
      type: str
      sample: warning
    message:
      description: What was found, naming the DNS record.
      type: str
      sample: smiles-dental.co.uk has no DMARC record at _dmarc.smiles-dental.co.uk
    hint:
      description: How to fix it.
      type: str
    path:
      description: The declaration field the finding belongs to (C(address)), or C(domain).
      type: str
    file:
      description: File of the declaration, when known.
      type: str
    line:
      description: Line of the declaration's address, when known.
      type: int
    column:
      description: Column of the declaration's address, when known.
      type: int
msg:
  description: One-line summary of the findings.
  returned: always
  type: str
  sample: "smiles-dental.co.uk: 1 warning (MC620 dmarc-missing)"
'''
