"""Helpers for the Cambodia MoI security-cooperation dataset."""
