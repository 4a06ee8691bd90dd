"""Use cases: ingest, reconcile (and backfill), notify. They receive their dependencies as parameters
and talk to the world only through the ports in ``ports``."""
