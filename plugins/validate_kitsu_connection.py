import pyblish.api

from kitsu_publish import flow


class ValidateKitsuConnection(pyblish.api.ContextPlugin):
    """Kitsu settings are valid and Kitsu is reachable with your login.

    If this fails, check the message: a settings file problem is for your TD; a login
    or server problem may need KITSU_SERVER, KITSU_LOGIN/KITSU_PWD or KITSU_TOKEN.
    """

    label = "Kitsu Connection"
    order = pyblish.api.ValidatorOrder

    def process(self, context):
        flow.validate_connection(context, self.log)
