#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: mail_verify
short_description: Test a mail account's credentials and TLS against its real servers
version_added: 0.1.0
description:
  - The "Test Credentials" button, done properly. Checks the outgoing SMTP submission server and, when the
    declaration enables one, the incoming IMAP or POP3 server, and names the exact cause of any failure with a
    stable diagnosis code and a hint (see the collection's C(docs/diagnoses.md)).
  - "Stages, each timed: resolve, connect, TLS (implicit, or STARTTLS after the greeting), greeting and capabilities,
    one authentication attempt, one read-only command (SMTP C(NOOP), IMAP C(EXAMINE INBOX), POP3 C(STAT)), logout."
  - Certificates are verified against the system trust store or O(ca_path). STARTTLS fails closed. Credentials are
    never sent unencrypted unless the server's C(security) is V(none) and its host is listed in
    O(plaintext_allowed_hosts).
  - One login attempt per server with one mechanism (PLAIN, else LOGIN for passwords; XOAUTH2, else OAUTHBEARER for
    OAuth 2.0 access tokens), in UTF-8; an IMAP server that offers no SASL mechanism gets the IMAP
    C(LOGIN) command. Never changes a mailbox; sends mail only when O(send_test_to) is set.
  - Runs from the site or the controller; needs only Python's standard library on the target.
requirements:
  - Python 3.8 or later on the target, standard library only.
author: mailconfig contributors (@mailops)
extends_documentation_fragment:
  - mailops.mailconfig.declaration
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - mailops.mailconfig.attributes.action_module
options:
  ca_path:
    description:
      - PEM file (or hashed certificate folder) of the authorities to trust instead of the system store, for servers
        with a private CA.
    type: path
  validate_certs:
    description:
      - Verify the servers' certificates and host names.
      - V(false) is reported as a warning, since a successful check then proves neither privacy nor the server's identity.
    type: bool
    default: true
  timeout:
    description:
      - Seconds each stage may take in total (resolve, connect, TLS, greeting, authentication ...), however the server
        spreads its answer over time.
    type: float
    default: 15
  deadline:
    description:
      - Seconds the whole check may take, whatever the servers or the token endpoint do - DNS, connections, TLS, every
        exchange of both sides and the OAuth 2.0 token request included. A check still running then fails with
        C(timeout), and the message names the deadline.
      - Defaults to three times O(timeout).
    type: float
  fail_on_error:
    description:
      - Fail the task when a check fails. With V(false) the task succeeds and RV(ok) tells the outcome.
    type: bool
    default: true
  send_test_to:
    description:
      - Recipient of one test message, sent after a successful outgoing check. Its subject and body say what it is.
      - Only then does the task report C(changed). In check mode nothing is sent.
    type: str
  plaintext_allowed_hosts:
    description:
      - Hosts to which credentials may be sent without TLS, for servers on a trusted network declared with
        C(security=none). Credentials go in clear only when both apply.
    type: list
    elements: str
    default: []
  retry_failed_secret:
    description:
      - Try a secret again although the same secret was already rejected with C(auth_failed) for this host.
      - By default the action plugin does not try such a secret again until it changes (providers lock a mailbox after
        repeated failed logins) and reports C(auth_failed) at stage C(lockout_guard) without connecting.
    type: bool
    default: false
  access_token:
    description:
      - OAuth 2.0 access token for a declaration with C(auth.method=oauth2), used with XOAUTH2 or OAUTHBEARER.
      - When not given, the module first gets one from the declaration's token endpoint with its grant (refresh token,
        or client credentials), with the same O(ca_path), O(validate_certs) and O(timeout); a failure there is reported
        on both sides at stage C(token) with an C(oauth_*) code.
      - Never printed.
    type: str
  from_batch:
    description:
      - The name of a variable registered from a M(mailops.mailconfig.mail_verify_batch) task of this run (of this
        play or an earlier one, since registered variables outlive their play). The action plugin then reports this
        host's entry of it (C(results[inventory_hostname])) as this host's result, with O(fail_on_error) applied,
        instead of checking again; nothing connects and the module does not run. The other options are ignored.
      - A name, not the entry itself, so that the host's share is looked up in Python rather than by a template that
        indexes the whole batch's result once per host (which costs time in proportion to the batch's size).
      - The C(mail_account) role uses it with C(mail_account_verify_from=controller), so that every host ends ok or
        failed on its own after one batch.
    type: str
    version_added: 0.1.0
attributes:
  check_mode:
    support: full
    details: Read-only; in check mode no test message is sent.
  diff_mode:
    support: none
notes:
  - Diagnosis codes and hints are listed in the collection's C(docs/diagnoses.md).
'''

EXAMPLES = r'''
- name: Test the practice's mail account
  mailops.mailconfig.mail_verify:
    declaration: "{{ mail_account }}"

