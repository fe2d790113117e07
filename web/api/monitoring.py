"""``/alerts``, ``/alert-rules``, ``/scoreboard`` and ``/status``: monitoring over HTTP.
Acknowledging, closing and editing rules need the API token."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, jsonify
from sqlalchemy import select

from storms import catalogue as q
from storms import models as m
from storms import store
from storms.alerts import OPERATORS, acknowledge
from storms.timeutil import now_us, us_to_iso
from storms.verification import scoreboard

from . import bp
from .core import ApiProblem, Param, invalid, json_body, not_found, operation

MAX_ID = 2**31 - 1
STATES = ("open", "acknowledged", "closed")
SEVERITIES = ("info", "warning", "alert", "critical")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
RULE_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "dataset_id": {"type": "string", "maxLength": 100},
    "parameter": {"type": "string", "maxLength": 100},
    "component": {"type": "integer", "minimum": 0, "maximum": 8},
    "operator": {"type": "string", "enum": list(OPERATORS)},
    "threshold": {"type": "number"},
    "duration_s": {"type": "number", "minimum": 0, "maximum": 30 * 86400},
    "severity": {"type": "string", "enum": list(SEVERITIES)},
    "enabled": {"type": "boolean"},
    "webhook_url": {"type": "string", "nullable": True, "maxLength": 500},
    "email_to": {"type": "string", "nullable": True, "maxLength": 500},
}
RULE_SCHEMA = {"type": "object", "properties": RULE_FIELDS,
               "required": ["name", "dataset_id", "parameter", "operator", "threshold"]}
RULE_PATCH = {"type": "object", "properties": RULE_FIELDS}


def _ctx():
    return current_app.extensions["storms"]


def _alert(a: m.Alert, r: m.AlertRule) -> dict[str, Any]:
    return {"id": a.id, "state": a.state, "opened": us_to_iso(a.opened_us),
            "closed": us_to_iso(a.closed_us), "peak_value": a.peak_value,
            "message": a.message, "notified": a.notified, "rule_id": r.id, "rule": r.name,
            "severity": r.severity}


def _rule(r: m.AlertRule) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("id", *RULE_FIELDS)}


@operation(bp, "/alerts", "GET", "Alerts, newest first", tag="monitoring",
           params=[Param("state", "string", "", enum=STATES),
                   Param("limit", "integer", "", default=100, minimum=1, maximum=1000)],
           response={"type": "array", "items": {"type": "object"}})
def alerts(args):
    stmt = (select(m.Alert, m.AlertRule).join(m.AlertRule, m.AlertRule.id == m.Alert.rule_id)
            .order_by(m.Alert.opened_us.desc(), m.Alert.id.desc()).limit(int(args["limit"])))
    if args["state"]:
        stmt = stmt.where(m.Alert.state == args["state"])
    with _ctx().factory() as session:
        return jsonify([_alert(a, r) for a, r in session.execute(stmt)])


def _change_alert(alert_id: int, to: str):
    if not 0 < alert_id <= MAX_ID:
        raise not_found(f"alert {alert_id}")
    with _ctx().factory.begin() as session:
        a = session.get(m.Alert, alert_id)
        if a is None:
            raise not_found(f"alert {alert_id}")
        if to == "acknowledged":
            acknowledge(session, alert_id)
        elif a.state != "closed":
            a.state, a.closed_us = "closed", now_us()
        r = session.get(m.AlertRule, a.rule_id)
        return jsonify(_alert(a, r))


@operation(bp, "/alerts/<int:alert_id>/acknowledge", "POST", "Acknowledge an open alert",
           tag="monitoring", write=True, path_params={"alert_id": "integer"},
           response={"type": "object"})
def alert_acknowledge(_args, alert_id: int):
    return _change_alert(alert_id, "acknowledged")


@operation(bp, "/alerts/<int:alert_id>/close", "POST", "Close an alert", tag="monitoring",
           write=True, path_params={"alert_id": "integer"}, response={"type": "object"})
def alert_close(_args, alert_id: int):
    return _change_alert(alert_id, "closed")


@operation(bp, "/alert-rules", "GET", "Alert rules", tag="monitoring",
           response={"type": "array", "items": {"type": "object"}})
def rules(_args):
    with _ctx().factory() as session:
        return jsonify([_rule(r) for r in
                        session.scalars(select(m.AlertRule).order_by(m.AlertRule.id))])


def _check_rule(session, data: dict[str, Any], partial: bool) -> dict[str, Any]:
    unknown = sorted(set(data) - set(RULE_FIELDS))
    if unknown:
        raise invalid(unknown[0], "unknown field")
    if not partial:
        for name in RULE_SCHEMA["required"]:
            if name not in data:
                raise invalid(name, "required")
    out: dict[str, Any] = {}
    for name, value in data.items():
        spec = RULE_FIELDS[name]
        if value is None and spec.get("nullable"):
            out[name] = None
            continue
        kind = spec["type"]
        ok = (isinstance(value, str) if kind == "string" else
              isinstance(value, bool) if kind == "boolean" else
              isinstance(value, int) and not isinstance(value, bool) if kind == "integer"
              else isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            raise invalid(name, f"must be a {kind}")
        if kind == "number" and value != value or value in (float("inf"), float("-inf")):
            raise invalid(name, "must be finite")
        if "enum" in spec and value not in spec["enum"]:
            raise invalid(name, f"{value!r} is not one of {', '.join(spec['enum'])}")
        if "maxLength" in spec and len(value) > spec["maxLength"]:
            raise invalid(name, f"longer than {spec['maxLength']} characters")
        if kind == "string" and "minLength" in spec and len(value.strip()) < spec["minLength"]:
            raise invalid(name, "must not be empty")
        for bound, test in (("minimum", lambda v, b: v < b), ("maximum", lambda v, b: v > b)):
            if bound in spec and test(value, spec[bound]):
                raise invalid(name, f"{value} is out of range")
        out[name] = value
    if out.get("webhook_url") and not re.match(r"^https?://[^\s]+$", out["webhook_url"]):
        raise invalid("webhook_url", "must be an http(s) URL")
    if out.get("email_to") and not all(EMAIL.match(x.strip())
                                       for x in out["email_to"].split(",")):
        raise invalid("email_to", "comma-separated e-mail addresses")
    if "dataset_id" in out or "parameter" in out:
        ds_id, param = out.get("dataset_id"), out.get("parameter")
        if ds_id is not None and param is not None:
            try:
                ds = store.get_dataset(session, ds_id)
            except store.StoreError:
                raise invalid("dataset_id", f"unknown dataset {ds_id!r}") from None
            params = {p.name: p for p in ds.parameters}
            if param not in params:
                raise invalid("parameter", f"{ds_id} has no parameter {param!r}")
            if out.get("component", 0) >= params[param].size:
                raise invalid("component", f"{param} has {params[param].size} component(s)")
    return out


def _unique_name(session, name: str | None, rule_id: int | None = None) -> None:
    if name is None:
        return
    other = session.scalars(select(m.AlertRule).where(m.AlertRule.name == name)).first()
    if other is not None and other.id != rule_id:
        raise ApiProblem(409, "Conflict", f"a rule named {name!r} exists (id {other.id})",
                         [{"parameter": "name", "reason": "already used"}])


@operation(bp, "/alert-rules", "POST", "Create an alert rule", tag="monitoring", write=True,
           body=RULE_SCHEMA, response={"type": "object"}, codes=(400, 409))
def rule_create(_args):
    data = json_body()
    with _ctx().factory.begin() as session:
        fields = _check_rule(session, data, partial=False)
        _unique_name(session, fields["name"])
        rule = m.AlertRule(**{"component": 0, "duration_s": 0.0, "severity": "warning",
                              "enabled": True, **fields})
        session.add(rule)
        session.flush()
        return jsonify(_rule(rule)), 201


def _get_rule(session, rule_id: int) -> m.AlertRule:
    rule = session.get(m.AlertRule, rule_id) if 0 < rule_id <= MAX_ID else None
    if rule is None:
        raise not_found(f"alert rule {rule_id}")
    return rule


@operation(bp, "/alert-rules/<int:rule_id>", "GET", "One alert rule", tag="monitoring",
           path_params={"rule_id": "integer"}, response={"type": "object"})
def rule_get(_args, rule_id: int):
    with _ctx().factory() as session:
        return jsonify(_rule(_get_rule(session, rule_id)))


@operation(bp, "/alert-rules/<int:rule_id>", "PUT", "Change an alert rule (fields given)",
           tag="monitoring", write=True, path_params={"rule_id": "integer"}, body=RULE_PATCH,
           response={"type": "object"}, codes=(400, 409))
def rule_update(_args, rule_id: int):
    data = json_body()
    with _ctx().factory.begin() as session:
        rule = _get_rule(session, rule_id)
        merged = {"dataset_id": rule.dataset_id, "parameter": rule.parameter,
                  "component": rule.component, **data}
        fields = _check_rule(session, merged, partial=True)
        _unique_name(session, fields.get("name"), rule_id)
        for key, value in fields.items():
            setattr(rule, key, value)
        return jsonify(_rule(rule))


@operation(bp, "/alert-rules/<int:rule_id>", "DELETE", "Delete an alert rule and its alerts",
           tag="monitoring", write=True, path_params={"rule_id": "integer"},
           response={"type": "object"})
def rule_delete(_args, rule_id: int):
    with _ctx().factory.begin() as session:
        rule = _get_rule(session, rule_id)
        for alert in session.scalars(select(m.Alert).where(m.Alert.rule_id == rule_id)):
            session.delete(alert)
        session.delete(rule)
        return jsonify({"deleted": rule_id})


@operation(bp, "/scoreboard", "GET", "Stored predictions scored against observed arrivals",
           tag="monitoring", params=[
               Param("model", "string", "", max_length=40),
               Param("target", "string", "", max_length=60),
               Param("window_h", "number", "matching window, hours", default=24.0,
                     minimum=1, maximum=240),
               Param("min_probability", "number", "", default=0.5, minimum=0, maximum=1)],
           response={"type": "array", "items": {"type": "object"}})
def scoreboard_view(args):
    with _ctx().factory() as session:
        rows = scoreboard(session, args["window_h"], args["min_probability"])
    rows = [r for r in rows if (not args["model"] or r["model"] == args["model"])
            and (not args["target"] or r["target"] == args["target"])]
    return jsonify(rows)


@operation(bp, "/status", "GET", "Every source and scheduled job", tag="monitoring",
           response={"type": "object", "required": ["sources", "jobs"]})
def status(_args):
    from jobs.tasks import JOBS
    from web.pages.status import job_row

    ctx = _ctx()
    wall = now_us()
    with ctx.factory() as session:
        sources = q.source_statuses(session, ctx.settings, wall,
                                    {j.name: j.every_s for j in JOBS})
        runs = q.last_job_runs(session, [j.name for j in JOBS])
        lease = q.scheduler_lease(session)
        jobs = []
        for spec in JOBS:
            row = job_row(spec, runs[spec.name], wall)
            last = row["last"]
            jobs.append({"name": spec.name, "description": spec.description,
                         "every_s": spec.every_s, "state": row["state"],
                         "last_start": us_to_iso(last.started_us) if last else None,
                         "last_end": us_to_iso(last.finished_us) if last else None,
                         "last_status": last.status if last else None,
                         "last_records": last.records if last else None,
                         "last_error": last.message if last and last.status == "failed"
                         else None,
                         "next_run": us_to_iso(row["next_us"])})
    return jsonify({"time": us_to_iso(wall), "sources": [
        {k: (us_to_iso(v) if k.endswith("_us") else v) for k, v in s.items()}
        for s in sources], "jobs": jobs,
        "scheduler": {"holder": lease.holder if lease else None,
                      "alive": bool(lease and lease.expires_us > wall)}})
