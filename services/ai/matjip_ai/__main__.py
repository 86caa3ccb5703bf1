from matjip_platform.service import main

from matjip_ai.app import definition

main(definition)
