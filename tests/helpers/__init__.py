"""Helpers shared by test modules: import them from here, never from another test module.

api: the grading API's paths; authz: the authorization matrix's routes, accounts and sample
URLs; classroom: a host's client, joining, answering, a played class (class_browser: the
browser's class steps); csrf: reading CSRF tokens off pages; keys: answer keys computed in
the test process; leaks: looking for a key in what a browser gets; modes: assessment copies
of the course; pages: browser pages that watch their CSP, the axe check; author_browser: the
editor's browser steps.
"""
