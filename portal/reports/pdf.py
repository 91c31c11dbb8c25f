def render_pdf(content: dict) -> bytes:
    raise NotImplementedError
