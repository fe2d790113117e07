"""``storms propagate`` and ``storms position`` from the command line, JSON checked against
published values and the engine's independent pieces."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from storms.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("STORMS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR", raising=False)
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(cli, list(args))
        return result

    return invoke


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dbm_forward_fields(run):
    rows = _json(run("propagate", "--model", "dbm", "--time", "2012-10-27T16:54",
                     "--speed", "1273", "--w", "400", "--gamma", "0.2e-7", "--r0", "19.33",
                     "--half-width", "60", "--to", "Earth,Mars", "--json"))
    assert [r["target"] for r in rows] == ["Earth", "Mars"]
    earth = rows[0]
    assert set(earth) >= {"target", "hit", "arrival_time", "transit_hours",
                          "arrival_speed_km_s", "ephemeris", "constants", "model"}
    assert earth["arrival_time"].endswith("Z") and earth["ephemeris"]["Earth"] == "de421"
    # Earth was at 0.993 AU (not 215 Rs) and 4.6 deg off the CME axis: a little shorter
    assert 45.5 < earth["transit_hours"] < 47.0
    assert rows[1]["hit"] is False and rows[1]["arrival_time"] is None


def test_dbm_backward_then_forward_round_trip(run):
    fwd = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                    "1200", "--direction", "0,0", "--half-width", "80", "--to", "L1", "--json"))
    back = _json(run("propagate", "--model", "dbm", "--backward", "--from", "L1", "--time",
                     fwd[0]["arrival_time"], "--speed", "1200", "--half-width", "80",
                     "--to", "Sun", "--json"))
    assert back[0]["departure_time"][:19] == "2024-05-10T06:54:00"


def test_ensemble_fields_and_zero_spread(run):
    single = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                       "1200", "--to", "Earth", "--json"))[0]
    ens = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                    "1200", "--ensemble", "200", "--to", "Earth", "--json"))[0]
    assert ens["hit_probability"] == 1.0
    assert ens["arrival_p05"] == ens["arrival_p50"] == ens["arrival_p95"]
    assert ens["arrival_p50"][:19] == single["arrival_time"][:19]
    spread = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                       "1200", "--ensemble", "2000", "--sigma-speed", "200",
                       "--sigma-direction", "20", "--seed", "1", "--to", "Earth,Mars",
                       "--json"))
    assert spread[0]["arrival_p05"] < spread[0]["arrival_p50"] < spread[0]["arrival_p95"]


def test_cme_cir_sep_models(run):
    cme = _json(run("propagate", "--model", "cme", "--time", "2024-05-10T00:00", "--speed",
                    "1000", "--r0", "21.5", "--to", "L1", "--json"))[0]
    assert cme["hit"] and cme["arrival_speed_km_s"] == 1000.0
    cir = _json(run("propagate", "--model", "cir", "--from", "Earth", "--time",
                    "2024-05-10T00:00", "--speed", "450", "--to", "Mars", "--json"))[0]
    back = _json(run("propagate", "--model", "cir", "--backward", "--from", "Mars", "--time",
                     cir["arrival_time"], "--speed", "450", "--to", "Earth", "--json"))[0]
    assert abs(np.datetime64(back["arrival_time"][:-1]) - np.datetime64("2024-05-10T00:00")) \
        < np.timedelta64(60, "s")
    sep = _json(run("propagate", "--model", "sep", "--time", "2024-05-10T06:40", "--speed",
                    "400", "--energy", "100", "--to", "Earth", "--json"))[0]
    assert 20 < sep["transit_hours"] * 60 < 25  # ~22.5 min over ~1.15 AU at 100 MeV
    inj = _json(run("propagate", "--model", "sep", "--backward", "--from", "Earth", "--time",
                    sep["arrival_time"], "--speed", "400", "--energy", "100", "--to", "Sun",
                    "--json"))[0]
    # forward uses Earth's distance at injection, backward at onset, 22 min later: ~ms apart
    assert abs(np.datetime64(inj["injection_time"][:-1]) - np.datetime64("2024-05-10T06:40")) \
        <= np.timedelta64(50, "ms")


def test_sw_from_csv(run, tmp_path):
    t = np.arange(0, 10 * 86400, 3600) + 1715299200  # from 2024-05-10
    rows = ["time,speed,density,bt"] + [
        f"{np.datetime64(int(x), 's')}Z,{400 + 100 * np.sin(x / 2e5):.1f},5,5" for x in t]
    path = tmp_path / "l1.csv"
    path.write_text("\n".join(rows))
    out = _json(run("propagate", "--model", "sw", "--from", "L1", "--time", "2024-05-20",
                    "--input", str(path), "--to", "Earth,Mars", "--json"))
    assert [r["target"] for r in out] == ["Earth", "Mars"]
    assert out[0]["series"] and 300 < out[0]["series"][0]["speed_km_s"] < 600
    assert out[1]["target_sun_source_angle_deg"] > 1
    back = _json(run("propagate", "--model", "sw", "--backward", "--from", "L1", "--time",
                     "2024-05-20", "--input", str(path), "--to", "Sun", "--json"))[0]
    first = back["series"][0]
    transit_s = (np.datetime64(first["time"][:-1]) - np.datetime64(
        first["departure_time"][:-1])) / np.timedelta64(1, "s")
    # ~0.98 AU at the measured speed: the ballistic travel time from 2.5 Rs
    assert transit_s * first["speed_km_s"] == pytest.approx(0.99 * 1.496e8 - 2.5 * 695700,
                                                            rel=0.02)
    assert 40 < first["source_lon_heeq_deg"] < 90  # west of the observer, Parker-like


@pytest.mark.parametrize("args, message", [
    (["--model", "dbm", "--time", "yesterday", "--to", "Earth"], "not an ISO 8601 time"),
    (["--model", "dbm", "--time", "2024-05-10", "--to", "Vulcan"], "unknown body 'Vulcan'"),
    (["--model", "dbm", "--time", "2024-05-10", "--speed", "-3", "--to", "Earth"], "speed"),
    (["--model", "dbm", "--time", "2024-05-10", "--to", "STEREO-A"], "no ephemeris for STEREO"),
    (["--model", "sw", "--time", "2024-05-10", "--to", "Earth"], "needs --input"),
])
def test_errors_are_clear(run, args, message):
    result = run("propagate", *args, "--json")
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_position_json(run, shared, monkeypatch):
    rows = _json(run("position", "Earth", "--time", "2024-05-10T00:00,2024-11-10T00:00",
                     "--frame", "HEE", "--json"))
    assert rows[0]["lon_deg"] == pytest.approx(0.0, abs=1e-9)
    assert 0.98 < rows[0]["r_au"] < 1.02 and rows[0]["time"] == "2024-05-10T00:00:00.000Z"
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(shared("ephemeris/naif0012.tls").parent))
    psp = _json(run("position", "psp", "--time", "2021-03-01T00:00", "--json"))[0]
    assert psp["r_au"] == pytest.approx(0.769, abs=0.0005) and psp["source"].startswith("spice")
    bad = run("position", "Earth", "--time", "2024-05-10", "--frame", "GSM")
    assert bad.exit_code != 0 and "known frames" in bad.output


def test_ensemble_speed_percentiles_and_provenance(run):
    rows = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                     "1200", "--ensemble", "3000", "--sigma-speed", "150", "--sigma-w", "40",
                     "--sigma-gamma", "0.05e-7", "--sigma-half-width", "5", "--seed", "3",
                     "--geometry", "flattening", "--to", "Earth", "--json"))
    r = rows[0]
    assert r["arrival_speed_p05_km_s"] < r["arrival_speed_p50_km_s"] < r["arrival_speed_p95_km_s"]
    assert 0.99 <= r["hit_probability"] <= 1.0 and r["ensemble_members"] == 3000
    assert r["parameters"]["geometry"] == "flattening" and r["parameters"]["w_km_s"] == 400
    assert r["ephemeris"]["Earth"] == "de421" and r["constants"]["R_sun_km"] == 695700.0


def test_flattening_flank_arrives_before_self_similar(run):
    args = ["propagate", "--model", "dbm", "--time", "2024-05-10T00:00", "--speed", "1500",
            "--direction", "35,0", "--half-width", "45", "--to", "Earth", "--json"]
    ss = _json(run(*args))[0]
    fl = _json(run(*args, "--geometry", "flattening"))[0]
    assert ss["hit"] and fl["hit"] and fl["transit_hours"] < ss["transit_hours"]


def test_dbm_backward_to_another_body(run):
    """An arrival at Earth back to the launch and on to Mars: Mars' time is the forward
    run's (same launch)."""
    fwd = _json(run("propagate", "--model", "dbm", "--time", "2024-05-10T06:54", "--speed",
                    "1000", "--half-width", "80", "--to", "Earth,Mars", "--json"))
    back = _json(run("propagate", "--model", "dbm", "--backward", "--from", "Earth", "--time",
                     fwd[0]["arrival_time"], "--speed", "1000", "--half-width", "80", "--to",
                     "Sun,Mars", "--json"))
    assert back[0]["target"] == "Sun" and back[0]["departure_time"][:16] == "2024-05-10T06:54"
    mars = next(r for r in back if r["target"] == "Mars")
    assert mars["hit"] == fwd[1]["hit"]
    if mars["hit"]:
        dt = np.datetime64(mars["arrival_time"][:-1]) - np.datetime64(fwd[1]["arrival_time"][:-1])
        assert abs(dt) < np.timedelta64(60, "s")


