def render_xlsx(content: dict) -> bytes:
    raise NotImplementedError
