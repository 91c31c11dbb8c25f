def render_docx(content: dict) -> bytes:
    raise NotImplementedError
