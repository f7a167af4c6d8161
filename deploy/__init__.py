"""The deploy files' tests live in deploy/tests; this makes `deploy.tests` one package name."""
