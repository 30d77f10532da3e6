"""The bottom of the house: what every other package shares and nothing else — vocabularies (`core.vocab`), the
region (`core.region`), the error family (`core.errors`) and text decoding (`core.text`). Nothing here imports
geo, layers, mapview or streamlit (a test checks it)."""
