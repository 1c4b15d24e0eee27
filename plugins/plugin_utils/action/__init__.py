"""Support for the action plugins: their one base class, Ansible data bridging, per-host reuse and batch checks."""
