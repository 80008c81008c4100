"""Business rules, called alike by views, the API and the CLI."""
