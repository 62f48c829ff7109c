"""The narrow services the cogs and the CLI hold instead of the store.

- ``curation``: adding, changing, importing, exporting and backing up reviews;
- ``settings``: what each server chose (moderator role, announcements) and the
  hash of the command tree last synced;
- ``insights``: picks, top lists, similar films, statistics, labels and misses;
- ``discovery``: reviews found by what they say (``/discover``, ``/random about:``).

Each takes the store (and the finder or sync it needs) from :class:`bot.catalog.Catalog`,
which composes them; none hands the store on.
"""
