"""The benchmark (`make bench`): the service against bare Quart, served alike."""
