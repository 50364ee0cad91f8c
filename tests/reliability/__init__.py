"""Reliability and security: floods, shutdown, bad input, CURVE/ZAP, hostile peers."""
