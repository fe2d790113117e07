"""Storms: space-weather event propagation and monitoring service."""

__version__ = "0.1.0"
