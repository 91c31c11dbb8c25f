"""Weekly reminders (being written)."""


def reminders_send_weekly(*, today=None) -> int:
    raise NotImplementedError
