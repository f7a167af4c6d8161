"""Checks that the shipping files (Dockerfile, deploy/, CI) agree with the service."""