def test_sw_ballistic_method(run, tmp_path):
    t = np.arange(0, 5 * 86400, 3600) + 1715299200
    rows = ["time,speed,density,bt"] + [f"{np.datetime64(int(x), 's')}Z,450,5,5" for x in t]
    path = tmp_path / "l1.csv"
    path.write_text("\n".join(rows))
    out = _json(run("propagate", "--model", "sw", "--sw-method", "ballistic", "--from", "L1",
                    "--time", "2024-05-15", "--input", str(path), "--to", "Earth", "--json"))[0]
    # L1 to Earth at 450 km/s: ~0.01 AU, under an hour, and a few degrees of corotation
    assert out["hit"] and 0 < out["transit_hours"] < 2 and out["arrival_speed_km_s"] == 450.0
    assert out["parameters"]["method"] == "ballistic" and "L1" in out["ephemeris"]


@pytest.mark.parametrize("args, message", [
    (["--model", "dbm", "--time", "2024-05-10", "--sigma-speed", "-1", "--to", "Earth"],
     "--sigma-speed"),
    (["--model", "dbm", "--time", "2024-05-10", "--ensemble", "-5", "--to", "Earth"],
     "--ensemble"),
    (["--model", "dbm", "--time", "2024-05-10", "--direction", "east", "--to", "Earth"],
     "LON,LAT"),
    (["--model", "dbm", "--time", "2024-05-10", "--to", " , "], "--to"),
    (["--model", "dbm", "--time", "2024-05-10", "--gamma", "0", "--to", "Earth"], "gamma"),
    (["--model", "dbm", "--time", "2070-01-01", "--to", "Earth"], "Earth"),
    (["--model", "sep", "--time", "2024-05-10", "--energy", "-1", "--to", "Earth"], "energy"),
])
def test_more_errors_name_the_parameter(run, args, message):
    result = run("propagate", *args, "--json")
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit)


