"""The test suite of skillmeat_profiles."""
