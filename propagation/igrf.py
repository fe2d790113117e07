"""Earth's centred dipole from the first three IGRF Gauss coefficients (g10, g11, h11).

IGRF-14 (IAGA V-MOD, December 2024; www.ncei.noaa.gov/products/international-geomagnetic-
reference-field): IGRF/DGRF main field every 5 years 1900.0-2025.0 and the predicted secular
variation for 2025.0-2030.0. IGRF-13 (December 2019, main field to 2020.0, SV 2020-2025) is
kept for comparison with tools still on it: sunpy 7.0 bundles only ``igrf13coeffs.txt`` and
keeps extrapolating its 2020-2025 SV after 2025; spacepy 0.7 stops at 2025.0.

Between epochs the coefficients are interpolated linearly; after the last epoch they follow
the model's secular variation (for IGRF-14 this is the model itself until 2030.0, then an
extrapolation, reported by :func:`dipole_validity`). Coefficients in nT, SV in nT/yr.
"""

from __future__ import annotations

import numpy as np

EPOCHS = np.arange(1900.0, 2025.1, 5.0)
_EPOCHS_13 = EPOCHS[:-1]
# 1900.0-2015.0 are the same in IGRF-13 and IGRF-14 (DGRF 1945-2015 are definitive)
_G10 = [-31543, -31464, -31354, -31212, -31060, -30926, -30805, -30715, -30654, -30594,
        -30554, -30500, -30421, -30334, -30220, -30100, -29992, -29873, -29775, -29692,
        -29619.4, -29554.63, -29496.57, -29441.46]
_G11 = [-2298, -2298, -2297, -2306, -2317, -2318, -2316, -2306, -2292, -2285, -2250, -2215,
        -2169, -2119, -2068, -2013, -1956, -1905, -1848, -1784, -1728.2, -1669.05, -1586.42,
        -1501.77]
_H11 = [5922, 5909, 5898, 5875, 5845, 5817, 5808, 5812, 5821, 5810, 5815, 5820, 5791, 5776,
        5737, 5675, 5604, 5500, 5406, 5306, 5186.1, 5077.99, 4944.26, 4795.99]

#: model -> (epochs, g10, g11, h11, secular variation (g10, g11, h11) nT/yr, valid until)
MODELS: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple, float]] = {
    "igrf14": (EPOCHS, np.array(_G10 + [-29403.41, -29350.0]),
               np.array(_G11 + [-1451.37, -1410.3]), np.array(_H11 + [4653.35, 4545.5]),
               (12.6, 10.0, -21.5), 2030.0),
    "igrf13": (_EPOCHS_13, np.array(_G10 + [-29404.8]), np.array(_G11 + [-1450.9]),
               np.array(_H11 + [4652.5]), (5.7, 7.4, -25.9), 2025.0),
}
DEFAULT_MODEL = "igrf14"


def decimal_year(t_unix_s: np.ndarray) -> np.ndarray:
    """UTC decimal year (as astropy's ``Time.decimalyear``: fraction of the calendar year)."""
    t = np.asarray(t_unix_s, dtype=float)
    sec = t.astype("int64").astype("datetime64[s]")
    year = sec.astype("datetime64[Y]")
    start = year.astype("datetime64[s]").astype("int64")
    end = (year + 1).astype("datetime64[s]").astype("int64")
    return year.astype("int64") + 1970 + (t - start) / (end - start)


def dipole_coefficients(t_unix_s, model: str = DEFAULT_MODEL
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """g10, g11, h11 (nT) at each time (n,)."""
    if model not in MODELS:
        raise ValueError(f"unknown magnetic model {model!r}; known: {', '.join(MODELS)}")
    epochs, g10s, g11s, h11s, sv, _ = MODELS[model]
    year = np.atleast_1d(decimal_year(t_unix_s))
    if (year < epochs[0]).any():
        raise ValueError("the IGRF starts in 1900: earlier times are not supported")
    out = []
    for values, rate in zip((g10s, g11s, h11s), sv, strict=True):
        c = np.interp(year, epochs, values)
        late = year > epochs[-1]
        c[late] = values[-1] + (year[late] - epochs[-1]) * rate
        out.append(c)
    return out[0], out[1], out[2]


def dipole_axis_geo(t_unix_s, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Unit vector (n, 3) towards the geomagnetic north pole, in geographic (ITRS) axes.

    The north pole of the centred dipole is along -(g11, h11, g10) (Franz & Harper 2002;
    about 80.8 N, 72.8 W in 2025).
    """
    g10, g11, h11 = dipole_coefficients(t_unix_s, model)
    axis = -np.stack([g11, h11, g10], axis=-1)
    return axis / np.linalg.norm(axis, axis=-1, keepdims=True)


def dipole_validity(t_unix_s, model: str = DEFAULT_MODEL) -> str | None:
    """A sentence when some times fall after the model's validity, else None."""
    last = MODELS[model][5]
    year = np.atleast_1d(decimal_year(t_unix_s))
    if (year > last).any():
        return (f"{model.upper()} is valid until {last:.1f}; later times extrapolate its "
                f"secular variation (latest time {year.max():.2f})")
    return None
