"""Tests of spectrum_rpc.webhooks: outbox, payload and signing, delivery, retries, SSRF."""
