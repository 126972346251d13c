import pyblish.api

from kitsu_publish import actions, flow


class ValidateKitsuReview(pyblish.api.ContextPlugin):
    """Your review files (playblasts, renders) can go on the Kitsu note.

    Each file exists, can be read, is a picture, a movie or a file Kitsu keeps, and is
    not too big; nothing is posted otherwise.
    """

    label = "Kitsu: check review files"
    order = pyblish.api.ValidatorOrder + 0.03
    actions = [actions.OpenTaskInKitsu]  # noqa: RUF012 (pyblish reads a list)

    def process(self, context):
        flow.validate_review(context, self.log)
