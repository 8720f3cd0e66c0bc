"""What every linli service process shares: configuration, the database pool and migrations, the gRPC
server with health, reflection and interceptors, authentication, errors, logs, metrics and personal data."""
