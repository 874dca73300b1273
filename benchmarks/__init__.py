"""Benchmarks of skillmeat-profiles against the SQLAlchemy design it replaces."""
