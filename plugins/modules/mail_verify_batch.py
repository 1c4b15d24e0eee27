#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: mail_verify_batch
short_description: Check many practices' mail accounts from the controller in one task
version_added: 0.1.0
description:
  - Runs the checks of M(mailops.mailconfig.mail_verify) for every host in O(hosts), on the controller, in one process
    and concurrently, and returns each host's result under its name. Use it with C(run_once), then give each host its
    share with M(mailops.mailconfig.mail_verify)'s C(from_batch) so that every host still ends ok or failed on its own.
  - Each host's declaration (its O(variable)) is validated and normalised first; a host whose declaration has errors
    gets those findings as its result and is not checked.
  - "Concurrency is bounded twice: at most O(per_server) connections to one mail server (host and port) at a time,
    because providers throttle many logins from one address, and at most O(max_connections) in all."
  - Hosts whose C(mail_account_verify) is false or whose C(mail_account_state) is V(absent) are left out, as the
    C(mail_account) role's per-host verify step would skip them.
  - Checking from the controller proves the credentials and the servers; only a check from the site proves that the
    site itself can reach them (a firewall blocking port 465 there goes unnoticed from the controller).
author:
  - mailconfig contributors (@mailops)
attributes:
  check_mode:
    support: full
    description: Read-only; in check mode no test message is sent.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  action:
    support: full
    description: Implemented entirely by the action plugin on the controller.
options:
  hosts:
    description: Inventory host names to check, usually C({{ ansible_play_batch }}).
    type: list
    elements: str
    required: true
  variable:
    description: The host variable that holds each declaration.
    type: str
    default: mail_account
  verify_from:
    description:
      - When given, only the hosts of O(hosts) whose C(mail_account_verify_from) is V(controller) are checked; this
        value stands for the hosts that do not set it (the C(mail_account) role passes its own default). The others are
        left to check themselves from their site. When nothing is left, the result is skipped.
      - Choosing here, where each host's variables are read anyway, spares a template that would gather every host's
        variables once more.
    type: str
    version_added: 0.1.0
  ca_path:
    description:
      - As M(mailops.mailconfig.mail_verify)'s C(ca_path), for the hosts that set none of their own (see
        O(host_variables)).
    type: path
  validate_certs:
    description: As M(mailops.mailconfig.mail_verify)'s C(validate_certs).
    type: bool
    default: true
  timeout:
    description: Seconds each stage of each check may take, for the hosts that set none of their own.
    type: float
    default: 15
  deadline:
    description:
      - As M(mailops.mailconfig.mail_verify)'s C(deadline), for the hosts that set none of their own. A check also waits
        for a connection slot (O(per_server), O(max_connections)) only until its deadline, so a dead server delays only
        the practices that use it, each no longer than its own deadline.
    type: float
  send_test_to:
    description: Recipient of one test message per host after its successful outgoing check.
    type: str
  plaintext_allowed_hosts:
    description: As M(mailops.mailconfig.mail_verify)'s C(plaintext_allowed_hosts).
    type: list
    elements: str
    default: []
  host_variables:
    description:
      - For each option a practice may set for itself (V(verify_from), V(ca_path), V(validate_certs), V(timeout),
        V(deadline), V(send_test_to), V(plaintext_allowed_hosts), V(retry_failed_secret)), the host variable that holds
        a practice's own value. A practice's own value applies to its check; one that sets none gets the option's value
        given here, unless that value is the C(run_once) host's own setting, in which case it gets the option's default.
      - The default names the C(mail_account) role's variables (C(mail_account_verify_timeout) and so on); V({}) applies
        the task's options to every host.
      - A host whose value has the wrong type fails alone, naming the variable.
    type: dict
    default:
      verify_from: mail_account_verify_from
      ca_path: mail_account_verify_ca_path
      timeout: mail_account_verify_timeout
      deadline: mail_account_verify_deadline
      send_test_to: mail_account_verify_send_test_to
      plaintext_allowed_hosts: mail_account_verify_plaintext_allowed_hosts
      retry_failed_secret: mail_account_retry_failed_secret
  max_connections:
    description: Connections open at once across the whole batch (also the number of practices checked at once).
    type: int
    default: 32
  per_server:
    description:
      - Connections open at once to one mail server (host and port). Keep it small for the big providers.
    type: int
    default: 4
  retry_failed_secret:
    description: As M(mailops.mailconfig.mail_verify)'s C(retry_failed_secret), for the hosts that set none of their
      own.
    type: bool
    default: false
seealso:
  - module: mailops.mailconfig.mail_verify
notes:
  - OAuth 2.0 token requests are not counted against O(per_server).
'''

EXAMPLES = r'''
- name: Check every practice of the play from the controller
  mailops.mailconfig.mail_verify_batch:
    hosts: "{{ ansible_play_batch }}"
    per_server: 4
  run_once: true
  register: mail_batch

- name: Each practice ends ok or failed on its own
  mailops.mailconfig.mail_verify:
    declaration: "{{ mail_account }}"
    from_batch: mail_batch
'''

RETURN = r'''
results:
  description:
    - Per host, what M(mailops.mailconfig.mail_verify) returns (C(ok), C(outgoing), C(incoming), C(token), C(msg),
      C(changed)), plus C(warnings), C(provider) and C(findings). A host with declaration errors has C(ok=false),
      C(msg) and C(findings) only.
  returned: always
  type: dict
counts:
  description: How many hosts were checked, and how many passed and failed.
  returned: always
  type: dict
  sample: {checked: 1000, ok: 996, failed: 4}
failed_practices:
  description:
    - The hosts of RV(results) whose check failed or was refused, sorted.
    - Per-host conditions should test this list rather than index RV(results) (Ansible copies a registered dictionary
      each time a host's condition indexes it); the role's verify step does so.
  returned: always
  type: list
  elements: str
  sample: [practice-0007, practice-0093]
elapsed_ms:
  description: Wall time of the whole batch, validation included.
  returned: when the batch ran
  type: float
'''
