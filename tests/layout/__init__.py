"""The layout tests: which zmqrepl module may import which, read from the source."""
