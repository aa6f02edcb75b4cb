"""spectrum-rpc: a self-hosted content-moderation server speaking the Spectrum JSON-RPC API."""

__version__ = "0.1.0"
