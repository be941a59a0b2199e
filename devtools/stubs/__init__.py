"""Local counterparts of the external platforms, speaking their wire protocols over real HTTP."""
