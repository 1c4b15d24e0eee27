#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: mail_declaration
short_description: Validate and lint mail account declarations on the controller
version_added: 0.1.0
description:
  - Checks one declaration, or many at once, against the JSON Schema and the lint rules,
    with the same findings as C(mailconfig-lint) (codes, field paths, and file and line where Ansible knows them).
  - Runs on the controller only; it never connects to a host and never changes anything.
  - Fails listing every declaration with an error (or, with O(strict), a warning).
  - With O(declaration), the checked declaration is kept as the host fact C(mail_account_checked) (without its secrets),
    so the later tasks of the run (M(mailops.mailconfig.mail_account), M(mailops.mailconfig.mail_verify),
    M(mailops.mailconfig.mail_sender_check)) reuse it instead of checking and warning again.
  - With O(hosts), a host whose declaration cannot be resolved (an undefined variable, a missing vault entry) gets
    finding C(MC007) with the file, line and variable; every other host is still checked.
author:
  - mailconfig contributors (@mailops)
attributes:
  check_mode:
    support: full
    description: The check is read-only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  action:
    support: full
    description: Implemented entirely by the action plugin on the controller.
options:
  declaration:
    description:
      - One declaration, usually C({{ mail_account }}).
      - Exactly one of O(declaration), O(declarations) and O(hosts) is required.
    type: dict
  declarations:
    description:
      - A mapping of name (for example the inventory host) to declaration, checked in one task.
      - A name whose declaration is V(null) is reported as missing.
    type: dict
  hosts:
    description:
      - Inventory host names whose O(variable) to check, read from C(hostvars), in one task.
      - A host without the variable is reported as missing.
    type: list
    elements: str
  variable:
    description: The host variable that holds the declaration, with O(hosts).
    type: str
    default: mail_account
  store:
    description:
      - The store option the declaration will be written with (usually C({{ mail_account_store }})), with
        O(declaration).
      - Rules that depend on the application keeping the settings read it.
    type: dict
  store_variable:
    description: The host variable that holds the store option, with O(hosts).
    type: str
    default: mail_account_store
  application:
    description:
      - Also check what this application can hold, with the rules of its profile (the collection's
        C(data/applications/<name>.yml)), for example V(opendental).
      - Without it, a O(store) (with O(hosts), each host's O(store_variable)) of type C(mysql) gives its own
        application.
    type: str
  strict:
    description: Fail on warnings too.
    type: bool
    default: false
  role_entry_point:
    description:
      - With O(hosts), check each host as it is about to run this entry point of the C(mailops.mailconfig.mail_account)
        role, for example V(main) (the rollout) or V(verify), in one task for the whole batch (C(run_once)).
      - Each host's role variables are checked against that entry point of the role's C(meta/argument_specs.yml), as
        Ansible's own per-host argument check would (the collection's playbooks turn that off with
        C(rolespec_validate=false)); the variables are read from each host's C(hostvars) (inventory, extra vars, facts),
        unset ones take the spec's default.
      - The declaration is the host's C(mail_account), checked with its C(mail_account_store) (when the entry point has
        it) and C(mail_account_validate_strict); O(variable), O(store_variable) and O(strict) are not used for them.
      - The task does not fail for a host's problems (a failed C(run_once) task would fail every host of the batch).
        Register its result as C(mail_account_checked), and each host's next step (M(mailops.mailconfig.mail_account),
        M(mailops.mailconfig.mail_verify), M(mailops.mailconfig.mail_sender_check),
        M(mailops.mailconfig.mail_verify_batch)) reuses its check; a host refused here fails there, without connecting,
        with the message listed in RV(checked).
    type: str
    version_added: 0.1.0
  failures:
    description:
      - Where a refused declaration fails, with O(hosts) and without O(role_entry_point).
      - V(task) fails this task, listing every refused host; with C(run_once), Ansible reports the failure on the one
        host the task ran for.
      - V(hosts) does not fail this task; it returns RV(refused) and RV(messages), so that a later task fails each
        refused host with its own message (playbooks/validate.yml does), and AWX and the recap mark the right practices.
    type: str
    choices: [task, hosts]
    default: task
extends_documentation_fragment:
  - mailops.mailconfig.dns
seealso:
  - module: mailops.mailconfig.mail_account
notes:
  - Secrets are never quoted in findings; a wrong password value is reported as C(<redacted>).
