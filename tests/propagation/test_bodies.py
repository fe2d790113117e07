"""The body registry: contents, aliases, documented stand-ins, validation of entries."""

import dataclasses

import pytest

from propagation import bodies
from propagation.bodies import BODIES, Body, resolve_body

REQUIRED = {"Sun", "Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune",
            "Pluto", "Moon", "L1", "L2", "L4", "L5", "Parker Solar Probe", "Solar Orbiter",
            "STEREO-A", "BepiColombo", "Juno", "JUICE", "Europa Clipper", "ACE", "Wind",
            "DSCOVR", "SOHO"}


def test_registry_holds_the_required_bodies_once():
    names = [b.name for b in BODIES]
    assert set(names) == REQUIRED and len(names) == len(set(names))
    assert all(b.kind in bodies.KINDS for b in BODIES)


@pytest.mark.parametrize("alias, name", [
    ("PSP", "Parker Solar Probe"), ("spp", "Parker Solar Probe"), ("SolO", "Solar Orbiter"),
    ("STA", "STEREO-A"), ("stereo a", "STEREO-A"), ("Stereo_A", "STEREO-A"), ("earth", "Earth"),
    ("EARTH", "Earth"), (" moon ", "Moon"), ("bepi", "BepiColombo"), ("clipper", "Europa Clipper"),
    ("Sun-Earth L1", "L1"), ("sel2", "L2"), ("soho", "SOHO"),
])
def test_aliases_case_insensitive(alias, name):
    assert resolve_body(alias).name == name


def test_naif_ids_are_the_official_ones():
    # NAIF ids (NAIF "Integer ID codes" required reading; Horizons)
    expected = {"Sun": 10, "Earth": 399, "Moon": 301, "Mars": 499, "Parker Solar Probe": -96,
                "Solar Orbiter": -144, "STEREO-A": -234, "BepiColombo": -121, "Juno": -61,
                "JUICE": -28, "Europa Clipper": -159, "ACE": -92, "Wind": -8, "DSCOVR": -78,
                "SOHO": -21}
    for name, naif in expected.items():
        assert resolve_body(name).naif == naif
    ids = [b.naif for b in BODIES if b.naif is not None]
    assert len(ids) == len(set(ids))


def test_sources_say_how_positions_are_obtained():
    assert resolve_body("Earth").sources == ("spice", "horizons", "de421")
    assert resolve_body("Earth").de421 == (3, 399)
    assert resolve_body("L4").sources == ("derived:L4",) and resolve_body("L4").derived == "L4"
    stand_ins = {b.name for b in BODIES if b.approx}
    assert stand_ins == {"ACE", "Wind", "DSCOVR", "SOHO"}  # only these, and explicitly
    assert all(resolve_body(n).sources[-1] == "approx:L1" for n in stand_ins)
    for name in ("Parker Solar Probe", "STEREO-A", "Juno"):
        assert resolve_body(name).sources == ("spice", "horizons")  # never guessed


def test_unknown_body_lists_known_names():
    with pytest.raises(ValueError, match="unknown body 'Vulcan'; known bodies: Sun, Mercury"):
        resolve_body("Vulcan")


def test_adding_a_body_is_one_entry_and_entries_are_checked():
    psyche = Body("Psyche", "spacecraft", -255, ("psyche probe",))
    index = bodies._index((*BODIES, psyche))
    assert index["psyche probe"] is psyche
    with pytest.raises(ValueError, match="used by"):
        bodies._index((*BODIES, Body("Other", "spacecraft", -999, ("psp",))))
    with pytest.raises(ValueError, match="kind"):
        bodies._index((Body("X", "comet", 1),))
    with pytest.raises(ValueError, match="sources"):
        bodies._index((Body("X", "spacecraft", 1, (), ("guess",)),))
    with pytest.raises(ValueError, match="chain"):
        bodies._index((Body("X", "planet", 1, (), ("de421",)),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        BODIES[0].name = "Sol"  # type: ignore[misc]
