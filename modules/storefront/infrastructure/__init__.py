"""The storefront owns no tables and talks to nothing outside the app: it reaches catalog, inventory and
ordering through their facades (looked up in its module.py), so it has no adapters of its own."""
