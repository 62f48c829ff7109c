"""The PostgreSQL engine: one database shared by every bot process, through asyncpg.

- ``database``: the pool, writers serialised across processes by an advisory lock;
- ``connection``: one pooled connection as the SQL sees it (``?`` as ``$N``, COPY);
- ``feed``: the change feed, LISTEN to the NOTIFY each committed write sends;
- ``imports``: bulk import by COPY and set-based SQL in one transaction;
- ``search``: search in PostgreSQL's syntax: a tsvector, ranked by ``ts_rank_cd``;
- ``migrate``: the runner of ``migrations/*.sql``, in one transaction;
- ``dialect``: PostgreSQL's spellings of what the engines say differently.
"""
