"""desktop_agent package."""
