from shanxi_qa.cli import main

raise SystemExit(main())
