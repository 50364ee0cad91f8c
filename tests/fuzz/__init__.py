"""Property-based fuzzing of zmqrepl.core in child processes (issue 6, item 1)."""
