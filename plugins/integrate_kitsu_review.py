import pyblish.api

from kitsu_publish import flow


class IntegrateKitsuReview(pyblish.api.ContextPlugin):
    """Put the review files on the Kitsu note just posted: the first as its preview.

    Waits until Kitsu has processed the movies, then sets the thumbnail and adds the
    preview to a playlist when the settings ask for it.
    """

    label = "Kitsu Review Upload"
    order = pyblish.api.IntegratorOrder + 0.41

    def process(self, context):
        flow.integrate_review(context, self.log)
