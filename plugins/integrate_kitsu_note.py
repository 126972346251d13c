import pyblish.api

from kitsu_publish import flow


class IntegrateKitsuNote(pyblish.api.ContextPlugin):
    """Post one comment per Kitsu task, changing its status when the rules allow.

    Runs after the studio's own integrators, and posts nothing if any earlier step of
    the publish failed. Set KITSU_PUBLISH_DRY_RUN=1 to only log what would be posted.
    """

    label = "Kitsu Note"
    order = pyblish.api.IntegratorOrder + 0.4

    def process(self, context):
        flow.integrate_notes(context, self.log)
