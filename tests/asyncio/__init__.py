"""Tests of zmqrepl.core.asyncio and zmqrepl.core.anyio, against pyzmq peers in other processes."""
