"""Not on the admin site: documents and DBS decisions are filed, read and downloaded only
through their record's pages, which check access and log every download."""
