from matjip_auth.app import definition
from matjip_platform.service import main

main(definition)
