"""Errors of the AMDA REST client, small and named."""


class AmdaError(IOError):
    """AMDA answered with a failure, or something that is not an AMDA answer."""


class AmdaJobTimeout(AmdaError):
    """A long AMDA job was still "in progress" after the polling budget."""


class MissingCredentials(AmdaError):
    """A private product needs a user id and password."""
