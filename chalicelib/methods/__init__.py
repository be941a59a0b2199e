"""Methods: *how* a citizen proves who they are (password, SMS code, ...).

One package per method, one module per flow it takes part in; method ids are
stored in data (sessions, audit events) and never renamed.
"""
