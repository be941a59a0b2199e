"""Persistence: PynamoDB models and the repositories that are the only code to use them.

Flows and handlers call the repository functions; they never see PynamoDB or
its exceptions, which are translated here into :mod:`chalicelib.store.errors`.
"""
