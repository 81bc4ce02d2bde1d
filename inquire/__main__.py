from inquire.cli import main

main()
