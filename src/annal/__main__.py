from annal.cli import main

main()
