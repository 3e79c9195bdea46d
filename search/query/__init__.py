"""From a validated search request to an Elasticsearch body and back to results."""
