from tests.integrations.postgres.helpers import volumes

__all__ = ["volumes"]
