"""Logistics: shipping lanes and routing, landed cost, unit economics, rule changes."""
