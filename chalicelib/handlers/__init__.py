"""HTTP handlers: one Blueprint per flow. They parse, call the flow, render."""
