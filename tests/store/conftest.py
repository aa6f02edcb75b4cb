"""The store's tests run once per backend: a SQLite file and a PostgreSQL database."""

from tests.helpers import backends

backend, committed, location = backends.backend, backends.committed, backends.location
make_settings, store = backends.make_settings, backends.store
