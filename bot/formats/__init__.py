"""The file formats reviews arrive in and leave in, one module each.

A reader turns a text stream into rows of raw fields (:mod:`bot.formats.rows`), each
named where a person finds it in the file; :mod:`bot.importers` validates them into
reviews. :mod:`bot.formats.export` writes reviews back out.
"""
