import pyblish.api

from kitsu_publish import flow


class ValidateKitsuNote(pyblish.api.ContextPlugin):
    """The Kitsu comment can be written: the target status exists, the template renders."""

    label = "Kitsu Note"
    order = pyblish.api.ValidatorOrder + 0.02

    def process(self, context):
        flow.validate_note(context, self.log)
