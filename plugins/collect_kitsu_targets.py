import pyblish.api

from kitsu_publish import flow


class CollectKitsuTargets(pyblish.api.ContextPlugin):
    """Find the Kitsu task of each instance."""

    label = "Kitsu Tasks"
    order = pyblish.api.CollectorOrder + 0.47

    def process(self, context):
        flow.collect_targets(context, self.log)
