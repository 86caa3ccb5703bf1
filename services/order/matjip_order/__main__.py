from matjip_order.app import definition
from matjip_platform.service import main

main(definition)
