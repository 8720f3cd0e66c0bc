"""The local stack of linli: embedded Postgres, the Temporal dev server, the services and the worker as
processes, demo data, and the developer commands behind ./linli."""
