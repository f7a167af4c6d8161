"""The service's tables and their queries, one module per table (`make view` writes them).

Each table derives from myservice.core.Base; every public module here is imported when the app
is built, so that the migrations see all the tables.
"""
