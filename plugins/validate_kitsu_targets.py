import pyblish.api

from kitsu_publish import flow


class ValidateKitsuTargets(pyblish.api.InstancePlugin):
    """This instance's Kitsu task exists.

    The task comes from kitsuTaskId, or from kitsuProject, kitsuEntity and
    kitsuTaskType (on the instance, the context or in the environment).
    """

    label = "Kitsu Task"
    order = pyblish.api.ValidatorOrder + 0.01

    def process(self, instance):
        flow.validate_target(instance, self.log)
