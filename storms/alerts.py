"""Alerts: rules on the stored time series, opened when a condition has held long enough,
never duplicated, closed when it stops, and pushed to a webhook (HTTP POST of JSON)."""

from __future__ import annotations

import json
import logging
import operator as op
from dataclasses import dataclass

import numpy as np
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from storms import models as m
from storms import store
from storms.timeutil import now_us, us_to_iso

log = logging.getLogger(__name__)
OPERATORS = {"<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}
LOOKBACK_US = 6 * 3_600_000_000
DEFAULT_RULES = (
    dict(name="Bz below -10 nT for 30 min", dataset_id="swpc_rt_mag", parameter="b_gsm",
         component=2, operator="<", threshold=-10.0, duration_s=1800.0, severity="warning"),
    dict(name="Solar wind faster than 600 km/s", dataset_id="swpc_rt_plasma",
         parameter="speed", component=0, operator=">", threshold=600.0, duration_s=600.0,
         severity="watch"),
    dict(name="Kp 6 or more", dataset_id="gfz_kp", parameter="kp", component=0,
         operator=">=", threshold=5.667, duration_s=0.0, severity="warning"),
)


@dataclass
class Run:
    start_us: int
    end_us: int
    ongoing: bool
    peak: float


def condition_runs(times_us: np.ndarray, values: np.ndarray, operator: str,
                   threshold: float, duration_s: float) -> list[Run]:
    """Stretches of consecutive samples meeting the condition for at least ``duration_s``
    (a missing value breaks a stretch); ``ongoing`` when it lasts to the last sample."""
    if operator not in OPERATORS:
        raise ValueError(f"operator {operator!r} is not one of {', '.join(OPERATORS)}")
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = OPERATORS[operator](v, threshold) & np.isfinite(v)
    runs = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        start, end = int(times_us[a]), int(times_us[b - 1])
        if (end - start) / 1e6 >= duration_s:
            peak = float(v[a:b].min() if operator.startswith("<") else v[a:b].max())
            runs.append(Run(start, end, b == len(v), peak))
    return runs


def ensure_default_rules(session: Session) -> None:
    names = set(session.scalars(select(m.AlertRule.name)))
    for rule in DEFAULT_RULES:
        if rule["name"] not in names:
            session.add(m.AlertRule(**rule))


def evaluate_rule(session: Session, rule: m.AlertRule, at_us: int) -> list[m.Alert]:
    """Open, keep or close the rule's alert from the data up to ``at_us``; returns the
    alerts opened or closed by this evaluation (to notify)."""
    try:
        ds = store.get_dataset(session, rule.dataset_id)
        cols = store.parameter_columns(ds, [rule.parameter])
    except store.StoreError:
        return []
    times, values = store.read_series(session, rule.dataset_id, at_us - LOOKBACK_US, at_us + 1)
    if len(times) == 0:
        return []
    column = values[:, cols[min(rule.component, len(cols) - 1)]]
    runs = condition_runs(times, column, rule.operator, rule.threshold, rule.duration_s)
    current = session.scalars(select(m.Alert).where(
        m.Alert.rule_id == rule.id, m.Alert.state.in_(("open", "acknowledged")))).first()
    changed = []
    ongoing = runs[-1] if runs and runs[-1].ongoing else None
    if ongoing and current is None:
        current = m.Alert(rule_id=rule.id, state="open", opened_us=ongoing.start_us,
                          peak_value=ongoing.peak, notified=False,
                          message=f"{rule.name}: {rule.parameter} {rule.operator} "
                                  f"{rule.threshold:g} since {us_to_iso(ongoing.start_us)}, "
                                  f"peak {ongoing.peak:g}")
        session.add(current)
        changed.append(current)
    elif ongoing and current is not None:
        worse = ongoing.peak < (current.peak_value or np.inf) if rule.operator.startswith(
            "<") else ongoing.peak > (current.peak_value or -np.inf)
        if worse:
            current.peak_value = ongoing.peak
    elif current is not None:
        current.state, current.closed_us = "closed", int(times[-1])
        current.notified = False
        changed.append(current)
    session.flush()
    return changed


def acknowledge(session: Session, alert_id: int) -> m.Alert:
    alert = session.get(m.Alert, alert_id)
    if alert is None:
        raise ValueError(f"no alert {alert_id}")
    if alert.state == "open":
        alert.state = "acknowledged"
    return alert


def notify(alert: m.Alert, rule: m.AlertRule, timeout_s: float = 5.0,
           smtp: tuple[str, int, str] | None = None) -> bool:
    """POST the alert as JSON to the rule's webhook and e-mail it to ``rule.email_to``
    through ``smtp`` (host, port, sender); True when every channel delivered it."""
    delivered = True
    if rule.email_to:
        delivered = _email(alert, rule, smtp, timeout_s)
    if not rule.webhook_url:
        return delivered
    body = {"alert_id": alert.id, "rule": rule.name, "state": alert.state,
            "severity": rule.severity, "opened": us_to_iso(alert.opened_us),
            "closed": us_to_iso(alert.closed_us), "peak": alert.peak_value,
            "message": alert.message}
    try:
        resp = requests.post(rule.webhook_url, data=json.dumps(body), timeout=timeout_s,
                             headers={"Content-Type": "application/json"})
    except requests.RequestException as exc:
        log.warning("webhook %s failed: %s", rule.webhook_url, exc)
        return False
    return delivered and 200 <= resp.status_code < 300


def _email(alert: m.Alert, rule: m.AlertRule, smtp: tuple[str, int, str] | None,
           timeout_s: float) -> bool:
    import smtplib
    from email.message import EmailMessage

    if smtp is None or not smtp[0]:
        log.warning("alert %s: e-mail wanted but STORMS_SMTP_HOST is not set", alert.id)
        return False
    msg = EmailMessage()
    msg["Subject"] = f"[storms {rule.severity}] {alert.state}: {rule.name}"
    msg["From"] = smtp[2]
    msg["To"] = rule.email_to or ""
    msg.set_content(f"{alert.message}\nstate: {alert.state}\nopened: "
                    f"{us_to_iso(alert.opened_us)}\nclosed: {us_to_iso(alert.closed_us)}\n")
    try:
        with smtplib.SMTP(smtp[0], smtp[1], timeout=timeout_s) as client:
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("alert %s: e-mail failed: %s", alert.id, exc)
        return False
    return True


def evaluate_all(factory, at_us: int | None = None,
                 smtp: tuple[str, int, str] | None = None) -> int:
    """Evaluate every enabled rule; notify what changed (undelivered ones retry next time)."""
    at_us = at_us or now_us()
    with factory() as session, session.begin():
        ensure_default_rules(session)
        session.flush()
        for rule in session.scalars(select(m.AlertRule).where(m.AlertRule.enabled)):
            evaluate_rule(session, rule, at_us)
        pending = session.scalars(select(m.Alert).where(m.Alert.notified.is_(False))).all()
        for alert in pending:
            rule = session.get(m.AlertRule, alert.rule_id)
            if rule is not None and notify(alert, rule, smtp=smtp):
                alert.notified = True
        return len(pending)
