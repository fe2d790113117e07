"""The body registry, as data: one entry per body, so adding a body is one line.

``naif`` is the NAIF id used with SPICE kernels and Horizons; ``de421`` the chain of
DE421 segment targets (summed, minus the Sun's) for planets and the Moon; ``derived``
names a position computed from Earth's (Lagrange points); ``approx`` a documented
stand-in used only when no ephemeris of the body itself is found (reported as such).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Body:
    name: str
    kind: str  # star | planet | dwarf planet | moon | lagrange | spacecraft
    naif: int | None = None
    aliases: tuple[str, ...] = ()
    de421: tuple[int, ...] = ()
    derived: str | None = None
    approx: str | None = None
    target_class: str = field(default="")

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


BODIES: tuple[Body, ...] = (
    Body("Sun", "star", 10, ("sol",), (10,), target_class="star"),
    Body("Mercury", "planet", 199, (), (1, 199), target_class="planet"),
    Body("Venus", "planet", 299, (), (2, 299), target_class="planet"),
    Body("Earth", "planet", 399, ("terra",), (3, 399), target_class="planet"),
    Body("Moon", "moon", 301, ("luna",), (3, 301), target_class="satellite"),
    Body("Mars", "planet", 499, (), (4, 499), target_class="planet"),
    Body("Jupiter", "planet", 599, (), (5,), target_class="planet"),
    Body("Saturn", "planet", 699, (), (6,), target_class="planet"),
    Body("Uranus", "planet", 799, (), (7,), target_class="planet"),
    Body("Neptune", "planet", 899, (), (8,), target_class="planet"),
    Body("Pluto", "dwarf planet", 999, (), (9,), target_class="dwarf_planet"),
    Body("L1", "lagrange", None, ("sun-earth l1", "sel1"), derived="L1",
         target_class="interplanetary_medium"),
    Body("L2", "lagrange", None, ("sun-earth l2", "sel2"), derived="L2",
         target_class="interplanetary_medium"),
    Body("L4", "lagrange", None, ("sun-earth l4", "sel4"), derived="L4",
         target_class="interplanetary_medium"),
    Body("L5", "lagrange", None, ("sun-earth l5", "sel5"), derived="L5",
         target_class="interplanetary_medium"),
    Body("Parker Solar Probe", "spacecraft", -96, ("psp", "spp", "parker"),
         target_class="spacecraft"),
    Body("Solar Orbiter", "spacecraft", -144, ("solo", "solarorbiter"), target_class="spacecraft"),
    Body("STEREO-A", "spacecraft", -234, ("sta", "stereo a", "stereo-ahead", "stereoa"),
         target_class="spacecraft"),
    Body("BepiColombo", "spacecraft", -121, ("bepi", "mpo"), target_class="spacecraft"),
    Body("Juno", "spacecraft", -61, (), target_class="spacecraft"),
    Body("JUICE", "spacecraft", -28, (), target_class="spacecraft"),
    Body("Europa Clipper", "spacecraft", -159, ("clipper", "europa-clipper"),
         target_class="spacecraft"),
    Body("ACE", "spacecraft", -92, (), approx="L1", target_class="spacecraft"),
    Body("Wind", "spacecraft", -8, (), approx="L1", target_class="spacecraft"),
    Body("DSCOVR", "spacecraft", -78, (), approx="L1", target_class="spacecraft"),
    Body("SOHO", "spacecraft", -21, (), approx="L1", target_class="spacecraft"),
)

_INDEX = {key.lower().replace("_", " "): body for body in BODIES for key in body.keys}


def resolve_body(name: str) -> Body:
    """The body called ``name`` (case-insensitive, aliases accepted)."""
    key = str(name).strip().lower().replace("_", " ")
    body = _INDEX.get(key) or _INDEX.get(key.replace(" ", "-")) or _INDEX.get(
        key.replace("-", " "))
    if body is None:
        known = ", ".join(b.name for b in BODIES)
        raise ValueError(f"unknown body {name!r}; known bodies: {known}")
    return body
