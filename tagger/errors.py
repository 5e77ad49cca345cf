"""Every failure the tagger reports on purpose, in one place (as spaCy's errors.py and Annif's
exception.py do), so the CLI, the service and batch jobs report it the same way."""

from __future__ import annotations


class TaggerError(Exception):
    """Base class: the CLI prints ``prefix: message`` and exits with ``exit_code``."""

    prefix = "Error"
    exit_code = 1

    def __str__(self) -> str:
        return f"{self.prefix}: {super().__str__()}"


class BadInputError(TaggerError, ValueError):
    """Input that cannot be tagged: undecodable bytes, missing columns, malformed rows."""

    prefix = "Bad input"
    exit_code = 2


class InputTypeError(TaggerError, TypeError):
    """A value of the wrong type where text was expected."""

    prefix = "Bad input"
    exit_code = 2


class ModelIntegrityError(TaggerError):
    """A model bundle whose files are missing or do not match their checksums."""

    prefix = "Model integrity"
    exit_code = 3


class ConfigurationError(TaggerError):
    """A setting, path or dependency that is missing or wrong."""

    prefix = "Misconfigured"
    exit_code = 4
