"""Sign-in endpoints from the catalogue, the tenant from the declaration or the address, overrides from the registration."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import NoSignIn, endpoints, tenant_of


def test_microsoft_endpoints_carry_the_tenant():
    where = endpoints("office365", "brightteeth.co.uk")
    assert where.device == "https://login.microsoftonline.com/brightteeth.co.uk/oauth2/v2.0/devicecode"
    assert where.authorize.endswith("/brightteeth.co.uk/oauth2/v2.0/authorize") and where.token.endswith("/token")
    assert "offline_access" in where.scopes and where.loopback_host == "localhost" and where.authorize_parameters == {}


def test_google_has_no_device_flow_and_asks_for_offline_access():
    where = endpoints("gmail", None)
    assert where.device is None and where.loopback_host == "127.0.0.1"
    assert where.authorize_parameters == {"access_type": "offline", "prompt": "consent"}


def test_overrides_win():
    where = endpoints("nhsmail", "nhs.net", {"device_endpoint": "https://idp.test/{tenant}/dc", "client_id": "x"})
    assert where.device == "https://idp.test/nhs.net/dc" and where.token.startswith("https://login.microsoftonline.com/nhs.net/")


@pytest.mark.parametrize("declaration, tenant", [
    ({"address": "Reception@Molars.co.uk", "auth": {"method": "password"}}, "molars.co.uk"),
    ({"address": "a@b.test", "auth": {"method": "oauth2", "oauth2": {"tenant": "b.onmicrosoft.com"}}}, "b.onmicrosoft.com"),
])
def test_tenant(declaration, tenant):
    assert tenant_of(declaration) == tenant


def test_no_sign_in_without_a_tenant_or_an_oauth2_entry():
    with pytest.raises(NoSignIn):
        endpoints("office365", "")
    with pytest.raises(NoSignIn):
        endpoints("ionos_uk", "x")
