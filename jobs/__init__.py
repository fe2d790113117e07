"""Scheduled jobs (APScheduler)."""
