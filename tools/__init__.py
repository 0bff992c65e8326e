"""Command lines (`canopy`, `numbast`) and the API diff."""
