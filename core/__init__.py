"""The bottom of the house: what every other package shares and nothing else — the field list (`core.fields`),
vocabularies and their Chinese labels (`core.vocab`, `label(kind, code)`), the region (`core.region`), the error
family (`core.errors.UserError`) and text decoding (`core.text`). Nothing here imports geo, layers, mapview or
streamlit (tests/test_architecture.py checks it)."""

__all__ = ["errors", "fields", "region", "text", "vocab"]
