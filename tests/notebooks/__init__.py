"""The example notebooks, run by a real kernel."""
