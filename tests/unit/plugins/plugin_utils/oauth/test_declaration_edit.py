"""The host_vars edit keeps comments and layout, is idempotent, and leaves files without auth alone."""

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._declaration_edit import change_text, rewrite

ORIGINAL = """---
# Bright Teeth: Microsoft 365   (comment kept)
mail_account:
  schema_version: 1
  address: reception@brightteeth.co.uk    # patients see this
  provider: office365
  auth:
    method: password
    password: "{{ vault_mail_passwords['bright-teeth'] }}"
  outgoing: {host: smtp.office365.com, port: 587, security: starttls}
"""
REFERENCE = "{{ vault_refresh_tokens['bright-teeth'] }}"


def test_auth_is_replaced_and_the_rest_kept(tmp_path):
    (tmp_path / "host_vars").mkdir()
    path = tmp_path / "host_vars" / "bright-teeth.yml"
    path.write_text(ORIGINAL)
    assert rewrite(str(tmp_path), "bright-teeth", "brightteeth.co.uk", "cid", REFERENCE) == str(path)
    expected = ORIGINAL.replace("""    method: password
    password: "{{ vault_mail_passwords['bright-teeth'] }}"
""", """    method: oauth2
    oauth2:
      tenant: brightteeth.co.uk
      client_id: cid
      refresh_token: "%s"
""" % REFERENCE)
    assert path.read_text() == expected
    assert rewrite(str(tmp_path), "bright-teeth", "other", "other", REFERENCE) == str(path)
    assert path.read_text() == expected  # a second run changes nothing


def test_no_host_vars_file_means_no_edit(tmp_path):
    assert rewrite(str(tmp_path), "nowhere", "t", "c", REFERENCE) is None
    assert 'refresh_token: "%s"' % REFERENCE in change_text("t", "c", REFERENCE)