def test_cir_and_sep_satisfy_their_equations(run):
    """The JSON times put back into t_i = t0 + dPhi/Omega_sid + dr/V (HCI, moving Mars) and
    t_onset = t_inj + L/v, with positions read independently from the ephemeris."""
    from propagation.constants import AU_KM, OMEGA_SUN_SIDEREAL_RAD_S
    from propagation.ephemerides import positions

    t0 = "2024-05-10T00:00"
    cir = _json(run("propagate", "--model", "cir", "--from", "Earth", "--time", t0, "--speed",
                    "450", "--to", "Mars", "--json"))[0]
    s0 = float(np.datetime64(t0, "s").astype(np.int64))
    s1 = (np.datetime64(cir["arrival_time"][:-1], "ms").astype(np.int64)) / 1e3
    earth, mars = positions(["Earth"], [s0], "HCI"), positions(["Mars"], [s1], "HCI")
    dphi = np.mod(mars.lon_rad[0, 0] - earth.lon_rad[0, 0], 2 * np.pi)
    expected = s0 + dphi / OMEGA_SUN_SIDEREAL_RAD_S + (mars.r_km[0, 0] - earth.r_km[0, 0]) / 450
    assert s1 == pytest.approx(expected, abs=2.0)
    assert cir["parameters"]["frame"] == "HCI"
    sep = _json(run("propagate", "--model", "sep", "--time", t0, "--speed", "400", "--energy",
                    "0.1", "--particle", "electron", "--to", "Earth", "--json"))[0]
    e = positions(["Earth"], [s0])
    om, v = OMEGA_SUN_SIDEREAL_RAD_S, 400.0
    a = v / (om * np.cos(e.lat_rad[0, 0]))

    def big_f(x):
        return 0.5 * a * ((x / a) * np.sqrt(1 + (x / a) ** 2) + np.arcsinh(x / a))

    length = big_f(e.r_km[0, 0]) - big_f(695_700.0)
    beta = np.sqrt(1 - (0.51099895 / (0.1 + 0.51099895)) ** 2)
    assert sep["transit_hours"] * 3600 == pytest.approx(length / (beta * 299_792.458), abs=0.01)
    assert sep["path_length_au"] == pytest.approx(length / AU_KM, rel=1e-9)
