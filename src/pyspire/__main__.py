from pyspire.cli.main import main

main()
