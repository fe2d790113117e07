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

# --- Ephemerides and frames (DON'T CHANGE) ---------------------------------------------
#: Julian date of the J2000.0 epoch, 2000-01-01T12:00 TT (IAU 1976 / SOFA ``DJ00``).
J2000_JD = 2_451_545.0
#: Sun's north pole in ICRS, right ascension and declination (IAU WGCCRE 2009, Archinal et
#: al. 2011, Celest. Mech. 109, 101; the values sunpy uses, ``alpha_0`` and ``delta_0``).
SOLAR_POLE_RA_DEG = 286.13
SOLAR_POLE_DEC_DEG = 63.87
#: Carrington prime meridian angle at J2000, W_0 (sunpy ``sun.constants`` 'W_0'; Archinal
#: et al. 2011 84.176 deg, consistent with the Carrington sidereal rate above).
CARRINGTON_W0_DEG = 84.176
#: Mean obliquity of the ecliptic at J2000, IAU 1976 (Lieske et al. 1977): used by JPL
#: Horizons and SPICE for "Ecliptic of J2000.0" / ECLIPJ2000 (84381.448 arcsec).
OBLIQUITY_J2000_IAU1976_ARCSEC = 84_381.448
#: Mean obliquity of the ecliptic at B1950 (IAU 1976, SPICE ECLIPB1950): Horizons "Ecliptic
#: of B1950.0" (84404.836 arcsec = 23 deg 26' 44.836").
OBLIQUITY_B1950_ARCSEC = 84_404.836
#: Mass ratio (Earth + Moon) / (Sun + Earth + Moon) for the Sun-Earth Lagrange points, from
#: the DE421 GM values (Folkner et al. 2008, IPN PR 42-178: GM_sun 1.32712440041e11,
#: GM_EMB 403503.2356 km^3/s^2).
MU_SUN_EMB = 403_503.2356 / (1.327_124_400_41e11 + 403_503.2356)
#: TT - TAI, exactly 32.184 s (IAU 1991 Resolution A4).
TT_MINUS_TAI_S = 32.184

# --- Solar wind (solarwind.py) -----------------------------------------------------------
#: Proton mass, CODATA 2018 (kg); dynamic pressure m_p n v^2.
PROTON_MASS_KG = 1.672_621_923_69e-27
#: HUXt residual acceleration (Riley & Lionello 2011, Solar Phys. 270, 575; Owens et al.
#: 2020, Solar Phys. 295, 43): v(r) = v0 [1 + alpha (1 - exp(-(r - r0) / rH))],
#: alpha = 0.15, rH = 50 Rs, anchored at r0 = 30 Rs as HUXt does (model parameters).
HUX_ALPHA = 0.15
HUX_R_ACCEL_KM = 50.0 * R_SUN_KM
HUX_R0_KM = 30.0 * R_SUN_KM
