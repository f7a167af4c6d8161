"""Consumers of the tests, discovered as a service's events/ package is."""
