"""The %zmq magic tests, in an in-process IPython shell."""
