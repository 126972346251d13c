import pyblish.api

from kitsu_publish import actions, flow


class ValidateKitsuNote(pyblish.api.ContextPlugin):
    """Kitsu will take your note: its status, its text, and your rights on the task.

    If this fails, the message says what Kitsu would refuse and who can fix it;
    nothing is posted.
    """

    label = "Kitsu: check note"
    order = pyblish.api.ValidatorOrder + 0.02
    actions = [actions.OpenTaskInKitsu, actions.ShowSettableStatuses]  # noqa: RUF012 (pyblish reads a list)

    def process(self, context):
        flow.validate_note(context, self.log)
