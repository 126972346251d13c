import pyblish.api

from kitsu_publish import actions, flow


class IntegrateKitsuReview(pyblish.api.ContextPlugin):
    """Put your review files on the Kitsu note just posted: the first as its preview.

    Waits until Kitsu has processed the movies.
    """

    label = "Kitsu: upload review files"
    order = pyblish.api.IntegratorOrder + 0.41
    actions = [actions.OpenTaskInKitsu]  # noqa: RUF012 (pyblish reads a list)

    def process(self, context):
        flow.integrate_review(context, self.log)
