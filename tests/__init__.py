"""The zmqrepl tests. Shared fixtures: conftest.py; the pyzmq peers: peers/."""
