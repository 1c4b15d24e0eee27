"""Probing: the "Test Credentials" half of the target side, which never changes anything.

SMTP, IMAP and POP3 probes over one bounded transport (TLS, SASL), the OAuth 2.0 token
request, the diagnosis codes every failure becomes, and ``_verify``, which runs the probes
of one declaration. Standard library only.
"""
