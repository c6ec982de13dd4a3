"""Providers: the catalog (data) and the executor that moves bytes over the shared HTTP client."""
