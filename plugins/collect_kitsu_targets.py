import pyblish.api

from kitsu_publish import actions, flow


class CollectKitsuTargets(pyblish.api.ContextPlugin):
    """Find the Kitsu task of each product."""

    label = "Kitsu: find tasks"
    order = pyblish.api.CollectorOrder + 0.47
    actions = [actions.OpenTaskInKitsu]  # noqa: RUF012 (pyblish reads a list)

    def process(self, context):
        flow.collect_targets(context, self.log)
