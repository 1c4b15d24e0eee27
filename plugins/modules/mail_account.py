#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: mail_account
short_description: Test a mail account declaration, then write it into an application's settings store
version_added: 0.1.0
description:
  - Test, then save, as the application's own wizard does. When a setting a login depends on would change (servers,
    ports, security, user name, secrets, auth method), the module first logs in with the settings the store will hold
    after the write, with the same probes and result fields as M(mailops.mailconfig.mail_verify), and writes only when
    that test passes. A failed test writes nothing, fails the task with the diagnosis and reports RV(kept_previous).
    A change that touches no connection setting (display name, send rate) is written without a login.
  - The test runs outside the store's lock or transaction; the store is then written only if our keys still hold what
    was read before the test (otherwise the module reads again, and tests again when the connection settings differ).
    After writing, the module reads the store back; a mismatch puts back the previous values of the keys it changed
    and fails.
  - Writes the canonical mail settings of one declaration (address, credentials, SMTP and optional IMAP/POP3
    server, send rate) into an application's config store, idempotently, and shows what changes.
  - The action plugin of the same name validates, lints and normalises the declaration on the controller and
    fails before connecting when it has an error; the target needs only Python's standard library.
  - The stores are a SQLite settings table (the default), a JSON file, an INI file, or an application's own tables in
    MySQL/MariaDB as its application profile maps them (V(mysql), for Open Dental).
    The collection's C(docs/store-keys.md) lists every key, its type and each store's layout.
  - The V(mysql) store reaches the database over the network, so it runs on the controller or a Linux jump host
    (C(delegate_to)); the practice's own (Windows) machines need nothing.
  - Secret values (password, OAuth client secret, refresh token) never appear in the output, the diff or
    an error message; they show as C(********), with the word C(changed) in brackets after it in a diff when they change.
requirements:
  - Python 3.8 or later on the target, standard library only.
  - For O(store.type=mysql) only, on the host that runs the module (the controller or a jump host) PyMySQL and cryptography.
    The other stores need only Python's standard library.
author: mailconfig contributors (@mailops)
extends_documentation_fragment:
  - mailops.mailconfig.declaration
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - mailops.mailconfig.attributes.action_module
attributes:
  check_mode:
    support: full
    details:
      - SQLite runs the statements in a transaction and rolls it back; file stores and MySQL only read.
      - The test runs in check mode too (a login, no message sent), so a dry run also answers whether the new settings work.
  diff_mode:
    support: full
