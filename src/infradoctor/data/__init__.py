"""Package data: data/images.toml, the curated image table, and images_table.py generated
from it (read by facts.image_table)."""
