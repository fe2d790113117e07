"""The body registry, as data: one table row per body, so adding a body is one entry.

Each :class:`Body` says what it is and how its position is obtained:

``sources``
    The ephemeris sources tried, in order, by :func:`propagation.ephemerides.positions`:

    - ``"spice"``: SPICE SPK kernels in ``$STORMS_EPHEMERIS_DIR`` (looked up by ``naif``);
    - ``"horizons"``: JPL Horizons vector tables (text) in the same folder;
    - ``"de421"``: the JPL DE421 SPK shipped in the ``skyfield-data`` wheel, summing the
      segment chain ``de421`` (e.g. Earth = SSB->EMB (3) + EMB->Earth (399));
    - ``"derived:L1"`` .. ``"derived:L5"``: a Sun-Earth Lagrange point computed from Earth;
    - ``"approx:L1"``: an explicit, documented stand-in for the near-Earth L1 monitors
      (ACE, Wind, DSCOVR, SOHO) when no kernel or table of their own is found. Their real
      halo/Lissajous orbits stay within roughly 1e5-7e5 km of L1, i.e. under ~0.5 deg of
      heliocentric longitude. A result produced this way reports source ``"approx:L1"``.

Lookup is case-insensitive; hyphens, underscores and spaces are equivalent
("STEREO-A" = "stereo a" = "Stereo_A").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Body kinds in the registry.
KINDS = ("star", "planet", "moon", "lagrange", "spacecraft")
#: Ephemeris sources a body may list (see the module docstring).
SOURCES = ("spice", "horizons", "de421", "derived:L1", "derived:L2", "derived:L4",
           "derived:L5", "approx:L1")

_FILES = ("spice", "horizons")  # sources read from $STORMS_EPHEMERIS_DIR


@dataclass(frozen=True)
class Body:
    """One body of the registry.

    Attributes
    ----------
    name : str
        Canonical name (used as the key of ``Positions.sources``).
    kind : str
        One of :data:`KINDS`.
    naif : int or None
        NAIF integer id (SPICE kernels, Horizons "Target body name: ... (id)").
    aliases : tuple of str
        Other accepted names (case-insensitive).
    sources : tuple of str
        Ephemeris sources tried in this order (see the module docstring).
    de421 : tuple of int
        DE421 segment chain from the solar-system barycentre to the body.
    note : str
        Free-text caveat (e.g. "DE421 gives the system barycentre").
    """

    name: str
    kind: str
    naif: int | None
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = _FILES
    de421: tuple[int, ...] = ()
    note: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """Canonical name and aliases."""
        return (self.name, *self.aliases)

    @property
    def derived(self) -> str | None:
        """Lagrange point name ("L1".."L5") when the position is derived from Earth."""
        for s in self.sources:
            if s.startswith("derived:"):
                return s.split(":", 1)[1]
        return None

    @property
    def approx(self) -> str | None:
        """Name of the documented stand-in position ("L1"), if the entry allows one."""
        for s in self.sources:
            if s.startswith("approx:"):
                return s.split(":", 1)[1]
        return None


_PLANET = (*_FILES, "de421")
_BARY = "DE421 holds only the system barycentre; it stands for the planet (<~1e3 km off)"

# fmt: off
#: The registry. Add a body = add one entry.
BODIES: tuple[Body, ...] = (
    Body("Sun", "star", 10, ("sol",), ("de421",), (10,)),
    Body("Mercury", "planet", 199, (), _PLANET, (1, 199)),
    Body("Venus", "planet", 299, (), _PLANET, (2, 299)),
    Body("Earth", "planet", 399, ("terra",), _PLANET, (3, 399)),
    Body("Moon", "moon", 301, ("luna",), _PLANET, (3, 301)),
    Body("Mars", "planet", 499, (), _PLANET, (4, 499)),
    Body("Jupiter", "planet", 599, (), _PLANET, (5,), _BARY),
    Body("Saturn", "planet", 699, (), _PLANET, (6,), _BARY),
    Body("Uranus", "planet", 799, (), _PLANET, (7,), _BARY),
    Body("Neptune", "planet", 899, (), _PLANET, (8,), _BARY),
    Body("Pluto", "planet", 999, (), _PLANET, (9,), "dwarf planet; " + _BARY),
    Body("L1", "lagrange", None, ("sun-earth l1", "sel1"), ("derived:L1",)),
    Body("L2", "lagrange", None, ("sun-earth l2", "sel2"), ("derived:L2",)),
    Body("L4", "lagrange", None, ("sun-earth l4", "sel4"), ("derived:L4",)),
    Body("L5", "lagrange", None, ("sun-earth l5", "sel5"), ("derived:L5",)),
    Body("Parker Solar Probe", "spacecraft", -96, ("psp", "spp", "parker")),
    Body("Solar Orbiter", "spacecraft", -144, ("solo", "solarorbiter")),
    Body("STEREO-A", "spacecraft", -234, ("sta", "stereo ahead", "stereoa")),
    Body("BepiColombo", "spacecraft", -121, ("bepi", "mpo")),
    Body("Juno", "spacecraft", -61),
    Body("JUICE", "spacecraft", -28),
    Body("Europa Clipper", "spacecraft", -159, ("clipper",)),
    Body("ACE", "spacecraft", -92, (), (*_FILES, "approx:L1"), note="L1 halo orbit"),
    Body("Wind", "spacecraft", -8, (), (*_FILES, "approx:L1"), note="L1 Lissajous orbit"),
    Body("DSCOVR", "spacecraft", -78, (), (*_FILES, "approx:L1"), note="L1 Lissajous orbit"),
    Body("SOHO", "spacecraft", -21, (), (*_FILES, "approx:L1"), note="L1 halo orbit"),
)
# fmt: on


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name).strip().lower())


def _index(bodies: tuple[Body, ...]) -> dict[str, Body]:
    index: dict[str, Body] = {}
    for body in bodies:
        if body.kind not in KINDS:
            raise ValueError(f"{body.name}: kind {body.kind!r} is not one of {KINDS}")
        bad = [s for s in body.sources if s not in SOURCES]
        if bad or not body.sources:
            raise ValueError(f"{body.name}: unknown or no ephemeris sources {bad}")
        if "de421" in body.sources and not body.de421:
            raise ValueError(f"{body.name}: source de421 needs a DE421 segment chain")
        for key in body.keys:
            k = _norm(key)
            if k in index and index[k] is not body:
                raise ValueError(f"name {key!r} is used by {index[k].name} and {body.name}")
            index[k] = body
    return index


_INDEX = _index(BODIES)


def resolve_body(name: str) -> Body:
    """The registry entry called ``name``.

    Parameters
    ----------
    name : str
        Canonical name or alias, case-insensitive ("PSP", "SolO", "STA", "earth").

    Returns
    -------
    Body

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known bodies.
    """
    body = _INDEX.get(_norm(name))
    if body is None:
        known = ", ".join(b.name for b in BODIES)
        raise ValueError(f"unknown body {name!r}; known bodies: {known}")
    return body
