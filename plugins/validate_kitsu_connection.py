import pyblish.api

from kitsu_publish import flow


class ValidateKitsuConnection(pyblish.api.ContextPlugin):
    """Kitsu can be reached and accepts your login.

    If this fails, the message says what is wrong and who can fix it; nothing is posted.
    """

    label = "Kitsu: check connection"
    order = pyblish.api.ValidatorOrder

    def process(self, context):
        flow.validate_connection(context, self.log)
