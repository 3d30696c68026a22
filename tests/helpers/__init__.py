"""Helpers shared by test modules: import them from here, never from another test module.

classroom: a host's client, joining, answering (and the browser's class steps);
csrf: reading CSRF tokens off pages; keys: answer keys computed in the test process.
"""
