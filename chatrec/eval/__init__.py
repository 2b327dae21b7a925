"""Offline evaluation: ReDial turn-level recommendation metrics for every ranking system."""
