"""Exchange rates: ECB reference-rate import and conversion at the transaction date."""
