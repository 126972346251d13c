import pyblish.api

from kitsu_publish import flow


class CollectKitsuSettings(pyblish.api.ContextPlugin):
    """Read the studio's Kitsu settings: when a task's status changes, how the note reads."""

    label = "Kitsu: read settings"
    order = pyblish.api.CollectorOrder + 0.45

    def process(self, context):
        flow.collect_settings(context, self.log)