options:
  store:
    description: Where the application keeps its settings.
    type: dict
    required: true
    suboptions:
      type:
        description:
          - V(sqlite) writes rows of a settings table, V(json) nested keys of a JSON file, V(ini) key lines of an INI file,
            V(mysql) an application's account row in MySQL or MariaDB (see O(store.application)).
        type: str
        choices: [sqlite, json, ini, mysql]
        default: sqlite
      path:
        description: The database or file on the target; required by every store type that lives in a file.
        type: path
      create:
        description:
          - Create the file (and for V(sqlite) the settings table) when it does not exist.
          - Without it a missing store is an error.
        type: bool
        default: false
      lock_timeout:
        description:
          - Seconds to wait for another writer (SQLite busy timeout, the advisory lock on a file store's directory, or for
            V(mysql) the named lock and row locks) before failing.
        type: float
        default: 30
      follow:
        description:
          - Follow a store path that is a symbolic link, or that goes through a symlinked directory another local user
            could replace, and write the file it points to.
          - By default such a path is refused, so a less privileged user who can write the application's folder
            cannot point a task running as root at another file; files are opened without following links, so a
            link swapped in during the run is refused too. See the collection's C(docs/security.md).
        type: bool
        default: false
      table:
        description: V(sqlite) only, the settings table.
        type: str
        default: settings
      columns:
        description: V(sqlite) only, the column names of the settings table.
        type: dict
        default: {}
        suboptions:
          section:
            description: Column holding the part of a key before its first dot.
            type: str
            default: section
          key:
            description: Column holding the rest of the key.
            type: str
            default: key
          value:
            description: Column holding the value, as text.
            type: str
            default: value
          updated_at:
            description: Column set to the UTC time (ISO 8601) when a row's value changes.
            type: str
            default: updated_at
      ini_section:
        description:
          - V(ini) only. Put every key, with its full name, under this section.
          - By default the part of a key before its first dot is the section and the rest the key name.
        type: str
      ini_case:
        description:
          - V(ini) only. How the application's INI reader matches names, so an existing C(Auth.Password) under
            C([Email]) is recognised (and replaced in place) rather than duplicated.
          - V(windows) (Windows' INI API, GetPrivateProfileString) ignores case in section and key names.
          - V(configparser) (Python's configparser) ignores case in key names only; C([Email]) and C([email]) are two
            sections.
        type: str
        choices: [windows, configparser]
        default: windows
      contact:
        description:
          - V(sqlite) only. The practice contact record that gets the declaration's address, in the same transaction,
            when O(declaration.practice.update_contact_email) is true.
        type: dict
        suboptions:
          table:
            description: Table of the contact record.
            type: str
            required: true
          key_column:
            description: Column that identifies the record.
            type: str
            required: true
          key_value:
            description: Value of O(store.contact.key_column) that identifies the record.
            type: raw
            required: true
          email_column:
            description: Column holding the contact address.
            type: str
            required: true
      application:
        description:
          - V(mysql) only, required there. The application whose profile (the collection's C(data/applications/<name>.yml))
            says which tables and columns hold the settings, such as V(opendental).
          - The declaration must also pass that application's lint rules (codes C(MC7xx)).
        type: str
      host:
        description: V(mysql) only, required there. Host name or address of the database server.
        type: str
      port:
        description: V(mysql) only. TCP port of the database server.
        type: int
        default: 3306
      user:
        description: V(mysql) only, required there. Database user; it needs SELECT, INSERT and UPDATE on the database.
        type: str
      password:
        description: V(mysql) only. Password of the database user; keep it in Ansible Vault. Never printed.
        type: str
      database:
        description: V(mysql) only, required there. The application's database (schema) name.
        type: str
      clinic:
        description:
          - V(mysql) only. For a practice with clinics, the clinic number whose own address is written; the other clinics'
            addresses are never changed. Unset writes the practice's default address.
        type: int
      tls:
        description:
          - V(mysql) only. Talk TLS to the database server. Set V(false) only on a trusted network (the site's VPN).
        type: bool
        default: true
      tls_verify:
        description: V(mysql) only. Verify the server's certificate and host name.
        type: bool
        default: true
      ca_path:
        description: V(mysql) only. CA bundle that signed the database server's certificate; the system store when unset.
        type: path
      connect_timeout:
        description: V(mysql) only. Seconds to wait for the database server to answer.
        type: float
        default: 10
      backup_dir:
        description:
          - V(mysql) only. Folder on the host that runs the module for O(backup) copies of the previous row, as JSON
            (mode 0600; the password stays as the application stored it). Defaults to C(~/.mailconfig/backups).
        type: path
      profile:
        description:
          - V(mysql) only. The application profile, filled in by the action plugin from O(store.application) on the controller;
            do not set it.
        type: dict
  state:
    description:
      - V(present) writes our keys; V(absent) removes only our keys and nothing else.
      - V(restored) puts back our keys as the store's newest backup holds them (the settings before the last change),
        through the same test before the save.
    type: str
    choices: [present, absent, restored]
    default: present
  test:
    description:
      - Log in with the new settings before writing them, when a setting a login depends on changes.
      - V(false) writes without any login.
    type: bool
    default: true
  write_untested:
    description:
      - Write the new settings even when their test fails, for a mailbox that is not live yet. The result's RV(outcome)
        is then V(written_untested) and a warning says so.
    type: bool
    default: false
  retry_failed_secret:
    description:
      - Try a secret again although the same secret was already rejected with C(auth_failed) for this host.
      - By default such a secret is not tried again until it changes, because providers lock a mailbox after
        repeated failed logins. The action plugin remembers a keyed hash of rejected secrets on the controller.
    type: bool
    default: false
  known_failed_secret:
    description:
      - Set by the action plugin, not by playbooks; when the declared secret was already rejected, the time it was.
    type: str
  ca_path:
    description: As in M(mailops.mailconfig.mail_verify), the authorities to trust for the test instead of the system store.
    type: path
  validate_certs:
    description: As in M(mailops.mailconfig.mail_verify); V(false) is reported as a warning.
    type: bool
    default: true
  timeout:
    description: Seconds each stage of the test may take.
    type: float
    default: 15
  deadline:
    description: As in M(mailops.mailconfig.mail_verify), seconds the whole test may take; three times O(timeout) when unset.
    type: float
  plaintext_allowed_hosts:
    description: As in M(mailops.mailconfig.mail_verify), hosts to which credentials may be sent without TLS.
    type: list
    elements: str
    default: []
  backup_keep:
    description: With O(backup), how many backups of the store to keep (the oldest beyond it are deleted); V(0) keeps all.
    type: int
    default: 10
  update_password:
    description:
      - V(always) writes the secret keys like any other key.
      - V(on_create) writes a secret key only when the store does not hold it yet or holds it empty, so a password
        or refresh token that the application rotated itself is left alone.
    type: str
    choices: [always, on_create]
    default: always
  backup:
    description:
      - Keep a timestamped copy of the file or database beside it before changing it, mode V(0600).
      - O(state=restored) puts the newest one back.
    type: bool
    default: false
  owner:
    description: Owner of the file or database. An existing file keeps its owner when not set.
    type: str
  group:
    description: Group of the file or database. An existing file keeps its group when not set.
    type: str
  mode:
    description:
      - Octal mode of the file or database, as a quoted string such as V('0600').
      - A file the module creates gets V('0600') (it holds a password); an existing file keeps its mode when not set,
        so the application that reads it is not locked out.
    type: raw
  key_map:
    description:
      - Rename canonical keys to the application's own names, for example C(email.outgoing.host) to C(smtp.server).
      - Keys not listed keep their canonical name.
    type: dict
    default: {}
notes:
  - File stores are replaced atomically (temp file, fsync, rename, directory fsync) under an advisory lock on their
    directory, so a crash leaves the old or the new file and concurrent runs never lose each other's keys.
seealso:
  - module: mailops.mailconfig.mail_verify
'''

EXAMPLES = r'''
- name: Write the practice mailbox into the application's settings database
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      path: /var/lib/dentalsoft/settings.db
      contact:
        table: practice
        key_column: id
        key_value: 1
        email_column: email
    backup: true

- name: Same settings for an application that reads a JSON file with its own key names
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      type: json
      path: /etc/dentalsoft/mail.json
      create: true
    owner: dentalsoft
    group: dentalsoft
    mode: '0640'
    key_map:
      email.outgoing.host: smtp.server
      email.auth.password: smtp.secret

- name: Keep a password the application rotates itself
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      type: ini
      path: /etc/dentalsoft/mail.ini
    update_password: on_create

- name: A mailbox that is not live yet, written although its test fails (with a warning)
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      path: /var/lib/dentalsoft/settings.db
    write_untested: true

- name: Put back the settings from before the last change, tested first
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      path: /var/lib/dentalsoft/settings.db
    state: restored

- name: Write the practice address into Open Dental's database, from the controller
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      type: mysql
      application: opendental
      host: od-server.practice.lan
      user: mailconfig
      password: "{{ vault_opendental_db_password }}"
      database: opendental
      ca_path: /etc/mailconfig/practice-db-ca.pem
    backup: true
  delegate_to: localhost

- name: Remove our keys, leave everything else
  mailops.mailconfig.mail_account:
    declaration: "{{ mail_account }}"
    store:
      path: /var/lib/dentalsoft/settings.db
    state: absent
'''

RETURN = r'''
outcome:
  description:
    - V(written) (tested when a connection setting changed), V(unchanged), V(kept_previous) (the test failed, nothing was
      written) or V(written_untested) (the test failed and O(write_untested) wrote anyway). In check mode, what would happen.
  returned: always
  type: str
  sample: kept_previous
kept_previous:
  description: The store keeps the settings it had before the run, because the new ones failed their test or could not be written.
  returned: always
  type: bool
  sample: true
tested:
  description: Whether a login test ran (or was refused by the lockout guard); then RV(ok), RV(outgoing) and RV(incoming) are present.
  returned: always
  type: bool
tested_from:
  description: The host the test ran from (the target, or the host the task was delegated to).
  returned: when RV(tested)
  type: str
  sample: practice-a
ok:
  description: Whether every enabled check of the test succeeded.
  returned: when RV(tested)
  type: bool
outgoing:
  description: The SMTP check of the test, with the fields of M(mailops.mailconfig.mail_verify)'s RV(outgoing).
  returned: when RV(tested)
  type: dict
incoming:
  description: The IMAP or POP3 check of the test, as M(mailops.mailconfig.mail_verify)'s RV(incoming).
  returned: when RV(tested)
  type: dict
token:
  description: The OAuth 2.0 token request of the test, as in M(mailops.mailconfig.mail_verify).
  returned: when RV(tested) and the declaration uses OAuth 2.0
  type: dict
secret_source:
  description:
    - V(declaration) when the test used the declared secret, V(store) when it used the stored one (O(update_password=on_create)),
      V(backup) when O(state=restored) tested the backup's.
  returned: when RV(tested)
  type: str
restored_from:
  description: The backup whose settings O(state=restored) put back.
  returned: when O(state=restored)
  type: str
settings:
  description: Our keys as the store holds them after the run (empty for O(state=absent)), secrets masked.
  returned: when the store was applied (not when the previous settings were kept)
  type: dict
  sample: {"email.address": "reception@smiles-dental.co.uk", "email.auth.password": "********", "email.outgoing.port": 465}
store:
  description: The store that was written (for V(mysql) its application, host, port, database and clinic; never a password).
  returned: always
  type: dict
  sample: {"type": "sqlite", "path": "/var/lib/dentalsoft/settings.db", "table": "settings"}
backup_file:
  description: The copy made before the change.
  returned: when O(backup=true) and the store changed
  type: str
  sample: /var/lib/dentalsoft/settings.db.20260102T030405.123456Z.bak
diff:
  description:
    - Before and after text of our keys (file stores, the masked file; SQLite, C(section.key = value) lines;
      MySQL, C(table[key=number].column = value) lines).
  returned: in diff mode
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import DECLARATION_ARGUMENT
from ansible_collections.mailops.mailconfig.plugins.module_utils._mail_account import run
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import store_argument

STORE_ARGUMENT = store_argument()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            declaration=DECLARATION_ARGUMENT,
            store=STORE_ARGUMENT,
            state=dict(type="str", choices=["present", "absent", "restored"], default="present"),
            update_password=dict(type="str", choices=["always", "on_create"], default="always", no_log=False),
            test=dict(type="bool", default=True),
            write_untested=dict(type="bool", default=False),
            retry_failed_secret=dict(type="bool", default=False, no_log=False),
            known_failed_secret=dict(type="str", no_log=False),
            ca_path=dict(type="path"),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="float", default=15),
            deadline=dict(type="float"),
            plaintext_allowed_hosts=dict(type="list", elements="str", default=[]),
            backup=dict(type="bool", default=False),
            backup_keep=dict(type="int", default=10),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="raw"),
            key_map=dict(type="dict", default={}, no_log=False),
        ),
        supports_check_mode=True,
    )
    run(module)


if __name__ == "__main__":
    main()
