"""The analyses: the notebook parameters (scope), the occasion as unit, counting on codes, one
module of tables per notebook question, and the data-driven sentences of the readings."""
