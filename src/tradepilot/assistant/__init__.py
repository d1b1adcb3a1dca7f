"""The co-pilot: read-only tools over the services, question answering, the daily brief."""
