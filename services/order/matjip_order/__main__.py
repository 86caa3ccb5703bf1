from matjip_platform.service import main

from matjip_order.app import definition

main(definition)
