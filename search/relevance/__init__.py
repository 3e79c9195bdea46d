"""Relevance: a fixture catalogue, a graded judgment list, nDCG@10 and MRR."""
