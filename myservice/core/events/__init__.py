"""Events and jobs: published with the data in one transaction, handled once each, never lost.

messages.py defines what travels, outbox.py stores it with the data, handlers.py finds the
service's consumers, inbox.py runs one handler on one message once, and without_broker.py hands the
outbox to the consumers in the process when no broker is configured.
"""
