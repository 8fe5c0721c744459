from django.apps import AppConfig


class ServerConfig(AppConfig):
    """The web server around the apps: ``aquagrowth serve`` (gunicorn), the health
    endpoint, the error pages and the compression of API answers.

    An app of its own because it serves every other one and belongs to none of them.
    """

    name = "aquagrowth.server"
    verbose_name = "Server"
