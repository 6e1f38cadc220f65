"""Documents rendered from templates: destruction certificates (zh-CN, en)."""
