"""Pure domain types and rules: money, countries, catalogue, orders, inventory, purchasing."""
