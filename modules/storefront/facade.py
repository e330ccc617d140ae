"""The storefront's published contract. It serves people, not other modules, so it publishes nothing:
publish here (Protocols and frozen dataclasses only) if a module ever needs it."""
