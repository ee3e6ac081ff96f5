from courroie.interfaces.cli import app

app(prog_name="courroie")
