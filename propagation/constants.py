"""Physical constants and default model parameters, one place, each with its source.

Plain floats named with their units.
"""

# --- Physical constants (DON'T CHANGE) -------------------------------------------------
#: Nominal solar radius, IAU 2015 Resolution B3 (km).
R_SUN_KM = 695_700.0
#: Astronomical unit, IAU 2012 Resolution B2 (km).
AU_KM = 149_597_870.7
#: Speed of light in vacuum, CODATA 2018 (km/s).
C_KMS = 299_792.458
#: Proton rest energy, CODATA 2018 (MeV).
PROTON_MC2_MEV = 938.272_088_16
#: Electron rest energy, CODATA 2018 (MeV).
ELECTRON_MC2_MEV = 0.510_998_950_00
#: Seconds per day.
DAY_S = 86_400.0

#: Carrington sidereal rotation rate, 14.1844 deg/day (Carrington 1863; sunpy).
OMEGA_SUN_SIDEREAL_DEG_DAY = 14.1844
#: Mean synodic rate seen from Earth, from the 27.2753 d synodic Carrington period.
OMEGA_SUN_SYNODIC_DEG_DAY = 360.0 / 27.2753
#: Equatorial rate used by solarmach (Beljan et al. 2017, its ``solar_diff_rot``).
OMEGA_SOLARMACH_EQ_DEG_DAY = 14.50
#: Differential-rotation sin^2(latitude) coefficient in solarmach (deg/day).
OMEGA_SOLARMACH_SIN2_DEG_DAY = -2.87

DEG_DAY_TO_RAD_S = 3.141592653589793 / 180.0 / DAY_S
OMEGA_SUN_SIDEREAL_RAD_S = OMEGA_SUN_SIDEREAL_DEG_DAY * DEG_DAY_TO_RAD_S
OMEGA_SUN_SYNODIC_RAD_S = OMEGA_SUN_SYNODIC_DEG_DAY * DEG_DAY_TO_RAD_S

# --- Model defaults (configurable) ------------------------------------------------------
#: Drag-based model defaults (Vrsnak et al. 2013; Dumbovic et al. 2021).
DBM_GAMMA_PER_KM = 0.2e-7
DBM_W_KMS = 400.0
DBM_R0_RSUN = 21.5
#: Default solar-wind speed for Parker-spiral mapping (km/s).
SOLAR_WIND_KMS = 400.0
