from infradoctor.cli.main import main

raise SystemExit(main())
