from matjip_platform.entrypoint import main

main("store")
