from matjip_notification.app import definition
from matjip_platform.service import main

main(definition)
