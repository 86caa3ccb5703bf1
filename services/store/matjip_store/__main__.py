from matjip_platform.service import main
from matjip_store.app import definition

main(definition)
