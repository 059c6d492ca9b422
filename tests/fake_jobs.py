"""A stand-in for the report's ``run_job``, for tests of what the report does around the
notebooks (which files, whose, where) without starting kernels."""

from __future__ import annotations

from helpers.files import write_text_atomic
from helpers.publish.runner import Job


class FakeJobs:
    """Writes the notebook's figure table(s) (naming the notebook, the figure and the partners
    it was given) and its executed copy (the stored one), as a real run does, and records each
    job it was given."""

    def __init__(self, figures: tuple[str, ...] = ("fig",)) -> None:
        self.figures = figures
        self.jobs: list[Job] = []

    @property
    def ran(self) -> list[str]:
        return [job.name for job in self.jobs]

    def __call__(self, job: Job, progress: bool) -> None:
        self.jobs.append(job)
        figure_dir = (job.source.parent / job.parameters["figure_dir"]).resolve()
        for name in self.figures:
            line = f"{job.name},{name},{job.parameters.get('partners')}\n"
            write_text_atomic(figure_dir / f"{name}.csv", line)
        write_text_atomic(job.target, job.source.read_text(encoding="utf-8"))

    def take(self) -> list[str]:
        """The notebooks run since the last ``take``, sorted."""
        ran, self.jobs = sorted(self.ran), []
        return ran
