"""Publishing: the papermill runner of the whole report and the static site."""
