import pyblish.api

from kitsu_publish import actions, flow


class ValidateKitsuShot(pyblish.api.InstancePlugin):
    """This product's frame range, frame rate and resolution match its Kitsu shot.

    Switched on by the studio ([ValidateKitsuShot] in the settings). If this fails,
    render the shot's cut as the message says, or ask production to update the shot in
    Kitsu; "Show the shot in Kitsu" lists Kitsu's values. Nothing is posted.
    """

    label = "Kitsu: check shot range"
    order = pyblish.api.ValidatorOrder + 0.04
    actions = [actions.ShowShotInKitsu, actions.OpenTaskInKitsu]  # noqa: RUF012

    def process(self, instance):
        flow.validate_shot(instance, self.log)
