"""Model references, safe loading, one in-process cache, device choice."""
