"""The map: places drawn from the workspace's own geometry, no tile server."""
