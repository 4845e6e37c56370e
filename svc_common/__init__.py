"""Shared code for the Nimbus API, conductor and compute services."""
