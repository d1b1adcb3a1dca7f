"""Business KPIs over the imported orders: revenue, orders, order value, return rate."""
