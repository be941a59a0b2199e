"""Flows: *what* a citizen is doing (registration, login, ...), whatever the method."""
