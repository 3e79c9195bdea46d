"""Text analysis shared by indexing and querying (Elasticsearch here runs only its core).

Normalisation, Egyptian spelling folds, Snowball stemming, Franco-Arabic handling, a
phonetic skeleton for transliterations, and the synonym vocabulary all live in Python, so
the very same code turns listing text into index tokens and a buyer's query into terms.
"""
