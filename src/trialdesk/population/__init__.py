"""Population pre-screening: protocols compiled to SQL and run over a patient-facts schema."""
