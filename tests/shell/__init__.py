"""The shell tests: batch mode, the printer, prompt_toolkit parts and the real program on a pty."""
