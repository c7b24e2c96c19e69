"""Ego-Exo4D (keystep) as a byov data plugin: see docs/egoexo4d.md."""
