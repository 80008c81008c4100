"""Demo tenants and their records: seed data made through the services, not rules."""
