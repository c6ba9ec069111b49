"""Skills: the curated taxonomy (seeded from taxonomy.json) and the skills users claim."""
