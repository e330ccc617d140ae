"""Ordering's published contract. No other module needs anything from ordering yet, so it is empty:
publish here (Protocols and frozen dataclasses only) when one does."""
