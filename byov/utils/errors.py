"""The base of byov's errors in what a user gave: a config, a data root, a checkpoint.

Their messages name the file or option and the fix, and they are raised before anything
expensive runs, so byov's tools print them as one message without a traceback
(:func:`byov.utils.launch.exit_on_input_errors`). Each also derives from the built-in
type code would expect (``FileNotFoundError``, ``KeyError``, ...), so ``except`` clauses
written for those still catch it.
"""


class UserInputError(Exception):
    """Something the user gave is wrong; the message says what and how to fix it."""


class ConfigFileNotFoundError(UserInputError, FileNotFoundError):
    """The config file given on the command line does not exist."""


class CheckpointNotFoundError(UserInputError, FileNotFoundError):
    """The checkpoint given does not exist or is not a file."""


class UnknownTypeError(UserInputError, KeyError):
    """A config names a ``type`` no registry holds (the message lists the closest)."""

    def __str__(self):  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ''


class ConfigOptionError(UserInputError, TypeError):
    """A config passes an option the built class does not take."""
