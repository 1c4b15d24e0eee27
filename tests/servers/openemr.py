"""An OpenEMR-shaped database and site folder for tests, the demo and the benchmarks.

The tables mail_account touches, as OpenEMR's sql/database.sql (tag v7_0_3_3) defines them,
the mail globals as its installer leaves them plus a practice's own, other globals that must
never change, and the key material of tests/data/openemr/vectors.json (made by OpenEMR's own
CryptoGen): the ``keys`` table rows in the database, the key files in a site folder.
"""

import json
import os

from tests.paths import REPO_ROOT
from tests.servers import mariadb

with open(os.path.join(REPO_ROOT, "tests", "data", "openemr", "vectors.json"), encoding="utf-8") as _handle:
    VECTORS = json.load(_handle)
KEY_DIR = os.path.join("documents", "logs_and_misc", "methods")
# The SMTP_PASS the seeded practice stored with OpenEMR 7.0.3.3 (a 006 vector) and what it decrypts to.
OLD_PASSWORD = "hunter2-Practice!"
OLD_STORED = next(
    v["ciphertext"] for v in VECTORS["values"] if v["version"] == "006" and v["plaintext"] == OLD_PASSWORD
)

SCHEMA = """
CREATE TABLE `globals` (
  `gl_name`             varchar(63)    NOT NULL,
  `gl_index`            int(11)        NOT NULL DEFAULT 0,
  `gl_value`            varchar(255)   NOT NULL DEFAULT '',
  PRIMARY KEY (`gl_name`, `gl_index`)
) ENGINE=InnoDB;
CREATE TABLE `keys` (
  `id` bigint(20) NOT NULL auto_increment,
  `name` varchar(20) NOT NULL DEFAULT '',
  `value` text,
  PRIMARY KEY (`id`),
  UNIQUE KEY (`name`)
) ENGINE=InnoDB;
CREATE TABLE `version` (
  `v_major` int(11) NOT NULL DEFAULT 0, `v_minor` int(11) NOT NULL DEFAULT 0, `v_patch` int(11) NOT NULL DEFAULT 0,
  `v_realpatch` int(11) NOT NULL DEFAULT 0, `v_tag` varchar(31) NOT NULL DEFAULT '',
  `v_database` int(11) NOT NULL DEFAULT 0, `v_acl` int(11) NOT NULL DEFAULT 0
) ENGINE=InnoDB;
"""

# A practice that set up mail in OpenEMR 7.0.3.3: STARTTLS on 587, the password sealed as 006; the
# other mail globals as the installer left them; other globals (one encrypted) that must never change.
GLOBALS = {
    "EMAIL_METHOD": "SMTP",
    "SMTP_HOST": "smtp.old-host.example",
    "SMTP_PORT": "587",
    "SMTP_USER": "frontdesk@riverside.example",
    "SMTP_PASS": OLD_STORED,
    "SMTP_SECURE": "tls",
    "patient_reminder_sender_email": "frontdesk@riverside.example",
    "patient_reminder_sender_name": "",
    "practice_return_email_path": "",
    "EMAIL_NOTIFICATION_HOUR": "50",
    "phone_gateway_password": next(
        v["ciphertext"] for v in VECTORS["values"] if v["version"] == "006" and v["plaintext"] == "0"
    ),
    "SMS_GATEWAY_PASSWORD": "sms-gw-plain",
    "language_default": "English (Standard)",
    "gbl_time_zone": "Europe/London",
}


def statements(database, globals_=None, keys=True, version=(7, 0, 3)):
    """SQL creating an OpenEMR-shaped database, seeded."""
    rows = GLOBALS if globals_ is None else globals_
    sql = (
        "DROP DATABASE IF EXISTS `%s`;\n"
        "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\nUSE `%s`;\n%s\n"
        % (database, database, database, SCHEMA)
    )
    if rows:
        sql += "INSERT INTO globals (gl_name, gl_index, gl_value) VALUES %s;\n" % ", ".join(
            "('%s', 0, '%s')" % (name, value) for name, value in rows.items())
    sql += (
        "INSERT INTO globals (gl_name, gl_index, gl_value) "
        "VALUES ('gbl_visit_referral_source', 1, 'index one stays');\n"
    )
    if keys:
        sql += "INSERT INTO `keys` (name, value) VALUES %s;\n" % ", ".join(
            "('%s', '%s')" % (row["name"], row["value"]) for row in VECTORS["keys_table"]
        )
    return (
        sql
        + "INSERT INTO version (v_major, v_minor, v_patch, v_realpatch, v_database) VALUES (%d, %d, %d, 3, 506);\n"
        % version
    )


def create(state, database, user, password, **seed):
    """An OpenEMR-shaped database and a user with what mail_account needs (SELECT, INSERT, UPDATE)."""
    mariadb.sql(state, statements(database, **seed) + mariadb.grant(user, password, database))


def site(folder, files=None):
    """A site folder (``sites/default``) whose methods folder holds the key files (the vectors' unless ``files``); its
    path."""
    methods = os.path.join(folder, "sites", "default", KEY_DIR)
    os.makedirs(methods, exist_ok=True)
    for name, content in (VECTORS["key_files"] if files is None else files).items():
        with open(os.path.join(methods, name), "w", encoding="ascii") as handle:
            handle.write(content)  # as OpenEMR writes them: no newline
    return os.path.join(folder, "sites", "default")
