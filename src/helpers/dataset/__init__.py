"""The dataset: its one declaration (schema), partial dates, the vocabulary terms code relies
on, reading, keys, the codebook rules, validation and the generated codebook tables."""
