"""The API machinery every app's api/ builds on: renderers, pagination, negotiation, concurrency, errors."""
