import pyblish.api

from kitsu_publish import flow


class ValidateKitsuReview(pyblish.api.ContextPlugin):
    """The review files of this publish can go on the Kitsu note.

    Each file exists, can be read, is a picture, a movie or a file Kitsu keeps, and is
    not too big; a wanted revision number is still free.
    """

    label = "Kitsu Review Files"
    order = pyblish.api.ValidatorOrder + 0.03

    def process(self, context):
        flow.validate_review(context, self.log)
