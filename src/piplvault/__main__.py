from piplvault.cli import main

main()
