"""Work on contacts: cases, tasks and leads."""
