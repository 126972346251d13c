import pyblish.api

from kitsu_publish import actions, flow


class IntegrateKitsuNote(pyblish.api.ContextPlugin):
    """Post your comment to each Kitsu task, changing its status when the studio's rules allow.

    Runs last, after your files were published, and posts nothing if anything before
    it failed.
    """

    label = "Kitsu: post note"
    order = pyblish.api.IntegratorOrder + 0.4
    actions = [actions.OpenTaskInKitsu]  # noqa: RUF012 (pyblish reads a list)

    def process(self, context):
        flow.integrate_notes(context, self.log)
