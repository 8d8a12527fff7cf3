"""Facts: what rules and fixers need to know about the model, derived once.

Loaders build the model and may call facts; rules and fixes read facts and never import
loaders (fixes never import rules). Facts import only the model, syntax/ and textio.
"""
