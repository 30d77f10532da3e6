"""The GeoPackage and everything written to it: the registry (`layers.registry`), the build (`layers.build`,
`python -m layers build`), the store's contract (`layers.store`: paths, layer names, reading), exports
(`layers.export`), reports, evidence, verification, bulk imports, edit history and safe writes, editor accounts.
The command line is `python -m layers` (`layers.__main__`). layers imports core and geo — never mapview, pages or
streamlit (tests/test_architecture.py)."""
