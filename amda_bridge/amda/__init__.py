"""AMDA REST web services client (CDPP, https://amda.irap.omp.eu/php/rest/): the second
path to AMDA data next to its HAPI server (:mod:`amda_bridge.hapi_client`)."""

from amda_bridge.amda.client import AmdaRestClient, Endpoint
from amda_bridge.amda.exceptions import AmdaError, AmdaJobTimeout, MissingCredentials

__all__ = ["AmdaError", "AmdaJobTimeout", "AmdaRestClient", "Endpoint", "MissingCredentials"]
