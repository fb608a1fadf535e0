"""A clone job: pipeline (one job end to end, as events), events (what a job reports), batch
(many screenshots over several backends)."""
