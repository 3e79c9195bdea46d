"""Local PostgreSQL, Kafka and Elasticsearch for development and CI, on loopback only."""
