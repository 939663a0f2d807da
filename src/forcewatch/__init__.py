"""forcewatch: geolocated, dated, source-graded force-posture events from reports and sensor feeds."""

__version__ = "0.1.0"
