"""The session tests: the command language, parser, events and live sessions with peers."""
