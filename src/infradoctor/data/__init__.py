"""Package data: data/images.toml, the curated image table (read by facts.image_table)."""
