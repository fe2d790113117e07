"""Pure-numpy heliospheric propagation: arrays in, arrays out.

Units are fixed and written in names (``r_km``, ``v_kms``, ``t_s``, ``lon_rad``);
astropy/sunpy appear only at the edges (ephemerides, frames).
No Flask, database or file-system imports here.
"""
