from infradoctor.cli.main import entry

entry()
