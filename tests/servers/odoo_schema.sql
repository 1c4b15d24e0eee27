-- The mail tables of an Odoo 17.0 database, as Odoo's ORM creates them, for the tests.
--
-- Modeled on Odoo 17.0 (odoo/odoo, branch 17.0; read from a 17.0 community snapshot):
--   odoo/addons/base/models/ir_mail_server.py   model ir.mail_server   -> table ir_mail_server
--   addons/mail/models/fetchmail.py             model fetchmail.server -> table fetchmail_server
--   addons/google_gmail/models/google_gmail_mixin.py  (auto_install with mail: its columns are in
--                                                    both tables of a standard install)
--   odoo/addons/base/models/ir_cron.py, addons/mail/data/ir_cron_data.xml  (the fetchmail cron)
--   odoo/addons/base/data/base_data.sql                                      (ir_model_data)
--   odoo/addons/base/models/ir_config_parameter.py                           (ir_config_parameter)
-- How the ORM maps fields (odoo/fields.py, odoo/tools/sql.py, 17.0): the table gets
-- "id SERIAL NOT NULL, PRIMARY KEY(id)"; Char and Selection -> VARCHAR (no length), Integer and
-- Many2one -> int4, Boolean -> bool, Float -> float8, Text -> text, Datetime -> timestamp (UTC,
-- without time zone), Binary with attachment=False -> bytea (holding base64 text); required=True ->
-- NOT NULL; index=True -> btree index "<table>__<column>_index". Field defaults live in Python only:
-- the columns have no SQL DEFAULT, so a writer going around the ORM must give every value itself.
-- Columns are laid out in Odoo's type order (int4, varchar, text, bool, timestamp, others).
-- Every model gets create_uid/write_uid (Many2one res.users, ON DELETE SET NULL) and
-- create_date/write_date.
--
-- Left out on purpose (this schema is res_users-free): the foreign keys create_uid/write_uid ->
-- res_users(id), fetchmail_server.object_id -> ir_model(id), ir_cron.user_id -> res_users(id) and
-- ir_cron.ir_actions_server_id -> ir_act_server(id). The columns stay, as plain integers.
--
-- Not modeled: Odoo 18.0 adds ir_mail_server.max_email_size (float8) and the CHECK constraint
-- ir_mail_server_certificate_requires_tls (18.0 odoo/addons/base/models/ir_mail_server.py); 18.0 drops
-- ir_cron.numbercall/doall and adds failure_count/first_failure_date. The microsoft_outlook module
-- (not auto-installed) adds microsoft_outlook_refresh_token, microsoft_outlook_access_token (varchar)
-- and microsoft_outlook_access_token_expiration (int4) to both mail tables.

-- ir.mail_server (17.0 odoo/addons/base/models/ir_mail_server.py). smtp_authentication:
-- 'login' | 'certificate' | 'cli' (+ 'gmail' from google_gmail, 'outlook' from microsoft_outlook);
-- smtp_encryption: 'none' | 'starttls' | 'ssl'. smtp_pass is plain text.
CREATE TABLE ir_mail_server (
    id SERIAL NOT NULL,
    smtp_port int4,                                -- default 25 (Python)
    sequence int4,                                 -- default 10; lowest first
    create_uid int4,                               -- res_users(id) ON DELETE SET NULL in Odoo
    write_uid int4,                                -- res_users(id) ON DELETE SET NULL in Odoo
    name VARCHAR NOT NULL,
    from_filter VARCHAR,                           -- comma-separated addresses or domains
    smtp_host VARCHAR,                             -- not required since 17.0 ('cli' needs none)
    smtp_authentication VARCHAR NOT NULL,          -- default 'login'
    smtp_user VARCHAR,
    smtp_pass VARCHAR,
    smtp_encryption VARCHAR NOT NULL,              -- default 'none'
    smtp_debug bool,
    active bool,                                   -- default true
    create_date timestamp,
    write_date timestamp,
    smtp_ssl_certificate bytea,
    smtp_ssl_private_key bytea,
    -- google_gmail (added by ALTER TABLE when that module installs)
    google_gmail_authorization_code VARCHAR,
    google_gmail_refresh_token VARCHAR,
    google_gmail_access_token VARCHAR,
    google_gmail_access_token_expiration int4,
    PRIMARY KEY(id)
);
COMMENT ON TABLE ir_mail_server IS 'Mail Server';
CREATE INDEX ir_mail_server__name_index ON ir_mail_server USING btree (name);

