import pyblish.api

from kitsu_publish import actions, flow


class ValidateKitsuTargets(pyblish.api.InstancePlugin):
    """This product's Kitsu task exists and you can see it.

    If this fails, check the task named in the message (a typo in a task type or shot
    name is the usual cause); nothing is posted.
    """

    label = "Kitsu: check task"
    order = pyblish.api.ValidatorOrder + 0.01
    actions = [actions.OpenTaskInKitsu]  # noqa: RUF012 (pyblish reads a list)

    def process(self, instance):
        flow.validate_target(instance, self.log)
