"""Offline science stack for the propagation tests, and astropy on the same DE421 file."""

import pytest

from storms.config import prepare_offline_science_stack


@pytest.fixture(scope="session", autouse=True)
def offline_stack(tmp_path_factory):
    prepare_offline_science_stack(tmp_path_factory.mktemp("storms-data"))


@pytest.fixture
def astropy_de421():
    """astropy/sunpy using the same DE421 kernel as propagation (so Earth agrees)."""
    from astropy.coordinates import solar_system_ephemeris

    from propagation.ephemerides import de421_path

    with solar_system_ephemeris.set(de421_path()):
        yield
