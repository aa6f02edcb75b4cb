"""Tests of spectrum_rpc.admin: access, the JSON API and pages, webhooks, the browser story."""
