"""The REST API served by ``piplvault serve``: the one process that holds the keys."""