- name: Test against a server with a private CA, report without failing
  mailops.mailconfig.mail_verify:
    declaration: "{{ mail_account }}"
    ca_path: /etc/ssl/practice-ca.pem
    fail_on_error: false
  register: mail_check

- name: Show the diagnosis
  ansible.builtin.debug:
    msg: "{{ mail_check.outgoing.code }}: {{ mail_check.outgoing.hint }}"
  when: not mail_check.ok

- name: Send one test message to the practice manager
  mailops.mailconfig.mail_verify:
    declaration: "{{ mail_account }}"
    send_test_to: manager@smiles-dental.co.uk
'''

RETURN = r'''
ok:
  description: Whether every enabled check succeeded.
  returned: always
  type: bool
  sample: false
outgoing:
  description: The SMTP submission check.
  returned: always
  type: dict
  contains:
    status:
      description: V(ok) or V(failed).
      type: str
      sample: failed
    stage:
      description: >-
        The stage that failed (resolve, connect, tls, greeting, capabilities, starttls, authenticate, command, send),
        or the last stage run.
      type: str
      sample: authenticate
    code:
      description: Stable diagnosis code (see docs/diagnoses.md), or null on success.
      type: str
      sample: app_password_required
    message:
      description: What happened, naming the server.
      type: str
    hint:
      description: What to do about it, or null on success.
      type: str
    server_response:
      description: The server's last relevant answer, with secrets masked.
      type: str
      sample: "534 5.7.9 Application-specific password required."
    tls:
      description: The TLS session, null when the connection stayed plain.
      type: dict
      contains:
        version:
          description: TLS protocol version.
          type: str
          sample: TLSv1.3
        cipher:
          description: Cipher suite.
          type: str
        subject:
          description: Certificate subject (null when certificates are not verified).
          type: str
          sample: CN=smtp.gmail.com
        issuer:
          description: Certificate issuer.
          type: str
        not_after:
          description: Certificate expiry, UTC, ISO 8601.
          type: str
          sample: "2027-01-31T08:00:00Z"
        days_left:
          description: Whole days until the certificate expires.
          type: int
    auth_mechanisms:
      description: SASL mechanisms the server offered (after TLS).
      type: list
      elements: str
      sample: [PLAIN, LOGIN, XOAUTH2]
    auth_mechanism:
      description: The one mechanism used.
      type: str
      sample: PLAIN
    elapsed_ms:
      description: Wall time of the whole check.
      type: float
    stages:
      description: Each stage run, with C(name), C(status) and C(elapsed_ms).
      type: list
      elements: dict
    test_message:
      description: The test message, when O(send_test_to) is set (C(to), C(sent), C(server_response)).
      type: dict
      returned: when send_test_to is set
    protocol:
      description: V(smtp).
      type: str
    host:
      description: Server host name.
      type: str
    port:
      description: Server port.
      type: int
    security:
      description: V(tls), V(starttls) or V(none).
      type: str
    address:
      description: The IP address connected to.
      type: str
incoming:
  description:
    - The IMAP or POP3 check, with the same fields as RV(outgoing) plus C(messages) (the message count EXAMINE or STAT
      reported). C(status) is V(skipped) when the declaration enables no incoming server.
  returned: always
  type: dict
provider:
  description: The declaration's provider key.
  returned: when O(from_batch) is given and the declaration validated
  type: str
token:
  description:
    - The OAuth 2.0 token request (stage C(token)), with the same fields as RV(outgoing) and C(protocol=oauth2).
    - The access token itself is never returned.
  returned: when the declaration uses OAuth 2.0 and O(access_token) was not given
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import ControlCharacterError
from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import DECLARATION_ARGUMENT
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import CAPathError
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary, verify


def main():
    module = AnsibleModule(
        argument_spec=dict(
            declaration=DECLARATION_ARGUMENT,
            ca_path=dict(type="path"),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="float", default=15),
            deadline=dict(type="float"),
            fail_on_error=dict(type="bool", default=True),
            send_test_to=dict(type="str"),
            plaintext_allowed_hosts=dict(type="list", elements="str", default=[]),
            access_token=dict(type="str", no_log=True),
            retry_failed_secret=dict(type="bool", default=False, no_log=False),
            from_batch=dict(type="str"),  # handled by the action plugin; the module never receives it
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result, warnings = verify(
            params["declaration"],
            ca_path=params["ca_path"],
            validate_certs=params["validate_certs"],
            timeout=params["timeout"],
            send_test_to=params["send_test_to"],
            plaintext_allowed_hosts=params["plaintext_allowed_hosts"],
            access_token=params["access_token"],
            check_mode=module.check_mode,
            deadline=params["deadline"],
        )
    except (CAPathError, ControlCharacterError) as exc:
        module.fail_json(msg=str(exc), ok=False)
    for warning in warnings:
        module.warn(warning)
    result["msg"] = summary(result)
    if not result["ok"] and params["fail_on_error"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
