from matjip_platform.service import main

from matjip_auth.app import definition

main(definition)
