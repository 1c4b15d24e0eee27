"""Getting a refresh token once per practice: the sign-in flows, the vault file, the campaign over a fleet."""
