"""What a run leaves behind: the fleet report (JSON, HTML, Prometheus), the audit log and the run's identity."""
