"""A clone job: pipeline (one job end to end, as events), events (what a job reports), generate
(one model answer as events), refine (refine rounds and edits by instruction), run (settings to
a job, events to run state), batch (many screenshots over several backends)."""
