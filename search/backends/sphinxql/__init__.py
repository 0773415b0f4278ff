"""The cluster backend: passages in RT indexes of searchd nodes, over SphinxQL
(``cluster.py`` sets up and runs the nodes)."""