'''

EXAMPLES = r'''
- name: Check this host's declaration
  mailops.mailconfig.mail_declaration:
    declaration: "{{ mail_account }}"

- name: Check every host of the play in one task, without connecting
  mailops.mailconfig.mail_declaration:
    hosts: "{{ ansible_play_hosts_all }}"
  run_once: true

- name: Check this host's declaration for Open Dental too (POP3 only, no OAuth grant of ours, ...)
  mailops.mailconfig.mail_declaration:
    declaration: "{{ mail_account }}"
    application: opendental

- name: Check every practice of this batch once, role variables included; each fails at its own next step
  mailops.mailconfig.mail_declaration:
    hosts: "{{ ansible_play_batch }}"
    role_entry_point: main
  run_once: true
  register: mail_account_checked

- name: Check declarations kept outside the inventory
  mailops.mailconfig.mail_declaration:
    declarations:
      smiles-dental: "{{ lookup('ansible.builtin.file', 'smiles-dental.yml') | from_yaml }}"
'''

RETURN = r'''
ansible_facts:
  description: With O(declaration), the checked declaration for the later tasks of the run.
  returned: when O(declaration) is given and has no error
  type: dict
  contains:
    mail_account_checked:
      description:
        - The normalised declaration without secret values, its findings, and a fingerprint of the declaration and the
          check's context (keyed with a secret that stays in the run's local temp dir).
      type: dict
ok:
  description: Whether every declaration passed.
  returned: always
  type: bool
declarations:
  description: Per name, whether it passed, its provider (as declared, or detected for V(auto)) and its findings.
  returned: always
  type: dict
  sample:
    practice-01:
      ok: false
      provider: godaddy
      findings:
        - code: MC201
          severity: error
          path: incoming.protocol
          message: POP3 moves every message off the server; staff will not see them anywhere else
          hint: Use protocol imap (recommended).
          file: inventory/host_vars/practice-01.yml
          line: 12
          column: 5
checked:
  description:
    - With O(role_entry_point), per host what its next step needs; no secret in it.
    - For a host that passed, the checked declaration (as the C(mail_account_checked) fact holds it).
    - For a host refused, C(failed), the C(msg) its next step fails with, its C(findings) and, when its role variables
      are wrong, C(argument_errors).
  returned: with O(role_entry_point)
  type: dict
  version_added: 0.1.0
  sample:
    practice-02:
      failed: true
      msg: |-
        practice-02: the mail_account role's variables are wrong:
          value of mail_account_state must be one of: present, absent, restored, got: gone
      findings: []
      argument_errors:
        - "value of mail_account_state must be one of: present, absent, restored, got: gone"
messages:
  description: With O(failures=hosts), each refused host's failure message (its findings, with file, line and field).
  returned: with O(failures=hosts) when a host is refused
  type: dict
refused:
  description:
    - With O(role_entry_point), the hosts refused (each with C(failed) in RV(checked)), sorted; with O(failures=hosts),
      the hosts listed in RV(messages).
    - Conditions should test this list (C(inventory_hostname in mail_account_checked.refused)) rather than index
      RV(checked), because Ansible copies a registered dictionary each time a host's condition indexes it.
  returned: with O(role_entry_point), and with O(failures=hosts) when a host is refused
  type: list
  elements: str
  version_added: 0.1.0
  sample: [practice-02]
after_save:
  description:
    - With O(role_entry_point=main), the hosts not refused whose role variables ask for a step after the save
      (C(mail_account_verify_from=controller) or C(mail_account_sender_check)), sorted.
    - C(playbooks/site.yml) ends the batch in one step when this list is empty, and otherwise ends every other
      practice's play at the save.
  returned: with O(role_entry_point=main)
  type: list
  elements: str
  version_added: 0.1.0
  sample: [practice-07]
deadlines:
  description:
    - Every finding about a dated change at the provider (MC302, MC303), one row per practice and change, sorted by
      date.
    - C(to_do) is the finding's hint.
  returned: always
  type: list
  elements: dict
  sample:
    - practice: practice-07
      provider: office365
      date: "2026-12-31"
      code: MC302
      severity: warning
      what: Microsoft 365 (Exchange Online) disables password login to SMTP (basic authentication) by default from the
        end of December 2026 (2026-12-31)
      to_do: >-
        After that, your tenant admin can re-enable it until Microsoft 365 (Exchange Online) removes it;
        move to OAuth: auth.method: oauth2 (see docs/oauth.md).
'''
