from matjip_ai.app import definition
from matjip_platform.service import main

main(definition)
