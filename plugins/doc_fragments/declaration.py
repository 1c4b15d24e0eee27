# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The ``declaration`` option, shared by mail_account and mail_verify."""

    DOCUMENTATION = r'''
options:
  declaration:
    description:
      - The mail account declaration, usually C({{ mail_account }}).
      - The action plugin validates it against C(schemas/mail_account.schema.json) and the lint rules
        on the controller, fails before connecting when it has an error, and passes the normalised
        declaration (provider defaults filled in) to the target.
      - See the collection's C(docs/declaration.md) for every field.
    type: dict
    required: true
    suboptions:
      schema_version:
        description: Version of the declaration format. Only V(1) exists.
        type: int
        required: true
      address:
        description: The bare practice email address, without a display name.
        type: str
        required: true
      display_name:
        description: Name shown beside the address.
        type: str
      provider:
        description: Provider catalogue key (V(office365), V(gmail), ...), or V(other).
        type: str
        required: true
      username:
        description: Login name. Defaults to O(declaration.address).
        type: str
      auth:
        description: Credentials.
        type: dict
        required: true
        suboptions:
          method:
            description: V(password) or V(oauth2).
            type: str
            required: true
            choices: [password, oauth2]
          password:
            description: Password or app password. Never printed.
            type: str
          oauth2:
            description: OAuth 2.0 client and grant.
            type: dict
            suboptions:
              tenant:
                description: Microsoft tenant ID or domain.
                type: str
              token_endpoint:
                description: OAuth 2.0 token endpoint URL.
                type: str
              client_id:
                description: Application (client) ID.
                type: str
              client_secret:
                description: Client secret. Never printed.
                type: str
              refresh_token:
                description: Refresh token. Never printed.
                type: str
              scopes:
                description: Scopes to request.
                type: list
                elements: str
      outgoing:
        description: SMTP submission server.
        type: dict
        suboptions:
          host:
            description: Host name.
            type: str
          port:
            description: Port, V(465) for implicit TLS or V(587) for STARTTLS.
            type: int
          security:
            description: Transport security.
            type: str
            choices: [tls, starttls, none]
          authenticate:
            description: Log in before sending.
            type: bool
          allow_plaintext_login:
            description: Trusted network only, allow O(declaration.outgoing.security=none) with a login.
            type: bool
      incoming:
        description: Optional IMAP or POP3 server.
        type: dict
        suboptions:
          enabled:
            description: Whether the application reads mail.
            type: bool
          protocol:
            description: V(imap) (recommended) or V(pop3).
            type: str
            choices: [imap, pop3]
          host:
            description: Host name.
            type: str
          port:
            description: Port.
            type: int
          security:
            description: Transport security.
            type: str
            choices: [tls, starttls, none]
          leave_copy_on_server:
            description: POP3 only, the provider keeps a copy of each message.
            type: bool
          acknowledge_mail_removal:
            description: POP3 only, accept that messages are moved off the server.
            type: bool
          allow_plaintext_login:
            description: Trusted network only, allow O(declaration.incoming.security=none) with a login.
            type: bool
      sending:
        description: Sending limits.
        type: dict
        suboptions:
          rate_per_minute:
            description: Messages per minute.
            type: int
      practice:
        description: Practice records that follow the account.
        type: dict
        suboptions:
          update_contact_email:
            description: Also change the practice's contact address.
            type: bool
      lint:
        description: Lint settings.
        type: dict
        suboptions:
          ignore:
            description: Warning or info codes to silence.
            type: list
            elements: str
'''
