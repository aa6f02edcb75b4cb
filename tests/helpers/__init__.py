"""Helpers shared by test modules of several folders: `admin` (a logged-in admin client),
`process` (processes seen through /proc), `training` (tiny corpora and models made on the fly).
"""
