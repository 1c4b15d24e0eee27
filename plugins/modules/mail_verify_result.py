#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: mail_verify_result
short_description: Give one host its result of a batch mail check
version_added: 0.2.0
description:
  - Reports one host's entry of a M(mailops.mailconfig.mail_verify_batch) result as that host's own task result, with
    the same fields as M(mailops.mailconfig.mail_verify), so each host ends ok, changed or failed on its own and the
    fleet summary gets its row.
  - Connects to nothing; it runs on the controller in a few milliseconds.
author:
  - mailconfig contributors (@mailops)
attributes:
  check_mode:
    support: full
    description: Reports only.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  action:
    support: full
    description: Implemented entirely by the action plugin on the controller.
options:
  result:
    description: This host's entry of the batch result, usually C({{ batch.results[inventory_hostname] }}).
    type: dict
    required: true
  fail_on_error:
    description:
      - Fail the host when its check failed. A declaration with errors always fails.
    type: bool
    default: true
seealso:
  - module: mailops.mailconfig.mail_verify_batch
'''

EXAMPLES = r'''
- name: Each practice ends ok or failed on its own
  mailops.mailconfig.mail_verify_result:
    result: "{{ mail_batch.results[inventory_hostname] }}"
    fail_on_error: false
'''

RETURN = r'''
ok:
  description: Whether every enabled check succeeded.
  returned: always
  type: bool
outgoing:
  description: The SMTP submission check, as M(mailops.mailconfig.mail_verify) returns it.
  returned: when the declaration validated
  type: dict
incoming:
  description: The IMAP or POP3 check, as M(mailops.mailconfig.mail_verify) returns it.
  returned: when the declaration validated
  type: dict
provider:
  description: The declaration's provider key.
  returned: when the declaration validated
  type: str
'''
