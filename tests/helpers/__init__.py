"""Helpers shared by test modules, in one place: `admin` (a logged-in admin client), `cli`
(running the command line), `http` (JSON-RPC requests), `pii` (assertions of the personal-data
detector tests), `process` (processes seen through /proc), `scripts` (a script in scripts/
loaded as a module), `serve` (a real `spectrum-rpc serve` process), `texts` (paragraphs the
engine tests score), `training` (tiny corpora and models made on the fly, two trainings compared
label by label, written rows checked against the functional table), `webhooks` (a scripted
receiver, results, the outbox run as classifyText runs it).
"""
