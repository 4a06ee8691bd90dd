"""The pure core: the domain model, the history merge, alert decisions, event parsing and message
rendering. No AWS, no environment, no I/O: plain functions of their inputs."""
