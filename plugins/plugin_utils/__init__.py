"""Controller-only code (PyYAML, jsonschema, dnspython), grouped by concern.

``declaration`` reads, validates, lints and normalises a declaration; ``catalogue`` knows
the providers (catalogue, detection, DNS, ISPDB, sender checks, deadlines); ``report``
turns runs into reports, audit lines, setup sheets and run information; ``oauth`` gets each
practice's refresh token once (sign-in flows, vault file, campaign); ``action`` is what the
action plugins share (one base class, per-host reuse, batch checks). ``_paths`` serves them all.
"""
