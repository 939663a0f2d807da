"""Readers: turn report files into Documents and sensor feed files into decoded messages."""


class InputError(Exception):
    """A file that cannot be read; the message names the file and the problem on one line."""
