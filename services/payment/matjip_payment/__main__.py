from matjip_platform.service import main

from matjip_payment.app import definition

main(definition)
