"""The SQLite engine: one file in WAL mode, shared by every process that opens it.

- ``database``: the writer and reader connections, one-writer transactions that wait
  a bounded time, backup, and taking back a half-applied import on open;
- ``feed``: the change feed (triggers into a ``changes`` table, read by cursor);
- ``imports``: bulk import in short transactions, all or nothing through a journal;
- ``intent``: short writers announce themselves, so an import lets them in first;
- ``search``: search in SQLite's syntax: the FTS5 index, ranked by BM25;
- ``migrate``: the runner of ``migrations/*.sql``, backing the file up first;
- ``dialect``: SQLite's spellings of what the engines say differently.
"""
