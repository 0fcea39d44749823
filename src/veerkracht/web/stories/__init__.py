"""Stories next to the figures (DESIGN.md §5.5) and registered interventions.

Professionals write observations and vignettes tagged to a place; the place
profile shows them beside its numbers (``services.stories_for_place``).
Stories never enter analytics: nothing here writes to the workspace.
"""
