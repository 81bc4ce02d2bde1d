"""inquire's web pages: a Datasette plugin over the index (``pip install 'inquire[web]'``, ``inquire serve``).

- ``views``: the tracker's database views (SQL only; created in the index when it is written);
- ``site``: the index the pages read, reopened when a re-index publishes a new version;
- ``pages``: what each page shows, from the same library calls as the CLI;
- ``plugin``: the Datasette hooks, routes and templates;
- ``server``: ``inquire serve`` (Datasette on 127.0.0.1 with the plugin).

Importing this package imports no Datasette; only ``plugin`` and ``server`` need the ``web`` extra.
"""
