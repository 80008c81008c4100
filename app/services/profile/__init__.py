"""The contact profile: master-data panels, tabs and timeline."""
