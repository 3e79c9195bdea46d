"""The service layer: one function per command, each one unit of work (one transaction).

Functions take the unit of work first and everything else as keyword arguments, check who
is asking, load aggregates through the repositories, let the aggregates apply the rules and
record events, and commit. They return the aggregate they changed (readable after commit).
"""
