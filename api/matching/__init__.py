"""Matching: freelancers for projects and projects for freelancers (features, scores, rankers, jobs)."""
