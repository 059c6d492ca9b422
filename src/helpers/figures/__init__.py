"""The report's figures: one style and deterministic saving, shared drawing pieces, and one
module of figures per notebook question."""
