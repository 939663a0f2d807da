"""Readers: turn files and feeds into Documents and Tracks."""


class InputError(Exception):
    """A file that cannot be read; the message names the file and the problem on one line."""
