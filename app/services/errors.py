class ServiceError(ValueError):
    """A business rule refused an operation. The message is translated and shown as is.

    ``field`` names the form field the message belongs to, when there is one."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
