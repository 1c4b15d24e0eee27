"""Write N realistic declaration files (a mix of providers and shapes) into a folder."""

import os
import random
import sys

PROVIDERS = [
    ("gmail", "password", None),
    (
        "office365",
        "oauth2",
        {"tenant": "practice{n}.onmicrosoft.com", "client_id": "app-{n}", "refresh_token": "rt-secret-{n}"},
    ),
    ("ionos_uk", "password", None),
    ("godaddy", "password", None),
    ("yahoo", "password", None),
    ("other", "password", None),
]


def declaration(n, rng):
    provider, method, oauth2 = PROVIDERS[n % len(PROVIDERS)]
    lines = [
        "# yaml-language-server: $schema=../../schemas/mail_account.schema.json",
        "schema_version: 1",
        "address: reception@practice%d.example.co.uk" % n,
        "display_name: Practice %d Dental" % n,
        "provider: %s" % provider,
        "auth:",
        "  method: %s" % method,
    ]
    if method == "password":
        lines.append("  password: 'secret-%d-%06x'" % (n, rng.getrandbits(24)))
    else:
        lines.append("  oauth2:")
        lines.extend("    %s: %s" % (k, v.format(n=n)) for k, v in oauth2.items())
    if provider == "other":
        lines += ["outgoing:", "  host: mail.practice%d.example.co.uk" % n, "  port: 587", "  security: starttls"]
    if n % 3 == 0:
        lines += ["incoming:", "  enabled: true", "  protocol: imap"]
        if provider == "other":
            lines += ["  host: mail.practice%d.example.co.uk" % n, "  port: 993", "  security: tls"]
    lines += ["sending:", "  rate_per_minute: 3", "practice:", "  update_contact_email: true"]
    return "\n".join(lines) + "\n"


def main(folder, count):
    rng = random.Random(42)
    os.makedirs(folder, exist_ok=True)
    for n in range(count):
        with open(os.path.join(folder, "practice-%05d.yml" % n), "w", encoding="utf-8") as handle:
            handle.write(declaration(n, rng))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
