import pyblish.api

from kitsu_publish import flow


class CollectKitsuSession(pyblish.api.ContextPlugin):
    """Find which products go to Kitsu, and log in to Kitsu for them."""

    label = "Kitsu: log in"
    order = pyblish.api.CollectorOrder + 0.46

    def process(self, context):
        flow.collect_session(context, self.log)
