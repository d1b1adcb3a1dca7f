"""Server-rendered dashboard: Jinja2 templates, htmx, Plotly, all served locally."""
