"""Interoperability with pyzmq peers in other processes."""
