"""Tests of core/events/."""
