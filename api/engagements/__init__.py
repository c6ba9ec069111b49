"""Engagements ("contracts" in the routes): a hire between a client and a freelancer, paid through an escrow
whose transactions Lancer prepares (never signs) and whose state is derived from the index on every read."""
