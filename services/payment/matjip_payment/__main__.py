from matjip_payment.app import definition
from matjip_platform.service import main

main(definition)
