"""External platforms the hall talks to, each an interface with a production
adapter and a local counterpart that runs the same code path in dev and tests.

Providers are chosen by an explicit dict per platform, keyed by the setting.
"""
