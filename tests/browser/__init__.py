"""The example notebooks in JupyterLab, in headless Chromium: what a person sees."""
