from matjip_platform.service import main

from matjip_notification.app import definition

main(definition)
