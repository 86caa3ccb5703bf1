from matjip_platform.service import main
from matjip_user.app import definition

main(definition)
