"""Checks that stand in front of flows: the graphic captcha and rate limits."""