-- fetchmail.server (17.0 addons/mail/models/fetchmail.py). server_type: 'imap' | 'pop' | 'local'
-- (+ 'gmail', 'outlook'); state: 'draft' | 'done' (button_confirm_login writes 'done' after a
-- successful login; only 'done' servers of a type other than 'local' are fetched).
-- "user" is a reserved word in PostgreSQL: always quote it (unquoted, SELECT user gives current_user).
CREATE TABLE fetchmail_server (
    id SERIAL NOT NULL,
    port int4,
    object_id int4,                                -- ir_model(id) ON DELETE SET NULL in Odoo
    priority int4,                                 -- default 5; lowest first
    create_uid int4,
    write_uid int4,
    name VARCHAR NOT NULL,
    state VARCHAR,                                 -- default 'draft'
    server VARCHAR,
    server_type VARCHAR NOT NULL,                  -- default 'imap' (17.0)
    "user" VARCHAR,
    password VARCHAR,
    script VARCHAR,                                -- default '/mail/static/scripts/odoo-mailgate.py'
    configuration text,
    active bool,                                   -- default true
    is_ssl bool,
    attach bool,                                   -- default true
    original bool,
    date timestamp,                                -- last fetch
    create_date timestamp,
    write_date timestamp,
    google_gmail_authorization_code VARCHAR,
    google_gmail_refresh_token VARCHAR,
    google_gmail_access_token VARCHAR,
    google_gmail_access_token_expiration int4,
    PRIMARY KEY(id)
);
COMMENT ON TABLE fetchmail_server IS 'Incoming Mail Server';
CREATE INDEX fetchmail_server__state_index ON fetchmail_server USING btree (state);
CREATE INDEX fetchmail_server__server_type_index ON fetchmail_server USING btree (server_type);

-- The fetchmail cron. fetchmail.server create/write/unlink call _update_cron(), which sets
-- ir_cron.active = (a server with state 'done' and server_type != 'local' exists) on the record
-- 'mail.ir_cron_mail_gateway_action' (unless ir_config_parameter 'database.is_neutralized' is set).
-- A writer that goes around the ORM must do the same, or the new server is never fetched.
-- ir.cron (17.0 odoo/addons/base/models/ir_cron.py), minimal: the action it _inherits lives in
-- ir_act_server (name, code 'model._fetch_mails()'), not created here.
CREATE TABLE ir_cron (
    id SERIAL NOT NULL,
    ir_actions_server_id int4 NOT NULL,            -- ir_act_server(id) ON DELETE RESTRICT in Odoo
    user_id int4 NOT NULL,                         -- res_users(id) in Odoo
    interval_number int4,
    numbercall int4,                               -- 17.0 only
    priority int4,
    create_uid int4,
    write_uid int4,
    cron_name VARCHAR,
    interval_type VARCHAR,
    active bool,
    doall bool,                                    -- 17.0 only
    nextcall timestamp NOT NULL,
    lastcall timestamp,
    create_date timestamp,
    write_date timestamp,
    PRIMARY KEY(id)
);
COMMENT ON TABLE ir_cron IS 'Scheduled Actions';

-- ir_model_data as 17.0 odoo/addons/base/data/base_data.sql creates it (the XML ids).
CREATE TABLE ir_model_data (
    id serial NOT NULL,
    create_uid integer,
    create_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_date timestamp without time zone DEFAULT (now() at time zone 'UTC'),
    write_uid integer,
    res_id integer,
    noupdate boolean DEFAULT False,
    name varchar NOT NULL,
    module varchar NOT NULL,
    model varchar NOT NULL,
    primary key(id)
);
CREATE UNIQUE INDEX ir_model_data_module_name_uniq_index ON ir_model_data (module, name);
CREATE INDEX ir_model_data_model_res_id_index ON ir_model_data (model, res_id);

-- ir.config_parameter (17.0 odoo/addons/base/models/ir_config_parameter.py): mail.default.from,
-- mail.catchall.domain, mail.default.from_filter, database.is_neutralized ...
CREATE TABLE ir_config_parameter (
    id SERIAL NOT NULL,
    create_uid int4,
    write_uid int4,
    key VARCHAR NOT NULL,
    value text NOT NULL,
    create_date timestamp,
    write_date timestamp,
    PRIMARY KEY(id),
    CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key)
);

-- The cron as the mail module's data file leaves it (inactive until a server is confirmed):
-- 17.0 addons/mail/data/ir_cron_data.xml, record ir_cron_mail_gateway_action, installed as the
-- superuser (id 1). The action id is a stand-in.
INSERT INTO ir_cron (id, ir_actions_server_id, user_id, interval_number, numbercall, priority, cron_name,
                     interval_type, active, doall, nextcall, create_uid, write_uid, create_date, write_date)
VALUES (1, 1, 1, 5, -1, 5, 'Mail: Fetchmail Service', 'minutes', false, false,
        now() at time zone 'UTC', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC');
SELECT setval('ir_cron_id_seq', 1);
INSERT INTO ir_model_data (name, module, model, noupdate, res_id)
VALUES ('ir_cron_mail_gateway_action', 'mail', 'ir.cron', true, 1);  -- declared in <data noupdate="1">
