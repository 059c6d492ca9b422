"""Coding new sources: registering an article with its templates, and intercoder reliability."""
