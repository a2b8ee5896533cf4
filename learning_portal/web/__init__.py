"""Web plumbing shared by every domain's views: the acting person, role gates, API helpers."""
