from assetctl.cli import main

main()
